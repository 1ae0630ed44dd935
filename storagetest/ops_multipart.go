package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// Multipart page sizes.
const (
	defaultMaxParts   = 1000
	defaultMaxUploads = 1000
)

// uploadID is the upload id the request names.
func (c *call) uploadID() string {
	return c.query.Get(c.s.routeParam(c.s.dialect.Params.UploadID, "uploadId"))
}

// routeParam returns name, or def when the dialect leaves it empty.
func (s *Server) routeParam(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

// minPartSize is the smallest part, but the last, a complete accepts.
func (s *Server) minPartSize() int64 {
	if s.opts.MinPartSize > 0 {
		return s.opts.MinPartSize
	}
	return s.dialect.Limits.MinPartSize
}

// opCreateMultipartUpload is POST /bucket/key?uploads.
func (s *Server) opCreateMultipartUpload(c *call) error {
	proto, err := c.objectFromHeaders()
	if err != nil {
		return err
	}
	sum, err := c.uploadChecksumAlgorithm()
	if err != nil {
		return err
	}
	c.drainBody()
	u, err := s.store.createUpload(c.bucket, proto, sum, s.opts.Clock())
	if err != nil {
		return err
	}
	c.setSSEHeaders(proto.sse)
	if sum != client.ChecksumNone {
		c.w.Header().Set(s.wire.vendorHeader("checksum-algorithm"), sum.String())
	}
	c.result(http.StatusOK, &initiateResult{bucket: c.bucket, key: c.key, uploadID: u.id})
	return nil
}

type initiateResult struct{ bucket, key, uploadID string }

type xmlInitiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr,omitempty"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func (r *initiateResult) xmlForm(w *wire) any {
	return xmlInitiateResult{Xmlns: w.xmlns(), Bucket: r.bucket, Key: r.key, UploadID: r.uploadID}
}

func (r *initiateResult) jsonForm(*wire) any {
	return struct {
		Bucket   string `json:"bucket"`
		Key      string `json:"key"`
		UploadID string `json:"upload_id"`
	}{r.bucket, r.key, r.uploadID}
}

// uploadPartOp names a PUT ?uploadId request: UploadPartCopy when it
// names a copy source.
func (s *Server) uploadPartOp(c *call) string {
	if c.r.Header.Get(s.wire.vendorHeader("copy-source")) != "" {
		return "UploadPartCopy"
	}
	return "UploadPart"
}

// partNumber parses and range-checks the part number parameter: 1 to
// 10000 for S3 and COS, 0 to 9999 for QingStor (the dialect's
// FirstPartNumber and MaxParts).
func (c *call) partNumber() (int, error) {
	lim := c.s.dialect.Limits
	first, count := lim.FirstPartNumber, lim.MaxParts
	if count <= 0 {
		count = 10000
	}
	last := first + count - 1
	name := c.s.routeParam(c.s.dialect.Params.PartNumber, "partNumber")
	n, err := strconv.Atoi(c.query.Get(name))
	if err != nil || n < first || n > last {
		return 0, c.fail(errInvalidArgument, "Part number must be an integer between "+strconv.Itoa(first)+" and "+strconv.Itoa(last)+", inclusive")
	}
	return n, nil
}

// opUploadPart is PUT /bucket/key?partNumber=N&uploadId=ID, and
// UploadPartCopy when the request names a copy source.
func (s *Server) opUploadPart(c *call) error {
	if c.op == "UploadPartCopy" {
		return s.uploadPartCopy(c)
	}
	n, err := c.partNumber()
	if err != nil {
		return err
	}
	proto, alg, err := s.store.uploadProto(c.bucket, c.key, c.uploadID())
	if err != nil {
		return err
	}
	if err := c.checkSSE(proto, false); err != nil {
		return err
	}
	if err := c.requireUploadChecksum(false); err != nil {
		return err
	}
	sum, err := c.requestChecksum()
	if err != nil {
		return err
	}
	if err := c.checkPartChecksumType(alg, sum); err != nil {
		return err
	}
	d, err := c.readData(nil, 0, sum)
	if err != nil {
		return err
	}
	p := &part{number: n, data: d.data, md5: d.md5, crc: d.crc, checksum: d.checksum, modified: s.opts.Clock()}
	if alg == client.ChecksumNone {
		p.checksum = client.Checksum{} // verified and echoed, not kept: see checkPartChecksumType
	}
	if err := s.store.putPart(c.bucket, c.key, c.uploadID(), p); err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("ETag", p.etag())
	if s.wire.fl == flavorCOS {
		h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(p.crc, 10))
	}
	c.setSSEHeaders(proto.sse)
	c.setChecksumHeader(d.checksum)
	c.emptyOK(s.wire.statusCreated())
	return nil
}

// uploadPartCopy is UploadPartCopy: a part from a range of an existing
// object (x-amz-copy-source-range, x-cos-copy-source-range, QingStor's
// x-qs-copy-range).
func (s *Server) uploadPartCopy(c *call) error {
	n, err := c.partNumber()
	if err != nil {
		return err
	}
	proto, alg, err := s.store.uploadProto(c.bucket, c.key, c.uploadID())
	if err != nil {
		return err
	}
	if err := c.checkSSE(proto, false); err != nil {
		return err
	}
	src, err := s.copySourceObject(c)
	if err != nil {
		return err
	}
	rangeHeader := s.wire.vendorHeader("copy-source-range")
	if s.wire.fl == flavorQingStor {
		rangeHeader = "x-qs-copy-range"
	}
	start, end := int64(0), src.size()
	if v := c.r.Header.Get(rangeHeader); v != "" {
		var ok bool
		if start, end, ok = parseCopyRange(v, src.size()); !ok {
			return c.fail(errInvalidArgument, "The "+rangeHeader+" value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy; the source object has "+
				strconv.FormatInt(src.size(), 10)+" bytes.")
		}
	}
	c.drainBody()
	p := newPart(n, src.data[start:end:end], s.opts.Clock())
	// The server computes a copied part's checksum in the upload's
	// algorithm.
	p.checksum = client.ComputeChecksum(alg, p.data)
	if err := s.store.putPart(c.bucket, c.key, c.uploadID(), p); err != nil {
		return err
	}
	h := c.w.Header()
	if src.versionID != nullVersion {
		h.Set(s.wire.vendorHeader("copy-source-version-id"), src.versionID)
	}
	c.setSSEHeaders(proto.sse)
	if s.wire.fl == flavorQingStor {
		h.Set("ETag", p.etag())
		h.Set("x-qs-content-copy-range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end-1, 10)+"/"+strconv.FormatInt(src.size(), 10))
		c.emptyOK(http.StatusCreated)
		return nil
	}
	if s.wire.fl == flavorCOS {
		h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(p.crc, 10))
	}
	c.result(http.StatusOK, &copyResult{part: true, etag: p.etag(), modified: p.modified, crc: p.crc, checksum: p.checksum})
	return nil
}

// opCompleteMultipartUpload is POST /bucket/key?uploadId=ID.
func (s *Server) opCompleteMultipartUpload(c *call) error {
	body, err := c.readConfigBody(false)
	if err != nil {
		return err
	}
	list, err := c.parseCompleteBody(body)
	if err != nil {
		return err
	}
	snap, err := s.store.snapshotUpload(c.bucket, c.key, c.uploadID())
	if err != nil {
		return err
	}
	// COS answers InvalidPart when the part numbers have gaps.
	o, err := assemble(snap, list, s.minPartSize(), s.wire.fl == flavorCOS)
	if err != nil {
		return err
	}
	o.modified = s.opts.Clock()
	if name := s.dialect.Object.CompleteETagHeader; name != "" {
		// QingStor computes no ETag for an assembled object: it keeps
		// the one the request gives. Without one, this server keeps
		// S3's multipart form.
		if v := strings.Trim(strings.TrimSpace(c.r.Header.Get(name)), `"`); v != "" {
			o.tag = v
		}
	}
	if err := s.store.finishUpload(c.bucket, c.key, c.uploadID(), o); err != nil {
		return err
	}
	h := c.w.Header()
	c.setVersionHeader(o)
	c.setSSEHeaders(o.sse)
	if s.wire.fl == flavorCOS {
		h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.crc64, 10))
	}
	if s.wire.fl == flavorQingStor {
		h.Set("ETag", o.etag())
		c.emptyOK(http.StatusCreated)
		return nil
	}
	location := s.URL + c.r.URL.EscapedPath()
	if c.vhost {
		location = "http://" + c.r.Host + c.r.URL.EscapedPath()
	}
	c.result(http.StatusOK, &completeResult{
		location: location,
		bucket:   c.bucket, key: c.key, etag: o.etag(), checksum: o.checksum,
	})
	return nil
}

// parseCompleteBody reads the part list of a complete request:
// <CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...
// or QingStor's {"object_parts":[{"part_number":0,"etag":"..."}]}.
func (c *call) parseCompleteBody(body []byte) ([]completedPart, error) {
	var out []completedPart
	if c.s.wire.fl == flavorQingStor {
		var in struct {
			ObjectParts []struct {
				PartNumber *int   `json:"part_number"`
				ETag       string `json:"etag"`
			} `json:"object_parts"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, c.fail(errMalformedXML, "The request body is not valid JSON: "+err.Error())
		}
		for _, p := range in.ObjectParts {
			if p.PartNumber == nil {
				return nil, c.fail(errInvalidRequest, "Every object part needs a part_number.")
			}
			out = append(out, completedPart{number: *p.PartNumber, etag: p.ETag})
		}
		return out, nil
	}
	var in struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Parts   []struct {
			PartNumber string        `xml:"PartNumber"`
			ETag       string        `xml:"ETag"`
			Checksums  []xmlChecksum `xml:",any"`
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &in); err != nil {
		return nil, kindError(errMalformedXML)
	}
	for _, p := range in.Parts {
		n, err := strconv.Atoi(p.PartNumber)
		if err != nil || p.ETag == "" {
			return nil, kindError(errMalformedXML)
		}
		out = append(out, completedPart{number: n, etag: p.ETag, checksums: p.Checksums})
	}
	return out, nil
}

type completeResult struct {
	location, bucket, key, etag string
	checksum                    client.Checksum // composite, if the upload had checksums
}

type xmlCompleteResult struct {
	XMLName  xml.Name     `xml:"CompleteMultipartUploadResult"`
	Xmlns    string       `xml:"xmlns,attr,omitempty"`
	Location string       `xml:"Location"`
	Bucket   string       `xml:"Bucket"`
	Key      string       `xml:"Key"`
	ETag     string       `xml:"ETag"`
	Checksum *xmlChecksum // ChecksumCRC32C, ...: base64-N
	Type     string       `xml:"ChecksumType,omitempty"`
}

func (r *completeResult) xmlForm(w *wire) any {
	out := xmlCompleteResult{Xmlns: w.xmlns(), Location: r.location, Bucket: r.bucket, Key: r.key, ETag: r.etag, Checksum: checksumElement(r.checksum)}
	if out.Checksum != nil {
		out.Type = "COMPOSITE"
	}
	return out
}

func (r *completeResult) jsonForm(*wire) any { return struct{}{} }

// opAbortMultipartUpload is DELETE /bucket/key?uploadId=ID.
func (s *Server) opAbortMultipartUpload(c *call) error {
	if err := s.store.abortUpload(c.bucket, c.key, c.uploadID()); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// opListParts is GET /bucket/key?uploadId=ID: S3's max-parts and
// part-number-marker, QingStor's limit and part_number_marker.
func (s *Server) opListParts(c *call) error {
	qs := s.wire.fl == flavorQingStor
	sizeParam, markerParam := "max-parts", "part-number-marker"
	if qs {
		sizeParam, markerParam = "limit", "part_number_marker"
	}
	max, err := pageSize(c, sizeParam, defaultMaxParts, defaultMaxParts)
	if err != nil {
		return err
	}
	marker := -1
	if v := c.query.Get(markerParam); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return c.fail(errInvalidArgument, "Provided "+markerParam+" not an integer or within integer range")
		}
	}
	snap, err := s.store.snapshotUpload(c.bucket, c.key, c.uploadID())
	if err != nil {
		return err
	}
	res := &listPartsResult{bucket: c.bucket, key: c.key, uploadID: c.uploadID(), max: max, storageClass: snap.upload.proto.storageClass,
		checksum: snap.upload.checksum}
	if marker >= 0 {
		res.marker = strconv.Itoa(marker)
	}
	for _, p := range snap.sorted {
		if p.number <= marker {
			continue
		}
		if len(res.parts) == max {
			res.truncated = true
			break
		}
		res.parts = append(res.parts, p)
	}
	c.result(http.StatusOK, res)
	return nil
}

type listPartsResult struct {
	bucket, key, uploadID string
	storageClass          string
	marker                string
	max                   int
	truncated             bool
	parts                 []*part
	checksum              client.ChecksumAlgorithm
}

type xmlPart struct {
	PartNumber   int          `xml:"PartNumber"`
	LastModified string       `xml:"LastModified"`
	ETag         string       `xml:"ETag"`
	Size         int64        `xml:"Size"`
	Checksum     *xmlChecksum // ChecksumCRC32C, ...
}

type xmlListPartsResult struct {
	XMLName              xml.Name  `xml:"ListPartsResult"`
	Xmlns                string    `xml:"xmlns,attr,omitempty"`
	Bucket               string    `xml:"Bucket"`
	Key                  string    `xml:"Key"`
	UploadID             string    `xml:"UploadId"`
	Initiator            xmlOwner  `xml:"Initiator"`
	Owner                xmlOwner  `xml:"Owner"`
	StorageClass         string    `xml:"StorageClass"`
	ChecksumAlgorithm    string    `xml:"ChecksumAlgorithm,omitempty"`
	PartNumberMarker     string    `xml:"PartNumberMarker"`
	NextPartNumberMarker string    `xml:"NextPartNumberMarker,omitempty"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []xmlPart `xml:"Part"`
}

func (r *listPartsResult) xmlForm(w *wire) any {
	out := xmlListPartsResult{
		Xmlns: w.xmlns(), Bucket: r.bucket, Key: r.key, UploadID: r.uploadID,
		Initiator: w.owner(), Owner: w.owner(), StorageClass: r.storageClass,
		PartNumberMarker: r.marker, MaxParts: r.max, IsTruncated: r.truncated,
	}
	if out.PartNumberMarker == "" {
		out.PartNumberMarker = "0"
	}
	if r.checksum != client.ChecksumNone {
		out.ChecksumAlgorithm = r.checksum.String()
	}
	for _, p := range r.parts {
		out.Parts = append(out.Parts, xmlPart{PartNumber: p.number, LastModified: isoTime(p.modified), ETag: p.etag(), Size: int64(len(p.data)),
			Checksum: checksumElement(p.checksum)})
	}
	if r.truncated && len(r.parts) > 0 {
		out.NextPartNumberMarker = strconv.Itoa(r.parts[len(r.parts)-1].number)
	}
	return out
}

type jsonPart struct {
	PartNumber int    `json:"part_number"`
	Size       int64  `json:"size"`
	Etag       string `json:"etag"`
	Created    string `json:"created"`
}

func (r *listPartsResult) jsonForm(*wire) any {
	out := struct {
		Count       int        `json:"count"`
		ObjectParts []jsonPart `json:"object_parts"`
	}{Count: len(r.parts), ObjectParts: []jsonPart{}}
	for _, p := range r.parts {
		out.ObjectParts = append(out.ObjectParts, jsonPart{PartNumber: p.number, Size: int64(len(p.data)), Etag: p.etag(), Created: isoSeconds(p.modified)})
	}
	return out
}

// opListMultipartUploads is GET /bucket?uploads: S3's prefix, delimiter,
// key-marker, upload-id-marker and max-uploads; QingStor's key_marker,
// upload_id_marker and limit.
func (s *Server) opListMultipartUploads(c *call) error {
	q := c.query
	qs := s.wire.fl == flavorQingStor
	sizeParam, keyParam, idParam := "max-uploads", "key-marker", "upload-id-marker"
	if qs {
		sizeParam, keyParam, idParam = "limit", "key_marker", "upload_id_marker"
	}
	max, err := pageSize(c, sizeParam, defaultMaxUploads, defaultMaxUploads)
	if err != nil {
		return err
	}
	res := &listUploadsResult{bucket: c.bucket, max: max}
	res.params = uploadListParams{
		prefix: q.Get("prefix"), delimiter: q.Get("delimiter"),
		keyMarker: q.Get(keyParam), idMarker: q.Get(idParam), max: max,
	}
	if !qs {
		switch enc := q.Get("encoding-type"); enc {
		case "", "url":
			res.encodingType = enc
		default:
			return c.fail(errInvalidArgument, "Invalid Encoding Method specified in Request")
		}
	}
	page, err := s.store.listUploads(c.bucket, res.params)
	if err != nil {
		return err
	}
	res.page = page
	c.result(http.StatusOK, res)
	return nil
}

type listUploadsResult struct {
	bucket       string
	params       uploadListParams
	max          int
	encodingType string
	page         uploadPage
}

type xmlUpload struct {
	Key          string   `xml:"Key"`
	UploadID     string   `xml:"UploadId"`
	Initiator    xmlOwner `xml:"Initiator"`
	Owner        xmlOwner `xml:"Owner"`
	StorageClass string   `xml:"StorageClass"`
	Initiated    string   `xml:"Initiated"`
}

type xmlListUploadsResult struct {
	XMLName            xml.Name          `xml:"ListMultipartUploadsResult"`
	Xmlns              string            `xml:"xmlns,attr,omitempty"`
	Bucket             string            `xml:"Bucket"`
	KeyMarker          string            `xml:"KeyMarker"`
	UploadIDMarker     string            `xml:"UploadIdMarker"`
	NextKeyMarker      string            `xml:"NextKeyMarker,omitempty"`
	NextUploadIDMarker string            `xml:"NextUploadIdMarker,omitempty"`
	EncodingType       string            `xml:"EncodingType,omitempty"`
	Delimiter          string            `xml:"Delimiter,omitempty"`
	Prefix             string            `xml:"Prefix"`
	MaxUploads         int               `xml:"MaxUploads"`
	IsTruncated        bool              `xml:"IsTruncated"`
	Uploads            []xmlUpload       `xml:"Upload"`
	CommonPrefixes     []xmlCommonPrefix `xml:"CommonPrefixes"`
}

func (r *listUploadsResult) xmlForm(w *wire) any {
	enc := func(s string) string { return s }
	if r.encodingType == "url" {
		enc = s3KeyEncode
	}
	out := xmlListUploadsResult{
		Xmlns: w.xmlns(), Bucket: r.bucket, KeyMarker: enc(r.params.keyMarker), UploadIDMarker: r.params.idMarker,
		NextKeyMarker: enc(r.page.nextKey), NextUploadIDMarker: r.page.nextID, EncodingType: r.encodingType,
		Delimiter: enc(r.params.delimiter), Prefix: enc(r.params.prefix), MaxUploads: r.max, IsTruncated: r.page.truncated,
	}
	for _, u := range r.page.uploads {
		out.Uploads = append(out.Uploads, xmlUpload{
			Key: enc(u.key), UploadID: u.id, Initiator: w.owner(), Owner: w.owner(),
			StorageClass: u.storageClass, Initiated: isoTime(u.initiated),
		})
	}
	for _, p := range r.page.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, xmlCommonPrefix{Prefix: enc(p)})
	}
	return out
}

type jsonUpload struct {
	Key      string `json:"key"`
	UploadID string `json:"upload_id"`
	Created  string `json:"created"`
}

func (r *listUploadsResult) jsonForm(*wire) any {
	out := struct {
		Name               string       `json:"name"`
		Prefix             string       `json:"prefix"`
		Delimiter          string       `json:"delimiter"`
		Limit              int          `json:"limit"`
		Marker             string       `json:"marker"`
		NextKeyMarker      string       `json:"next_key_marker"`
		NextUploadIDMarker string       `json:"next_upload_id_marker"`
		HasMore            bool         `json:"has_more"`
		Uploads            []jsonUpload `json:"uploads"`
		CommonPrefixes     []string     `json:"common_prefixes"`
	}{
		Name: r.bucket, Prefix: r.params.prefix, Delimiter: r.params.delimiter, Limit: r.max,
		Marker: r.params.keyMarker, NextKeyMarker: r.page.nextKey, NextUploadIDMarker: r.page.nextID,
		HasMore: r.page.truncated, Uploads: []jsonUpload{}, CommonPrefixes: []string{},
	}
	for _, u := range r.page.uploads {
		out.Uploads = append(out.Uploads, jsonUpload{Key: u.key, UploadID: u.id, Created: isoSeconds(u.initiated)})
	}
	out.CommonPrefixes = append(out.CommonPrefixes, r.page.prefixes...)
	return out
}

// newPart builds a part from data it may keep.
func newPart(n int, data []byte, now time.Time) *part {
	d := bodyDigests(data)
	return &part{number: n, data: data, md5: d.md5, crc: d.crc, modified: now}
}
