package gen

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Checker is an io.WriterAt download destination that keeps nothing: it
// checks every write against the content and records which bytes were
// written, so Done can tell whether the whole object arrived intact. It is
// safe for concurrent use.
type Checker struct {
	g *Gen

	mu      sync.Mutex
	covered []span // sorted, disjoint, not adjacent
	dup     int64  // bytes written more than once
	err     error
}

type span struct{ lo, hi int64 }

// NewChecker returns a checker of g's content.
func NewChecker(g *Gen) *Checker { return &Checker{g: g} }

// WriteAt checks p against the content at off.
func (c *Checker) WriteAt(p []byte, off int64) (int, error) {
	if err := c.g.Verify(p, off); err != nil {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
		return 0, err
	}
	c.mu.Lock()
	c.add(off, off+int64(len(p)))
	c.mu.Unlock()
	return len(p), nil
}

// add marks [lo, hi) written, merging it with the spans it touches.
func (c *Checker) add(lo, hi int64) {
	if lo == hi {
		return
	}
	// First span that ends at or after lo.
	i := sort.Search(len(c.covered), func(i int) bool { return c.covered[i].hi >= lo })
	j := i
	nlo, nhi := lo, hi
	for j < len(c.covered) && c.covered[j].lo <= hi {
		s := c.covered[j]
		// Overlap (not mere adjacency) is a byte written twice.
		if ov := min(s.hi, hi) - max(s.lo, lo); ov > 0 {
			c.dup += ov
		}
		nlo, nhi = min(nlo, s.lo), max(nhi, s.hi)
		j++
	}
	// In place, so that a write (usually one that extends a span) does not
	// allocate: the checker must not add garbage to the client's heap.
	if i == j {
		c.covered = slices.Insert(c.covered, i, span{nlo, nhi})
		return
	}
	c.covered[i] = span{nlo, nhi}
	c.covered = slices.Delete(c.covered, i+1, j)
}

// Done reports whether every byte of the content was written, and
// written right. Bytes written twice (a client retrying a range) are
// allowed; the count is returned.
func (c *Checker) Done() (dup int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.dup, c.err
	}
	if c.g.size == 0 && len(c.covered) == 0 {
		return c.dup, nil
	}
	if len(c.covered) != 1 || c.covered[0].lo != 0 || c.covered[0].hi != c.g.size {
		return c.dup, fmt.Errorf("gen: the download wrote %v of [0, %d)", c.covered, c.g.size)
	}
	return c.dup, nil
}
