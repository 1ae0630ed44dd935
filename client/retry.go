package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// maxErrorBody caps how much of an error response is read.
const maxErrorBody = 64 << 10

// retryClassifier decides, per attempt, whether to retry.
type retryClassifier struct {
	dialect    *Dialect
	policy     RetryPolicy
	idempotent bool
	errorIn200 bool // a 200 may hold an error document (Op.ErrorIn200)
	log        func(wait time.Duration, attempt int, resp *http.Response)
}

// check implements go-retryablehttp's CheckRetry.
func (rc *retryClassifier) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		var se *signer.SignError
		if errors.Is(err, ErrBodyNotReplayable) || errors.As(err, &se) {
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

// backoff implements go-retryablehttp's Backoff: full jitter over an
// exponential ceiling, or the server's Retry-After when it sent one.
func (rc *retryClassifier) backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := rc.wait(attempt, resp)
	if rc.log != nil {
		rc.log(wait, attempt, resp)
	}
	return wait
}

func (rc *retryClassifier) wait(attempt int, resp *http.Response) time.Duration {
	p := rc.policy
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now(), p.MaxRetryAfter); ok {
			return d
		}
	}
	ceiling := p.MinBackoff << min(attempt, 30)
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
// answers to these operations carry a document (S3Bodies), it also
// reports an answer whose body held only whitespace when it ended (or
// broke off) as empty.
func peekErrorIn200(d *Dialect, resp *http.Response) (code string, isErr, empty bool) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return "", false, d.Object.Bodies == S3Bodies
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
		return "", false, ended && d.Object.Bodies == S3Bodies
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
