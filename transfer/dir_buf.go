package transfer

import (
	"io"
	"os"
	"sync"

	"github.com/polystore/polystore/internal/fence"
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

// heldFile is a small file's content in a pooled buffer, read once for
// both its recorded CRC-32C and its PUT. Requests read it through a
// fence.Buffer, so a write of an old attempt's body still under way in
// net/http can never read the buffer after release gave it back to the
// pool and another file filled it: release waits for a read in progress
// and fails every later one with fence.ErrReleased.
type heldFile struct {
	*fence.Buffer
	once sync.Once
	bp   *[]byte // the pooled buffer
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
	return &heldFile{Buffer: fence.New(buf[:size]), bp: bp}, true, nil
}

// release gives the buffer back to the pool, once no read is under way.
// Reads after it fail. It is safe to call more than once.
func (h *heldFile) release() {
	h.once.Do(func() {
		h.Release()
		heldBufs.Put(h.bp)
	})
}
