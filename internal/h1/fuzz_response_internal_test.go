package h1

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"testing"
)

// parseH1 reads one response from data as a connection of t would: the
// head, then the body to its end. ok is false if either failed.
func parseH1(t *Transport, data []byte) (code int, body []byte, ok bool) {
	client, server := net.Pipe()
	server.Close()
	c := &conn{t: t, nc: client, br: bufio.NewReaderSize(bytes.NewReader(data), readBufferSize)}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	r, err := c.readResponse(req, nil, nil)
	if err != nil {
		return 0, nil, false
	}
	b := &r.body
	b.c, b.ctx = c, context.Background()
	switch b.mode {
	case modeNone:
		b.finish(io.EOF)
	case modeChunked:
		b.chunked = httputil.NewChunkedReader(c.br)
	}
	body, err = io.ReadAll(r.Body)
	if err != nil {
		return 0, nil, false
	}
	return r.StatusCode, body, true
}

// FuzzResponseParser is a differential test of the response parser:
// whatever h1 accepts as a whole response (head and body), net/http's
// parser accepts too, with the same status and body. (h1 refuses some
// responses net/http takes, such as folded header lines; never the
// reverse.)
func FuzzResponseParser(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A\r\n\r\n2;ext=1\r\nok\r\n0\r\nX-A: b\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: 5\r\n\r\n<a/>\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 999 Odd\r\ncontent-length: 1\r\n\r\nx",
	} {
		f.Add([]byte(s))
	}
	tr := New(Config{MaxIdlePerHost: -1})
	f.Fuzz(func(t *testing.T, data []byte) {
		code, body, ok := parseH1(tr, data)
		if !ok {
			return
		}
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		br := bufio.NewReader(bytes.NewReader(data))
		var resp *http.Response
		var err error
		for {
			resp, err = http.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("h1 took a %d response that net/http refuses (%v): %q", code, err, data)
			}
			if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
				break
			}
			resp.Body.Close()
		}
		want, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("h1 read a body net/http's reader fails on (%v): %q", err, data)
		}
		if resp.StatusCode != code || !bytes.Equal(want, body) {
			t.Fatalf("h1: %d %q; net/http: %d %q; input %q", code, body, resp.StatusCode, want, data)
		}
	})
}
