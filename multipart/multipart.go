// Package multipart holds polystore's typed multipart-upload operations on
// every dialect: initiate, upload part, upload part copy, complete, abort
// and list parts.
//
//	uploads := multipart.NewClient(c)
//	up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: "b", Key: "big.bin"})
//	part, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{
//		Bucket: "b", Key: "big.bin", UploadID: up.UploadID,
//		PartNumber: c.Dialect().Limits.FirstPartNumber,
//		Body: io.NewSectionReader(f, 0, partSize),
//	})
//
// Part numbers follow the dialect: QingStor numbers parts from 0, the
// others from 1 (Dialect.Limits.FirstPartNumber). The part-count and
// part-size limits come from Dialect.Limits too; inputs outside them are
// refused before any request with a *client.InvalidArgumentError naming
// the field.
package multipart

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/polystore/polystore/internal/opkit"
	"io"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
)

// Client runs multipart operations. It is cheap to create and safe for
// concurrent use.
type Client struct{ c *client.Client }

// NewClient returns a multipart client over c.
func NewClient(c *client.Client) *Client { return &Client{c: c} }

// InitiateInput is the input of Initiate. The content headers, metadata,
// storage class, ACL and SSE-C key apply to the object Complete creates.
type InitiateInput struct {
	Bucket string
	Key    string
	// ContentType, ContentEncoding, ContentDisposition, ContentLanguage,
	// CacheControl and Expires (an HTTP date) are stored with the object.
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// Metadata is user metadata, sent with the dialect's prefix; its size
	// counts against Limits.MaxMetadataSize.
	Metadata map[string]string
	// StorageClass must be one of the dialect's ObjectWire.StorageClasses.
	StorageClass client.StorageClass
	// ACL and Grants set the object's ACL (dialects with object ACLs).
	ACL    client.CannedACL
	Grants []client.Grant
	// SSE encrypts the object with a customer-provided key; every
	// UploadPart (and Complete, on QingStor) must send the same key.
	SSE *client.SSECustomer
	// ChecksumAlgorithm declares the additional checksum of the parts
	// (dialects with client.FeatureChecksums): every UploadPart must then
	// send a Checksum in this algorithm, and Complete must list each
	// part's. The object gets a composite checksum, a checksum of the
	// parts' checksums (client.CompositeChecksum). ChecksumCRC64NVME is a
	// whole-object checksum and is refused here.
	ChecksumAlgorithm client.ChecksumAlgorithm
}

func (in *InitiateInput) options() *opkit.ObjectOptions {
	return &opkit.ObjectOptions{
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage,
		CacheControl: in.CacheControl, Expires: in.Expires, Metadata: in.Metadata,
		StorageClass: in.StorageClass, ACL: in.ACL, Grants: in.Grants, SSE: in.SSE,
	}
}

// InitiateOutput is the result of Initiate.
type InitiateOutput struct {
	Bucket   string
	Key      string
	UploadID string
	// ChecksumAlgorithm is the parts' checksum algorithm, as the server
	// echoes it (ChecksumNone when it does not).
	ChecksumAlgorithm client.ChecksumAlgorithm
	RequestID         string
}

type initiateResult struct {
	Bucket   string `xml:"Bucket" json:"bucket"`
	Key      string `xml:"Key" json:"key"`
	UploadID string `xml:"UploadId" json:"upload_id"`
}

var initiateOp = opkit.Op[InitiateInput, InitiateOutput]{
	Name: "InitiateMultipartUpload",
	// A retry after a lost answer can leave an unused upload behind;
	// bucket lifecycle rules (AbortIncompleteMultipartUpload) clean those.
	Idempotent: true,
	Validate: func(d *client.Dialect, in *InitiateInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if err := opkit.CheckChecksumAlgorithm(d, "ChecksumAlgorithm", in.ChecksumAlgorithm); err != nil {
			return err
		}
		return opkit.CheckObjectOptions(d, in.options())
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *InitiateInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPost, in.Bucket, in.Key
		r.Query.Set("uploads", "")
		opkit.SetObjectOptions(d, r.Header, in.options())
		opkit.SetChecksumAlgorithm(d, r.Header, in.ChecksumAlgorithm)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *InitiateOutput) error {
		var res initiateResult
		if err := opkit.DecodeResult(d, "InitiateMultipartUpload", resp, &res); err != nil {
			return err
		}
		if res.UploadID == "" {
			return errors.New("the answer has no upload id")
		}
		out.Bucket, out.Key, out.UploadID = res.Bucket, res.Key, res.UploadID
		out.ChecksumAlgorithm = responseChecksumAlgorithm(d, resp.Header)
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Initiate starts a multipart upload and returns its upload id. An upload
// that is neither completed nor aborted keeps its parts (and their cost)
// on the server: always Complete or Abort.
func (c *Client) Initiate(ctx context.Context, in *InitiateInput, optFns ...func(*client.Options)) (*InitiateOutput, error) {
	return opkit.Invoke(ctx, c.c, &initiateOp, in, optFns)
}

// UploadPartInput is the input of UploadPart.
type UploadPartInput struct {
	Bucket   string
	Key      string
	UploadID string
	// PartNumber is the part's number: from Limits.FirstPartNumber (0 on
	// QingStor, 1 elsewhere) for up to Limits.MaxParts parts. Parts may be
	// uploaded in any order and concurrently; uploading a number again
	// replaces that part.
	PartNumber int
	// Body is the part's content. An io.ReaderAt that is also an io.Seeker
	// (io.NewSectionReader over a file, *os.File, *bytes.Reader) is read
	// from its current offset without being buffered, and can be resent on
	// a retry. A plain io.Reader is streamed once and needs Size.
	Body io.Reader
	// Size is the part's length; 0 means all of Body, which needs a Body
	// whose length can be found. It may not exceed Limits.MaxPartSize;
	// every part but the last must be at least Limits.MinPartSize, which
	// the server checks on Complete.
	Size int64
	// ContentMD5 is the raw 16-byte MD5 of the part; the server refuses a
	// part that does not match. ComputeContentMD5 computes it by reading a
	// replayable Body once more before sending.
	ContentMD5        []byte
	ComputeContentMD5 bool
	// SSE is the customer key given to Initiate, if any.
	SSE *client.SSECustomer
	// Checksum is the part's additional checksum, in the algorithm the
	// upload was initiated with (the server refuses another, and refuses
	// a part that does not match it). Complete lists it again in
	// CompletedPart.Checksum. client.ComputeChecksum computes one.
	Checksum client.Checksum
	// TrailingChecksum, instead of Checksum, has the client compute the
	// part's additional checksum in this algorithm while sending it and
	// send it after the body as an aws-chunked trailer, so the body is
	// read once. It needs a dialect with client.FeatureTrailingChecksums
	// and a SigV4 signer (else client.ErrNotSupported, before any
	// request). The server checks it and echoes it in
	// UploadPartOutput.Checksum; an answer without the echo is an error
	// matching client.ErrTrailerIgnored (the server did not decode the
	// framing: upload the part again without TrailingChecksum).
	TrailingChecksum client.ChecksumAlgorithm
	// Integrity is what the part carries for the server to verify it when
	// none of ContentMD5, ComputeContentMD5, Checksum and TrailingChecksum
	// is set: client.IntegrityDefault takes the client's
	// Options.Integrity, whose default, client.IntegrityAuto, is the
	// cheapest checksum the dialect verifies (a CRC32C additional checksum
	// on S3 and IBM, falling back to Content-MD5 on a server that refuses
	// or ignores it; the CRC-64 on COS; Content-MD5 on QingStor).
	// client.IntegrityOff sends none. S3 takes a part's CRC32C whether or
	// not the upload was initiated with a ChecksumAlgorithm (since 2025;
	// such a checksum is verified, not kept for Complete); a server that
	// still refuses it ("Checksum Type mismatch") gets Content-MD5.
	// UploadPartOutput.Verified says what the server verified.
	Integrity client.Integrity
	// PayloadSHA256 is the part's raw SHA-256, if the caller has it: a
	// SigV4 request whose payload is signed (client.PayloadSigning; by
	// default over plain http) signs it instead of computing it.
	PayloadSHA256 []byte

	// prepared is the body with its checksums, as UploadPart sends it.
	prepared opkit.PreparedBody
}

// UploadPartOutput is the result of UploadPart.
type UploadPartOutput struct {
	// ETag identifies the part for Complete (quotes stripped).
	ETag string
	// CRC64 is the part's CRC-64/ECMA-182 when the dialect reports one
	// (COS x-cos-hash-crc64ecma); HasCRC64 says whether it did.
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the part's additional checksum as the server reports
	// it, for CompletedPart.Checksum.
	Checksum client.Checksum
	// Verified names what the server verified the part with: "crc32c"
	// (or another additional checksum it echoed), "md5" (Content-MD5, or
	// an ETag equal to the part's MD5), "crc64" (COS's CRC-64, equal to
	// the part's). It is "" when nothing did, and Unverified then says
	// why.
	Verified   string
	Unverified string
	RequestID  string
}

var uploadPartOp = opkit.Op[UploadPartInput, UploadPartOutput]{
	Name:       "UploadPart",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *UploadPartInput) error {
		if err := checkUpload(d, in.Bucket, in.Key, in.UploadID); err != nil {
			return err
		}
		if err := opkit.CheckPartNumber(d, "PartNumber", in.PartNumber); err != nil {
			return err
		}
		if in.Size < 0 {
			return client.InvalidArgument("Size", "must not be negative (0 means all of Body)")
		}
		if max := d.Limits.MaxPartSize; max > 0 && in.Size > max {
			return client.InvalidArgument("Size", "%d bytes exceeds the %s part size limit of %d", in.Size, d.Name, max)
		}
		if in.ContentMD5 != nil && len(in.ContentMD5) != 16 {
			return client.InvalidArgument("ContentMD5", "must be 16 bytes, got %d", len(in.ContentMD5))
		}
		if in.SSE != nil && d.Object.SSECustomerPrefix == "" {
			return client.NotSupported(d, "SSE", "customer-provided encryption keys")
		}
		if err := opkit.CheckChecksum(d, "Checksum", in.Checksum); err != nil {
			return err
		}
		if err := opkit.CheckTrailingChecksum(d, "TrailingChecksum", in.TrailingChecksum, in.Checksum); err != nil {
			return err
		}
		if err := opkit.CheckIntegrity("Integrity", in.Integrity); err != nil {
			return err
		}
		if err := opkit.CheckPayloadSHA256("PayloadSHA256", in.PayloadSHA256); err != nil {
			return err
		}
		return opkit.CheckSSE(d, "SSE", in.SSE)
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *UploadPartInput, r *opkit.Request) error {
		if in.prepared != nil {
			r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
			r.Query.Set(d.Params.UploadID, in.UploadID)
			r.Query.Set(d.Params.PartNumber, strconv.Itoa(in.PartNumber))
			opkit.SetSSECustomer(d, r.Header, in.SSE, false)
			in.prepared.Apply(r)
			return nil
		}
		size := in.Size
		if size == 0 {
			size = -1
		}
		body, err := opkit.NewBody(in.Body, size)
		if err != nil {
			return err
		}
		if max := d.Limits.MaxPartSize; max > 0 && body.Size() > max {
			return client.InvalidArgument("Size", "%d bytes exceeds the %s part size limit of %d", body.Size(), d.Name, max)
		}
		sum := in.ContentMD5
		if sum == nil && in.ComputeContentMD5 {
			if sum, err = bodyMD5(in.Body, body.Size()); err != nil {
				return err
			}
		}
		r.Method, r.Bucket, r.Key, r.Body = http.MethodPut, in.Bucket, in.Key, body
		r.Query.Set(d.Params.UploadID, in.UploadID)
		r.Query.Set(d.Params.PartNumber, strconv.Itoa(in.PartNumber))
		if sum != nil {
			r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum))
		}
		opkit.SetChecksum(d, r.Header, in.Checksum)
		opkit.SetSSECustomer(d, r.Header, in.SSE, false)
		if in.TrailingChecksum != client.ChecksumNone {
			if !opkit.CanTrail(d, o) {
				return client.NotSupported(d, "TrailingChecksum", "trailing checksums with this signer")
			}
			opkit.SetTrailingChecksum(d, r, in.TrailingChecksum, "")
		} else if in.PayloadSHA256 != nil {
			r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(in.PayloadSHA256))
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *UploadPartOutput) error {
		out.ETag = opkit.TrimETag(resp.Header.Get("ETag"))
		if out.ETag == "" {
			// Without its ETag the part cannot be listed in Complete:
			// the answer proves nothing.
			return opkit.NewMalformedResponseError(d, "UploadPart", resp, "no ETag header", nil, nil)
		}
		out.CRC64, out.HasCRC64 = opkit.CRC64Header(d, resp.Header)
		out.Checksum, _ = opkit.ResponseChecksum(d, resp.Header)
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// bodyMD5 computes the MD5 of size bytes of r from its current offset
// without moving it, for replayable bodies only.
func bodyMD5(r io.Reader, size int64) ([]byte, error) {
	h := md5.New()
	switch v := r.(type) {
	case nil:
	case io.ReadSeeker:
		start, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, client.InvalidArgument("ComputeContentMD5", "needs a seekable Body: %v", err)
		}
		if ra, ok := r.(io.ReaderAt); ok {
			if _, err := io.Copy(h, io.NewSectionReader(ra, start, size)); err != nil {
				return nil, err
			}
			break
		}
		if _, err := io.CopyN(h, v, size); err != nil {
			return nil, err
		}
		if _, err := v.Seek(start, io.SeekStart); err != nil {
			return nil, err
		}
	default:
		return nil, client.InvalidArgument("ComputeContentMD5", "needs a Body that can be read twice (an io.ReaderAt or io.Seeker); pass ContentMD5 instead")
	}
	return h.Sum(nil), nil
}

// UploadPartCopyInput is the input of UploadPartCopy.
type UploadPartCopyInput struct {
	Bucket     string
	Key        string
	UploadID   string
	PartNumber int
	// SourceBucket, SourceKey and SourceVersionID name the object to copy
	// from (in the client's region).
	SourceBucket    string
	SourceKey       string
	SourceVersionID string
	// SourceOffset and SourceLength select a byte range of the source;
	// SourceLength 0 copies from SourceOffset to the end (the whole object
	// when both are 0).
	SourceOffset int64
	SourceLength int64
	// The copy happens only if the source matches these conditions; a
	// failed one is an error matching client.ErrPreconditionFailed.
	SourceIfMatch           string
	SourceIfNoneMatch       string
	SourceIfModifiedSince   time.Time
	SourceIfUnmodifiedSince time.Time
	// SourceSSE is the source's customer key; SSE the upload's.
	SourceSSE *client.SSECustomer
	SSE       *client.SSECustomer
}

// UploadPartCopyOutput is the result of UploadPartCopy.
type UploadPartCopyOutput struct {
	ETag                string
	LastModified        time.Time
	CopySourceVersionID string
	// Checksum is the part's additional checksum, which the server
	// computes for an upload initiated with a ChecksumAlgorithm; list it
	// in CompletedPart.Checksum.
	Checksum  client.Checksum
	RequestID string
}

type copyPartResult struct {
	ETag         string        `xml:"ETag" json:"etag"`
	LastModified string        `xml:"LastModified" json:"last_modified"`
	Checksums    []checksumXML `xml:",any" json:"-"`
}

var uploadPartCopyOp = opkit.Op[UploadPartCopyInput, UploadPartCopyOutput]{
	Name:       "UploadPartCopy",
	Idempotent: true,
	ErrorIn200: true,
	Validate: func(d *client.Dialect, in *UploadPartCopyInput) error {
		if !d.Has(client.FeatureMultipartCopy) {
			return client.NotSupported(d, "SourceKey", "copying a part from an object")
		}
		if err := checkUpload(d, in.Bucket, in.Key, in.UploadID); err != nil {
			return err
		}
		if err := opkit.CheckPartNumber(d, "PartNumber", in.PartNumber); err != nil {
			return err
		}
		if err := opkit.CheckBucket(d, in.SourceBucket); err != nil {
			return opkit.Rename(err, "SourceBucket")
		}
		if err := opkit.ValidateKey(d, in.SourceKey); err != nil {
			return opkit.Rename(err, "SourceKey")
		}
		if in.SourceOffset < 0 {
			return client.InvalidArgument("SourceOffset", "must not be negative")
		}
		if in.SourceLength < 0 {
			return client.InvalidArgument("SourceLength", "must not be negative")
		}
		if in.SourceLength == 0 && in.SourceOffset > 0 {
			return client.InvalidArgument("SourceLength", "is required with SourceOffset: the copy range header needs both ends")
		}
		conditional := in.SourceIfMatch != "" || in.SourceIfNoneMatch != "" || !in.SourceIfModifiedSince.IsZero() || !in.SourceIfUnmodifiedSince.IsZero()
		if conditional && d.Object.CopySourceConditionPrefix == "" {
			return client.NotSupported(d, "SourceIfMatch", "conditions on a copy source")
		}
		if in.SourceLength > 0 && d.Object.CopyRangeHeader == "" {
			return client.NotSupported(d, "SourceLength", "copying a byte range")
		}
		if max := d.Limits.MaxPartSize; max > 0 && in.SourceLength > max {
			return client.InvalidArgument("SourceLength", "%d bytes exceeds the %s part size limit of %d", in.SourceLength, d.Name, max)
		}
		if err := opkit.CheckSSE(d, "SSE", in.SSE); err != nil {
			return err
		}
		return opkit.CheckCopySourceSSE(d, "SourceSSE", in.SourceSSE)
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *UploadPartCopyInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
		r.Query.Set(d.Params.UploadID, in.UploadID)
		r.Query.Set(d.Params.PartNumber, strconv.Itoa(in.PartNumber))
		w := &d.Object
		r.Header.Set(w.CopySourceHeader, opkit.CopySourceValue(d, o.Region, in.SourceBucket, in.SourceKey, in.SourceVersionID))
		if in.SourceLength > 0 {
			r.Header.Set(w.CopyRangeHeader, fmt.Sprintf("bytes=%d-%d", in.SourceOffset, in.SourceOffset+in.SourceLength-1))
		}
		opkit.SetHeader(r.Header, w.CopySourceConditionPrefix+"if-match", opkit.QuoteETag(in.SourceIfMatch))
		opkit.SetHeader(r.Header, w.CopySourceConditionPrefix+"if-none-match", opkit.QuoteETag(in.SourceIfNoneMatch))
		setTime(r.Header, w.CopySourceConditionPrefix+"if-modified-since", in.SourceIfModifiedSince)
		setTime(r.Header, w.CopySourceConditionPrefix+"if-unmodified-since", in.SourceIfUnmodifiedSince)
		opkit.SetSSECustomer(d, r.Header, in.SSE, false)
		opkit.SetSSECustomer(d, r.Header, in.SourceSSE, true)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *UploadPartCopyOutput) error {
		var res copyPartResult
		if err := opkit.DecodeResult(d, "UploadPartCopy", resp, &res); err != nil {
			return err
		}
		out.ETag = opkit.TrimETag(res.ETag)
		if out.ETag == "" {
			out.ETag = opkit.TrimETag(resp.Header.Get("ETag"))
		}
		if out.ETag == "" && d.Object.CopyPartETag {
			// An empty answer, or a result without the ETag Complete
			// needs: the copy may or may not have happened.
			return opkit.NewMalformedResponseError(d, "UploadPartCopy", resp, "no ETag in the CopyPartResult", nil, nil)
		}
		out.LastModified = opkit.ParseTime(res.LastModified)
		out.Checksum = checksumOf(d, res.Checksums)
		out.CopySourceVersionID = resp.Header.Get(d.HeaderPrefix + "copy-source-version-id")
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// UploadPartCopy copies a byte range of an existing object into a part,
// server-side. A failure reported inside a 200 answer is returned as a
// *client.ResponseError; a 200 with only whitespace is retried like a
// 500, and an answer without an ETag (S3, COS, IBM) is a
// *client.MalformedResponseError.
func (c *Client) UploadPartCopy(ctx context.Context, in *UploadPartCopyInput, optFns ...func(*client.Options)) (*UploadPartCopyOutput, error) {
	return opkit.Invoke(ctx, c.c, &uploadPartCopyOp, in, optFns)
}

// CompletedPart names an uploaded part for Complete.
type CompletedPart struct {
	PartNumber int
	ETag       string
	// Checksum is the part's additional checksum (UploadPartOutput's),
	// required for every part of an upload initiated with a
	// ChecksumAlgorithm, on dialects with client.FeatureChecksums.
	Checksum client.Checksum
}

// CompleteInput is the input of Complete.
type CompleteInput struct {
	Bucket   string
	Key      string
	UploadID string
	// Parts lists the parts that make up the object, in any order: they
	// are sent sorted by part number. Numbers need not be contiguous;
	// uploaded parts left out are discarded.
	Parts []CompletedPart
	// SSE is the upload's customer key (QingStor wants it on Complete).
	SSE *client.SSECustomer
	// ETag, if set, is the ETag the assembled object gets, on dialects
	// whose Complete takes one (client.ObjectWire.CompleteETagHeader:
	// QingStor computes no ETag for an assembled object and keeps the
	// one the request names). Other dialects refuse it with
	// client.ErrNotSupported.
	ETag string
}

// CompleteOutput is the result of Complete.
type CompleteOutput struct {
	Location  string
	Bucket    string
	Key       string
	ETag      string
	VersionID string
	CRC64     uint64
	HasCRC64  bool
	// Checksum is the object's composite additional checksum, for an
	// upload initiated with a ChecksumAlgorithm: the checksum of the
	// parts' checksums, with Parts set (see client.CompositeChecksum).
	Checksum  client.Checksum
	RequestID string
}

type completeXML struct {
	XMLName xml.Name          `xml:"CompleteMultipartUpload"`
	Parts   []completePartXML `xml:"Part"`
}

type completePartXML struct {
	PartNumber int          `xml:"PartNumber"`
	ETag       string       `xml:"ETag"`
	Checksum   *checksumXML // named by its XMLName: ChecksumCRC32C, ...
}

// checksumXML is one checksum element of S3's multipart documents, such
// as <ChecksumCRC32C>base64</ChecksumCRC32C>; opkit.ChecksumElement
// names it.
type checksumXML struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// checksumElement returns c's element, or nil for no checksum.
func checksumElement(c client.Checksum) *checksumXML {
	if c.IsZero() {
		return nil
	}
	return &checksumXML{XMLName: xml.Name{Local: opkit.ChecksumElement(c.Algorithm)}, Value: c.String()}
}

// checksumOf returns the checksum among the elements of a Part or result
// document, on dialects with client.FeatureChecksums. A malformed value
// is ignored, as client.Dialect.ResponseChecksum ignores one in a header.
func checksumOf(d *client.Dialect, els []checksumXML) client.Checksum {
	if !d.Has(client.FeatureChecksums) {
		return client.Checksum{}
	}
	for _, el := range els {
		for _, a := range client.ChecksumAlgorithm(0).Values()[1:] {
			if el.XMLName.Local != opkit.ChecksumElement(a) {
				continue
			}
			if c, err := client.ParseChecksum(a, strings.TrimSpace(el.Value)); err == nil {
				return c
			}
		}
	}
	return client.Checksum{}
}

// responseChecksumAlgorithm reads the x-amz-checksum-algorithm header of
// an answer, on dialects with client.FeatureChecksums.
func responseChecksumAlgorithm(d *client.Dialect, h http.Header) client.ChecksumAlgorithm {
	if !d.Has(client.FeatureChecksums) {
		return client.ChecksumNone
	}
	v := h.Get(d.HeaderPrefix + "checksum-algorithm")
	for _, a := range client.ChecksumAlgorithm(0).Values()[1:] {
		if strings.EqualFold(v, a.String()) {
			return a
		}
	}
	return client.ChecksumNone
}

// maxCompleteBody bounds how much of a Complete answer is read: the
// whitespace S3 sends while it works and the result document (the bound
// of opkit.DecodeResult).
const maxCompleteBody = 64 << 20

type completeJSON struct {
	Parts []completePartJSON `json:"object_parts"`
}

type completePartJSON struct {
	PartNumber int    `json:"part_number"`
	ETag       string `json:"etag,omitempty"`
}

type completeResult struct {
	XMLName   xml.Name      `xml:"CompleteMultipartUploadResult" json:"-"`
	Location  string        `xml:"Location" json:"location"`
	Bucket    string        `xml:"Bucket" json:"bucket"`
	Key       string        `xml:"Key" json:"key"`
	ETag      string        `xml:"ETag" json:"etag"`
	Checksums []checksumXML `xml:",any" json:"-"`
}

var completeOp = opkit.Op[CompleteInput, CompleteOutput]{
	Name:       "CompleteMultipartUpload",
	Idempotent: true,
	ErrorIn200: true,
	Validate: func(d *client.Dialect, in *CompleteInput) error {
		if err := checkUpload(d, in.Bucket, in.Key, in.UploadID); err != nil {
			return err
		}
		if len(in.Parts) == 0 {
			return client.InvalidArgument("Parts", "must name at least one part")
		}
		if max := d.Limits.MaxParts; max > 0 && len(in.Parts) > max {
			return client.InvalidArgument("Parts", "has %d parts; the %s limit is %d", len(in.Parts), d.Name, max)
		}
		seen := make(map[int]bool, len(in.Parts))
		if err := checkPartChecksums(d, in.Parts); err != nil {
			return err
		}
		for i, p := range in.Parts {
			if err := opkit.CheckPartNumber(d, fmt.Sprintf("Parts[%d].PartNumber", i), p.PartNumber); err != nil {
				return err
			}
			if seen[p.PartNumber] {
				return client.InvalidArgument(fmt.Sprintf("Parts[%d].PartNumber", i), "%d is listed twice", p.PartNumber)
			}
			seen[p.PartNumber] = true
			if p.ETag == "" && d.Object.CompletePartETags {
				return client.InvalidArgument(fmt.Sprintf("Parts[%d].ETag", i), "must not be empty")
			}
		}
		if err := checkCompleteETag(d, in.ETag); err != nil {
			return err
		}
		return opkit.CheckSSE(d, "SSE", in.SSE)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *CompleteInput, r *opkit.Request) error {
		parts := slices.Clone(in.Parts)
		slices.SortFunc(parts, func(a, b CompletedPart) int { return a.PartNumber - b.PartNumber })
		var body []byte
		var err error
		switch d.Codec {
		case client.JSON:
			doc := completeJSON{Parts: make([]completePartJSON, len(parts))}
			for i, p := range parts {
				doc.Parts[i] = completePartJSON{PartNumber: p.PartNumber, ETag: opkit.QuoteETag(p.ETag)}
			}
			body, err = json.Marshal(doc)
			r.Header.Set("Content-Type", "application/json")
		default:
			doc := completeXML{Parts: make([]completePartXML, len(parts))}
			for i, p := range parts {
				doc.Parts[i] = completePartXML{PartNumber: p.PartNumber, ETag: opkit.QuoteETag(p.ETag), Checksum: checksumElement(p.Checksum)}
			}
			body, err = xml.Marshal(doc)
			r.Header.Set("Content-Type", "application/xml")
		}
		if err != nil {
			return err
		}
		r.Method, r.Bucket, r.Key, r.Body = http.MethodPost, in.Bucket, in.Key, opkit.BytesBody(body)
		r.Query.Set(d.Params.UploadID, in.UploadID)
		opkit.SetSSECustomer(d, r.Header, in.SSE, false)
		if in.ETag != "" {
			r.Header.Set(d.Object.CompleteETagHeader, opkit.QuoteETag(in.ETag))
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *CompleteOutput) error {
		const op = "CompleteMultipartUpload"
		// Read the answer first, to tell what it lacks if it is no
		// result. S3 sends spaces while it works; a body that breaks
		// off, or ends before a result, says nothing of the outcome.
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxCompleteBody))
		if err != nil {
			return opkit.NewMalformedResponseError(d, op, resp, "the body broke off", bytes.TrimSpace(body), err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var res completeResult
		withResult := d.Object.ResultDocuments // QingStor answers 201 with no body
		if withResult && len(bytes.TrimSpace(body)) == 0 {
			return opkit.NewMalformedResponseError(d, op, resp, "empty body, no CompleteMultipartUploadResult", nil, nil)
		}
		if err := opkit.DecodeResult(d, op, resp, &res); err != nil {
			var re *client.ResponseError
			if errors.As(err, &re) {
				return err // an error document in a 200
			}
			return opkit.NewMalformedResponseError(d, op, resp, "not a CompleteMultipartUploadResult document", bytes.TrimSpace(body), err)
		}
		out.Location, out.Bucket, out.Key = res.Location, res.Bucket, res.Key
		out.ETag = opkit.TrimETag(res.ETag)
		if out.ETag == "" {
			out.ETag = opkit.TrimETag(resp.Header.Get("ETag"))
		}
		if withResult && out.ETag == "" {
			return opkit.NewMalformedResponseError(d, op, resp, "no ETag in the result", bytes.TrimSpace(body), nil)
		}
		out.VersionID = resp.Header.Get(d.HeaderPrefix + "version-id")
		out.CRC64, out.HasCRC64 = opkit.CRC64Header(d, resp.Header)
		out.Checksum = checksumOf(d, res.Checksums)
		if out.Checksum.IsZero() {
			out.Checksum, _ = opkit.ResponseChecksum(d, resp.Header)
		}
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// checkPartChecksums validates the parts' checksums for Complete: each a
// valid checksum of content on a dialect that has them, and either none
// or all of the parts with one, in one algorithm (as the server requires
// of an upload initiated with a ChecksumAlgorithm).
func checkPartChecksums(d *client.Dialect, parts []CompletedPart) error {
	var first *CompletedPart
	for i := range parts {
		p := &parts[i]
		field := fmt.Sprintf("Parts[%d].Checksum", i)
		if err := opkit.CheckChecksum(d, field, p.Checksum); err != nil {
			return err
		}
		if !p.Checksum.IsZero() && !d.Object.CompletePartChecksums {
			return client.NotSupported(d, field, "part checksums in a complete request")
		}
		if i == 0 {
			first = p
			continue
		}
		switch {
		case p.Checksum.Algorithm == first.Checksum.Algorithm:
		case first.Checksum.IsZero():
			return client.InvalidArgument("Parts[0].Checksum", "is missing: Parts[%d] has a %s checksum, and every part of an upload with checksums needs one", i, p.Checksum.Algorithm)
		case p.Checksum.IsZero():
			return client.InvalidArgument(field, "is missing: Parts[0] has a %s checksum, and every part of an upload with checksums needs one", first.Checksum.Algorithm)
		default:
			return client.InvalidArgument(field+".Algorithm", "is %s, but Parts[0]'s is %s: the parts of an upload share one algorithm", p.Checksum.Algorithm, first.Checksum.Algorithm)
		}
	}
	return nil
}

// checkCompleteETag validates the ETag a Complete gives the object: a
// dialect that takes one, and the characters of an entity tag.
func checkCompleteETag(d *client.Dialect, etag string) error {
	if etag == "" {
		return nil
	}
	if d.Object.CompleteETagHeader == "" {
		return client.NotSupported(d, "ETag", "choosing the ETag of an assembled object")
	}
	for i := 0; i < len(etag); i++ {
		if c := etag[i]; c <= ' ' || c == '"' || c == 0x7f {
			return client.InvalidArgument("ETag", "has character %q, not allowed in an entity tag", c)
		}
	}
	return nil
}

// Complete assembles the uploaded parts into the object. S3 and COS may
// answer 200 and report a failure in the body; such an answer is returned
// as a *client.ResponseError (matching its code's kind), never as success.
//
// Nor is an answer without a result: on dialects whose Complete answers
// carry a document (S3, COS, IBM), a 200 whose body is empty or only
// whitespace is retried like a 500 (the answer was lost; the upload may
// or may not be complete), and an answer that is still empty, is not a
// CompleteMultipartUploadResult or has no ETag is returned as a
// *client.MalformedResponseError (client.ErrMalformedResponse). A retry
// whose earlier attempt did complete the upload finds it gone: an error
// matching client.ErrNotFound, after which the object (its size and
// multipart ETag) tells whether the upload completed. QingStor answers
// 201 with an empty body: CompleteOutput.ETag is then the ETag header, or
// empty when the server sends none.
func (c *Client) Complete(ctx context.Context, in *CompleteInput, optFns ...func(*client.Options)) (*CompleteOutput, error) {
	return opkit.Invoke(ctx, c.c, &completeOp, in, optFns)
}

// AbortInput is the input of Abort.
type AbortInput struct {
	Bucket   string
	Key      string
	UploadID string
}

// AbortOutput is the result of Abort.
type AbortOutput struct{ RequestID string }

var abortOp = opkit.Op[AbortInput, AbortOutput]{
	Name:       "AbortMultipartUpload",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *AbortInput) error {
		return checkUpload(d, in.Bucket, in.Key, in.UploadID)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *AbortInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodDelete, in.Bucket, in.Key
		r.Query.Set(d.Params.UploadID, in.UploadID)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *AbortOutput) error {
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Abort discards a multipart upload and its parts. An unknown upload id
// is an error matching client.ErrNotFound.
func (c *Client) Abort(ctx context.Context, in *AbortInput, optFns ...func(*client.Options)) (*AbortOutput, error) {
	return opkit.Invoke(ctx, c.c, &abortOp, in, optFns)
}

// ListPartsInput is the input of ListParts and ListPartsPage.
type ListPartsInput struct {
	Bucket   string
	Key      string
	UploadID string
	// MaxParts is the page size; 0 means the server's default (1000 on
	// QingStor, which has no truncation flag and is always asked for a
	// page size).
	MaxParts int
	// Marker resumes a listing after the part it names: pass the
	// NextMarker of a previous page. "" starts at the first part.
	Marker string
}

// Part is one uploaded part.
type Part struct {
	PartNumber   int
	ETag         string
	Size         int64
	LastModified time.Time
	// Checksum is the part's additional checksum, for a part of an upload
	// initiated with a ChecksumAlgorithm (dialects with
	// client.FeatureChecksums).
	Checksum client.Checksum
}

// ListPartsOutput is one page of ListPartsPage.
type ListPartsOutput struct {
	Parts []Part
	// IsTruncated says more parts follow; NextMarker resumes after this
	// page.
	IsTruncated bool
	NextMarker  string
	RequestID   string
}

type listPartsResult struct {
	IsTruncated          bool       `xml:"IsTruncated"`
	NextPartNumberMarker string     `xml:"NextPartNumberMarker"`
	Parts                []listPart `xml:"Part" json:"object_parts"`
	// QingStor's answer has no truncation flag; these are read if a
	// server sends them.
	HasMore    *bool `xml:"-" json:"has_more"`
	NextNumber *int  `xml:"-" json:"next_part_number_marker"`
}

// listPart is a Part element of a ListParts answer.
type listPart struct {
	PartNumber   int           `xml:"PartNumber" json:"part_number"`
	ETag         string        `xml:"ETag" json:"etag"`
	Size         int64         `xml:"Size" json:"size"`
	LastModified string        `xml:"LastModified" json:"-"`
	Created      string        `xml:"-" json:"created"`
	Checksums    []checksumXML `xml:",any" json:"-"`
}

// listPartsPage carries the effective page size to Deserialize.
type listPartsPage struct {
	ListPartsInput
	limit int
}

var listPartsOp = opkit.Op[listPartsPage, ListPartsOutput]{
	Name:       "ListParts",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *listPartsPage) error {
		if err := checkUpload(d, in.Bucket, in.Key, in.UploadID); err != nil {
			return err
		}
		if in.MaxParts < 0 {
			return client.InvalidArgument("MaxParts", "must not be negative")
		}
		if max := d.Object.MaxListParts; max > 0 && in.MaxParts > max {
			return client.InvalidArgument("MaxParts", "%d exceeds the %s page limit of %d", in.MaxParts, d.Name, max)
		}
		if in.Marker != "" {
			if _, err := strconv.Atoi(in.Marker); err != nil {
				return client.InvalidArgument("Marker", "%q is not a part number marker", in.Marker)
			}
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *listPartsPage, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodGet, in.Bucket, in.Key
		r.Query.Set(d.Params.UploadID, in.UploadID)
		in.limit = in.MaxParts
		if in.limit == 0 && d.Object.ListPartsUntruncated {
			in.limit = d.Object.MaxListParts
		}
		if in.limit > 0 {
			r.Query.Set(d.Object.ListPartsMaxParam, strconv.Itoa(in.limit))
		}
		if in.Marker != "" {
			r.Query.Set(d.Object.ListPartsMarkerParam, in.Marker)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *ListPartsOutput) error {
		var res listPartsResult
		if err := decodeListParts(d, resp, &res); err != nil {
			return err
		}
		out.Parts = make([]Part, 0, len(res.Parts))
		for _, p := range res.Parts {
			lm := p.LastModified
			if lm == "" {
				lm = p.Created
			}
			out.Parts = append(out.Parts, Part{PartNumber: p.PartNumber, ETag: opkit.TrimETag(p.ETag), Size: p.Size, LastModified: opkit.ParseTime(lm),
				Checksum: checksumOf(d, p.Checksums)})
		}
		out.IsTruncated, out.NextMarker = res.IsTruncated, res.NextPartNumberMarker
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// ListPartsPage returns one page of the parts uploaded so far, in part
// number order. Resume with in.Marker = out.NextMarker while
// out.IsTruncated.
func (c *Client) ListPartsPage(ctx context.Context, in *ListPartsInput, optFns ...func(*client.Options)) (*ListPartsOutput, error) {
	if in == nil {
		in = &ListPartsInput{}
	}
	page := &listPartsPage{ListPartsInput: *in}
	out, err := opkit.Invoke(ctx, c.c, &listPartsOp, page, optFns)
	if err != nil {
		return nil, err
	}
	if opkit.DialectOf(c.c).Object.ListPartsUntruncated {
		// No truncation flag: a full page means there may be more.
		out.IsTruncated = page.limit > 0 && len(out.Parts) >= page.limit
		out.NextMarker = ""
	}
	if out.IsTruncated && out.NextMarker == "" && len(out.Parts) > 0 {
		out.NextMarker = strconv.Itoa(out.Parts[len(out.Parts)-1].PartNumber)
	}
	if !out.IsTruncated {
		out.NextMarker = ""
	}
	return out, nil
}

// ListParts iterates over every uploaded part in part number order,
// fetching pages of in.MaxParts as it goes (memory stays one page). It
// stops at the first error, which it yields. A server that does not
// advance (a part-number marker seen before or not greater than the last,
// the same page again, 100 truncated empty pages in a row) ends the
// listing with an error matching client.ErrListingStalled, before any part
// is yielded twice.
func (c *Client) ListParts(ctx context.Context, in *ListPartsInput, optFns ...func(*client.Options)) iter.Seq2[Part, error] {
	base := ListPartsInput{}
	if in != nil {
		base = *in
	}
	return paging.Pager[Part]{
		Dialect: opkit.DialectOf(c.c).Name, Op: "ListParts", Start: paging.Cursor{A: base.Marker}, Order: paging.Numbers,
		Fetch: func(ctx context.Context, cur paging.Cursor) (paging.Page[Part], error) {
			req := base
			req.Marker = cur.A
			out, err := c.ListPartsPage(ctx, &req, optFns...)
			if err != nil {
				return paging.Page[Part]{}, err
			}
			return paging.Page[Part]{Items: out.Parts, Next: paging.Cursor{A: out.NextMarker}, More: out.IsTruncated}, nil
		},
		Ident: func(p Part) string { return strconv.Itoa(p.PartNumber) },
	}.Seq(ctx)
}

func checkUpload(d *client.Dialect, bucket, key, uploadID string) error {
	if err := opkit.CheckBucketKey(d, bucket, key); err != nil {
		return err
	}
	if uploadID == "" {
		return client.InvalidArgument("UploadID", "must not be empty")
	}
	return nil
}

func setTime(h http.Header, k string, t time.Time) {
	if !t.IsZero() {
		h.Set(k, t.UTC().Format(http.TimeFormat))
	}
}
