package storagetest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/polystore/polystore/client"
)

// maxConfigBody is the largest configuration or request document (ACL,
// CORS, policy, delete list, part list) the server reads.
const maxConfigBody = 4 << 20

// readConfigBody reads a small request body: a configuration document or
// a list such as DeleteObjects's. It checks Content-MD5, a hex
// X-Amz-Content-Sha256 and, on dialects with additional checksums (S3,
// IBM), an x-amz-checksum-<algorithm> header or trailer when present;
// requireMD5 makes Content-MD5 mandatory, as the vendors do for some
// operations, where S3 and IBM also accept an additional checksum instead
// (aws-sdk-go-v2 and ibm-cos-sdk 2.16 send x-amz-checksum-crc32 on
// DeleteObjects). On CompleteMultipartUpload those headers describe the
// object being assembled, not the part list, and are not read here.
func (c *call) readConfigBody(requireMD5 bool) ([]byte, error) {
	h := c.r.Header
	var sum client.Checksum
	if c.op != "CompleteMultipartUpload" {
		var err error
		if sum, err = c.requestChecksum(); err != nil {
			return nil, err
		}
	}
	var body io.Reader = c.r.Body
	var cr *chunkedReader
	chunked := strings.HasPrefix(h.Get("X-Amz-Content-Sha256"), "STREAMING-") || hasToken(h.Get("Content-Encoding"), "aws-chunked")
	if chunked {
		cr = newChunkedReader(body)
		body = cr
	}
	data, err := io.ReadAll(io.LimitReader(body, maxConfigBody+1))
	if err != nil {
		if errors.Is(err, errBadChunk) {
			return nil, c.fail(errIncompleteBody, "The aws-chunked body is malformed: "+err.Error())
		}
		return nil, c.fail(errIncompleteBody, "")
	}
	if len(data) > maxConfigBody {
		return nil, kindError(errMaxMessageLength)
	}
	md5Header := h.Get("Content-MD5")
	if md5Header == "" && requireMD5 && sum.IsZero() {
		return nil, kindError(errMissingContentMD5)
	}
	if err := c.checkDocumentChecksum(data, sum, cr); err != nil {
		return nil, err
	}
	want, err := parseContentMD5(md5Header, c.s.wire.fl == flavorQingStor)
	if err != nil {
		return nil, err
	}
	if want != nil {
		sum := md5.Sum(data)
		if !bytes.Equal(sum[:], want) {
			return nil, kindError(errBadDigest)
		}
	}
	if !chunked {
		if wantSHA, err := hex.DecodeString(h.Get("X-Amz-Content-Sha256")); err == nil && len(wantSHA) == sha256.Size {
			if sum := sha256.Sum256(data); !bytes.Equal(sum[:], wantSHA) {
				return nil, kindError(errSHA256Mismatch)
			}
		}
	}
	return data, nil
}

// checkDocumentChecksum checks data against the additional checksum a
// request declares (nothing when sum is zero): the header's value, or the
// aws-chunked trailer's when the header only announced one. A mismatch is
// BadDigest.
func (c *call) checkDocumentChecksum(data []byte, sum client.Checksum, cr *chunkedReader) error {
	if sum.IsZero() {
		return nil
	}
	if sum.Value == nil { // announced in x-amz-trailer
		name := strings.ToLower(c.s.wire.checksumHeader(sum.Algorithm))
		var v string
		var ok bool
		if cr != nil {
			v, ok = cr.trailers[name]
		}
		got, err := client.ParseChecksum(sum.Algorithm, v)
		if !ok || err != nil || got.Parts != 0 {
			return c.fail(errInvalidRequest, "The trailing "+name+" is missing or malformed.")
		}
		sum = got
	}
	if !bytes.Equal(client.ComputeChecksum(sum.Algorithm, data).Value, sum.Value) {
		return c.checksumMismatch(sum.Algorithm)
	}
	return nil
}

// emptyOK answers status with no body and Content-Length 0.
func (c *call) emptyOK(status int) {
	c.w.Header().Set("Content-Length", "0")
	c.noContent(status)
}

// versionID is the version id the request names, in the dialect's
// parameter spelling; "" if none.
func (c *call) versionID() string {
	name := c.s.dialect.Params.VersionID
	if name == "" {
		name = "versionId"
	}
	return c.query.Get(name)
}

// setVersionHeader reports the version an answer is about, when the
// object lives in a bucket that was ever versioned (its id is not
// "null") or the request named a version.
func (c *call) setVersionHeader(o *object) {
	if o == nil {
		return
	}
	if o.versionID != "" && (o.versionID != nullVersion || c.versionID() != "") {
		c.w.Header().Set(c.s.wire.vendorHeader("version-id"), o.versionID)
	}
}

// setDeleteMarkerHeaders reports a delete marker (x-amz-delete-marker:
// true and its version id).
func (c *call) setDeleteMarkerHeaders(o *object) {
	if o == nil || !o.deleteMarker {
		return
	}
	h := c.w.Header()
	h.Set(c.s.wire.vendorHeader("delete-marker"), "true")
	if o.versionID != "" {
		h.Set(c.s.wire.vendorHeader("version-id"), o.versionID)
	}
}

// statusCreated is the status of a successful write: 201 for QingStor,
// 200 elsewhere.
func (w *wire) statusCreated() int {
	if w.fl == flavorQingStor {
		return http.StatusCreated
	}
	return http.StatusOK
}
