package signer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// AuthRequest is a read-only view of a request about to be signed, passed
// to an AuthorizationFunc. Query and Header are copies: changing them does
// not change the request.
type AuthRequest struct {
	Method string      // HTTP method, such as "PUT"
	Host   string      // request host (r.Host, else r.URL.Host), with any port
	Path   string      // decoded URL path, such as "/bucket/key name"
	Query  url.Values  // decoded query parameters
	Header http.Header // request headers (Host is in Host, not here)
}

// Authorization is a ready-made Authorization header value obtained from
// elsewhere, typically from the application's own server which holds the
// long-term keys, with the temporary security token it was computed with.
// Its String and GoString methods reveal neither value.
type Authorization struct {
	Authorization string // value of the Authorization header

	// SecurityToken is the temporary session token, sent in the
	// SecurityTokenHeader header. Empty when the signature was made with
	// long-term keys.
	SecurityToken string

	// SecurityTokenHeader names the header carrying SecurityToken, such
	// as "x-cos-security-token" (COS) or "X-Amz-Security-Token" (S3).
	// Empty means no token header; it must be set when SecurityToken is.
	SecurityTokenHeader string
}

// String describes the authorization without revealing the header value
// or the token.
func (a Authorization) String() string {
	s := "Authorization{Authorization: " + redacted(a.Authorization)
	if a.SecurityToken != "" || a.SecurityTokenHeader != "" {
		s += ", SecurityToken: " + redacted(a.SecurityToken) + ", SecurityTokenHeader: " + a.SecurityTokenHeader
	}
	return s + "}"
}

// GoString is String, so %#v does not reveal the values either.
func (a Authorization) GoString() string { return a.String() }

// AuthorizationFunc obtains the Authorization header for each request from
// a callback, the model of the COS SDK's getAuthorization: the application
// computes the signature itself, usually by asking its own server, so no
// secret key ever reaches this process. It implements Signer.
//
// The function is called once per attempt (so a retried request gets a
// fresh signature) with a view of the request; it must be safe for
// concurrent use. Sign sets the Authorization header and, when a
// SecurityToken is returned, the SecurityTokenHeader header. The function
// must sign exactly the request it is shown: the method, host, path, query
// and headers are sent as they are.
type AuthorizationFunc func(ctx context.Context, req AuthRequest) (Authorization, error)

// Sign calls f and applies its result to r. now is not used; the function
// chooses the signing time. Errors from f are wrapped with %w; an empty
// Authorization yields an error matching ErrNoCredentials.
func (f AuthorizationFunc) Sign(ctx context.Context, r *http.Request, now time.Time) error {
	if f == nil {
		return fmt.Errorf("signer: nil AuthorizationFunc: %w", ErrNoCredentials)
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	view := AuthRequest{Method: r.Method, Header: r.Header.Clone(), Query: url.Values{}}
	if view.Method == "" {
		view.Method = http.MethodGet
	}
	if r.URL != nil {
		view.Host = r.URL.Host
		view.Path = r.URL.Path
		view.Query = r.URL.Query()
	}
	if r.Host != "" {
		view.Host = r.Host
	}
	if view.Path == "" {
		view.Path = "/"
	}

	a, err := f(ctx, view)
	if err != nil {
		return fmt.Errorf("signer: authorization func: %w", err)
	}
	if a.Authorization == "" {
		return fmt.Errorf("signer: authorization func returned an empty Authorization: %w", ErrNoCredentials)
	}
	if a.SecurityToken != "" && a.SecurityTokenHeader == "" {
		return errors.New("signer: authorization func returned a SecurityToken without a SecurityTokenHeader")
	}
	r.Header.Set("Authorization", a.Authorization)
	if a.SecurityToken != "" {
		r.Header.Set(a.SecurityTokenHeader, a.SecurityToken)
	}
	return nil
}
