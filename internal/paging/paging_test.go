package paging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

// script is a fake server: pages by the cursor they start at, and a count
// of fetches.
type script struct {
	pages   func(cur Cursor) (Page[string], error)
	fetches int
	seen    []Cursor
}

func (s *script) pager(start Cursor, order Order) Pager[string] {
	return Pager[string]{
		Dialect: "test", Op: "ListThings", Start: start, Order: order,
		Fetch: func(_ context.Context, cur Cursor) (Page[string], error) {
			s.fetches++
			s.seen = append(s.seen, cur)
			if s.fetches > 100_000 {
				return Page[string]{}, errors.New("runaway listing")
			}
			return s.pages(cur)
		},
		Ident: func(v string) string { return v },
	}
}

// run drains the pager and returns what it yielded and its error.
func run(p Pager[string]) ([]string, error) {
	var got []string
	for v, err := range p.Seq(context.Background()) {
		if err != nil {
			return got, err
		}
		got = append(got, v)
	}
	return got, nil
}

func checkStalled(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, client.ErrListingStalled) {
		t.Fatalf("error %v, want ErrListingStalled", err)
	}
	var oe *client.OperationError
	if !errors.As(err, &oe) || oe.Op != "ListThings" || oe.Dialect != "test" {
		t.Errorf("%v is not an OperationError naming the dialect and operation", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func noDuplicates(t *testing.T, got []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range got {
		if seen[v] {
			t.Fatalf("%q yielded twice in %q", v, got)
		}
		seen[v] = true
	}
}

func TestCycleOfTwoTokens(t *testing.T) {
	// "" → T1 → T2 → T1: the third page's cursor was followed before.
	s := &script{pages: func(cur Cursor) (Page[string], error) {
		next := map[string]string{"": "T1", "T1": "T2", "T2": "T1"}[cur.A]
		return Page[string]{Items: []string{"k" + cur.A}, Next: Cursor{A: next}, More: true}, nil
	}}
	got, err := run(s.pager(Cursor{}, Opaque))
	checkStalled(t, err, `leads to cursor "T1", which the listing has already followed`)
	if want := []string{"k", "kT1", "kT2"}; !slices.Equal(got, want) {
		t.Errorf("yielded %q, want %q", got, want)
	}
	if s.fetches != 3 {
		t.Errorf("%d fetches, want 3", s.fetches)
	}
}

func TestCycleLongerThanWindowStillEnds(t *testing.T) {
	// A cycle of Window+100 tokens after a lead-in of 10: the window has
	// forgotten the cycle's start when it comes round, but a cursor kept
	// at a power-of-two position inside the cycle is met on the next lap.
	const lead, length = 10, Window + 100
	s := &script{pages: func(cur Cursor) (Page[string], error) {
		n := 0
		if cur.A != "" {
			n, _ = strconv.Atoi(cur.A)
		}
		next := n + 1
		if next == lead+length {
			next = lead
		}
		return Page[string]{Items: []string{fmt.Sprintf("k%d", n)}, Next: Cursor{A: strconv.Itoa(next)}, More: true}, nil
	}}
	_, err := run(s.pager(Cursor{}, Opaque))
	checkStalled(t, err, "which the listing has already followed")
	// The first power of two at or past the cycle's start is 16, so the
	// listing ends when the cycle reaches it again.
	if most := 16 + length + 1; s.fetches > most {
		t.Errorf("%d fetches for a cycle of %d after %d pages; want at most %d", s.fetches, length, lead, most)
	}
	if s.fetches <= length {
		t.Errorf("%d fetches: the listing ended before the cycle closed", s.fetches)
	}
}

func TestEmptyTruncatedPagesEnd(t *testing.T) {
	s := &script{pages: func(cur Cursor) (Page[string], error) {
		return Page[string]{Next: Cursor{A: cur.A + "x"}, More: true}, nil
	}}
	got, err := run(s.pager(Cursor{}, Opaque))
	checkStalled(t, err, fmt.Sprintf("%d truncated pages in a row had no entries", MaxEmptyPages))
	if len(got) != 0 || s.fetches != MaxEmptyPages {
		t.Errorf("yielded %d entries after %d fetches, want 0 after %d", len(got), s.fetches, MaxEmptyPages)
	}
}

func TestEmptyRunsShorterThanTheLimitAreFollowed(t *testing.T) {
	// Runs of MaxEmptyPages-1 empty pages, each ended by one entry: a
	// conforming server skipping long stretches of filtered keys.
	const total = 3 * MaxEmptyPages
	s := &script{pages: func(cur Cursor) (Page[string], error) {
		n := 0
		if cur.A != "" {
			n, _ = strconv.Atoi(cur.A)
		}
		var items []string
		if n%MaxEmptyPages == MaxEmptyPages-1 {
			items = []string{"k" + cur.A}
		}
		return Page[string]{Items: items, Next: Cursor{A: strconv.Itoa(n + 1)}, More: n+1 < total}, nil
	}}
	got, err := run(s.pager(Cursor{}, Opaque))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || s.fetches != total {
		t.Errorf("yielded %q after %d fetches, want 3 entries after %d", got, s.fetches, total)
	}
}

func TestSamePageUnderFreshTokens(t *testing.T) {
	// A server that ignores the token but invents a new one each time.
	s := &script{pages: func(cur Cursor) (Page[string], error) {
		return Page[string]{Items: []string{"a", "b"}, Next: Cursor{A: cur.A + "t"}, More: true}, nil
	}}
	got, err := run(s.pager(Cursor{}, Opaque))
	checkStalled(t, err, `starts with "a", which began an earlier page`)
	if !slices.Equal(got, []string{"a", "b"}) || s.fetches != 2 {
		t.Errorf("yielded %q after %d fetches, want a, b after 2", got, s.fetches)
	}
}

func TestTruncatedWithoutCursor(t *testing.T) {
	s := &script{pages: func(Cursor) (Page[string], error) {
		return Page[string]{Items: []string{"a"}, Next: Cursor{B: "only-b"}, More: true}, nil
	}}
	got, err := run(s.pager(Cursor{}, Keys))
	checkStalled(t, err, "names nothing to resume from")
	if len(got) != 1 || s.fetches != 1 {
		t.Errorf("yielded %q after %d fetches", got, s.fetches)
	}
}

func TestKeyOrder(t *testing.T) {
	// Each page lists the keys given for its cursor and names the next
	// cursor; common prefixes (ending in "/") do not count for the order.
	type pg struct {
		items []string
		next  Cursor
	}
	cases := []struct {
		name      string
		start     Cursor
		pages     map[Cursor]pg
		want      string // "" for a listing that ends well
		fetches   int
		wantItems int
	}{
		{"backwards", Cursor{}, map[Cursor]pg{
			{}:       {[]string{"a", "m"}, Cursor{A: "m"}},
			{A: "m"}: {[]string{"n", "p"}, Cursor{A: "c"}},
		}, `the marker went backwards: the page at cursor "m" lists "p" but names "c" to resume from`, 2, 4},
		{"standing still with fresh entries", Cursor{A: "s"}, map[Cursor]pg{
			{A: "s"}: {[]string{"t"}, Cursor{A: "s"}},
		}, `lists "t" but names "s" to resume from`, 1, 1},
		{"repeated pair", Cursor{}, map[Cursor]pg{
			{}:                {[]string{"j", "k"}, Cursor{A: "k", B: "v1"}},
			{A: "k", B: "v1"}: {nil, Cursor{A: "k", B: "v1"}},
		}, `leads to cursor "k"/"v1", which the listing has already followed`, 2, 2},
		{"pair moving within a key", Cursor{}, map[Cursor]pg{
			{}:                {[]string{"k"}, Cursor{A: "k", B: "v2"}},
			{A: "k", B: "v2"}: {[]string{"k"}, Cursor{A: "k", B: "v1"}},
			{A: "k", B: "v1"}: {[]string{"k"}, Cursor{}},
		}, "", 3, 3},
		{"pair cycling within a key", Cursor{}, map[Cursor]pg{
			{}:                {[]string{"k"}, Cursor{A: "k", B: "v2"}},
			{A: "k", B: "v2"}: {[]string{"k"}, Cursor{A: "k", B: "v1"}},
			{A: "k", B: "v1"}: {[]string{"k"}, Cursor{A: "k", B: "v2"}},
		}, `leads to cursor "k"/"v2", which the listing has already followed`, 3, 3},
		{"decorated markers", Cursor{}, map[Cursor]pg{
			// MinIO's markers: a key, then state of its own.
			{}: {[]string{"doc"}, Cursor{A: "doc[minio_cache:v2,return:]", B: "3"}},
			{A: "doc[minio_cache:v2,return:]", B: "3"}:       {[]string{"doc"}, Cursor{A: "doc[minio_cache:v2,id:7d,p:0,s:0]", B: "2"}},
			{A: "doc[minio_cache:v2,id:7d,p:0,s:0]", B: "2"}: {[]string{"doc", "e"}, Cursor{}},
		}, "", 3, 4},
		{"a prefix past the marker", Cursor{}, map[Cursor]pg{
			{}:       {[]string{"a", "z/"}, Cursor{A: "b"}},
			{A: "b"}: {[]string{"c"}, Cursor{}},
		}, "", 2, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{pages: func(cur Cursor) (Page[string], error) {
				p := tc.pages[cur]
				return Page[string]{Items: p.items, Next: p.next, More: p.next != Cursor{}}, nil
			}}
			pager := s.pager(tc.start, Keys)
			// Entries are unique per page here, not across pages (a key's
			// versions).
			pager.Ident = nil
			pager.Key = func(k string) string {
				if strings.HasSuffix(k, "/") {
					return ""
				}
				return k
			}
			got, err := run(pager)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				checkStalled(t, err, tc.want)
			}
			if s.fetches != tc.fetches || len(got) != tc.wantItems {
				t.Errorf("%d fetches, %d entries; want %d, %d", s.fetches, len(got), tc.fetches, tc.wantItems)
			}
		})
	}
}

func TestNumberOrder(t *testing.T) {
	cases := []struct {
		name string
		next map[string]string
		want string
	}{
		{"numeric, not lexical", map[string]string{"": "9", "9": "10", "10": ""}, ""},
		{"repeated", map[string]string{"": "2", "2": "2"}, `the marker did not advance from "2"`},
		{"backwards", map[string]string{"": "5", "5": "3"}, `the marker went backwards, from "5" to "3"`},
		{"not a number", map[string]string{"": "five"}, `the next marker "five" is not a number`},
		{"negative", map[string]string{"": "-1"}, `the next marker "-1" is not a number`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{pages: func(cur Cursor) (Page[string], error) {
				next := tc.next[cur.A]
				return Page[string]{Items: []string{"p" + cur.A}, Next: Cursor{A: next}, More: next != ""}, nil
			}}
			got, err := run(s.pager(Cursor{}, Numbers))
			if tc.want == "" {
				if err != nil || len(got) != 3 {
					t.Fatalf("%q, %v", got, err)
				}
				return
			}
			checkStalled(t, err, tc.want)
			noDuplicates(t, got)
		})
	}
}

func TestErrorAndBreak(t *testing.T) {
	boom := errors.New("boom")
	s := &script{pages: func(cur Cursor) (Page[string], error) {
		if cur.A == "t2" {
			return Page[string]{}, boom
		}
		return Page[string]{Items: []string{"a" + cur.A, "b" + cur.A}, Next: Cursor{A: cur.A + "t2"}, More: true}, nil
	}}
	got, err := run(s.pager(Cursor{}, Opaque))
	if !errors.Is(err, boom) || len(got) != 2 {
		t.Errorf("yielded %q, error %v; want 2 entries and the fetch error", got, err)
	}

	s.fetches = 0
	for range s.pager(Cursor{}, Opaque).Seq(context.Background()) {
		break
	}
	if s.fetches != 1 {
		t.Errorf("%d fetches after breaking at the first entry, want 1", s.fetches)
	}
}

func TestSeenIsBounded(t *testing.T) {
	var s seen
	const n = 3 * Window
	for i := uint64(1); i <= n; i++ {
		s.add(i)
	}
	if len(s.ring) != Window || cap(s.ring) > 2*Window {
		t.Errorf("ring holds %d (cap %d), want %d", len(s.ring), cap(s.ring), Window)
	}
	for i := uint64(1); i <= n; i++ {
		recent := i > n-Window
		power := i&(i-1) == 0
		if got := s.has(i); got != (recent || power) {
			t.Errorf("has(%d) = %v, want %v (recent %v, power of two %v)", i, got, recent || power, recent, power)
		}
	}
	if len(s.kept) != 14 { // 1, 2, 4, ..., 8192 ≤ 3×4096
		t.Errorf("kept %d hashes, want 14", len(s.kept))
	}
}
