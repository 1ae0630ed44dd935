package client

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/polystore/polystore/internal/protocol"
)

// payload is a request body (see protocol.Body; internal/opkit gives the
// operation packages its constructors below).
type payload = protocol.Body

// inMemory is a reader net/http recognises as in memory (*bytes.Reader
// or *strings.Reader; see smallBody).
type inMemory = protocol.InMemory

// smallBody is the size up to which a body held in memory is handed to
// net/http as a *bytes.Reader or *strings.Reader: net/http then writes
// it with the request headers in one write (for other bodies it
// flushes the headers first, in case the body blocks), and so the
// request goes out in one TCP segment instead of two. Such a body is not
// watched by the send stall timeout: it fits the socket's send buffer
// (Linux starts a TCP socket with 16 KiB), so writing it cannot stall,
// and a server that does not read it does not answer, which
// Timeouts.ResponseHeader catches.
const smallBody = 8 << 10

// writeBufferSize is the write buffer of the client's own transport's
// connections: a small body and its request's headers fit it, so that
// net/http writes them together (its default, 4 KiB, would split a 4 KiB
// body from its headers).
const writeBufferSize = smallBody + 8<<10

// bodyReader returns a reader of the body for one attempt.
func bodyReader(b *payload) (io.Reader, error) {
	switch {
	case b.Mem != nil:
		return memReader(b)
	case b.File != nil:
		return &fileSection{f: b.File, off: b.Off, n: b.Len}, nil
	case b.RA != nil:
		return io.NewSectionReader(b.RA, b.Off, b.Len), nil
	case b.Open != nil:
		return b.Open()
	}
	return strings.NewReader(""), nil
}

// memReader returns a copy of b.Mem positioned at b.Off: a reader of the
// same in-memory type, which net/http recognises.
func memReader(b *payload) (io.Reader, error) {
	var r inMemory
	switch v := b.Mem.(type) {
	case *bytes.Reader:
		c := *v
		r = &c
	case *strings.Reader:
		c := *v
		r = &c
	default:
		return io.NewSectionReader(b.Mem.(io.ReaderAt), b.Off, b.Len), nil
	}
	if _, err := r.Seek(b.Off, io.SeekStart); err != nil {
		return nil, err
	}
	return r, nil
}

// inMemorySmall reports whether each attempt's reader is a small
// in-memory reader (see smallBody).
func inMemorySmall(b *payload) bool { return b.Mem != nil && b.Len <= smallBody }

// bytesBody returns a replayable body over p. p must not change until the
// request returns.
func bytesBody(p []byte) *payload { return sectionBody(bytes.NewReader(p), 0, int64(len(p))) }

// sectionBody returns a replayable body of n bytes of r from off. Each
// attempt reads through a new io.SectionReader, so concurrent requests can
// share one r (an *os.File, say).
func sectionBody(r io.ReaderAt, off, n int64) *payload {
	switch v := r.(type) {
	case *os.File:
		return fileSectionBody(v, off, n)
	case *io.SectionReader:
		// A section of a file section: address the file.
		if outer, base, length := v.Outer(); off >= 0 && off+n <= length {
			if f, ok := outer.(*os.File); ok {
				return fileSectionBody(f, base+off, n)
			}
		}
	}
	b := &payload{RA: r, Off: off, Len: n, Replay: true}
	switch v := r.(type) {
	case *bytes.Reader:
		if off >= 0 && off+n == v.Size() {
			b.Mem = v // the rest of the reader: a copy of it serves
		}
	case *strings.Reader:
		if off >= 0 && off+n == v.Size() {
			b.Mem = v
		}
	}
	return b
}

// newBody picks the cheapest replayable form for r: a section of an
// io.ReaderAt (bytes.Reader, strings.Reader, *os.File, ...) from its current
// offset, a rewind of an io.ReadSeeker, or else a one-shot stream. size is
// the number of bytes to send; a negative size means "to the end", which
// needs a seekable r.
func newBody(r io.Reader, size int64) (*payload, error) {
	if r == nil {
		if size > 0 {
			return nil, InvalidArgument("Size", "is %d but Body is nil", size)
		}
		return &payload{Len: 0, Replay: true}, nil
	}
	if l, ok := r.(interface{ Len() int }); ok && size < 0 {
		switch r.(type) {
		case *bytes.Reader, *strings.Reader, *bytes.Buffer:
			size = int64(l.Len())
		}
	}
	seeker, canSeek := r.(io.Seeker)
	var start int64
	if canSeek {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canSeek = false
		} else if size < 0 {
			end, err := seeker.Seek(0, io.SeekEnd)
			if err != nil {
				return nil, err
			}
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, err
			}
			size = end - start
		}
	}
	if size < 0 {
		return nil, InvalidArgument("Size", "is required for a body that cannot seek")
	}
	if ra, ok := r.(io.ReaderAt); ok && canSeek {
		return sectionBody(ra, start, size), nil
	}
	if canSeek {
		return &payload{
			Open: func() (io.Reader, error) {
				if _, err := seeker.Seek(start, io.SeekStart); err != nil {
					return nil, err
				}
				return io.LimitReader(r, size), nil
			},
			Len:    size,
			Replay: true,
		}, nil
	}
	return streamBody(r, size), nil
}

// streamBody returns a one-shot body of size bytes read from r. It is never
// buffered: if an attempt fails after sending it, the request is not
// retried and fails with ErrBodyNotReplayable.
func streamBody(r io.Reader, size int64) *payload {
	var used atomic.Bool
	return &payload{
		Open: func() (io.Reader, error) {
			if used.Swap(true) {
				return nil, ErrBodyNotReplayable
			}
			return io.LimitReader(r, size), nil
		},
		Len: size,
	}
}
