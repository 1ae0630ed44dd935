package transfer

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// assignment is what the part loop gives a worker it started: a part to
// transfer, or nothing (ok false), or the error that fails the task.
type assignment struct {
	i   int
	ok  bool
	err error
}

// runParts runs fn for the parts next hands out, at most
// Options.PartParallelism at a time (an errgroup with that limit). It
// stops handing parts out when the task is paused, when ctx ends or when
// a part fails; parts in flight then finish (or see their context
// cancelled: by PauseNow, Cancel, or the failure of a sibling). It
// returns the first failure, never an error that only reports such a
// cancellation. next is called from one goroutine, after a worker slot is
// free; it returns ok == false when no part is left, and an error to fail
// the task.
func (t *Task) runParts(ctx context.Context, next func() (int, bool, error), fn func(context.Context, int) error) error {
	pctx, release := t.partContext(ctx)
	defer release()
	g, wctx := errgroup.WithContext(pctx)
	g.SetLimit(t.opts.PartParallelism)
	pause := t.pauseSignal()
	for {
		// Go returns once a worker slot is free; the worker then waits
		// for its part, so that next runs only when one can start.
		work := make(chan assignment, 1)
		g.Go(func() error {
			a := <-work
			if a.err != nil || !a.ok {
				return a.err
			}
			if err := fn(wctx, a.i); err != nil && wctx.Err() == nil {
				return err
			}
			return nil
		})
		if closed(pause) || wctx.Err() != nil {
			work <- assignment{}
			break
		}
		i, ok, err := next()
		work <- assignment{i: i, ok: ok, err: err}
		if err != nil || !ok {
			break
		}
	}
	return g.Wait()
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
