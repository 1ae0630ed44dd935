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
	open       func() (io.Reader, error)
	size       int64
	replayable bool
	// integrityOff: the call turned integrity checks off
	// (IntegrityOff), which a ChecksumIfReplayable need respects.
	integrityOff bool
}

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
	return &Body{
		open:       func() (io.Reader, error) { return io.NewSectionReader(r, off, n), nil },
		size:       n,
		replayable: true,
	}
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

// readerFunc adapts b to go-retryablehttp's ReaderFunc, skipping the probe
// call that NewRequest makes.
func (b *Body) readerFunc() func() (io.Reader, error) {
	probed := false
	return func() (io.Reader, error) {
		if !probed {
			probed = true
			return strings.NewReader(""), nil
		}
		if b.open == nil {
			return strings.NewReader(""), nil
		}
		return b.open()
	}
}
