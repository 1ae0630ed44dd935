package storagetest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
)

// guard bounds how long a test waits for something that should happen at
// once; it is a safety net against hangs, not a timing assertion.
const guard = 30 * time.Second

func TestFaultFailsThenSucceeds(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		d := srv.Dialect()
		createBucket(t, srv, dc.bucket)
		srv.ResetLog()
		srv.InjectFault(Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2"})
		if n := srv.PendingFaults(); n != 1 {
			t.Fatalf("PendingFaults = %d", n)
		}
		body := bytes.Repeat([]byte("0123456789"), 1000)
		put := req{method: http.MethodPut, bucket: dc.bucket, key: "k", body: body, signer: goodSigner(srv)}

		r := send(t, srv, put)
		e := wantError(t, d, r, http.StatusServiceUnavailable, pick(d, "SlowDown", "ServiceUnavailable", "service_unavailable"))
		if r.header.Get("Retry-After") != "2" {
			t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
		}
		if e.Message == "" {
			t.Error("fault error has no message")
		}
		mustStatus(t, send(t, srv, put), putStatus(d))
		if n := srv.PendingFaults(); n != 0 {
			t.Fatalf("PendingFaults = %d after use", n)
		}

		log := srv.Requests()
		if len(log) != 2 {
			t.Fatalf("%d log entries", len(log))
		}
		for i, e := range log {
			if e.BodySize != int64(len(body)) || e.BodyMD5 != md5hex(body) {
				t.Errorf("entry %d: body %d bytes md5 %s", i, e.BodySize, e.BodyMD5)
			}
		}
		if log[0].Status != http.StatusServiceUnavailable || log[0].Code == "" || log[1].Status != putStatus(d) {
			t.Errorf("statuses: %+v / %+v", log[0], log[1])
		}
	})
}

func TestFaultMatchAndTimes(t *testing.T) {
	srv := start(t, client.S3)
	createBucket(t, srv, "faults")
	srv.InjectFault(Fault{
		Match:  func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/flaky") },
		Times:  2,
		Status: http.StatusInternalServerError,
		Code:   "InternalError",
	})
	srv.InjectFault(Fault{Code: "CustomCode"}) // any request; status defaults to 500
	s := goodSigner(srv)
	codes := func(key string) string {
		r := send(t, srv, req{method: http.MethodGet, bucket: "faults", key: key, signer: s})
		if r.status >= 400 {
			return decodeError(t, srv.Dialect(), r).Code
		}
		return "ok"
	}
	var got []string
	for _, k := range []string{"flaky", "other", "flaky", "flaky", "other"} {
		got = append(got, codes(k))
	}
	want := "InternalError CustomCode InternalError NoSuchKey NoSuchKey"
	if strings.Join(got, " ") != want {
		t.Fatalf("codes %q, want %q", strings.Join(got, " "), want)
	}
}

func TestFaultResetAfterBytes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		createBucket(t, srv, dc.bucket)
		srv.ResetLog()
		srv.InjectFault(Fault{ResetAfterBytes: 1000})
		body := bytes.Repeat([]byte("x"), 64<<10)
		r := req{method: http.MethodPut, bucket: dc.bucket, key: "big", body: body, signer: goodSigner(srv)}.build(t, srv)
		res, err := http.DefaultClient.Do(r)
		if err == nil {
			res.Body.Close()
			t.Fatalf("PUT succeeded with status %d; want a connection error", res.StatusCode)
		}
		e := srv.Requests()[0]
		if e.Status != 0 || e.BodySize != 1000 {
			t.Errorf("reset request logged with status %d after %d bytes", e.Status, e.BodySize)
		}
		// The server is fine afterwards.
		putObject(t, srv, dc.bucket, "big", body)
	})
}

func TestFaultDelayHonoursCancellation(t *testing.T) {
	started := make(chan struct{})
	done := make(chan Request, 1)
	srv := startHooked(t, client.S3, testHooks{
		delay: func(*http.Request) { close(started) },
		done:  func(e Request) { done <- e },
	})
	srv.InjectFault(Fault{Delay: time.Hour})

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	r := req{method: http.MethodGet, bucket: "b", key: "k", ctx: ctx, signer: goodSigner(srv)}.build(t, srv)
	go func() {
		res, err := http.DefaultClient.Do(r)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-started:
	case <-time.After(guard):
		t.Fatal("the delayed request never reached the server")
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("client error = %v, want context.Canceled", err)
		}
	case <-time.After(guard):
		t.Fatal("client did not return after cancel")
	}
	select {
	case e := <-done:
		if e.Status != 0 {
			t.Errorf("abandoned request logged with status %d", e.Status)
		}
	case <-time.After(guard):
		t.Fatal("the handler did not return after the client went away")
	}
}

func TestFaultDelayWithBody(t *testing.T) {
	started := make(chan struct{})
	done := make(chan Request, 1)
	srv := startHooked(t, client.QingStor, testHooks{
		delay: func(*http.Request) { close(started) },
		done:  func(e Request) { done <- e },
	})
	srv.InjectFault(Fault{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	r := req{method: http.MethodPut, bucket: "bucket", key: "k", body: []byte("some body"), ctx: ctx, signer: goodSigner(srv)}.build(t, srv)
	go func() {
		if res, err := http.DefaultClient.Do(r); err == nil {
			res.Body.Close()
		}
	}()
	select {
	case <-started:
	case <-time.After(guard):
		t.Fatal("the delayed request never reached the server")
	}
	cancel()
	select {
	case e := <-done:
		if e.BodyMD5 != md5hex([]byte("some body")) {
			t.Errorf("body md5 %s", e.BodyMD5)
		}
	case <-time.After(guard):
		t.Fatal("the handler did not return after the client went away")
	}
}

func TestFaultShortDelayThenHandled(t *testing.T) {
	srv := start(t, client.S3)
	srv.InjectFault(Fault{Delay: time.Millisecond})
	createBucket(t, srv, "after-delay")
}

func TestCloseEndsDelays(t *testing.T) {
	started := make(chan struct{})
	srv := newServer(client.S3, testHooks{delay: func(*http.Request) { close(started) }})
	srv.InjectFault(Fault{Delay: time.Hour})
	errc := make(chan error, 1)
	r := req{method: http.MethodGet, signer: goodSigner(srv)}.build(t, srv)
	go func() {
		res, err := http.DefaultClient.Do(r)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-started:
	case <-time.After(guard):
		t.Fatal("the delayed request never reached the server")
	}
	srv.Close() // must not wait an hour
	select {
	case <-errc:
	case <-time.After(guard):
		t.Fatal("client still waiting after Close")
	}
}

func TestMaxConcurrent(t *testing.T) {
	const n = 8
	var arrived sync.WaitGroup
	arrived.Add(n)
	release := make(chan struct{})
	srv := startHooked(t, client.S3, testHooks{enter: func(r *http.Request) {
		if r.Method == http.MethodHead {
			arrived.Done()
			<-release
		}
	}})
	createBucket(t, srv, "conc")
	var wg sync.WaitGroup
	for range n {
		r := req{method: http.MethodHead, bucket: "conc", signer: goodSigner(srv)}.build(t, srv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := http.DefaultClient.Do(r); err == nil {
				res.Body.Close()
			}
		}()
	}
	arrived.Wait() // all n are inside the handler at once
	close(release)
	wg.Wait()
	// The CreateBucket handler may still be returning when the HEADs
	// arrive, so the peak can be one more than n.
	if got := srv.MaxConcurrent(); got < n || got > n+1 {
		t.Errorf("MaxConcurrent = %d, want %d", got, n)
	}
}
