// Package sendprogress carries, in a request's context, a callback that
// the client's transport calls as it sends the request body: how the
// transfer manager shows a part (or a single PUT) moving before the
// server acknowledges it. It is the client's hook for its sibling
// packages, not a public API.
//
// The client calls the callback with the number of body bytes the
// current attempt has handed to the connection so far (to the kernel's
// socket buffer, or sent from a file by sendfile), from the goroutine
// that writes the request, which may run on after the call returned (a
// failed attempt's writer). A new attempt starts again from 0. The
// callback must be cheap and safe for concurrent use, and must ignore
// calls that come after it stopped caring.
package sendprogress

import "context"

// Func is told the number of request-body bytes the attempt in progress
// has sent so far.
type Func func(sent int64)

type key struct{}

// With returns ctx carrying f for the requests made with it.
func With(ctx context.Context, f Func) context.Context {
	return context.WithValue(ctx, key{}, f)
}

// From returns the callback ctx carries, or nil.
func From(ctx context.Context) Func {
	f, _ := ctx.Value(key{}).(Func)
	return f
}
