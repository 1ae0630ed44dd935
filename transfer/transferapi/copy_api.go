package transferapi

import (
	"context"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// CopyAPI is what a server-side copy needs beyond UploadAPI: Manager.Copy
// copies inside the service (no byte passes through the client) when the
// manager's API implements it and the source is the manager's own.
// Client implements it.
type CopyAPI interface {
	UploadAPI
	// CopyObject copies a whole object in one request, up to the
	// dialect's Limits.MaxCopySize.
	CopyObject(ctx context.Context, in *CopyObjectInput) (*CopyObjectOutput, error)
	// UploadPartCopy copies a byte range of an object into a part of a
	// multipart upload.
	UploadPartCopy(ctx context.Context, in *UploadPartCopyInput) (*UploadPartCopyOutput, error)
}

// CopyObjectInput is the input of CopyAPI.CopyObject.
type CopyObjectInput struct {
	// Bucket and Key name the destination.
	Bucket, Key string
	// SourceBucket, SourceKey and SourceVersionID name the source.
	SourceBucket, SourceKey, SourceVersionID string
	// SourceIfMatch, if set, is the ETag the source must still have; a
	// source that changed fails with an error matching
	// client.ErrPreconditionFailed.
	SourceIfMatch string
	// ReplaceMetadata gives the copy ObjectOptions instead of the
	// source's content headers and metadata.
	ReplaceMetadata bool
	ObjectOptions
}

// CopyObjectOutput is the result of CopyAPI.CopyObject.
type CopyObjectOutput struct {
	ETag, VersionID string
	// CRC64 is the copy's CRC-64/ECMA-182 when the server reported one
	// (HasCRC64).
	CRC64    uint64
	HasCRC64 bool
}

// UploadPartCopyInput is the input of CopyAPI.UploadPartCopy.
type UploadPartCopyInput struct {
	UploadRef
	// PartNumber is the wire part number.
	PartNumber int
	// SourceBucket, SourceKey and SourceVersionID name the source.
	SourceBucket, SourceKey, SourceVersionID string
	// SourceOffset and SourceLength select the bytes; SourceLength is at
	// least 1.
	SourceOffset, SourceLength int64
	// SourceIfMatch is as in CopyObjectInput.
	SourceIfMatch string
}

// UploadPartCopyOutput is the result of CopyAPI.UploadPartCopy.
type UploadPartCopyOutput struct {
	ETag string // without quotes
	// Checksum is the part's additional checksum, which the server
	// computes for an upload created with a ChecksumAlgorithm.
	Checksum client.Checksum
}

var _ CopyAPI = (*Client)(nil)

// CopyObject copies with object.Client.Copy.
func (a *Client) CopyObject(ctx context.Context, in *CopyObjectInput) (*CopyObjectOutput, error) {
	oin := &object.CopyInput{
		Bucket: in.Bucket, Key: in.Key,
		SourceBucket: in.SourceBucket, SourceKey: in.SourceKey, SourceVersionID: in.SourceVersionID,
		SourceConditions: object.Conditions{IfMatch: in.SourceIfMatch},
	}
	if in.ReplaceMetadata {
		oin.MetadataDirective = object.MetadataReplace
		oin.ContentType, oin.ContentEncoding = in.ContentType, in.ContentEncoding
		oin.ContentDisposition, oin.CacheControl = in.ContentDisposition, in.CacheControl
		oin.Metadata = in.Metadata
	}
	out, err := a.objects.Copy(ctx, oin)
	if err != nil {
		return nil, err
	}
	return &CopyObjectOutput{ETag: out.ETag, VersionID: out.VersionID, CRC64: out.CRC64, HasCRC64: out.HasCRC64}, nil
}

// UploadPartCopy copies a range with multipart.Client.UploadPartCopy.
func (a *Client) UploadPartCopy(ctx context.Context, in *UploadPartCopyInput) (*UploadPartCopyOutput, error) {
	out, err := a.uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{
		Bucket: in.Bucket, Key: in.Key, UploadID: in.UploadID, PartNumber: in.PartNumber,
		SourceBucket: in.SourceBucket, SourceKey: in.SourceKey, SourceVersionID: in.SourceVersionID,
		SourceOffset: in.SourceOffset, SourceLength: in.SourceLength, SourceIfMatch: in.SourceIfMatch,
	})
	if err != nil {
		return nil, err
	}
	return &UploadPartCopyOutput{ETag: out.ETag, Checksum: out.Checksum}, nil
}
