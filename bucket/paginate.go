package bucket

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/polystore/polystore/client"
)

// ErrListingStalled is returned, wrapped in a *client.OperationError, by
// an iterator whose server answered a truncated page without a way
// forward: with the continuation token or marker it had just been sent,
// with none at all, or with the same page again. Following such an answer
// would loop forever, so the iterator stops. Some S3-compatible servers do
// this when they ignore a pagination parameter.
var ErrListingStalled = errors.New("polystore: the listing did not advance")

// cursor is where a listing resumes: a token or marker (a) and, for
// listings paged by two markers, the second one (b).
type cursor struct{ a, b string }

// String renders the cursor for error messages.
func (c cursor) String() string {
	if c.b == "" {
		return fmt.Sprintf("%q", c.a)
	}
	return fmt.Sprintf("%q/%q", c.a, c.b)
}

// page is one fetched page: its entries, where the next page starts and
// whether there is one.
type page[T any] struct {
	items []T
	next  cursor
	more  bool
}

// pager runs a paginated listing as an iterator. It holds one page at a
// time, so memory does not grow with the number of entries.
type pager[T any] struct {
	c     *client.Client
	op    string
	start cursor
	// fetch returns the page that starts at cur.
	fetch func(ctx context.Context, cur cursor) (page[T], error)
	// ident names an entry; a page whose first entry is the previous
	// page's first entry means the server ignored the cursor.
	ident func(T) string
}

// seq returns the iterator. Each range over it starts again from the
// beginning; breaking out of the loop stops without further requests.
func (p pager[T]) seq(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		cur := p.start
		prevFirst, havePrev := "", false
		for {
			pg, err := p.fetch(ctx, cur)
			if err != nil {
				yield(zero, err)
				return
			}
			if len(pg.items) > 0 && p.ident != nil {
				first := p.ident(pg.items[0])
				if havePrev && first == prevFirst {
					yield(zero, p.stalled("the server sent the same page again after cursor %s", cur))
					return
				}
				prevFirst, havePrev = first, true
			}
			for _, it := range pg.items {
				if !yield(it, nil) {
					return
				}
			}
			if !pg.more {
				return
			}
			switch {
			case pg.next == (cursor{}):
				yield(zero, p.stalled("the server marked the page truncated but sent nothing to resume from"))
				return
			case pg.next == cur:
				yield(zero, p.stalled("the server sent back the cursor %s it was given", cur))
				return
			}
			cur = pg.next
		}
	}
}

func (p pager[T]) stalled(format string, args ...any) error {
	return &client.OperationError{
		Dialect: p.c.Dialect().Name,
		Op:      p.op,
		Err:     fmt.Errorf("%w: %s", ErrListingStalled, fmt.Sprintf(format, args...)),
	}
}

// mergeNames interleaves a page's objects and common prefixes in name
// order. Both lists come sorted from the server; the merge keeps their
// own order if they do not.
func mergeNames[T any](objs []T, prefixes []string, key func(*T) string, prefix func(string) T) []T {
	if len(prefixes) == 0 {
		return objs
	}
	out := make([]T, 0, len(objs)+len(prefixes))
	i, j := 0, 0
	for i < len(objs) || j < len(prefixes) {
		if j == len(prefixes) || (i < len(objs) && key(&objs[i]) < prefixes[j]) {
			out = append(out, objs[i])
			i++
			continue
		}
		out = append(out, prefix(prefixes[j]))
		j++
	}
	return out
}

// lastName returns the greater of the last key and the last common prefix
// of a page: where a marker-paginated listing resumes when the server does
// not say.
func lastName(lastKey string, prefixes []string) string {
	if n := len(prefixes); n > 0 && prefixes[n-1] > lastKey {
		return prefixes[n-1]
	}
	return lastKey
}
