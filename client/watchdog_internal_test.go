package client

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// hangingDial never connects: it waits for its context to end.
func hangingDial(calls *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		calls.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

func TestDialTimeoutTyped(t *testing.T) {
	var calls atomic.Int32
	dial := bulkDial(hangingDial(&calls), 20*time.Millisecond)
	_, err := dial(context.Background(), "tcp", "127.0.0.1:9")
	var te *TimeoutError
	if !errors.As(err, &te) || te.Kind != TimeoutDial || te.After != 20*time.Millisecond {
		t.Fatalf("err = %v, want a 20ms dial timeout", err)
	}
	// The caller's own context ending is not a dial timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := dial(ctx, "tcp", "127.0.0.1:9"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled dial: %v, want context.Canceled", err)
	}
}

// TestDialTimeoutRetried: through the client's own transport, a dial that
// times out is retried, and the last one's error names the dial timeout.
func TestDialTimeoutRetried(t *testing.T) {
	c, err := New(S3, WithEndpoint("http://127.0.0.1:9"), WithStaticCredentials("AKID", "SECRET", ""),
		WithRetry(RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	tr := newTransport(c.opts.Timeouts)
	tr.DialContext = bulkDial(hangingDial(&calls), 20*time.Millisecond)
	c.base = tr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // safety net
	defer cancel()
	_, err = invoke(ctx, c, &opDesc{
		Name: "Probe", Idempotent: true,
		Serialize: func(_ *Dialect, _ *Options, _ any, r *request) error {
			r.Method, r.Bucket = "HEAD", "bkt"
			return nil
		},
		Deserialize: noOutput,
	}, &struct{}{}, nil)
	var te *TimeoutError
	var oe *OperationError
	if !errors.As(err, &te) || te.Kind != TimeoutDial || !errors.As(err, &oe) {
		t.Fatalf("err = %v, want a dial *TimeoutError in an *OperationError", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d dials, want 3 (each timed-out attempt retried)", n)
	}
}

func newTestWatch(to Timeouts) *watch {
	_, cancel := context.WithCancelCause(context.Background())
	return &watch{wd: &watchdog{t: to}, parent: context.Background(), cancel: cancel}
}

func TestWatchDisabledTimeoutsArmNothing(t *testing.T) {
	w := newTestWatch(Timeouts{Stall: -1, ResponseHeader: -1})
	defer w.finish()
	w.sent()
	w.sendDone()
	w.wroteRequest()
	w.responded()
	w.receiving()
	if w.pending != nil || w.kind != 0 {
		t.Errorf("a disabled timeout armed %v (timer %v)", w.kind, w.pending != nil)
	}
}

// TestWatchRearmIsCheap: re-arming on every read moves the deadline
// without scheduling another timer.
func TestWatchRearmIsCheap(t *testing.T) {
	w := newTestWatch(Timeouts{Stall: time.Hour, ResponseHeader: time.Hour})
	defer w.finish()
	for i := 0; i < 1000; i++ {
		w.receiving()
		w.received()
	}
	if w.gen != 1 {
		t.Errorf("%d timers scheduled for 1000 reads, want 1", w.gen)
	}
	// An earlier deadline than the pending timer's does reschedule.
	w.mu.Lock()
	w.armLocked(TimeoutReceiveStall, time.Minute)
	gen := w.gen
	w.mu.Unlock()
	if gen != 2 {
		t.Errorf("an earlier deadline did not reschedule (generation %d)", gen)
	}
}

// TestWatchOneTimerPerAttempt: the timer made when the response header
// wait is armed fires no later than the shortest phase limit, so the
// stall limit of the body reads that follow needs no timer of its own;
// when it fires early (the header wait outlasting the stall limit) it is
// set again for the whole remainder, and no timeout is reported.
func TestWatchOneTimerPerAttempt(t *testing.T) {
	w := newTestWatch(Timeouts{Stall: time.Hour, ResponseHeader: 2 * time.Hour})
	defer w.finish()
	w.wroteRequest()
	w.mu.Lock()
	gen, deadline, fireAt := w.gen, w.deadline, w.fireAt
	w.mu.Unlock()
	if gen != 1 || !fireAt.Before(deadline.Add(-30*time.Minute)) {
		t.Fatalf("header wait: timer %d fires at %v, deadline %v; want one timer firing within the stall limit", gen, fireAt, deadline)
	}
	w.responded()
	w.receiving()
	w.mu.Lock()
	gen = w.gen
	w.mu.Unlock()
	if gen != 1 {
		t.Errorf("the body read's stall limit made timer %d, want the header wait's timer kept", gen)
	}
	w.received()

	// The early firing of a header wait that outlasts the stall limit.
	w2 := newTestWatch(Timeouts{Stall: time.Hour, ResponseHeader: 2 * time.Hour})
	defer w2.finish()
	w2.wroteRequest()
	w2.mu.Lock()
	gen = w2.gen
	w2.mu.Unlock()
	w2.expire(gen)
	w2.mu.Lock()
	fired, again, fireAt, deadline := w2.fired, w2.gen, w2.fireAt, w2.deadline
	w2.mu.Unlock()
	if fired != nil {
		t.Fatalf("an early firing reported %v", fired)
	}
	if again != gen+1 || !fireAt.Equal(deadline) {
		t.Errorf("after an early firing: timer %d at %v, want timer %d at the deadline %v", again, fireAt, gen+1, deadline)
	}
}

// TestWatchFires: an armed phase that sees no progress cancels the
// attempt with the typed timeout as the cause.
func TestWatchFires(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	w := &watch{wd: &watchdog{t: Timeouts{Stall: 10 * time.Millisecond}}, parent: context.Background(), cancel: cancel}
	w.receiving()
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second): // safety net
		t.Fatal("the stall timeout never fired")
	}
	var te *TimeoutError
	if !errors.As(context.Cause(ctx), &te) || te.Kind != TimeoutReceiveStall {
		t.Errorf("cause %v, want a receive stall", context.Cause(ctx))
	}
	if w.timedOut() != te {
		t.Errorf("timedOut() = %v", w.timedOut())
	}
}

// TestWatchIdleBetweenReads: between two reads of a response body (the
// caller busy with what it read) nothing is armed, so however late the
// timer runs, it does not end the attempt.
func TestWatchIdleBetweenReads(t *testing.T) {
	w := newTestWatch(Timeouts{Stall: time.Hour})
	defer w.finish()
	w.receiving()
	w.received()
	w.mu.Lock()
	w.deadline = time.Now().Add(-time.Second) // as if the caller paused past Stall
	gen := w.gen
	w.mu.Unlock()
	w.expire(gen) // the timer firing now
	if te := w.timedOut(); te != nil {
		t.Fatalf("a pause between reads ended the attempt: %v", te)
	}
	// While a read waits, the same lateness is a stall.
	w.receiving()
	w.mu.Lock()
	w.deadline = time.Now().Add(-time.Second)
	gen = w.gen
	w.mu.Unlock()
	w.expire(gen)
	if te := w.timedOut(); te == nil || te.Kind != TimeoutReceiveStall {
		t.Fatalf("a read waiting past Stall: %v, want a receive stall", te)
	}
}

// BenchmarkWatchRead is the watchdog's cost per body read.
func BenchmarkWatchRead(b *testing.B) {
	w := newTestWatch(Timeouts{Stall: time.Hour})
	defer w.finish()
	for b.Loop() {
		w.receiving()
		w.received()
	}
}
