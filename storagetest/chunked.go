package storagetest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// errBadChunk reports a malformed aws-chunked body.
var errBadChunk = errors.New("malformed aws-chunked body")

// chunkedReader decodes an aws-chunked request body (SigV4 streaming
// uploads, signed or unsigned, with or without trailers):
//
//	hex-size[;chunk-signature=...]\r\n data \r\n ... 0[;...]\r\n [trailers\r\n] \r\n
//
// Chunk signatures are not verified; trailers are kept (trailers) for
// readData to check a trailing checksum.
type chunkedReader struct {
	br       *bufio.Reader
	trailers map[string]string // lower-case name → value
	left     int64             // bytes left in the current chunk
	needCRLF bool              // a chunk's data ended; its CRLF is next
	done     bool
	err      error
}

func newChunkedReader(r io.Reader) *chunkedReader {
	return &chunkedReader{br: bufio.NewReader(r)}
}

func (r *chunkedReader) Read(p []byte) (int, error) {
	for r.left == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		if err := r.nextChunk(); err != nil {
			r.err = err
			return 0, err
		}
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.br.Read(p)
	r.left -= int64(n)
	if r.left == 0 {
		r.needCRLF = true
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// nextChunk reads a chunk header; the final, empty chunk also consumes the
// trailers.
func (r *chunkedReader) nextChunk() error {
	if r.needCRLF {
		line, err := r.line()
		if err != nil {
			return err
		}
		if line != "" {
			return fmt.Errorf("%w: chunk data is longer than its size", errBadChunk)
		}
		r.needCRLF = false
	}
	line, err := r.line()
	if err != nil {
		return err
	}
	sizeText, _, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("%w: bad chunk size %q", errBadChunk, sizeText)
	}
	if size > 0 {
		r.left = size
		return nil
	}
	for { // trailers, up to an empty line or the end of the body
		line, err := r.line()
		if err == io.ErrUnexpectedEOF || (err == nil && line == "") {
			break
		}
		if err != nil {
			return err
		}
		if name, value, ok := strings.Cut(line, ":"); ok {
			if r.trailers == nil {
				r.trailers = map[string]string{}
			}
			r.trailers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
		}
	}
	r.done = true
	return nil
}

// line reads one CRLF-terminated line without its terminator.
func (r *chunkedReader) line() (string, error) {
	s, err := r.br.ReadString('\n')
	if err == io.EOF {
		if s == "" {
			return "", io.ErrUnexpectedEOF
		}
		err = nil // tolerate a missing final CRLF
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}
