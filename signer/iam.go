package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultIAMEndpoint is the public IBM Cloud IAM endpoint.
const DefaultIAMEndpoint = "https://iam.cloud.ibm.com"

// DefaultIAMRefreshAt is the IAMOptions.RefreshAt used when none is set.
const DefaultIAMRefreshAt = 0.8

const (
	iamTokenPath     = "/identity/token"
	iamGrantType     = "urn:ibm:params:oauth:grant-type:apikey"
	iamMaxBody       = 1 << 20 // cap on a token response body
	iamMaxErrMessage = 512     // cap on a non-JSON error body quoted in IAMError
)

// Token is a bearer token with its lifetime. Its String and GoString
// methods never print Value, so a Token is safe to log.
type Token struct {
	Value   string    // the access token itself
	Type    string    // token type as issued, normally "Bearer"
	Expires time.Time // when the issuer stops accepting the token; zero if unknown
	Issued  time.Time // when the token was obtained
}

// Expired reports whether the token is past its expiry at now. A token with
// a zero Expires never expires.
func (t Token) Expired(now time.Time) bool {
	return !t.Expires.IsZero() && !now.Before(t.Expires)
}

// String describes the token without revealing its value.
func (t Token) String() string {
	s := "Token{Type: " + t.Type + ", Value: " + redacted(t.Value)
	if !t.Issued.IsZero() {
		s += ", Issued: " + t.Issued.UTC().Format(time.RFC3339)
	}
	if !t.Expires.IsZero() {
		s += ", Expires: " + t.Expires.UTC().Format(time.RFC3339)
	}
	return s + "}"
}

// GoString is String, so %#v does not reveal the token either.
func (t Token) GoString() string { return t.String() }

// TokenProvider returns a bearer token for signing. Implementations must be
// safe for concurrent use and should cache tokens: Bearer calls Token for
// every request attempt.
type TokenProvider interface {
	Token(ctx context.Context) (Token, error)
}

// TokenFunc adapts a function to TokenProvider.
type TokenFunc func(ctx context.Context) (Token, error)

// Token calls f.
func (f TokenFunc) Token(ctx context.Context) (Token, error) { return f(ctx) }

// ErrIAMTokenRefresh matches, with errors.Is, every failure to obtain a
// token from IBM Cloud IAM: an *IAMError for an error response, or a
// wrapped network, timeout or decoding error.
var ErrIAMTokenRefresh = errors.New("signer: IAM token refresh failed")

// IAMError is an error response from the IAM token endpoint. Fields are
// filled from the IAM JSON error body when present, for example
//
//	{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.","context":{"requestId":"..."}}
//
// It never holds the API key. errors.Is(err, ErrIAMTokenRefresh) is true.
type IAMError struct {
	StatusCode int    // HTTP status of the response
	Code       string // IAM errorCode, such as "BXNIM0415E"; empty if absent
	Message    string // IAM errorMessage, or a short excerpt of a non-JSON body
	RequestID  string // context.requestId, or the Transaction-Id header
}

// Error describes the failure, including the IAM request id for support.
func (e *IAMError) Error() string {
	var b strings.Builder
	b.WriteString(ErrIAMTokenRefresh.Error())
	fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// Is reports whether target is ErrIAMTokenRefresh.
func (e *IAMError) Is(target error) bool { return target == ErrIAMTokenRefresh }

// IAMOptions configures an IAMTokenProvider. NewIAMTokenProvider fills in the
// defaults before calling the option functions.
type IAMOptions struct {
	// Endpoint is the IAM base URL; "/identity/token" is appended (a
	// trailing "/identity/token" already present is not doubled). Default
	// DefaultIAMEndpoint; use "https://private.iam.cloud.ibm.com" from
	// inside IBM Cloud.
	Endpoint string

	// HTTPClient sends the token requests. Default http.DefaultClient.
	// The provider uses a shallow copy that does not follow redirects, so
	// the API key in the request body is never re-sent to another URL.
	HTTPClient *http.Client

	// Now returns the current time. Default time.Now; tests inject a clock.
	Now func() time.Time

	// RefreshAt is the fraction of a token's lifetime (from Issued to
	// Expires) after which it is refreshed before use. Default 0.8;
	// values outside (0, 1] are replaced by the default.
	RefreshAt float64
}

// IAMTokenProvider obtains IBM Cloud IAM access tokens for an API key and
// caches them. It implements TokenProvider and is safe for concurrent use;
// one provider should be shared by all clients using the same key.
//
// A cached token is returned until RefreshAt (80%) of its lifetime has
// passed; the next call then requests a new token before returning. The
// lifetime is measured on the local clock: Issued is the time the request
// was sent and Expires is Issued plus the response's expires_in (the
// absolute expiration is used only when expires_in is absent), so clock
// skew between this host and IAM does not matter.
//
// Concurrent callers share one token request, which is detached from their
// contexts and bounded by a 30-second timeout; each caller stops waiting as
// soon as its own context is done, while the request completes for the
// others and its token is cached.
//
// When a refresh fails:
//   - if the cached token has not yet expired (it is only past the 80%
//     mark), it is returned without an error, and the refresh is retried
//     at most every 10 seconds until it succeeds or the token expires;
//   - otherwise Token returns the error, which matches ErrIAMTokenRefresh
//     and is an *IAMError if IAM answered with an error status.
//
// A token past its expiry is never returned. The API key never appears in
// errors or in String output.
type IAMTokenProvider struct {
	apiKey    string
	tokenURL  string
	client    *http.Client
	refreshAt float64
	cache     refreshCache[Token]
}

// NewIAMTokenProvider returns a provider of IAM tokens for apiKey. See
// IAMOptions for the defaults. An empty apiKey makes Token fail with
// ErrNoCredentials.
func NewIAMTokenProvider(apiKey string, optFns ...func(*IAMOptions)) *IAMTokenProvider {
	o := IAMOptions{Endpoint: DefaultIAMEndpoint, Now: time.Now, RefreshAt: DefaultIAMRefreshAt}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	ep := strings.TrimRight(strings.TrimSpace(o.Endpoint), "/")
	ep = strings.TrimSuffix(ep, iamTokenPath)
	if ep == "" {
		ep = DefaultIAMEndpoint
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if !(o.RefreshAt > 0 && o.RefreshAt <= 1) {
		o.RefreshAt = DefaultIAMRefreshAt
	}
	base := o.HTTPClient
	if base == nil {
		base = http.DefaultClient
	}
	client := *base
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	p := &IAMTokenProvider{
		apiKey:    apiKey,
		tokenURL:  ep + iamTokenPath,
		client:    &client,
		refreshAt: o.RefreshAt,
	}
	p.cache.now = o.Now
	p.cache.what = "IAM token"
	p.cache.fetch = p.fetch
	return p
}

// Token returns a valid access token, from the cache or from IAM. See
// IAMTokenProvider for the caching and error behaviour. If ctx is done while
// waiting for a token request, Token returns an error wrapping ctx.Err().
func (p *IAMTokenProvider) Token(ctx context.Context) (Token, error) {
	if p == nil || p.apiKey == "" {
		return Token{}, fmt.Errorf("signer: IAM API key is empty: %w", ErrNoCredentials)
	}
	return p.cache.get(ctx)
}

// Invalidate discards the cached token, so the next Token call requests a
// new one. Use it when a service rejects the token before its stated
// expiry.
func (p *IAMTokenProvider) Invalidate() {
	if p != nil {
		p.cache.invalidate()
	}
}

// MinRefusedTokenAge is how old a token must be before
// IAMTokenProvider.InvalidateToken discards it. A service refusing a
// token it has just been issued is refusing the request for another
// reason (IBM COS answers a missing permission with the same 403
// AccessDenied as an expired token), so younger tokens are kept: a
// genuinely denied request costs at most one token request a minute.
const MinRefusedTokenAge = time.Minute

// InvalidateToken is told that a service refused the token value (see
// TokenInvalidator). If value is the cached token and it was obtained at
// least MinRefusedTokenAge ago, it is discarded and the next Token call
// requests a new one; concurrent callers share that one request. It
// reports whether the next Token call returns a token other than value:
// true when the token was discarded or already replaced, false when it
// is kept (too young to be the cause).
func (p *IAMTokenProvider) InvalidateToken(value string) bool {
	if p == nil {
		return false
	}
	return p.cache.invalidateRefused(func(t Token) bool { return t.Value == value }, MinRefusedTokenAge)
}

// String describes the provider without revealing the API key.
func (p *IAMTokenProvider) String() string {
	if p == nil {
		return "IAMTokenProvider(nil)"
	}
	return "IAMTokenProvider{TokenURL: " + p.tokenURL + ", APIKey: " + redacted(p.apiKey) + "}"
}

// GoString is String, so %#v does not reveal the API key either.
func (p *IAMTokenProvider) GoString() string { return p.String() }

// iamTokenResponse is the success body of POST /identity/token.
type iamTokenResponse struct {
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    float64 `json:"expires_in"` // seconds
	Expiration   float64 `json:"expiration"` // unix seconds
}

// iamErrorResponse is an error body; IAM uses the first three fields, and
// some gateways answer OAuth-style with the last two.
type iamErrorResponse struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	Context      struct {
		RequestID string `json:"requestId"`
	} `json:"context"`
	OAuthError       string `json:"error"`
	OAuthDescription string `json:"error_description"`
}

// fetch requests a new token. Every error it returns matches
// ErrIAMTokenRefresh and has the API key scrubbed.
func (p *IAMTokenProvider) fetch(ctx context.Context, start time.Time) (cacheEntry[Token], error) {
	form := url.Values{"grant_type": {iamGrantType}, "apikey": {p.apiKey}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return cacheEntry[Token]{}, p.wrapErr(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := p.client.Do(req)
	if err != nil {
		return cacheEntry[Token]{}, p.wrapErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, iamMaxBody))
	if err != nil {
		return cacheEntry[Token]{}, p.wrapErr(fmt.Errorf("reading response: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return cacheEntry[Token]{}, p.responseError(resp, body)
	}

	var tr iamTokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return cacheEntry[Token]{}, p.wrapErr(fmt.Errorf("decoding response: %w", err))
	}
	if tr.AccessToken == "" {
		return cacheEntry[Token]{}, p.wrapErr(errors.New("response has no access_token"))
	}
	tok := Token{Value: tr.AccessToken, Type: tr.TokenType, Issued: start}
	if tok.Type == "" {
		tok.Type = "Bearer"
	}
	switch {
	case tr.ExpiresIn > 0:
		tok.Expires = start.Add(time.Duration(tr.ExpiresIn * float64(time.Second)))
	case tr.Expiration > 0:
		tok.Expires = time.Unix(int64(tr.Expiration), 0)
	default:
		return cacheEntry[Token]{}, p.wrapErr(errors.New("response has neither expires_in nor expiration"))
	}
	if !tok.Expires.After(start) {
		return cacheEntry[Token]{}, p.wrapErr(fmt.Errorf("response token already expired at %s", tok.Expires.UTC().Format(time.RFC3339)))
	}
	ttl := tok.Expires.Sub(start)
	return cacheEntry[Token]{
		val:       tok,
		refreshAt: start.Add(time.Duration(float64(ttl) * p.refreshAt)),
		expires:   tok.Expires,
	}, nil
}

// responseError builds the *IAMError for a non-2xx response.
func (p *IAMTokenProvider) responseError(resp *http.Response, body []byte) error {
	e := &IAMError{StatusCode: resp.StatusCode}
	var er iamErrorResponse
	if json.Unmarshal(body, &er) == nil {
		e.Code, e.Message, e.RequestID = er.ErrorCode, er.ErrorMessage, er.Context.RequestID
		if e.Code == "" {
			e.Code = er.OAuthError
		}
		if e.Message == "" {
			e.Message = er.OAuthDescription
		}
	} else if text := strings.TrimSpace(string(body)); text != "" {
		if len(text) > iamMaxErrMessage {
			text = text[:iamMaxErrMessage] + "..."
		}
		e.Message = text
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("Transaction-Id")
	}
	e.Code, e.Message, e.RequestID = p.scrub(e.Code), p.scrub(e.Message), p.scrub(e.RequestID)
	return e
}

// wrapErr wraps err so that it matches ErrIAMTokenRefresh, removing the API
// key from its text should any layer have echoed it.
func (p *IAMTokenProvider) wrapErr(err error) error {
	if msg := err.Error(); strings.Contains(msg, p.apiKey) {
		return &scrubbedError{msg: ErrIAMTokenRefresh.Error() + ": " + p.scrub(msg), err: err}
	}
	return fmt.Errorf("%w: %w", ErrIAMTokenRefresh, err)
}

func (p *IAMTokenProvider) scrub(s string) string {
	if p.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, p.apiKey, "[redacted]")
}

// scrubbedError is a refresh error whose underlying text contained the API
// key: Error prints the scrubbed text, while errors.Is and errors.As still
// see ErrIAMTokenRefresh and the underlying error.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return []error{ErrIAMTokenRefresh, e.err} }
