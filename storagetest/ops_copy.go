package storagetest

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// parseCopySource reads a copy or move source. The forms accepted:
//
//	S3, IBM:  "bucket/key" or "/bucket/key", URL-encoded, "?versionId=V",
//	          or a URL of one of this server's virtual hosts
//	          ("http://bucket.localhost:PORT/key")
//	COS:      "bucket-appid.cos.region.myqcloud.com/key" or a virtual host
//	          of this server ("bucket.localhost:PORT/key"), with or
//	          without scheme, or a path-style URL of this server
//	QingStor: "/bucket/key", "?version_id=V"
func (c *call) parseCopySource(v string) (bucket, key, versionID string, err error) {
	raw := strings.TrimSpace(v)
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		q := parseQuery(raw[i+1:])
		versionID = q.Get(c.s.routeParam(c.s.dialect.Params.VersionID, "versionId"))
		raw = raw[:i]
	}
	hostForm := false
	if i := strings.Index(raw, "://"); i >= 0 {
		raw, hostForm = raw[i+3:], true
	}
	first, rest, _ := strings.Cut(strings.TrimPrefix(raw, "/"), "/")
	vbucket, vhost := c.s.vhostBucket(first)
	switch {
	case c.s.wire.fl == flavorCOS && strings.Contains(first, ".cos."):
		bucket, key = first[:strings.Index(first, ".cos.")], rest
	case vhost && (hostForm || c.s.wire.fl == flavorCOS): // bucket.localhost:PORT/key
		bucket, key = vbucket, rest
	case hostForm || first == c.r.Host:
		bucket, key, _ = strings.Cut(rest, "/")
	default:
		bucket, key = first, rest
	}
	if k, uerr := url.PathUnescape(key); uerr == nil {
		key = k
	}
	if b, uerr := url.PathUnescape(bucket); uerr == nil {
		bucket = b
	}
	if bucket == "" || key == "" {
		return "", "", "", kindError(errInvalidCopySource)
	}
	return bucket, key, versionID, nil
}

// copySource is the object a copy reads, and where it lives.
type copySource struct {
	bucket    string
	obj       *object
	versioned bool // the source named a version: copying it onto its own key restores it
}

// copySourceObject finds the object the request's copy-source header
// names and checks the copy-source SSE-C key and conditions (412 when one
// fails).
func (s *Server) copySourceObject(c *call) (*object, error) {
	src, err := s.copySourceOf(c)
	return src.obj, err
}

func (s *Server) copySourceOf(c *call) (copySource, error) {
	bucket, key, version, err := c.parseCopySource(c.r.Header.Get(s.wire.vendorHeader("copy-source")))
	if err != nil {
		return copySource{}, err
	}
	o, err := s.store.getObject(bucket, key, version)
	if err != nil {
		if errors.Is(err, kindError(errDeleteMarker)) {
			return copySource{}, c.fail(errInvalidRequest, "The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		return copySource{}, err
	}
	if err := c.checkSSE(o, true); err != nil {
		return copySource{}, err
	}
	if err := s.wire.checkCopyConditions(c.r.Header, o); err != nil {
		return copySource{}, err
	}
	return copySource{bucket: bucket, obj: o, versioned: version != ""}, nil
}

// metadataDirective reads x-amz-metadata-directive (COPY or REPLACE;
// COS: Copy or Replaced). replace reports REPLACE.
func (c *call) metadataDirective() (replace bool, err error) {
	v := c.r.Header.Get(c.s.wire.vendorHeader("metadata-directive"))
	copyName, replaceName := "COPY", "REPLACE"
	if c.s.wire.fl == flavorCOS {
		copyName, replaceName = "Copy", "Replaced"
	}
	switch {
	case v == "" || strings.EqualFold(v, copyName):
		return false, nil
	case strings.EqualFold(v, replaceName):
		return true, nil
	}
	return false, c.fail(errInvalidArgument, "Unknown metadata directive "+v+"; the values are "+copyName+" and "+replaceName+".")
}

// copyObject is PUT /bucket/key with a copy-source header.
func (s *Server) copyObject(c *call) error {
	if err := c.checkKeyLength(c.key); err != nil {
		return err
	}
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	replace, err := c.metadataDirective()
	if err != nil {
		return err
	}
	attrs, err := c.objectFromHeaders()
	if err != nil {
		return err
	}
	src, err := s.copySourceOf(c)
	if err != nil {
		return err
	}
	h := c.r.Header
	if src.bucket == c.bucket && src.obj.key == c.key && !src.versioned && !replace &&
		h.Get(s.wire.vendorHeader("storage-class")) == "" && attrs.sse == src.obj.sse {
		return kindError(errCopyToItself)
	}
	c.drainBody()
	dst := attrs
	if !replace {
		dst = src.obj.clone()
		dst.key = c.key
		dst.storageClass, dst.acl, dst.sse = attrs.storageClass, attrs.acl, attrs.sse
	}
	dst.data = src.obj.data[:len(src.obj.data):len(src.obj.data)]
	dst.md5, dst.crc64, dst.tag = src.obj.md5, src.obj.crc64, ""
	dst.checksum = copiedChecksum(src.obj.checksum, dst.data)
	dst.modified = s.opts.Clock()
	rq, err := c.readRetentionHeaders()
	if err != nil {
		return err
	}
	dst.retention = nil // the copy's own, given by putProtected
	if err := c.putProtected(dst, rq); err != nil {
		return err
	}
	out := c.w.Header()
	if src.versioned || src.obj.versionID != nullVersion {
		out.Set(s.wire.vendorHeader("copy-source-version-id"), src.obj.versionID)
	}
	if s.wire.fl == flavorQingStor {
		s.writeStored(c, dst, http.StatusCreated)
		return nil
	}
	c.setVersionHeader(dst)
	c.setSSEHeaders(dst.sse)
	if s.wire.fl == flavorCOS {
		out.Set("x-cos-hash-crc64ecma", strconv.FormatUint(dst.crc64, 10))
	}
	c.result(http.StatusOK, &copyResult{etag: dst.etag(), modified: dst.modified, crc: dst.crc64, checksum: dst.checksum})
	return nil
}

// copyResult is the answer to CopyObject (CopyObjectResult) and
// UploadPartCopy (CopyPartResult).
type copyResult struct {
	part     bool
	etag     string
	modified time.Time
	crc      uint64
	checksum client.Checksum
}

type xmlCopyResult struct {
	XMLName      xml.Name
	Xmlns        string       `xml:"xmlns,attr,omitempty"`
	ETag         string       `xml:"ETag"`
	LastModified string       `xml:"LastModified"`
	CRC64        string       `xml:"CRC64,omitempty"`
	Checksum     *xmlChecksum // ChecksumCRC32C, ...
}

func (r *copyResult) xmlForm(w *wire) any {
	out := xmlCopyResult{XMLName: xml.Name{Local: "CopyObjectResult"}, Xmlns: w.xmlns(), ETag: r.etag, LastModified: isoTime(r.modified)}
	if r.part {
		out.XMLName.Local = "CopyPartResult"
	}
	if w.fl == flavorCOS {
		out.CRC64 = strconv.FormatUint(r.crc, 10)
	}
	if w.d.Has(client.FeatureChecksums) {
		out.Checksum = checksumElement(r.checksum)
	}
	return out
}

func (r *copyResult) jsonForm(*wire) any { return struct{}{} }

// moveObject is QingStor's PUT /bucket/key with x-qs-move-source
// "/bucket/key": the object changes name; the source key is deleted (in a
// versioned bucket, a delete marker is added).
func (s *Server) moveObject(c *call) error {
	if err := c.checkKeyLength(c.key); err != nil {
		return err
	}
	srcBucket, srcKey, _, err := c.parseCopySource(c.r.Header.Get(s.wire.vendorHeader("move-source")))
	if err != nil {
		return err
	}
	if srcBucket == c.bucket && srcKey == c.key {
		return c.fail(errInvalidRequest, "The move source and destination are the same object.")
	}
	c.drainBody()
	now := s.opts.Clock()
	var moved *object
	s.store.mu.Lock()
	err = func() error {
		sb, ok := s.store.buckets[srcBucket]
		db, ok2 := s.store.buckets[c.bucket]
		if !ok || !ok2 {
			return kindError(errNoSuchBucket)
		}
		src := sb.current(srcKey)
		if src == nil {
			return kindError(errNoSuchKey)
		}
		moved = src.clone()
		moved.key = c.key
		moved.appendable, moved.md5State = src.appendable, src.md5State
		s.store.put(db, moved)
		s.store.delete(sb, srcKey, "", now)
		return nil
	}()
	s.store.mu.Unlock()
	if err != nil {
		return err
	}
	s.writeStored(c, moved, http.StatusCreated)
	return nil
}

// fetchObject is QingStor's PUT /bucket/key with x-qs-fetch-source URL:
// the server downloads the URL into the object. storagetest fetches only
// from itself, reading the object the URL's path names; any other host
// is refused without being contacted.
func (s *Server) fetchObject(c *call) error {
	if err := c.checkKeyLength(c.key); err != nil {
		return err
	}
	raw := c.r.Header.Get(s.wire.vendorHeader("fetch-source"))
	u, err := url.Parse(raw)
	own, _ := url.Parse(s.URL)
	if err != nil || own == nil || (u.Host != own.Host && u.Host != c.r.Host) {
		return c.fail(errInvalidArgument, "storagetest fetches only from its own address "+s.URL+"; it does not contact "+raw+".")
	}
	bucket, key, perr := splitPath(u.EscapedPath())
	if perr != nil || bucket == "" || key == "" {
		return c.fail(errInvalidArgument, "The fetch source "+raw+" names no object.")
	}
	attrs, err := c.objectFromHeaders()
	if err != nil {
		return err
	}
	src, err := s.store.getObject(bucket, key, "")
	if err != nil {
		return err
	}
	if src.sse.algorithm != "" {
		return c.fail(errInvalidRequest, "The fetch source is encrypted with a customer-provided key.")
	}
	c.drainBody()
	dst := attrs
	if c.r.Header.Get("Content-Type") == "" {
		dst.contentType = src.contentType
	}
	dst.data = src.data[:len(src.data):len(src.data)]
	dst.md5, dst.crc64 = src.md5, src.crc64
	if err := s.store.putObject(c.bucket, dst); err != nil {
		return err
	}
	s.writeStored(c, dst, http.StatusCreated)
	return nil
}
