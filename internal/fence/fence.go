// Package fence serves a buffer as a request body that can be cut off.
//
// net/http may still read a request body after the round trip returned
// (a failed or cancelled attempt's writer runs on), so a pooled buffer
// sent as a body may be reused only once no read can reach it. A Buffer
// reads under a lock; Release waits for a read in progress and makes
// every later read fail with ErrReleased, after which the bytes are the
// caller's again.
package fence

import (
	"errors"
	"io"
	"sync"
)

// ErrReleased is what a read of a released Buffer returns.
var ErrReleased = errors.New("polystore: buffer released after its request ended")

// Buffer is an io.ReaderAt, io.Reader and io.Seeker over a byte slice
// until Release. Read and Seek share one position and are not safe for
// concurrent use with each other (as for any io.Reader); ReadAt is.
type Buffer struct {
	mu       sync.Mutex
	b        []byte
	released bool
	off      int64 // Read's position
}

// New returns a Buffer over b.
func New(b []byte) *Buffer { return &Buffer{b: b} }

// Bytes returns the bytes served (nil once released).
func (f *Buffer) Bytes() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.released {
		return nil
	}
	return f.b
}

// Len returns the length of the bytes served.
func (f *Buffer) Len() int { return len(f.b) }

// ReadAt implements io.ReaderAt; after Release it fails with ErrReleased.
func (f *Buffer) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.released {
		return 0, ErrReleased
	}
	if off < 0 {
		return 0, errors.New("polystore: negative offset")
	}
	if off >= int64(len(f.b)) {
		return 0, io.EOF
	}
	n := copy(p, f.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Read implements io.Reader.
func (f *Buffer) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek implements io.Seeker.
func (f *Buffer) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += int64(len(f.b))
	default:
		return 0, errors.New("polystore: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("polystore: negative position")
	}
	f.off = offset
	return offset, nil
}

// Release ends the buffer's use as a body: it waits for a read in
// progress, and every later read fails. It is safe to call more than
// once.
func (f *Buffer) Release() {
	f.mu.Lock()
	f.released = true
	f.b = nil
	f.mu.Unlock()
}
