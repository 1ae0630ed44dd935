// Package transferapi is the service interface of polystore's transfer
// manager (package transfer): the few calls a transfer.Manager makes, with
// their inputs and outputs, and Client, which implements them with
// polystore's object, multipart and bucket packages over one
// client.Client.
//
// Most programs never name this package: transfer.NewFromClient builds a
// manager over a client.Client. It is for tests (an in-memory fake, a
// wrapper that holds or fails calls) and for other backends, which
// implement API and pass it to transfer.New:
//
//	m, err := transfer.New(myBackend) // myBackend implements transferapi.API
//
// An implementation reports what the API's documentation asks: the
// errors it names (client.ErrRangeMismatch, client.ErrPreconditionFailed,
// client.ErrNotFound, client.ErrNotSupported, ...) so that the manager can
// tell a range the server did not honour, an object that changed, an
// upload that is gone, or a feature the server lacks.
package transferapi
