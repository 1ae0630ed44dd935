package transfer

import (
	"errors"
	"io"
	"os"
	"sync"
)

// heldFileMin is the size from which a directory upload holds a small
// file's bytes in a pooled buffer (heldFile) rather than in a slice of
// its own. Smaller files are read with os.ReadFile: their slice costs
// little, and as a *bytes.Reader the client sends such a body with its
// request's headers in one write, which a pooled buffer behind a lock
// would not allow.
const heldFileMin = 8 << 10

// heldBufs are the buffers of held files: smallFileSize bytes, and one
// more to see that a file did not grow since the walk. A
// directory upload of many small files otherwise allocates (and zeroes,
// and collects) every file's size again: pooling them took a fifth off
// the client's CPU per file (bench/README.md, "Directory uploads").
var heldBufs = sync.Pool{New: func() any { b := make([]byte, smallFileSize+1); return &b }}

// errHeldReleased is what a read of a released heldFile returns. Only
// a request that had already been answered can see it: net/http may
// still be writing such a request's body after RoundTrip returned (a
// server that answers before it has read the body).
var errHeldReleased = errors.New("transfer: the file's buffer was released after its upload ended")

// heldFile is a small file's content in a pooled buffer, read once for
// both its recorded CRC-32C and its PUT. It is an io.ReaderAt whose reads
// fail once it is released, and release waits for reads in progress: a
// write of an old attempt's body still under way in net/http can never
// read the buffer after it went back to the pool and was filled with
// another file.
type heldFile struct {
	mu   sync.RWMutex
	data []byte  // the file's bytes; nil once released
	bp   *[]byte // the pooled buffer data is in
}

// readHeld reads the file at path, expected to hold size bytes
// (heldFileMin < size ≤ smallFileSize), into a pooled buffer. ok is false
// when the file no longer has that size (it changed since the walk):
// the caller then reads it as a file.
func readHeld(path string, size int64) (h *heldFile, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	bp := heldBufs.Get().(*[]byte)
	buf := *bp
	n, err := io.ReadFull(f, buf[:size])
	if err == nil {
		// One more read shows whether the file grew since the walk.
		var k int
		k, err = f.Read(buf[size : size+1])
		if k > 0 {
			heldBufs.Put(bp)
			return nil, false, nil
		}
		if err == io.EOF {
			err = nil
		}
	}
	switch {
	case err == io.ErrUnexpectedEOF || (err == nil && int64(n) != size):
		heldBufs.Put(bp)
		return nil, false, nil // it shrank
	case err != nil:
		heldBufs.Put(bp)
		return nil, false, err
	}
	return &heldFile{data: buf[:size], bp: bp}, true, nil
}

// ReadAt reads the held bytes; after release it fails with
// errHeldReleased.
func (h *heldFile) ReadAt(p []byte, off int64) (int, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.data == nil {
		return 0, errHeldReleased
	}
	if off < 0 {
		return 0, errors.New("transfer: negative offset")
	}
	if off >= int64(len(h.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// release gives the buffer back to the pool, once no read is under way.
// Reads after it fail. It is safe to call more than once.
func (h *heldFile) release() {
	h.mu.Lock()
	bp := h.bp
	h.data, h.bp = nil, nil
	h.mu.Unlock()
	if bp != nil {
		heldBufs.Put(bp)
	}
}
