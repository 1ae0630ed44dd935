// Package pagingtest runs hostile-server scenarios against polystore's
// listing iterators, on every dialect whose wire has the listing: tokens
// that cycle, truncated empty pages with fresh tokens forever, a marker
// repeated or going backwards, the same page again. The bucket and
// multipart tests describe each listing's wire (a Wire) and call Run.
//
// Servers are httptest servers on 127.0.0.1; nothing sleeps or times
// anything.
package pagingtest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
)

// Page is what a hostile server answers for one request.
type Page struct {
	// Items are the entries' names (keys, bucket names, part numbers).
	Items []string
	// Next is the cursor the page names (token, marker, part-number
	// marker); wires whose client derives the next cursor ignore it.
	Next string
	// More marks the page truncated.
	More bool
}

// Wire describes one listing on one dialect.
type Wire struct {
	// Name names the listing ("ListObjectsV2", ...).
	Name string
	// Dialect is the dialect the client speaks.
	Dialect client.Dialect
	// Order is how the listing's cursors move.
	Order paging.Order
	// Derived says the client, not the server, computes the next cursor
	// (QingStor's part listing and bucket offsets): scenarios that need
	// the server to name a cursor are skipped.
	Derived bool
	// Item names entry i (from 1): a key, a bucket name or a part number.
	Item func(i int) string
	// Cursor reads the request's cursor ("" on the first request).
	Cursor func(q url.Values) string
	// Render writes a page in the dialect's wire format.
	Render func(p Page) string
	// List runs the iterator, rendering each entry as the Item that made
	// it.
	List func(ctx context.Context, c *client.Client) iter.Seq2[string, error]
}

// cursor returns the cursor of page n (0 is the first page): an opaque
// token, or the last item of the page before for key and number
// cursors, which is what a client that derives cursors computes (a
// number cursor on a derived wire is an offset: 2 entries a page).
func (w *Wire) cursor(n int) string {
	if n == 0 {
		return ""
	}
	switch {
	case w.Order == paging.Opaque:
		return "T" + strconv.Itoa(n)
	case w.Order == paging.Numbers && w.Derived && !isNumber(w.Item(1)):
		return strconv.Itoa(2 * n) // an offset
	}
	return w.Item(2 * n)
}

func isNumber(s string) bool { _, err := strconv.Atoi(s); return err == nil }

// full returns page n's two entries.
func (w *Wire) full(n int) []string { return []string{w.Item(2*n + 1), w.Item(2*n + 2)} }

// scenario is one hostile server: the page for the request with cursor
// cur, the request's number (1 for the first) and the pages by cursor.
type scenario struct {
	name string
	// skip says the wire cannot express the scenario.
	skip func(w *Wire) bool
	// page answers the k-th request.
	page func(w *Wire, cur string, k int) Page
	// want is a phrase the stall error must contain ("" = the listing
	// ends without error).
	want func(w *Wire) string
	// requests and items are the exact counts expected.
	requests, items func(w *Wire) int
}

func explicitOnly(w *Wire) bool { return w.Derived }
func never(*Wire) bool          { return false }
func count(n int) func(*Wire) int {
	return func(*Wire) int { return n }
}
func phrase(s string) func(*Wire) string { return func(*Wire) string { return s } }

// index returns the page number whose cursor is cur, or -1.
func (w *Wire) index(cur string) int {
	for n := 0; n < 1000; n++ {
		if w.cursor(n) == cur {
			return n
		}
	}
	return -1
}

var scenarios = []scenario{{
	// The harness works: three pages, the last one short.
	name: "well behaved", skip: never,
	page: func(w *Wire, cur string, _ int) Page {
		switch n := w.index(cur); n {
		case 0, 1:
			return Page{Items: w.full(n), Next: w.cursor(n + 1), More: true}
		case 2:
			return Page{Items: w.full(n)[:1]}
		}
		return Page{}
	},
	want: phrase(""), requests: count(3), items: count(5),
}, {
	// T1 → T2 → T1. A server naming cursors sends fresh entries on the
	// third page and page 1's cursor again; one whose client derives
	// cursors sends page 0 again (its only way back).
	name: "cycling cursors", skip: never,
	page: func(w *Wire, cur string, _ int) Page {
		switch n := w.index(cur); {
		case n < 2:
			return Page{Items: w.full(n), Next: w.cursor(n + 1), More: true}
		case w.Derived:
			return Page{Items: w.full(0), More: true}
		default:
			return Page{Items: w.full(n), Next: w.cursor(1), More: true}
		}
	},
	want: func(w *Wire) string {
		switch {
		case w.Derived:
			return "began an earlier page"
		case w.Order == paging.Opaque:
			return "which the listing has already followed"
		}
		return "went backwards"
	},
	requests: count(3),
	items: func(w *Wire) int {
		if w.Derived {
			return 4
		}
		return 6
	},
}, {
	// Truncated empty pages with a fresh cursor each time, forever.
	name: "empty pages forever", skip: explicitOnly,
	page: func(w *Wire, _ string, k int) Page {
		return Page{Next: w.cursor(k), More: true}
	},
	want:     phrase(fmt.Sprintf("%d truncated pages in a row had no entries", paging.MaxEmptyPages)),
	requests: count(paging.MaxEmptyPages), items: count(0),
}, {
	// The second page names the cursor it was fetched with.
	name: "repeated marker", skip: explicitOnly,
	page: func(w *Wire, cur string, _ int) Page {
		n := w.index(cur)
		return Page{Items: w.full(n), Next: w.cursor(max(n, 1)), More: true}
	},
	want: func(w *Wire) string {
		switch w.Order {
		case paging.Opaque:
			return "which the listing has already followed"
		case paging.Keys:
			return "went backwards" // the marker is before the page's keys
		}
		return "the marker did not advance"
	},
	requests: count(2), items: count(4),
}, {
	// The second page's marker is before its own.
	name: "marker going backwards",
	skip: func(w *Wire) bool { return w.Derived || w.Order == paging.Opaque },
	page: func(w *Wire, cur string, _ int) Page {
		if n := w.index(cur); n == 0 {
			return Page{Items: w.full(0), Next: w.cursor(2), More: true}
		}
		return Page{Items: w.full(2), Next: w.cursor(1), More: true}
	},
	want: phrase("went backwards"), requests: count(2), items: count(4),
}, {
	// A server that ignores the cursor and sends page 0 again, cursor and
	// all.
	name: "same page again", skip: never,
	page: func(w *Wire, _ string, _ int) Page {
		return Page{Items: w.full(0), Next: w.cursor(1), More: true}
	},
	want: phrase("began an earlier page"), requests: count(2), items: count(2),
}, {
	// Page 0's entries again under a fresh cursor each time.
	name: "same page under fresh cursors", skip: explicitOnly,
	page: func(w *Wire, _ string, k int) Page {
		return Page{Items: w.full(0), Next: w.cursor(k), More: true}
	},
	want: phrase("began an earlier page"), requests: count(2), items: count(2),
}}

// Run runs every scenario the wire can express against a fresh server.
func Run(t *testing.T, wires ...Wire) {
	for _, w := range wires {
		t.Run(w.Name+"/"+w.Dialect.Name, func(t *testing.T) {
			for _, sc := range scenarios {
				if sc.skip(&w) {
					continue
				}
				t.Run(sc.name, func(t *testing.T) { runScenario(t, &w, &sc) })
			}
		})
	}
}

func runScenario(t *testing.T, w *Wire, sc *scenario) {
	var (
		mu       sync.Mutex
		requests int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		k := requests
		mu.Unlock()
		// A runaway listing fails the test rather than the machine.
		if k > 10*paging.MaxEmptyPages {
			http.Error(rw, "too many requests", http.StatusTeapot)
			return
		}
		p := sc.page(w, w.Cursor(r.URL.Query()), k)
		if w.Dialect.Codec == client.JSON {
			rw.Header().Set("Content-Type", "application/json")
		} else {
			rw.Header().Set("Content-Type", "application/xml")
		}
		fmt.Fprint(rw, w.Render(p))
	}))
	defer srv.Close()
	c, err := client.New(w.Dialect, client.WithEndpoint(srv.URL), client.WithRegion(Region(w.Dialect)),
		client.WithStaticCredentials("AKID", "SECRET", ""), client.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}

	var got []string
	var listErr error
	for v, err := range w.List(context.Background(), c) {
		if err != nil {
			listErr = err
			break
		}
		got = append(got, v)
	}

	seen := map[string]bool{}
	for _, v := range got {
		if seen[v] {
			t.Errorf("%q was yielded twice: %q", v, got)
		}
		seen[v] = true
	}
	want := sc.want(w)
	switch {
	case want == "" && listErr != nil:
		t.Errorf("listing failed: %v", listErr)
	case want != "":
		if !errors.Is(listErr, client.ErrListingStalled) {
			t.Fatalf("error %v, want one matching client.ErrListingStalled", listErr)
		}
		var oe *client.OperationError
		if !errors.As(listErr, &oe) || oe.Dialect != w.Dialect.Name || oe.Op == "" {
			t.Errorf("%v is not a *client.OperationError naming the dialect and operation", listErr)
		}
		if !strings.Contains(listErr.Error(), want) {
			t.Errorf("error %q does not say %q", listErr, want)
		}
	}
	mu.Lock()
	n := requests
	mu.Unlock()
	if n != sc.requests(w) {
		t.Errorf("%d requests, want %d", n, sc.requests(w))
	}
	if len(got) != sc.items(w) {
		t.Errorf("yielded %d entries %q, want %d", len(got), got, sc.items(w))
	}
}

// Region returns a region the dialect accepts.
func Region(d client.Dialect) string {
	if d.DefaultRegion != "" {
		return d.DefaultRegion
	}
	return "ap-beijing"
}

// Bucket returns a bucket name the dialect accepts.
func Bucket(d client.Dialect) string {
	if d.ValidateBucket != nil && d.ValidateBucket("photos-2024") != nil {
		return "photos-1250000000"
	}
	return "photos-2024"
}
