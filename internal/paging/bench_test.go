package paging

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkPager measures the pager's own cost per page (hashing and
// remembering cursors and first entries), with a fetch that allocates
// nothing per page.
func BenchmarkPager(b *testing.B) {
	const pages = 100
	items := []string{"a"}
	tokens := make([]string, pages+1)
	for i := range tokens {
		tokens[i] = "T" + strconv.Itoa(i)
	}
	idents := make([]string, pages)
	for i := range idents {
		idents[i] = "key-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		p := Pager[string]{
			Dialect: "test", Op: "List",
			Fetch: func(_ context.Context, cur Cursor) (Page[string], error) {
				n++
				items[0] = idents[n-1]
				return Page[string]{Items: items, Next: Cursor{A: tokens[n]}, More: n < pages}, nil
			},
			Ident: func(s string) string { return s },
		}
		for _, err := range p.Seq(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
