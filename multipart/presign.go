package multipart

import (
	"context"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// PresignUploadPart presigns the upload of one part, so that a holder
// without credentials (a browser, another process) can PUT the part's
// bytes to the URL; the ETag of its answer goes into Complete as usual.
// It runs UploadPart's validation and serialization: in's Bucket, Key,
// UploadID, PartNumber (from the dialect's Limits.FirstPartNumber),
// ContentMD5 and SSE are used; Body, Size and ComputeContentMD5 are
// ignored, since the holder sends the body. Signed headers (Content-MD5,
// SSE-C) are returned in PresignedRequest.Header and must be sent
// unchanged.
//
// expires must be positive, and at most seven days with SigV4; otherwise
// the error is a *client.InvalidArgumentError on "Expires". IBM IAM bearer
// tokens cannot presign: the error matches client.ErrNotSupported.
func (c *Client) PresignUploadPart(ctx context.Context, in *UploadPartInput, expires time.Duration, optFns ...func(*client.Options)) (*client.PresignedRequest, error) {
	if in != nil {
		cp := *in
		cp.Body, cp.Size, cp.ComputeContentMD5 = nil, 0, false
		in = &cp
	}
	return opkit.Presign(ctx, c.c, &uploadPartOp, in, expires, optFns...)
}
