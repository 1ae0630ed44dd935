package h1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	"github.com/polystore/polystore/internal/httpheader"
)

// errMalformed is the error of a response that is not valid HTTP/1.1.
var errMalformed = errors.New("h1: malformed response")

func malformed(what string) error { return fmt.Errorf("%w: %s", errMalformed, what) }

// maxHeadBytes bounds a response head (all its interim heads included).
const maxHeadBytes = 1 << 20

// response is a response and its body, in one allocation.
type response struct {
	http.Response
	body body
}

// readResponse reads the head of req's response from c, skipping
// interim (1xx) responses. wc, if not nil, is the result of the request
// body's write, still under way.
func (c *conn) readResponse(req *http.Request, trace *httptrace.ClientTrace, wc chan error) (*response, error) {
	budget := maxHeadBytes
	first := true
	for {
		line, err := c.readLine(&budget)
		if err != nil {
			if first && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if first {
			first = false
			if trace != nil && trace.GotFirstResponseByte != nil {
				trace.GotFirstResponseByte()
			}
		}
		r := &response{}
		if err := parseStatus(&r.Response, line); err != nil {
			return nil, err
		}
		if err := c.readHeader(&r.Response, &budget); err != nil {
			return nil, err
		}
		code := r.StatusCode
		if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
			if trace != nil {
				if code == http.StatusContinue && trace.Got100Continue != nil {
					trace.Got100Continue()
				}
				if trace.Got1xxResponse != nil {
					if err := trace.Got1xxResponse(code, textproto.MIMEHeader(r.Header)); err != nil {
						return nil, err
					}
				}
			}
			continue
		}
		if code == http.StatusSwitchingProtocols {
			return nil, malformed("101 Switching Protocols to a request that asked for none")
		}
		r.Request = req
		r.TLS = c.tls
		if err := frame(r, req.Method); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// readLine reads one line of a response head, without its line ending,
// charging its length to budget. The line is valid until the next read.
func (c *conn) readLine(budget *int) ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if len(long) > *budget {
				return nil, malformed("response head too long")
			}
			line, err = c.br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	*budget -= len(line)
	if *budget < 0 {
		return nil, malformed("response head too long")
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	c.crlf = false
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
		c.crlf = true
	}
	return line, nil
}

// parseStatus parses a status line into r.
func parseStatus(r *http.Response, line []byte) error {
	// HTTP/1.x SP 3DIGIT [SP reason]
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
		return malformed("status line " + strconv.QuoteToASCII(string(line[:min(len(line), 64)])))
	}
	switch line[7] {
	case '0':
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.0", 1, 0
	case '1':
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	default:
		return malformed("protocol version")
	}
	code := 0
	for _, ch := range line[9:12] {
		if ch < '0' || ch > '9' {
			return malformed("status code")
		}
		code = code*10 + int(ch-'0')
	}
	if code < 100 {
		return malformed("status code")
	}
	reason := line[12:]
	if len(reason) > 0 {
		if reason[0] != ' ' {
			return malformed("status code")
		}
		reason = reason[1:]
	}
	r.StatusCode = code
	if std, ok := statusText[code]; ok && string(reason) == std[4:] {
		r.Status = std
	} else {
		r.Status = string(line[9:12]) + " " + string(reason)
	}
	return nil
}

// readHeader reads a header section into r.Header.
func (c *conn) readHeader(r *http.Response, budget *int) error {
	// One slice holds every value; a field seen once takes a piece of it
	// (as net/textproto does).
	n := c.upcomingLines()
	h := make(http.Header, n)
	strs := make([]string, 0, n)
	for {
		line, err := c.readLine(budget)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if len(line) == 0 {
			r.Header = h
			return nil
		}
		key, val, err := field(line)
		if err != nil {
			return err
		}
		if vs, ok := h[key]; ok {
			h[key] = append(vs, val)
		} else if len(strs) < cap(strs) {
			strs = append(strs, val)
			h[key] = strs[len(strs)-1 : len(strs) : len(strs)]
		} else {
			h[key] = []string{val}
		}
	}
}

// field parses a header (or trailer) line "name: value" into the
// canonical name and the value without surrounding blanks.
func field(line []byte) (key, val string, err error) {
	if line[0] == ' ' || line[0] == '\t' {
		return "", "", malformed("obsolete line folding in a header")
	}
	name, v, ok := bytes.Cut(line, []byte{':'})
	if !ok || len(name) == 0 {
		return "", "", malformed("header line without a field name and colon")
	}
	if httpheader.BadNameByte(string(name)) >= 0 {
		return "", "", malformed("header field name")
	}
	key = canonicalKey(name)
	v = bytes.Trim(v, " \t")
	if httpheader.BadValueByte(string(v)) >= 0 {
		return "", "", malformed("header field value of " + key)
	}
	return key, string(v), nil
}

// upcomingLines estimates the number of header lines from what the
// read buffer holds.
func (c *conn) upcomingLines() int {
	b, _ := c.br.Peek(c.br.Buffered())
	n := 0
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\n' {
			if b[i+1] == '\r' || b[i+1] == '\n' {
				break
			}
			n++
		}
	}
	return n + 1
}

// canonicalKey returns the canonical form of the header field name b
// (as textproto.CanonicalMIMEHeaderKey): an interned string for the
// usual names, which costs no allocation. b is changed in place.
func canonicalKey(b []byte) string {
	upper := true
	for i, ch := range b {
		switch {
		case upper && 'a' <= ch && ch <= 'z':
			b[i] = ch - ('a' - 'A')
		case !upper && 'A' <= ch && ch <= 'Z':
			b[i] = ch + ('a' - 'A')
		}
		upper = ch == '-'
	}
	if s, ok := commonKeys[string(b)]; ok {
		return s
	}
	return string(b)
}

// commonKeys are the header names object stores send, interned.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{
		"Accept-Ranges", "Cache-Control", "Connection", "Content-Disposition",
		"Content-Encoding", "Content-Language", "Content-Length", "Content-Md5",
		"Content-Range", "Content-Security-Policy", "Content-Type", "Date", "Etag",
		"Expires", "Keep-Alive", "Last-Modified", "Location", "Server",
		"Strict-Transport-Security", "Trailer", "Transfer-Encoding", "Vary",
		"Www-Authenticate", "X-Content-Type-Options", "X-Xss-Protection",
		"Retry-After", "Retry-After-Ms",
		"X-Amz-Request-Id", "X-Amz-Id-2", "X-Amz-Version-Id", "X-Amz-Delete-Marker",
		"X-Amz-Server-Side-Encryption", "X-Amz-Storage-Class", "X-Amz-Checksum-Crc32",
		"X-Amz-Checksum-Crc32c", "X-Amz-Checksum-Crc64nvme", "X-Amz-Checksum-Sha1",
		"X-Amz-Checksum-Sha256", "X-Amz-Checksum-Type", "X-Amz-Mp-Parts-Count",
		"X-Amz-Bucket-Region", "X-Amz-Expiration", "X-Amz-Restore", "X-Amz-Tagging-Count",
		"X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date",
		"X-Amz-Object-Lock-Legal-Hold", "X-Amz-Replication-Status", "X-Amz-Website-Redirect-Location",
		"X-Ratelimit-Limit", "X-Ratelimit-Remaining",
		"X-Cos-Request-Id", "X-Cos-Hash-Crc64ecma", "X-Cos-Version-Id", "X-Cos-Storage-Class",
		"X-Cos-Object-Type", "X-Cos-Next-Append-Position", "X-Cos-Trace-Id",
		"X-Qs-Request-Id", "X-Qs-Storage-Class", "X-Qs-Next-Append-Position", "X-Qs-Object-Type",
		"X-Qs-Encryption-Customer-Algorithm",
		"X-Clv-Request-Id", "X-Clv-S3-Version", "Ibm-Sse-Kp-Enabled",
	} {
		m[k] = k
	}
	return m
}()

// Body framing.
const (
	modeNone    = iota // no body
	modeLength         // Content-Length bytes
	modeChunked        // chunked transfer coding
	modeClose          // until the server closes the connection
)

// frame works out how r's body is delimited (RFC 9112, section 6.3), and
// whether the connection can carry another request after it.
func frame(r *response, method string) error {
	h := r.Header
	b := &r.body
	b.resp = &r.Response
	b.closeAfter = headerHas(h, "Connection", "close") ||
		(r.ProtoMinor == 0 && !headerHas(h, "Connection", "keep-alive"))
	r.Close = b.closeAfter
	cl := int64(-1)
	if vs := h["Content-Length"]; len(vs) > 0 {
		n, err := parseLength(vs)
		if err != nil {
			return err
		}
		cl = n
	}
	te := h["Transfer-Encoding"]
	code := r.StatusCode
	switch {
	case method == http.MethodHead:
		r.ContentLength = cl
		if len(te) > 0 {
			r.ContentLength = -1
		}
		r.Body = http.NoBody
		return nil
	case code == http.StatusNoContent || code == http.StatusNotModified:
		r.ContentLength = 0
		r.Body = http.NoBody
		return nil
	case len(te) > 0:
		if r.ProtoMinor == 0 {
			// HTTP/1.0 has no transfer codings: the framing is faulty
			// (RFC 9112, 6.1).
			return malformed("Transfer-Encoding in an HTTP/1.0 response")
		}
		if len(te) != 1 || !equalFold(strings.Trim(te[0], " \t"), "chunked") {
			return malformed("transfer coding " + strconv.Quote(te[0]))
		}
		delete(h, "Transfer-Encoding")
		r.TransferEncoding = []string{"chunked"}
		r.ContentLength = -1
		// A length beside chunked coding is ignored, and the connection
		// is not reused after such a message (RFC 9112, 6.1).
		if cl >= 0 {
			b.closeAfter = true
		}
		b.mode = modeChunked
		if vs := h["Trailer"]; len(vs) > 0 {
			r.Trailer = make(http.Header)
		}
	case cl >= 0:
		r.ContentLength = cl
		if cl == 0 {
			r.Body = http.NoBody
			return nil
		}
		b.mode, b.remain = modeLength, cl
	default:
		r.ContentLength = -1
		b.mode = modeClose
		b.closeAfter = true
		r.Close = true
	}
	r.Body = b
	return nil
}

// parseLength parses Content-Length fields, which must be the same
// plain decimal number (a comma-separated list is refused, as net/http
// refuses it).
func parseLength(vs []string) (int64, error) {
	var n int64 = -1
	for _, v := range vs {
		v = strings.Trim(v, " \t")
		m, err := strconv.ParseUint(v, 10, 63)
		if err != nil || v == "" || v[0] == '+' {
			return 0, malformed("Content-Length " + strconv.Quote(v))
		}
		if n >= 0 && int64(m) != n {
			return 0, malformed("conflicting Content-Length values")
		}
		n = int64(m)
	}
	return n, nil
}

// body is a response body: it reads from its connection until the body
// ends, then gives the connection back to the pool.
type body struct {
	c          *conn
	resp       *http.Response
	ctx        context.Context
	stop       func() bool // stops the context's closing of the connection
	wc         chan error  // the request body's write, if it was under way
	mode       int
	remain     int64 // modeLength: bytes left
	chunked    io.Reader
	closeAfter bool // the connection is closed after the body

	// mu guards the state below; it is not held while a Read waits on
	// the connection, so that Close can end such a Read.
	mu      sync.Mutex
	reading bool  // a Read is under way
	done    bool  // the body ended, failed or was closed: the connection is released
	err     error // what Read returns once done
}

// ErrBodyClosed is returned by a body's Read after Close.
var ErrBodyClosed = errors.New("h1: read on closed response body")

// Read reads the body.
func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.done {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	if len(p) == 0 {
		b.mu.Unlock()
		return 0, nil
	}
	b.reading = true
	b.mu.Unlock()

	var n int
	var err error
	switch b.mode {
	case modeLength:
		if int64(len(p)) > b.remain {
			p = p[:b.remain]
		}
		n, err = b.c.br.Read(p)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	case modeChunked:
		n, err = b.chunked.Read(p)
		if err == io.EOF {
			err = b.readTrailer()
			if err == nil {
				err = io.EOF
			}
		}
	case modeClose:
		n, err = b.c.br.Read(p)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	b.reading = false
	if b.done { // closed while reading: the connection is closed
		return 0, b.err
	}
	if b.mode == modeLength {
		b.remain -= int64(n)
		if b.remain == 0 {
			err = io.EOF
		}
	}
	switch {
	case err == nil:
	case err == io.EOF:
		b.finish(io.EOF)
	default:
		if cerr := b.ctx.Err(); cerr != nil {
			err = cerr
		} else if b.mode == modeChunked && err != io.ErrUnexpectedEOF && !errors.Is(err, errMalformed) && !connErr(err) {
			err = fmt.Errorf("%w: chunked body: %v", errMalformed, err)
		}
		b.finish(err)
	}
	return n, err
}

// readTrailer reads the trailer section after a chunked body into the
// response's Trailer.
func (b *body) readTrailer() error {
	budget := maxHeadBytes
	for {
		line, err := b.c.readLine(&budget)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if !b.c.crlf {
			// A bare LF ending a trailer line (or the chunked body) is
			// taken by RFC 9112 but not by net/http, and not sent by
			// real servers: refused, so that h1 takes nothing net/http
			// does not.
			return malformed("trailer line not ended by CRLF")
		}
		if len(line) == 0 {
			return nil
		}
		key, val, err := field(line)
		if err != nil {
			return err
		}
		if b.resp.Trailer == nil {
			b.resp.Trailer = make(http.Header)
		}
		b.resp.Trailer[key] = append(b.resp.Trailer[key], val)
	}
}

// Close closes the body. A body not read to its end closes the
// connection, unless what is left of it is already in the read buffer.
func (b *body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return nil
	}
	if !b.reading && b.mode == modeLength && b.remain <= int64(b.c.br.Buffered()) {
		b.c.br.Discard(int(b.remain))
		b.remain = 0
		b.finish(io.EOF)
		b.err = ErrBodyClosed
		return nil
	}
	b.closeAfter = true
	b.finish(ErrBodyClosed) // closes the connection, which ends a Read under way
	return nil
}

// finish ends the body with err (io.EOF: it was read whole) and releases
// the connection: back to the pool if it can carry another request,
// closed otherwise. The caller holds mu, or is the only user of b.
func (b *body) finish(err error) {
	b.done, b.err = true, err
	c := b.c
	reuse := err == io.EOF && !b.closeAfter
	if b.wc != nil {
		// The request body's write is still under way (or its end not
		// yet reported). An acceptance means the server read it: wait
		// for the write to end (the context and the client's stall
		// timeout bound that). A refusal may never be followed by a
		// read of the rest: close the connection, which ends the write.
		if !reuse || b.resp.StatusCode >= 400 {
			reuse = false
			c.nc.Close()
		}
		if werr := <-b.wc; werr != nil {
			reuse = false
		}
		b.wc = nil
	}
	if b.stop != nil && !b.stop() {
		reuse = false // the context ended: its deadline is on the connection
	}
	if reuse && c.br.Buffered() > 0 {
		reuse = false // the server sent more than the response
	}
	if !reuse {
		c.nc.Close()
		return
	}
	c.t.put(c)
}
