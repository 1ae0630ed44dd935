package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config configures a Transport.
type Config struct {
	// Dial opens a TCP connection to addr ("host:port"). Nil is a
	// net.Dialer's DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTLS opens a TLS connection to addr, handshake done, that
	// speaks HTTP/1.1 (it must not negotiate "h2"). Nil means https
	// requests fail.
	DialTLS func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxIdlePerHost is how many idle connections are kept per host;
	// 0 is 64, negative keeps none.
	MaxIdlePerHost int
	// IdleTimeout is how long an idle connection is kept; 0 is 90 s.
	IdleTimeout time.Duration
	// WriteBufferSize is the size up to which a request's head and body
	// are sent in one write; 0 is 16 KiB.
	WriteBufferSize int
}

// Transport is an HTTP/1.1 http.RoundTripper. It is safe for concurrent
// use. Build it with New.
type Transport struct {
	dial, dialTLS func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdle       int
	idleTimeout   time.Duration
	wbuf          int

	mu    sync.Mutex
	pools map[connKey]*pool
}

// connKey names the connections that can serve a request.
type connKey struct {
	tls  bool
	host string // the URL's host, with its port if it names one
}

// addr returns the address to dial for k: its host with the scheme's
// port when it names none. (Made when needed, not per request: vendor
// endpoints name no port.)
func (k connKey) addr() string {
	if _, _, err := net.SplitHostPort(k.host); err == nil {
		return k.host
	}
	if k.tls {
		return net.JoinHostPort(strings.Trim(k.host, "[]"), "443")
	}
	return net.JoinHostPort(strings.Trim(k.host, "[]"), "80")
}

// pool holds the idle connections of one key, the most recently used
// last.
type pool struct {
	idle  []*conn
	timer *time.Timer // closes expired connections; nil when idle is empty
}

// New returns a Transport for cfg.
func New(cfg Config) *Transport {
	t := &Transport{
		dial:        cfg.Dial,
		dialTLS:     cfg.DialTLS,
		maxIdle:     cfg.MaxIdlePerHost,
		idleTimeout: cfg.IdleTimeout,
		wbuf:        cfg.WriteBufferSize,
		pools:       make(map[connKey]*pool),
	}
	if t.dial == nil {
		var d net.Dialer
		t.dial = d.DialContext
	}
	if t.maxIdle == 0 {
		t.maxIdle = 64
	}
	if t.idleTimeout <= 0 {
		t.idleTimeout = 90 * time.Second
	}
	if t.wbuf <= 0 {
		t.wbuf = 16 << 10
	}
	return t
}

// ErrUnsupported is the error of a request this transport cannot send:
// a scheme other than http and https, or https without Config.DialTLS.
var ErrUnsupported = errors.New("h1: request not supported")

// RoundTrip sends req and returns its response, whose Body reads from
// the connection until the response ends (then the connection goes back
// to the pool) or is closed. req's context bounds the whole exchange,
// body reads included.
//
// A request that fails on a pooled connection before any of its
// response arrived is sent again on a new connection when nothing of it
// was written, or when it is a GET, HEAD, OPTIONS or TRACE whose body
// (if any) can be had again through req.GetBody; as net/http does.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key, err := t.key(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if err := checkRequest(req); err != nil {
		closeBody(req)
		return nil, err
	}
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	body := req.Body
	for fresh := false; ; fresh = true {
		c, err := t.get(ctx, key, trace, fresh)
		if err != nil {
			if body != nil {
				body.Close() // req.Body, or the one GetBody gave for this try
			}
			return nil, err
		}
		resp, err := c.roundTrip(ctx, req, body, trace)
		if err == nil {
			return resp, nil
		}
		var re *retryable
		if !errors.As(err, &re) {
			return nil, err
		}
		// A pooled connection failed before the response began.
		nb, ok := replay(req, body, re)
		if !ok {
			if !re.consumed && body != nil {
				body.Close()
			}
			return nil, re.err
		}
		body = nb
	}
}

// retryable is the error of an attempt on a pooled connection that
// failed before any byte of the response arrived.
type retryable struct {
	err      error
	wrote    bool // some of the request was written
	consumed bool // the body was read (and closed), or there was none
}

func (e *retryable) Error() string { return e.err.Error() }

func (e *retryable) Unwrap() error { return e.err }

// replay returns the body for sending req again after an attempt that
// failed with re (the body it sent was body), and whether req may be sent
// again: always when nothing of it was written, and otherwise when its
// method is one that is safe to repeat.
func replay(req *http.Request, body io.ReadCloser, re *retryable) (io.ReadCloser, bool) {
	if req.Context().Err() != nil {
		return nil, false
	}
	if re.wrote {
		switch req.Method {
		case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		default:
			return nil, false
		}
	}
	if body == nil || body == http.NoBody {
		return body, true
	}
	if !re.consumed {
		return body, true // nothing of it was read
	}
	if req.GetBody == nil {
		return nil, false
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	return b, true
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// key returns the connection key of req.
func (t *Transport) key(req *http.Request) (connKey, error) {
	u := req.URL
	if u == nil {
		return connKey{}, errors.New("h1: request has no URL")
	}
	if u.Host == "" {
		return connKey{}, errors.New("h1: request URL has no host")
	}
	var k connKey
	switch u.Scheme {
	case "http":
	case "https":
		if t.dialTLS == nil {
			return connKey{}, fmt.Errorf("%w: https without a TLS dialer", ErrUnsupported)
		}
		k.tls = true
	default:
		return connKey{}, fmt.Errorf("%w: scheme %q", ErrUnsupported, u.Scheme)
	}
	k.host = u.Host
	return k, nil
}

// get returns a connection for key: a pooled one that is still open,
// unless fresh, or a new one.
func (t *Transport) get(ctx context.Context, key connKey, trace *httptrace.ClientTrace, fresh bool) (*conn, error) {
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(key.addr())
	}
	if !fresh {
		for {
			c := t.takeIdle(key)
			if c == nil {
				break
			}
			if !c.alive() {
				c.nc.Close()
				continue
			}
			c.reused = true
			if trace != nil && trace.GotConn != nil {
				trace.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: true, WasIdle: true, IdleTime: time.Since(c.idleAt)})
			}
			return c, nil
		}
	}
	dial := t.dial
	if key.tls {
		dial = t.dialTLS
	}
	nc, err := dial(ctx, "tcp", key.addr())
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	c := &conn{t: t, key: key, nc: nc}
	c.br = bufio.NewReaderSize(nc, readBufferSize)
	if key.tls {
		if sc, ok := nc.(interface{ ConnectionState() tls.ConnectionState }); ok {
			cs := sc.ConnectionState()
			c.tls = &cs
		}
	}
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: nc})
	}
	return c, nil
}

// readBufferSize is each connection's read buffer: large enough for the
// head of any usual response. Body reads as large as it bypass it.
const readBufferSize = 8 << 10

// takeIdle removes the most recently used idle connection of key from
// its pool.
func (t *Transport) takeIdle(key connKey) *conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pools[key]
	if p == nil || len(p.idle) == 0 {
		return nil
	}
	c := p.idle[len(p.idle)-1]
	p.idle[len(p.idle)-1] = nil
	p.idle = p.idle[:len(p.idle)-1]
	return c
}

// put returns c to its pool, or closes it when the pool is full.
func (t *Transport) put(c *conn) {
	if t.maxIdle < 0 {
		c.nc.Close()
		return
	}
	c.idleAt = time.Now()
	t.mu.Lock()
	p := t.pools[c.key]
	if p == nil {
		p = &pool{}
		t.pools[c.key] = p
	}
	if len(p.idle) >= t.maxIdle {
		t.mu.Unlock()
		c.nc.Close()
		return
	}
	p.idle = append(p.idle, c)
	if p.timer == nil {
		key := c.key
		p.timer = time.AfterFunc(t.idleTimeout, func() { t.expire(key) })
	}
	t.mu.Unlock()
}

// expire closes the connections of key that have been idle for
// IdleTimeout, and sets the pool's timer for the next to expire.
func (t *Transport) expire(key connKey) {
	now := time.Now()
	var old []*conn
	t.mu.Lock()
	p := t.pools[key]
	if p == nil {
		t.mu.Unlock()
		return
	}
	n := 0 // the idle slice is oldest first
	for n < len(p.idle) && now.Sub(p.idle[n].idleAt) >= t.idleTimeout {
		n++
	}
	old = append(old, p.idle[:n]...)
	k := copy(p.idle, p.idle[n:])
	clear(p.idle[k:])
	p.idle = p.idle[:k]
	if len(p.idle) == 0 {
		p.timer = nil
		delete(t.pools, key)
	} else {
		p.timer.Reset(t.idleTimeout - now.Sub(p.idle[0].idleAt))
	}
	t.mu.Unlock()
	for _, c := range old {
		c.nc.Close()
	}
}

// CloseIdleConnections closes the idle connections.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	pools := t.pools
	t.pools = make(map[connKey]*pool)
	t.mu.Unlock()
	for _, p := range pools {
		if p.timer != nil {
			p.timer.Stop()
		}
		for _, c := range p.idle {
			c.nc.Close()
		}
	}
}

// idleCount returns how many idle connections the transport holds.
func (t *Transport) idleCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, p := range t.pools {
		n += len(p.idle)
	}
	return n
}

var errShortBody = errors.New("h1: request body shorter than its ContentLength")

// wrapErr is err of a failed request, or the context's error when the
// context ended (the connection was closed for it).
func wrapErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// statusText holds "code text" for the standard codes.
var statusText = func() map[int]string {
	m := make(map[int]string)
	for code := 100; code < 600; code++ {
		if s := http.StatusText(code); s != "" {
			m[code] = strconv.Itoa(code) + " " + s
		}
	}
	return m
}()
