package transfer

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/polystore/polystore/client"
)

// errReaderClosed is what Read returns after Close.
var errReaderClosed = errors.New("transfer: read from a closed Reader")

// Reader reads an object that a download task fetches ahead in parallel
// (Manager.Open). It is an io.ReadCloser: Read returns the object's bytes
// in order and, after the last, io.EOF once every byte has been verified
// as a download's are (see "Verified downloads" in the package
// documentation) — or, instead of io.EOF, the task's error (a
// *TaskError; errors.Is ErrChecksumMismatch when the bytes read do not
// match what the server publishes). Until then the bytes read are
// unverified.
//
// Read is not safe for concurrent use; Close may be called from another
// goroutine, to stop a Read that waits.
type Reader struct {
	t *Task

	ch       chan []byte   // the delivery goroutine's next range
	consumed chan struct{} // the range handed over was read (cap 1)
	closedCh chan struct{} // closed by Close
	once     sync.Once

	mu      sync.Mutex
	cur     []byte // what is left of the range being read
	holding bool   // cur is a range the delivery goroutine waits to get back
	closed  bool
}

// Open starts downloading in.Bucket/in.Key and returns a Reader of its
// bytes at once. The object is fetched by a download task (Reader.Task)
// in ranges of PartSize, PartParallelism at a time, ahead of the reader
// into part buffers: memory stays at most PartSize × (PartParallelism+1),
// whatever the object's size. in must name no destination (File,
// WriterAt and Writer empty). The task has the lifetime of ctx, holds one
// of the manager's file slots while it runs (an open Reader that is not
// read keeps it), and can be paused and resumed; Close cancels it and
// waits for its workers to end. Always Close the Reader.
func (m *Manager) Open(ctx context.Context, in *DownloadInput, optFns ...func(*Options)) (*Reader, error) {
	if in == nil {
		return nil, client.InvalidArgument("DownloadInput", "must not be nil")
	}
	if in.File != "" || in.WriterAt != nil || in.Writer != nil {
		return nil, client.InvalidArgument("Writer", "Open reads the object itself: set no File, WriterAt or Writer")
	}
	if in.Bucket == "" {
		return nil, client.InvalidArgument("Bucket", "must not be empty")
	}
	if in.Key == "" {
		return nil, client.InvalidArgument("Key", "must not be empty")
	}
	o, err := m.taskOptions(optFns)
	if err != nil {
		return nil, err
	}
	r := &Reader{ch: make(chan []byte), consumed: make(chan struct{}, 1), closedCh: make(chan struct{})}
	t := m.newTask(ctx, "download", in.Bucket, in.Key, o)
	d := newDownloadJob(t, m.api, in)
	d.sink = newStreamSink(r.deliver)
	t.job = d
	r.t = t
	go t.run()
	return r, nil
}

// Task returns the download task that fetches the Reader's bytes, for its
// progress, Pause and Resume.
func (r *Reader) Task() *Task { return r.t }

// deliver hands p to the reader and waits until it has been read. If the
// task ends or the Reader is closed first, it takes p back (waiting for a
// Read copying from it) and fails.
func (r *Reader) deliver(ctx context.Context, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	select {
	case r.ch <- p:
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-r.closedCh:
		return errReaderClosed
	}
	var err error
	select {
	case <-r.consumed:
		return nil
	case <-ctx.Done():
		err = context.Cause(ctx)
	case <-r.closedCh:
		err = errReaderClosed
	}
	r.mu.Lock()
	r.cur, r.holding = nil, false
	r.mu.Unlock()
	return err
}

// Read reads the object's next bytes. After the last it returns io.EOF if
// they were verified (or could not be: Result.Unverified says why), or
// the task's error.
func (r *Reader) Read(p []byte) (int, error) {
	r.mu.Lock()
	for len(r.cur) == 0 {
		if r.closed {
			r.mu.Unlock()
			return 0, errReaderClosed
		}
		if r.holding {
			// The range is read: give its buffer back.
			r.holding = false
			r.consumed <- struct{}{}
		}
		r.mu.Unlock()
		select {
		case b := <-r.ch:
			r.mu.Lock()
			r.cur, r.holding = b, true
		case <-r.t.Done():
			return 0, r.end()
		case <-r.closedCh:
			return 0, errReaderClosed
		}
	}
	if len(p) == 0 {
		r.mu.Unlock()
		return 0, nil
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	if len(r.cur) == 0 && r.holding {
		r.holding = false
		r.consumed <- struct{}{}
	}
	r.mu.Unlock()
	return n, nil
}

// end is what Read returns once the task has ended.
func (r *Reader) end() error {
	_, err := r.t.outcome()
	if err == nil {
		return io.EOF
	}
	return err
}

// Close cancels the download if it is still running and waits for its
// workers to end. It returns nil once the object was read to its end and
// verified, or when it was cancelled by Close; otherwise the task's error
// (a failure Read has not reported yet, such as a checksum mismatch).
func (r *Reader) Close() error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		// Cancel first: the task's error is then the cancellation, even
		// if the delivery sees the Reader closed before it sees that.
		r.t.Cancel()
		close(r.closedCh)
	})
	<-r.t.Done()
	r.mu.Lock()
	r.cur, r.holding = nil, false
	r.mu.Unlock()
	_, err := r.t.outcome()
	if err == nil || errors.Is(err, ErrCanceled) {
		return nil
	}
	return err
}
