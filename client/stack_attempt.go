package client

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/internal/httpheader"
	"github.com/polystore/polystore/signer"
)

// rewindStep is the BodyRewind step: each attempt reads the body afresh
// (see Body). A body that cannot be read again fails the attempt with
// ErrBodyNotReplayable, which is not retried.
type rewindStep struct{}

// ID returns StepBodyRewind.
func (rewindStep) ID() string { return StepBodyRewind }

// HandleFinalize sets the attempt's body.
func (rewindStep) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	cs := callFrom(ctx)
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return next.HandleFinalize(ctx, in)
	}
	b := cs.body
	if b == nil || b.Len <= 0 {
		req.Body, req.GetBody = nil, nil
		return next.HandleFinalize(ctx, in)
	}
	r, err := bodyReader(b)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	req.Body = readCloser(r)
	req.ContentLength = b.Len
	if b.Replay {
		// net/http reads the body again when a reused connection turns
		// out closed before anything was written.
		if cs.getBodyFn == nil {
			cs.getBodyFn = cs.getBody
		}
		req.GetBody = cs.getBodyFn
	}
	return next.HandleFinalize(ctx, in)
}

// readCloser makes r a request body. A file section is one already (the
// transport's connection must see it to send it with sendfile); other
// readers are wrapped in io.NopCloser, which net/http looks through to
// recognise an in-memory reader.
func readCloser(r io.Reader) io.ReadCloser {
	if rc, ok := r.(io.ReadCloser); ok {
		return rc
	}
	return io.NopCloser(r)
}

// getBody is the requests' GetBody: another reader of the call's body.
func (cs *call) getBody() (io.ReadCloser, error) {
	r, err := bodyReader(cs.body)
	if err != nil {
		return nil, err
	}
	return readCloser(r), nil
}

// signingStep is the Signing step: it signs each attempt afresh, with the
// time of Options.Clock (a new date, a refreshed token).
type signingStep struct{}

// ID returns StepSigning.
func (signingStep) ID() string { return StepSigning }

// HandleFinalize signs the attempt's request. A failure is a
// *signer.SignError, which is not retried.
func (signingStep) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	cs := callFrom(ctx)
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return next.HandleFinalize(ctx, in)
	}
	now := time.Now
	if cs.o.Clock != nil {
		now = cs.o.Clock
	}
	if err := cs.signer.Sign(ctx, req.Request, now()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &signer.SignError{Err: err}
	}
	return next.HandleFinalize(ctx, in)
}

// transport is the handler at the end of the stack: it sends the attempt's
// request with the client's transport (Options.HTTPClient's, or its own)
// and returns the response as a *smithyhttp.Response. Redirects are not
// followed: object stores answer with redirects that carry error bodies
// (PermanentRedirect), and following them would resend a signed request
// to another host. Options.HTTPClient's Jar, if any, gets and gives the
// cookies.
type transport struct{}

func (transport) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	var md middleware.Metadata
	cs := callFrom(ctx)
	sreq := input.(*smithyhttp.Request)
	req := sreq.Request.WithContext(ctx)
	var jar http.CookieJar
	if hc := cs.o.HTTPClient; hc != nil && hc.Jar != nil {
		jar = hc.Jar
		for _, c := range jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	resp, err := cs.c.base.RoundTrip(req)
	if err != nil {
		return nil, md, err
	}
	if resp.Request == nil {
		resp.Request = req
	}
	if jar != nil {
		if rc := resp.Cookies(); len(rc) > 0 {
			jar.SetCookies(req.URL, rc)
		}
	}
	if w := cs.watch; w != nil {
		w.response(resp)
	}
	switch ar := cs.cur; {
	case sreq == &cs.sreq:
		cs.resp1.Response = resp
		return &cs.resp1, md, nil
	case ar != nil && sreq == &ar.sreq:
		ar.sresp.Response = resp
		return &ar.sresp, md, nil
	}
	return &smithyhttp.Response{Response: resp}, md, nil
}

// checkHeaders is checkRequestHeaders, quick when every header is good:
// it allocates nothing then.
func checkHeaders(d *Dialect, op string, h http.Header) error {
	for name, vs := range h {
		if name == "" || httpheader.BadNameByte(name) >= 0 {
			return checkRequestHeaders(d, op, h)
		}
		for _, v := range vs {
			if httpheader.BadValueByte(v) >= 0 {
				return checkRequestHeaders(d, op, h)
			}
		}
	}
	return nil
}
