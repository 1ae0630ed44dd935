package client

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync/atomic"
)

// Body is a request payload. Bodies built from []byte, io.ReaderAt or
// io.ReadSeeker can be sent again on a retry without being buffered; a plain
// io.Reader is sent once and never read into memory, so a request that
// needs a retry after its body was consumed fails with ErrBodyNotReplayable.
type Body struct {
	size       int64
	replayable bool

	// One of these gives each attempt its reader (see reader): a
	// section of ra from off, a copy of an in-memory reader (mem, from
	// off, to its end), a file section (file, from off), or open.
	ra   io.ReaderAt
	mem  inMemory
	file *os.File
	off  int64
	open func() (io.Reader, error)
}

// inMemory is a reader net/http recognises as in memory (*bytes.Reader
// or *strings.Reader; see smallBody).
type inMemory interface {
	io.Reader
	io.Seeker
	Size() int64
}

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

// reader returns a reader of the body for one attempt.
func (b *Body) reader() (io.Reader, error) {
	switch {
	case b.mem != nil:
		return b.memReader()
	case b.file != nil:
		return &fileSection{f: b.file, off: b.off, n: b.size}, nil
	case b.ra != nil:
		return io.NewSectionReader(b.ra, b.off, b.size), nil
	case b.open != nil:
		return b.open()
	}
	return strings.NewReader(""), nil
}

// memReader returns a copy of b.mem positioned at b.off: a reader of the
// same in-memory type, which net/http recognises.
func (b *Body) memReader() (io.Reader, error) {
	var r inMemory
	switch v := b.mem.(type) {
	case *bytes.Reader:
		c := *v
		r = &c
	case *strings.Reader:
		c := *v
		r = &c
	default:
		return io.NewSectionReader(b.mem.(io.ReaderAt), b.off, b.size), nil
	}
	if _, err := r.Seek(b.off, io.SeekStart); err != nil {
		return nil, err
	}
	return r, nil
}

// inMemorySmall reports whether each attempt's reader is a small
// in-memory reader (see smallBody).
func (b *Body) inMemorySmall() bool { return b.mem != nil && b.size <= smallBody }

// Size returns the body length in bytes.
func (b *Body) Size() int64 { return b.size }

// Replayable reports whether the body can be sent more than once.
func (b *Body) Replayable() bool { return b.replayable }

// BytesBody returns a replayable body over p. p must not change until the
// request returns.
func BytesBody(p []byte) *Body { return SectionBody(bytes.NewReader(p), 0, int64(len(p))) }

// SectionBody returns a replayable body of n bytes of r from off. Each
// attempt reads through a new io.SectionReader, so concurrent requests can
// share one r (an *os.File, say).
func SectionBody(r io.ReaderAt, off, n int64) *Body {
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
	b := &Body{ra: r, off: off, size: n, replayable: true}
	switch v := r.(type) {
	case *bytes.Reader:
		if off >= 0 && off+n == v.Size() {
			b.mem = v // the rest of the reader: a copy of it serves
		}
	case *strings.Reader:
		if off >= 0 && off+n == v.Size() {
			b.mem = v
		}
	}
	return b
}

// NewBody picks the cheapest replayable form for r: a section of an
// io.ReaderAt (bytes.Reader, strings.Reader, *os.File, ...) from its current
// offset, a rewind of an io.ReadSeeker, or else a one-shot stream. size is
// the number of bytes to send; a negative size means "to the end", which
// needs a seekable r.
func NewBody(r io.Reader, size int64) (*Body, error) {
	if r == nil {
		if size > 0 {
			return nil, InvalidArgument("Size", "is %d but Body is nil", size)
		}
		return &Body{size: 0, replayable: true}, nil
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
		return SectionBody(ra, start, size), nil
	}
	if canSeek {
		return &Body{
			open: func() (io.Reader, error) {
				if _, err := seeker.Seek(start, io.SeekStart); err != nil {
					return nil, err
				}
				return io.LimitReader(r, size), nil
			},
			size:       size,
			replayable: true,
		}, nil
	}
	return StreamBody(r, size), nil
}

// StreamBody returns a one-shot body of size bytes read from r. It is never
// buffered: if an attempt fails after sending it, the request is not
// retried and fails with ErrBodyNotReplayable.
func StreamBody(r io.Reader, size int64) *Body {
	var used atomic.Bool
	return &Body{
		open: func() (io.Reader, error) {
			if used.Swap(true) {
				return nil, ErrBodyNotReplayable
			}
			return io.LimitReader(r, size), nil
		},
		size: size,
	}
}
