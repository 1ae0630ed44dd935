package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/signer"
)

// PresignedRequest is a request signed in its URL: anyone holding it can
// send it until Expires, without credentials.
type PresignedRequest struct {
	Method string
	URL    string
	// Header holds the headers the sender must include unchanged (they
	// were signed), such as Content-Type or Content-MD5.
	Header  http.Header
	Expires time.Time
}

// Presign serializes op with in exactly as Invoke would, then signs the
// request in its URL instead of sending it. Nothing goes over the network
// (except, for token-based credentials, a credentials refresh).
//
// expires must be positive and within the scheme's limit (SigV4: 7 days);
// otherwise the error is an *InvalidArgumentError on "Expires". A signer
// that cannot presign (IBM IAM bearer tokens) gives an error matching
// ErrNotSupported and signer.ErrPresignNotSupported: use HMAC keys.
func Presign[In, Out any](ctx context.Context, c *Client, op *Op[In, Out], in *In, expires time.Duration, optFns ...func(*Options)) (*PresignedRequest, error) {
	o, sg, err := c.prepare(optFns)
	if err != nil {
		return nil, withOp(err, op.Name)
	}
	d := &c.dialect
	if expires <= 0 {
		return nil, &InvalidArgumentError{Op: op.Name, Field: "Expires", Reason: "must be positive, got " + expires.String(), kind: ErrInvalidArgument}
	}
	ps, ok := sg.(signer.Presigner)
	if !ok {
		return nil, &InvalidArgumentError{Op: op.Name, Field: "Signer", kind: ErrNotSupported, Err: signer.ErrPresignNotSupported,
			Reason: "the configured signer cannot presign URLs"}
	}
	stack, err := buildStack(c, op, in, &o)
	if err != nil {
		return nil, err
	}
	// A presigned request is sent by someone else with their own user agent.
	if _, err := stack.Build.Remove("UserAgent"); err != nil {
		return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
	}
	err = stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("PresignResult",
		func(ctx context.Context, mi middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			mo, md, err := next.HandleDeserialize(ctx, mi)
			mo.Result = mo.RawResponse
			return mo, md, err
		}), middleware.After)
	if err != nil {
		return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
	}
	if err := applyAPIOptions(stack, &o, d, op.Name); err != nil {
		return nil, err
	}
	now := time.Now
	if o.Clock != nil {
		now = o.Clock
	}
	h := middleware.DecorateHandler(presigner{ps: ps, now: now(), expires: expires, dialect: d, op: op.Name, unsignedHost: o.PresignUnsignedHost}, stack)
	res, _, err := h.Handle(ctx, in)
	if err != nil {
		return nil, err
	}
	return res.(*PresignedRequest), nil
}

// presigner is the terminal handler of a presign stack.
type presigner struct {
	ps      signer.Presigner
	now     time.Time
	expires time.Duration
	dialect *Dialect
	op      string
	// unsignedHost asks for a signature without the host
	// (Options.PresignUnsignedHost).
	unsignedHost bool
}

// unsignedHostPresigner is a presigner that can leave the host out of a
// signature (signer.COS).
type unsignedHostPresigner interface {
	PresignUnsignedHost(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error)
}

func (p presigner) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	var md middleware.Metadata
	req := input.(*smithyhttp.Request).Request.Clone(ctx)
	req.Body, req.ContentLength = nil, 0
	if err := checkRequestHeaders(p.dialect, p.op, req.Header); err != nil {
		return nil, md, err // the holder of the URL could not send it
	}
	presign := p.ps.Presign
	if p.unsignedHost {
		hp, ok := p.ps.(unsignedHostPresigner)
		if !ok {
			return nil, md, &InvalidArgumentError{Op: p.op, Field: "PresignUnsignedHost", kind: ErrNotSupported,
				Reason: "the configured signer always signs the host (only COS q-sign can leave it out)"}
		}
		presign = hp.PresignUnsignedHost
	}
	u, h, err := presign(ctx, req, p.now, p.expires)
	if err != nil {
		var ee *signer.ExpiryError
		switch {
		case errors.As(err, &ee):
			return nil, md, &InvalidArgumentError{Op: p.op, Field: "Expires", Reason: ee.Error(), kind: ErrInvalidArgument, Err: err}
		case errors.Is(err, signer.ErrPresignNotSupported):
			return nil, md, &InvalidArgumentError{Op: p.op, Field: "Signer", Reason: err.Error(), kind: ErrNotSupported, Err: err}
		case errors.Is(err, signer.ErrNoCredentials):
			return nil, md, &InvalidArgumentError{Op: p.op, Field: "Credentials", Reason: "presigning needs credentials", kind: ErrInvalidArgument, Err: err}
		}
		return nil, md, &OperationError{Dialect: p.dialect.Name, Op: p.op, Err: err}
	}
	if h == nil {
		h = http.Header{}
	}
	return &PresignedRequest{Method: req.Method, URL: u.String(), Header: h, Expires: p.now.Add(p.expires)}, md, nil
}
