package client

import (
	"context"
	"errors"
	"fmt"
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

// presign serializes the operation desc with in (a non-nil pointer to
// its input type) exactly as invoke would, then signs the request in its
// URL instead of sending it. Nothing goes over the network (except, for
// token-based credentials, a credentials refresh). internal/opkit.Presign
// is its typed front.
//
// expires must be positive and within the scheme's limit (SigV4: 7 days);
// otherwise the error is an *InvalidArgumentError on "Expires". A signer
// that cannot presign (IBM IAM bearer tokens) gives an error matching
// ErrNotSupported and signer.ErrPresignNotSupported: use HMAC keys.
func presign(ctx context.Context, c *Client, desc *opDesc, in any, expires time.Duration, optFns []func(*Options)) (*PresignedRequest, error) {
	cs, err := c.newCall(ctx, optFns)
	if err != nil {
		return nil, withOp(err, desc.Name)
	}
	if expires <= 0 {
		return nil, &InvalidArgumentError{Op: desc.Name, Field: "Expires", Reason: "must be positive, got " + expires.String(), kind: ErrInvalidArgument}
	}
	ps, ok := cs.signer.(signer.Presigner)
	if !ok {
		return nil, &InvalidArgumentError{Op: desc.Name, Field: "Signer", kind: ErrNotSupported, Err: signer.ErrPresignNotSupported,
			Reason: "the configured signer cannot presign URLs"}
	}
	st, err := stackFor(cs, desc, true)
	if err != nil {
		return nil, err
	}
	cs.setOp(&st.info)
	now := time.Now
	if cs.o.Clock != nil {
		now = cs.o.Clock
	}
	cs.presignAt = presignState{ps: ps, now: now(), expires: expires, unsignedHost: cs.o.PresignUnsignedHost}
	res, _, err := st.h.Handle(cs, in)
	if err != nil {
		return nil, err
	}
	p, ok := res.(*PresignedRequest)
	if !ok {
		return nil, &OperationError{Dialect: c.dialect.Name, Op: desc.Name, Err: fmt.Errorf("a step of the stack returned a %T result, not a presigned request", res)}
	}
	return p, nil
}

// presignState is what the presigner needs of a call.
type presignState struct {
	ps      signer.Presigner
	now     time.Time
	expires time.Duration
	// unsignedHost asks for a signature without the host
	// (Options.PresignUnsignedHost).
	unsignedHost bool
}

// unsignedHostPresigner is a presigner that can leave the host out of a
// signature (signer.COS).
type unsignedHostPresigner interface {
	PresignUnsignedHost(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error)
}

// presigner is the handler at the end of a presign stack, in place of
// the transport: it signs the request in its URL.
type presigner struct{}

func (presigner) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	var md middleware.Metadata
	cs := callFrom(ctx)
	p, d, op := &cs.presignAt, &cs.c.dialect, cs.op.name
	req := input.(*smithyhttp.Request).Request // the call's own: nobody else holds it
	req.Body, req.ContentLength = nil, 0
	if err := checkHeaders(d, op, req.Header); err != nil {
		return nil, md, err // the holder of the URL could not send it
	}
	presign := p.ps.Presign
	if p.unsignedHost {
		hp, ok := p.ps.(unsignedHostPresigner)
		if !ok {
			return nil, md, &InvalidArgumentError{Op: op, Field: "PresignUnsignedHost", kind: ErrNotSupported,
				Reason: "the configured signer always signs the host (only COS q-sign can leave it out)"}
		}
		presign = hp.PresignUnsignedHost
	}
	u, h, err := presign(ctx, req, p.now, p.expires)
	if err != nil {
		var ee *signer.ExpiryError
		switch {
		case errors.As(err, &ee):
			return nil, md, &InvalidArgumentError{Op: op, Field: "Expires", Reason: ee.Error(), kind: ErrInvalidArgument, Err: err}
		case errors.Is(err, signer.ErrPresignNotSupported):
			return nil, md, &InvalidArgumentError{Op: op, Field: "Signer", Reason: err.Error(), kind: ErrNotSupported, Err: err}
		case errors.Is(err, signer.ErrNoCredentials):
			return nil, md, &InvalidArgumentError{Op: op, Field: "Credentials", Reason: "presigning needs credentials", kind: ErrInvalidArgument, Err: err}
		}
		return nil, md, &OperationError{Dialect: d.Name, Op: op, Err: err}
	}
	if h == nil {
		h = http.Header{}
	}
	return &PresignedRequest{Method: req.Method, URL: u.String(), Header: h, Expires: p.now.Add(p.expires)}, md, nil
}
