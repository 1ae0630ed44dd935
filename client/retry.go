package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/signer"
)

// maxErrorBody caps how much of an error response is read.
const maxErrorBody = 64 << 10

// The retry policy runs as the Retry step (StepRetry), the loop in the
// middle of the stack's Finalize step, as in aws-sdk-go-v2: each turn
// hands a fresh copy of the request to the per-attempt steps (BodyRewind,
// Signing, Watchdog and any a caller added), classifies what comes back,
// and waits out a full-jitter backoff (or the server's Retry-After)
// before the next. go-retryablehttp, which ran the loop before, is no
// longer used: its Client drives an *http.Client itself and so cannot
// sit inside a middleware stack whose steps must run per attempt, and
// the pieces it could still lend (CheckRetry, Backoff) were polystore's
// own functions already.

// retryStep is the Retry step.
type retryStep struct{}

// ID returns StepRetry.
func (retryStep) ID() string { return StepRetry }

// HandleFinalize runs attempts of the request until one is not to be
// retried or the policy's attempts are spent. The last answer goes up to
// Decode; a failure is returned as an *OperationError (an
// *InvalidArgumentError for missing credentials).
func (retryStep) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	cs := callFrom(ctx)
	base, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return next.HandleFinalize(ctx, in)
	}
	d, op := &cs.c.dialect, cs.op
	if err := checkHeaders(d, op.name, base.Header); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err // net/http would refuse it, after every retry
	}
	// A signed payload's SHA-256 (over plain http, see PayloadSigning) is
	// computed once per call, here, and kept in the header every attempt
	// starts from: the body every attempt sends is the same.
	if err := cs.c.signPayload(cs.o, cs.signer, base.Header, cs.body); err != nil { // bodycheck.go
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &OperationError{Dialect: d.Name, Op: op.name, Err: err}
	}
	rc := retryClassifier{dialect: d, policy: cs.o.Retry, idempotent: op.idempotent, errorIn200: op.errorIn200}
	limit := rc.policy.MaxAttempts
	refreshed := false
	// The first attempt sends the request itself; a later one a copy of
	// it as it was before the first attempt's steps changed its header.
	// The first attempt's transport may still be reading that header
	// (net/http can write a request after RoundTrip returned), so later
	// attempts never touch it.
	cs.snapshot(base.Header)
	for n := 1; ; n++ {
		cs.attempt = n
		req := base
		if n > 1 {
			ar := &attemptReq{sreq: *base, hreq: *base.Request}
			ar.hreq.Header = cs.pristineHeader()
			ar.sreq.Request = &ar.hreq
			cs.cur, req = ar, &ar.sreq
		}
		cs.inAttempt = true
		out, md, err := next.HandleFinalize(ctx, middleware.FinalizeInput{Request: req})
		cs.cur, cs.inAttempt = nil, false
		var resp *http.Response
		if sr, ok := out.Result.(*smithyhttp.Response); ok && sr != nil {
			resp = sr.Response
		}
		switch {
		case err != nil && resp != nil: // a step failed the attempt after its answer came
			closeBody(resp)
			resp = nil
		case err == nil && resp == nil:
			return out, md, nil // a step of the caller's answered
		}
		retry, cerr := rc.check(ctx, resp, err)
		if !retry && cerr == nil && err == nil && resp.StatusCode < 300 && !op.keepBody {
			// Read a decoded response inside the retry loop, so that a
			// stall or a reset while it arrives is retried like one
			// while connecting.
			if err = bufferResponse(resp); err != nil {
				closeBody(resp)
				resp = nil
				retry, cerr = rc.check(ctx, nil, err)
			}
		}
		if rc.throttled {
			cs.tel.throttled(ctx)
		}
		if !retry && cerr == nil && err == nil && !refreshed && cs.refresh(ctx, resp) {
			// The service refused credentials the signer has now
			// refreshed: send the request once more, signed anew.
			refreshed = true
			limit++
			drainClose(resp.Body)
			continue
		}
		if !retry || n >= limit {
			if cerr != nil {
				err = cerr
			}
			if err != nil {
				closeBody(resp)
				return middleware.FinalizeOutput{}, md, cs.sendError(err)
			}
			return out, md, nil
		}
		wait := rc.wait(n-1, resp)
		if l := cs.o.Logger; l != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			l.DebugContext(ctx, "polystore retry", "dialect", d.Name, "op", op.name, "attempt", n+1, "wait", wait, "status", status)
		}
		if resp != nil {
			drainClose(resp.Body)
		}
		if err := sleep(ctx, wait); err != nil {
			return middleware.FinalizeOutput{}, md, cs.sendError(err)
		}
	}
}

// snapshot records h, the request's header as Build left it, for
// attempts after the first (pristineHeader). Small headers (all of
// polystore's requests) are recorded in the call itself, without
// allocating; a larger one is cloned.
func (cs *call) snapshot(h http.Header) {
	cs.snapN, cs.snapBig = 0, nil
	if len(h) > len(cs.snap) {
		cs.snapBig = h.Clone()
		return
	}
	for k, v := range h {
		cs.snap[cs.snapN] = headerField{k, v[:len(v):len(v)]}
		cs.snapN++
	}
}

// pristineHeader returns a new header holding the snapshot. The value
// slices are shared, clipped so that an Add copies them: a step changes
// a header's values by replacing the slice (Set), never in place.
func (cs *call) pristineHeader() http.Header {
	if cs.snapBig != nil {
		return cs.snapBig.Clone()
	}
	h := make(http.Header, cs.snapN)
	for _, f := range cs.snap[:cs.snapN] {
		h[f.k] = f.v
	}
	return h
}

// headerField is one field of a header snapshot.
type headerField struct {
	k string
	v []string
}

// sleep waits d, or until ctx ends (then it returns ctx's error).
func sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}

// sendError is the error of a call whose last attempt failed with err.
func (cs *call) sendError(err error) error {
	d, op := &cs.c.dialect, cs.op.name
	if errors.Is(err, signer.ErrNoCredentials) {
		return &InvalidArgumentError{Op: op, Field: "Credentials", kind: ErrInvalidArgument, Err: signer.ErrNoCredentials,
			Reason: "none found; set them with client.WithCredentials or the " + d.Name + " dialect's environment variables " + envNames(d)}
	}
	var ia *InvalidArgumentError
	if errors.As(err, &ia) {
		return err
	}
	var oe *OperationError
	if errors.As(err, &oe) { // already names the operation (a body read timeout)
		return oe
	}
	return &OperationError{Dialect: d.Name, Op: op, Err: unwrapURLError(err)}
}

// refresh reports whether resp refused the request's credentials and the
// signer has refreshed them, so that the request is worth sending again
// (once: the caller sees to that).
func (cs *call) refresh(ctx context.Context, resp *http.Response) bool {
	rf, ok := cs.signer.(signer.CredentialRefresher)
	if !ok || !refused(&cs.c.dialect, resp) {
		return false
	}
	if !rf.RefreshCredentials(ctx, resp.Request) || (cs.body != nil && !cs.body.Replay) {
		return false
	}
	if l := cs.o.Logger; l != nil {
		l.DebugContext(ctx, "polystore credentials refused, refreshed", "dialect", cs.c.dialect.Name, "op", cs.op.name, "status", resp.StatusCode)
	}
	return true
}

// refused reports whether resp says the service refused the request's
// credentials: a 401, or a 400 or 403 with one of the dialect's
// RefusedCredentialCodes ("" only for a bodiless 403).
func refused(d *Dialect, resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return true
	case http.StatusBadRequest, http.StatusForbidden:
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
	buf, err := readBody(resp, maxBufferedResponse)
	if err != nil {
		return err
	}
	resp.Body = &bufferedBody{Reader: bytes.NewReader(buf), rest: resp.Body}
	return nil
}

// readBody reads up to limit bytes of resp's body, into a buffer sized by
// the Content-Length when there is one.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

// bufferedBody is a response body read ahead: the bytes read, then the
// rest of the original body, which Close closes.
type bufferedBody struct {
	*bytes.Reader
	rest io.ReadCloser
}

func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.Reader.Len() > 0 {
		return b.Reader.Read(p)
	}
	return b.rest.Read(p)
}

func (b *bufferedBody) Close() error { return b.rest.Close() }

// retryClassifier decides, per attempt, whether to retry.
type retryClassifier struct {
	dialect    *Dialect
	policy     RetryPolicy
	idempotent bool
	errorIn200 bool // a 200 may hold an error document (Op.ErrorIn200)
	throttled  bool // the last answer checked was a throttling one
}

// check reports whether the attempt that ended with resp or err is to be
// retried; a non-nil error ends the call with it.
func (rc *retryClassifier) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	rc.throttled = false
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		var se *signer.SignError
		var ia *InvalidArgumentError
		if errors.Is(err, ErrBodyNotReplayable) || errors.As(err, &se) || errors.As(err, &ia) || tlsRefusal(err) {
			return false, err
		}
		// The caller's context is alive (checked above), so this ended
		// the attempt, not the call: a connection error, one of the
		// client's timeouts (*TimeoutError), or a timeout of a transport
		// of the caller's, which net/http may report as a context error.
		// The request may or may not have been applied.
		return rc.idempotent || rc.policy.RetryNonIdempotent, nil
	}
	var code string
	switch {
	case resp.StatusCode == http.StatusOK && rc.errorIn200:
		var isErr, empty bool
		code, isErr, empty = peekErrorIn200(rc.dialect, resp)
		if empty {
			// Only whitespace (or nothing) before the body ended: the
			// answer is lost, and says nothing of the outcome. It is
			// retried like a 500; a retry of a request that did take
			// effect then gets that operation's answer to a repeat
			// (CompleteMultipartUpload: NoSuchUpload).
			return rc.idempotent || rc.policy.RetryNonIdempotent, nil
		}
		if !isErr {
			return false, nil
		}
	case resp.StatusCode < 400:
		return false, nil
	default:
		code = peekErrorCode(rc.dialect, resp)
	}
	throttled := resp.StatusCode == http.StatusTooManyRequests || rc.dialect.ThrottleCodes[code]
	rc.throttled = throttled
	transient := throttled || rc.dialect.RetryableCodes[code]
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		transient = true
	}
	if !transient {
		return false, nil
	}
	// A throttling answer (or a 503) means the server did not act on the
	// request, so even non-idempotent calls are safe to send again.
	if throttled || resp.StatusCode == http.StatusServiceUnavailable {
		return true, nil
	}
	return rc.idempotent || rc.policy.RetryNonIdempotent, nil
}

// tlsRefusal reports whether err is a TLS handshake that no attempt can
// complete: the server's certificate does not verify (unknown authority,
// wrong name, expired), or the server does not speak TLS at all (its
// first record is not a handshake: an https URL for a plain-http port).
// Such attempts are not retried, as go-retryablehttp and net/http's
// callers do not retry them either. A record that breaks on an
// established connection (a flipped bit: bad MAC, a garbled header) is
// a connection error like a reset, and is retried.
func tlsRefusal(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) {
		return true
	}
	// crypto/tls sets Conn only for a first record that is no handshake.
	var notTLS tls.RecordHeaderError
	return errors.As(err, &notTLS) && notTLS.Conn != nil
}

// wait is the backoff before the next attempt after failed ones
// (failed: how many before the last, from 0): full jitter over an
// exponential ceiling, or the server's Retry-After when it sent one.
func (rc *retryClassifier) wait(failed int, resp *http.Response) time.Duration {
	p := rc.policy
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now(), p.MaxRetryAfter); ok {
			return d
		}
	}
	ceiling := p.MinBackoff << min(failed, 30)
	if ceiling <= 0 || ceiling > p.MaxBackoff {
		ceiling = p.MaxBackoff
	}
	return rand.N(ceiling + 1)
}

// retryAfter parses a Retry-After value, delay-seconds or an HTTP date,
// into a wait between 0 and limit. Seconds are compared with the limit
// before they become a Duration, so no value can overflow into a negative
// or unbounded wait; a number of seconds too large for any integer is
// still a (huge) delay and waits limit. Anything else is not a
// Retry-After value (ok false).
func retryAfter(v string, now time.Time, limit time.Duration) (d time.Duration, ok bool) {
	limit = max(limit, 0)
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if allDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(limit/time.Second) { // err: out of int64's range
			return limit, true
		}
		return min(time.Duration(secs)*time.Second, limit), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), limit), true // Sub saturates instead of overflowing
}

// allDigits reports whether s is one or more ASCII digits (RFC 9110's
// delay-seconds: no sign, no spaces).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// peekErrorIn200 reads a 200 answer of an operation that can fail inside
// one (up to maxErrorBody bytes, which holds the whitespace S3 sends while
// it works and the result document), puts it back for the decoder, and
// reports whether it is an error document and its code. On dialects whose
// answers to these operations carry a document (ObjectWire.ResultDocuments), it also
// reports an answer whose body held only whitespace when it ended (or
// broke off) as empty.
func peekErrorIn200(d *Dialect, resp *http.Response) (code string, isErr, empty bool) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return "", false, d.Object.ResultDocuments
	}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), resp.Body), resp.Body}
	doc := bytes.TrimSpace(buf)
	if len(doc) == 0 {
		// All whitespace: the end of the body (or its breaking off) came
		// first, unless the limit did, and more may follow.
		ended := err != nil || len(buf) < maxErrorBody
		return "", false, ended && d.Object.ResultDocuments
	}
	if !isErrorDocument(d, doc) {
		return "", false, false
	}
	code, _, _, _, _ = parseErrorBody(d, doc)
	return code, true, false
}

// peekErrorCode reads up to maxErrorBody bytes of an error response to find
// its code, and puts what it read back in front of the body so the decoder
// sees it whole.
func peekErrorCode(d *Dialect, resp *http.Response) string {
	if resp.Body == nil || resp.Body == http.NoBody {
		return ""
	}
	buf, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), resp.Body), resp.Body}
	code, _, _, _, _ := parseErrorBody(d, buf)
	return code
}
