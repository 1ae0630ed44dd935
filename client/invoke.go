package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/polystore/polystore/signer"
)

// Request is what an operation's Serialize fills in: the pieces of an HTTP
// request before the client turns them into a URL, signs and sends them.
type Request struct {
	Method string
	Bucket string // empty for service-level calls
	Key    string // empty for bucket-level calls
	Query  url.Values
	Header http.Header
	Body   *Body // nil for no body
}

// Op describes one operation as data. Invoke runs every Op through the same
// middleware stack; operations never touch HTTP plumbing themselves.
type Op[In, Out any] struct {
	// Name is the operation name used in errors and logs ("PutObject").
	Name string
	// Idempotent operations are retried after transient failures.
	Idempotent bool
	// Validate checks the input before anything is sent. It returns an
	// *InvalidArgumentError naming the field.
	Validate func(d *Dialect, in *In) error
	// Serialize fills r from the input.
	Serialize func(d *Dialect, o *Options, in *In, r *Request) error
	// Deserialize reads a successful response into out. It must not close
	// resp.Body when KeepBody is set; otherwise Invoke drains and closes it.
	Deserialize func(d *Dialect, resp *http.Response, out *Out) error
	// KeepBody hands the response body to the output (streaming GET).
	KeepBody bool
	// ErrorIn200 marks operations whose "200 OK" can carry an error
	// document (S3's CompleteMultipartUpload, CopyObject and
	// UploadPartCopy fail this way after they started answering). The
	// retry policy then reads such an answer and treats it as the error
	// it holds: an InternalError or SlowDown in a 200 is retried like a
	// 500 or a 503.
	ErrorIn200 bool
}

type bodyKey struct{}

// Invoke runs op with in on c. optFns edit a copy of the client's options
// for this call only.
func Invoke[In, Out any](ctx context.Context, c *Client, op *Op[In, Out], in *In, optFns ...func(*Options)) (*Out, error) {
	o, sg, err := c.prepare(optFns)
	if err != nil {
		return nil, withOp(err, op.Name)
	}
	d := &c.dialect
	stack, err := buildStack(c, op, in, &o)
	if err != nil {
		return nil, err
	}
	err = stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("Decode",
		func(ctx context.Context, mi middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			mo, md, err := next.HandleDeserialize(ctx, mi)
			if err != nil {
				return mo, md, err
			}
			resp := mo.RawResponse.(*smithyhttp.Response).Response
			if resp.StatusCode >= 300 {
				defer resp.Body.Close()
				return mo, md, decodeError(d, op.Name, resp)
			}
			out := new(Out)
			if op.Deserialize != nil {
				err = op.Deserialize(d, resp, out)
			}
			if !op.KeepBody || err != nil {
				drainClose(resp.Body)
			}
			if err != nil {
				return mo, md, &OperationError{Dialect: d.Name, Op: op.Name, Err: fmt.Errorf("decoding response: %w", err)}
			}
			mo.Result = out
			return mo, md, nil
		}), middleware.After)
	if err != nil {
		return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
	}
	if err := applyAPIOptions(stack, &o, d, op.Name); err != nil {
		return nil, err
	}
	h := middleware.DecorateHandler(&sender{c: c, o: &o, op: op.Name, idempotent: op.Idempotent, errorIn200: op.ErrorIn200, keepBody: op.KeepBody, signer: sg}, stack)
	res, _, err := h.Handle(ctx, in)
	if err != nil {
		return nil, err
	}
	return res.(*Out), nil
}

// prepare returns the options and signer for one call.
func (c *Client) prepare(optFns []func(*Options)) (Options, signer.Signer, error) {
	o, err := c.callOptions(optFns)
	if err != nil {
		return o, nil, err
	}
	sg := c.signer
	if len(optFns) > 0 { // per-call options may change credentials, region or signer
		sg = c.newSigner(&o)
	}
	return o, sg, nil
}

// buildStack assembles the middleware shared by sending and presigning:
// input validation, serialization into an HTTP request, and the user agent.
func buildStack[In, Out any](c *Client, op *Op[In, Out], in *In, o *Options) (*middleware.Stack, error) {
	d := &c.dialect
	if in == nil {
		in = new(In)
	}
	stack := middleware.NewStack(op.Name, smithyhttp.NewStackRequest)
	var stackErrs []error
	add := func(err error) { stackErrs = append(stackErrs, err) }
	add(stack.Initialize.Add(middleware.InitializeMiddlewareFunc("Validate",
		func(ctx context.Context, mi middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if op.Validate != nil {
				if err := op.Validate(d, in); err != nil {
					return middleware.InitializeOutput{}, middleware.Metadata{}, withOp(err, op.Name)
				}
			}
			return next.HandleInitialize(ctx, mi)
		}), middleware.After))
	add(stack.Serialize.Add(middleware.SerializeMiddlewareFunc("Serialize",
		func(ctx context.Context, mi middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			req := mi.Request.(*smithyhttp.Request)
			r := Request{Query: url.Values{}, Header: http.Header{}}
			if err := op.Serialize(d, o, in, &r); err != nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, withOp(err, op.Name)
			}
			u, err := c.requestURL(o, r.Bucket, r.Key, r.Query)
			if err != nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, withOp(err, op.Name)
			}
			req.Method = r.Method
			req.URL = u
			req.Host = u.Host
			for k, v := range r.Header {
				req.Header[k] = v
			}
			req.ContentLength = 0
			if r.Body != nil {
				req.ContentLength = r.Body.size
			}
			ctx = middleware.WithStackValue(ctx, bodyKey{}, r.Body)
			return next.HandleSerialize(ctx, mi)
		}), middleware.After))
	add(stack.Build.Add(middleware.BuildMiddlewareFunc("UserAgent",
		func(ctx context.Context, mi middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			req := mi.Request.(*smithyhttp.Request)
			ua := userAgent
			if o.UserAgent != "" {
				ua = o.UserAgent + " " + ua
			}
			req.Header.Set("User-Agent", ua)
			return next.HandleBuild(ctx, mi)
		}), middleware.After))
	if err := errors.Join(stackErrs...); err != nil {
		return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
	}
	return stack, nil
}

// applyAPIOptions runs the caller's stack edits, after every built-in step
// is in place so edits can refer to any of them.
func applyAPIOptions(stack *middleware.Stack, o *Options, d *Dialect, op string) error {
	var errs []error
	for _, fn := range o.APIOptions {
		errs = append(errs, fn(stack))
	}
	if err := errors.Join(errs...); err != nil {
		return &OperationError{Dialect: d.Name, Op: op, Err: err}
	}
	return nil
}

// withOp records the operation name on input errors.
func withOp(err error, op string) error {
	var ia *InvalidArgumentError
	if errors.As(err, &ia) && ia.Op == "" {
		ia.Op = op
	}
	return err
}

func drainClose(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	rc.Close()
}

// sender is the terminal handler of the stack: it sends the built request
// through go-retryablehttp, whose HTTP client signs each attempt afresh.
type sender struct {
	c          *Client
	o          *Options
	op         string
	idempotent bool
	errorIn200 bool
	keepBody   bool
	signer     signer.Signer
}

func (s *sender) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	var md middleware.Metadata
	d := &s.c.dialect
	req := input.(*smithyhttp.Request).Request.WithContext(ctx)
	if err := checkRequestHeaders(d, s.op, req.Header); err != nil {
		return nil, md, err // net/http would refuse it, after every retry
	}
	body, _ := middleware.GetStackValue(ctx, bodyKey{}).(*Body)
	if err := s.c.signPayload(s.o, s.signer, req.Header, body); err != nil { // bodycheck.go
		return nil, md, &OperationError{Dialect: d.Name, Op: s.op, Err: err}
	}

	wd := &watchdog{next: s.c.base, t: s.o.Timeouts, dialect: d.Name, op: s.op}
	if t, ok := s.c.base.(*http.Transport); ok {
		wd.tls = t.TLSHandshakeTimeout // the client's own: Timeouts.TLSHandshake as New saw it
	}
	var rt http.RoundTripper = &signer.Transport{Signer: s.signer, Base: wd, Now: s.o.Clock}
	if s.o.Logger != nil {
		rt = &loggingTransport{next: rt, log: s.o.Logger, dialect: d, op: s.op}
	}
	hc := &http.Client{Transport: rt, CheckRedirect: noRedirects}
	if s.o.HTTPClient != nil {
		// The watchdog bounds each attempt by the client's Timeout, so
		// that running out of it is a *TimeoutError and is retried.
		wd.attempt = max(s.o.HTTPClient.Timeout, 0)
		hc.Jar = s.o.HTTPClient.Jar
	}
	rc := &retryClassifier{dialect: d, policy: s.o.Retry, idempotent: s.idempotent, errorIn200: s.errorIn200}
	rhc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: s.o.Retry.MinBackoff,
		RetryWaitMax: s.o.Retry.MaxBackoff,
		RetryMax:     s.o.Retry.MaxAttempts - 1,
		CheckRetry:   rc.check,
		Backoff:      rc.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		Logger:       nil,
	}
	if l := s.o.Logger; l != nil {
		rc.log = func(wait time.Duration, attempt int, resp *http.Response) {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			l.DebugContext(ctx, "polystore retry", "dialect", d.Name, "op", s.op, "attempt", attempt+2, "wait", wait, "status", status)
		}
	}
	var raw any
	if body != nil && body.size > 0 {
		raw = retryablehttp.ReaderFunc(body.readerFunc())
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, md, &OperationError{Dialect: d.Name, Op: s.op, Err: err}
	}
	if raw != nil {
		if err := rreq.SetBody(raw); err != nil {
			return nil, md, &OperationError{Dialect: d.Name, Op: s.op, Err: err}
		}
		rreq.ContentLength = body.size
	}
	if !s.keepBody {
		// Read a decoded response inside the retry loop, so that a
		// stall or a reset while it arrives is retried like one while
		// connecting.
		rreq.SetResponseHandler(bufferResponse)
	}
	resp, err := rhc.Do(rreq)
	if rf, ok := s.signer.(signer.CredentialRefresher); ok && err == nil && s.refused(resp) {
		if rf.RefreshCredentials(ctx, resp.Request) && (body == nil || body.replayable) {
			// The service refused credentials the signer has now
			// refreshed: send the request once more, signed anew.
			if l := s.o.Logger; l != nil {
				l.DebugContext(ctx, "polystore credentials refused, refreshed", "dialect", d.Name, "op", s.op, "status", resp.StatusCode)
			}
			drainClose(resp.Body)
			resp, err = rhc.Do(rreq)
		}
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if errors.Is(err, signer.ErrNoCredentials) {
			return nil, md, &InvalidArgumentError{Op: s.op, Field: "Credentials", kind: ErrInvalidArgument, Err: signer.ErrNoCredentials,
				Reason: "none found; set them with client.WithCredentials or the " + d.Name + " dialect's environment variables " + envNames(d)}
		}
		var oe *OperationError
		if errors.As(err, &oe) { // already names the operation (a body read timeout)
			return nil, md, oe
		}
		return nil, md, &OperationError{Dialect: d.Name, Op: s.op, Err: unwrapURLError(err)}
	}
	return &smithyhttp.Response{Response: resp}, md, nil
}

// refused reports whether resp says the service refused the request's
// credentials: a 401, or a 400 or 403 with one of the dialect's
// RefusedCredentialCodes ("" only for a bodiless 403).
func (s *sender) refused(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return true
	case http.StatusBadRequest, http.StatusForbidden:
		d := &s.c.dialect
		if len(d.RefusedCredentialCodes) == 0 {
			return false
		}
		code := peekErrorCode(d, resp)
		return d.RefusedCredentialCodes[code] && (code != "" || resp.StatusCode == http.StatusForbidden)
	}
	return false
}

// maxBufferedResponse caps how much of a successful response that is
// decoded (not streamed to the caller) bufferResponse reads ahead.
const maxBufferedResponse = 16 << 20

// bufferResponse reads a successful response's body (up to
// maxBufferedResponse) before the retry policy lets it go, and puts it
// back for the decoder. A read error (a stall timeout, a reset) is then
// the attempt's error, retried like a connection error.
func bufferResponse(resp *http.Response) error {
	if resp.StatusCode >= 300 || resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, maxBufferedResponse))
	if err != nil {
		return err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), resp.Body), resp.Body}
	return nil
}

// noRedirects hands 3xx responses back to the caller: object stores answer
// with redirects that carry error bodies (PermanentRedirect), and following
// them would resend a signed request to another host.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// unwrapURLError strips net/http's *url.Error, whose message repeats the
// URL, keeping the cause.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// envNames lists the environment variables the dialect reads keys from.
func envNames(d *Dialect) string {
	names := append(append([]string(nil), d.CredentialEnv.AccessKeyVars...), d.CredentialEnv.SecretVars...)
	return "(" + strings.Join(names, ", ") + ")"
}
