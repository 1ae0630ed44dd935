package transfer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer/transferapi"
)

// Manager runs upload and download tasks over one API. It is safe for
// concurrent use; every task it starts shares its file-level parallelism
// limit and its part-buffer pool.
type Manager struct {
	api   transferapi.API
	opts  Options
	slots *semaphore.Weighted // file slots: FileParallelism
	seq   atomic.Uint64

	jmu      sync.Mutex
	journals map[string]bool // journal paths of running tasks

	bufMu   sync.Mutex
	bufFree map[int64][]*[]byte // part buffers to reuse, by size
	// Part buffers handed out and not yet given back, and the most at
	// once (observed by tests).
	bufOut, bufPeak int64
}

// New returns a manager that reaches the service through api (see
// transferapi.NewClient, or NewFromClient for a client.Client), configured
// by optFns applied to the default Options.
func New(api transferapi.API, optFns ...func(*Options)) (*Manager, error) {
	if api == nil {
		return nil, client.InvalidArgument("API", "must not be nil")
	}
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	return &Manager{api: api, opts: o, slots: semaphore.NewWeighted(int64(o.FileParallelism)), bufFree: map[int64][]*[]byte{}, journals: map[string]bool{}}, nil
}

// Options returns a copy of the manager's options.
func (m *Manager) Options() Options { return m.opts }

// taskOptions returns the options of one task: a copy of the manager's,
// edited by optFns. FileParallelism stays the manager's.
func (m *Manager) taskOptions(optFns []func(*Options)) (Options, error) {
	o := m.opts
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o = o.withDefaults()
	o.FileParallelism = m.opts.FileParallelism
	return o, o.check()
}

// Upload starts uploading in's source to in.Bucket/in.Key and returns the
// task at once. Input that is wrong on its face (no source, two sources,
// no bucket) is refused here; everything else, including a source that
// cannot be opened, is reported by Task.Wait.
//
// ctx is the task's context: its values reach every request, and its end
// cancels the task as Task.Cancel does. optFns edit the manager's options
// for this task only.
func (m *Manager) Upload(ctx context.Context, in *UploadInput, optFns ...func(*Options)) (*Task, error) {
	if in == nil {
		return nil, client.InvalidArgument("UploadInput", "must not be nil")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	o, err := m.taskOptions(optFns)
	if err != nil {
		return nil, err
	}
	if o.Integrity == IntegrityCRC64 && !m.api.Dialect().Has(client.FeatureCRC64) {
		return nil, client.NotSupported(m.api.Dialect(), "Integrity", "CRC-64 checking")
	}
	if o.Integrity == IntegrityCRC32C && !m.api.Dialect().Has(client.FeatureChecksums) {
		return nil, client.NotSupported(m.api.Dialect(), "Integrity", "CRC32C additional checksums")
	}
	t := m.newTask(ctx, "upload", in.Bucket, in.Key, o)
	t.job = newUploadJob(t, m.api, in)
	go t.run()
	return t, nil
}

// Download starts downloading in.Bucket/in.Key to in's destination and
// returns the task at once, like Upload.
func (m *Manager) Download(ctx context.Context, in *DownloadInput, optFns ...func(*Options)) (*Task, error) {
	if in == nil {
		return nil, client.InvalidArgument("DownloadInput", "must not be nil")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	o, err := m.taskOptions(optFns)
	if err != nil {
		return nil, err
	}
	t := m.newTask(ctx, "download", in.Bucket, in.Key, o)
	t.job = newDownloadJob(t, m.api, in)
	go t.run()
	return t, nil
}

func (m *Manager) newTask(ctx context.Context, op, bucket, key string, o Options) *Task {
	if ctx == nil {
		ctx = context.Background()
	}
	t := &Task{
		id:      fmt.Sprintf("%s-%d", op, m.seq.Add(1)),
		op:      op,
		bucket:  bucket,
		key:     key,
		m:       m,
		opts:    o,
		parent:  ctx,
		state:   StateWaiting,
		pauseCh: make(chan struct{}),
		done:    make(chan struct{}),
	}
	ctx = t.startSpan(ctx)
	t.ctx, t.cancel = context.WithCancelCause(ctx)
	t.prog.setTotals(-1, -1)
	t.hash.setTotals(0, 0)
	t.ev = newDispatcher(t, o.Listener, o.ProgressInterval)
	return t
}

// claimJournal marks a journal path as used by a running task.
func (m *Manager) claimJournal(path string) error {
	m.jmu.Lock()
	defer m.jmu.Unlock()
	if m.journals[path] {
		return fmt.Errorf("%w: journal %s", ErrJournalInUse, path)
	}
	m.journals[path] = true
	return nil
}

func (m *Manager) releaseJournal(path string) {
	m.jmu.Lock()
	delete(m.journals, path)
	m.jmu.Unlock()
}

// acquireSlot waits for one of the manager's file slots, first come
// first served (a semaphore.Weighted of FileParallelism). It gives up,
// returning context.Cause(ctx) or errPaused, when ctx ends or pause is
// closed first.
func (m *Manager) acquireSlot(ctx context.Context, pause <-chan struct{}) error {
	if closed(pause) {
		return errPaused
	}
	if m.slots.TryAcquire(1) {
		return nil
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-pause:
			cancel(errPaused)
		case <-stop:
		}
	}()
	if err := m.slots.Acquire(wctx, 1); err != nil {
		return context.Cause(wctx)
	}
	return nil
}

// releaseSlot gives a file slot back, to the first task waiting.
func (m *Manager) releaseSlot() { m.slots.Release(1) }
