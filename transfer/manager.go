package transfer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/polystore/polystore/client"
)

// Manager runs upload and download tasks over one API. It is safe for
// concurrent use; every task it starts shares its file-level parallelism
// limit and its part-buffer pool.
type Manager struct {
	api   API
	opts  Options
	slots *slots
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
// NewClientAPI), configured by optFns applied to the default Options.
func New(api API, optFns ...func(*Options)) (*Manager, error) {
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
	return &Manager{api: api, opts: o, slots: newSlots(o.FileParallelism), bufFree: map[int64][]*[]byte{}, journals: map[string]bool{}}, nil
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

// slots is a first-come-first-served counting semaphore: the manager's
// file-level parallelism.
type slots struct {
	mu    sync.Mutex
	free  int
	queue []*slotWaiter
}

type slotWaiter struct {
	ch      chan struct{}
	granted bool
}

func newSlots(n int) *slots { return &slots{free: n} }

// acquire waits for a slot. It gives up, returning context.Cause(ctx) or
// errPaused, when ctx ends or pause is closed.
func (s *slots) acquire(ctx context.Context, pause <-chan struct{}) error {
	select {
	case <-pause:
		return errPaused
	default:
	}
	s.mu.Lock()
	if s.free > 0 && len(s.queue) == 0 {
		s.free--
		s.mu.Unlock()
		return nil
	}
	w := &slotWaiter{ch: make(chan struct{})}
	s.queue = append(s.queue, w)
	s.mu.Unlock()
	var err error
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		err = context.Cause(ctx)
	case <-pause:
		err = errPaused
	}
	s.mu.Lock()
	if w.granted {
		s.mu.Unlock()
		s.release()
		return err
	}
	for i, q := range s.queue {
		if q == w {
			s.queue = append(s.queue[:i:i], s.queue[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	return err
}

// release gives a slot to the first waiter, or back to the pool.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) > 0 {
		w := s.queue[0]
		s.queue = s.queue[1:]
		w.granted = true
		close(w.ch)
		return
	}
	s.free++
}
