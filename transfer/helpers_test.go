package transfer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds waits in tests; it is a safety net, never a means of
// synchronisation.
const testTimeout = 60 * time.Second

func randomData(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n:n]
}

func writeTemp(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func wait(t testing.TB, task *Task) (*Result, error) {
	t.Helper()
	return task.Wait(ctxT(t))
}

func mustWait(t testing.TB, task *Task) *Result {
	t.Helper()
	res, err := wait(t, task)
	if err != nil {
		t.Fatalf("%s: %v", task.ID(), err)
	}
	return res
}

// recorder is a Listener that records everything and checks that calls
// for one task never overlap.
type recorder struct {
	mu       sync.Mutex
	busy     map[*Task]bool
	overlap  bool
	progress []Progress
	hash     []Progress
	parts    []Part
	states   []State
	stateCh  chan State
	partCh   chan Part
}

func newRecorder() *recorder {
	return &recorder{busy: map[*Task]bool{}, stateCh: make(chan State, 1000), partCh: make(chan Part, 10000)}
}

func (r *recorder) enter(t *Task) {
	r.mu.Lock()
	if r.busy[t] {
		r.overlap = true
	}
	r.busy[t] = true
	r.mu.Unlock()
}

func (r *recorder) leave(t *Task) {
	r.mu.Lock()
	r.busy[t] = false
	r.mu.Unlock()
}

func (r *recorder) listener() Listener {
	return Listener{
		Progress: func(t *Task, p Progress) {
			r.enter(t)
			defer r.leave(t)
			r.mu.Lock()
			r.progress = append(r.progress, p)
			r.mu.Unlock()
		},
		HashProgress: func(t *Task, p Progress) {
			r.enter(t)
			defer r.leave(t)
			r.mu.Lock()
			r.hash = append(r.hash, p)
			r.mu.Unlock()
		},
		PartDone: func(t *Task, p Part) {
			r.enter(t)
			defer r.leave(t)
			r.mu.Lock()
			r.parts = append(r.parts, p)
			r.mu.Unlock()
			r.partCh <- p
		},
		StateChange: func(t *Task, from, to State) {
			r.enter(t)
			defer r.leave(t)
			r.mu.Lock()
			r.states = append(r.states, to)
			r.mu.Unlock()
			r.stateCh <- to
		},
	}
}

// waitState waits until the listener reported state s.
func (r *recorder) waitState(t testing.TB, s State) {
	t.Helper()
	timeout := time.After(testTimeout)
	for {
		select {
		case got := <-r.stateCh:
			if got == s {
				return
			}
		case <-timeout:
			t.Fatalf("state %s never reported", s)
		}
	}
}

// waitParts waits until n more PartDone events arrived.
func (r *recorder) waitParts(t testing.TB, n int) {
	t.Helper()
	timeout := time.After(testTimeout)
	for i := 0; i < n; i++ {
		select {
		case <-r.partCh:
		case <-timeout:
			t.Fatalf("only %d of %d parts reported", i, n)
		}
	}
}

// checkProgress checks that the reported progress never went down and
// ended at exactly total.
func (r *recorder) checkProgress(t testing.TB, total int64) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.overlap {
		t.Error("listener calls overlapped")
	}
	if len(r.progress) == 0 {
		t.Fatal("no progress reported")
	}
	var last int64 = -1
	for _, p := range r.progress {
		if p.Bytes < last {
			t.Errorf("progress went down: %d after %d", p.Bytes, last)
		}
		if p.Total >= 0 && p.Bytes > p.Total {
			t.Errorf("progress %d beyond total %d", p.Bytes, p.Total)
		}
		last = p.Bytes
	}
	end := r.progress[len(r.progress)-1]
	if end.Bytes != total || end.Total != total || end.Percent != 100 {
		t.Errorf("final progress = %+v, want %d of %d at 100%%", end, total, total)
	}
}

// gate blocks UploadPart (or GET) calls until released, and reports
// arrivals, for deterministic pause and cancel tests.
type gate struct {
	arrived chan int
	mu      sync.Mutex
	open    bool
	release chan struct{}
}

func newGate() *gate {
	return &gate{arrived: make(chan int, 10000), release: make(chan struct{})}
}

// hold blocks until the gate opens or ctx ends.
func (g *gate) hold(ctx context.Context, n int) error {
	g.arrived <- n
	g.mu.Lock()
	ch, open := g.release, g.open
	g.mu.Unlock()
	if open {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// openUp releases every held call and lets later ones through.
func (g *gate) openUp() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open {
		g.open = true
		close(g.release)
	}
}

// waitArrivals waits until n calls arrived at the gate and returns them.
func (g *gate) waitArrivals(t testing.TB, n int) []int {
	t.Helper()
	var got []int
	timeout := time.After(testTimeout)
	for len(got) < n {
		select {
		case x := <-g.arrived:
			got = append(got, x)
		case <-timeout:
			t.Fatalf("only %d of %d calls arrived: %v", len(got), n, got)
		}
	}
	return got
}

func countDistinct(xs []int) map[int]int {
	m := map[int]int{}
	for _, x := range xs {
		m[x]++
	}
	return m
}

func checkNoDuplicates(t testing.TB, parts []int) {
	t.Helper()
	for n, c := range countDistinct(parts) {
		if c > 1 {
			t.Errorf("part %d was acknowledged %d times", n, c)
		}
	}
}

func equalBytes(t testing.TB, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("content differs: got %d bytes (md5 %s), want %d bytes (md5 %s)", len(got), md5Hex(got), len(want), md5Hex(want))
	}
}

// gatedAPI holds UploadPart calls in a hook before they reach the real
// API, so that tests against real servers can pause and cancel at a
// known point.
type gatedAPI struct {
	API
	hold func(ctx context.Context, number int) error
}

func (g *gatedAPI) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	if err := g.hold(ctx, in.PartNumber); err != nil {
		return nil, err
	}
	return g.API.UploadPart(ctx, in)
}

// holdAfterFirst returns an API whose first part goes through and whose
// later parts wait at g.
func holdAfterFirst(api API, g *gate) *gatedAPI {
	first := api.(UploadAPI).Dialect().Limits.FirstPartNumber
	return &gatedAPI{API: api, hold: func(ctx context.Context, n int) error {
		if n == first {
			return nil
		}
		return g.hold(ctx, n)
	}}
}

// pauseMidway starts an upload of in with two parts at a time, lets the
// first part through, pauses while the next two are in flight, lets them
// finish and waits until the task is paused.
func pauseMidway(t *testing.T, api API, in *UploadInput, partSize int64) (*Task, *recorder) {
	t.Helper()
	g := newGate()
	rec := newRecorder()
	m, err := New(holdAfterFirst(api, g), WithPartSize(partSize), WithPartParallelism(2), WithListener(rec.listener()), WithProgressInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	task, _ := m.Upload(ctxT(t), in)
	rec.waitParts(t, 1)
	g.waitArrivals(t, 2)
	task.Pause()
	g.openUp()
	rec.waitState(t, StatePaused)
	return task, rec
}

// cancelMidway starts an upload of in, lets the first part through and
// cancels while the next two are in flight.
func cancelMidway(t *testing.T, api API, in *UploadInput, partSize int64, optFns ...func(*Options)) error {
	t.Helper()
	g := newGate()
	rec := newRecorder()
	m, err := New(holdAfterFirst(api, g), append([]func(*Options){WithPartSize(partSize), WithPartParallelism(2), WithListener(rec.listener())}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := m.Upload(ctxT(t), in)
	rec.waitParts(t, 1)
	g.waitArrivals(t, 2)
	task.Cancel()
	_, err = wait(t, task)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	return err
}
