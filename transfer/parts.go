package transfer

import (
	"context"
	"sync"
)

// runParts runs fn for the parts next hands out, at most
// Options.PartParallelism at a time. It stops handing parts out when the
// task is paused, when ctx ends or when a part fails; parts in flight
// then finish (or see their context cancelled: by PauseNow, Cancel, or
// the failure of a sibling). It returns the first failure, never an error
// that only reports such a cancellation. next is called from one
// goroutine, after a worker slot is free; it returns ok == false when no
// part is left, and an error to fail the task.
func (t *Task) runParts(ctx context.Context, next func() (int, bool, error), fn func(context.Context, int) error) error {
	pctx, release := t.partContext(ctx)
	defer release()
	wctx, cancel := context.WithCancelCause(pctx)
	defer cancel(nil)
	pause := t.pauseSignal()
	workers := make(chan struct{}, t.opts.PartParallelism)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
			cancel(err)
		}
		mu.Unlock()
	}
	for {
		acquired := false
		select {
		case workers <- struct{}{}:
			acquired = true
		case <-pause:
		case <-wctx.Done():
		}
		if !acquired {
			break
		}
		if closed(pause) || wctx.Err() != nil {
			<-workers
			break
		}
		i, ok, err := next()
		if err != nil {
			fail(err)
		}
		if err != nil || !ok {
			<-workers
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-workers }()
			if err := fn(wctx, i); err != nil && wctx.Err() == nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	return first
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
