package signer

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Bearer signs requests with an OAuth 2.0 bearer token (RFC 6750), as IBM
// Cloud Object Storage accepts with IBM Cloud IAM tokens:
//
//	s := signer.NewBearer(signer.NewIAMTokenProvider(apiKey))
//
// It asks its TokenProvider for a token on every attempt, so the provider
// must cache tokens (IAMTokenProvider does). Bearer cannot presign URLs.
type Bearer struct {
	tokens TokenProvider
}

// NewBearer returns a signer that uses tokens from tokens.
func NewBearer(tokens TokenProvider) *Bearer { return &Bearer{tokens: tokens} }

// Sign sets "Authorization: Bearer <token>". now is not used: the token's
// lifetime is managed by the provider. Errors from the provider are returned
// wrapped with %w; a missing provider or an empty token yields an error
// matching ErrNoCredentials.
func (b *Bearer) Sign(ctx context.Context, r *http.Request, now time.Time) error {
	if b == nil || b.tokens == nil {
		return fmt.Errorf("signer: bearer: no token provider: %w", ErrNoCredentials)
	}
	tok, err := b.tokens.Token(ctx)
	if err != nil {
		return fmt.Errorf("signer: bearer: %w", err)
	}
	if tok.Value == "" {
		return fmt.Errorf("signer: bearer: token provider returned an empty token: %w", ErrNoCredentials)
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Set("Authorization", "Bearer "+tok.Value)
	return nil
}

// RefreshCredentials is told that the service refused the request
// refused, signed by b, as unauthorized. If b's TokenProvider is a
// TokenInvalidator, the refused token is discarded and RefreshCredentials
// reports whether the next signature will carry another token (the
// client then sends the request once more); otherwise it reports false.
// It implements CredentialRefresher.
func (b *Bearer) RefreshCredentials(_ context.Context, refused *http.Request) bool {
	if b == nil || refused == nil {
		return false
	}
	inv, ok := b.tokens.(TokenInvalidator)
	if !ok {
		return false
	}
	h := refused.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return inv.InvalidateToken(strings.TrimSpace(h[len(prefix):]))
}

// CredentialRefresher is implemented by signers whose credentials a
// service can refuse before they expire locally: a token revoked, or
// expired by the server's clock. When a service answers a request with
// such a refusal (client.Dialect.RefusedCredentialCodes), the client calls
// RefreshCredentials with the refused request, as signed; if it reports
// true, the client signs the request again and sends it once more.
// Implementations must be safe for concurrent use, and should make many
// concurrent refusals of the same credentials cost one refresh.
type CredentialRefresher interface {
	RefreshCredentials(ctx context.Context, refused *http.Request) bool
}

// TokenInvalidator is a TokenProvider that can be told a service refused
// one of its tokens. IAMTokenProvider implements it.
type TokenInvalidator interface {
	TokenProvider
	// InvalidateToken discards the token whose value is value if it is
	// still the cached one, so that the next Token call obtains a new
	// token, and reports whether that call will return a token other
	// than value. Concurrent calls for one value discard it once.
	InvalidateToken(value string) bool
}

// Presign always fails with an error matching ErrPresignNotSupported: a
// bearer token cannot be put in a URL. IBM Cloud Object Storage presigned
// URLs need HMAC keys signed with SigV4 (NewV4).
func (b *Bearer) Presign(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error) {
	return nil, nil, fmt.Errorf("signer: bearer tokens cannot presign URLs; IBM COS presigned URLs need HMAC keys (use NewV4): %w", ErrPresignNotSupported)
}

// String describes the signer without revealing any token.
func (b *Bearer) String() string {
	if b == nil {
		return "Bearer(nil)"
	}
	return fmt.Sprintf("Bearer{Tokens: %T}", b.tokens)
}

// GoString is String.
func (b *Bearer) GoString() string { return b.String() }
