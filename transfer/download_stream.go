package transfer

import (
	"context"
	"hash"
	"sync"

	"github.com/polystore/polystore/internal/integrity"
)

// A streamed download (DownloadInput.Writer, Manager.Open) fetches its
// ranges in parallel into part buffers and delivers them in order. The
// worker of range i, once the range is in, waits until every earlier
// range has been handed to the delivery goroutine, hands its buffer over
// and is free to fetch the next range: at most PartParallelism buffers
// are being fetched (or wait their turn) and one is being delivered, so
// a task holds at most PartParallelism+1 part buffers. Ranges are handed
// out in order, so the earliest range not delivered is always in flight
// and never waits for a later one.
//
// A range counts as done (Progress.Bytes, PartDone) once it has been
// delivered. A pause lets the ranges in flight finish and be delivered
// (PauseNow drops them; they are fetched again on Resume); delivered
// ranges always form a prefix of the object, so a resumed session
// continues from the first range not delivered. There is no journal: a
// stream cannot be resumed by another process.

// streamItem is a fetched range on its way to delivery.
type streamItem struct {
	i   int
	buf *[]byte
	n   int64
	rec *rangeRec
	f   *flight
}

// streamSink delivers the ranges of a streamed download in order.
type streamSink struct {
	// deliver writes p, the next bytes of the object; an error fails the
	// download. It must not keep p after returning.
	deliver func(ctx context.Context, p []byte) error
	// seq hashes the bytes in order when the plan needs them so (MD5,
	// SHA); nil otherwise.
	seq hash.Hash

	mu   sync.Mutex
	next int           // the first range not yet handed over
	turn chan struct{} // closed and replaced when next advances

	queue chan *streamItem // to the delivery goroutine, unbuffered
	done  chan struct{}    // closed when the delivery goroutine ends
	err   error            // the delivery failure that ended it, if any
}

func newStreamSink(deliver func(context.Context, []byte) error) *streamSink {
	return &streamSink{deliver: deliver, turn: make(chan struct{})}
}

// start begins a session's delivery from range next. A delivery error
// cancels the session through fail.
func (s *streamSink) start(ctx context.Context, d *downloadJob, next int, fail context.CancelCauseFunc) {
	s.mu.Lock()
	s.next = next
	s.queue = make(chan *streamItem)
	s.done = make(chan struct{})
	s.err = nil
	s.mu.Unlock()
	go s.run(ctx, d, fail)
}

// stop waits for the ranges handed over to be delivered and returns the
// delivery error, if any. No handOff may be in progress.
func (s *streamSink) stop() error {
	close(s.queue)
	<-s.done
	return s.err
}

// run is the delivery goroutine of one session.
func (s *streamSink) run(ctx context.Context, d *downloadJob, fail context.CancelCauseFunc) {
	defer close(s.done)
	for it := range s.queue {
		if s.err == nil {
			data := (*it.buf)[:it.n]
			if err := s.deliver(ctx, data); err != nil {
				s.err = &partError{number: it.i, err: err}
				fail(s.err)
			} else {
				if s.seq != nil {
					s.seq.Write(data)
				}
				// No journal, so ack cannot fail.
				_ = d.ack(it.i, it.f, it.rec)
			}
		}
		if s.err != nil {
			d.t.prog.endFlight(it.f)
		}
		d.t.m.putBuffer(it.buf)
	}
}

// handOff waits for range it.i's turn and gives it to the delivery
// goroutine. It fails, keeping nothing, when ctx ends first.
func (s *streamSink) handOff(ctx context.Context, it *streamItem) error {
	for {
		s.mu.Lock()
		next, turn := s.next, s.turn
		s.mu.Unlock()
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if next == it.i {
			break
		}
		select {
		case <-turn:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	select {
	case s.queue <- it:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	s.mu.Lock()
	s.next = it.i + 1
	close(s.turn)
	s.turn = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// streamSession runs one session of a streamed download: the ranges not
// yet delivered, fetched by the task's workers, delivered in order.
func (d *downloadJob) streamSession(ctx context.Context) error {
	d.mu.Lock()
	d.todo = d.todo[:0]
	first := d.n
	for i := 0; i < d.n; i++ {
		if d.ranges[i] == nil {
			d.todo = append(d.todo, i)
			first = min(first, i)
		}
	}
	d.mu.Unlock()
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	d.sink.start(sctx, d, first, cancel)
	perr := d.t.runParts(sctx, d.next, d.t.tracedParts(d.fetch))
	if err := d.sink.stop(); err != nil {
		return err
	}
	return perr
}

// newStreamPlan prepares the in-order hash of a streamed download whose
// plan needs one.
func (d *downloadJob) newStreamPlan() {
	if d.plan.Sequential() {
		d.sink.seq = d.plan.Algo.New()
	}
}

// streamSum returns the in-order digest of a streamed download.
func (d *downloadJob) streamSum(p integrity.Plan) []byte {
	if d.sink == nil || d.sink.seq == nil || !p.Sequential() {
		return nil
	}
	return d.sink.seq.Sum(nil)
}
