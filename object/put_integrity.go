package object

import (
	"context"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// putOne runs one PutObject request. The body carries what
// PutInput.Integrity asks for (client.Client.PrepareBody, which reads a
// replayable body once for all its digests); a default additional
// checksum the server refuses is replaced by Content-MD5 and the request
// sent once more; the answer is checked against what was sent
// (PutOutput.Verified), and a trailing checksum must be acknowledged.
func (c *Client) putOne(ctx context.Context, in *PutInput, optFns []func(*client.Options)) (*PutOutput, error) {
	if in == nil {
		return opkit.Call(ctx, c.c, &putOp, in, optFns...)
	}
	pb, err := opkit.PrepareBody(c.c, &opkit.BodyInput{
		Op: putOp.Name, Body: in.Body, Size: in.Size, Integrity: in.Integrity,
		ContentMD5: in.ContentMD5, Checksum: in.Checksum, TrailingChecksum: in.TrailingChecksum,
		PayloadSHA256: in.PayloadSHA256, ContentEncoding: in.ContentEncoding,
	}, optFns...)
	if err != nil {
		return nil, err
	}
	one := *in
	one.prepared = pb
	out, err := opkit.Call(ctx, c.c, &putOp, &one, optFns...)
	if err != nil {
		fb := opkit.Fallback(pb, err)
		if fb == nil {
			return nil, err
		}
		pb, one.prepared = fb, fb
		if out, err = opkit.Call(ctx, c.c, &putOp, &one, optFns...); err != nil {
			return nil, err
		}
	}
	out.Verified, out.Unverified, err = pb.Verify(opkit.BodyAnswer{ETag: out.ETag, Checksum: out.Checksum, CRC64: out.CRC64, HasCRC64: out.HasCRC64})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// defaultChecksumMode reports whether a Get asks for the stored
// checksum without ChecksumMode, to verify a whole object's body.
func (in *GetInput) defaultChecksumMode(d *client.Dialect) bool {
	return in.whole() && !in.DisableVerification && !in.noChecksumMode && d.Has(client.FeatureChecksums)
}

// getNegotiated runs GetObject. A server known to refuse additional
// checksums (client.ChecksumSupportRefused) is not asked for the stored
// one by default (x-amz-checksum-mode, which Backblaze B2 refuses with
// the checksum headers); one that refuses the request asking for it
// (client.Dialect.ChecksumRefused) is asked again without, and, when that
// succeeds, the client records the refusal. It returns the input the
// answer is for.
func (c *Client) getNegotiated(ctx context.Context, in *GetInput, optFns []func(*client.Options)) (*GetOutput, *GetInput, error) {
	if in != nil && !in.ChecksumMode && !in.noChecksumMode && c.c.ChecksumSupport() == client.ChecksumSupportRefused {
		cp := *in
		cp.noChecksumMode, in = true, &cp
	}
	out, err := opkit.Call(ctx, c.c, &getOp, in, optFns...)
	if err == nil || in == nil {
		return out, in, err
	}
	d := opkit.DialectOf(c.c)
	if !in.defaultChecksumMode(d) || !opkit.ChecksumRefused(d, err) {
		return nil, in, err
	}
	cp := *in
	cp.noChecksumMode = true
	if out, err = opkit.Call(ctx, c.c, &getOp, &cp, optFns...); err != nil {
		return nil, in, err
	}
	c.c.RecordChecksumSupport(client.ChecksumSupportRefused, getOp.Name, "refused a GET with x-amz-checksum-mode, and took it without")
	return out, &cp, nil
}
