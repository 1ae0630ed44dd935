// Package gather copies a response body into a writer in large steps.
//
// Over TLS a read of a connection returns at most one record (16 KiB),
// so io.Copy from a body into a file makes a write call per record. The
// bodies a user copies from (a checked GET body, a watched response
// body) implement io.WriterTo with WriteTo, which gathers up to Step
// bytes from as many reads as it takes before each write.
package gather

import (
	"io"
	"sync"
)

// Step is the most WriteTo gathers before a write; a body known to have
// at most Small bytes left is copied as io.Copy copies (a large buffer
// costs a small body more in cache misses than the writes it saves).
const (
	Step  = 128 << 10
	Small = 64 << 10
)

var bufs = sync.Pool{New: func() any { b := make([]byte, Step); return &b }}

// WriteTo copies r to w until r ends, and returns the bytes written and
// the first error: r's (io.EOF is nil), after the bytes read before it
// were written, or w's (io.ErrShortWrite for a short write). left is
// how many bytes r is known to have left, or -1. r is typically the body
// whose own WriteTo calls this: it is only ever read (R is a pointer
// type, so hiding its WriteTo from io.Copy costs no allocation).
func WriteTo[R io.Reader](w io.Writer, r R, left int64) (int64, error) {
	if left >= 0 && left <= Small {
		return io.Copy(w, readOnly[R]{r})
	}
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	var total int64
	for {
		n, rerr := Fill(r, buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr == nil && m < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return total, werr
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// readOnly hides R's WriteTo from io.Copy, which would call it again.
type readOnly[R io.Reader] struct{ r R }

func (o readOnly[R]) Read(p []byte) (int, error) { return o.r.Read(p) }

// Fill reads from r until p is full, r ends or a read fails, and returns
// how much it read with the error that stopped it (nil when p is full;
// unlike io.ReadFull, an end after some bytes is r's io.EOF). Over TLS a
// read returns at most one record (16 KiB): filling a large buffer first
// makes one write of it instead of one per record.
func Fill(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
