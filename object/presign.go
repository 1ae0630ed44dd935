package object

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// Presigned URLs.
//
// A presigned request is signed in its URL: anyone holding it can send it
// with a plain HTTP client, without credentials, until it expires. The
// Presign methods run the same validation and serialization as the
// operations they presign (so the URL addresses the object exactly as the
// client would), then sign instead of sending. Nothing goes over the
// network, except a credentials refresh for token-based credentials.
//
// expires must be positive, and at most seven days with SigV4; otherwise
// the error is a *client.InvalidArgumentError on "Expires". IBM IAM bearer
// tokens cannot presign: the error matches client.ErrNotSupported and
// signer.ErrPresignNotSupported (use HMAC keys).
//
// PresignedRequest.Header lists the headers that were signed and that the
// holder must send unchanged, such as Range, Content-Type, Content-MD5 or
// SSE-C keys; the other x-amz-* headers travel in the URL where the scheme
// allows it.
//
// On COS, client.WithPresignUnsignedHost() as a per-call option leaves the
// host out of the signature, as cos-go-sdk-v5's GetPresignedURL does with
// signHost false, so that the URL can be served through a CDN or a custom
// domain in front of the bucket:
//
//	p, err := objects.PresignGet(ctx, in, time.Hour, client.WithPresignUnsignedHost())
//
// Signers that always sign the host (SigV4, SigV2, QingStor) refuse it with
// client.ErrNotSupported. Presigned requests never get the Content-MD5
// that client.Dialect.ChecksumRequired adds to sent ones: the holder sends
// the body.

// PresignGet presigns a GET of the object. in may name a version, a byte
// range, conditions, response header overrides
// (response-content-disposition, ...) and an SSE-C key. The range and the
// conditions are request headers: they are in PresignedRequest.Header
// whether or not the scheme signs them (SigV2 and QingStor do not), and
// the holder must send them for the request to mean what was asked.
func (c *Client) PresignGet(ctx context.Context, in *GetInput, expires time.Duration, optFns ...func(*client.Options)) (*client.PresignedRequest, error) {
	if in != nil {
		// The holder of the URL reads the body: Get's own check (and
		// the checksum-mode header it asks with) is not theirs.
		cp := *in
		cp.DisableVerification = true
		in = &cp
	}
	p, err := opkit.Presign(ctx, c.c, &getOp, in, expires, optFns...)
	if err != nil || in == nil {
		return p, err
	}
	h := http.Header{}
	switch {
	case in.Length > 0:
		h.Set("Range", fmt.Sprintf("bytes=%d-%d", in.Offset, in.Offset+in.Length-1))
	case in.Offset > 0:
		h.Set("Range", fmt.Sprintf("bytes=%d-", in.Offset))
	}
	in.Conditions.apply(h, "")
	withRequestHeaders(p, h)
	return p, nil
}

// PresignPut presigns a PUT of the object. The holder sends the body;
// in's Body, Size and PartSize are ignored, and TrailingChecksum refused (a presigned PUT is one
// request, of at most the dialect's Limits.MaxPutSize). Content-Type,
// Content-MD5, metadata, storage class, ACL and SSE-C settings are signed:
// the holder must send the returned headers unchanged, so that the object
// is stored with them.
func (c *Client) PresignPut(ctx context.Context, in *PutInput, expires time.Duration, optFns ...func(*client.Options)) (*client.PresignedRequest, error) {
	if in != nil {
		cp := *in
		cp.Body, cp.Size, cp.PartSize = nil, 0, 0
		if cp.TrailingChecksum != client.ChecksumNone {
			return nil, withOp(client.InvalidArgument("TrailingChecksum", "cannot be presigned: the holder of the URL sends the body"), putOp.Name)
		}
		in = &cp
	}
	return opkit.Presign(ctx, c.c, &putOp, in, expires, optFns...)
}

// PresignHead presigns a HEAD of the object (or of a version). As with
// PresignGet, the conditions are in PresignedRequest.Header.
func (c *Client) PresignHead(ctx context.Context, in *HeadInput, expires time.Duration, optFns ...func(*client.Options)) (*client.PresignedRequest, error) {
	p, err := opkit.Presign(ctx, c.c, &headOp, in, expires, optFns...)
	if err != nil || in == nil {
		return p, err
	}
	h := http.Header{}
	in.Conditions.apply(h, "")
	withRequestHeaders(p, h)
	return p, nil
}

// PresignDelete presigns a DELETE of the object (or of a version).
func (c *Client) PresignDelete(ctx context.Context, in *DeleteInput, expires time.Duration, optFns ...func(*client.Options)) (*client.PresignedRequest, error) {
	return opkit.Presign(ctx, c.c, &deleteOp, in, expires, optFns...)
}

// withRequestHeaders adds to p.Header the request headers in h that the
// signer did not return because its scheme does not sign them.
func withRequestHeaders(p *client.PresignedRequest, h http.Header) {
	for k, vs := range h {
		if p.Header.Get(k) == "" {
			p.Header[http.CanonicalHeaderKey(k)] = vs
		}
	}
}
