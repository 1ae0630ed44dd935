package storagetest

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/polystore/polystore/client"
)

// putObjectOp names a plain PUT object request: a copy, a move or a
// fetch when it carries the header that asks for one.
func (s *Server) putObjectOp(c *call) string {
	h := c.r.Header
	switch {
	case h.Get(s.wire.vendorHeader("copy-source")) != "":
		return "CopyObject"
	case h.Get(s.wire.vendorHeader("move-source")) != "" && s.dialect.Has(client.FeatureMove):
		return "MoveObject"
	case h.Get(s.wire.vendorHeader("fetch-source")) != "" && s.dialect.Has(client.FeatureFetch):
		return "FetchObject"
	}
	return "PutObject"
}

// opPutObject is PUT /bucket/key, and the copy, move and fetch forms of
// it.
func (s *Server) opPutObject(c *call) error {
	switch c.op {
	case "CopyObject":
		return s.copyObject(c)
	case "MoveObject":
		return s.moveObject(c)
	case "FetchObject":
		return s.fetchObject(c)
	}
	h := c.r.Header
	for _, name := range []string{"move-source", "fetch-source"} {
		if h.Get(s.wire.vendorHeader(name)) != "" {
			return c.fail(errNotImplemented, "The "+s.wire.vendorHeader(name)+" header is not implemented by the "+s.dialect.Name+" dialect.")
		}
	}
	if err := c.checkKeyLength(c.key); err != nil {
		return err
	}
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	rq, err := c.readRetentionHeaders()
	if err != nil {
		return err
	}
	if err := c.requireUploadChecksum(rq.present); err != nil {
		return err
	}
	obj, err := c.readObject()
	if err != nil {
		return err
	}
	if err := c.putProtected(obj, rq); err != nil {
		return err
	}
	s.writeStored(c, obj, s.wire.statusCreated())
	return nil
}

// writeStored answers a request that stored obj with the headers S3, COS
// and QingStor send: ETag, COS's CRC-64, the version id and SSE-C.
func (s *Server) writeStored(c *call, obj *object, status int) {
	out := c.w.Header()
	out.Set("ETag", obj.etag())
	if s.wire.fl == flavorCOS {
		out.Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.crc64, 10))
	}
	c.setVersionHeader(obj)
	c.setSSEHeaders(obj.sse)
	c.setChecksumHeader(obj.checksum)
	c.emptyOK(status)
}

// opGetObject is GET /bucket/key.
func (s *Server) opGetObject(c *call) error { return s.serveObject(c, true) }

// opHeadObject is HEAD /bucket/key: GET's headers without the body.
func (s *Server) opHeadObject(c *call) error { return s.serveObject(c, false) }

func (s *Server) serveObject(c *call, withBody bool) error {
	o, err := s.store.getObject(c.bucket, c.key, c.versionID())
	if err != nil {
		c.setDeleteMarkerHeaders(o)
		return err
	}
	if err := c.checkSSE(o, false); err != nil {
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
	size := o.size()
	start, end, partial, ok := parseRange(c.r.Header.Get("Range"), size)
	if !ok {
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return c.fail(errInvalidRange, "")
	}
	s.setObjectHeaders(h, o)
	c.setVersionHeader(o)
	c.setSSEHeaders(o.sse)
	applyOverrides(h, c)
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end-1, 10)+"/"+strconv.FormatInt(size, 10))
	} else if c.checksumModeEnabled() {
		// The stored checksum is of the whole object: a range gets none.
		c.setChecksumHeader(o.checksum)
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
	if s.dialect.Has(client.FeatureAppend) {
		// COS reports the type of every object; QingStor only of
		// appendable ones.
		switch {
		case o.appendable:
			h.Set(w.vendorHeader("object-type"), "appendable")
			h.Set(w.vendorHeader("next-append-position"), strconv.FormatInt(o.size(), 10))
		case w.fl != flavorQingStor:
			h.Set(w.vendorHeader("object-type"), "normal")
		}
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

// opDeleteObject is DELETE /bucket/key. Deleting a missing key succeeds.
// In a versioned bucket it adds a delete marker, or with a version id
// removes that version.
func (s *Server) opDeleteObject(c *call) error {
	var res deleteResult
	err := s.store.withBucket(c.bucket, func(b *bucket) error {
		if err := s.checkUnprotected(b, c.key, c.versionID()); err != nil {
			return err
		}
		res = s.store.delete(b, c.key, c.versionID(), s.opts.Clock())
		return nil
	})
	if err != nil {
		return err
	}
	h := c.w.Header()
	if res.deleteMarker {
		h.Set(s.wire.vendorHeader("delete-marker"), "true")
	}
	if res.versionID != "" && (res.deleteMarker || res.versionID != nullVersion || c.versionID() != "") {
		h.Set(s.wire.vendorHeader("version-id"), res.versionID)
	}
	c.noContent(http.StatusNoContent)
	return nil
}
