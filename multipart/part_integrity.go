package multipart

import (
	"context"
	"errors"
	"github.com/polystore/polystore/internal/opkit"

	"github.com/polystore/polystore/client"
)

// UploadPart uploads one part of a multipart upload and returns its ETag
// (and CRC-64 where the dialect reports one). The body is never buffered:
// a replayable one is read once beforehand for the digests it carries
// (see UploadPartInput.Integrity), a one-shot stream only as it is sent.
// A default additional checksum the server refuses is replaced by
// Content-MD5 and the part sent once more; the answer is checked against
// what was sent (UploadPartOutput.Verified). A successful answer without
// an ETag header is returned as a *client.MalformedResponseError
// (client.ErrMalformedResponse), naming the status and request id: the
// part may or may not be stored, and cannot be listed in Complete; send
// it again.
func (c *Client) UploadPart(ctx context.Context, in *UploadPartInput, optFns ...func(*client.Options)) (*UploadPartOutput, error) {
	if in == nil {
		return opkit.Invoke(ctx, c.c, &uploadPartOp, in, optFns)
	}
	sum := in.ContentMD5
	if sum == nil && in.ComputeContentMD5 {
		size := in.Size
		if size == 0 {
			b, err := opkit.NewBody(in.Body, -1)
			if err != nil {
				return nil, withOp(err, uploadPartOp.Name)
			}
			size = b.Size()
		}
		var err error
		if sum, err = bodyMD5(in.Body, size); err != nil {
			return nil, withOp(err, uploadPartOp.Name)
		}
	}
	pb, err := opkit.PrepareBody(c.c, &opkit.BodyInput{
		Op: uploadPartOp.Name, Body: in.Body, Size: in.Size, Integrity: in.Integrity,
		ContentMD5: sum, Checksum: in.Checksum, TrailingChecksum: in.TrailingChecksum,
		PayloadSHA256: in.PayloadSHA256,
	}, optFns...)
	if err != nil {
		return nil, err
	}
	one := *in
	one.prepared = pb
	out, err := opkit.Invoke(ctx, c.c, &uploadPartOp, &one, optFns)
	if err != nil {
		fb := opkit.Fallback(pb, err)
		if fb == nil {
			return nil, err
		}
		pb, one.prepared = fb, fb
		if out, err = opkit.Invoke(ctx, c.c, &uploadPartOp, &one, optFns); err != nil {
			return nil, err
		}
	}
	out.Verified, out.Unverified, err = pb.Verify(opkit.BodyAnswer{ETag: out.ETag, Checksum: out.Checksum, CRC64: out.CRC64, HasCRC64: out.HasCRC64})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// withOp records the operation name on an input error.
func withOp(err error, op string) error {
	var ia *client.InvalidArgumentError
	if errors.As(err, &ia) && ia.Op == "" {
		ia.Op = op
	}
	return err
}
