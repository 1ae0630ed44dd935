package client

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// Over TLS, net/http copies a request body into the *tls.Conn through
// io.Copy's 32 KiB buffer, and the TLS connection sends each record (16 KiB
// of payload) with its own write: 64 system calls per MiB sent, and 32
// reads of the source. The client's own transport dials its HTTPS
// connections itself (bulkDialTLS) so that an HTTP/1.1 connection is a
// tlsBulkConn, whose ReadFrom reads the body in 256 KiB chunks and has the
// bulkConn under it hold the records each chunk is sealed into and send
// them with one write: 4 reads and 4 writes per MiB.

// tlsChunk is how much of a body tlsBulkConn.ReadFrom reads and seals
// per write.
const tlsChunk = bulkBufSize

// recordBufs hold the records of one chunk: its bytes and, per record of
// at most 16 KiB, at most 5 bytes of header, 16 of tag and 8 of explicit
// nonce or 1 of content type.
var recordBufs = sync.Pool{New: func() any { b := make([]byte, 0, tlsChunk+(tlsChunk/(16<<10)+1)*32); return &b }}

// tlsBulkConn is an HTTP/1.1 TLS connection of the client's own
// transport.
type tlsBulkConn struct {
	*tls.Conn
	raw *bulkConn
}

// ReadFrom seals r's bytes into records, tlsChunk at a time, and sends
// the records of each chunk in one write.
func (c *tlsBulkConn) ReadFrom(r io.Reader) (int64, error) {
	bp := bulkBufs.Get().(*[]byte)
	defer bulkBufs.Put(bp)
	buf := (*bp)[:tlsChunk]
	var n int64
	for {
		k, rerr := r.Read(buf)
		if k > 0 {
			c.raw.hold()
			_, werr := c.Conn.Write(buf[:k])
			if ferr := c.raw.flush(); werr == nil {
				werr = ferr
			}
			if werr != nil {
				return n, werr
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Write seals p into records; a p of more than one record has its
// records sent in one write.
func (c *tlsBulkConn) Write(p []byte) (int, error) {
	if len(p) <= 16<<10 || len(p) > tlsChunk {
		return c.Conn.Write(p)
	}
	c.raw.hold()
	n, err := c.Conn.Write(p)
	if ferr := c.raw.flush(); err == nil {
		err = ferr
	}
	return n, err
}

// hold makes Write keep what it is given until flush.
func (c *bulkConn) hold() {
	c.mu.Lock()
	c.held = recordBufs.Get().(*[]byte)
	c.mu.Unlock()
}

// flush sends what Write kept since hold, and sends directly again.
func (c *bulkConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	bp := c.held
	c.held = nil
	_, err := c.TCPConn.Write(*bp)
	*bp = (*bp)[:0]
	recordBufs.Put(bp)
	return err
}

// Write sends p, or keeps it between hold and flush. (The TLS connection
// writes alerts and key updates from its read side too: the lock keeps
// them in order with a flush.)
func (c *bulkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		*c.held = append(*c.held, p...)
		return len(p), nil
	}
	return c.TCPConn.Write(p)
}

// bulkDialTLS is the DialTLSContext of the client's own net/http
// transport t: tlsDial with t's dialer, TLS configuration and handshake
// timeout.
func bulkDialTLS(t *http.Transport) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		// t's configuration, with "h2" added once t serves HTTP/2.
		return tlsDial(ctx, t.DialContext, t.TLSClientConfig, t.TLSHandshakeTimeout, network, addr)
	}
}

// tlsDial dials addr with dial and does the TLS handshake with base (nil:
// the defaults) and the host as server name, within timeout (none if
// not positive), reporting to the request's httptrace hooks. It returns
// a tlsBulkConn, or the *tls.Conn itself when the server chose HTTP/2
// (net/http speaks HTTP/2 only over a *tls.Conn). The price: net/http
// does not see a *tls.Conn on HTTP/1.1 connections, so Response.TLS is
// nil there (the client's own HTTP/1.1 transport sets it).
func tlsDial(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), base *tls.Config, timeout time.Duration, network, addr string) (net.Conn, error) {
	raw, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	under := raw
	if bc, ok := raw.(*bulkConn); ok {
		under = &readAheadConn{bulkConn: bc}
	}
	tc := tls.Client(under, cfg)
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.TLSHandshakeStart != nil {
		trace.TLSHandshakeStart()
	}
	hctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err = tc.HandshakeContext(hctx)
	if trace != nil && trace.TLSHandshakeDone != nil {
		var cs tls.ConnectionState
		if err == nil {
			cs = tc.ConnectionState()
		}
		trace.TLSHandshakeDone(cs, err)
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	bc, ok := raw.(*bulkConn)
	if !ok || tc.ConnectionState().NegotiatedProtocol == "h2" {
		return tc, nil
	}
	return &tlsBulkConn{Conn: tc, raw: bc}, nil
}

// The read side: a *tls.Conn reads its records from the connection under
// it with reads about one record (16 KiB) long, so a download over TLS
// costs a system call per 16 KiB. readAheadConn reads what the socket
// holds, up to readAheadSize, in one call and serves the TLS connection's
// reads from that; its buffer is pooled and held only while it holds
// unread bytes, so an idle connection keeps none.

// readAheadSize is how much readAheadConn reads per system call.
const readAheadSize = 64 << 10

var readAheadBufs = sync.Pool{New: func() any { b := make([]byte, readAheadSize); return &b }}

// readAheadConn is the connection under a tlsBulkConn's *tls.Conn.
type readAheadConn struct {
	*bulkConn
	buf  *[]byte // nil when empty
	r, w int     // unread bytes: (*buf)[r:w]
	err  error   // the error that came with the last bytes read
}

// Read serves p from the buffer, filling it with one read of the
// connection when empty; a p as large as the buffer is read directly.
func (c *readAheadConn) Read(p []byte) (int, error) {
	if c.buf == nil {
		if err := c.err; err != nil {
			c.err = nil
			return 0, err
		}
		if len(p) >= readAheadSize {
			return c.bulkConn.Read(p)
		}
		bp := readAheadBufs.Get().(*[]byte)
		n, err := c.bulkConn.Read(*bp)
		if n == 0 {
			readAheadBufs.Put(bp)
			return 0, err
		}
		c.buf, c.r, c.w, c.err = bp, 0, n, err
	}
	n := copy(p, (*c.buf)[c.r:c.w])
	c.r += n
	if c.r == c.w {
		readAheadBufs.Put(c.buf)
		c.buf = nil
	}
	return n, nil
}

// Buffered returns how many bytes were read ahead and not yet served.
func (c *readAheadConn) Buffered() int {
	if c.buf == nil {
		return 0
	}
	return c.w - c.r
}
