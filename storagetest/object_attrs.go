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
	"slices"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
)

// crc64Table is CRC-64/ECMA-182 as COS computes x-cos-hash-crc64ecma.
var crc64Table = crc64.MakeTable(crc64.ECMA)

// maxPreallocate caps how much memory a PUT reserves up front from its
// Content-Length.
const maxPreallocate = 64 << 20

// maxMetaKeyLength is QingStor's limit on one metadata name (without the
// prefix).
const maxMetaKeyLength = 512

// checkKeyLength refuses keys longer than the dialect allows.
func (c *call) checkKeyLength(key string) error {
	if limit := c.s.dialect.Limits.MaxKeyLength; limit > 0 && len(key) > limit {
		return c.fail(errKeyTooLong, "Your key is too long: "+strconv.Itoa(len(key))+" bytes, the limit is "+strconv.Itoa(limit)+".")
	}
	return nil
}

// objectFromHeaders builds an object for the request's key, without data,
// from the request headers: content headers, user metadata, storage
// class, ACL headers and SSE-C key. It checks the key length and the
// metadata size.
func (c *call) objectFromHeaders() (*object, error) {
	if err := c.checkKeyLength(c.key); err != nil {
		return nil, err
	}
	h := c.r.Header
	w := c.s.wire
	o := &object{
		key:                c.key,
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
		o.contentType = w.defaultContentType()
	}
	if o.storageClass == "" {
		o.storageClass = "STANDARD"
	}
	meta, err := c.userMetadata()
	if err != nil {
		return nil, err
	}
	o.meta = meta
	if a, ok, err := c.aclFromHeaders(); err != nil {
		return nil, err
	} else if ok {
		o.acl = a
	}
	sse, _, err := c.readSSE(false)
	if err != nil {
		return nil, err
	}
	if sse.managed, err = c.readManagedSSE(); err != nil {
		return nil, err
	}
	o.sse = sse
	return o, nil
}

// defaultContentType is the Content-Type of objects stored without one.
func (w *wire) defaultContentType() string {
	if w.fl == flavorS3 || w.fl == flavorIBM {
		return "binary/octet-stream"
	}
	return "application/octet-stream"
}

// userMetadata collects the request's user metadata headers and checks
// their size against the dialect's limit: the names (without prefix) and
// values together, as S3 and QingStor count them.
func (c *call) userMetadata() ([]metaPair, error) {
	w := c.s.wire
	var meta []metaPair
	total := 0
	for name, vals := range c.r.Header {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, w.metaPrefix) || len(lower) == len(w.metaPrefix) {
			continue
		}
		m := metaPair{name: lower[len(w.metaPrefix):], value: strings.Join(vals, ",")}
		if w.fl == flavorQingStor && len(m.name) > maxMetaKeyLength {
			return nil, c.fail(errMetadataTooLarge, "The metadata name "+m.name+" is longer than 512 bytes.")
		}
		total += len(m.name) + len(m.value)
		meta = append(meta, m)
	}
	if limit := c.s.dialect.Limits.MaxMetadataSize; limit > 0 && total > limit {
		return nil, c.fail(errMetadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size: "+
			strconv.Itoa(total)+" bytes, the limit is "+strconv.Itoa(limit)+".")
	}
	slices.SortFunc(meta, func(a, b metaPair) int { return strings.Compare(a.name, b.name) })
	return meta, nil
}

// bodyData is a request body as read, with its digests.
type bodyData struct {
	data     []byte
	md5      string // hex
	crc      uint64
	md5State []byte // the MD5 state after data, for appends
	checksum client.Checksum
}

// readData reads the request body (decoding aws-chunked framing),
// checking the Content-MD5 header and a hex X-Amz-Content-Sha256. With
// resume set, the MD5 is computed as a continuation of that marshaled
// MD5 state (appends), and crc continues from crc0. The additional
// checksum in sum's algorithm, if any, is computed as the body streams
// in and, when sum has a Value (from requestChecksum), checked against
// it: a mismatch is BadDigest.
func (c *call) readData(resume []byte, crc0 uint64, sum client.Checksum) (bodyData, error) {
	h := c.r.Header
	wantMD5, err := parseContentMD5(h.Get("Content-MD5"), c.s.wire.fl == flavorQingStor)
	if err != nil {
		return bodyData{}, err
	}
	shaHeader := h.Get("X-Amz-Content-Sha256")
	chunked := strings.HasPrefix(shaHeader, "STREAMING-") || hasToken(h.Get("Content-Encoding"), "aws-chunked")

	var body io.Reader = c.r.Body
	var cr *chunkedReader
	if chunked {
		cr = newChunkedReader(body)
		body = cr
	}
	trailer := ""
	if !sum.IsZero() && sum.Value == nil {
		trailer = strings.ToLower(c.s.wire.checksumHeader(sum.Algorithm))
		if !chunked {
			return bodyData{}, c.fail(errInvalidRequest, "A trailing checksum needs an aws-chunked body.")
		}
	}
	partMD5 := md5.New()
	whole := partMD5
	writers := []io.Writer{partMD5}
	if resume != nil {
		whole = md5.New()
		if u, ok := whole.(interface{ UnmarshalBinary([]byte) error }); ok {
			if err := u.UnmarshalBinary(resume); err != nil {
				return bodyData{}, c.fail(errInternal, "resuming the MD5 of an appendable object: "+err.Error())
			}
		}
		writers = append(writers, whole)
	}
	var shah hash.Hash
	wantSHA, shaErr := hex.DecodeString(shaHeader)
	if shaErr == nil && len(wantSHA) == sha256.Size {
		shah = sha256.New()
		writers = append(writers, shah)
	}
	var additional hash.Hash
	if !sum.IsZero() {
		additional = sum.Algorithm.New()
		writers = append(writers, additional)
	}
	var buf bytes.Buffer
	if n := c.r.ContentLength; n > 0 && !chunked {
		buf.Grow(int(min(n, maxPreallocate)))
	}
	writers = append(writers, &buf)
	if _, err := io.Copy(io.MultiWriter(writers...), body); err != nil {
		if errors.Is(err, errBadChunk) {
			return bodyData{}, c.fail(errIncompleteBody, "The aws-chunked body is malformed: "+err.Error())
		}
		return bodyData{}, c.fail(errIncompleteBody, "")
	}
	if chunked {
		if v := h.Get("X-Amz-Decoded-Content-Length"); v != "" && v != strconv.Itoa(buf.Len()) {
			return bodyData{}, c.fail(errIncompleteBody, "The decoded body has "+strconv.Itoa(buf.Len())+" bytes, X-Amz-Decoded-Content-Length says "+v+".")
		}
	}
	if sum := partMD5.Sum(nil); wantMD5 != nil && !bytes.Equal(sum, wantMD5) {
		return bodyData{}, kindError(errBadDigest)
	}
	if shah != nil && !bytes.Equal(shah.Sum(nil), wantSHA) {
		return bodyData{}, kindError(errSHA256Mismatch)
	}
	out := bodyData{data: buf.Bytes(), crc: crc64.Update(crc0, crc64Table, buf.Bytes())}
	if additional != nil {
		out.checksum = client.Checksum{Algorithm: sum.Algorithm, Value: additional.Sum(nil)}
		if trailer != "" {
			v, ok := cr.trailers[trailer]
			got, err := client.ParseChecksum(sum.Algorithm, v)
			if !ok || err != nil || got.Parts != 0 {
				return bodyData{}, c.fail(errInvalidRequest, "The trailing "+trailer+" is missing or malformed.")
			}
			sum = got
		}
		if sum.Value != nil && !bytes.Equal(out.checksum.Value, sum.Value) {
			return bodyData{}, c.checksumMismatch(sum.Algorithm)
		}
	}
	out.md5 = hex.EncodeToString(whole.Sum(nil))
	if m, ok := whole.(interface{ MarshalBinary() ([]byte, error) }); ok {
		out.md5State, _ = m.MarshalBinary() // crypto/md5 always marshals
	}
	return out, nil
}

// readObject reads the request into a new object: attributes from the
// headers, data from the body, and the additional checksum the request
// declares, verified.
func (c *call) readObject() (*object, error) {
	o, err := c.objectFromHeaders()
	if err != nil {
		return nil, err
	}
	sum, err := c.requestChecksum()
	if err != nil {
		return nil, err
	}
	d, err := c.readData(nil, 0, sum)
	if err != nil {
		return nil, err
	}
	o.data, o.md5, o.crc64, o.checksum = d.data, d.md5, d.crc, d.checksum
	if o.sse.kms() {
		o.tag = opaqueTag(o.md5)
	}
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

// bodyDigests computes the digests of data already in memory.
func bodyDigests(data []byte) bodyData {
	sum := md5.Sum(data)
	return bodyData{data: data, md5: hex.EncodeToString(sum[:]), crc: crc64.Checksum(data, crc64Table)}
}
