package client

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// bulkConn is a TCP connection of the client's own transport. net/http
// sends a request body of known length through the connection's
// ReadFrom; *net.TCPConn's copies through io.Copy's 32 KiB buffer, so an
// 8 MiB part costs 256 reads of the source and 256 socket writes.
// bulkConn copies through a pooled 256 KiB buffer instead: eight times
// fewer system calls per part on plain HTTP. A body that is a section of
// a file (opkit.SectionBody over an *os.File) is not copied at all where the
// platform allows: the kernel sends it from the page cache (sendFile).
// Over TLS the bulkConn is under a tlsBulkConn (conn_tls.go), which
// holds the records of one large write here and sends them at once.
type bulkConn struct {
	*net.TCPConn

	mu   sync.Mutex
	held *[]byte // while set, Write appends to it instead of sending
}

// bulkBufSize is the copy buffer of bulkConn.ReadFrom.
const bulkBufSize = 256 << 10

var bulkBufs = sync.Pool{New: func() any { b := make([]byte, bulkBufSize); return &b }}

// ReadFrom writes r's bytes to the connection in large writes.
func (c *bulkConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		switch src := lr.R.(type) {
		case *os.File:
			return c.TCPConn.ReadFrom(r) // sendfile
		case *fileSection:
			if n, handled, err := c.sendFile(lr, src); handled {
				return n, err
			}
		}
	}
	bp := bulkBufs.Get().(*[]byte)
	defer bulkBufs.Put(bp)
	return io.CopyBuffer(connWriter{c.TCPConn}, r, *bp)
}

// connWriter hides the connection's ReadFrom from io.CopyBuffer, so the
// buffer given is used.
type connWriter struct{ w io.Writer }

func (w connWriter) Write(p []byte) (int, error) { return w.w.Write(p) }

// bulkDial wraps a transport's dial function so that its TCP
// connections are bulkConns, and bounds each dial by timeout (none if not
// positive): a dial that runs out of it fails with a *TimeoutError of kind
// TimeoutDial.
func bulkDial(dial func(ctx context.Context, network, addr string) (net.Conn, error), timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		dctx := ctx
		if timeout > 0 {
			var cancel context.CancelFunc
			dctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		conn, err := dial(dctx, network, addr)
		if err != nil {
			if ctx.Err() == nil && dctx.Err() != nil {
				return nil, &TimeoutError{Kind: TimeoutDial, After: timeout}
			}
			return nil, err
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			return &bulkConn{TCPConn: tc}, nil
		}
		return conn, nil
	}
}
