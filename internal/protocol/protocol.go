// Package protocol is the leaf of the operation pipeline: the pieces that
// the client package and the operation packages (object, multipart,
// bucket, ...) share but that are not part of polystore's public API. It
// imports no polystore package but the leaf internal/rawquery, so that
// client can import it.
//
// It holds the operation descriptor client's middleware stack runs
// (Desc), the request and body an operation's Serialize fills in
// (Request, Body), the generic shapes of inputs the client and opkit
// share (BodyInput, BodyAnswer, ObjectOptions), the URL encoders every
// request uses (EscapePath, EncodeQuery) and the bridge through which
// client hands its unexported pipeline functions to internal/opkit
// (Export, Import).
package protocol

import (
	"net/http"
)

// Desc describes one operation as data, for the client's middleware
// stack, with its input and output behind any. D and O are the client's
// Dialect and Options types: Desc is generic over them only because this
// package cannot import client. internal/opkit.Op
// builds a Desc once per operation from its typed functions.
type Desc[D, O any] struct {
	// Name is the operation name used in errors and logs ("PutObject").
	Name string
	// Idempotent operations are retried after transient failures.
	Idempotent bool
	// KeepBody hands the response body to the output (streaming GET).
	KeepBody bool
	// ErrorIn200 marks operations whose "200 OK" can carry an error
	// document (see internal/opkit.Op.ErrorIn200).
	ErrorIn200 bool
	// Validate checks the input (a pointer to the operation's input
	// type) before anything is sent. Nil means no check.
	Validate func(d *D, in any) error
	// Serialize fills r from the input.
	Serialize func(d *D, o *O, in any, r *Request) error
	// Deserialize reads a successful response into a new output and
	// returns it (a pointer to the operation's output type). It must not
	// close resp.Body when KeepBody is set; otherwise the stack drains
	// and closes it.
	Deserialize func(d *D, resp *http.Response) (any, error)
}
