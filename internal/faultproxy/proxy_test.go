package faultproxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// safety bounds every wait of these tests; none of them depends on it
// unless something hangs.
const safety = 30 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	t.Cleanup(cancel)
	return ctx
}

// data returns n pseudo-random bytes, the same for the same seed.
func data(n int, seed byte) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// upstream serves:
//
//	GET  /fixed/N     N bytes with a Content-Length
//	GET  /chunked/N   N bytes, chunked in pieces of 1000, with a trailer
//	HEAD /fixed/N     the headers of /fixed/N
//	GET  /empty       204
//	GET  /notmod      304
//	POST /echo        the request body (sent back with a Content-Length)
//	POST /sink        reads the body, reports it on bodies, answers 200
type upstream struct {
	*httptest.Server
	bodies chan sinkResult
}

type sinkResult struct {
	data []byte
	err  error
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{bodies: make(chan sinkResult, 16)}
	mux := http.NewServeMux()
	size := func(r *http.Request) int {
		n, _ := strconv.Atoi(r.PathValue("n"))
		return n
	}
	mux.HandleFunc("GET /fixed/{n}", func(w http.ResponseWriter, r *http.Request) {
		b := data(size(r), 1)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /chunked/{n}", func(w http.ResponseWriter, r *http.Request) {
		b := data(size(r), 2)
		w.Header().Set("Trailer", "X-Sum")
		for len(b) > 0 {
			k := min(1000, len(b))
			_, _ = w.Write(b[:k])
			w.(http.Flusher).Flush()
			b = b[k:]
		}
		w.Header().Set("X-Sum", "done")
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /notmod", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
	mux.HandleFunc("POST /sink", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		u.bodies <- sinkResult{b, err}
	})
	u.Server = httptest.NewServer(mux)
	t.Cleanup(u.Close)
	return u
}

func newProxy(t *testing.T, u *upstream) *Proxy {
	p, err := New(u.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// oneConn is an HTTP client that sends every request on one connection.
func oneConn() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}}
}

func get(t *testing.T, hc *http.Client, method, url string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// TestKeepAliveFraming sends many kinds of exchanges over one connection
// and flips one bit in the last response: the proxy must have followed
// every message boundary (HEAD, 204, 304, chunked with a trailer, chunked
// request bodies) to flip exactly the bit asked for.
func TestKeepAliveFraming(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	hc := oneConn()
	steps := []struct{ method, path string }{
		{"GET", "/fixed/5000"}, {"HEAD", "/fixed/7000"}, {"GET", "/chunked/4500"}, {"GET", "/empty"},
		{"GET", "/notmod"}, {"HEAD", "/fixed/1"}, {"GET", "/chunked/10"}, {"POST", "/echo"},
	}
	for _, s := range steps {
		if s.method == "POST" {
			// A body of unknown length goes chunked.
			body := io.MultiReader(bytes.NewReader(data(3000, 3)), bytes.NewReader(data(10, 4)))
			req, _ := http.NewRequestWithContext(ctxT(t), s.method, p.URL()+s.path, body)
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := append(data(3000, 3), data(10, 4)...); !bytes.Equal(b, want) {
				t.Fatalf("echo of a chunked request body: %d bytes, want %d", len(b), len(want))
			}
			continue
		}
		if _, _, err := get(t, hc, s.method, p.URL()+s.path); err != nil {
			t.Fatalf("%s %s: %v", s.method, s.path, err)
		}
	}
	p.Add(Rule{Match: Nth(len(steps) + 2), Fault: Fault{Kind: FlipBit, After: 2345, Bit: 5}})
	for _, path := range []string{"/fixed/3000", "/chunked/4000"} {
		_, b, err := get(t, hc, "GET", p.URL()+path)
		if err != nil {
			t.Fatal(err)
		}
		want := data(3000, 1)
		if path == "/chunked/4000" {
			want = data(4000, 2)
			want[2345] ^= 1 << 5
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("%s: body differs from the expected one at %d", path, firstDiff(b, want))
		}
	}
	st := p.Stats()
	if st.Conns != 1 || st.Requests != len(steps)+2 || st.Responses != len(steps)+2 || st.Faults[FlipBit] != 1 {
		t.Errorf("stats %+v: want 1 connection, %d requests and responses, 1 flip", st, len(steps)+2)
	}
	if st.BytesDown < 5000+3000+4000 || st.BytesUp < 3010 {
		t.Errorf("stats %+v: fewer bytes forwarded than the bodies hold", st)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestFramerSplits feeds a stream of responses to the response direction
// in pieces of every size from 1 byte: whatever the split, the bytes that
// come out are the bytes that went in but for the one flipped bit, and
// every response is counted.
func TestFramerSplits(t *testing.T) {
	var stream bytes.Buffer
	stream.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
	stream.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	stream.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nX-T: 1\r\n\r\n")
	stream.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n") // to a HEAD
	stream.WriteString("HTTP/1.1 204 No Content\r\n\r\n")
	stream.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nuvwxyz")
	in := stream.Bytes()
	want := bytes.Clone(in)
	want[bytes.LastIndex(want, []byte("uvwxyz"))+2] ^= 1 // 'w' -> 'v'
	for size := 1; size <= len(in); size++ {
		p := &Proxy{changed: make(chan struct{}), stats: Stats{Faults: map[Kind]int{}}}
		c := &conn{p: p}
		for i := range 5 {
			ex := &exchange{head: i == 2}
			if i == 4 {
				ex.fault = &Fault{Kind: FlipBit, After: 2, Bit: 0}
			}
			c.pending = append(c.pending, ex)
		}
		var out bytes.Buffer
		d := &direction{c: c, response: true, dst: &out}
		for off := 0; off < len(in); off += size {
			if !d.process(in[off:min(off+size, len(in))]) {
				t.Fatalf("split %d: process stopped", size)
			}
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("split %d: out differs at %d:\n%q\nwant\n%q", size, firstDiff(out.Bytes(), want), out.Bytes(), want)
		}
		if p.stats.Responses != 5 || p.stats.Faults[FlipBit] != 1 || len(c.pending) != 0 {
			t.Fatalf("split %d: %d responses, %d flips, %d pending; want 5, 1, 0", size, p.stats.Responses, p.stats.Faults[FlipBit], len(c.pending))
		}
	}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// TestResetRequest resets an upload after 1000 body bytes: the server got
// exactly those, the client a connection reset.
func TestResetRequest(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Match: Method("POST"), Fault: Fault{Kind: ResetRequest, After: 1000}})
	body := data(4<<20, 5)
	req, _ := http.NewRequestWithContext(ctxT(t), "POST", p.URL()+"/sink", bytes.NewReader(body))
	resp, err := oneConn().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("POST through a reset: status %d, no error", resp.StatusCode)
	}
	// The transport's reader sees the reset and closes the connection,
	// which its writer may report first.
	if !isReset(err) && !errors.Is(err, net.ErrClosed) {
		t.Errorf("client error %v: not a connection reset", err)
	}
	got := <-u.bodies
	if len(got.data) != 1000 || !bytes.Equal(got.data, body[:1000]) || got.err == nil {
		t.Errorf("server read %d bytes (err %v), want the first 1000 and an error", len(got.data), got.err)
	}
	if st := p.Stats(); st.Faults[ResetRequest] != 1 || st.Responses != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestResetResponse resets a download after 1000 body bytes.
func TestResetResponse(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: ResetResponse, After: 1000}})
	_, b, err := get(t, oneConn(), "GET", p.URL()+"/fixed/1000000")
	if err == nil || len(b) > 1000 {
		t.Fatalf("read %d bytes, err %v; want at most 1000 and an error", len(b), err)
	}
	if !isReset(err) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("client error %v: neither a reset nor an unexpected EOF", err)
	}
	if !bytes.Equal(b, data(1000000, 1)[:len(b)]) {
		t.Error("bytes before the reset differ")
	}
	if st := p.Stats(); st.Faults[ResetResponse] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestResetBeforeHeaders resets before anything of the request is sent.
func TestResetBeforeHeaders(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: ResetRequest, After: BeforeHeaders}})
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, _, err := get(t, hc, "GET", p.URL()+"/fixed/10"); err == nil {
		t.Fatal("no error")
	}
	if st := p.Stats(); st.Faults[ResetRequest] != 1 || st.BytesUp != 0 {
		t.Errorf("stats %+v: want one reset and nothing forwarded upstream", st)
	}
	// The rule is used up: the next request goes through.
	if _, b, err := get(t, hc, "GET", p.URL()+"/fixed/10"); err != nil || !bytes.Equal(b, data(10, 1)) {
		t.Fatalf("second request: %v", err)
	}
}

// TestTruncate closes cleanly after 1000 body bytes.
func TestTruncate(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: TruncateResponse, After: 1000}})
	_, b, err := get(t, oneConn(), "GET", p.URL()+"/fixed/1000000")
	if len(b) != 1000 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read %d bytes, err %v; want 1000 and an unexpected EOF", len(b), err)
	}
	if !bytes.Equal(b, data(1000000, 1)[:1000]) {
		t.Error("bytes before the truncation differ")
	}
}

// TestStallResponse stalls a download after 1000 bytes: the client gets
// those, and the rest once the stall is released.
func TestStallResponse(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: StallResponse, After: 1000}})
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", p.URL()+"/fixed/300000", nil)
	resp, err := oneConn().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 1000)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 1 }); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Faults[StallResponse] != 1 {
		t.Fatalf("stats %+v", st)
	}
	p.Release()
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(first, rest...), data(300000, 1)) {
		t.Error("body differs after the stall")
	}
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 0 }); err != nil {
		t.Fatal(err)
	}
}

// TestStallEndsWhenClientLeaves: a client that gives up on a stalled
// response closes its connection, which ends the stall.
func TestStallEndsWhenClientLeaves(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: StallResponse, After: BeforeHeaders}})
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", p.URL()+"/fixed/10", nil)
		resp, err := oneConn().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want context.Canceled", err)
	}
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 0 && s.OpenConns == 0 }); err != nil {
		t.Fatalf("stall not ended by the client leaving: %+v", p.Stats())
	}
}

// TestStallRequest stops forwarding an upload after 500 bytes: the server
// cannot finish reading it until the stall is released.
func TestStallRequest(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: StallRequest, After: 500}})
	body := data(200000, 6)
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctxT(t), "POST", p.URL()+"/sink", bytes.NewReader(body))
		resp, err := oneConn().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 1 }); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-u.bodies:
		t.Fatalf("the server read the whole body (%d bytes, %v) through a stall", len(got.data), got.err)
	default:
	}
	if st := p.Stats(); st.Faults[StallRequest] != 1 {
		t.Fatalf("stats %+v", st)
	}
	p.Release()
	if got := <-u.bodies; got.err != nil || !bytes.Equal(got.data, body) {
		t.Fatalf("server read %d bytes, %v", len(got.data), got.err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestDelay holds a response until released (a delay of an hour ends at
// once), and lets a short delay run out by itself.
func TestDelay(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: DelayResponse, Delay: time.Hour}}, Rule{Fault: Fault{Kind: DelayResponse, Delay: time.Millisecond}})
	type res struct {
		b   []byte
		err error
	}
	rc := make(chan res, 1)
	hc := oneConn()
	go func() {
		_, b, err := get(t, hc, "GET", p.URL()+"/fixed/100")
		rc <- res{b, err}
	}()
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 1 }); err != nil {
		t.Fatal(err)
	}
	p.Release()
	if r := <-rc; r.err != nil || !bytes.Equal(r.b, data(100, 1)) {
		t.Fatalf("delayed response: %v", r.err)
	}
	if _, b, err := get(t, hc, "GET", p.URL()+"/fixed/100"); err != nil || !bytes.Equal(b, data(100, 1)) {
		t.Fatalf("short delay: %v", err)
	}
	if st := p.Stats(); st.Faults[DelayResponse] != 2 {
		t.Errorf("stats %+v: want 2 delays", st)
	}
}

// TestRules checks matching, Times, unlimited rules, the request log and
// Clear.
func TestRules(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(
		Rule{Match: All(Method("GET"), HasQuery("cut")), Times: 2, Fault: Fault{Kind: TruncateResponse, After: 5}},
		Rule{Match: HasHeader("X-Flip"), Times: -1, Fault: Fault{Kind: FlipBit, After: 0, Bit: 7}},
	)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 3 {
		_, b, err := get(t, hc, "GET", p.URL()+"/fixed/50?cut=1")
		if cut := i < 2; cut != (err != nil) || (cut && len(b) != 5) {
			t.Errorf("request %d: %d bytes, %v (truncated: %v)", i+1, len(b), err, cut)
		}
	}
	for range 3 {
		req, _ := http.NewRequestWithContext(ctxT(t), "GET", p.URL()+"/fixed/50", nil)
		req.Header.Set("X-Flip", "1")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := data(50, 1); len(b) != 50 || b[0] != want[0]^0x80 || !bytes.Equal(b[1:], want[1:]) {
			t.Error("X-Flip request: first byte not flipped")
		}
	}
	if n := p.Pending(); n != 1 {
		t.Errorf("%d rules pending, want the unlimited one", n)
	}
	p.Clear()
	if _, b, err := get(t, hc, "GET", p.URL()+"/fixed/50?cut=1"); err != nil || len(b) != 50 {
		t.Errorf("after Clear: %d bytes, %v", len(b), err)
	}
	var kinds []Kind
	for _, r := range p.Requests() {
		kinds = append(kinds, r.Fault)
	}
	want := []Kind{TruncateResponse, TruncateResponse, 0, FlipBit, FlipBit, FlipBit, 0}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("request log faults %v, want %v", kinds, want)
	}
	if st := p.Stats(); st.Applied() != 5 || st.Conns != 7 {
		t.Errorf("stats %+v: want 5 faults applied over 7 connections", st)
	}
}

// TestOnConnAndFlipBeyondBody: a rule for the second connection only, and
// a flip past the end of a body is not applied.
func TestOnConnAndFlipBeyondBody(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Match: OnConn(2), Times: -1, Fault: Fault{Kind: FlipBit, After: 100}})
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 3 {
		_, b, err := get(t, hc, "GET", p.URL()+"/fixed/200")
		if err != nil {
			t.Fatal(err)
		}
		if flipped := !bytes.Equal(b, data(200, 1)); flipped != (i == 1) {
			t.Errorf("connection %d: flipped %v", i+1, flipped)
		}
	}
	p.Set(Rule{Fault: Fault{Kind: FlipBit, After: 200}})
	if _, b, err := get(t, hc, "GET", p.URL()+"/fixed/200"); err != nil || !bytes.Equal(b, data(200, 1)) {
		t.Fatalf("flip beyond the body changed it: %v", err)
	}
	if st := p.Stats(); st.Faults[FlipBit] != 1 {
		t.Errorf("stats %+v: want the one flip that happened", st)
	}
}

// TestCloseEndsStall: Close ends a stall in progress and returns.
func TestCloseEndsStall(t *testing.T) {
	u := newUpstream(t)
	p, err := New(u.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p.Add(Rule{Fault: Fault{Kind: StallRequest, After: 10}})
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctxT(t), "POST", p.URL()+"/sink", bytes.NewReader(data(1000, 1)))
		resp, err := oneConn().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.Stalls == 1 }); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil {
		t.Error("client succeeded through a proxy closed mid-stall")
	}
	if st := p.Stats(); st.OpenConns != 0 || st.Stalls != 0 {
		t.Errorf("after Close: %+v", st)
	}
}

// TestNew refuses upstreams off the loopback interface and counts
// connections whose upstream cannot be reached.
func TestNew(t *testing.T) {
	for _, up := range []string{"10.1.2.3:80", "example.com:80", "http://192.0.2.1:9000", "ftp://127.0.0.1:21", "127.0.0.1"} {
		if p, err := New(up); err == nil {
			p.Close()
			t.Errorf("New(%q) accepted", up)
		}
	}
	// A port nothing listens on: take one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, err := New("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, _, err := get(t, oneConn(), "GET", p.URL()+"/"); err == nil {
		t.Error("request through a proxy without upstream succeeded")
	}
	if err := p.WaitFor(ctxT(t), func(s Stats) bool { return s.DialErrors >= 1 }); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkProxy measures forwarding speed with the framer in the path.
func BenchmarkProxy(b *testing.B) {
	mux := http.NewServeMux()
	payload := data(8<<20, 9)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(payload) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, err := New(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	hc := oneConn()
	want := sha256.Sum256(payload)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		resp, err := hc.Get(p.URL() + "/")
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		_, _ = io.Copy(h, resp.Body)
		resp.Body.Close()
		if [32]byte(h.Sum(nil)) != want {
			b.Fatal("body differs")
		}
	}
}

// TestResetChunkedRequest places a reset by payload bytes in a chunked
// upload: the server gets exactly that much content, however it was
// framed.
func TestResetChunkedRequest(t *testing.T) {
	u := newUpstream(t)
	p := newProxy(t, u)
	p.Add(Rule{Fault: Fault{Kind: ResetRequest, After: 2500}})
	body := data(100000, 7)
	// A reader without a length goes chunked, in pieces of its reads.
	pieces := io.MultiReader(bytes.NewReader(body[:1000]), bytes.NewReader(body[1000:2000]), bytes.NewReader(body[2000:]))
	req, _ := http.NewRequestWithContext(ctxT(t), "POST", p.URL()+"/sink", pieces)
	if resp, err := oneConn().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("POST through a reset: status %d, no error", resp.StatusCode)
	}
	got := <-u.bodies
	if !bytes.Equal(got.data, body[:2500]) || got.err == nil {
		t.Errorf("server read %d bytes (err %v), want the first 2500 and an error", len(got.data), got.err)
	}
	if st := p.Stats(); st.Faults[ResetRequest] != 1 {
		t.Errorf("stats %+v", st)
	}
}
