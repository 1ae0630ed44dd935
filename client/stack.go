package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sync"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/signer"
)

// The IDs of the steps every operation's stack holds, in the order they
// run. Options.APIOptions can insert steps relative to them, swap or
// remove them.
//
// Initialize, Serialize and Build run once per call; so does the first
// Finalize step, Decode. Retry is the retry loop: the Finalize steps after
// it, the Deserialize steps and the transport run once per attempt, each
// attempt on the request as Build left it (the first attempt on that
// request itself, later ones on a copy with a fresh header). A step added
// to Finalize with middleware.After runs per attempt, after Watchdog and
// just before the request is sent; one added with middleware.Before runs
// once, before Decode. Inside the loop (the Finalize steps after Retry
// and the Deserialize steps) an answer travels as the attempt's
// *smithyhttp.Response in FinalizeOutput.Result and
// DeserializeOutput.RawResponse; Decode turns the last one into the
// operation's output or error.
//
// A presigned request runs the same Initialize, Serialize and Build steps
// (less UserAgent), and then the caller's own Finalize and Deserialize
// steps, once, before it is signed in its URL: the steps that send are
// removed.
const (
	// StepValidate (Initialize) checks the input.
	StepValidate = "Validate"
	// StepSerialize (Serialize) builds the HTTP request.
	StepSerialize = "Serialize"
	// StepChecksumRequired (Serialize, after StepSerialize) gives the
	// request the Content-MD5 of its body when the dialect requires an
	// integrity header on the operation and the request carries none
	// (Dialect.ChecksumRequired). Only operations with such a need have
	// it, and presigned requests do not.
	StepChecksumRequired = "ChecksumRequired"
	// StepUserAgent (Build) sets the User-Agent header.
	StepUserAgent = "UserAgent"
	// StepDecode (Finalize, once per call) reads the final answer into
	// the output or an error.
	StepDecode = "Decode"
	// StepRetry (Finalize) runs the attempts under the retry policy.
	StepRetry = "Retry"
	// StepAttempt (Finalize, per attempt) records the attempt: its
	// trace span, metrics and debug log record.
	StepAttempt = "Attempt"
	// StepBodyRewind (Finalize, per attempt) gives the attempt a fresh
	// reader of the request body.
	StepBodyRewind = "BodyRewind"
	// StepSigning (Finalize, per attempt) signs the attempt's request.
	StepSigning = "Signing"
	// StepWatchdog (Finalize, per attempt) bounds the attempt by the
	// client's timeouts.
	StepWatchdog = "Watchdog"
)

// sendSteps are the steps that send a request, which presigning drops.
var sendSteps = [...]string{StepDecode, StepRetry, StepAttempt, StepBodyRewind, StepSigning, StepWatchdog}

// opInfo is what the retry policy and the transport need of an Op.
type opInfo struct {
	name       string
	idempotent bool
	errorIn200 bool
	keepBody   bool
}

// opStack is an operation's stack, compiled: a chain of handlers that
// holds no state of a call, so that concurrent calls share it.
type opStack struct {
	h    middleware.Handler
	info opInfo
}

// stackCache holds a client's compiled stacks, by *opDesc.
type stackCache struct {
	send, presign sync.Map   // *opDesc → *opStack
	build         sync.Mutex // held while a missing stack is built, so that concurrent first calls build it once
}

// stackFor returns op's compiled stack for cs: the client's, built on
// first use, or a fresh one when the call's options edit the stack
// (APIOptions given per call).
func stackFor(cs *call, op *opDesc, presign bool) (*opStack, error) {
	c := cs.c
	shared := sameAPIOptions(cs.o.APIOptions, c.opts.APIOptions) && c.stacks != nil
	if shared {
		m := &c.stacks.send
		if presign {
			m = &c.stacks.presign
		}
		if st, ok := m.Load(op); ok {
			return st.(*opStack), nil
		}
		c.stacks.build.Lock()
		defer c.stacks.build.Unlock()
		if st, ok := m.Load(op); ok { // built while this call waited
			return st.(*opStack), nil
		}
		st, err := buildStack(c, op, cs.o.APIOptions, presign)
		if err != nil {
			return nil, err
		}
		m.Store(op, st)
		return st, nil
	}
	return buildStack(c, op, cs.o.APIOptions, presign)
}

// sameAPIOptions reports whether a and b are the same edits (the same
// slice, as a call without per-call APIOptions has).
func sameAPIOptions(a, b []func(*middleware.Stack) error) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// buildStack assembles op's stack, applies the caller's edits and
// compiles it.
func buildStack(c *Client, op *opDesc, apiOptions []func(*middleware.Stack) error, presign bool) (*opStack, error) {
	d := &c.dialect
	info := opInfo{name: op.Name, idempotent: op.Idempotent, errorIn200: op.ErrorIn200, keepBody: op.KeepBody}
	// The integrity header the dialect requires on op's requests
	// (checksum_required.go); a presigned request's holder sends the body.
	need := d.checksumNeedOf(op.Name)
	if presign {
		need = ChecksumOptional
	}
	s := middleware.NewStack(op.Name, smithyhttp.NewStackRequest)
	s.Initialize.Add(middleware.InitializeMiddlewareFunc(StepValidate,
		func(ctx context.Context, mi middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if op.Validate != nil {
				if err := op.Validate(d, mi.Parameters); err != nil {
					return middleware.InitializeOutput{}, middleware.Metadata{}, withOp(err, op.Name)
				}
			}
			return next.HandleInitialize(ctx, mi)
		}), middleware.After)
	s.Serialize.Add(middleware.SerializeMiddlewareFunc(StepSerialize,
		func(ctx context.Context, mi middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			cs := callFrom(ctx)
			req := mi.Request.(*smithyhttp.Request)
			if err := serialize(cs, req, func(r *request) error { return op.Serialize(d, cs.o, mi.Parameters, r) }); err != nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, withOp(err, op.Name)
			}
			return next.HandleSerialize(ctx, mi)
		}), middleware.After)
	if need != ChecksumOptional {
		s.Serialize.Add(middleware.SerializeMiddlewareFunc(StepChecksumRequired,
			func(ctx context.Context, mi middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
				if err := setRequiredChecksum(d, need, mi.Request.(*smithyhttp.Request).Header, callFrom(ctx).body); err != nil {
					return middleware.SerializeOutput{}, middleware.Metadata{}, withOp(err, op.Name)
				}
				return next.HandleSerialize(ctx, mi)
			}), middleware.After)
	}
	s.Build.Add(middleware.BuildMiddlewareFunc(StepUserAgent,
		func(ctx context.Context, mi middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			cs := callFrom(ctx)
			req := mi.Request.(*smithyhttp.Request)
			req.Header["User-Agent"] = cs.c.userAgentFor(cs.o)
			return next.HandleBuild(ctx, mi)
		}), middleware.After)
	s.Finalize.Add(middleware.FinalizeMiddlewareFunc(StepDecode,
		func(ctx context.Context, mi middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			mo, md, err := next.HandleFinalize(ctx, mi)
			if err != nil {
				return mo, md, err
			}
			sr, ok := mo.Result.(*smithyhttp.Response)
			if !ok {
				return mo, md, nil // a step of the caller's answered
			}
			resp := sr.Response
			if resp.StatusCode >= 300 {
				defer resp.Body.Close()
				return mo, md, decodeError(d, op.Name, resp)
			}
			out, err := op.Deserialize(d, resp)
			if !op.KeepBody || err != nil {
				drainClose(resp.Body)
			}
			if err != nil {
				return mo, md, &OperationError{Dialect: d.Name, Op: op.Name, Err: &decodingError{err}}
			}
			mo.Result = out
			return mo, md, nil
		}), middleware.After)
	s.Finalize.Add(retryStep{}, middleware.After)
	s.Finalize.Add(attemptStep{}, middleware.After)
	s.Finalize.Add(rewindStep{}, middleware.After)
	s.Finalize.Add(signingStep{}, middleware.After)
	s.Finalize.Add(watchdogStep{}, middleware.After)

	var errs []error
	for _, fn := range apiOptions {
		errs = append(errs, fn(s))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
	}
	var end middleware.Handler = transport{}
	if presign {
		if _, err := s.Build.Remove(StepUserAgent); err != nil {
			return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
		}
		for _, id := range sendSteps {
			if _, err := s.Finalize.Remove(id); err != nil {
				return nil, &OperationError{Dialect: d.Name, Op: op.Name, Err: err}
			}
		}
		end = presigner{}
	}
	return &opStack{h: compile(s, end), info: info}, nil
}

// decodingError is a decoder's error: "decoding response: ...".
type decodingError struct{ err error }

func (e *decodingError) Error() string { return "decoding response: " + e.err.Error() }
func (e *decodingError) Unwrap() error { return e.err }

// serialize runs an operation's Serialize into the stack's request.
func serialize(cs *call, req *smithyhttp.Request, fill func(*request) error) error {
	r := request{Query: url.Values{}, Header: req.Header}
	if err := fill(&r); err != nil {
		return err
	}
	if err := cs.c.requestURL(&cs.url, cs.o, r.Bucket, r.Key, r.Query); err != nil {
		return err
	}
	req.Method = r.Method
	req.URL = &cs.url
	req.Host = cs.url.Host
	if r.Header != nil && !sameHeader(r.Header, req.Header) {
		for k, v := range r.Header { // the operation replaced the map
			req.Header[k] = v
		}
	}
	req.ContentLength = 0
	if r.Body != nil {
		req.ContentLength = r.Body.Len
	}
	cs.body, cs.bucket = r.Body, r.Bucket
	cs.tel.serialized(cs)
	return nil
}

// sameHeader reports whether a and b are one map.
func sameHeader(a, b http.Header) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// callKey finds a call's state in a context.
type callKey struct{}

// call is the state of one operation call, shared by its steps. It is
// also the context the stack runs in (Value answers callKey with it), and
// holds the call's request, so that one allocation serves all three.
type call struct {
	context.Context

	c      *Client
	o      *Options // read only: the client's own, or this call's copy
	signer signer.Signer
	op     *opInfo

	sreq smithyhttp.Request
	hreq http.Request
	url  url.URL

	body      *payload
	bucket    string
	getBodyFn func() (io.ReadCloser, error)

	attempt   int                 // the current (or last) attempt, from 1
	inAttempt bool                // the steps of an attempt run
	cur       *attemptReq         // the current attempt's request, from the second
	resp1     smithyhttp.Response // the first attempt's answer
	snap      [16]headerField
	snapN     int
	snapBig   http.Header
	watch     *watch       // the current attempt's watch
	wd        watchdog     // the watchdog's settings for this call
	tel       *telemetry   // nil: no tracing or metrics
	presignAt presignState // for Presign
}

// Value returns the call for callKey, and otherwise asks the caller's
// context.
func (cs *call) Value(key any) any {
	if key == (callKey{}) {
		return cs
	}
	return cs.Context.Value(key)
}

// callFrom returns the call a step runs in.
func callFrom(ctx context.Context) *call {
	if cs, ok := ctx.(*call); ok {
		return cs
	}
	return ctx.Value(callKey{}).(*call)
}

// AttemptNumber returns the number of the attempt a stack step runs in,
// from 1 (the first attempt; a retry is 2, ...), or 0 outside an
// attempt: before StepRetry, or in a context not of a call. A step added
// to Finalize after StepRetry can use it to tag or test each attempt.
func AttemptNumber(ctx context.Context) int {
	cs, ok := ctx.Value(callKey{}).(*call)
	if !ok || !cs.inAttempt {
		return 0
	}
	return cs.attempt
}

// newCall prepares a call of c with optFns: its options, signer and
// request.
func (c *Client) newCall(ctx context.Context, optFns []func(*Options)) (*call, error) {
	cs := &call{Context: ctx, c: c, o: &c.opts, signer: c.signer}
	if len(optFns) > 0 { // per-call options may change credentials, region or signer
		o, err := c.callOptions(optFns)
		if err != nil {
			return nil, err
		}
		cs.o = &o
		cs.signer = c.newSigner(&o)
	}
	o := cs.o
	cs.wd = watchdog{t: o.Timeouts, tls: c.tlsTimeout}
	if o.HTTPClient != nil {
		// The watchdog bounds each attempt by the client's Timeout, so
		// that running out of it is a *TimeoutError and is retried.
		cs.wd.attempt = max(o.HTTPClient.Timeout, 0)
	}
	cs.hreq = http.Request{Header: make(http.Header, 8), ContentLength: -1}
	cs.sreq.Request = &cs.hreq
	return cs, nil
}

// setOp sets the operation the call runs.
func (cs *call) setOp(info *opInfo) {
	cs.op = info
	cs.wd.dialect, cs.wd.op = cs.c.dialect.Name, info.name
}

// attemptReq is one attempt's request: a copy of the call's, with its own
// headers.
type attemptReq struct {
	sreq  smithyhttp.Request
	hreq  http.Request
	sresp smithyhttp.Response
}

// compile turns s into a chain of handlers ending in end. Unlike
// Stack.HandleMiddleware, which links the steps to the handler of each
// call anew, the chain is linked once and only read afterwards.
func compile(s *middleware.Stack, end middleware.Handler) middleware.Handler {
	var d middleware.DeserializeHandler = deserializeEnd{end}
	ids := s.Deserialize.List()
	for i := len(ids) - 1; i >= 0; i-- {
		m, _ := s.Deserialize.Get(ids[i])
		d = &deserializeLink{m: m, next: d}
	}
	var f middleware.FinalizeHandler = finalizeEnd{d}
	ids = s.Finalize.List()
	for i := len(ids) - 1; i >= 0; i-- {
		m, _ := s.Finalize.Get(ids[i])
		f = &finalizeLink{m: m, next: f}
	}
	var b middleware.BuildHandler = buildEnd{f}
	ids = s.Build.List()
	for i := len(ids) - 1; i >= 0; i-- {
		m, _ := s.Build.Get(ids[i])
		b = &buildLink{m: m, next: b}
	}
	var sr middleware.SerializeHandler = serializeEnd{b}
	ids = s.Serialize.List()
	for i := len(ids) - 1; i >= 0; i-- {
		m, _ := s.Serialize.Get(ids[i])
		sr = &serializeLink{m: m, next: sr}
	}
	var in middleware.InitializeHandler = initializeEnd{sr}
	ids = s.Initialize.List()
	for i := len(ids) - 1; i >= 0; i-- {
		m, _ := s.Initialize.Get(ids[i])
		in = &initializeLink{m: m, next: in}
	}
	return entry{in}
}

type entry struct{ next middleware.InitializeHandler }

func (e entry) Handle(ctx context.Context, in any) (any, middleware.Metadata, error) {
	out, md, err := e.next.HandleInitialize(ctx, middleware.InitializeInput{Parameters: in})
	return out.Result, md, err
}

type initializeLink struct {
	m    middleware.InitializeMiddleware
	next middleware.InitializeHandler
}

func (l *initializeLink) HandleInitialize(ctx context.Context, in middleware.InitializeInput) (middleware.InitializeOutput, middleware.Metadata, error) {
	return l.m.HandleInitialize(ctx, in, l.next)
}

// initializeEnd passes on to Serialize with the call's request.
type initializeEnd struct{ next middleware.SerializeHandler }

func (e initializeEnd) HandleInitialize(ctx context.Context, in middleware.InitializeInput) (middleware.InitializeOutput, middleware.Metadata, error) {
	cs := callFrom(ctx)
	out, md, err := e.next.HandleSerialize(ctx, middleware.SerializeInput{Parameters: in.Parameters, Request: &cs.sreq})
	return middleware.InitializeOutput(out), md, err
}

type serializeLink struct {
	m    middleware.SerializeMiddleware
	next middleware.SerializeHandler
}

func (l *serializeLink) HandleSerialize(ctx context.Context, in middleware.SerializeInput) (middleware.SerializeOutput, middleware.Metadata, error) {
	return l.m.HandleSerialize(ctx, in, l.next)
}

type serializeEnd struct{ next middleware.BuildHandler }

func (e serializeEnd) HandleSerialize(ctx context.Context, in middleware.SerializeInput) (middleware.SerializeOutput, middleware.Metadata, error) {
	out, md, err := e.next.HandleBuild(ctx, middleware.BuildInput{Request: in.Request})
	return middleware.SerializeOutput(out), md, err
}

type buildLink struct {
	m    middleware.BuildMiddleware
	next middleware.BuildHandler
}

func (l *buildLink) HandleBuild(ctx context.Context, in middleware.BuildInput) (middleware.BuildOutput, middleware.Metadata, error) {
	return l.m.HandleBuild(ctx, in, l.next)
}

type buildEnd struct{ next middleware.FinalizeHandler }

func (e buildEnd) HandleBuild(ctx context.Context, in middleware.BuildInput) (middleware.BuildOutput, middleware.Metadata, error) {
	out, md, err := e.next.HandleFinalize(ctx, middleware.FinalizeInput(in))
	return middleware.BuildOutput(out), md, err
}

type finalizeLink struct {
	m    middleware.FinalizeMiddleware
	next middleware.FinalizeHandler
}

func (l *finalizeLink) HandleFinalize(ctx context.Context, in middleware.FinalizeInput) (middleware.FinalizeOutput, middleware.Metadata, error) {
	return l.m.HandleFinalize(ctx, in, l.next)
}

// finalizeEnd passes on to Deserialize; what comes back is the result
// if a Deserialize step set one, else the raw response.
type finalizeEnd struct{ next middleware.DeserializeHandler }

func (e finalizeEnd) HandleFinalize(ctx context.Context, in middleware.FinalizeInput) (middleware.FinalizeOutput, middleware.Metadata, error) {
	out, md, err := e.next.HandleDeserialize(ctx, middleware.DeserializeInput(in))
	res := out.Result
	if res == nil {
		res = out.RawResponse
	}
	return middleware.FinalizeOutput{Result: res}, md, err
}

type deserializeLink struct {
	m    middleware.DeserializeMiddleware
	next middleware.DeserializeHandler
}

func (l *deserializeLink) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return l.m.HandleDeserialize(ctx, in, l.next)
}

type deserializeEnd struct{ h middleware.Handler }

func (e deserializeEnd) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	raw, md, err := e.h.Handle(ctx, in.Request)
	return middleware.DeserializeOutput{RawResponse: raw}, md, err
}
