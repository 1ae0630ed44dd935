// Package rawhttp is the benchmarks' floor client: the least a Go
// program can do to send S3 requests to the discarding server
// (cmd/discard) over HTTP/1.1, plain or TLS.
//
// A Pool keeps one keep-alive connection per request in flight. A
// request's head and a small body leave in one write; a large body is
// read in 256 KiB chunks, and under TLS each chunk's records are sealed
// and sent with one write. Reads go through a 64 KiB buffer under the
// TLS connection. The response's status line and headers are parsed by
// hand; only Content-Length, Transfer-Encoding and ETag are kept. It
// signs nothing (the discarding server checks no signature) and computes
// nothing it is not told to, so its CPU per request or per GiB is what
// the kernel, TLS and the bytes cost every client: the floor no SDK can
// go below. It is not an SDK: no retries, no redirects, no proxies, no
// HTTP/2.
package rawhttp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"
)

// chunk is how much of a large body is read, sealed and written at once.
const chunk = 256 << 10

// Pool holds idle connections to one endpoint.
type Pool struct {
	host string      // host:port, dialled and sent as Host
	tls  *tls.Config // nil for http
	idle chan *Conn
}

// NewPool returns a pool for endpoint (http://host:port or
// https://host:port) that keeps up to size idle connections. TLS
// connections trust roots, or the system pool (SSL_CERT_FILE, as every
// client in the benchmarks does) if roots is nil.
func NewPool(endpoint string, size int, roots *x509.CertPool) (*Pool, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	p := &Pool{host: u.Host, idle: make(chan *Conn, size)}
	switch u.Scheme {
	case "https":
		p.tls = &tls.Config{ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}, RootCAs: roots}
	case "http":
	default:
		return nil, fmt.Errorf("rawhttp: scheme %q, want http or https", u.Scheme)
	}
	return p, nil
}

// Get returns an idle connection, or dials one.
func (p *Pool) Get() (*Conn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	nc, err := net.DialTimeout("tcp", p.host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c := &Conn{host: p.host, raw: &rawConn{Conn: nc}}
	c.raw.r = bufio.NewReaderSize(nc, 64<<10)
	c.w = c.raw
	var rd io.Reader = c.raw
	if p.tls != nil {
		tc := tls.Client(c.raw, p.tls)
		if err := tc.Handshake(); err != nil {
			nc.Close()
			return nil, err
		}
		c.w, rd = tc, tc
	}
	c.br = bufio.NewReaderSize(rd, 16<<10)
	return c, nil
}

// Put returns c to the pool once its response has been read to its end;
// a connection that failed is closed instead.
func (p *Pool) Put(c *Conn, err error) {
	if err != nil {
		c.raw.Close()
		return
	}
	select {
	case p.idle <- c:
	default:
		c.raw.Close()
	}
}

// Close closes the idle connections.
func (p *Pool) Close() {
	for {
		select {
		case c := <-p.idle:
			c.raw.Close()
		default:
			return
		}
	}
}

// rawConn is the TCP connection under TLS: it reads through a buffer, and
// while held it collects what TLS writes, so a chunk's records leave in
// one write.
type rawConn struct {
	net.Conn
	r    *bufio.Reader
	hold bool
	out  []byte
}

func (c *rawConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *rawConn) Write(p []byte) (int, error) {
	if c.hold {
		c.out = append(c.out, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// flush sends what was collected.
func (c *rawConn) flush() error {
	_, err := c.Conn.Write(c.out)
	c.out = c.out[:0]
	return err
}

// Conn is one keep-alive connection.
type Conn struct {
	host string
	raw  *rawConn
	w    io.Writer // the TLS connection, or raw
	br   *bufio.Reader
	head []byte
	buf  []byte // a large body's chunk
}

// Response is what Do keeps of a response. Body must be read to its end
// (Drain) before the connection is used again.
type Response struct {
	Status int
	ETag   string
	Length int64 // -1 if chunked
	Body   io.Reader
}

// Drain reads the body to its end and returns its length.
func (r *Response) Drain() (int64, error) { return io.Copy(io.Discard, r.Body) }

// Do sends method target (a path and query) with the extra header lines
// hdr ("Name: value") and body, and reads the response's head. body may
// be nil. A body of n bytes from r is sent when r is not nil (n ≥ 0).
func (c *Conn) Do(method, target string, hdr []string, body []byte, r io.Reader, n int64) (*Response, error) {
	h := append(c.head[:0], method...)
	h = append(h, ' ')
	h = append(h, target...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, c.host...)
	h = append(h, "\r\n"...)
	for _, l := range hdr {
		h = append(h, l...)
		h = append(h, "\r\n"...)
	}
	if r == nil {
		n = int64(len(body))
	}
	if n > 0 || method == "PUT" || method == "POST" {
		h = append(h, "Content-Length: "...)
		h = strconv.AppendInt(h, n, 10)
		h = append(h, "\r\n"...)
	}
	h = append(h, "\r\n"...)
	if r == nil && len(body) <= chunk {
		h = append(h, body...)
		body = nil
	}
	c.head = h
	c.raw.hold = true
	err := c.write(h)
	switch {
	case err != nil:
	case r != nil:
		if c.buf == nil {
			c.buf = make([]byte, chunk)
		}
		for left := n; left > 0 && err == nil; {
			k := int(min(left, chunk))
			if _, err = io.ReadFull(r, c.buf[:k]); err == nil {
				err = c.write(c.buf[:k])
			}
			left -= int64(k)
		}
	case len(body) > 0:
		err = c.write(body)
	}
	c.raw.hold = false
	if err != nil {
		return nil, err
	}
	return c.readHead(method)
}

// write sends p: under TLS its records are collected and flushed at once.
func (c *Conn) write(p []byte) error {
	if _, err := c.w.Write(p); err != nil {
		return err
	}
	return c.raw.flush()
}

var errMalformed = errors.New("rawhttp: malformed response")

func (c *Conn) readHead(method string) (*Response, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return nil, errMalformed
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return nil, errMalformed
	}
	resp := &Response{Status: status, Length: 0}
	chunked := false
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, errMalformed
		}
		value = bytes.TrimSpace(value)
		switch {
		case len(name) == 14 && bytes.EqualFold(name, []byte("Content-Length")):
			if resp.Length, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return nil, errMalformed
			}
		case len(name) == 17 && bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case len(name) == 4 && bytes.EqualFold(name, []byte("ETag")):
			resp.ETag = string(bytes.Trim(value, `"`))
		}
	}
	switch {
	case method == "HEAD" || status == 204 || status == 304:
		resp.Body = bytes.NewReader(nil)
	case chunked:
		resp.Length, resp.Body = -1, &chunkedBody{r: httputil.NewChunkedReader(c.br), br: c.br}
	default:
		resp.Body = io.LimitReader(c.br, resp.Length)
	}
	return resp, nil
}

// chunkedBody reads a chunked body and, at its end, the trailer section
// up to its blank line, so the connection is left at the next response.
type chunkedBody struct {
	r    io.Reader
	br   *bufio.Reader
	done bool
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	if err != io.EOF {
		return n, err
	}
	for {
		line, lerr := b.br.ReadSlice('\n')
		if lerr != nil {
			return n, lerr
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			b.done = true
			return n, io.EOF
		}
	}
}
