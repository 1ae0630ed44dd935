// Package gen produces the benchmarks' content: a deterministic,
// offset-addressable byte sequence that is cheap to produce and to check.
//
// The content of an object of any size is a 1 MiB pseudo-random block
// (math/rand/v2's PCG, seeded) repeated end to end, in which the first 8
// bytes of every 4 KiB page are replaced by a stamp: the page's index xor
// a key derived from the seed, little-endian. Producing a range is a
// memory copy plus one 8-byte store per page; checking one is a memory
// compare. The stamps make every page distinct, so a page written at the
// wrong offset is caught, and they let a server that receives a part
// learn where in the object the part starts (Origin).
package gen

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
)

const (
	// PageSize is the distance between two stamps.
	PageSize = 4 << 10
	// BlockSize is the period of the pseudo-random content.
	BlockSize = 1 << 20
	stampLen  = 8
)

// Gen is the content of one object: Size bytes from Seed.
type Gen struct {
	seed  uint64
	size  int64
	key   uint64
	block []byte
}

// New returns the content of size bytes generated from seed.
func New(seed uint64, size int64) *Gen {
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	block := make([]byte, BlockSize)
	for i := 0; i < BlockSize; i += 8 {
		binary.LittleEndian.PutUint64(block[i:], r.Uint64())
	}
	return &Gen{seed: seed, size: size, key: seed*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019, block: block}
}

// Size returns the content's length.
func (g *Gen) Size() int64 { return g.size }

// Seed returns the seed the content was generated from.
func (g *Gen) Seed() uint64 { return g.seed }

// stamp returns the stamp of the page that holds offset off.
func (g *Gen) stamp(off int64) uint64 { return uint64(off/PageSize) ^ g.key }

// ReadAt fills p with the content at off. It is safe for concurrent use.
func (g *Gen) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("gen: negative offset")
	}
	if off >= g.size {
		return 0, io.EOF
	}
	n := len(p)
	if rest := g.size - off; int64(n) > rest {
		n = int(rest)
	}
	g.fill(p[:n], off)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fill writes the content of [off, off+len(p)) into p.
func (g *Gen) fill(p []byte, off int64) {
	// Copy the block-periodic content in runs up to each block boundary,
	// then patch the stamps.
	for q, o := p, off; len(q) > 0; {
		bo := int(o % BlockSize)
		n := copy(q, g.block[bo:])
		q, o = q[n:], o+int64(n)
	}
	var s [stampLen]byte
	// The first page may start mid-stamp.
	for page := off - off%PageSize; page < off+int64(len(p)); page += PageSize {
		binary.LittleEndian.PutUint64(s[:], g.stamp(page))
		lo, hi := max(page, off), min(page+stampLen, off+int64(len(p)))
		if lo < hi {
			copy(p[lo-off:hi-off], s[lo-page:hi-page])
		}
	}
}

// Verify reports whether p is the content at off, returning an error that
// names the first wrong byte if not.
func (g *Gen) Verify(p []byte, off int64) error {
	if off < 0 || off+int64(len(p)) > g.size {
		return fmt.Errorf("gen: %d bytes at %d lie outside the object's %d bytes", len(p), off, g.size)
	}
	var s [stampLen]byte
	for len(p) > 0 {
		page := off - off%PageSize
		in := int(off - page)
		n := min(len(p), PageSize-in)
		chunk := p[:n]
		// Stamp bytes of this page that fall in chunk.
		if in < stampLen {
			binary.LittleEndian.PutUint64(s[:], g.stamp(page))
			k := min(stampLen-in, n)
			if !bytes.Equal(chunk[:k], s[in:in+k]) {
				return g.mismatch(chunk, off)
			}
			chunk, in = chunk[k:], in+k
		}
		bo := int((page + int64(in)) % BlockSize)
		if !bytes.Equal(chunk, g.block[bo:bo+len(chunk)]) {
			return g.mismatch(p[:n], off)
		}
		p, off = p[n:], off+int64(n)
	}
	return nil
}

func (g *Gen) mismatch(p []byte, off int64) error {
	want := make([]byte, len(p))
	g.fill(want, off)
	for i := range p {
		if p[i] != want[i] {
			return fmt.Errorf("gen: wrong content at byte %d: got %#02x, want %#02x", off+int64(i), p[i], want[i])
		}
	}
	return fmt.Errorf("gen: wrong content near byte %d", off)
}

// Origin returns the offset a part starting with p was taken from,
// assuming it starts on a page boundary (parts are multiples of 1 MiB),
// from the stamp in its first 8 bytes.
func (g *Gen) Origin(p []byte) (int64, bool) {
	if len(p) < stampLen {
		return 0, false
	}
	idx := binary.LittleEndian.Uint64(p) ^ g.key
	if idx > uint64(g.size/PageSize) {
		return 0, false
	}
	return int64(idx) * PageSize, true
}

// Stream returns the content as a plain io.Reader (no ReadAt, no Seek):
// a source of unknown size to the clients.
func (g *Gen) Stream() io.Reader { return &stream{g: g} }

type stream struct {
	g   *Gen
	off int64
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.g.ReadAt(p, s.off)
	s.off += int64(n)
	return n, err
}

// Section returns the content as an io.SectionReader (a ReaderAt and
// Seeker of known size).
func (g *Gen) Section() *io.SectionReader { return io.NewSectionReader(g, 0, g.size) }

// FileName is the name under which a source file of the content is kept.
func (g *Gen) FileName() string { return fmt.Sprintf("gen-%d-%d.bin", g.seed, g.size) }

// WriteFile writes the content to path (through a temporary file renamed
// into place, so a present file is always complete).
func (g *Gen) WriteFile(path string) error {
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	buf := make([]byte, 4<<20)
	for off := int64(0); off < g.size; {
		n, _ := g.ReadAt(buf, off)
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
		off += int64(n)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// MD5 returns the hex MD5 of the content: the ETag of an object stored
// by a single PUT.
func (g *Gen) MD5() string {
	h := md5.New()
	io.Copy(h, io.NewSectionReader(g, 0, g.size))
	return hex.EncodeToString(h.Sum(nil))
}

// MultipartETag returns the S3 ETag of the content uploaded in parts of
// partSize: the MD5 of the parts' binary MD5s, then "-" and the count.
func (g *Gen) MultipartETag(partSize int64) string {
	all := md5.New()
	n := 0
	for off := int64(0); off < g.size; off += partSize {
		h := md5.New()
		io.Copy(h, io.NewSectionReader(g, off, min(partSize, g.size-off)))
		all.Write(h.Sum(nil))
		n++
	}
	return hex.EncodeToString(all.Sum(nil)) + "-" + strconv.Itoa(n)
}

// ParseSize parses a size such as "100MiB", "1GiB", "8MiB", "512KiB" or a
// plain number of bytes.
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if num, ok := cutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return int64(v * float64(u.mult)), nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v, nil
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// FormatSize renders n as ParseSize reads it, in the largest exact unit.
func FormatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.mult && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
