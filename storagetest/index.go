package storagetest

import (
	"slices"
	"sort"
)

// chunkSize is the most keys one chunk of a keyIndex holds before it is
// split in two.
const chunkSize = 512

// keyIndex is an ordered set of object keys in byte order. It is a list
// of sorted chunks, so that an insert or a delete moves at most one chunk
// of keys, and a seek is two binary searches. It scales to millions of
// keys without re-sorting anything per request.
type keyIndex struct {
	chunks [][]string // non-empty, sorted, and in order across chunks
	n      int
}

// Len returns the number of keys.
func (x *keyIndex) Len() int { return x.n }

// chunkFor returns the index of the first chunk whose last key is >= k,
// or len(x.chunks) if there is none.
func (x *keyIndex) chunkFor(k string) int {
	return sort.Search(len(x.chunks), func(i int) bool {
		c := x.chunks[i]
		return c[len(c)-1] >= k
	})
}

// insert adds k; it reports false if k was already present.
func (x *keyIndex) insert(k string) bool {
	if len(x.chunks) == 0 {
		x.chunks = [][]string{{k}}
		x.n = 1
		return true
	}
	ci := x.chunkFor(k)
	if ci == len(x.chunks) {
		ci-- // k is beyond every key: append to the last chunk
	}
	c := x.chunks[ci]
	j, found := slices.BinarySearch(c, k)
	if found {
		return false
	}
	c = slices.Insert(c, j, k)
	x.n++
	if len(c) <= chunkSize {
		x.chunks[ci] = c
		return true
	}
	half := len(c) / 2
	left := c[:half:half]
	right := slices.Clone(c[half:])
	x.chunks[ci] = left
	x.chunks = slices.Insert(x.chunks, ci+1, right)
	return true
}

// remove deletes k; it reports false if k was not present.
func (x *keyIndex) remove(k string) bool {
	ci := x.chunkFor(k)
	if ci == len(x.chunks) {
		return false
	}
	c := x.chunks[ci]
	j, found := slices.BinarySearch(c, k)
	if !found {
		return false
	}
	c = slices.Delete(c, j, j+1)
	x.n--
	if len(c) == 0 {
		x.chunks = slices.Delete(x.chunks, ci, ci+1)
	} else {
		x.chunks[ci] = c
	}
	return true
}

// cursor walks a keyIndex in order. It is invalidated by inserts and
// removes.
type cursor struct {
	x     *keyIndex
	ci, j int
}

// seek returns a cursor at the first key >= k.
func (x *keyIndex) seek(k string) cursor {
	ci := x.chunkFor(k)
	if ci == len(x.chunks) {
		return cursor{x: x, ci: ci}
	}
	j, _ := slices.BinarySearch(x.chunks[ci], k)
	return cursor{x: x, ci: ci, j: j}
}

func (c *cursor) valid() bool { return c.ci < len(c.x.chunks) }

func (c *cursor) key() string { return c.x.chunks[c.ci][c.j] }

func (c *cursor) next() {
	c.j++
	if c.j == len(c.x.chunks[c.ci]) {
		c.ci++
		c.j = 0
	}
}
