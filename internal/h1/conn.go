package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polystore/polystore/internal/httpheader"
)

// conn is one connection of a Transport. Only the request that holds it
// uses it; an idle one is in its pool.
type conn struct {
	t      *Transport
	key    connKey
	nc     net.Conn
	br     *bufio.Reader
	tls    *tls.ConnectionState // nil on plain TCP
	reused bool                 // it served a request before this one
	idleAt time.Time            // when it last went idle
	crlf   bool                 // the last line readLine read ended with CRLF
	pk     connPeek             // alive's state (alive_linux.go)
}

// aLongTimeAgo is the deadline that makes the connection's blocked
// reads and writes return at once.
var aLongTimeAgo = time.Unix(1, 0)

// writeBufs hold the head (and a small body) of a request being written.
var writeBufs sync.Pool

// roundTrip sends req, with body in place of req.Body, on c and reads the
// response head. body is closed once written (or when the attempt fails,
// unless the error is a *retryable with nothing written).
func (c *conn) roundTrip(ctx context.Context, req *http.Request, body io.ReadCloser, trace *httptrace.ClientTrace) (*http.Response, error) {
	if body == http.NoBody {
		body = nil
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { c.nc.SetDeadline(aLongTimeAgo) })
	}
	cl := req.ContentLength
	if body == nil {
		cl = 0
	} else if cl == 0 {
		cl = -1 // a body of unknown length: chunked
	}
	closeAfter := req.Close || headerHas(req.Header, "Connection", "close")

	// The head, and a body that fits beside it.
	bp, _ := writeBufs.Get().(*[]byte)
	if bp == nil || cap(*bp) < c.t.wbuf {
		b := make([]byte, 0, c.t.wbuf)
		bp = &b
	}
	w := appendHead((*bp)[:0], req, cl)
	inline := body != nil && cl > 0 && cl <= int64(cap(w)-len(w))
	if inline {
		n := len(w)
		w = w[:n+int(cl)]
		if _, err := io.ReadFull(body, w[n:]); err != nil {
			*bp = w[:0]
			writeBufs.Put(bp)
			body.Close()
			c.nc.Close()
			if stop != nil {
				stop()
			}
			if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
				err = errShortBody
			}
			return nil, wrapErr(ctx, err)
		}
	}
	nw, err := c.nc.Write(w)
	*bp = w[:0]
	writeBufs.Put(bp)
	if err != nil {
		if inline {
			body.Close() // read whole: another try needs GetBody
		}
		return nil, c.fail(ctx, stop, body, nw > 0, inline, err, trace)
	}
	var wc chan error // the result of a large body's write, sent beside the response read
	switch {
	case body == nil:
	case inline:
		body.Close()
	default:
		// A large body is written while the response is read, so an
		// answer the server sends before reading all of it (a refusal)
		// is seen, as net/http sees it.
		wc = make(chan error, 1)
		go func() {
			err := c.writeBody(body, cl)
			if err != nil && !connErr(err) {
				// The body failed (short, or its source did), not the
				// connection: the server waits for the rest, so the
				// connection is closed to end the response read.
				c.nc.Close()
			}
			traceWrote(trace, err)
			wc <- err
		}()
	}
	if wc == nil {
		traceWrote(trace, nil)
	}
	resp, err := c.readResponse(req, trace, wc)
	if err != nil {
		if wc != nil {
			c.nc.Close()
			if werr := <-wc; werr != nil && !connErr(werr) {
				err = werr // the body's own failure is the cause
			}
		}
		return nil, c.fail(ctx, stop, nil, true, true, err, nil)
	}
	b := &resp.body
	b.c, b.stop, b.ctx, b.wc = c, stop, ctx, wc
	b.closeAfter = b.closeAfter || closeAfter
	switch b.mode {
	case modeNone:
		b.finish(io.EOF)
	case modeChunked:
		b.chunked = httputil.NewChunkedReader(c.br)
	}
	return &resp.Response, nil
}

// fail ends an attempt on c that failed with err (the response not
// begun): the connection is closed, and the error is a *retryable when c
// was pooled.
//
// wrote is whether any of the request reached the connection, consumed
// whether body was read (and closed).
func (c *conn) fail(ctx context.Context, stop func() bool, body io.ReadCloser, wrote, consumed bool, err error, trace *httptrace.ClientTrace) error {
	c.nc.Close()
	if stop != nil {
		stop()
	}
	traceWrote(trace, err)
	if body != nil && wrote && !consumed {
		body.Close()
		consumed = true
	}
	if ctx.Err() == nil && c.reused && !errors.Is(err, errShortBody) && !errors.Is(err, errMalformed) {
		return &retryable{err: err, wrote: wrote, consumed: consumed || body == nil}
	}
	if body != nil && !consumed {
		body.Close()
	}
	return wrapErr(ctx, err)
}

// connErr reports whether err is the connection's (a *net.OpError: a
// read or write of the socket, or a TLS alert), not the request body's
// or the response's.
func connErr(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

func traceWrote(trace *httptrace.ClientTrace, err error) {
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
}

// writeBody sends a body of cl bytes (chunked if cl < 0) and closes it.
func (c *conn) writeBody(body io.ReadCloser, cl int64) error {
	defer body.Close()
	if cl < 0 {
		return writeChunked(c.nc, body)
	}
	var n int64
	var err error
	lr := &io.LimitedReader{R: body, N: cl}
	if rf, ok := c.nc.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(lr)
	} else {
		n, err = io.Copy(c.nc, lr)
	}
	if err == nil && n != cl {
		err = errShortBody
	}
	return err
}

// chunkSize is how much of a body of unknown length goes in one chunk.
const chunkSize = 32 << 10

// writeChunked sends r in chunked transfer coding, through a buffer that
// makes each chunk, with its size line, one write.
func writeChunked(w io.Writer, r io.Reader) error {
	bw := bufio.NewWriterSize(w, chunkSize+16)
	cw := httputil.NewChunkedWriter(bw)
	if _, err := io.CopyBuffer(cw, r, make([]byte, chunkSize)); err != nil {
		return err
	}
	cw.Close() // the last chunk; no trailer
	bw.WriteString("\r\n")
	return bw.Flush()
}

// excluded are the request headers the transport writes itself (or, for
// Trailer, refuses).
func excluded(k string) bool {
	switch k {
	case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
		return true
	}
	return false
}

// appendHead appends req's request line and header section, with the
// framing of a body of cl bytes (none if 0, chunked if negative).
func appendHead(w []byte, req *http.Request, cl int64) []byte {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	w = append(w, method...)
	w = append(w, ' ')
	w = appendRequestURI(w, req)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, host(req)...)
	w = append(w, "\r\n"...)
	for k, vs := range req.Header {
		if excluded(k) {
			continue
		}
		for _, v := range vs {
			w = append(w, k...)
			w = append(w, ": "...)
			w = append(w, v...)
			w = append(w, "\r\n"...)
		}
	}
	switch {
	case cl > 0:
		w = append(w, "Content-Length: "...)
		w = strconv.AppendInt(w, cl, 10)
		w = append(w, "\r\n"...)
	case cl < 0:
		w = append(w, "Transfer-Encoding: chunked\r\n"...)
	case method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
		w = append(w, "Content-Length: 0\r\n"...)
	}
	if req.Close && !headerHas(req.Header, "Connection", "close") {
		w = append(w, "Connection: close\r\n"...)
	}
	return append(w, "\r\n"...)
}

// appendRequestURI appends the request target of req: its URL's escaped
// path and query, as URL.RequestURI makes it.
func appendRequestURI(w []byte, req *http.Request) []byte {
	u := req.URL
	if u.Opaque != "" {
		return append(w, u.RequestURI()...)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	w = append(w, p...)
	if u.ForceQuery || u.RawQuery != "" {
		w = append(w, '?')
		w = append(w, u.RawQuery...)
	}
	return w
}

func host(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// checkRequest refuses what cannot be written as a valid HTTP/1.1
// request: a bad method, host, header name or value, or trailers.
func checkRequest(req *http.Request) error {
	if m := req.Method; m != "" && httpheader.BadNameByte(m) >= 0 {
		return &RequestError{Field: "method"}
	}
	for _, ch := range []byte(host(req)) {
		if ch <= ' ' || ch == 0x7f || ch == '/' {
			return &RequestError{Field: "host"}
		}
	}
	if req.URL.Opaque == "" {
		if bad(req.URL.EscapedPath()) || bad(req.URL.RawQuery) {
			return &RequestError{Field: "URL"}
		}
	}
	for k, vs := range req.Header {
		if k == "" || httpheader.BadNameByte(k) >= 0 {
			return &RequestError{Field: "header name", Name: k}
		}
		for _, v := range vs {
			if httpheader.BadValueByte(v) >= 0 {
				return &RequestError{Field: "header value", Name: k}
			}
		}
	}
	if len(req.Trailer) > 0 {
		return &RequestError{Field: "Trailer"}
	}
	return nil
}

// bad reports whether s holds a byte no request target may.
func bad(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// RequestError is the error of a request that cannot be sent: Field (and
// for a header, its Name) is what is wrong. Nothing was sent.
type RequestError struct {
	Field string
	Name  string
}

// Error says what is wrong with the request.
func (e *RequestError) Error() string {
	if e.Name != "" {
		return "h1: invalid request " + e.Field + " of " + strconv.Quote(e.Name)
	}
	return "h1: invalid request " + e.Field
}

// headerHas reports whether h's field k lists token v (case-insensitive).
func headerHas(h http.Header, k, v string) bool {
	for _, s := range h[k] {
		if hasToken(s, v) {
			return true
		}
	}
	return false
}

// hasToken reports whether the comma-separated list s holds token v,
// compared without regard to ASCII case.
func hasToken(s, v string) bool {
	for len(s) > 0 {
		var tok string
		tok, s, _ = strings.Cut(s, ",")
		tok = strings.Trim(tok, " \t")
		if equalFold(tok, v) {
			return true
		}
	}
	return false
}

// equalFold reports whether a and b are equal without regard to ASCII
// case. (strings.EqualFold folds Unicode too, and would take a token that
// net/http does not, such as "chun\u212aed" for "chunked".)
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
