package transferapi

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"

	"github.com/aws/smithy-go/tracing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// Client implements API with polystore's object, multipart and bucket
// packages over one client.Client.
type Client struct {
	c       *client.Client
	d       *client.Dialect // c's, copied once: the manager asks for it per file and part
	objects *object.Client
	uploads *multipart.Client
	buckets *bucket.Client
}

var _ API = (*Client)(nil)

// NewClient returns the API of c, for transfer.New. (transfer.NewFromClient
// does both.)
func NewClient(c *client.Client) *Client {
	return &Client{c: c, d: c.Dialect(), objects: object.NewClient(c), uploads: multipart.NewClient(c), buckets: bucket.NewClient(c)}
}

// Dialect returns the client's dialect: the same value on every call, to
// be read and not changed (Clone it to change it).
func (a *Client) Dialect() *client.Dialect { return a.d }

// ChecksumSupport returns what the client has learned of its server's
// additional checksums (client.Client.ChecksumSupport): the manager
// sends Content-MD5 instead where the server refuses or ignores them.
func (a *Client) ChecksumSupport() client.ChecksumSupport { return a.c.ChecksumSupport() }

// RecordChecksumSupport records what an upload showed of the server's
// additional checksums, for the client's later requests
// (client.Client.RecordChecksumSupport).
func (a *Client) RecordChecksumSupport(s client.ChecksumSupport, op, detail string) {
	a.c.RecordChecksumSupport(s, op, detail)
}

// SignsPayloads reports whether the client signs request payloads
// (opkit.SignsPayloads): the manager then computes each part's
// SHA-256 in the same read as its checksums.
func (a *Client) SignsPayloads() bool { return opkit.SignsPayloads(a.c) }

// UsesTLS reports whether the client's requests go over https, where a
// part is copied through the process to be encrypted: the manager then
// computes its CRC32C on the way and sends it as a trailer
// (transfer.TrailersAuto).
func (a *Client) UsesTLS() bool { return opkit.UsesTLS(a.c) }

// TrailersRefused reports whether the client learned that its server
// refuses or ignores aws-chunked trailing checksums.
func (a *Client) TrailersRefused() bool { return opkit.TrailersRefused(a.c) }

// RecordTrailersRefused records, for the client's later requests and the
// manager's later tasks, that the server refused or ignored a trailing
// checksum that then went through in a header.
func (a *Client) RecordTrailersRefused() { opkit.RecordTrailersRefused(a.c) }

// TracerProvider returns the client's Options.TracerProvider, which the
// transfer Manager traces tasks with (see transfer.SpanUpload).
func (a *Client) TracerProvider() tracing.TracerProvider {
	return a.c.Options().TracerProvider
}

// PutObject stores an object with object.Client.Put.
func (a *Client) PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error) {
	out, err := a.objects.Put(ctx, &object.PutInput{
		Bucket: in.Bucket, Key: in.Key, Body: in.Body, Size: in.Body.Size(), ContentMD5: in.ContentMD5,
		Checksum: in.Checksum, TrailingChecksum: in.TrailingChecksum, PayloadSHA256: in.PayloadSHA256,
		Integrity:   client.IntegrityOff, // the manager chose the checksums
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, CacheControl: in.CacheControl, Metadata: in.Metadata,
	})
	if err != nil {
		return nil, err
	}
	return &PutObjectOutput{ETag: out.ETag, VersionID: out.VersionID, CRC64: out.CRC64, HasCRC64: out.HasCRC64, Checksum: out.Checksum}, nil
}

// CreateMultipartUpload starts an upload with multipart.Client.Initiate.
func (a *Client) CreateMultipartUpload(ctx context.Context, in *CreateMultipartUploadInput) (string, error) {
	out, err := a.uploads.Initiate(ctx, &multipart.InitiateInput{
		Bucket: in.Bucket, Key: in.Key, ChecksumAlgorithm: in.ChecksumAlgorithm,
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, CacheControl: in.CacheControl, Metadata: in.Metadata,
	})
	if err != nil {
		return "", err
	}
	return out.UploadID, nil
}

// UploadPart sends a part with multipart.Client.UploadPart.
func (a *Client) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	out, err := a.uploads.UploadPart(ctx, &multipart.UploadPartInput{
		Bucket: in.Bucket, Key: in.Key, UploadID: in.UploadID, PartNumber: in.PartNumber,
		Body: in.Body, Size: in.Body.Size(), ContentMD5: in.ContentMD5, Checksum: in.Checksum,
		TrailingChecksum: in.TrailingChecksum, PayloadSHA256: in.PayloadSHA256,
		Integrity: client.IntegrityOff, // the manager chose the checksums
	})
	if err != nil {
		return nil, err
	}
	return &UploadPartOutput{ETag: out.ETag, CRC64: out.CRC64, HasCRC64: out.HasCRC64, Checksum: out.Checksum}, nil
}

// CompleteMultipartUpload completes with multipart.Client.Complete.
func (a *Client) CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error) {
	parts := make([]multipart.CompletedPart, len(in.Parts))
	for i, p := range in.Parts {
		parts[i] = multipart.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag, Checksum: p.Checksum}
	}
	out, err := a.uploads.Complete(ctx, &multipart.CompleteInput{Bucket: in.Bucket, Key: in.Key, UploadID: in.UploadID, Parts: parts, ETag: in.ETag})
	if err != nil {
		return nil, err
	}
	return &CompleteMultipartUploadOutput{
		ETag: out.ETag, VersionID: out.VersionID, CRC64: out.CRC64, HasCRC64: out.HasCRC64, Checksum: out.Checksum,
	}, nil
}

// AbortMultipartUpload aborts with multipart.Client.Abort.
func (a *Client) AbortMultipartUpload(ctx context.Context, up UploadRef) error {
	_, err := a.uploads.Abort(ctx, &multipart.AbortInput{Bucket: up.Bucket, Key: up.Key, UploadID: up.UploadID})
	return err
}

// ListParts lists with multipart.Client.ListParts.
func (a *Client) ListParts(ctx context.Context, up UploadRef) iter.Seq2[ServerPart, error] {
	return func(yield func(ServerPart, error) bool) {
		for p, err := range a.uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: up.Bucket, Key: up.Key, UploadID: up.UploadID}) {
			if err != nil {
				yield(ServerPart{}, err)
				return
			}
			if !yield(ServerPart{PartNumber: p.PartNumber, Size: p.Size, ETag: p.ETag, LastModified: p.LastModified, Checksum: p.Checksum}, nil) {
				return
			}
		}
	}
}

// ListUploads lists with bucket.Client.ListMultipartUploads, keeping the
// uploads of exactly key.
func (a *Client) ListUploads(ctx context.Context, bucketName, key string) iter.Seq2[ServerUpload, error] {
	return func(yield func(ServerUpload, error) bool) {
		for u, err := range a.buckets.ListMultipartUploads(ctx, &bucket.ListMultipartUploadsInput{Bucket: bucketName, Prefix: key}) {
			if err != nil {
				yield(ServerUpload{}, err)
				return
			}
			if u.IsPrefix || u.Key != key {
				continue
			}
			if !yield(ServerUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated}, nil) {
				return
			}
		}
	}
}

// HeadObject reads attributes with object.Client.Head, with the stored
// additional checksum on dialects that have them.
func (a *Client) HeadObject(ctx context.Context, in *HeadObjectInput) (*ObjectInfo, error) {
	d := a.d
	hin := &object.HeadInput{Bucket: in.Bucket, Key: in.Key, VersionID: in.VersionID,
		ChecksumMode: d.Has(client.FeatureChecksums) && a.c.ChecksumSupport() != client.ChecksumSupportRefused}
	out, err := a.objects.Head(ctx, hin)
	if err != nil && hin.ChecksumMode && opkit.ChecksumRefused(d, err) {
		// A server that refuses additional checksums may refuse to be
		// asked for one (Backblaze B2 refuses x-amz-checksum-mode).
		hin.ChecksumMode = false
		if out, err = a.objects.Head(ctx, hin); err == nil {
			a.c.RecordChecksumSupport(client.ChecksumSupportRefused, "HeadObject", "refused a HEAD with x-amz-checksum-mode, and took it without")
		}
	}
	if err != nil {
		return nil, err
	}
	return &ObjectInfo{
		Size: out.ContentLength, ETag: out.ETag, LastModified: out.LastModified, VersionID: out.VersionID,
		CRC64: out.CRC64, HasCRC64: out.HasCRC64, Checksum: out.Checksum,
		OpaqueETag: out.OpaqueETag, Encryption: out.Encryption, Metadata: out.Metadata,
		ContentType: out.ContentType, ContentEncoding: out.ContentEncoding,
		ContentDisposition: out.ContentDisposition, CacheControl: out.CacheControl,
	}, nil
}

// GetObjectRange reads a range with object.Client.Get, which checks that
// the answer is the range asked for and has the ETag of IfMatch, and
// checks the object's size. The manager verifies the bytes itself.
func (a *Client) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	out, err := a.objects.Get(ctx, &object.GetInput{
		Bucket: in.Bucket, Key: in.Key, VersionID: in.VersionID, Offset: in.Offset, Length: in.Length,
		Conditions: object.Conditions{IfMatch: in.IfMatch}, DisableVerification: true,
	})
	if err != nil {
		return nil, err
	}
	if in.ObjectSize > 0 && out.Size != in.ObjectSize {
		out.Body.Close()
		return nil, &client.RangeError{Dialect: a.d.Name, Op: "GetObject", Offset: in.Offset, Length: in.Length,
			Status: status(out), ContentRange: out.ContentRange,
			Reason: fmt.Sprintf("the object's size is %d, not %d", out.Size, in.ObjectSize)}
	}
	return out.Body, nil
}

// status is the status of a Get answer that object.Client.Get accepted:
// 206 for a range, 200 for the whole object.
func status(out *object.GetOutput) int {
	if out.ContentRange == "" {
		return http.StatusOK
	}
	return http.StatusPartialContent
}
