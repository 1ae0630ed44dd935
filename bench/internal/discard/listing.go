package discard

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// A ListObjectsV2 (list-type=2) or V1 request whose prefix is
// "keys-N/" lists N made-up keys, keys-N/00000000 to keys-N/(N-1), each
// 4096 bytes with a fixed ETag, in pages of max-keys (1000 at most, as
// S3); continuation tokens and markers are the last key of the page. The
// pages are cached, so the server's cost per page is a write: listing
// benchmarks then measure the client. Other prefixes list nothing.

var pages sync.Map // "prefix|after|max|v2" → []byte

func (s *Server) list(w http.ResponseWriter, r *http.Request, q url.Values) error {
	prefix := q.Get("prefix")
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(prefix, "keys-"), "/"))
	if !strings.HasPrefix(prefix, "keys-") || !strings.HasSuffix(prefix, "/") {
		n = 0
	}
	v2 := q.Get("list-type") == "2"
	after := q.Get("start-after")
	if v2 && q.Get("continuation-token") != "" {
		after = q.Get("continuation-token")
	} else if !v2 {
		after = q.Get("marker")
	}
	maxKeys := 1000
	if m, err := strconv.Atoi(q.Get("max-keys")); err == nil && m >= 0 && m < maxKeys {
		maxKeys = m
	}
	id := fmt.Sprintf("%s|%s|%d|%v|%s", prefix, after, maxKeys, v2, q.Get("encoding-type"))
	if b, ok := pages.Load(id); ok {
		w.Header().Set("Content-Type", "application/xml")
		w.Write(b.([]byte))
		return nil
	}
	first := 0
	if after != "" {
		k, err := strconv.Atoi(strings.TrimPrefix(after, prefix))
		if err != nil || !strings.HasPrefix(after, prefix) {
			return s.fail(w, r, http.StatusBadRequest, "InvalidArgument", "bad continuation "+after)
		}
		first = k + 1
	}
	last := min(first+maxKeys, n)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	fmt.Fprintf(&b, "<Name>%s</Name><Prefix>%s</Prefix>", strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0], prefix)
	if v2 {
		fmt.Fprintf(&b, "<KeyCount>%d</KeyCount>", max(last-first, 0))
	}
	fmt.Fprintf(&b, "<MaxKeys>%d</MaxKeys>", maxKeys)
	if et := q.Get("encoding-type"); et != "" {
		fmt.Fprintf(&b, "<EncodingType>%s</EncodingType>", et)
	}
	truncated := last < n
	fmt.Fprintf(&b, "<IsTruncated>%v</IsTruncated>", truncated)
	for i := first; i < last; i++ {
		fmt.Fprintf(&b, "<Contents><Key>%s%08d</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"+
			"<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>4096</Size><StorageClass>STANDARD</StorageClass></Contents>", prefix, i)
	}
	if truncated {
		next := fmt.Sprintf("%s%08d", prefix, last-1)
		if v2 {
			fmt.Fprintf(&b, "<NextContinuationToken>%s</NextContinuationToken>", next)
		} else {
			fmt.Fprintf(&b, "<NextMarker>%s</NextMarker>", next)
		}
	}
	b.WriteString("</ListBucketResult>")
	out := []byte(b.String())
	pages.Store(id, out)
	w.Header().Set("Content-Type", "application/xml")
	w.Write(out)
	return nil
}
