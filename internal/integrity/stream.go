package integrity

import (
	"bytes"
	"hash"
	"io"

	"github.com/polystore/polystore/internal/gather"
)

// Stream checks bytes written to it in order against a plan: a digest of
// the whole content, or the digests of its parts combined into a
// composite.
type Stream struct {
	p      Plan
	whole  hash.Hash
	part   hash.Hash
	inPart int64
	parts  [][]byte
	n      int64
}

// NewStream returns a checker for p, which must not be Unverified.
func NewStream(p Plan) *Stream {
	s := &Stream{}
	s.init(p)
	return s
}

func (s *Stream) init(p Plan) {
	s.p = p
	if p.Kind == Composite {
		s.part = p.Algo.New()
	} else {
		s.whole = p.Algo.New()
	}
}

// Write hashes b. It never fails.
func (s *Stream) Write(b []byte) (int, error) {
	n := len(b)
	s.n += int64(n)
	if s.whole != nil {
		s.whole.Write(b)
		return n, nil
	}
	for len(b) > 0 {
		k := min(int64(len(b)), s.p.PartSize-s.inPart)
		s.part.Write(b[:k])
		s.inPart += k
		b = b[k:]
		if s.inPart == s.p.PartSize {
			s.endPart()
		}
	}
	return n, nil
}

func (s *Stream) endPart() {
	s.parts = append(s.parts, s.part.Sum(nil))
	s.part.Reset()
	s.inPart = 0
}

// Sum returns the digest of what was written, in the plan's form.
func (s *Stream) Sum() []byte {
	if s.whole != nil {
		return s.whole.Sum(nil)
	}
	parts := s.parts
	if s.inPart > 0 || len(parts) == 0 {
		parts = append(parts[:len(parts):len(parts)], s.part.Sum(nil))
	}
	return CompositeOf(s.p.Algo, parts)
}

// Check reports whether what was written matches the plan's digest and,
// when it does not, both digests as the service writes them (formatted
// only then: a match costs no strings).
func (s *Stream) Check() (ok bool, want, got string) {
	sum := s.Sum()
	if bytes.Equal(sum, s.p.Want) {
		return true, "", ""
	}
	return false, s.p.Algo.Format(s.p.Want), s.p.Algo.Format(sum)
}

// Reader verifies a body while it is read: at its end, instead of
// io.EOF, Read returns the error mismatch makes when the bytes do not
// match the plan, or io.ErrUnexpectedEOF when fewer than size bytes
// came (size < 0: unknown). The error stays.
type Reader struct {
	rc       io.ReadCloser
	s        Stream
	size     int64
	err      error
	mismatch func(want, got string) error
}

// NewReader returns rc checked against p.
func NewReader(rc io.ReadCloser, p Plan, size int64, mismatch func(want, got string) error) *Reader {
	r := &Reader{rc: rc, size: size, mismatch: mismatch}
	r.s.init(p)
	return r
}

// Read reads from the body, hashing what it returns.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.rc.Read(p)
	r.s.Write(p[:n])
	switch {
	case err == io.EOF && r.size >= 0 && r.s.n != r.size:
		r.err = io.ErrUnexpectedEOF
	case err == io.EOF:
		if ok, want, got := r.s.Check(); !ok {
			r.err = r.mismatch(want, got)
		} else {
			r.err = io.EOF
		}
	case err != nil:
		r.err = err
	}
	return n, r.err
}

// Close closes the body.
func (r *Reader) Close() error { return r.rc.Close() }

// WriteTo copies the body to w (io.Copy uses it): the bytes and the
// result are those Read gives, but each write of a body over 64 KiB
// carries up to 128 KiB, gathered from as many reads as it takes
// (package gather). The body's end is nil; a mismatch, a short body or
// a read error is returned after the bytes before it were written.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	left := int64(-1)
	if r.size >= 0 {
		left = r.size - r.s.n
	}
	return gather.WriteTo(w, r, left)
}
