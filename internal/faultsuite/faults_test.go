package faultsuite

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/faultproxy"
	"github.com/polystore/polystore/transfer"
)

// expect is what a run of a fault must end with, beyond the rules every
// run keeps (exact bytes or a typed error, no hang, bounded requests).
type expect int

const (
	// either: the exact bytes, or a typed error.
	either expect = iota
	// succeed: the fault is transient and the operation can retry it
	// away, so only the exact bytes will do.
	succeed
	// fail: the fault cannot be got around, so only an error will do.
	fail
)

func (e expect) String() string {
	return [...]string{"exact bytes or a typed error", "the exact bytes (a retry absorbs the fault)", "an error"}[e]
}

// fault is one misbehaviour, applied to the operations it names.
type fault struct {
	name string
	ops  []string
	// stall gives the faulty client a short HTTPClient.Timeout
	// (backend.stall), so that a stalled attempt ends.
	stall bool
	// proxy faults: where the fault strikes for an operation, and on how
	// many requests (0 means 1, negative all), from the operation's nth
	// target request on (from the first, with every).
	place func(o *op) faultproxy.Fault
	times int
	every bool
	// hostile faults (storagetest backends only): what the hostile
	// handler does with the operation's target requests (times of them,
	// from the nth, as for proxy faults).
	act func(h *hostile, w http.ResponseWriter, r *http.Request)
	// target and nth, if set, aim the fault at other requests than the
	// operation's (its nth target).
	target func(d *client.Dialect, v reqView) bool
	nth    int
	// listing faults: the pages of a hostile listing server.
	pages pageFunc
	// bound replaces the request bound of the operation.
	bound int
	// expect is the outcome the fault calls for, by operation (default
	// either).
	expect map[string]expect
	// check judges an error the run ended with; "" accepts it.
	check func(err error) string
	// wantRetry requires the client to have logged a retry wait.
	wantRetry bool
}

func (f *fault) expectFor(o string) expect { return f.expect[o] }

func (f *fault) kind() string {
	switch {
	case f.place != nil:
		return "proxy"
	case f.pages != nil:
		return "listing"
	}
	return "hostile"
}

// The timeouts of runs. A stalled attempt ends after stallTimeout
// (minioStallTimeout against MinIO, whose 5 MiB parts take longer under
// the race detector): the faulty client's Timeouts.Stall and
// Timeouts.ResponseHeader, the client options that end a stalled attempt
// with a typed, retried *client.TimeoutError. The watchdog ends any run
// after watchdog; a run it ends is counted as hung.
const (
	stallTimeout      = 2 * time.Second
	minioStallTimeout = 3 * time.Second
	watchdog          = 45 * time.Second
)

// faultyRetry is the retry policy of faulty clients: the default three
// attempts, with short waits so that runs are quick. maxWait is the
// longest wait it allows: a server's Retry-After is capped to it.
var faultyRetry = client.RetryPolicy{MaxAttempts: 3, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxRetryAfter: maxWait}

const maxWait = 100 * time.Millisecond

// midBody is where faults strike inside a body: past the first read, well
// before the end of the smallest body (the 10 KiB last range of a
// storagetest download).
const midBody = 5000

// onBodyOrAnswer places a request-side fault mid-body for uploads and
// before the header of anything else.
func onBodyOrAnswer(k faultproxy.Kind) func(o *op) faultproxy.Fault {
	return func(o *op) faultproxy.Fault {
		if o.body {
			return faultproxy.Fault{Kind: k, After: midBody}
		}
		return faultproxy.Fault{Kind: k, After: faultproxy.BeforeHeaders}
	}
}

// onAnswer places a response-side fault mid-body for downloads and
// before the header of an upload's answer (which has no body to speak
// of): the server has acted, the client does not know.
func onAnswer(k faultproxy.Kind) func(o *op) faultproxy.Fault {
	return func(o *op) faultproxy.Fault {
		if o.body {
			return faultproxy.Fault{Kind: k, After: faultproxy.BeforeHeaders}
		}
		return faultproxy.Fault{Kind: k, After: midBody}
	}
}

var (
	// A transient fault of an upload or a transfer download is retried
	// away; a Get whose body fails part-way hands the error to the reader.
	transient       = map[string]expect{"upload": succeed, "download": succeed, "put": succeed, "get": succeed, "get-range": succeed}
	transientStream = map[string]expect{"upload": succeed, "download": succeed, "put": succeed, "get": fail, "get-range": fail}
	always          = map[string]expect{"upload": fail, "download": fail, "put": fail, "get": fail, "get-range": fail, "list": fail}
	// A range answered wrongly once may be asked again or refused.
	rangeFaults  = map[string]expect{"download": either, "get-range": either}
	uploadEither = map[string]expect{"upload": either}
)

var faults = []*fault{
	{
		name: "reset-request", ops: transferOps, place: onBodyOrAnswer(faultproxy.ResetRequest), times: 1,
		expect: transient,
	},
	{
		name: "reset-request-always", ops: transferOps, place: onBodyOrAnswer(faultproxy.ResetRequest), times: -1, every: true,
		expect: always,
	},
	{
		name: "reset-response", ops: transferOps, place: onAnswer(faultproxy.ResetResponse), times: 1,
		expect: transientStream,
	},
	{
		name: "truncate-response", ops: transferOps, place: onAnswer(faultproxy.TruncateResponse), times: 1,
		expect: transientStream,
	},
	{
		name: "stall-request", ops: transferOps, stall: true, place: onBodyOrAnswer(faultproxy.StallRequest), times: 1,
		expect: transient,
	},
	{
		name: "stall-response", ops: transferOps, stall: true, place: onAnswer(faultproxy.StallResponse), times: 1,
		expect: transientStream, check: wantTimeout,
	},
	{
		name: "stall-always", ops: transferOps, stall: true, times: -1, every: true,
		place: func(*op) faultproxy.Fault {
			return faultproxy.Fault{Kind: faultproxy.StallResponse, After: faultproxy.BeforeHeaders}
		},
		expect: always, check: wantTimeout,
	},
	{
		// A slow server that answers: nothing may cut it off.
		name: "delay", ops: transferOps, times: -1, every: true,
		place: func(*op) faultproxy.Fault {
			return faultproxy.Fault{Kind: faultproxy.DelayResponse, Delay: 20 * time.Millisecond}
		},
		expect: transient,
	},
	{
		// A ranged Get has nothing to check its bytes against (a
		// checksum covers the whole object), so it is not run: a flip
		// there is undetectable by design.
		name: "flip-bit", ops: []string{"download", "get"}, times: 1,
		place: func(*op) faultproxy.Fault {
			return faultproxy.Fault{Kind: faultproxy.FlipBit, After: midBody + 345, Bit: 3}
		},
		expect: map[string]expect{"download": either, "get": either}, check: wantChecksumMismatch,
	},

	// Hostile servers, in front of storagetest.
	{name: "range-ignored", ops: []string{"download", "get-range"}, act: rangeIgnored, expect: rangeFaults},
	{name: "content-range-shifted", ops: []string{"download", "get-range"}, act: rangeShifted, expect: rangeFaults},
	// The swallowed Complete may be sent again (and so complete the
	// upload), or fail: either, but never a success without the object.
	{name: "complete-empty-200", ops: []string{"upload"}, act: completeWith(""), target: isComplete, nth: 1, expect: uploadEither},
	{name: "complete-whitespace-200", ops: []string{"upload"}, act: completeWith("\n  \n\t\n"), target: isComplete, nth: 1, expect: uploadEither},
	{
		// UploadPart answered 200 without an ETag (the part is stored):
		// the part must be sent again, not blamed on the caller later.
		name: "part-without-etag", ops: []string{"upload"}, act: partWithoutETag,
		expect: map[string]expect{"upload": succeed},
	},
	{
		name: "retry-after-huge", ops: transferOps, act: slowDown("99999999999999"),
		expect: transient, wantRetry: true,
	},
	{
		// 9223372037 seconds is just past what a time.Duration holds.
		name: "retry-after-overflow", ops: transferOps, act: slowDown("9223372037"),
		expect: transient, wantRetry: true,
	},
	{
		name: "retry-after-always", ops: transferOps, act: slowDown("99999999999999"), times: -1, every: true,
		expect: always, wantRetry: true, check: want503,
	},
	{
		name: "stops-mid-body", ops: []string{"download", "get", "get-range"}, stall: true, act: stopMidBody,
		expect: transientStream, check: wantTimeout,
	},

	// Hostile listing servers.
	{name: "list-tokens-cycle", ops: []string{"list"}, pages: cyclingPages, bound: 12, expect: always, check: wantListingStalled},
	// A listing may meet a few truncated empty pages (S3 filters keys
	// after paging them), so a few are fine; 200 are not.
	{name: "list-empty-pages-forever", ops: []string{"list"}, pages: emptyPages, bound: 200, expect: always, check: wantListingStalled},
}

// typed reports whether err is one of the client's or the transfer
// manager's error types or kinds.
func typed(err error) bool {
	var (
		re *client.ResponseError
		oe *client.OperationError
		ia *client.InvalidArgumentError
		te *transfer.TaskError
		ce *transfer.ChecksumError
	)
	return errors.As(err, &re) || errors.As(err, &oe) || errors.As(err, &ia) || errors.As(err, &te) || errors.As(err, &ce) ||
		errors.Is(err, transfer.ErrChecksumMismatch) || errors.Is(err, transfer.ErrSourceChanged) ||
		errors.Is(err, client.ErrChecksumMismatch) || errors.Is(err, client.ErrRangeMismatch) ||
		errors.Is(err, bucket.ErrListingStalled)
}

// streamTyped is typed for an error read from a body the caller reads
// (object.Get's), which may also be the io and net kinds a reader of a
// network stream expects: an unexpected EOF, a reset, a timeout.
func streamTyped(err error) bool {
	return typed(err) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || isTimeout(err)
}

// isTimeout reports whether err says, net.Error style, that it is a
// timeout.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func wantTimeout(err error) string {
	if !isTimeout(err) {
		return fmt.Sprintf("want a timeout error (Timeout() true) after a stall, got %T: %v", err, err)
	}
	return ""
}

func wantChecksumMismatch(err error) string {
	if errors.Is(err, transfer.ErrChecksumMismatch) || errors.Is(err, client.ErrChecksumMismatch) || chainHas(err, func(t reflect.Type) bool {
		return strings.HasPrefix(t.PkgPath(), "github.com/polystore/polystore/") && strings.Contains(t.Name(), "Checksum")
	}) {
		return ""
	}
	return fmt.Sprintf("want a checksum mismatch for flipped bits, got %T: %v", err, err)
}

func want503(err error) string {
	var re *client.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable {
		return fmt.Sprintf("want the server's 503 after the last attempt, got %T: %v", err, err)
	}
	return ""
}

func wantListingStalled(err error) string {
	if !errors.Is(err, bucket.ErrListingStalled) {
		return fmt.Sprintf("want an error matching ErrListingStalled, got %T: %v", err, err)
	}
	return ""
}

// chainHas reports whether an error in err's tree (errors.Unwrap and
// Unwrap() []error) has a dynamic type (or pointed-to type) for which ok
// is true.
func chainHas(err error, ok func(reflect.Type) bool) bool {
	if err == nil {
		return false
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if ok(t) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return chainHas(u.Unwrap(), ok)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if chainHas(e, ok) {
				return true
			}
		}
	}
	return false
}
