package faultproxy

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// maxHeader caps the bytes of one message's header block. A longer one
// turns the direction into a plain byte pipe.
const maxHeader = 1 << 20

var crlfcrlf = []byte("\r\n\r\n")

// frameState is where a framer is in its byte stream.
type frameState int

const (
	stHeader     frameState = iota // collecting a header block
	stFixed                        // a Content-Length body: left bytes to go
	stChunkSize                    // a chunk-size line of a chunked body
	stChunkData                    // chunk data: left bytes to go
	stChunkCRLF                    // the CRLF after chunk data: left bytes to go
	stTrailer                      // the trailer section of a chunked body
	stUntilClose                   // a response body that ends with the connection
	stRaw                          // not HTTP (or no longer followed): plain bytes
)

// framer follows the HTTP/1.x messages in one direction of a connection,
// so that the proxy can tell header bytes from body bytes and one message
// from the next on a keep-alive connection.
type framer struct {
	state frameState
	left  int64  // bytes left in the current fixed body, chunk or CRLF
	line  []byte // partial header block, chunk-size line or trailer
}

// header is a parsed header block.
type header struct {
	first  string // request line or status line
	fields http.Header
}

// parseHeader parses a header block ending with CRLF CRLF.
func parseHeader(b []byte) (*header, error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	first, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	fields, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, err
	}
	return &header{first: first, fields: http.Header(fields)}, nil
}

// bodyKind is how a message's body is delimited.
type bodyKind int

const (
	bodyNone bodyKind = iota
	bodyFixed
	bodyChunked
	bodyUntilClose
)

// bodyOf returns how h's body is delimited (RFC 9112 section 6.3) and its
// length for a fixed body. A response to a HEAD request, a 1xx, 204 or 304
// has none; a request without framing headers has none; a response without
// them lasts until the connection closes.
func bodyOf(h *header, response, toHEAD bool, status int) (bodyKind, int64, error) {
	if response && (toHEAD || status/100 == 1 || status == http.StatusNoContent || status == http.StatusNotModified) {
		return bodyNone, 0, nil
	}
	if te := h.fields.Values("Transfer-Encoding"); len(te) > 0 {
		last := te[len(te)-1]
		if i := strings.LastIndexByte(last, ','); i >= 0 {
			last = last[i+1:]
		}
		if strings.EqualFold(strings.TrimSpace(last), "chunked") {
			return bodyChunked, 0, nil
		}
		if response {
			return bodyUntilClose, 0, nil
		}
		return bodyNone, 0, errors.New("request with a Transfer-Encoding that is not chunked")
	}
	if cl := h.fields.Get("Content-Length"); cl != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64)
		if err != nil || n < 0 {
			return bodyNone, 0, errors.New("bad Content-Length " + strconv.Quote(cl))
		}
		if n == 0 {
			return bodyNone, 0, nil
		}
		return bodyFixed, n, nil
	}
	if response {
		return bodyUntilClose, 0, nil
	}
	return bodyNone, 0, nil
}

// segKind classifies the bytes a framer hands back.
type segKind int

const (
	segHeader  segKind = iota // a whole header block
	segPayload                // body content
	segFraming                // chunk-size lines, CRLFs, trailers, raw bytes
)

// next consumes a prefix of data and returns how many bytes it consumed
// and the kind of the segment they complete. A header block, chunk-size
// line or trailer line is collected across calls: until it is complete,
// next consumes data and returns ok false (nothing to forward yet); then
// block holds all of it. Otherwise block is nil and the segment is
// data[:n].
func (f *framer) next(data []byte) (n int, kind segKind, block []byte, ok bool) {
	switch f.state {
	case stHeader:
		old := len(f.line)
		f.line = append(f.line, data...)
		j := bytes.Index(f.line[max(0, old-3):], crlfcrlf)
		if j < 0 {
			if len(f.line) > maxHeader {
				block, f.line = f.line, nil
				f.state = stRaw
				return len(data), segFraming, block, true
			}
			return len(data), 0, nil, false
		}
		end := max(0, old-3) + j + len(crlfcrlf)
		block, f.line = f.line[:end:end], nil
		return end - old, segHeader, block, true
	case stFixed, stChunkData, stUntilClose:
		n := len(data)
		if f.state != stUntilClose && int64(n) > f.left {
			n = int(f.left)
		}
		f.left -= int64(n)
		return n, segPayload, nil, true
	case stChunkCRLF:
		n := min(int64(len(data)), f.left)
		f.left -= n
		return int(n), segFraming, nil, true
	case stChunkSize, stTrailer:
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			f.line = append(f.line, data...)
			if len(f.line) > maxHeader {
				block, f.line = f.line, nil
				f.state = stRaw
				return len(data), segFraming, block, true
			}
			return len(data), 0, nil, false
		}
		f.line = append(f.line, data[:i+1]...)
		return i + 1, segFraming, f.line, true
	}
	return len(data), segFraming, data, true
}

// afterLine moves on once a chunk-size or trailer line is complete. It
// reports whether the message's body ended with it.
func (f *framer) afterLine() (ended bool) {
	line := strings.TrimRight(string(f.line), "\r\n")
	f.line = nil
	if f.state == stTrailer {
		if line == "" {
			f.state = stHeader
			return true
		}
		return false
	}
	if i := strings.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	size, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
	switch {
	case err != nil || size < 0:
		f.state = stRaw
	case size == 0:
		f.state = stTrailer
	default:
		f.state, f.left = stChunkData, size
	}
	return false
}

// afterPayload moves on when a fixed body or a chunk's data is done. It
// reports whether the message's body ended.
func (f *framer) afterPayload() (ended bool) {
	if f.left > 0 {
		return false
	}
	switch f.state {
	case stFixed:
		f.state = stHeader
		return true
	case stChunkData:
		f.state, f.left = stChunkCRLF, 2
	}
	return false
}

// afterCRLF moves on once the CRLF after chunk data is through.
func (f *framer) afterCRLF() {
	if f.left == 0 {
		f.state = stChunkSize
	}
}

// startBody sets the framer up for a body of kind k (length n if fixed).
// It reports whether the message has no body (and so has ended).
func (f *framer) startBody(k bodyKind, n int64) (ended bool) {
	switch k {
	case bodyFixed:
		f.state, f.left = stFixed, n
	case bodyChunked:
		f.state = stChunkSize
	case bodyUntilClose:
		f.state = stUntilClose
	default:
		f.state = stHeader
		return true
	}
	return false
}
