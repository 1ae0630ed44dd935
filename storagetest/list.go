package storagetest

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
)

// Listing page sizes.
const (
	s3DefaultMaxKeys      = 1000
	s3MaxMaxKeys          = 1000
	qingstorDefaultLimit  = 200
	qingstorMaxLimit      = 1000
	continuationTokenBase = "st1:" // marks storagetest continuation tokens
)

// listParams select one page of a listing.
type listParams struct {
	prefix    string
	delimiter string
	after     string // exclusive start: a key or a common prefix
	max       int
}

// listPage is one page of a listing, in key order.
type listPage struct {
	objects   []*object
	prefixes  []string
	truncated bool
	last      string // the last key or common prefix in the page
}

// listObjects returns one page of bucket's keys.
func (st *store) listObjects(bucketName string, p listParams) (listPage, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, ok := st.buckets[bucketName]
	if !ok {
		return listPage{}, kindError(errNoSuchBucket)
	}
	return b.list(p), nil
}

// list walks the key index from max(prefix, after), grouping keys that
// contain the delimiter after the prefix into common prefixes. Whole
// groups are skipped with one seek, so a page costs O(page + log n).
func (b *bucket) list(p listParams) listPage {
	var page listPage
	if p.max <= 0 {
		return page
	}
	from := p.prefix
	if p.after > from {
		from = p.after
	}
	count := 0
	cur := b.keys.seek(from)
	for cur.valid() {
		k := cur.key()
		if !strings.HasPrefix(k, p.prefix) {
			break
		}
		if k <= p.after {
			cur.next()
			continue
		}
		live := b.current(k)
		if live == nil { // only delete markers and older versions
			cur.next()
			continue
		}
		entry, isPrefix := k, false
		if p.delimiter != "" {
			if i := strings.Index(k[len(p.prefix):], p.delimiter); i >= 0 {
				entry, isPrefix = k[:len(p.prefix)+i+len(p.delimiter)], true
			}
		}
		if isPrefix && entry <= p.after {
			// The marker lies inside this group: it was reported already.
			if !seekPast(&cur, b, entry) {
				break
			}
			continue
		}
		if count == p.max {
			page.truncated = true
			break
		}
		count++
		page.last = entry
		if isPrefix {
			page.prefixes = append(page.prefixes, entry)
			if !seekPast(&cur, b, entry) {
				break
			}
			continue
		}
		page.objects = append(page.objects, live)
		cur.next()
	}
	return page
}

// seekPast moves cur to the first key that does not start with prefix. It
// reports false if there is none.
func seekPast(cur *cursor, b *bucket, prefix string) bool {
	next, ok := prefixSuccessor(prefix)
	if !ok {
		return false
	}
	*cur = b.keys.seek(next)
	return true
}

// prefixSuccessor returns the smallest string greater than every string
// with the given prefix; ok is false if there is none (all bytes 0xFF).
func prefixSuccessor(prefix string) (string, bool) {
	s := []byte(prefix)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0xFF {
			s[i]++
			return string(s[:i+1]), true
		}
	}
	return "", false
}

// opListObjects is GET /bucket: S3 ListObjects (v1) and ListObjectsV2,
// COS GET Bucket, and QingStor GET Bucket.
func (s *Server) opListObjects(c *call) error {
	q := c.query
	res := &listResult{
		bucket:    c.bucket,
		prefix:    q.Get("prefix"),
		delimiter: q.Get("delimiter"),
	}
	p := listParams{prefix: res.prefix, delimiter: res.delimiter}
	if s.wire.fl == flavorQingStor {
		limit, err := pageSize(c, "limit", qingstorDefaultLimit, qingstorMaxLimit)
		if err != nil {
			return err
		}
		res.maxKeys, p.max = limit, limit
		res.marker, p.after = q.Get("marker"), q.Get("marker")
	} else {
		maxKeys, err := pageSize(c, "max-keys", s3DefaultMaxKeys, s3MaxMaxKeys)
		if err != nil {
			return err
		}
		res.maxKeys, p.max = maxKeys, maxKeys
		switch enc := q.Get("encoding-type"); enc {
		case "":
		case "url":
			res.encodingType = enc
		default:
			return c.fail(errInvalidArgument, "Invalid Encoding Method specified in Request")
		}
		res.v2 = q.Get("list-type") == "2" && s.dialect.Has(client.FeatureListObjectsV2)
		if res.v2 {
			res.startAfter = q.Get("start-after")
			p.after = res.startAfter
			if q.Has("continuation-token") {
				res.token = q.Get("continuation-token")
				after, ok := decodeToken(res.token)
				if !ok {
					return c.fail(errInvalidArgument, "The continuation token provided is incorrect")
				}
				p.after = after
			}
		} else {
			res.marker, p.after = q.Get("marker"), q.Get("marker")
		}
	}
	page, err := s.store.listObjects(c.bucket, p)
	if err != nil {
		return err
	}
	res.page = page
	c.result(http.StatusOK, res)
	return nil
}

// pageSize parses a page-size parameter: absent means def, values above
// most are capped, anything but a non-negative integer is refused.
func pageSize(c *call, name string, def, most int) (int, error) {
	v := c.query.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, c.fail(errInvalidArgument, "Provided "+name+" not an integer or within integer range")
	}
	return min(n, most), nil
}

func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(continuationTokenBase + after))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), continuationTokenBase)
}

// listResult is the answer to a listing, in any dialect.
type listResult struct {
	bucket       string
	prefix       string
	delimiter    string
	marker       string // v1 and QingStor
	v2           bool
	token        string // v2 continuation-token
	startAfter   string // v2 start-after
	maxKeys      int
	encodingType string
	page         listPage
}

type xmlContent struct {
	Key          string    `xml:"Key"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	Owner        *xmlOwner `xml:"Owner,omitempty"`
	StorageClass string    `xml:"StorageClass"`
}

type xmlCommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type xmlListBucketResult struct {
	XMLName               xml.Name          `xml:"ListBucketResult"`
	Xmlns                 string            `xml:"xmlns,attr,omitempty"`
	Name                  string            `xml:"Name"`
	Prefix                string            `xml:"Prefix"`
	Marker                *string           `xml:"Marker"`
	NextMarker            string            `xml:"NextMarker,omitempty"`
	MaxKeys               int               `xml:"MaxKeys"`
	Delimiter             string            `xml:"Delimiter,omitempty"`
	EncodingType          string            `xml:"EncodingType,omitempty"`
	KeyCount              *int              `xml:"KeyCount"`
	IsTruncated           bool              `xml:"IsTruncated"`
	ContinuationToken     string            `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string            `xml:"NextContinuationToken,omitempty"`
	StartAfter            string            `xml:"StartAfter,omitempty"`
	Contents              []xmlContent      `xml:"Contents"`
	CommonPrefixes        []xmlCommonPrefix `xml:"CommonPrefixes"`
}

// s3KeyEncode encodes a key for encoding-type=url: as a query value, but
// with '/' left alone.
func s3KeyEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func (r *listResult) xmlForm(w *wire) any {
	enc := func(s string) string { return s }
	if r.encodingType == "url" {
		enc = s3KeyEncode
	}
	out := xmlListBucketResult{
		Xmlns:        w.xmlns(),
		Name:         r.bucket,
		Prefix:       enc(r.prefix),
		MaxKeys:      r.maxKeys,
		Delimiter:    enc(r.delimiter),
		EncodingType: r.encodingType,
		IsTruncated:  r.page.truncated,
	}
	var owner *xmlOwner
	if r.v2 {
		n := len(r.page.objects) + len(r.page.prefixes)
		out.KeyCount = &n
		out.ContinuationToken = r.token
		out.StartAfter = enc(r.startAfter)
		if r.page.truncated {
			out.NextContinuationToken = encodeToken(r.page.last)
		}
	} else {
		m := enc(r.marker)
		out.Marker = &m
		if r.page.truncated {
			out.NextMarker = enc(r.page.last)
		}
		o := w.owner()
		owner = &o
	}
	for _, o := range r.page.objects {
		out.Contents = append(out.Contents, xmlContent{
			Key:          enc(o.key),
			LastModified: isoTime(o.modified),
			ETag:         o.etag(),
			Size:         int64(len(o.data)),
			Owner:        owner,
			StorageClass: o.storageClass,
		})
	}
	// IBM COS (and old Ceph RGW) encode keys but not CommonPrefixes.
	encPrefix := enc
	if w.d.Bucket.Objects.RawCommonPrefixes {
		encPrefix = func(s string) string { return s }
	}
	for _, p := range r.page.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, xmlCommonPrefix{Prefix: encPrefix(p)})
	}
	return out
}

type jsonKey struct {
	Key          string `json:"key"`
	Size         int64  `json:"size"`
	Etag         string `json:"etag"`
	Modified     int64  `json:"modified"`
	Created      string `json:"created"`
	MimeType     string `json:"mime_type"`
	StorageClass string `json:"storage_class"`
	Encrypted    bool   `json:"encrypted"`
}

type jsonOwner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type jsonListObjects struct {
	Name           string    `json:"name"`
	Keys           []jsonKey `json:"keys"`
	CommonPrefixes []string  `json:"common_prefixes"`
	Prefix         string    `json:"prefix"`
	Delimiter      string    `json:"delimiter"`
	Marker         string    `json:"marker"`
	NextMarker     string    `json:"next_marker"`
	Limit          int       `json:"limit"`
	HasMore        bool      `json:"has_more"`
	Owner          jsonOwner `json:"owner"`
}

func (r *listResult) jsonForm(*wire) any {
	out := jsonListObjects{
		Name:           r.bucket,
		Keys:           []jsonKey{},
		CommonPrefixes: []string{},
		Prefix:         r.prefix,
		Delimiter:      r.delimiter,
		Marker:         r.marker,
		NextMarker:     r.page.last,
		Limit:          r.maxKeys,
		HasMore:        r.page.truncated,
		Owner:          qingstorOwner,
	}
	for _, o := range r.page.objects {
		out.Keys = append(out.Keys, jsonKey{
			Key:          o.key,
			Size:         int64(len(o.data)),
			Etag:         o.etag(),
			Modified:     o.modified.Unix(),
			Created:      isoTime(o.modified),
			MimeType:     o.contentType,
			StorageClass: o.storageClass,
		})
	}
	out.CommonPrefixes = append(out.CommonPrefixes, r.page.prefixes...)
	return out
}
