package client

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"
)

// Error kinds. Every error the client returns for a failed response matches
// one of these with errors.Is, whatever the dialect's own code:
//
//	if errors.Is(err, client.ErrNotFound) { ... }
//
// Programs should act on an error's kind or code, never its message.
var (
	ErrNotFound           = errors.New("polystore: not found")
	ErrAccessDenied       = errors.New("polystore: access denied")
	ErrConflict           = errors.New("polystore: conflict")
	ErrPreconditionFailed = errors.New("polystore: precondition failed")
	ErrNotModified        = errors.New("polystore: not modified")
	ErrInvalidArgument    = errors.New("polystore: invalid argument")
	ErrNotSupported       = errors.New("polystore: not supported by this dialect")
	ErrThrottled          = errors.New("polystore: throttled")
)

// ErrBodyNotReplayable is returned when a request must be retried but its
// body was a plain io.Reader that has already been consumed. Pass an
// io.ReaderAt, io.ReadSeeker or []byte to make bodies replayable.
var ErrBodyNotReplayable = errors.New("polystore: request body cannot be replayed for a retry")

// ErrListingStalled ends a listing iterator (bucket.Client.ListObjects,
// multipart.Client.ListParts, ...) whose server does not lead it forward:
// a page marked truncated with nothing to resume from, a token or marker
// the listing had already followed, a marker that does not advance, the
// same page again, or a long run of truncated empty pages. Following such
// a server would loop forever, so the iterator stops, before yielding
// anything twice, with an *OperationError that wraps ErrListingStalled and
// names what happened and where:
//
//	if errors.Is(err, client.ErrListingStalled) { ... }
var ErrListingStalled = errors.New("polystore: the listing did not advance")

// ResponseError is a failed response from the service. It implements
// smithy.APIError and matches a kind sentinel (ErrNotFound, ...) with
// errors.Is.
type ResponseError struct {
	Dialect    string // dialect name, such as "s3"
	Op         string // operation name, such as "GetObject"
	StatusCode int
	Code       string // the service's error code; empty for bodiless errors
	Message    string
	RequestID  string
	HostID     string
	Resource   string
	kind       error
}

var _ smithy.APIError = (*ResponseError)(nil)

// Error describes the service's answer: dialect, operation, status, code,
// message and request id.
func (e *ResponseError) Error() string {
	s := fmt.Sprintf("polystore: %s %s: status %d", e.Dialect, e.Op, e.StatusCode)
	if e.Code != "" {
		s += ", " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// ErrorCode returns the service's error code, or the HTTP status text when
// the response had no body.
func (e *ResponseError) ErrorCode() string {
	if e.Code != "" {
		return e.Code
	}
	return http.StatusText(e.StatusCode)
}

// ErrorMessage returns the service's message.
func (e *ResponseError) ErrorMessage() string { return e.Message }

// ErrorFault tells whether the client (4xx) or the server (5xx) is at fault.
func (e *ResponseError) ErrorFault() smithy.ErrorFault {
	switch {
	case e.StatusCode >= 500:
		return smithy.FaultServer
	case e.StatusCode >= 400:
		return smithy.FaultClient
	}
	return smithy.FaultUnknown
}

// Kind returns the kind sentinel the error matches, or nil.
func (e *ResponseError) Kind() error { return e.kind }

// Is reports whether target is the error's kind.
func (e *ResponseError) Is(target error) bool { return e.kind != nil && target == e.kind }

// InvalidArgumentError is input refused before any request was sent. It
// names the offending field and matches ErrInvalidArgument (or
// ErrNotSupported, for a feature the dialect lacks) with errors.Is.
type InvalidArgumentError struct {
	Op     string // operation, if known
	Field  string // input field, such as "Bucket" or "Key"
	Reason string
	Err    error // the underlying error, if any (such as signer.ErrNoCredentials)
	kind   error
}

// InvalidArgument returns an *InvalidArgumentError for field.
func InvalidArgument(field, format string, args ...any) *InvalidArgumentError {
	return &InvalidArgumentError{Field: field, Reason: fmt.Sprintf(format, args...), kind: ErrInvalidArgument}
}

// NotSupported returns an error naming field that matches ErrNotSupported.
func NotSupported(d *Dialect, field, what string) *InvalidArgumentError {
	return &InvalidArgumentError{Field: field, Reason: what + " is not supported by the " + d.Name + " dialect", kind: ErrNotSupported}
}

// Error names the field and what is wrong with it.
func (e *InvalidArgumentError) Error() string {
	op := ""
	if e.Op != "" {
		op = e.Op + ": "
	}
	return "polystore: " + op + "invalid " + e.Field + ": " + e.Reason
}

// Unwrap returns the underlying error, if any.
func (e *InvalidArgumentError) Unwrap() error { return e.Err }

// Is matches ErrInvalidArgument (or ErrNotSupported).
func (e *InvalidArgumentError) Is(target error) bool {
	k := e.kind
	if k == nil {
		k = ErrInvalidArgument
	}
	return target == k
}

// OperationError wraps a failure that is not a service response (a network
// error, a cancelled context, a signing failure) with the operation name.
type OperationError struct {
	Dialect string
	Op      string
	Err     error
}

// Error names the dialect and operation, then the cause.
func (e *OperationError) Error() string {
	return "polystore: " + e.Dialect + " " + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *OperationError) Unwrap() error { return e.Err }

// ErrMalformedResponse is matched (errors.Is) by every
// *MalformedResponseError.
var ErrMalformedResponse = errors.New("polystore: malformed response")

// MalformedResponseError is an answer with a successful status that
// cannot be taken as a success because it lacks what the operation
// returns: an empty, cut-short or unparseable CompleteMultipartUpload
// result, a result without an ETag, an UploadPart answer without an ETag.
// Such an answer proves nothing about what the server did: the request
// may or may not have taken effect. It matches ErrMalformedResponse.
type MalformedResponseError struct {
	Dialect    string // dialect name, such as "s3"
	Op         string // operation name, such as "CompleteMultipartUpload"
	StatusCode int
	RequestID  string
	// Problem says what is wrong: "empty body", "no ETag", ...
	Problem string
	// Body is the start of the answer's body (at most 64 bytes), if it
	// had one.
	Body string
	// Err is the cause, if any (a decoding error, a body cut short).
	Err error
}

// maxMalformedExcerpt bounds MalformedResponseError.Body.
const maxMalformedExcerpt = 64

// newMalformedResponseError describes resp, an answer to op that cannot
// be taken as a success because of problem; body is what was read of
// its body (only the start is kept) and cause what went wrong reading or
// decoding it, if anything.
func newMalformedResponseError(d *Dialect, op string, resp *http.Response, problem string, body []byte, cause error) *MalformedResponseError {
	e := &MalformedResponseError{Dialect: d.Name, Op: op, Problem: problem, Err: cause}
	if resp != nil {
		e.StatusCode = resp.StatusCode
		e.RequestID = d.requestID(resp.Header)
	}
	if len(body) > maxMalformedExcerpt {
		body = body[:maxMalformedExcerpt]
	}
	e.Body = string(body)
	return e
}

// Error names the operation, the answer's status and request id, and the
// problem.
func (e *MalformedResponseError) Error() string {
	s := fmt.Sprintf("polystore: %s %s: status %d answer cannot be used: %s", e.Dialect, e.Op, e.StatusCode, e.Problem)
	if e.Body != "" {
		s += fmt.Sprintf(" (body %q)", e.Body)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the cause, if any.
func (e *MalformedResponseError) Unwrap() error { return e.Err }

// Is matches ErrMalformedResponse.
func (e *MalformedResponseError) Is(target error) bool { return target == ErrMalformedResponse }
