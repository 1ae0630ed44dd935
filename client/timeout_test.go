package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// safetyNet bounds every call of these tests: a call that hangs (the bug
// being tested) fails the test instead of blocking the suite. No test
// asserts anything about elapsed time.
const safetyNet = 30 * time.Second

func safeCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	t.Cleanup(cancel)
	return ctx
}

// httpServer is an HTTP server on 127.0.0.1 (httptest's default) that
// counts requests. Handlers that wait should wait on stop or on the
// request's context, both of which end before the server closes.
func httpServer(t *testing.T, h func(n int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{})) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(n.Add(1), w, r, stop)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	return srv, &n
}

// rawClient is an S3 client of the default kind (no HTTPClient) for url,
// with fast retries.
func rawClient(t *testing.T, url string, opts ...func(*client.Options)) *client.Client {
	t.Helper()
	c, err := client.New(client.S3, append([]func(*client.Options){
		client.WithEndpoint(url),
		client.WithStaticCredentials("AKIDTIMEOUTS", "timeouts-secret", ""),
		client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readOp is an idempotent GET whose body is decoded (read whole) by the
// operation, the way List or GetObjectAcl read theirs.
var readOp = opkit.Op[struct{}, []byte]{
	Name:       "ReadThing",
	Idempotent: true,
	Serialize: func(_ *client.Dialect, _ *client.Options, _ *struct{}, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodGet, "bkt", "thing"
		return nil
	},
	Deserialize: func(_ *client.Dialect, resp *http.Response, out *[]byte) error {
		var err error
		*out, err = io.ReadAll(resp.Body)
		return err
	},
}

// wantTimeout checks that err is the typed timeout of kind, wrapped in an
// *OperationError, and does not talk of a deadline the caller never set.
func wantTimeout(t *testing.T, err error, kind client.TimeoutKind) *client.TimeoutError {
	t.Helper()
	var te *client.TimeoutError
	if !errors.As(err, &te) || te.Kind != kind {
		t.Fatalf("err = %v, want a %v timeout", err, kind)
	}
	if !errors.Is(err, client.ErrTimeout) {
		t.Errorf("errors.Is(err, ErrTimeout) is false for %v", err)
	}
	var oe *client.OperationError
	if !errors.As(err, &oe) {
		t.Errorf("err %T is not wrapped in an *OperationError", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("err is not a net.Error with Timeout() true")
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("err talks of a context deadline the caller never set: %v", err)
	}
	return te
}

func TestStallMidBodyIsRetriedAndTyped(t *testing.T) {
	srv, attempts := httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("the first bytes, then nothing"))
		w.(http.Flusher).Flush()
		select { // headers sent, then nothing until the client gives up
		case <-r.Context().Done():
		case <-stop:
		}
	})
	c := rawClient(t, srv.URL, client.WithTimeouts(client.Timeouts{Stall: 100 * time.Millisecond}))
	_, err := opkit.Call(safeCtx(t), c, &readOp, &struct{}{})
	te := wantTimeout(t, err, client.TimeoutReceiveStall)
	if te.After != 100*time.Millisecond {
		t.Errorf("After = %v, want the configured Stall", te.After)
	}
	if !strings.Contains(err.Error(), "Timeouts.Stall") || !strings.Contains(err.Error(), "ReadThing") {
		t.Errorf("message does not name the operation and the timeout: %v", err)
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("server saw %d attempts, want 3 (each stalled attempt retried)", n)
	}
}

// stallingGet is a server that answers a GET of content (ETag etag) with
// its first sent bytes and then nothing, until the client gives up.
func stallingGet(t *testing.T, content []byte, sent int, etag string) (*httptest.Server, *atomic.Int32) {
	return httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.Header().Set("ETag", `"`+etag+`"`)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(content[:sent])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
}

func TestStreamedGetBodyStallEndsRead(t *testing.T) {
	srv, attempts := stallingGet(t, bytes.Repeat([]byte("x"), 1000), 100, "e")
	c := rawClient(t, srv.URL, client.WithTimeouts(client.Timeouts{Stall: 100 * time.Millisecond}))
	out, err := object.NewClient(c).Get(safeCtx(t), &object.GetInput{Bucket: "bkt", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	wantTimeout(t, err, client.TimeoutReceiveStall)
	if len(got) != 100 {
		t.Errorf("read %d bytes before the stall, want the 100 sent", len(got))
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1 (a body handed to the caller is not re-requested)", n)
	}
}

// TestStreamedGetBodyStallEndsCopy: io.Copy from a GET body goes through
// the body's WriteTo, which gathers many reads per write (package
// gather); each of those reads is watched as Read's are, so a server that
// stalls part-way through a large body ends the copy with the typed stall
// timeout, after the bytes that did arrive were written. Both bodies are
// covered: one checked against the object's MD5 ETag, one unchecked.
func TestStreamedGetBodyStallEndsCopy(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	sum := md5.Sum(content)
	const sent = 200 << 10
	for _, tc := range []struct {
		name, etag string
		verified   bool
	}{
		{"checked", hex.EncodeToString(sum[:]), true},
		{"unchecked", "e", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, attempts := stallingGet(t, content, sent, tc.etag)
			c := rawClient(t, srv.URL, client.WithTimeouts(client.Timeouts{Stall: 100 * time.Millisecond}))
			out, err := object.NewClient(c).Get(safeCtx(t), &object.GetInput{Bucket: "bkt", Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Body.Close()
			if (out.Verified != "") != tc.verified {
				t.Fatalf("verified %q (%q), want verified %v", out.Verified, out.Unverified, tc.verified)
			}
			if _, ok := out.Body.(io.WriterTo); !ok {
				t.Fatalf("the body (%T) has no WriteTo: io.Copy would not gather", out.Body)
			}
			var got bytes.Buffer
			n, err := io.Copy(&got, out.Body)
			wantTimeout(t, err, client.TimeoutReceiveStall)
			if n != sent || !bytes.Equal(got.Bytes(), content[:sent]) {
				t.Errorf("copied %d bytes before the stall, want the %d sent", n, sent)
			}
			if n := attempts.Load(); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}

func TestResponseHeaderTimeoutRetried(t *testing.T) {
	srv, attempts := httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		select { // never answer
		case <-r.Context().Done():
		case <-stop:
		}
	})
	c := rawClient(t, srv.URL, client.WithTimeouts(client.Timeouts{ResponseHeader: 100 * time.Millisecond}))
	_, err := object.NewClient(c).Head(safeCtx(t), &object.HeadInput{Bucket: "bkt", Key: "k"})
	wantTimeout(t, err, client.TimeoutResponseHeader)
	if !strings.Contains(err.Error(), "Timeouts.ResponseHeader") {
		t.Errorf("message does not name the timeout: %v", err)
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("server saw %d attempts, want 3", n)
	}
}

// TestCallerDeadlineIsNotATimeoutError: the caller's own deadline ends the
// call at once, reported as the caller's context error, with no retry.
func TestCallerDeadlineIsNotATimeoutError(t *testing.T) {
	srv, attempts := httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	c := rawClient(t, srv.URL) // default timeouts: minutes
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: "bkt", Key: "k"})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, client.ErrTimeout) {
		t.Fatalf("err = %v, want the caller's context.DeadlineExceeded", err)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("server saw %d attempts after the caller's deadline, want 1", n)
	}
}

// holdListener accepts connections on 127.0.0.1 and never reads from
// them, with a small receive buffer so that a client writing a large body
// is soon blocked. It returns its address and a count of connections.
func holdListener(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String(), &n
}

func TestSendStallDetected(t *testing.T) {
	// 16 MiB is far more than the socket buffers between client and
	// server hold, so the client's writes block once the server stops
	// reading (here: never starts).
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<20)
	file := filepath.Join(t.TempDir(), "part")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name string
		body func() io.Reader
	}{
		{"bytes", func() io.Reader { return bytes.NewReader(content) }},
		{"file-sendfile", func() io.Reader { return io.NewSectionReader(f, 0, int64(len(content))) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, conns := holdListener(t)
			c := rawClient(t, "http://"+addr, client.WithTimeouts(client.Timeouts{Stall: 100 * time.Millisecond}))
			_, err := multipart.NewClient(c).UploadPart(safeCtx(t), &multipart.UploadPartInput{
				Bucket: "bkt", Key: "k", UploadID: "u", PartNumber: 1, Body: tc.body(),
			})
			wantTimeout(t, err, client.TimeoutSendStall)
			if n := conns.Load(); n != 3 {
				t.Errorf("server saw %d connections, want 3 (each stalled attempt retried)", n)
			}
		})
	}
}

func TestTLSHandshakeTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []func(*client.Options)
		want time.Duration
	}{
		{"default", []func(*client.Options){client.WithTimeouts(client.Timeouts{TLSHandshake: 100 * time.Millisecond})}, 100 * time.Millisecond},
		// The defaults apply to an HTTPClient without a Transport too.
		{"nil-transport", []func(*client.Options){client.WithHTTPClient(&http.Client{}),
			client.WithTimeouts(client.Timeouts{TLSHandshake: 100 * time.Millisecond})}, 100 * time.Millisecond},
		// A transport of the caller's applies its own limit, which the
		// error reports.
		{"own-transport", []func(*client.Options){client.WithHTTPClient(&http.Client{
			Transport: &http.Transport{TLSHandshakeTimeout: 50 * time.Millisecond}})}, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, conns := holdListener(t) // accepts TCP, never speaks TLS
			c := rawClient(t, "https://"+addr, tc.opts...)
			_, err := object.NewClient(c).Head(safeCtx(t), &object.HeadInput{Bucket: "bkt", Key: "k"})
			te := wantTimeout(t, err, client.TimeoutTLSHandshake)
			if te.After != tc.want {
				t.Errorf("After = %v, want %v", te.After, tc.want)
			}
			if n := conns.Load(); n != 3 {
				t.Errorf("server saw %d connections, want 3", n)
			}
		})
	}
}

// TestSlowProgressIsNotCutOff: a body whose bytes keep coming, each gap
// well under Stall, is read whole although the transfer takes longer than
// Stall. The server's sleeps make the total at least 15 × 100 ms, above
// the 1 s Stall by construction; the assertions are about the outcome
// only.
func TestSlowProgressIsNotCutOff(t *testing.T) {
	const chunks, chunk = 15, 100
	const gap = 100 * time.Millisecond
	srv, attempts := httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Length", strconv.Itoa(chunks*chunk))
		w.WriteHeader(http.StatusOK)
		for i := 0; i < chunks; i++ {
			select {
			case <-time.After(gap): // the gap the test is about
			case <-r.Context().Done():
				return
			case <-stop:
				return
			}
			_, _ = w.Write(bytes.Repeat([]byte{byte('a' + i)}, chunk))
			w.(http.Flusher).Flush()
		}
	})
	c := rawClient(t, srv.URL, client.WithTimeouts(client.Timeouts{Stall: time.Second}))
	t.Run("decoded", func(t *testing.T) {
		got, err := opkit.Call(safeCtx(t), c, &readOp, &struct{}{})
		if err != nil {
			t.Fatalf("slow but progressing body cut off: %v", err)
		}
		if len(*got) != chunks*chunk {
			t.Errorf("got %d bytes, want %d", len(*got), chunks*chunk)
		}
	})
	t.Run("streamed", func(t *testing.T) {
		out, err := object.NewClient(c).Get(safeCtx(t), &object.GetInput{Bucket: "bkt", Key: "k"})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		got, err := io.ReadAll(out.Body)
		if err != nil || len(got) != chunks*chunk {
			t.Fatalf("streamed body: %d bytes, %v", len(got), err)
		}
	})
	if n := attempts.Load(); n != 2 {
		t.Errorf("server saw %d requests, want 2 (one per call, no retry)", n)
	}
}

func TestHTTPClientTimeoutPerAttempt(t *testing.T) {
	srv, attempts := httpServer(t, func(n int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		if n == 1 { // the first attempt hangs
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		w.Header().Set("Content-Length", "2")
		_, _ = w.Write([]byte("ok"))
	})
	hc := &http.Client{Timeout: 100 * time.Millisecond} // nil Transport: the client's own
	c := rawClient(t, srv.URL, client.WithHTTPClient(hc))
	got, err := opkit.Call(safeCtx(t), c, &readOp, &struct{}{})
	if err != nil {
		t.Fatalf("second attempt should succeed: %v", err)
	}
	if string(*got) != "ok" {
		t.Errorf("body %q", *got)
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("server saw %d attempts, want 2", n)
	}
}

func TestHTTPClientTimeoutTyped(t *testing.T) {
	srv, attempts := httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	c := rawClient(t, srv.URL, client.WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}), client.WithMaxAttempts(2))
	_, err := object.NewClient(c).Head(safeCtx(t), &object.HeadInput{Bucket: "bkt", Key: "k"})
	wantTimeout(t, err, client.TimeoutAttempt)
	if n := attempts.Load(); n != 2 {
		t.Errorf("server saw %d attempts, want 2", n)
	}
}

func TestHugeRetryAfterIsClamped(t *testing.T) {
	rec := &recorder{}
	srv, c := newServer(t, client.S3, client.WithLogger(slog.New(rec)),
		client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond}))
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown", RetryAfter: "99999999999999", Times: 1})
	if _, err := object.NewClient(c).Put(safeCtx(t), &object.PutInput{Bucket: bucketName(c), Key: "k", Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	retries := rec.find("polystore retry")
	if len(retries) != 1 {
		t.Fatalf("%d retry records, want 1", len(retries))
	}
	if wait := attr(retries[0], "wait").Duration(); wait != 20*time.Millisecond {
		t.Errorf("waited %v, want MaxRetryAfter (20ms)", wait)
	}
}

// TestAbortRetriedAfterTimeout: clean-up calls are idempotent and retried
// like any other: an Abort whose first attempt gets no answer is sent
// again, and the upload is gone.
func TestAbortRetriedAfterTimeout(t *testing.T) {
	srv, c := newServer(t, client.S3, client.WithTimeouts(client.Timeouts{ResponseHeader: 100 * time.Millisecond}))
	mp := multipart.NewClient(c)
	ctx := safeCtx(t)
	up, err := mp.Initiate(ctx, &multipart.InitiateInput{Bucket: bucketName(c), Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	srv.InjectFault(storagetest.Fault{
		Match: func(r *http.Request) bool { return r.Method == http.MethodDelete && r.URL.Query().Has("uploadId") },
		Delay: time.Hour, // no answer; ends when the client gives up
	})
	if _, err := mp.Abort(ctx, &multipart.AbortInput{Bucket: bucketName(c), Key: "k", UploadID: up.UploadID}); err != nil {
		t.Fatalf("abort after a timed-out attempt: %v", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server saw %d abort requests, want 2", n)
	}
	_, err = mp.Abort(ctx, &multipart.AbortInput{Bucket: bucketName(c), Key: "k", UploadID: up.UploadID})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("upload still there after abort: %v", err)
	}
}

func TestTimeoutsDefaults(t *testing.T) {
	c := rawClient(t, "http://127.0.0.1:1", client.WithTimeouts(client.Timeouts{Stall: -1, Dial: time.Second}))
	got := c.Options().Timeouts
	want := client.Timeouts{Dial: time.Second, TLSHandshake: client.DefaultTLSHandshakeTimeout,
		ResponseHeader: client.DefaultResponseHeaderTimeout, Stall: -1}
	if got != want {
		t.Errorf("resolved timeouts %+v, want %+v", got, want)
	}
}

// refreshingSigner signs with a generation number and can refresh it.
type refreshingSigner struct {
	gen       atomic.Int32
	refreshes atomic.Int32
}

func (s *refreshingSigner) Sign(_ context.Context, r *http.Request, _ time.Time) error {
	r.Header.Set("Authorization", "Test gen-"+strconv.Itoa(int(s.gen.Load())))
	return nil
}

func (s *refreshingSigner) RefreshCredentials(_ context.Context, refused *http.Request) bool {
	s.refreshes.Add(1)
	s.gen.CompareAndSwap(0, 1)
	return refused.Header.Get("Authorization") == "Test gen-0"
}

// TestRefusedCredentialsRefreshedOnce: any signer implementing
// signer.CredentialRefresher is refreshed on a refusal the dialect lists
// (S3 answers ExpiredToken with a 400) and the request resent once; a
// refusal of the refreshed credentials is returned as it is.
func TestRefusedCredentialsRefreshedOnce(t *testing.T) {
	expired := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>`
	var refuseAll atomic.Bool
	srv, attempts := httpServer(t, func(_ int32, w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		if refuseAll.Load() || r.Header.Get("Authorization") == "Test gen-0" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, expired)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	sg := &refreshingSigner{}
	c := rawClient(t, srv.URL, client.WithSigner(sg))
	got, err := opkit.Call(safeCtx(t), c, &readOp, &struct{}{})
	if err != nil || string(*got) != "ok" {
		t.Fatalf("after a refresh: %q, %v", *got, err)
	}
	if n, r := attempts.Load(), sg.refreshes.Load(); n != 2 || r != 1 {
		t.Errorf("%d requests and %d refreshes, want 2 and 1", n, r)
	}

	refuseAll.Store(true)
	_, err = opkit.Call(safeCtx(t), c, &readOp, &struct{}{})
	var re *client.ResponseError
	if !errors.As(err, &re) || re.Code != "ExpiredToken" {
		t.Fatalf("refused again: %v, want the ExpiredToken answer", err)
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("%d requests, want 3 (a refusal the refresher declines is not resent)", n)
	}
}
