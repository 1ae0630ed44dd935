package signer

import (
	"net/http"
	"time"
)

// Transport is an http.RoundTripper that signs each request it sends, for
// programs that send requests with an http.Client of their own.
//
// It clones the request (a RoundTripper must not modify its argument), signs
// the clone with the current time and sends it with Base. Placed under a
// retrying client, it signs every attempt afresh: a new date and, for
// token-based schemes, a refreshed token. (polystore's client does not use
// it: it signs in a step of its middleware stack, once per attempt, on the
// attempt's own copy of the request.)
type Transport struct {
	Signer Signer
	Base   http.RoundTripper // nil means http.DefaultTransport
	Now    func() time.Time  // nil means time.Now
}

// RoundTrip signs a clone of r and sends it.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	clone := r.Clone(r.Context())
	// Clone shares the body; the retrying client above us rewinds it per attempt.
	if err := t.Signer.Sign(r.Context(), clone, now()); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, &SignError{Err: err}
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(clone)
}

// SignError is returned by Transport when the signer fails (for example,
// credentials could not be fetched). Retrying clients should not retry it.
type SignError struct{ Err error }

// Error wraps the signer's error.
func (e *SignError) Error() string { return "signer: signing failed: " + e.Err.Error() }

// Unwrap returns the signer's error.
func (e *SignError) Unwrap() error { return e.Err }
