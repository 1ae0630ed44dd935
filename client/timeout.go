package client

import (
	"errors"
	"time"
)

// Default timeouts, used where a Timeouts field is zero.
const (
	// DefaultDialTimeout bounds a TCP connect (DNS lookup included). A
	// healthy endpoint connects in milliseconds; 10 s leaves room for
	// three lost SYNs (Linux resends after 1, 3 and 7 s) before the
	// attempt fails and is retried, possibly on another address.
	DefaultDialTimeout = 10 * time.Second
	// DefaultTLSHandshakeTimeout bounds a TLS handshake, as net/http's
	// DefaultTransport does.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for a response's
	// headers once the request is sent. S3 answers CompleteMultipartUpload
	// and CopyObject with early 200 headers and then keeps the connection
	// alive with whitespace while it works, so there the wait is short;
	// S3-compatible servers that answer a server-side copy or a large
	// completion only when done need the time it takes them to copy, so
	// the default is generous.
	DefaultResponseHeaderTimeout = 2 * time.Minute
	// DefaultStallTimeout bounds how long a body may move no bytes. It
	// matches the 60 s socket read timeout that the AWS CLI and boto use
	// against S3, whose whitespace keep-alive during long completions and
	// copies arrives well within it.
	DefaultStallTimeout = time.Minute
)

// Timeouts bound each attempt of a request. A zero field takes its
// default; a negative field disables that timeout. An attempt that times
// out is retried like a connection error (idempotent calls, or all calls
// with RetryPolicy.RetryNonIdempotent); only the caller's own context
// ending stops the retries. The last attempt's failure is a
// *TimeoutError naming the timeout, wrapped in an *OperationError.
//
// No timeout bounds a whole transfer: a 5 GiB part on a slow link runs
// as long as bytes keep moving. Stall, not a total deadline, is what
// catches a dead connection mid-body. (HTTPClient.Timeout, if set, is a
// whole-attempt bound on top of these.)
//
// Dial and TLSHandshake are applied by the client's own transport: the
// one New builds when Options.HTTPClient is nil or has a nil Transport.
// They are fixed when New builds it; changing them with With or per-call
// options has no effect. A transport of your own applies its own dial
// and handshake limits instead. ResponseHeader and Stall are enforced by
// polystore above the transport, per call, whatever the transport:
// Stall on every request and response body (including the Body of a
// streamed GET that the caller reads), ResponseHeader from the moment
// the request is written (as reported by net/http's httptrace, which
// http.Transport and transports built on it emit).
type Timeouts struct {
	// Dial bounds opening a TCP connection, DNS lookup included.
	// Default DefaultDialTimeout (10 s).
	Dial time.Duration
	// TLSHandshake bounds the TLS handshake of a new connection.
	// Default DefaultTLSHandshakeTimeout (10 s).
	TLSHandshake time.Duration
	// ResponseHeader bounds the wait for the response's status line and
	// headers after the whole request, body included, has been sent.
	// Default DefaultResponseHeaderTimeout (2 min).
	ResponseHeader time.Duration
	// Stall bounds how long a body may move no bytes: the request body
	// while the server takes none of it (it stopped reading), and the
	// response body while a read waits for bytes that do not come (the
	// server stopped sending). Every byte moved restarts it, so a slow
	// but progressing transfer is never cut off, and time the caller
	// spends between reads of a streamed body does not count.
	// Default DefaultStallTimeout (1 min).
	Stall time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.Dial, DefaultDialTimeout)
	def(&t.TLSHandshake, DefaultTLSHandshakeTimeout)
	def(&t.ResponseHeader, DefaultResponseHeaderTimeout)
	def(&t.Stall, DefaultStallTimeout)
	return t
}

// TimeoutKind names the timeout that ended an attempt.
type TimeoutKind int

// Timeout kinds.
const (
	// TimeoutDial: no TCP connection within Timeouts.Dial.
	TimeoutDial TimeoutKind = iota + 1
	// TimeoutTLSHandshake: the TLS handshake did not finish within
	// Timeouts.TLSHandshake.
	TimeoutTLSHandshake
	// TimeoutResponseHeader: no response headers within
	// Timeouts.ResponseHeader of sending the request.
	TimeoutResponseHeader
	// TimeoutSendStall: the server took no request body bytes for
	// Timeouts.Stall.
	TimeoutSendStall
	// TimeoutReceiveStall: no response body bytes arrived for
	// Timeouts.Stall while a read waited for them.
	TimeoutReceiveStall
	// TimeoutAttempt: the attempt ran longer than HTTPClient.Timeout.
	TimeoutAttempt
)

// String names the kind: "dial", "TLS handshake", "response header",
// "request body stall", "response body stall" or "attempt".
func (k TimeoutKind) String() string {
	switch k {
	case TimeoutDial:
		return "dial"
	case TimeoutTLSHandshake:
		return "TLS handshake"
	case TimeoutResponseHeader:
		return "response header"
	case TimeoutSendStall:
		return "request body stall"
	case TimeoutReceiveStall:
		return "response body stall"
	case TimeoutAttempt:
		return "attempt"
	}
	return "unknown"
}

// knob names the option that sets the kind's limit.
func (k TimeoutKind) knob() string {
	switch k {
	case TimeoutDial:
		return "Timeouts.Dial"
	case TimeoutTLSHandshake:
		return "Timeouts.TLSHandshake"
	case TimeoutResponseHeader:
		return "Timeouts.ResponseHeader"
	case TimeoutSendStall, TimeoutReceiveStall:
		return "Timeouts.Stall"
	case TimeoutAttempt:
		return "HTTPClient.Timeout"
	}
	return "Timeouts"
}

// ErrTimeout matches every *TimeoutError with errors.Is.
var ErrTimeout = errors.New("polystore: timeout")

// TimeoutError is an attempt ended by one of the client's timeouts (not by
// the caller's context). It matches ErrTimeout with errors.Is and is a
// net.Error whose Timeout reports true. Requests that fail this way on
// their last attempt return it wrapped in an *OperationError; a streamed
// GET body whose server stops sending returns it, wrapped likewise, from
// Read.
type TimeoutError struct {
	Kind  TimeoutKind   // which timeout fired
	After time.Duration // its limit: how long nothing happened
}

// Error says which timeout fired, after how long, and which option sets
// it, such as "response body stall timeout: no response body bytes
// received for 1m0s (Timeouts.Stall)".
func (e *TimeoutError) Error() string {
	d := e.After.String()
	var what string
	switch e.Kind {
	case TimeoutDial:
		what = "no connection within " + d
	case TimeoutTLSHandshake:
		what = "handshake not done within " + d
	case TimeoutResponseHeader:
		what = "no response headers within " + d + " of sending the request"
	case TimeoutSendStall:
		what = "the server took no request body bytes for " + d
	case TimeoutReceiveStall:
		what = "no response body bytes received for " + d
	case TimeoutAttempt:
		what = "attempt not done within " + d
	default:
		what = "nothing happened for " + d
	}
	return e.Kind.String() + " timeout: " + what + " (" + e.Kind.knob() + ")"
}

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Timeout reports true: the error is a timeout (net.Error).
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true: another attempt may succeed (net.Error).
func (e *TimeoutError) Temporary() bool { return true }
