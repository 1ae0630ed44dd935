package storagetest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"hash/crc64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// crc64Table is CRC-64/ECMA-182 as COS computes x-cos-hash-crc64ecma.
var crc64Table = crc64.MakeTable(crc64.ECMA)

// maxPreallocate caps how much memory a PUT reserves up front from its
// Content-Length.
const maxPreallocate = 64 << 20

// opPutObject is PUT /bucket/key.
func (s *Server) opPutObject(c *call) error {
	h := c.r.Header
	for _, name := range []string{"copy-source", "move-source", "fetch-source"} {
		if h.Get(s.wire.vendorHeader(name)) != "" {
			return c.fail(errNotImplemented, "The "+s.wire.vendorHeader(name)+" header is not implemented by storagetest.")
		}
	}
	if limit := s.dialect.Limits.MaxKeyLength; limit > 0 && len(c.key) > limit {
		return c.fail(errKeyTooLong, "Your key is too long: "+strconv.Itoa(len(c.key))+" bytes, the limit is "+strconv.Itoa(limit)+".")
	}
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	wantMD5, err := parseContentMD5(h.Get("Content-MD5"), s.wire.fl == flavorQingStor)
	if err != nil {
		return err
	}
	obj, err := c.readObject(wantMD5)
	if err != nil {
		return err
	}
	if err := s.store.putObject(c.bucket, obj); err != nil {
		return err
	}
	out := c.w.Header()
	out.Set("ETag", obj.etag())
	if s.wire.fl == flavorCOS {
		out.Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.crc64, 10))
	}
	out.Set("Content-Length", "0")
	if s.wire.fl == flavorQingStor {
		c.noContent(http.StatusCreated)
	} else {
		c.noContent(http.StatusOK)
	}
	return nil
}

// readObject reads the request body into a new object, checking the
// Content-MD5 (wantMD5, if not nil) and a hex X-Amz-Content-Sha256, and
// takes the object's attributes from the request headers.
func (c *call) readObject(wantMD5 []byte) (*object, error) {
	h := c.r.Header
	shaHeader := h.Get("X-Amz-Content-Sha256")
	chunked := strings.HasPrefix(shaHeader, "STREAMING-") || hasToken(h.Get("Content-Encoding"), "aws-chunked")

	var body io.Reader = c.r.Body
	if chunked {
		body = newChunkedReader(body)
	}
	md5h, crc := md5.New(), crc64.New(crc64Table)
	writers := []io.Writer{md5h, crc}
	var shah hash.Hash
	wantSHA, shaErr := hex.DecodeString(shaHeader)
	if shaErr == nil && len(wantSHA) == sha256.Size {
		shah = sha256.New()
		writers = append(writers, shah)
	}
	var buf bytes.Buffer
	if n := c.r.ContentLength; n > 0 && !chunked {
		buf.Grow(int(min(n, maxPreallocate)))
	}
	writers = append(writers, &buf)
	if _, err := io.Copy(io.MultiWriter(writers...), body); err != nil {
		if errors.Is(err, errBadChunk) {
			return nil, c.fail(errIncompleteBody, "The aws-chunked body is malformed: "+err.Error())
		}
		return nil, c.fail(errIncompleteBody, "")
	}
	if chunked {
		if v := h.Get("X-Amz-Decoded-Content-Length"); v != "" && v != strconv.Itoa(buf.Len()) {
			return nil, c.fail(errIncompleteBody, "The decoded body has "+strconv.Itoa(buf.Len())+" bytes, X-Amz-Decoded-Content-Length says "+v+".")
		}
	}
	sum := md5h.Sum(nil)
	if wantMD5 != nil && !bytes.Equal(sum, wantMD5) {
		return nil, c.fail(errBadDigest, "")
	}
	if shah != nil && !bytes.Equal(shah.Sum(nil), wantSHA) {
		return nil, c.fail(errSHA256Mismatch, "")
	}

	w := c.s.wire
	o := &object{
		key:                c.key,
		data:               buf.Bytes(),
		md5:                hex.EncodeToString(sum),
		crc64:              crc.Sum64(),
		contentType:        h.Get("Content-Type"),
		contentEncoding:    withoutToken(h.Get("Content-Encoding"), "aws-chunked"),
		cacheControl:       h.Get("Cache-Control"),
		contentDisposition: h.Get("Content-Disposition"),
		contentLanguage:    h.Get("Content-Language"),
		expires:            h.Get("Expires"),
		storageClass:       h.Get(w.vendorHeader("storage-class")),
		modified:           c.s.opts.Clock(),
	}
	if o.contentType == "" {
		o.contentType = "application/octet-stream"
		if w.fl == flavorS3 || w.fl == flavorIBM {
			o.contentType = "binary/octet-stream"
		}
	}
	if o.storageClass == "" {
		o.storageClass = "STANDARD"
	}
	for name, vals := range h {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, w.metaPrefix) && len(lower) > len(w.metaPrefix) {
			o.meta = append(o.meta, metaPair{name: lower[len(w.metaPrefix):], value: strings.Join(vals, ",")})
		}
	}
	slices.SortFunc(o.meta, func(a, b metaPair) int { return strings.Compare(a.name, b.name) })
	return o, nil
}

// parseContentMD5 decodes a Content-MD5 header: base64 of the 16-byte
// digest, or (QingStor, for compatibility) its hex form. Empty means none.
func parseContentMD5(v string, allowHex bool) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == md5.Size {
		return b, nil
	}
	if allowHex {
		if b, err := hex.DecodeString(v); err == nil && len(b) == md5.Size {
			return b, nil
		}
	}
	return nil, kindError(errInvalidDigest)
}

// opGetObject is GET /bucket/key.
func (s *Server) opGetObject(c *call) error { return s.serveObject(c, true) }

// opHeadObject is HEAD /bucket/key: GET's headers without the body.
func (s *Server) opHeadObject(c *call) error { return s.serveObject(c, false) }

func (s *Server) serveObject(c *call, withBody bool) error {
	o, err := s.store.getObject(c.bucket, c.key)
	if err != nil {
		return err
	}
	h := c.w.Header()
	if err := checkConditions(c.r, o); err != nil {
		if errors.Is(err, kindError(errNotModified)) {
			h.Set("ETag", o.etag())
			h.Set("Last-Modified", o.modified.UTC().Format(http.TimeFormat))
		}
		return err
	}
	size := int64(len(o.data))
	start, end, partial, ok := parseRange(c.r.Header.Get("Range"), size)
	if !ok {
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return c.fail(errInvalidRange, "")
	}
	s.setObjectHeaders(h, o)
	applyOverrides(h, c)
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end-1, 10)+"/"+strconv.FormatInt(size, 10))
	}
	h.Set("Content-Length", strconv.FormatInt(end-start, 10))
	c.w.WriteHeader(status)
	if withBody {
		_, _ = c.w.Write(o.data[start:end])
	}
	return nil
}

// responseOverrides are GET/HEAD query parameters that replace response
// headers.
var responseOverrides = [][2]string{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// setObjectHeaders sets the headers GET and HEAD object answer with.
func (s *Server) setObjectHeaders(h http.Header, o *object) {
	w := s.wire
	h.Set("Content-Type", o.contentType)
	h.Set("ETag", o.etag())
	h.Set("Last-Modified", o.modified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	for _, kv := range [][2]string{
		{"Content-Encoding", o.contentEncoding},
		{"Cache-Control", o.cacheControl},
		{"Content-Disposition", o.contentDisposition},
		{"Content-Language", o.contentLanguage},
		{"Expires", o.expires},
	} {
		if kv[1] != "" {
			h.Set(kv[0], kv[1])
		}
	}
	for _, m := range o.meta {
		h.Set(w.metaPrefix+m.name, m.value)
	}
	if w.fl == flavorQingStor || o.storageClass != "STANDARD" {
		h.Set(w.vendorHeader("storage-class"), o.storageClass)
	}
	if w.fl == flavorCOS {
		h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.crc64, 10))
	}
}

// applyOverrides applies response-* query parameters.
func applyOverrides(h http.Header, c *call) {
	for _, o := range responseOverrides {
		if v := c.query.Get(o[0]); v != "" {
			h.Set(o[1], v)
		}
	}
}

// checkConditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since as S3 does.
func checkConditions(r *http.Request, o *object) error {
	h := r.Header
	modified := o.modified.Truncate(time.Second)
	if v := h.Get("If-Match"); v != "" {
		if !etagMatches(v, o.md5) {
			return kindError(errPreconditionFailed)
		}
	} else if t := parseHTTPDate(h.Get("If-Unmodified-Since")); !t.IsZero() && modified.After(t) {
		return kindError(errPreconditionFailed)
	}
	if v := h.Get("If-None-Match"); v != "" {
		if etagMatches(v, o.md5) {
			return kindError(errNotModified)
		}
	} else if t := parseHTTPDate(h.Get("If-Modified-Since")); !t.IsZero() && !modified.After(t) {
		return kindError(errNotModified)
	}
	return nil
}

// etagMatches reports whether an If-Match / If-None-Match list names the
// entity tag md5hex (or is "*").
func etagMatches(list, md5hex string) bool {
	for _, tag := range strings.Split(list, ",") {
		tag = strings.TrimSpace(tag)
		tag = strings.TrimPrefix(tag, "W/")
		if tag == "*" || strings.Trim(tag, `"`) == md5hex {
			return true
		}
	}
	return false
}

// parseRange interprets a Range header for an object of size bytes. It
// returns the half-open byte range to send, whether it is partial, and
// ok=false if the range cannot be satisfied. Headers it does not
// understand (several ranges, other units, bad syntax) select the whole
// object, as S3 does.
func parseRange(v string, size int64) (start, end int64, partial, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, size, false, true
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, size, false, true
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, size, false, true
		}
		if n == 0 || size == 0 {
			return 0, 0, false, false
		}
		return max(size-n, 0), size, true, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, size, false, true
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, size, false, true
		}
	}
	if a >= size {
		return 0, 0, false, false
	}
	return a, min(b, size-1) + 1, true, true
}

// opDeleteObject is DELETE /bucket/key. Deleting a missing key succeeds.
func (s *Server) opDeleteObject(c *call) error {
	if err := s.store.deleteObject(c.bucket, c.key); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// hasToken reports whether a comma-separated header value lists tok.
func hasToken(v, tok string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// withoutToken removes tok from a comma-separated header value.
func withoutToken(v, tok string) string {
	if v == "" {
		return ""
	}
	var keep []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, tok) {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, ",")
}
