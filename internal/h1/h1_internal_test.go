package h1

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// script is a raw TCP server on 127.0.0.1 that serves each accepted
// connection with handle, counting connections and request heads.
type script struct {
	ln       net.Listener
	conns    atomic.Int32
	requests atomic.Int32
}

func newScript(t *testing.T, handle func(s *script, n int32, c net.Conn, br *bufio.Reader)) *script {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &script{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := s.conns.Add(1)
			go func() {
				defer c.Close()
				handle(s, n, c, bufio.NewReader(c))
			}()
		}
	}()
	return s
}

func (s *script) url() string { return "http://" + s.ln.Addr().String() }

// readRequest reads one request head and a Content-Length body; it
// returns the head's first line, or "" at the connection's end.
func (s *script) readRequest(br *bufio.Reader) (line string, body []byte) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return "", nil
	}
	s.requests.Add(1)
	body, _ = io.ReadAll(req.Body)
	return req.Method + " " + req.RequestURI, body
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// serveOK answers every request of a kept-alive connection with
// okResponse.
func serveOK(s *script, _ int32, c net.Conn, br *bufio.Reader) {
	for {
		if line, _ := s.readRequest(br); line == "" {
			return
		}
		io.WriteString(c, okResponse)
	}
}

// TestReplayAfterStaleConnection: a request that fails on a pooled
// connection the server dropped without answering is sent again on a
// new connection when it is a GET, and not when it is a POST (which the
// server may have acted on).
func TestReplayAfterStaleConnection(t *testing.T) {
	for _, tc := range []struct {
		method   string
		ok       bool
		requests int32
	}{
		{http.MethodGet, true, 3},
		{http.MethodPost, false, 2},
	} {
		t.Run(tc.method, func(t *testing.T) {
			s := newScript(t, func(s *script, n int32, c net.Conn, br *bufio.Reader) {
				for i := 0; ; i++ {
					if line, _ := s.readRequest(br); line == "" {
						return
					}
					if n == 1 && i == 1 {
						return // the second request on the first connection: dropped unanswered
					}
					io.WriteString(c, okResponse)
				}
			})
			tr := New(Config{})
			defer tr.CloseIdleConnections()
			do := func() (*http.Response, error) {
				req, err := http.NewRequest(tc.method, s.url()+"/x", strings.NewReader("body"))
				require.NoError(t, err)
				return tr.RoundTrip(req)
			}
			resp, err := do()
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, "ok", string(b))
			resp.Body.Close()
			require.Equal(t, 1, tr.idleCount())

			resp, err = do()
			if tc.ok {
				require.NoError(t, err)
				b, err = io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.Equal(t, "ok", string(b))
				resp.Body.Close()
			} else {
				require.Error(t, err)
			}
			require.Equal(t, tc.requests, s.requests.Load(), "requests the server read")
		})
	}
}

// TestEarlyRefusal: a server that answers a large upload with a refusal
// before reading its body gets its answer to the caller (not a broken
// pipe), and the connection is closed after it, which ends the write.
func TestEarlyRefusal(t *testing.T) {
	release := make(chan struct{})
	s := newScript(t, func(s *script, n int32, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied")
		// Read nothing more until the client is done with the answer.
		<-release
		io.Copy(io.Discard, c)
	})
	defer close(release)
	tr := New(Config{})
	body := bytes.NewReader(make([]byte, 32<<20)) // far more than the socket buffers hold
	req, err := http.NewRequest(http.MethodPut, s.url()+"/big", body)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "denied", string(b))
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 0, tr.idleCount(), "the connection of an interrupted upload is not pooled")
}

// TestCancelAfterResponse: a request's context ending after its
// response was read whole does not touch the pooled connection, which
// serves the next request.
func TestCancelAfterResponse(t *testing.T) {
	s := newScript(t, serveOK)
	tr := New(Config{})
	defer tr.CloseIdleConnections()
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url()+"/x", nil)
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "ok", string(b))
		cancel()
		resp.Body.Close()
	}
	require.Equal(t, int32(1), s.conns.Load(), "connections")
	require.Equal(t, int32(3), s.requests.Load())
}

// TestCloseBeforeEnd: a body closed with its rest already buffered keeps
// the connection; one closed with bytes still to come closes it.
func TestCloseBeforeEnd(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	s := newScript(t, func(s *script, n int32, c net.Conn, br *bufio.Reader) {
		for {
			line, _ := s.readRequest(br)
			if line == "" {
				return
			}
			if strings.HasSuffix(line, "/long") {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n"+long)
				continue
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
		}
	})
	tr := New(Config{})
	defer tr.CloseIdleConnections()
	get := func(path string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, s.url()+path, nil)
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		return resp
	}
	resp := get("/short")
	buf := make([]byte, 3)
	_, err := io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	// The rest came with the head (one small write by the server) only
	// if the read buffer holds it; either way the next request works.
	resp.Body.Close()
	_, err = resp.Body.Read(buf)
	require.ErrorIs(t, err, ErrBodyClosed)

	resp = get("/long")
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 0, tr.idleCount(), "a megabyte left unread: the connection is closed")

	resp = get("/short")
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "0123456789", string(b))
	resp.Body.Close()
}

// TestLargeBodyWroteRequest: a body written beside the response read
// is reported written (httptrace WroteRequest, which the client's
// watchdog uses to start the response header wait) by the time its
// response is done with, and the connection is pooled after it.
func TestLargeBodyWroteRequest(t *testing.T) {
	s := newScript(t, serveOK)
	tr := New(Config{})
	defer tr.CloseIdleConnections()
	var wrote atomic.Int32
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Add(1)
		}
	}}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.url()+"/big", bytes.NewReader(make([]byte, 4<<20)))
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "ok", string(b))
	require.NoError(t, resp.Body.Close())
	require.Equal(t, int32(1), wrote.Load())
	require.Equal(t, 1, tr.idleCount())
}

// TestIdleExpiry: the pool's timer closes the connections idle for
// IdleTimeout and keeps the others, for which it is set again; a pool
// left empty is dropped. (The timer's callback, expire, is called
// directly, with idle times moved back, so nothing waits.)
func TestIdleExpiry(t *testing.T) {
	s := newScript(t, serveOK)
	tr := New(Config{IdleTimeout: time.Hour})
	defer tr.CloseIdleConnections()
	// Two connections: two requests in flight at once.
	var resps []*http.Response
	for i := 0; i < 2; i++ {
		req, err := http.NewRequest(http.MethodGet, s.url()+"/x", nil)
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		resps = append(resps, resp)
	}
	for _, resp := range resps {
		_, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
	}
	require.Equal(t, 2, tr.idleCount())
	key := connKey{host: s.ln.Addr().String()}
	tr.mu.Lock()
	p := tr.pools[key]
	require.NotNil(t, p)
	require.NotNil(t, p.timer)
	old := p.idle[0]
	old.idleAt = old.idleAt.Add(-2 * time.Hour)
	tr.mu.Unlock()

	tr.expire(key)
	require.Equal(t, 1, tr.idleCount(), "the expired connection is closed, the other kept")
	_, err := old.nc.Write([]byte("x"))
	require.Error(t, err, "the expired connection is closed")
	tr.mu.Lock()
	require.NotNil(t, tr.pools[key].timer, "the timer is set again for the one left")
	tr.pools[key].idle[0].idleAt = time.Now().Add(-2 * time.Hour)
	tr.mu.Unlock()

	tr.expire(key)
	require.Equal(t, 0, tr.idleCount())
	tr.mu.Lock()
	_, ok := tr.pools[key]
	tr.mu.Unlock()
	require.False(t, ok, "an empty pool is dropped")
}

// TestBytesAfterResponse: a server that sends more than its response
// gets its connection closed rather than reused (the extra bytes would
// be read as the next response): the next request goes on a new
// connection and gets its own answer.
func TestBytesAfterResponse(t *testing.T) {
	s := newScript(t, func(s *script, n int32, c net.Conn, br *bufio.Reader) {
		for {
			if line, _ := s.readRequest(br); line == "" {
				return
			}
			if n == 1 {
				io.WriteString(c, okResponse+"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
				continue
			}
			io.WriteString(c, okResponse)
		}
	})
	tr := New(Config{})
	defer tr.CloseIdleConnections()
	for i := 0; i < 2; i++ {
		req, err := http.NewRequest(http.MethodGet, s.url()+"/x", nil)
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "ok", string(b))
	}
	require.Equal(t, int32(2), s.conns.Load(), "connections")
}

// TestConnKeyAddr: the dial address is the URL's host with the scheme's
// port when it names none (IPv6 literals included).
func TestConnKeyAddr(t *testing.T) {
	for _, tc := range []struct {
		k    connKey
		want string
	}{
		{connKey{host: "example.com"}, "example.com:80"},
		{connKey{tls: true, host: "example.com"}, "example.com:443"},
		{connKey{tls: true, host: "example.com:9000"}, "example.com:9000"},
		{connKey{host: "[::1]"}, "[::1]:80"},
		{connKey{tls: true, host: "[::1]:9000"}, "[::1]:9000"},
	} {
		require.Equal(t, tc.want, tc.k.addr(), "%+v", tc.k)
	}
}
