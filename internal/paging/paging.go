// Package paging runs polystore's paginated listings (objects, versions,
// multipart uploads, parts, buckets, inventories) as iterators that always
// end. It is shared by the bucket and multipart packages and makes no
// public promise.
//
// A Pager fetches one page at a time and stops with an error wrapping
// client.ErrListingStalled, before yielding anything twice, when the
// server does not lead it forward:
//
//   - a truncated page with nothing to resume from;
//   - a cursor (token, marker or marker pair) the listing has already
//     followed: the last Window cursors are remembered, and so are the
//     cursors of pages 1, 2, 4, 8, ... (a few dozen at most), so a cycle of
//     up to Window pages is caught before its first page is fetched again
//     and a longer cycle still ends the listing, after at most one more
//     lap;
//   - a page whose first entry was already the first entry of an earlier
//     page (the same page again, under a fresh token), among the last
//     Window pages;
//   - a marker that does not advance: for listings whose markers are keys,
//     a next marker before a key the page listed (resuming there would list
//     that key again); for listings whose markers are numbers, a next part
//     number or offset that is not greater than the current one;
//   - MaxEmptyPages truncated pages in a row without a single entry.
//
// Cursors and entries are remembered as 64-bit hashes with a seed chosen
// per iteration (hash/maphash), 8 bytes each, so memory stays below
// 2 × (Window + 64) × 8 bytes (65 KiB) however long the listing; a
// false "seen before" needs a 64-bit collision, about one chance in 2^52
// per page with a full window.
package paging

import (
	"context"
	"fmt"
	"hash/maphash"
	"iter"
	"strconv"

	"github.com/polystore/polystore/client"
)

// Window is how many recent cursors, and first entries of pages, a Pager
// remembers exactly (as hashes). 4096 pages are 4 million entries at the
// usual 1000 per page: cycles that long are caught before anything is
// yielded twice.
const Window = 4096

// MaxEmptyPages is how many truncated pages without a single entry in a
// row end a listing. A conforming server sends such a page when an
// internal scan budget runs out before it finds an entry to return (S3 and
// S3-compatible servers do among long runs of delete markers or keys a
// prefix or delimiter filters out), and moves its cursor on each time; a
// broken one can do it forever with fresh tokens. 100 pages in a row with
// nothing for the caller is far beyond the few such pages a real listing
// shows, and bounds what a broken server costs to 100 requests. A listing
// that really needs more can go on from the cursor the error names with
// the page-level method (ListObjectsPage, ...).
const MaxEmptyPages = 100

// Cursor is where a page starts: a token, marker, offset or part-number
// marker (A) and, for listings paged by two markers, the second one (B:
// a version-id or upload-id marker).
type Cursor struct{ A, B string }

// String renders the cursor for error messages, shortening long tokens.
func (c Cursor) String() string {
	if c.B == "" {
		return short(c.A)
	}
	return short(c.A) + "/" + short(c.B)
}

// short quotes s, cut to 64 bytes.
func short(s string) string {
	const most = 64
	if len(s) > most {
		return strconv.Quote(s[:most]) + "…"
	}
	return strconv.Quote(s)
}

// Order says how a listing's cursors must move.
type Order int

// Cursor orders.
const (
	// Opaque cursors (continuation tokens) have no order: only their
	// repetition is checked.
	Opaque Order = iota
	// Keys cursors are names (object keys, bucket names): the next A
	// must not sort before (in byte order, as S3 lists) any key of the
	// page, as Pager.Key names them. It is not compared with the current
	// cursor: servers may decorate a key marker with state of their own
	// (MinIO sends "key[minio_cache:v2,...]"), which sorts after the key
	// it extends but in no useful order with other decorated markers.
	Keys
	// Numbers cursors are decimal numbers (part-number markers,
	// offsets): the next A must be greater; "" is the start.
	Numbers
)

// Page is one fetched page: its entries, where the next page starts and
// whether there is one.
type Page[T any] struct {
	Items []T
	Next  Cursor
	More  bool
}

// Pager runs a paginated listing as an iterator, one page in memory at a
// time.
type Pager[T any] struct {
	// Dialect and Op name the listing in errors.
	Dialect, Op string
	// Start is the cursor of the first page.
	Start Cursor
	// Order is how cursors must move.
	Order Order
	// Fetch returns the page that starts at cur.
	Fetch func(ctx context.Context, cur Cursor) (Page[T], error)
	// Ident names an entry uniquely within the listing; nil skips the
	// same-page check.
	Ident func(T) string
	// Key returns an entry's key for the Keys order check, or "" for an
	// entry that does not count (a common prefix, which servers place
	// less uniformly). nil skips the check.
	Key func(T) string
}

// Seq returns the iterator. Each range over it starts again from Start;
// breaking out of the loop stops without further requests.
func (p Pager[T]) Seq(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seed := maphash.MakeSeed()
		var cursors, firsts seen
		cur := p.Start
		cursors.add(maphash.Comparable(seed, cur))
		empty := 0
		for {
			pg, err := p.Fetch(ctx, cur)
			if err != nil {
				yield(zero, err)
				return
			}
			if len(pg.Items) > 0 && p.Ident != nil {
				first := p.Ident(pg.Items[0])
				h := maphash.String(seed, first)
				if firsts.has(h) {
					yield(zero, p.stalled("the page at cursor %s starts with %s, which began an earlier page: the server sent the same page again", cur, short(first)))
					return
				}
				firsts.add(h)
			}
			for _, it := range pg.Items {
				if !yield(it, nil) {
					return
				}
			}
			if !pg.More {
				return
			}
			if len(pg.Items) == 0 {
				if empty++; empty >= MaxEmptyPages {
					yield(zero, p.stalled("%d truncated pages in a row had no entries (the last at cursor %s)", empty, cur))
					return
				}
			} else {
				empty = 0
			}
			next := pg.Next
			if next.A == "" {
				yield(zero, p.stalled("the page at cursor %s is marked truncated but names nothing to resume from", cur))
				return
			}
			if msg := p.check(pg.Items, cur, next); msg != "" {
				yield(zero, p.stalled("%s", msg))
				return
			}
			h := maphash.Comparable(seed, next)
			if cursors.has(h) {
				yield(zero, p.stalled("the page at cursor %s leads to cursor %s, which the listing has already followed", cur, next))
				return
			}
			cursors.add(h)
			cur = next
		}
	}
}

// check returns why next, named by the page at cur with items, does not
// advance, or "".
func (p Pager[T]) check(items []T, cur, next Cursor) string {
	switch p.Order {
	case Keys:
		if p.Key == nil {
			return ""
		}
		var last string
		for _, it := range items {
			if k := p.Key(it); k > last {
				last = k
			}
		}
		if next.A < last {
			return fmt.Sprintf("the marker went backwards: the page at cursor %s lists %s but names %s to resume from", cur, short(last), next)
		}
	case Numbers:
		n, err := strconv.ParseInt(next.A, 10, 64)
		if err != nil || n < 0 {
			return fmt.Sprintf("the next marker %s is not a number", next)
		}
		if cur.A == "" {
			return ""
		}
		c, err := strconv.ParseInt(cur.A, 10, 64)
		switch {
		case err != nil:
		case n < c:
			return fmt.Sprintf("the marker went backwards, from %s to %s", cur, next)
		case n == c:
			return fmt.Sprintf("the marker did not advance from %s", cur)
		}
	}
	return ""
}

func (p Pager[T]) stalled(format string, args ...any) error {
	return &client.OperationError{
		Dialect: p.Dialect,
		Op:      p.Op,
		Err:     fmt.Errorf("%w: %s", client.ErrListingStalled, fmt.Sprintf(format, args...)),
	}
}

// seen is a bounded set of hashes: the last Window added, exactly, and
// those added at positions 1, 2, 4, 8, ..., kept for good. The second
// part catches a cycle of any length: once a kept position lies inside
// the cycle, the cycle's next lap meets it.
type seen struct {
	ring []uint64 // the last Window hashes; grows to Window, then wraps
	at   int      // where the next hash goes once ring is full
	kept []uint64 // hashes at positions 2^k
	n    uint64   // hashes added
}

func (s *seen) has(h uint64) bool {
	for _, v := range s.ring {
		if v == h {
			return true
		}
	}
	for _, v := range s.kept {
		if v == h {
			return true
		}
	}
	return false
}

func (s *seen) add(h uint64) {
	s.n++
	if s.n&(s.n-1) == 0 {
		s.kept = append(s.kept, h)
	}
	if len(s.ring) < Window {
		s.ring = append(s.ring, h)
		return
	}
	s.ring[s.at] = h
	s.at = (s.at + 1) % Window
}
