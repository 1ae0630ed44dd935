package h1_test

// Conformance tests: behaviour a serious HTTP/1.1 client transport must
// have. Every test runs against net/http's Transport (subtest "nethttp",
// configured like h1: no HTTP/2, no proxy, no compression, the same dial
// functions and idle limits) and against h1.New (subtest "h1"), so that a
// test that passes for net/http and fails for h1 points at a difference
// of h1, not at the test.
//
// No test sleeps or measures time: servers and clients hand each other
// channels, and every request runs under a context that ends after
// testTimeout, so that a transport that hangs fails (with
// context.DeadlineExceeded) instead of stalling the run.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/http/httputil"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/h1"
	"github.com/stretchr/testify/require"
)

// testTimeout bounds each test's requests: it is a guard against hangs,
// never a measurement.
const testTimeout = 5 * time.Second

// ---------------------------------------------------------------------
// The two transports.

// transport is one transport under test.
type transport struct {
	http.RoundTripper
	closeIdle func()
	isH1      bool
}

// options configure a transport under test; both kinds get the same.
type options struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error) // nil: net.Dialer
	roots   *x509.CertPool                                                    // non-nil: https is dialled with these roots
	maxIdle int                                                               // as h1.Config.MaxIdlePerHost
}

// tlsDial returns a dial function that dials with dial and does a TLS
// handshake offering only http/1.1.
func tlsDial(dial func(ctx context.Context, network, addr string) (net.Conn, error), roots *x509.CertPool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		nc, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := tls.Client(nc, &tls.Config{RootCAs: roots, ServerName: host, NextProtos: []string{"http/1.1"}})
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		return tc, nil
	}
}

func newNetHTTP(t *testing.T, o options) transport {
	dial := o.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	maxIdle := o.maxIdle
	if maxIdle == 0 {
		maxIdle = 64 // h1's default; net/http's would be 2
	}
	nt := &http.Transport{
		Proxy:               nil,
		DialContext:         dial,
		DisableCompression:  true,
		MaxIdleConnsPerHost: maxIdle, // negative: none kept, as h1
		IdleConnTimeout:     90 * time.Second,
		WriteBufferSize:     16 << 10,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // never HTTP/2
	}
	if o.roots != nil {
		nt.DialTLSContext = tlsDial(dial, o.roots)
	}
	t.Cleanup(nt.CloseIdleConnections)
	return transport{RoundTripper: nt, closeIdle: nt.CloseIdleConnections}
}

func newH1(t *testing.T, o options) transport {
	cfg := h1.Config{Dial: o.dial, MaxIdlePerHost: o.maxIdle}
	if o.roots != nil {
		dial := o.dial
		if dial == nil {
			dial = (&net.Dialer{}).DialContext
		}
		cfg.DialTLS = tlsDial(dial, o.roots)
	}
	ht := h1.New(cfg)
	t.Cleanup(ht.CloseIdleConnections)
	return transport{RoundTripper: ht, closeIdle: ht.CloseIdleConnections, isH1: true}
}

// forEachKind runs f as the subtests "nethttp" and "h1", with a function
// that makes a transport of that kind.
func forEachKind(t *testing.T, f func(t *testing.T, newTransport func(options) transport)) {
	for _, k := range []struct {
		name string
		new  func(*testing.T, options) transport
	}{{"nethttp", newNetHTTP}, {"h1", newH1}} {
		t.Run(k.name, func(t *testing.T) {
			f(t, func(o options) transport { return k.new(t, o) })
		})
	}
}

// forEachTransport runs f as the subtests "nethttp" and "h1", each with a
// transport of that kind made with o.
func forEachTransport(t *testing.T, o options, f func(t *testing.T, tr transport)) {
	forEachKind(t, func(t *testing.T, newTransport func(options) transport) {
		f(t, newTransport(o))
	})
}

// ---------------------------------------------------------------------
// Client helpers.

// testCtx is the context of a test's requests, ended after testTimeout.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newRequest(t *testing.T, ctx context.Context, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	require.NoError(t, err)
	return req
}

// roundTrip sends req and requires a response.
func roundTrip(t *testing.T, tr transport, req *http.Request) *http.Response {
	t.Helper()
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	require.NotNil(t, resp)
	return resp
}

// readBody reads resp's body whole, requiring no error, and closes it.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return string(b)
}

// get GETs url, requires a 200 and returns the body.
func get(t *testing.T, tr transport, ctx context.Context, url string) string {
	t.Helper()
	resp := roundTrip(t, tr, newRequest(t, ctx, http.MethodGet, url, nil))
	body := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body %q", body)
	return body
}

// wait waits for ch (closed or sent to), failing the test if ctx ends
// first.
func wait[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		panic("unreachable")
	}
}

// requireNoHang requires err to be an error, and not the test context's
// end (which would mean the transport hung until the guard fired).
func requireNoHang(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	require.NotErrorIs(t, err, context.DeadlineExceeded, "the transport hung until the test's guard timeout")
}

// ---------------------------------------------------------------------
// Servers.

// rawServer is a TCP server on 127.0.0.1 that runs a script (handle) on
// each connection it accepts, then closes the connection.
type rawServer struct {
	url      string        // http://127.0.0.1:port
	accepted atomic.Int32  // connections accepted
	done     chan struct{} // closed when the test ends
}

// newRawServer starts a rawServer; n is 1 for the first connection.
// handle must not use t. When the test ends, the listener and every
// connection are closed and the handlers waited for.
func newRawServer(t *testing.T, handle func(n int, c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &rawServer{url: "http://" + ln.Addr().String(), done: make(chan struct{})}
	var (
		mu      sync.Mutex
		conns   []net.Conn
		stopped bool
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(s.accepted.Add(1))
			mu.Lock()
			if stopped {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(n, c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		mu.Lock()
		stopped = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// rawRequest is a request as a rawServer read it off the wire.
type rawRequest struct {
	line   string      // the request line
	fields []string    // the header lines, as sent
	header http.Header // the header fields, names canonicalised
	body   []byte      // the body, chunked coding removed
}

// readHead reads a request line and header section.
func readHead(br *bufio.Reader) (*rawRequest, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	r := &rawRequest{line: line, header: http.Header{}}
	for {
		l, err := tp.ReadLine()
		if err != nil {
			return nil, err
		}
		if l == "" {
			return r, nil
		}
		r.fields = append(r.fields, l)
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("header line without colon: %q", l)
		}
		r.header.Add(k, strings.TrimSpace(v))
	}
}

// readBody reads the body the head announced.
func (r *rawRequest) readBody(br *bufio.Reader) error {
	switch {
	case r.header.Get("Transfer-Encoding") == "chunked":
		b, err := io.ReadAll(httputil.NewChunkedReader(br))
		if err != nil {
			return err
		}
		r.body = b
		for { // the trailer section
			l, err := textproto.NewReader(br).ReadLine()
			if err != nil {
				return err
			}
			if l == "" {
				return nil
			}
		}
	case r.header.Get("Content-Length") != "":
		n, err := strconv.Atoi(r.header.Get("Content-Length"))
		if err != nil {
			return err
		}
		r.body = make([]byte, n)
		_, err = io.ReadFull(br, r.body)
		return err
	}
	return nil
}

// readRequest reads a whole request.
func readRequest(br *bufio.Reader) (*rawRequest, error) {
	r, err := readHead(br)
	if err != nil {
		return nil, err
	}
	return r, r.readBody(br)
}

// respond writes a keep-alive 200 response with body.
func respond(c net.Conn, body string) error {
	_, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	return err
}

// serveConnN answers every request on c with the body "conn<n>".
func serveConnN(n int, c net.Conn, br *bufio.Reader) {
	for {
		if _, err := readRequest(br); err != nil {
			return
		}
		if respond(c, fmt.Sprintf("conn%d", n)) != nil {
			return
		}
	}
}

// httpServer is an httptest.Server that counts its connections.
type httpServer struct {
	*httptest.Server
	newConns    atomic.Int32
	closedConns chan struct{} // a token for each connection closed
}

func newHTTPServer(t *testing.T, h http.Handler, useTLS bool) *httpServer {
	t.Helper()
	s := &httpServer{closedConns: make(chan struct{}, 1024)}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.newConns.Add(1)
		case http.StateClosed, http.StateHijacked:
			select {
			case s.closedConns <- struct{}{}:
			default:
			}
		}
	}
	if useTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// roots returns the pool that trusts a TLS server's certificate.
func (s *httpServer) roots() *x509.CertPool {
	return s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
}

// pathEcho answers with the request's path.
var pathEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, r.URL.Path)
})

// ---------------------------------------------------------------------
// 1. The request on the wire.

func TestConformanceRequestWire(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16) // beyond a 16 KiB write buffer
	cases := []struct {
		name  string
		build func(t *testing.T, ctx context.Context, base string) *http.Request
		check func(t *testing.T, r *rawRequest, req *http.Request)
	}{{
		name: "request target keeps RawPath and query",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodGet, base+"/a%20b/c%2Fd;p?x=1&y=%20z", nil)
			require.Equal(t, "/a%20b/c%2Fd;p", req.URL.RawPath)
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, "GET "+req.URL.RequestURI()+" HTTP/1.1", r.line)
			require.Equal(t, "GET /a%20b/c%2Fd;p?x=1&y=%20z HTTP/1.1", r.line)
		},
	}, {
		name: "request target escapes Path",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodGet, base+"/", nil)
			req.URL.Path, req.URL.RawPath = "/sp ace/ü/?#", ""
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, "GET "+req.URL.RequestURI()+" HTTP/1.1", r.line)
			require.Equal(t, "GET /sp%20ace/%C3%BC/%3F%23 HTTP/1.1", r.line)
		},
	}, {
		name: "empty path is slash",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodGet, base, nil)
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, "GET / HTTP/1.1", r.line)
		},
	}, {
		name: "Host from URL",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodGet, base+"/x", nil)
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{req.URL.Host}, r.header["Host"])
		},
	}, {
		name: "Host from req.Host",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodGet, base+"/x", nil)
			req.Host = "bucket.example.test:9000"
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"bucket.example.test:9000"}, r.header["Host"])
		},
	}, {
		name: "headers",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodGet, base+"/x", nil)
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b, Signature=c")
			req.Header.Set("X-Amz-Meta-Color", "blue")
			req.Header.Add("X-Multi", "one")
			req.Header.Add("X-Multi", "two")
			req.Header.Set("Range", "bytes=0-9")
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"AWS4-HMAC-SHA256 Credential=a/b, Signature=c"}, r.header["Authorization"])
			require.Equal(t, []string{"blue"}, r.header["X-Amz-Meta-Color"])
			require.Equal(t, []string{"one", "two"}, r.header["X-Multi"])
			require.Equal(t, []string{"bytes=0-9"}, r.header["Range"])
		},
	}, {
		name: "GET without body has no length and no Accept-Encoding",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodGet, base+"/x", nil)
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, "GET /x HTTP/1.1", r.line)
			require.NotContains(t, r.header, "Content-Length")
			require.NotContains(t, r.header, "Transfer-Encoding")
			require.NotContains(t, r.header, "Accept-Encoding")
			require.Empty(t, r.body)
		},
	}, {
		name: "PUT without body sends Content-Length 0",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodPut, base+"/x", nil)
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, "PUT /x HTTP/1.1", r.line)
			require.Equal(t, []string{"0"}, r.header["Content-Length"])
			require.NotContains(t, r.header, "Transfer-Encoding")
		},
	}, {
		name: "PUT with NoBody sends Content-Length 0",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodPut, base+"/x", http.NoBody)
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"0"}, r.header["Content-Length"])
			require.NotContains(t, r.header, "Transfer-Encoding")
		},
	}, {
		name: "POST without body sends Content-Length 0",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodPost, base+"/x?uploads", nil)
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, "POST /x?uploads HTTP/1.1", r.line)
			require.Equal(t, []string{"0"}, r.header["Content-Length"])
			require.NotContains(t, r.header, "Transfer-Encoding")
		},
	}, {
		name: "PUT with known length",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodPut, base+"/x", strings.NewReader("hello, world"))
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"12"}, r.header["Content-Length"])
			require.NotContains(t, r.header, "Transfer-Encoding")
			require.Equal(t, "hello, world", string(r.body))
		},
	}, {
		name: "PUT with known length beyond the write buffer",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			return newRequest(t, ctx, http.MethodPut, base+"/x", bytes.NewReader(big))
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{strconv.Itoa(len(big))}, r.header["Content-Length"])
			require.NotContains(t, r.header, "Transfer-Encoding")
			require.True(t, bytes.Equal(big, r.body), "the server received other bytes")
		},
	}, {
		name: "ContentLength set beside an opaque body",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodPut, base+"/x", io.NopCloser(strings.NewReader("hello")))
			req.ContentLength = 5
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"5"}, r.header["Content-Length"])
			require.NotContains(t, r.header, "Transfer-Encoding")
			require.Equal(t, "hello", string(r.body))
		},
	}, {
		name: "unknown length is chunked",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodPut, base+"/x", io.NopCloser(strings.NewReader("some streamed bytes")))
			req.ContentLength = -1
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"chunked"}, r.header["Transfer-Encoding"])
			require.NotContains(t, r.header, "Content-Length")
			require.Equal(t, "some streamed bytes", string(r.body))
		},
	}, {
		name: "unknown length beyond the write buffer is chunked",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodPut, base+"/x", io.NopCloser(bytes.NewReader(big)))
			req.ContentLength = -1
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"chunked"}, r.header["Transfer-Encoding"])
			require.NotContains(t, r.header, "Content-Length")
			require.True(t, bytes.Equal(big, r.body), "the server received other bytes")
		},
	}, {
		name: "req.Close sends Connection close",
		build: func(t *testing.T, ctx context.Context, base string) *http.Request {
			req := newRequest(t, ctx, http.MethodGet, base+"/x", nil)
			req.Close = true
			return req
		},
		check: func(t *testing.T, r *rawRequest, req *http.Request) {
			require.Equal(t, []string{"close"}, r.header["Connection"])
		},
	}}
	forEachTransport(t, options{}, func(t *testing.T, tr transport) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := testCtx(t)
				reqs := make(chan *rawRequest, 1)
				srv := newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
					r, err := readRequest(br)
					if err != nil {
						return
					}
					select { // keep the first; another must not block the handler
					case reqs <- r:
					default:
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
				})
				req := tc.build(t, ctx, srv.url)
				resp := roundTrip(t, tr, req)
				require.Equal(t, "ok", readBody(t, resp))
				r := wait(t, ctx, reqs, "the request")
				require.Len(t, r.header["Host"], 1, "fields %q", r.fields)
				tc.check(t, r, req)
			})
		}
	})
}

// countingDialer dials TCP and counts the bytes written to its
// connections.
type countingDialer struct {
	written atomic.Int64
}

func (d *countingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, d: d}, nil
}

type countingConn struct {
	net.Conn
	d *countingDialer
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.d.written.Add(int64(n))
	return n, err
}

func TestConformanceRequestRefused(t *testing.T) {
	t.Run("header value with CR or LF", func(t *testing.T) {
		for _, v := range []string{"a\r\nX-Injected: 1", "a\nb", "a\rb", "\r\n"} {
			t.Run(strconv.Quote(v), func(t *testing.T) {
				forEachKind(t, func(t *testing.T, newTransport func(options) transport) {
					d := &countingDialer{}
					tr := newTransport(options{dial: d.dial})
					srv := newRawServer(t, serveConnN)
					req := newRequest(t, testCtx(t), http.MethodGet, srv.url+"/x", nil)
					req.Header["X-Bad"] = []string{v}
					resp, err := tr.RoundTrip(req)
					if resp != nil {
						resp.Body.Close()
					}
					requireNoHang(t, err)
					require.Zero(t, d.written.Load(), "bytes were sent for a request with header value %q", v)
				})
			})
		}
	})
	t.Run("header name with a space", func(t *testing.T) {
		forEachKind(t, func(t *testing.T, newTransport func(options) transport) {
			d := &countingDialer{}
			tr := newTransport(options{dial: d.dial})
			srv := newRawServer(t, serveConnN)
			req := newRequest(t, testCtx(t), http.MethodGet, srv.url+"/x", nil)
			req.Header["Bad Name"] = []string{"v"}
			_, err := tr.RoundTrip(req)
			requireNoHang(t, err)
			require.Zero(t, d.written.Load())
		})
	})
	// A body shorter than its ContentLength: small (fits beside the head)
	// and large.
	for _, sizes := range [][2]int{{10, 3}, {1 << 20, 100 << 10}} {
		t.Run(fmt.Sprintf("body of %d bytes for ContentLength %d", sizes[1], sizes[0]), func(t *testing.T) {
			forEachTransport(t, options{}, func(t *testing.T, tr transport) {
				srv := newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
					if _, err := readRequest(br); err != nil {
						return // the request must end short: no response
					}
					respond(c, "a short body was accepted whole")
				})
				req := newRequest(t, testCtx(t), http.MethodPut, srv.url+"/x",
					io.NopCloser(bytes.NewReader(make([]byte, sizes[1]))))
				req.ContentLength = int64(sizes[0])
				resp, err := tr.RoundTrip(req)
				if resp != nil {
					resp.Body.Close()
				}
				requireNoHang(t, err)
			})
		})
	}
}

// trackedBody is a request body that reports its Close.
type trackedBody struct {
	io.Reader
	once   sync.Once
	closed chan struct{}
}

func newTrackedBody(s string) *trackedBody {
	return &trackedBody{Reader: strings.NewReader(s), closed: make(chan struct{})}
}

func (b *trackedBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// RoundTrip must close the request body, on success and on failure
// (http.RoundTripper's contract). net/http may close it on its write
// goroutine, after RoundTrip returned: the test waits for the close.
func TestConformanceRequestBodyClosed(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv := newRawServer(t, serveConnN)
			b := newTrackedBody("payload")
			req := newRequest(t, ctx, http.MethodPut, srv.url+"/x", b)
			req.ContentLength = 7
			require.Equal(t, "conn1", readBody(t, roundTrip(t, tr, req)))
			wait(t, ctx, b.closed, "the request body's Close")
		})
	})
	t.Run("invalid header", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv := newRawServer(t, serveConnN)
			b := newTrackedBody("payload")
			req := newRequest(t, ctx, http.MethodPut, srv.url+"/x", b)
			req.ContentLength = 7
			req.Header["X-Bad"] = []string{"a\r\nb"}
			_, err := tr.RoundTrip(req)
			requireNoHang(t, err)
			wait(t, ctx, b.closed, "the request body's Close")
		})
	})
	t.Run("dial failure", func(t *testing.T) {
		errDial := errors.New("dial refused by the test")
		fail := func(context.Context, string, string) (net.Conn, error) { return nil, errDial }
		forEachTransport(t, options{dial: fail}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			b := newTrackedBody("payload")
			req := newRequest(t, ctx, http.MethodPut, "http://127.0.0.1:1/x", b)
			req.ContentLength = 7
			_, err := tr.RoundTrip(req)
			requireNoHang(t, err)
			require.ErrorIs(t, err, errDial)
			wait(t, ctx, b.closed, "the request body's Close")
		})
	})
}

// ---------------------------------------------------------------------
// 2. Responses.

func TestConformanceResponses(t *testing.T) {
	cases := []struct {
		name   string
		method string // "" is GET
		raw    string // the first response on the connection
		closes bool   // the server closes the connection after raw
		body   string // the body expected
		check  func(t *testing.T, resp *http.Response)
	}{{
		name: "Content-Length",
		raw:  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		body: "hello",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, "200 OK", resp.Status)
			require.Equal(t, 200, resp.StatusCode)
			require.Equal(t, "HTTP/1.1", resp.Proto)
			require.Equal(t, 1, resp.ProtoMajor)
			require.Equal(t, 1, resp.ProtoMinor)
			require.EqualValues(t, 5, resp.ContentLength)
		},
	}, {
		name: "Content-Length 0",
		raw:  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		check: func(t *testing.T, resp *http.Response) {
			require.EqualValues(t, 0, resp.ContentLength)
		},
	}, {
		name: "chunked",
		raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		body: "hello world",
		check: func(t *testing.T, resp *http.Response) {
			require.EqualValues(t, -1, resp.ContentLength)
			require.Equal(t, []string{"chunked"}, resp.TransferEncoding)
		},
	}, {
		name: "chunked with extensions and upper-case hex",
		raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nB\r\n, 11 bytes!\r\n0\r\n\r\n",
		body: "hello, 11 bytes!",
	}, {
		name: "chunked with declared trailer",
		raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Amz-Checksum-Crc32c\r\n\r\n" +
			"5\r\nhello\r\n0\r\nX-Amz-Checksum-Crc32c: abc=\r\n\r\n",
		body: "hello",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, "abc=", resp.Trailer.Get("X-Amz-Checksum-Crc32c"))
		},
	}, {
		name: "chunked with undeclared trailer",
		raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-checksum: abc\r\n\r\n",
		body: "hello",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, "abc", resp.Trailer.Get("X-Checksum"))
		},
	}, {
		name:   "close-delimited",
		raw:    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
		closes: true,
		body:   "until the end",
		check: func(t *testing.T, resp *http.Response) {
			require.EqualValues(t, -1, resp.ContentLength)
			require.True(t, resp.Close)
		},
	}, {
		name:   "HTTP/1.0 close-delimited",
		raw:    "HTTP/1.0 200 OK\r\n\r\nold style",
		closes: true,
		body:   "old style",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, "HTTP/1.0", resp.Proto)
			require.Equal(t, 1, resp.ProtoMajor)
			require.Equal(t, 0, resp.ProtoMinor)
		},
	}, {
		name:   "HEAD with Content-Length",
		method: http.MethodHead,
		raw:    "HTTP/1.1 200 OK\r\nContent-Length: 12345\r\nEtag: \"e\"\r\n\r\n",
		check: func(t *testing.T, resp *http.Response) {
			require.EqualValues(t, 12345, resp.ContentLength)
			require.Equal(t, `"e"`, resp.Header.Get("ETag"))
		},
	}, {
		name:   "HEAD with chunked",
		method: http.MethodHead,
		raw:    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	}, {
		name: "204 No Content",
		raw:  "HTTP/1.1 204 No Content\r\nX-Amz-Request-Id: r1\r\n\r\n",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, 204, resp.StatusCode)
			require.Equal(t, "204 No Content", resp.Status)
		},
	}, {
		// A 304 has no content even when it states the representation's
		// length (RFC 9110, 15.4.5).
		name: "304 Not Modified with Content-Length",
		raw:  "HTTP/1.1 304 Not Modified\r\nEtag: \"e\"\r\nContent-Length: 100\r\n\r\n",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, 304, resp.StatusCode)
		},
	}, {
		name: "1xx interim responses are skipped",
		raw: "HTTP/1.1 100 Continue\r\n\r\n" +
			"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
		body: "final",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, 200, resp.StatusCode)
			require.Empty(t, resp.Header.Get("Link"), "an interim response's field is in the final header")
		},
	}, {
		name: "header names are canonicalised",
		raw:  "HTTP/1.1 200 OK\r\nx-amz-request-id: req-1\r\nETAG: \"abc\"\r\ncontent-length: 2\r\n\r\nok",
		body: "ok",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, "req-1", resp.Header.Get("X-Amz-Request-Id"))
			require.Equal(t, `"abc"`, resp.Header.Get("Etag"))
			require.Equal(t, []string{"req-1"}, resp.Header["X-Amz-Request-Id"])
			require.Equal(t, []string{`"abc"`}, resp.Header["Etag"])
			require.NotContains(t, resp.Header, "x-amz-request-id")
			require.NotContains(t, resp.Header, "ETAG")
			require.EqualValues(t, 2, resp.ContentLength)
		},
	}, {
		name: "repeated header fields keep every value in order",
		raw:  "HTTP/1.1 200 OK\r\nX-Multi: 1\r\nSet-Cookie: a=1\r\nX-Multi: 2\r\nx-multi: 3\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, []string{"1", "2", "3"}, resp.Header["X-Multi"])
			require.Equal(t, []string{"a=1", "b=2"}, resp.Header["Set-Cookie"])
		},
	}, {
		name: "header values are trimmed",
		raw:  "HTTP/1.1 200 OK\r\nX-Pad:  \t padded value \t \r\nX-Empty:\r\nContent-Length: 0\r\n\r\n",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, []string{"padded value"}, resp.Header["X-Pad"])
			require.Equal(t, []string{""}, resp.Header["X-Empty"])
		},
	}, {
		name: "status with an unusual reason",
		raw:  "HTTP/1.1 404 Not Here\r\nContent-Length: 4\r\n\r\ngone",
		body: "gone",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, 404, resp.StatusCode)
			require.Equal(t, "404 Not Here", resp.Status)
		},
	}, {
		name: "status 503 with Retry-After",
		raw:  "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 8\r\n\r\nslowdown",
		body: "slowdown",
		check: func(t *testing.T, resp *http.Response) {
			require.Equal(t, 503, resp.StatusCode)
			require.Equal(t, "503 Service Unavailable", resp.Status)
			require.Equal(t, "1", resp.Header.Get("Retry-After"))
		},
	}}
	forEachTransport(t, options{}, func(t *testing.T, tr transport) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := testCtx(t)
				srv := newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
					for i := 0; ; i++ {
						if _, err := readRequest(br); err != nil {
							return
						}
						if n == 1 && i == 0 {
							if _, err := io.WriteString(c, tc.raw); err != nil || tc.closes {
								return
							}
							continue
						}
						if respond(c, fmt.Sprintf("next on conn%d", n)) != nil {
							return
						}
					}
				})
				method := tc.method
				if method == "" {
					method = http.MethodGet
				}
				resp := roundTrip(t, tr, newRequest(t, ctx, method, srv.url+"/first", nil))
				require.Equal(t, tc.body, readBody(t, resp))
				if tc.check != nil {
					tc.check(t, resp)
				}
				// The response ended where it should: the next one on the
				// connection (or, after a close, a new one) is read whole.
				want := "next on conn1"
				if tc.closes {
					want = "next on conn2"
				}
				require.Equal(t, want, get(t, tr, ctx, srv.url+"/next"))
			})
		}
	})
}

// ---------------------------------------------------------------------
// 3. Malformed responses.

func TestConformanceMalformedResponses(t *testing.T) {
	cases := []struct {
		name          string
		raw           string
		closes        bool // the server closes the connection after raw, else it waits for the client to
		headErr       bool // RoundTrip must fail (else the failure may come from the body's Read)
		unexpectedEOF bool // the error is io.ErrUnexpectedEOF
	}{
		{name: "garbage status line", raw: "HELLO WORLD\r\n\r\n", headErr: true},
		{name: "non-numeric status code", raw: "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", headErr: true},
		{name: "header line without colon", raw: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nNoColonHere\r\n\r\n", headErr: true},
		{name: "Content-Length not a number", raw: "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nabc", headErr: true},
		{name: "negative Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabc", headErr: true},
		{name: "two different Content-Length values", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", headErr: true},
		{name: "unsupported transfer coding", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", headErr: true},
		{name: "connection closed before any byte", raw: "", closes: true, headErr: true},
		{name: "connection closed inside the head", raw: "HTTP/1.1 200 OK\r\nContent-Le", closes: true, headErr: true},
		{name: "body shorter than Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", closes: true, unexpectedEOF: true},
		{name: "chunked body cut short", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", closes: true, unexpectedEOF: true},
		{name: "chunked body without its last chunk", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", closes: true, unexpectedEOF: true},
		{name: "bad chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
		{name: "chunk longer than its size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n"},
	}
	forEachTransport(t, options{}, func(t *testing.T, tr transport) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				srv := newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
					if _, err := readRequest(br); err != nil {
						return
					}
					if _, err := io.WriteString(c, tc.raw); err != nil || tc.closes {
						return
					}
					io.Copy(io.Discard, br) // until the client closes
				})
				resp, err := tr.RoundTrip(newRequest(t, testCtx(t), http.MethodGet, srv.url+"/x", nil))
				if err == nil {
					require.False(t, tc.headErr, "a malformed response head was accepted: %d %v", resp.StatusCode, resp.Header)
					var b []byte
					b, err = io.ReadAll(resp.Body) // never io.EOF: nil at a clean end
					resp.Body.Close()
					require.Error(t, err, "a malformed body was read as %q", b)
				}
				requireNoHang(t, err)
				if tc.unexpectedEOF {
					require.ErrorIs(t, err, io.ErrUnexpectedEOF)
				}
			})
		}
	})
}

// ---------------------------------------------------------------------
// 4. Connection reuse.

func TestConformanceConnectionReuse(t *testing.T) {
	t.Run("sequential requests share one connection", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv := newHTTPServer(t, pathEcho, false)
			for i := range 10 {
				p := fmt.Sprintf("/seq/%d", i)
				require.Equal(t, p, get(t, tr, ctx, srv.URL+p))
			}
			require.EqualValues(t, 1, srv.newConns.Load())
		})
	})
	t.Run("Connection close is honoured", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			// The first connection says close but stays open, and would
			// answer another request with the wrong body.
			srv := newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
				if n > 1 {
					serveConnN(n, c, br)
					return
				}
				if _, err := readRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nconn1")
				for {
					if _, err := readRequest(br); err != nil {
						return
					}
					if respond(c, "reused after Connection: close") != nil {
						return
					}
				}
			})
			require.Equal(t, "conn1", get(t, tr, ctx, srv.url+"/a"))
			require.Equal(t, "conn2", get(t, tr, ctx, srv.url+"/b"))
			require.EqualValues(t, 2, srv.accepted.Load())
		})
	})
	t.Run("body closed before its end", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /cl/{n}", func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.PathValue("n"))
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(bytes.Repeat([]byte("a"), n))
		})
		mux.HandleFunc("GET /chunked/{n}", func(w http.ResponseWriter, r *http.Request) {
			n, _ := strconv.Atoi(r.PathValue("n"))
			w.(http.Flusher).Flush() // no length: chunked
			w.Write(bytes.Repeat([]byte("b"), n))
		})
		mux.HandleFunc("GET /small", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "small")
		})
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv := newHTTPServer(t, mux, false)
			for _, p := range []string{"/cl/100", "/cl/1048576", "/chunked/100", "/chunked/1048576", "/cl/100"} {
				resp := roundTrip(t, tr, newRequest(t, ctx, http.MethodGet, srv.URL+p, nil))
				buf := make([]byte, 10)
				_, err := io.ReadFull(resp.Body, buf)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				require.Equal(t, "small", get(t, tr, ctx, srv.URL+"/small"), "after %s", p)
			}
		})
	})
	t.Run("concurrent requests get their own responses", func(t *testing.T) {
		const goroutines, each = 16, 20
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Bodies of different lengths, some chunked, so that a
			// response read on the wrong request or framed wrongly shows.
			n := len(r.URL.Path) % 7
			if n%2 == 0 {
				w.(http.Flusher).Flush()
			}
			io.WriteString(w, strings.Repeat(r.URL.Path, n+1))
		})
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv := newHTTPServer(t, h, false)
			errs := make(chan error, goroutines*each)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						p := fmt.Sprintf("/c/%d/%d", g, i)
						want := strings.Repeat(p, len(p)%7+1)
						req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+p, nil)
						if err != nil {
							errs <- err
							return
						}
						resp, err := tr.RoundTrip(req)
						if err != nil {
							errs <- fmt.Errorf("%s: %w", p, err)
							return
						}
						b, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil {
							errs <- fmt.Errorf("%s: body: %w", p, err)
							return
						}
						if string(b) != want {
							errs <- fmt.Errorf("%s: got body %q, want %q", p, b, want)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			// h1 dials on the caller's goroutine, for that caller only, so
			// it never has more connections than requests in flight.
			// net/http may: a dial it started for one request, overtaken
			// by a connection going idle, is pooled all the same.
			if tr.isH1 {
				require.LessOrEqual(t, srv.newConns.Load(), int32(goroutines), "more connections than requests in flight")
			}
		})
	})
}

// ---------------------------------------------------------------------
// 5. Stale connections.

func TestConformanceStaleConnection(t *testing.T) {
	t.Run("server closed the idle connection", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			pooled, closed := make(chan struct{}), make(chan struct{})
			srv := newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
				if n > 1 {
					serveConnN(n, c, br)
					return
				}
				if _, err := readRequest(br); err != nil || respond(c, "conn1") != nil {
					return
				}
				select { // the client read the body whole: the connection is idle
				case <-pooled:
				case <-ctx.Done():
				}
				c.Close()
				close(closed)
			})
			require.Equal(t, "conn1", get(t, tr, ctx, srv.url+"/a"))
			close(pooled)
			wait(t, ctx, closed, "the server's close")
			require.Equal(t, "conn2", get(t, tr, ctx, srv.url+"/b"))
			require.EqualValues(t, 2, srv.accepted.Load())
		})
	})
	// The server resets the reused connection once it has read the head
	// of the second request: nothing of a response arrives. net/http sends
	// a GET again on a new connection; so must h1 (RoundTrip's doc).
	resetSecond := func() (handle func(n int, c net.Conn, br *bufio.Reader), reset chan struct{}) {
		reset = make(chan struct{})
		return func(n int, c net.Conn, br *bufio.Reader) {
			if n > 1 { // answers "conn<n>", and the request body if any
				for {
					r, err := readRequest(br)
					if err != nil {
						return
					}
					body := fmt.Sprintf("conn%d", n)
					if len(r.body) > 0 {
						body += " " + string(r.body)
					}
					if respond(c, body) != nil {
						return
					}
				}
			}
			if _, err := readRequest(br); err != nil || respond(c, "conn1") != nil {
				return
			}
			if _, err := readHead(br); err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close() // RST
			close(reset)
		}, reset
	}
	t.Run("GET on a connection reset before the response is retried", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			handle, reset := resetSecond()
			srv := newRawServer(t, handle)
			require.Equal(t, "conn1", get(t, tr, ctx, srv.url+"/a"))
			require.Equal(t, "conn2", get(t, tr, ctx, srv.url+"/b"))
			wait(t, ctx, reset, "the reset of the reused connection") // the GET did meet it
			require.EqualValues(t, 2, srv.accepted.Load())
		})
	})
	t.Run("PUT on a connection reset before the response fails or is retried whole", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			handle, reset := resetSecond()
			srv := newRawServer(t, handle)
			require.Equal(t, "conn1", get(t, tr, ctx, srv.url+"/a"))
			// A PUT is not idempotent by method: net/http does not send it
			// again once written. Either answer is allowed here; a hang is
			// not, and a retry must carry the whole body.
			req := newRequest(t, ctx, http.MethodPut, srv.url+"/b", strings.NewReader("put body"))
			resp, err := tr.RoundTrip(req)
			wait(t, ctx, reset, "the reset of the reused connection")
			if err != nil {
				t.Logf("the PUT failed: %v", err)
				requireNoHang(t, err)
				return
			}
			t.Logf("the PUT was sent again")
			require.Equal(t, "conn2 put body", readBody(t, resp))
		})
	})
}

// ---------------------------------------------------------------------
// 6. Cancellation.

// stallServer reads a request, writes head (maybe empty), signals
// started, then waits for the client to close the connection and
// signals sawClose.
func stallServer(t *testing.T, head string) (srv *rawServer, started, sawClose chan struct{}) {
	started, sawClose = make(chan struct{}), make(chan struct{})
	srv = newRawServer(t, func(n int, c net.Conn, br *bufio.Reader) {
		if n > 1 {
			return
		}
		if _, err := readRequest(br); err != nil {
			return
		}
		if _, err := io.WriteString(c, head); err != nil {
			return
		}
		close(started)
		io.Copy(io.Discard, br)
		close(sawClose)
	})
	return srv, started, sawClose
}

// waitClosedIfStarted waits for a stallServer to see its connection
// closed, if it got as far as stalling: a real deadline may pass earlier,
// while the transport dials or writes (and then that is what must fail).
func waitClosedIfStarted(t *testing.T, ctx context.Context, started, sawClose chan struct{}) {
	t.Helper()
	select {
	case <-started:
		wait(t, ctx, sawClose, "the connection's close")
	default:
	}
}

func TestConformanceCancel(t *testing.T) {
	t.Run("while waiting for the response head", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv, started, sawClose := stallServer(t, "")
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				select {
				case <-started:
					cancel()
				case <-ctx.Done():
				}
			}()
			_, err := tr.RoundTrip(newRequest(t, cctx, http.MethodGet, srv.url+"/x", nil))
			requireNoHang(t, err)
			require.ErrorIs(t, err, context.Canceled)
			wait(t, ctx, sawClose, "the connection's close") // not left open, nor pooled
		})
	})
	t.Run("while reading the body", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv, _, sawClose := stallServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			resp := roundTrip(t, tr, newRequest(t, cctx, http.MethodGet, srv.url+"/x", nil))
			defer resp.Body.Close()
			buf := make([]byte, 10)
			_, err := io.ReadFull(resp.Body, buf)
			require.NoError(t, err)
			require.Equal(t, "0123456789", string(buf))
			// The next Read blocks: the server sends no more. The cancel
			// races it, so it may also come before the Read; both must end
			// the Read with an error.
			go cancel()
			_, err = io.ReadAll(resp.Body)
			requireNoHang(t, err)
			require.ErrorIs(t, err, context.Canceled)
			wait(t, ctx, sawClose, "the connection's close")
		})
	})
	t.Run("deadline while waiting for the response head", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv, started, sawClose := stallServer(t, "")
			dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			_, err := tr.RoundTrip(newRequest(t, dctx, http.MethodGet, srv.url+"/x", nil))
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.NoError(t, ctx.Err(), "the test's guard ended first")
			waitClosedIfStarted(t, ctx, started, sawClose)
		})
	})
	t.Run("deadline while reading the body", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			ctx := testCtx(t)
			srv, started, sawClose := stallServer(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
			dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			resp, err := tr.RoundTrip(newRequest(t, dctx, http.MethodGet, srv.url+"/x", nil))
			if err == nil { // the deadline may pass before the head is read
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.NoError(t, ctx.Err(), "the test's guard ended first")
			waitClosedIfStarted(t, ctx, started, sawClose)
		})
	})
	t.Run("context already cancelled", func(t *testing.T) {
		forEachTransport(t, options{}, func(t *testing.T, tr transport) {
			srv := newRawServer(t, serveConnN)
			cctx, cancel := context.WithCancel(testCtx(t))
			cancel()
			_, err := tr.RoundTrip(newRequest(t, cctx, http.MethodGet, srv.url+"/x", nil))
			require.ErrorIs(t, err, context.Canceled)
		})
	})
}

// ---------------------------------------------------------------------
// 7. httptrace.

func TestConformanceTrace(t *testing.T) {
	forEachTransport(t, options{}, func(t *testing.T, tr transport) {
		ctx := testCtx(t)
		// The handler answers only once the client reported the request
		// written, so that WroteRequest precedes GotFirstResponseByte for
		// net/http too (it writes on another goroutine).
		wrote := make(chan struct{}, 4)
		srv := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-wrote:
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, "traced")
		}), false)
		for i, reused := range []bool{false, true} {
			var (
				mu     sync.Mutex
				events []string
			)
			add := func(e string) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}
			trace := &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) {
					add(fmt.Sprintf("GotConn reused=%v conn=%v", info.Reused, info.Conn != nil))
				},
				WroteRequest: func(info httptrace.WroteRequestInfo) {
					add(fmt.Sprintf("WroteRequest err=%v", info.Err))
					select {
					case wrote <- struct{}{}:
					default:
					}
				},
				GotFirstResponseByte: func() { add("GotFirstResponseByte") },
			}
			req := newRequest(t, httptrace.WithClientTrace(ctx, trace), http.MethodGet, srv.URL+"/t", nil)
			require.Equal(t, "traced", readBody(t, roundTrip(t, tr, req)))
			mu.Lock()
			got := append([]string(nil), events...)
			mu.Unlock()
			require.Equal(t, []string{
				fmt.Sprintf("GotConn reused=%v conn=true", reused),
				"WroteRequest err=<nil>",
				"GotFirstResponseByte",
			}, got, "request %d", i+1)
		}
		require.EqualValues(t, 1, srv.newConns.Load())
	})
}

// ---------------------------------------------------------------------
// 8. TLS and big bodies.

func TestConformanceTLS(t *testing.T) {
	forEachKind(t, func(t *testing.T, newTransport func(options) transport) {
		ctx := testCtx(t)
		srv := newHTTPServer(t, pathEcho, true)
		tr := newTransport(options{roots: srv.roots()})
		for _, p := range []string{"/one", "/two"} {
			resp := roundTrip(t, tr, newRequest(t, ctx, http.MethodGet, srv.URL+p, nil))
			require.Equal(t, p, readBody(t, resp))
			require.Equal(t, 200, resp.StatusCode)
			require.Equal(t, "HTTP/1.1", resp.Proto)
			// net/http fills resp.TLS after a custom DialTLSContext only
			// when that returns a *tls.Conn, as tlsDial does; h1 does for
			// any conn with a ConnectionState method. With tlsDial both
			// must.
			require.NotNil(t, resp.TLS)
			require.True(t, resp.TLS.HandshakeComplete)
			require.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
		}
		require.EqualValues(t, 1, srv.newConns.Load())
	})
}

func TestConformanceBigBodies(t *testing.T) {
	data := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{1}).Read(data)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])

	mux := http.NewServeMux()
	mux.HandleFunc("PUT /upload", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %x %d %v", n, h.Sum(nil), r.ContentLength, r.TransferEncoding)
	})
	mux.HandleFunc("GET /download/cl", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	})
	mux.HandleFunc("GET /download/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		w.Write(data)
	})
	for _, useTLS := range []bool{false, true} {
		name := "tcp"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			forEachKind(t, func(t *testing.T, newTransport func(options) transport) {
				ctx := testCtx(t)
				srv := newHTTPServer(t, mux, useTLS)
				var o options
				if useTLS {
					o.roots = srv.roots()
				}
				tr := newTransport(o)

				req := newRequest(t, ctx, http.MethodPut, srv.URL+"/upload", bytes.NewReader(data))
				require.Equal(t, fmt.Sprintf("%d %s %d []", len(data), want, len(data)), readBody(t, roundTrip(t, tr, req)))

				req = newRequest(t, ctx, http.MethodPut, srv.URL+"/upload", io.NopCloser(bytes.NewReader(data)))
				req.ContentLength = -1
				require.Equal(t, fmt.Sprintf("%d %s -1 [chunked]", len(data), want), readBody(t, roundTrip(t, tr, req)))

				for _, p := range []string{"/download/cl", "/download/chunked"} {
					resp := roundTrip(t, tr, newRequest(t, ctx, http.MethodGet, srv.URL+p, nil))
					b, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					require.NoError(t, resp.Body.Close())
					require.True(t, bytes.Equal(data, b), "%s: %d bytes differ from the %d sent", p, len(b), len(data))
				}
				require.EqualValues(t, 1, srv.newConns.Load())
			})
		})
	}
}

// ---------------------------------------------------------------------
// 9, 10. The idle pool.

func TestConformanceCloseIdleConnections(t *testing.T) {
	forEachTransport(t, options{}, func(t *testing.T, tr transport) {
		ctx := testCtx(t)
		srv := newHTTPServer(t, pathEcho, false)
		require.Equal(t, "/a", get(t, tr, ctx, srv.URL+"/a"))
		require.Empty(t, srv.closedConns)
		tr.closeIdle()
		wait(t, ctx, srv.closedConns, "the server to see the idle connection closed")
		require.Equal(t, "/b", get(t, tr, ctx, srv.URL+"/b"))
		require.EqualValues(t, 2, srv.newConns.Load())
	})
}

func TestConformanceNoIdleConnections(t *testing.T) {
	forEachTransport(t, options{maxIdle: -1}, func(t *testing.T, tr transport) {
		ctx := testCtx(t)
		srv := newHTTPServer(t, pathEcho, false)
		for i := range 5 {
			p := fmt.Sprintf("/n/%d", i)
			require.Equal(t, p, get(t, tr, ctx, srv.URL+p))
			// The connection is closed, not kept.
			wait(t, ctx, srv.closedConns, "the server to see the connection closed")
		}
		require.EqualValues(t, 5, srv.newConns.Load())
	})
}
