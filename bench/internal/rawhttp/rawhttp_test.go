package rawhttp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
)

// echo stores PUT bodies by path and serves them back (?chunked: in
// chunked encoding, with a trailer). It counts the connections it
// accepts.
func echo(t *testing.T, useTLS bool) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	store := map[string][]byte{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			b, err := io.ReadAll(r.Body)
			if err != nil || int64(len(b)) != r.ContentLength {
				http.Error(w, "short body", http.StatusBadRequest)
				return
			}
			store[r.URL.Path] = b
			w.Header().Set("ETag", `"n`+strconv.Itoa(len(b))+`"`)
		case http.MethodGet, http.MethodHead:
			b, ok := store[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			if r.URL.Query().Has("chunked") {
				w.Header().Set("Trailer", "X-Done")
				w.Write(b[:len(b)/2])
				w.(http.Flusher).Flush()
				w.Write(b[len(b)/2:])
				w.Header().Set("X-Done", "yes")
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		case http.MethodDelete:
			delete(store, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestRoundTrips: small and large bodies, a chunked response, HEAD and
// DELETE, all on one kept-alive connection, over http and https.
func TestRoundTrips(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[useTLS], func(t *testing.T) {
			srv, conns := echo(t, useTLS)
			var roots = srv.Client().Transport.(*http.Transport).TLSClientConfig
			p, err := NewPool(srv.URL, 1, nil)
			noErr(t, err)
			if roots != nil {
				p.tls.RootCAs = roots.RootCAs
			}
			defer p.Close()
			small := bytes.Repeat([]byte("s"), 4096)
			large := make([]byte, 3*chunk+12345)
			for i := range large {
				large[i] = byte(i * 7)
			}
			do := func(method, target string, body []byte, r io.Reader, n int64) (*Response, []byte) {
				t.Helper()
				c, err := p.Get()
				noErr(t, err)
				resp, err := c.Do(method, target, []string{"X-Test: 1"}, body, r, n)
				noErr(t, err)
				got, err := io.ReadAll(resp.Body)
				noErr(t, err)
				p.Put(c, nil)
				return resp, got
			}
			resp, _ := do("PUT", "/b/small", small, nil, 0)
			eq(t, 200, resp.Status)
			eq(t, "n4096", resp.ETag)
			resp, _ = do("PUT", "/b/large", nil, bytes.NewReader(large), int64(len(large)))
			eq(t, "n"+strconv.Itoa(len(large)), resp.ETag)
			resp, got := do("GET", "/b/large", nil, nil, 0)
			eq(t, int64(len(large)), resp.Length)
			eq(t, large, got)
			resp, got = do("GET", "/b/small?chunked", nil, nil, 0)
			eq(t, int64(-1), resp.Length)
			eq(t, small, got)
			resp, got = do("HEAD", "/b/small", nil, nil, 0)
			eq(t, 200, resp.Status)
			eq(t, int64(len(small)), resp.Length)
			eq(t, 0, len(got))
			resp, _ = do("DELETE", "/b/small", nil, nil, 0)
			eq(t, 204, resp.Status)
			resp, _ = do("GET", "/b/small", nil, nil, 0)
			eq(t, 404, resp.Status)
			eq(t, int64(1), conns.Load()) // every request on one kept-alive connection
		})
	}
}

// TestShortBodyReader: a body reader that ends early fails the request,
// and the pool does not keep the connection.
func TestShortBodyReader(t *testing.T) {
	srv, conns := echo(t, false)
	p, err := NewPool(srv.URL, 1, nil)
	noErr(t, err)
	c, err := p.Get()
	noErr(t, err)
	_, err = c.Do("PUT", "/b/x", nil, nil, bytes.NewReader(make([]byte, 10)), 20)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short body: %v, want io.ErrUnexpectedEOF", err)
	}
	p.Put(c, err)
	c, err = p.Get()
	noErr(t, err)
	resp, err := c.Do("PUT", "/b/x", nil, []byte("ok"), nil, 0)
	noErr(t, err)
	eq(t, 200, resp.Status)
	eq(t, int64(2), conns.Load()) // the failed connection was not reused
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eq(t *testing.T, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
