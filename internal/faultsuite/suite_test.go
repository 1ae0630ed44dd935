package faultsuite

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/faultproxy"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/transfer"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// run is one operation against one fault on one backend.
type run struct {
	name string
	b    *backend
	f    *fault
	o    *op
	fx   *fixture
	c    *client.Client // the faulty client
	key  string         // the object an upload run writes
	dir  string

	// What the operation produced.
	result  *transfer.Result
	putETag string
	got     []byte
	listed  []string
	dups    []string

	waits    waitLog
	watchdog time.Duration // 0 means the constant watchdog
	bound    int
	trip     func() // the breaker: ends the run once past the bound
	requests func() int
	applied  func() int // faults that struck
	cleanups []func()

	// The outcome.
	err       error
	hung      bool
	corrupted bool
	nreq      int
	napplied  int
	elapsed   time.Duration
	problems  []string
}

var errUnbounded = errors.New("faultsuite: the run passed its request bound")

// plan returns every run: each fault, on each operation it names, on each
// backend it fits (hostile and listing faults need storagetest).
func plan(bs []*backend, dir string) []*run {
	var runs []*run
	for _, b := range bs {
		for _, f := range faults {
			if f.kind() != "proxy" && !b.storagetest {
				continue
			}
			for _, name := range opOrder {
				if !slices.Contains(f.ops, name) {
					continue
				}
				o := ops[name]
				r := &run{name: b.name + "/" + f.name + "/" + name, b: b, f: f, o: o}
				r.key = "runs/" + f.name + "/" + name
				r.dir = path.Join(dir, strings.ReplaceAll(r.name, "/", "_"))
				r.bound = f.bound
				if r.bound == 0 {
					r.bound = (o.base(b) + 3) * faultyRetry.MaxAttempts * 3
				}
				runs = append(runs, r)
			}
		}
	}
	return runs
}

// execute runs every run, as many at once as their backends allow (runs
// of stall faults, which mostly wait, have slots of their own). The
// listing runs go first, on their own: each is a long chain of small
// requests, whose time grows with everything else that runs.
func execute(runs []*run) {
	listing := slices.DeleteFunc(slices.Clone(runs), func(r *run) bool { return r.f.kind() != "listing" })
	rest := slices.DeleteFunc(slices.Clone(runs), func(r *run) bool { return r.f.kind() == "listing" })
	executeAll(listing)
	executeAll(rest)
}

func executeAll(runs []*run) {
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots := r.b.slots
			if r.f.stall {
				slots = stallSlots
			}
			slots <- struct{}{}
			defer func() { <-slots }()
			r.execute()
		}()
	}
	wg.Wait()
}

// execute performs the run and judges it.
func (r *run) execute() {
	// The breaker exists before the servers that trip it.
	base, trip := context.WithCancelCause(context.Background())
	defer trip(nil)
	r.trip = func() { trip(errUnbounded) }
	setup, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.prepare(setup); err != nil {
		r.problems = append(r.problems, "setup: "+err.Error())
		return
	}
	defer r.cleanup()

	if r.watchdog == 0 {
		r.watchdog = watchdog
	}
	ctx, stop := context.WithTimeoutCause(base, r.watchdog, errors.New("faultsuite: watchdog"))
	defer stop()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- r.o.do(ctx, r) }()
	select {
	case r.err = <-done:
		// The watchdog fired (not the breaker) before the operation ended.
		r.hung = ctx.Err() != nil && !errors.Is(context.Cause(ctx), errUnbounded)
	case <-time.After(r.watchdog + 10*time.Second):
		r.hung = true // the operation ignored its context
	}
	r.elapsed = time.Since(start)
	r.nreq, r.napplied = r.requests(), r.applied()
	unbounded := errors.Is(context.Cause(ctx), errUnbounded) || r.nreq > r.bound
	r.judge(setup, unbounded)
}

// cleanups run at the end of a run (servers, proxies).
func (r *run) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// prepare builds the run's servers, the fault in front of them and the
// faulty client.
func (r *run) prepare(ctx context.Context) error {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return err
	}
	d := &r.b.dialect
	target := nthTarget(r.o, r.f, d)
	endpoint := ""
	var fxOpts []func(*client.Options)
	switch r.f.kind() {
	case "listing":
		region := d.DefaultRegion
		if region == "" {
			region = "ap-beijing"
		}
		r.fx = &fixture{bucket: bucketName(*d, "faults")}
		fxOpts = []func(*client.Options){client.WithRegion(region), client.WithStaticCredentials("FAULTSUITEAK", "faultsuite-secret", "")}
		ls := newListingServer(r, r.f.pages)
		r.cleanups = append(r.cleanups, ls.srv.Close)
		endpoint, r.requests, r.applied = ls.srv.URL, ls.requests, ls.requests
	default:
		fx := r.b.fx
		r.fx = fx
		fxOpts = fx.opts
		if r.f.kind() == "proxy" {
			var p *faultproxy.Proxy
			var err error
			if r.b.proxyTLS != nil {
				p, err = faultproxy.NewTLS(fx.url, r.b.proxyTLS)
				fxOpts = append(slices.Clone(fxOpts), client.WithTLSConfig(&tls.Config{RootCAs: r.b.roots}))
			} else {
				p, err = faultproxy.New(fx.url)
			}
			if err != nil {
				return err
			}
			r.cleanups = append(r.cleanups, func() { p.Close() })
			fault := r.f.place(r.o)
			p.Add(
				faultproxy.Rule{Match: func(q *faultproxy.Request) bool {
					if q.Seq > r.bound {
						r.trip()
					}
					return false
				}},
				faultproxy.Rule{Match: func(q *faultproxy.Request) bool {
					return target(reqView{Method: q.Method, Query: q.URL.Query(), Header: q.Header})
				}, Times: -1, Fault: fault},
			)
			endpoint = p.URL()
			r.requests = func() int { return p.Stats().Requests }
			r.applied = func() int { return p.Stats().Applied() }
			break
		}
		match := func(q *http.Request) bool { return target(viewOf(q)) }
		h := newHostile(r, fx.st, match, r.f.act)
		r.cleanups = append(r.cleanups, h.close)
		endpoint, r.requests, r.applied = h.srv.URL, h.requests, h.applied
	}
	opts := append(slices.Clone(fxOpts),
		client.WithEndpoint(endpoint),
		client.WithRetry(faultyRetry),
		client.WithLogger(slog.New(&r.waits)),
	)
	if r.f.stall {
		// Short stall and response-header timeouts (see stallTimeout): a
		// stalled attempt ends, typed, and is retried. The response-header
		// timeout is the longer, so that on a loaded machine a slow answer
		// does not end the attempt before a stall placed in its body.
		opts = append(opts, client.WithTimeouts(client.Timeouts{Stall: r.b.stall, ResponseHeader: 3 * r.b.stall}))
	}
	c, err := client.New(r.b.dialect, opts...)
	if err != nil {
		return err
	}
	r.c = c
	return nil
}

// nthTarget returns a matcher for the requests fault f aims at in
// operation o: f.times of o's target requests (0 means 1, negative all),
// from the nth (from the first, with f.every); f.target and f.nth replace
// o's. It keeps count, so it must be called once per request.
func nthTarget(o *op, f *fault, d *client.Dialect) func(reqView) bool {
	var mu sync.Mutex
	n := 0
	target, first, times := o.target, o.nth, f.times
	if f.target != nil {
		target, first = f.target, f.nth
	}
	if f.every || first == 0 {
		first = 1
	}
	if times == 0 {
		times = 1
	}
	return func(v reqView) bool {
		if !target(d, v) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		return n >= first && (times < 0 || n < first+times)
	}
}

// judge records what is wrong with the run's outcome.
func (r *run) judge(ctx context.Context, unbounded bool) {
	bad := func(format string, args ...any) { r.problems = append(r.problems, fmt.Sprintf(format, args...)) }
	if r.hung {
		bad("hung: the %v watchdog fired (err %v)", r.watchdog, r.err)
		return
	}
	if unbounded {
		bad("%d requests: more than the bound of %d", r.nreq, r.bound)
	}
	if r.napplied == 0 {
		bad("the fault never struck, so the run shows nothing")
	}
	want := r.f.expectFor(r.o.name)
	if r.err == nil {
		if s := r.o.verify(ctx, r); s != "" {
			r.corrupted = true
			bad("success with wrong data: %s", s)
		}
		if want == fail {
			bad("succeeded, but the fault cannot be got around: want %v", want)
		}
	} else {
		if ok := typed(r.err) || r.o.stream && streamTyped(r.err); !ok {
			bad("error of no client or transfer kind: %T: %v", r.err, r.err)
		}
		if strings.Contains(r.err.Error(), "context deadline exceeded") {
			bad("the error says %q, but the caller's deadline has not passed: %v", "context deadline exceeded", r.err)
		}
		if r.f.check != nil {
			if s := r.f.check(r.err); s != "" {
				bad("%s", s)
			}
		}
		if r.o.failed != nil {
			if s := r.o.failed(r); s != "" {
				bad("%s", s)
			}
		}
		if want == succeed {
			bad("failed, but the fault is transient: want %v; got %v", want, r.err)
		}
	}
	if len(r.dups) > 0 {
		r.corrupted = true
		bad("the listing yielded keys twice: %v", r.dups)
	}
	waits := r.waits.all()
	for _, w := range waits {
		if w < 0 || w > maxWait {
			bad("a retry waited %v, outside [0, %v] (Retry-After must be capped by RetryPolicy.MaxRetryAfter)", w, maxWait)
			break
		}
	}
	if r.f.wantRetry && len(waits) == 0 {
		bad("no retry wait was logged (a %q debug record with a %q duration)", "polystore retry", "wait")
	}
}

// outcome is a one-line description of how the run ended.
func (r *run) outcome() string {
	switch {
	case r.hung:
		return "HUNG"
	case r.corrupted:
		return "CORRUPTED"
	case r.err == nil:
		return "ok (exact bytes)"
	}
	return fmt.Sprintf("error %T: %v", r.err, r.err)
}

// tally counts runs for the summary.
type tally struct{ runs, corrupted, hung, failed int }

func (t *tally) add(r *run) {
	t.runs++
	if r.corrupted {
		t.corrupted++
	}
	if r.hung {
		t.hung++
	}
	if len(r.problems) > 0 {
		t.failed++
	}
}

// TestFaults runs every fault against every operation on every backend,
// then reports each run as a subtest and logs the summary.
func TestFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	runs := plan(backends(t, ctx), dir)
	if pat := os.Getenv("FAULTSUITE_RUN"); pat != "" {
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Fatalf("FAULTSUITE_RUN: %v", err)
		}
		runs = slices.DeleteFunc(runs, func(r *run) bool { return !re.MatchString(r.name) })
	}
	start := time.Now()
	execute(runs)
	t.Logf("%d runs in %v", len(runs), time.Since(start).Round(time.Millisecond))

	var counted tally
	for _, r := range runs {
		counted.add(r)
		t.Run(r.name, func(t *testing.T) {
			t.Logf("%s: %s — %d requests (bound %d), %d faults struck, %v", r.name, r.outcome(), r.nreq, r.bound, r.napplied, r.elapsed.Round(time.Millisecond))
			for _, p := range r.problems {
				t.Error(p)
			}
		})
	}
	t.Logf("faults: %d runs, %d corrupted, %d hung", counted.runs, counted.corrupted, counted.hung)
	if counted.corrupted > 0 || counted.hung > 0 {
		t.Errorf("faults: %d runs corrupted and %d hung", counted.corrupted, counted.hung)
	}
}

// waitLog is a slog handler that keeps the waits of the client's retry
// records ("polystore retry", attribute "wait").
type waitLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (w *waitLog) Enabled(context.Context, slog.Level) bool { return true }

func (w *waitLog) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "polystore retry" {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "wait" && a.Value.Kind() == slog.KindDuration {
			w.mu.Lock()
			w.waits = append(w.waits, a.Value.Duration())
			w.mu.Unlock()
		}
		return true
	})
	return nil
}

func (w *waitLog) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *waitLog) WithGroup(string) slog.Handler      { return w }

func (w *waitLog) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.waits)
}

// TestJudge shows that the suite's detectors work: a run that hangs, one
// that returns wrong bytes, one that sends too many requests and one
// whose fault never strikes are each flagged as such.
func TestJudge(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := storagetestBackend(ctx, client.S3)
	if err != nil {
		t.Fatal(err)
	}
	defer b.fx.close()
	dir := t.TempDir()
	b.source = path.Join(dir, "source.bin")
	if err := os.WriteFile(b.source, b.big, 0o600); err != nil {
		t.Fatal(err)
	}
	stallForever := func(*op) faultproxy.Fault {
		return faultproxy.Fault{Kind: faultproxy.StallResponse, After: faultproxy.BeforeHeaders}
	}
	flip := func(*op) faultproxy.Fault { return faultproxy.Fault{Kind: faultproxy.FlipBit, After: 10, Bit: 0} }
	never := func(d *client.Dialect, v reqView) bool { return false }
	cases := []struct {
		f    *fault
		op   string
		want func(r *run) bool
		what string
	}{
		// No client timeout: only the watchdog ends the stall.
		{&fault{name: "stall-no-timeout", place: stallForever, every: true, times: -1}, "get",
			func(r *run) bool { return r.hung }, "hung"},
		// A flip in a range has nothing to be checked against.
		{&fault{name: "flip-in-range", place: flip}, "get-range",
			func(r *run) bool { return r.corrupted }, "corrupted"},
		{&fault{name: "empty-pages", pages: emptyPages, bound: 5}, "list",
			func(r *run) bool { return r.nreq > r.bound && hasProblem(r, "more than the bound") }, "over its request bound"},
		{&fault{name: "aimed-at-nothing", place: flip, target: never, nth: 1}, "get",
			func(r *run) bool { return hasProblem(r, "never struck") }, "a fault that never struck"},
	}
	for _, c := range cases {
		r := &run{name: "judge/" + c.f.name, b: b, f: c.f, o: ops[c.op], key: "judge/" + c.f.name, dir: path.Join(dir, c.f.name), watchdog: 2 * time.Second}
		r.bound = c.f.bound
		if r.bound == 0 {
			r.bound = 100
		}
		r.execute()
		if !c.want(r) || len(r.problems) == 0 {
			t.Errorf("%s: not flagged as %s: outcome %s, problems %q", r.name, c.what, r.outcome(), r.problems)
		}
	}
}

func hasProblem(r *run, s string) bool {
	return slices.ContainsFunc(r.problems, func(p string) bool { return strings.Contains(p, s) })
}
