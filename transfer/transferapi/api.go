package transferapi

import (
	"context"
	"io"
	"iter"
	"time"

	"github.com/polystore/polystore/client"
)

// API is what a transfer.Manager needs from an object-storage client.
// NewClient implements it with polystore's own packages; tests and other
// backends can implement it directly.
type API interface {
	UploadAPI
	DownloadAPI
}

// UploadAPI is the part of API that uploads use. Part numbers are the
// dialect's wire numbers: they start at Dialect().Limits.FirstPartNumber.
type UploadAPI interface {
	// Dialect returns the dialect whose limits (part count and sizes,
	// first part number) and features (Content-MD5, CRC-64) the manager
	// plans with. The manager reads it and never changes it; it may be
	// the same value on every call.
	Dialect() *client.Dialect
	// PutObject stores a whole object in one request.
	PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error)
	// CreateMultipartUpload starts a multipart upload and returns its id.
	CreateMultipartUpload(ctx context.Context, in *CreateMultipartUploadInput) (string, error)
	// UploadPart uploads one part.
	UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error)
	// CompleteMultipartUpload assembles the parts into the object.
	CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error)
	// AbortMultipartUpload discards an upload and its parts.
	AbortMultipartUpload(ctx context.Context, up UploadRef) error
	// ListParts yields the parts uploaded so far, in part-number order.
	// An unknown upload yields an error matching client.ErrNotFound.
	ListParts(ctx context.Context, up UploadRef) iter.Seq2[ServerPart, error]
	// ListUploads yields the multipart uploads in progress for exactly
	// bucket and key.
	ListUploads(ctx context.Context, bucket, key string) iter.Seq2[ServerUpload, error]
}

// DownloadAPI is the part of API that downloads use.
type DownloadAPI interface {
	// HeadObject returns an object's size, ETag, modification time and
	// published checksum.
	HeadObject(ctx context.Context, in *HeadObjectInput) (*ObjectInfo, error)
	// GetObjectRange returns Length bytes of the object from Offset. It
	// must fail (rather than return other bytes) when the server does not
	// honour the range (client.ErrRangeMismatch: another start, end or
	// object size than asked, or the whole object for a part of it), and
	// fail with an error matching client.ErrPreconditionFailed when
	// IfMatch no longer matches, or the answer carries another ETag.
	GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error)
}

// ObjectOptions are the stored properties of an uploaded object.
type ObjectOptions struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	CacheControl       string
	// Metadata is user metadata; the implementation adds the dialect's
	// prefix. A multipart upload on a dialect that publishes composite
	// checksums (S3, IBM) adds "polystore-part-size", which downloads
	// verify the object with (see "Verified downloads" in the package
	// documentation), unless the name is taken or it would not fit.
	Metadata map[string]string
}

// PutObjectInput is the input of UploadAPI.PutObject.
type PutObjectInput struct {
	Bucket, Key string
	// Body is the whole content. It can be read any number of times
	// (each attempt from its start), concurrently with other requests.
	Body *io.SectionReader
	// ContentMD5 is the raw MD5 of Body to send as Content-MD5, or nil.
	ContentMD5 []byte
	// Checksum is Body's additional checksum to send (x-amz-checksum-*),
	// or the zero value.
	Checksum client.Checksum
	// TrailingChecksum, if set (and Checksum is not), asks for Body's
	// checksum in this algorithm to be computed while it is sent and sent
	// after it (client.FeatureTrailingChecksums); the server's echo is
	// PutObjectOutput.Checksum. An implementation that cannot must fail
	// with an error matching client.ErrNotSupported, and one whose server
	// did not echo it with client.ErrTrailerIgnored: the manager then
	// sends the checksum in a header.
	TrailingChecksum client.ChecksumAlgorithm
	// PayloadSHA256 is Body's raw SHA-256, computed with its other
	// digests when the API signs payloads (see Client.SignsPayloads),
	// or nil.
	PayloadSHA256 []byte
	ObjectOptions
}

// PutObjectOutput is the result of UploadAPI.PutObject.
type PutObjectOutput struct {
	ETag      string // without quotes
	VersionID string
	// CRC64 is the stored object's CRC-64/ECMA-182 when the server
	// reported one (HasCRC64).
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the additional checksum the server reported, if any.
	Checksum client.Checksum
}

// CreateMultipartUploadInput is the input of
// UploadAPI.CreateMultipartUpload.
type CreateMultipartUploadInput struct {
	Bucket, Key string
	// ChecksumAlgorithm, if not ChecksumNone, declares the additional
	// checksum every part carries (x-amz-checksum-algorithm).
	ChecksumAlgorithm client.ChecksumAlgorithm
	ObjectOptions
}

// UploadRef names a multipart upload.
type UploadRef struct {
	Bucket, Key, UploadID string
}

// UploadPartInput is the input of UploadAPI.UploadPart.
type UploadPartInput struct {
	UploadRef
	// PartNumber is the wire part number.
	PartNumber int
	// Body is the part's content, replayable like PutObjectInput.Body.
	Body *io.SectionReader
	// ContentMD5 is the raw MD5 of Body to send as Content-MD5, or nil.
	ContentMD5 []byte
	// Checksum is the part's additional checksum, in the upload's
	// algorithm, or the zero value.
	Checksum client.Checksum
	// TrailingChecksum is as in PutObjectInput; the echo is
	// UploadPartOutput.Checksum.
	TrailingChecksum client.ChecksumAlgorithm
	// PayloadSHA256 is as in PutObjectInput.
	PayloadSHA256 []byte
}

// UploadPartOutput is the result of UploadAPI.UploadPart.
type UploadPartOutput struct {
	ETag string // without quotes
	// CRC64 is the part's CRC-64/ECMA-182 when the server reported one
	// (HasCRC64); the manager checks it against its own.
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the part's additional checksum as the server reported
	// it, if it did.
	Checksum client.Checksum
}

// CompletedPart names one part of a completed upload.
type CompletedPart struct {
	PartNumber int
	ETag       string
	// Checksum is the part's additional checksum; uploads created with a
	// ChecksumAlgorithm must list every part's.
	Checksum client.Checksum
}

// CompleteMultipartUploadInput is the input of
// UploadAPI.CompleteMultipartUpload.
type CompleteMultipartUploadInput struct {
	UploadRef
	// Parts are sorted by part number.
	Parts []CompletedPart
	// ETag, if set, is the ETag the object gets, on dialects whose
	// Complete takes one (client.ObjectWire.CompleteETagHeader,
	// QingStor): the manager sets one a later download can verify the
	// object with.
	ETag string
}

// CompleteMultipartUploadOutput is the result of
// UploadAPI.CompleteMultipartUpload.
type CompleteMultipartUploadOutput struct {
	ETag      string
	VersionID string
	// CRC64 is the whole object's CRC-64/ECMA-182 when the server reported
	// one (HasCRC64); the manager checks it against the combination of
	// the parts' CRCs.
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the object's composite additional checksum when the
	// server reported one; the manager checks it against the parts'.
	Checksum client.Checksum
}

// ServerPart is one part listed by UploadAPI.ListParts.
type ServerPart struct {
	PartNumber   int
	Size         int64
	ETag         string // without quotes
	LastModified time.Time
	// Checksum is the part's additional checksum, for uploads created
	// with a ChecksumAlgorithm.
	Checksum client.Checksum
}

// ServerUpload is one upload listed by UploadAPI.ListUploads.
type ServerUpload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// HeadObjectInput is the input of DownloadAPI.HeadObject.
type HeadObjectInput struct {
	Bucket, Key, VersionID string
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Size         int64
	ETag         string // without quotes
	LastModified time.Time
	VersionID    string
	// CRC64 is the object's CRC-64/ECMA-182 when the server publishes one
	// (HasCRC64).
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the object's additional checksum (S3, IBM), of the
	// content or composite (Parts > 0), when the server published one.
	Checksum client.Checksum
	// OpaqueETag says the ETag is not the MD5 of the content although
	// it may look like one: the object is encrypted with a KMS or
	// customer key (client.Dialect.ETagIsMD5). Encryption names the
	// encryption, for messages ("aws:kms", "SSE-C", ...).
	OpaqueETag bool
	Encryption string
	// Metadata is the object's user metadata, names lower case and
	// without the dialect's prefix. Downloads read the part size
	// polystore records there for objects it uploads in parts.
	Metadata map[string]string
	// ContentType, ContentEncoding, ContentDisposition and CacheControl
	// are the object's content headers, which copies keep.
	ContentType, ContentEncoding, ContentDisposition, CacheControl string
}

// GetObjectRangeInput is the input of DownloadAPI.GetObjectRange.
type GetObjectRangeInput struct {
	Bucket, Key, VersionID string
	// Offset and Length select the bytes; Length is at least 1.
	Offset, Length int64
	// IfMatch, if not empty, is the ETag the object must still have.
	IfMatch string
	// ObjectSize, if positive, is the size the object must still have:
	// an answer whose Content-Range names another total fails with
	// client.ErrRangeMismatch.
	ObjectSize int64
}
