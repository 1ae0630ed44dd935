package faultsuite

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/polystore/polystore/client"
)

// hostile is an HTTP server on 127.0.0.1 in front of a handler (a run's
// storagetest server): it counts requests, trips the run's breaker once
// they pass the bound, and hands the fault's target request to act.
type hostile struct {
	srv     *httptest.Server
	next    http.Handler
	r       *run
	n, hits atomic.Int64
	target  func(*http.Request) bool
	act     func(h *hostile, w http.ResponseWriter, r *http.Request)
	closing chan struct{}
}

func newHostile(r *run, next http.Handler, target func(*http.Request) bool, act func(*hostile, http.ResponseWriter, *http.Request)) *hostile {
	h := &hostile{next: next, r: r, target: target, act: act, closing: make(chan struct{})}
	h.srv = httptest.NewServer(h)
	return h
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if n := h.n.Add(1); n > int64(h.r.bound) {
		h.r.trip()
		http.Error(w, "request bound exceeded", http.StatusServiceUnavailable)
		return
	}
	if h.act != nil && h.target != nil && h.target(req) {
		h.hits.Add(1)
		h.act(h, w, req)
		return
	}
	h.next.ServeHTTP(w, req)
}

func (h *hostile) requests() int { return int(h.n.Load()) }

// applied counts the requests the fault acted on.
func (h *hostile) applied() int { return int(h.hits.Load()) }

func (h *hostile) close() {
	close(h.closing)
	h.srv.CloseClientConnections()
	h.srv.Close()
}

// record runs the request through the real server and keeps its answer.
func (h *hostile) record(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.next.ServeHTTP(rec, r)
	return rec
}

// replay writes a recorded answer with another status and body.
func replay(w http.ResponseWriter, rec *httptest.ResponseRecorder, status int, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// content returns what the object a request reads holds (the run's
// source objects), or nil.
func (h *hostile) content(r *http.Request) []byte {
	switch {
	case strings.HasSuffix(r.URL.Path, "/"+bigKey):
		return h.r.b.big
	case strings.HasSuffix(r.URL.Path, "/"+smallKey):
		return h.r.b.small
	}
	return nil
}

// byteRange parses "bytes=a-b".
func byteRange(v string) (int64, int64, bool) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	return first, last, ok && ok2 && err1 == nil && err2 == nil
}

// rangeIgnored answers a ranged GET with 200 and the whole object.
func rangeIgnored(h *hostile, w http.ResponseWriter, r *http.Request) {
	rec := h.record(r)
	whole := h.content(r)
	if rec.Code != http.StatusPartialContent || whole == nil {
		replay(w, rec, rec.Code, rec.Body.Bytes())
		return
	}
	rec.Header().Del("Content-Range")
	replay(w, rec, http.StatusOK, whole)
}

// rangeShifted answers a ranged GET with the range 7 bytes further on,
// and a Content-Range that says so.
func rangeShifted(h *hostile, w http.ResponseWriter, r *http.Request) {
	rec := h.record(r)
	whole := h.content(r)
	first, last, ok := byteRange(r.Header.Get("Range"))
	if rec.Code != http.StatusPartialContent || whole == nil || !ok {
		replay(w, rec, rec.Code, rec.Body.Bytes())
		return
	}
	size := int64(len(whole))
	first, last = min(first+7, size-1), min(last+7, size-1)
	rec.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, size))
	replay(w, rec, http.StatusPartialContent, whole[first:last+1])
}

// completeWith swallows a CompleteMultipartUpload (the upload is not
// completed) and answers 200 with body.
func completeWith(body string) func(*hostile, http.ResponseWriter, *http.Request) {
	return func(_ *hostile, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body)
	}
}

// partWithoutETag stores a part and answers without its ETag.
func partWithoutETag(h *hostile, w http.ResponseWriter, r *http.Request) {
	rec := h.record(r)
	rec.Header().Del("ETag")
	replay(w, rec, rec.Code, rec.Body.Bytes())
}

// stopMidBody sends the answer's header and half its body, then nothing
// until the client goes away or the run ends.
func stopMidBody(h *hostile, w http.ResponseWriter, r *http.Request) {
	rec := h.record(r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
	select {
	case <-r.Context().Done():
	case <-h.closing:
	}
}

// slowDown answers 503 with a Retry-After header of value, and an error
// document in the dialect's codec.
func slowDown(value string) func(*hostile, http.ResponseWriter, *http.Request) {
	return func(h *hostile, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>faultsuite</RequestId></Error>`
		w.Header().Set("Content-Type", "application/xml")
		if h.r.b.dialect.Codec == client.JSON {
			body = `{"code":"service_unavailable","message":"Please reduce your request rate.","request_id":"faultsuite"}`
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Retry-After", value)
		if r.Method == http.MethodHead {
			body = ""
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, body)
	}
}

// pageFunc is a hostile listing: the page for a cursor (the n-th request).
type pageFunc func(cursor string, n int) (keys []string, next string, truncated bool)

// cyclingPages sends tokens "" -> T1 -> T2 -> T1 -> ...
func cyclingPages(cursor string, _ int) ([]string, string, bool) {
	switch cursor {
	case "":
		return []string{"a0", "a1"}, "T1", true
	case "T1":
		return []string{"b0", "b1"}, "T2", true
	case "T2":
		return []string{"c0", "c1"}, "T1", true
	}
	return nil, "", false
}

// emptyPages sends truncated empty pages, each with a fresh token, for
// ever.
func emptyPages(_ string, n int) ([]string, string, bool) {
	return nil, fmt.Sprintf("E%08d", n), true
}

// listingServer answers object listings of any dialect with pages.
type listingServer struct {
	srv   *httptest.Server
	d     *client.Dialect
	r     *run
	n     atomic.Int64
	pages pageFunc
}

func newListingServer(r *run, pages pageFunc) *listingServer {
	ls := &listingServer{d: &r.b.dialect, r: r, pages: pages}
	ls.srv = httptest.NewServer(ls)
	return ls
}

func (ls *listingServer) requests() int { return int(ls.n.Load()) }

func (ls *listingServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	n := int(ls.n.Add(1))
	if n > ls.r.bound {
		ls.r.trip()
		http.Error(w, "request bound exceeded", http.StatusServiceUnavailable)
		return
	}
	q := req.URL.Query()
	wire := ls.d.Bucket.Objects
	v2 := q.Get(wire.ListTypeParam) == "2" && wire.ListTypeParam != ""
	cursor := q.Get(wire.MarkerParam)
	if v2 {
		cursor = q.Get(wire.TokenParam)
	}
	keys, next, truncated := ls.pages(cursor, n)
	if ls.d.Bucket.Shape == client.ShapeQingStorJSON {
		type key struct {
			Key  string `json:"key"`
			Size int64  `json:"size"`
			Etag string `json:"etag"`
		}
		doc := struct {
			Keys       []key  `json:"keys"`
			NextMarker string `json:"next_marker"`
			HasMore    bool   `json:"has_more"`
		}{Keys: []key{}, NextMarker: next, HasMore: truncated}
		for _, k := range keys {
			doc.Keys = append(doc.Keys, key{Key: k, Size: 1, Etag: `"0cc175b9c0f1b6a831c399e269772661"`})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
		return
	}
	type content struct {
		Key          string
		LastModified string
		ETag         string
		Size         int64
	}
	doc := struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		Name                  string
		IsTruncated           bool
		KeyCount              int    `xml:",omitempty"`
		NextMarker            string `xml:",omitempty"`
		NextContinuationToken string `xml:",omitempty"`
		Contents              []content
	}{Name: ls.r.fx.bucket, IsTruncated: truncated, KeyCount: len(keys)}
	if v2 {
		doc.NextContinuationToken = next
	} else {
		doc.NextMarker = next
	}
	for _, k := range keys {
		doc.Contents = append(doc.Contents, content{Key: k, LastModified: "2026-01-02T03:04:05.000Z", ETag: `"0cc175b9c0f1b6a831c399e269772661"`, Size: 1})
	}
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(doc)
}
