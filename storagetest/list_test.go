package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
)

func sortStrings(s []string) { slices.Sort(s) }

// listing is one page of a listing, decoded from either codec.
type listing struct {
	keys, prefixes []string
	truncated      bool
	next           string // NextMarker, NextContinuationToken or next_marker
	maxKeys        int
	keyCount       int
	encodingType   string
	sizes          []int64
	etags          []string
}

type xmlListing struct {
	MaxKeys               int
	KeyCount              int
	IsTruncated           bool
	NextMarker            string
	NextContinuationToken string
	EncodingType          string
	Contents              []struct {
		Key          string
		ETag         string
		Size         int64
		LastModified string
		StorageClass string
	}
	CommonPrefixes []struct{ Prefix string }
}

type jsonListing struct {
	Keys []struct {
		Key          string `json:"key"`
		Size         int64  `json:"size"`
		Etag         string `json:"etag"`
		Modified     int64  `json:"modified"`
		MimeType     string `json:"mime_type"`
		StorageClass string `json:"storage_class"`
	} `json:"keys"`
	CommonPrefixes []string `json:"common_prefixes"`
	NextMarker     string   `json:"next_marker"`
	HasMore        bool     `json:"has_more"`
	Limit          int      `json:"limit"`
}

// listPageOf fetches one page with the given query.
func listPageOf(t *testing.T, srv *Server, bucket string, q url.Values) listing {
	t.Helper()
	r := send(t, srv, req{method: http.MethodGet, bucket: bucket, query: q, signer: goodSigner(srv)})
	mustStatus(t, r, http.StatusOK)
	var l listing
	if srv.Dialect().Codec == client.JSON {
		var j jsonListing
		if err := json.Unmarshal(r.body, &j); err != nil {
			t.Fatalf("listing %s: %v", r.body, err)
		}
		if j.Keys == nil || j.CommonPrefixes == nil {
			t.Fatalf("QingStor listing has null arrays: %s", r.body)
		}
		for _, k := range j.Keys {
			l.keys = append(l.keys, k.Key)
			l.sizes = append(l.sizes, k.Size)
			l.etags = append(l.etags, k.Etag)
			if k.Modified == 0 || k.MimeType == "" || k.StorageClass == "" {
				t.Fatalf("QingStor key fields missing: %s", r.body)
			}
		}
		l.prefixes = j.CommonPrefixes
		l.truncated, l.next, l.maxKeys = j.HasMore, j.NextMarker, j.Limit
		return l
	}
	var x xmlListing
	if err := xml.Unmarshal(r.body, &x); err != nil {
		t.Fatalf("listing %s: %v", r.body, err)
	}
	for _, c := range x.Contents {
		l.keys = append(l.keys, c.Key)
		l.sizes = append(l.sizes, c.Size)
		l.etags = append(l.etags, c.ETag)
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", c.LastModified); err != nil || c.StorageClass == "" {
			t.Fatalf("Contents fields: %s", r.body)
		}
	}
	for _, p := range x.CommonPrefixes {
		l.prefixes = append(l.prefixes, p.Prefix)
	}
	l.truncated, l.maxKeys, l.keyCount, l.encodingType = x.IsTruncated, x.MaxKeys, x.KeyCount, x.EncodingType
	l.next = x.NextMarker
	if q.Get("list-type") == "2" {
		l.next = x.NextContinuationToken
	}
	return l
}

// pageParam is the page-size parameter of the server's dialect.
func pageParam(srv *Server) string {
	if srv.Dialect().Codec == client.JSON {
		return "limit"
	}
	return "max-keys"
}

// listAll pages through a v1 (or QingStor) listing, returning keys and
// common prefixes in order.
func listAll(t *testing.T, srv *Server, bucket string, q url.Values, pageSize int) []string {
	t.Helper()
	var all []string
	marker := ""
	for page := 0; ; page++ {
		pq := cloneValues(q)
		pq.Set(pageParam(srv), strconv.Itoa(pageSize))
		if marker != "" {
			pq.Set("marker", marker)
		}
		l := listPageOf(t, srv, bucket, pq)
		all = append(all, mergeEntries(l)...)
		if !l.truncated {
			return all
		}
		if l.next == "" {
			t.Fatalf("page %d is truncated without a next marker", page)
		}
		marker = l.next
		if page > 1_000_000 {
			t.Fatal("listing does not end")
		}
	}
}

// mergeEntries interleaves keys and prefixes in byte order, as S3 lists
// them.
func mergeEntries(l listing) []string {
	out := append(append([]string(nil), l.keys...), l.prefixes...)
	slices.Sort(out)
	return out
}

func TestListPagination(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		createBucket(t, srv, dc.bucket)
		keys := []string{"a/1", "a/2", "a/3", "b", "c/1", "c/2/x", "d", "e/f/g"}
		for i, k := range keys {
			putObject(t, srv, dc.bucket, k, []byte(strings.Repeat("x", i)))
		}

		// Plain listing, three at a time.
		if got := listAll(t, srv, dc.bucket, url.Values{}, 3); !slices.Equal(got, keys) {
			t.Errorf("paged listing = %q, want %q", got, keys)
		}
		l := listPageOf(t, srv, dc.bucket, url.Values{pageParam(srv): {"3"}})
		if !l.truncated || len(l.keys) != 3 || l.maxKeys != 3 || l.sizes[2] != 2 || l.etags[0] != `"`+md5hex(nil)+`"` {
			t.Errorf("first page: %+v", l)
		}

		// Delimiter: groups count once each and never repeat across pages.
		q := url.Values{"delimiter": {"/"}}
		want := []string{"a/", "b", "c/", "d", "e/"}
		for _, size := range []int{1, 2, 3, 1000} {
			if got := listAll(t, srv, dc.bucket, q, size); !slices.Equal(got, want) {
				t.Errorf("delimiter listing, page size %d = %q, want %q", size, got, want)
			}
		}
		first := listPageOf(t, srv, dc.bucket, url.Values{"delimiter": {"/"}, pageParam(srv): {"2"}})
		if !slices.Equal(first.prefixes, []string{"a/"}) || !slices.Equal(first.keys, []string{"b"}) || !first.truncated {
			t.Errorf("first delimiter page: %+v", first)
		}

		// Prefix and delimiter.
		if got := listAll(t, srv, dc.bucket, url.Values{"prefix": {"c/"}, "delimiter": {"/"}}, 1); !slices.Equal(got, []string{"c/1", "c/2/"}) {
			t.Errorf("prefix c/ listing = %q", got)
		}
		if got := listAll(t, srv, dc.bucket, url.Values{"prefix": {"c/"}}, 1); !slices.Equal(got, []string{"c/1", "c/2/x"}) {
			t.Errorf("prefix c/ listing = %q", got)
		}
		// A marker in the middle of the key space.
		l = listPageOf(t, srv, dc.bucket, url.Values{"marker": {"b"}, pageParam(srv): {"2"}})
		if !slices.Equal(l.keys, []string{"c/1", "c/2/x"}) {
			t.Errorf("after marker b: %q", l.keys)
		}
	})
}

func TestListObjectsV2(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv := start(t, d)
			createBucket(t, srv, "v2-bucket")
			keys := []string{"a", "b/1", "b/2", "c", "d"}
			for _, k := range keys {
				putObject(t, srv, "v2-bucket", k, []byte(k))
			}
			var got []string
			token := ""
			for pages := 0; ; pages++ {
				q := url.Values{"list-type": {"2"}, "max-keys": {"2"}, "delimiter": {"/"}}
				if token != "" {
					q.Set("continuation-token", token)
				}
				l := listPageOf(t, srv, "v2-bucket", q)
				if l.keyCount != len(l.keys)+len(l.prefixes) {
					t.Errorf("KeyCount %d for %d entries", l.keyCount, len(l.keys)+len(l.prefixes))
				}
				got = append(got, mergeEntries(l)...)
				if !l.truncated {
					break
				}
				token = l.next
				if pages > 10 {
					t.Fatal("listing does not end")
				}
			}
			if want := []string{"a", "b/", "c", "d"}; !slices.Equal(got, want) {
				t.Errorf("v2 listing = %q, want %q", got, want)
			}
			l := listPageOf(t, srv, "v2-bucket", url.Values{"list-type": {"2"}, "start-after": {"b/1"}})
			if !slices.Equal(l.keys, []string{"b/2", "c", "d"}) {
				t.Errorf("start-after b/1: %q", l.keys)
			}
			r := send(t, srv, req{method: http.MethodGet, bucket: "v2-bucket", query: url.Values{"list-type": {"2"}, "continuation-token": {"!!"}}, signer: goodSigner(srv)})
			wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")
		})
	}
}

func TestListEncodingTypeURL(t *testing.T) {
	srv := start(t, client.S3)
	createBucket(t, srv, "enc")
	putObject(t, srv, "enc", "a b/c+d", []byte("x"))
	l := listPageOf(t, srv, "enc", url.Values{"encoding-type": {"url"}})
	if l.encodingType != "url" || !slices.Equal(l.keys, []string{"a+b/c%2Bd"}) {
		t.Fatalf("encoded listing: %+v", l)
	}
	if k, err := url.QueryUnescape(l.keys[0]); err != nil || k != "a b/c+d" {
		t.Fatalf("decoded key %q, %v", k, err)
	}
	l = listPageOf(t, srv, "enc", url.Values{"encoding-type": {"url"}, "delimiter": {"/"}})
	if !slices.Equal(l.prefixes, []string{"a+b/"}) {
		t.Fatalf("encoded prefixes: %q", l.prefixes)
	}
	r := send(t, srv, req{method: http.MethodGet, bucket: "enc", query: url.Values{"encoding-type": {"base64"}}, signer: goodSigner(srv)})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")
}

func TestListPageSizes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		createBucket(t, srv, dc.bucket)
		fillBucket(t, srv, dc.bucket, 1500, false)
		l := listPageOf(t, srv, dc.bucket, url.Values{})
		def, most := 1000, 1000
		if dc.d.Codec == client.JSON {
			def = 200
		}
		if len(l.keys) != def || l.maxKeys != def || !l.truncated {
			t.Errorf("default page: %d keys, max %d, truncated %v", len(l.keys), l.maxKeys, l.truncated)
		}
		l = listPageOf(t, srv, dc.bucket, url.Values{pageParam(srv): {"5000"}})
		if len(l.keys) != most {
			t.Errorf("page size 5000 gave %d keys, want %d", len(l.keys), most)
		}
		r := send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, query: url.Values{pageParam(srv): {"many"}}, signer: goodSigner(srv)})
		wantError(t, srv.Dialect(), r, http.StatusBadRequest, pick(srv.Dialect(), "InvalidArgument", "", "invalid_argument"))
	})
}

// fillBucket stores n objects named key-%07d directly in the store, in
// random order when shuffle is set.
func fillBucket(t *testing.T, srv *Server, bucket string, n int, shuffle bool) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("dir%02d/key-%07d", i%50, i)
	}
	order := slices.Clone(keys)
	if shuffle {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	now := time.Now()
	for _, k := range order {
		o := &object{key: k, md5: md5hex(nil), contentType: "binary/octet-stream", storageClass: "STANDARD", modified: now}
		if err := srv.store.putObject(bucket, o); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(keys)
	return keys
}

func TestListScale(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 keys")
	}
	srv := start(t, client.S3)
	createBucket(t, srv, "big")
	keys := fillBucket(t, srv, "big", 100_000, true)
	got := listAll(t, srv, "big", url.Values{}, 1000)
	if !slices.Equal(got, keys) {
		t.Fatalf("listed %d keys, want %d in order", len(got), len(keys))
	}
	// Delimiter over 100,000 keys: 50 groups, found by seeking past each.
	got = listAll(t, srv, "big", url.Values{"delimiter": {"/"}}, 7)
	if len(got) != 50 || got[0] != "dir00/" || got[49] != "dir49/" {
		t.Fatalf("delimiter listing: %d entries %q...", len(got), got[:min(3, len(got))])
	}
	got = listAll(t, srv, "big", url.Values{"prefix": {"dir07/"}}, 1000)
	if len(got) != 2000 {
		t.Fatalf("prefix listing: %d keys, want 2000", len(got))
	}
}
