package gen

import (
	"bytes"
	"io"
	"testing"
)

func TestContent(t *testing.T) {
	const size = 3*BlockSize + 12345
	g := New(7, size)
	all := make([]byte, size)
	if n, err := g.ReadAt(all, 0); n != size || err != nil {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	// Ranges read anywhere agree with the whole.
	for _, r := range [][2]int64{{0, 1}, {3, 10}, {4090, 20}, {BlockSize - 5, 4100}, {size - 7, 7}, {123457, 3 * PageSize}} {
		p := make([]byte, r[1])
		if _, err := g.ReadAt(p, r[0]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, all[r[0]:r[0]+r[1]]) {
			t.Errorf("ReadAt(%d, %d) differs from the whole", r[0], r[1])
		}
		if err := g.Verify(p, r[0]); err != nil {
			t.Errorf("Verify(%d, %d): %v", r[0], r[1], err)
		}
	}
	// Pages differ even where the block repeats.
	if bytes.Equal(all[:PageSize], all[BlockSize:BlockSize+PageSize]) {
		t.Error("pages one block apart are equal")
	}
	// A misplaced or altered range is caught.
	if err := g.Verify(all[BlockSize:BlockSize+PageSize], 0); err == nil {
		t.Error("a page one block away verified")
	}
	bad := bytes.Clone(all[:50000])
	bad[40000] ^= 1
	if err := g.Verify(bad, 0); err == nil {
		t.Error("a flipped bit verified")
	}
	if off, ok := g.Origin(all[2*BlockSize:]); !ok || off != 2*BlockSize {
		t.Errorf("Origin = %d, %v", off, ok)
	}
	// The stream and the section give the same bytes.
	got, _ := io.ReadAll(g.Stream())
	if !bytes.Equal(got, all) {
		t.Error("Stream differs")
	}
	if a, b, c := New(7, size).MD5(), New(7, size).MD5(), New(8, size).MD5(); a != b || a == c {
		t.Error("MD5 is not a function of the seed")
	}
}

func TestChecker(t *testing.T) {
	g := New(1, 100000)
	c := NewChecker(g)
	p := make([]byte, 100000)
	g.ReadAt(p, 0)
	for _, r := range [][2]int{{50000, 100000}, {0, 20000}, {10000, 30000}, {30000, 50000}} {
		if _, err := c.WriteAt(p[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	if dup, err := c.Done(); err != nil || dup != 10000 {
		t.Errorf("Done = %d, %v", dup, err)
	}
	// Sequential writes, as a client makes them, do not allocate.
	c = NewChecker(g)
	c.WriteAt(p[:100], 0)
	off := int64(100)
	if a := testing.AllocsPerRun(100, func() { c.WriteAt(p[off:off+100], off); off += 100 }); a != 0 {
		t.Errorf("WriteAt allocates %v times per call", a)
	}
	c = NewChecker(g)
	c.WriteAt(p[:1000], 0)
	if _, err := c.Done(); err == nil {
		t.Error("a partial download passed")
	}
	if _, err := c.WriteAt(p[:1000], 1); err == nil {
		t.Error("a shifted write passed")
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"100MiB": 100 << 20, "1GiB": 1 << 30, "8MiB": 8 << 20, "123": 123, "1.5KiB": 1536} {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", s, got, err)
		}
	}
	if FormatSize(16<<20) != "16MiB" || FormatSize(1<<30) != "1GiB" {
		t.Error("FormatSize")
	}
}
