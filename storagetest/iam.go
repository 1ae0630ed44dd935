package storagetest

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	iamTokenPath = "/identity/token"
	iamGrantType = "urn:ibm:params:oauth:grant-type:apikey"
	// iamRefreshGrant trades a refresh token for a new access token, as
	// IBM's SDKs do before the access token expires.
	iamRefreshGrant = "refresh_token"
)

// isIAMTokenRequest reports whether r is for the IAM token endpoint:
// POST /identity/token, unauthenticated or with HTTP Basic client
// credentials, which IBM's own SDKs always send (the IBM Cloud CLI's
// public client id, bx:bx). A request with another Authorization scheme
// is a storage request for the object "token" in the bucket "identity".
func isIAMTokenRequest(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != iamTokenPath {
		return false
	}
	auth := r.Header.Get("Authorization")
	return auth == "" || hasAuthScheme(auth, "Basic")
}

// hasAuthScheme reports whether an Authorization value uses scheme
// (compared without regard to case, as HTTP does).
func hasAuthScheme(auth, scheme string) bool {
	return len(auth) > len(scheme) && auth[len(scheme)] == ' ' && strings.EqualFold(auth[:len(scheme)], scheme)
}

// iamEmulator is the state of the IBM Cloud IAM token endpoint emulator:
// the tokens it issued, with their expiry on the server's clock, and the
// refresh tokens it issued.
type iamEmulator struct {
	mu            sync.Mutex
	tokens        map[string]time.Time
	refreshTokens map[string]bool
	served        int
}

func (m *iamEmulator) init() {
	m.tokens = map[string]time.Time{}
	m.refreshTokens = map[string]bool{}
}

func (m *iamEmulator) requests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.served
}

// expireAll makes every token issued so far expired at now.
func (m *iamEmulator) expireAll(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for tok, exp := range m.tokens {
		if exp.After(now) {
			m.tokens[tok] = now
		}
	}
}

// ExpireTokens makes the server consider every IAM token it has issued so
// far expired, as after a revocation, or as when the server's clock runs
// ahead of the client's. Requests signed with those tokens are then
// refused the way IBM COS refuses them: 403 AccessDenied ("The bearer
// token has expired."), while the client may still think them valid.
// Tokens issued afterwards are not affected.
func (s *Server) ExpireTokens() { s.iam.expireAll(s.opts.Clock()) }

// check reports whether token was issued here and whether it has expired
// at now.
func (m *iamEmulator) check(token string, now time.Time) (known, expired bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.tokens[token]
	if !ok {
		return false, false
	}
	return true, !now.Before(exp)
}

// iamTokenBody is the success body of POST /identity/token.
type iamTokenBody struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Expiration   int64  `json:"expiration"`
	Scope        string `json:"scope"`
}

// iamErrorBody is the IAM error body.
type iamErrorBody struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	Context      struct {
		RequestID string `json:"requestId"`
	} `json:"context"`
}

// serveIAM answers POST /identity/token as IBM Cloud IAM does, for grant
// types urn:ibm:params:oauth:grant-type:apikey (apikey=the server's API
// key) and refresh_token (refresh_token=one this endpoint issued). Client
// credentials in an Authorization: Basic header, as IBM's SDKs send them,
// are accepted when they are well formed (id:secret, id not empty): IAM
// knows its registered clients, storagetest takes any.
func (s *Server) serveIAM(c *call) {
	s.iam.mu.Lock()
	s.iam.served++
	s.iam.mu.Unlock()

	if auth := c.r.Header.Get("Authorization"); auth != "" {
		if id, _, ok := c.r.BasicAuth(); !ok || id == "" {
			c.writeError(&apiError{Status: http.StatusBadRequest, Code: "BXNIM0109E", Message: "The Authorization header holds no client id and secret (Basic base64(id:secret))."})
			return
		}
	}
	if err := c.r.ParseForm(); err != nil {
		c.writeError(&apiError{Status: http.StatusBadRequest, Code: "BXNIM0109E", Message: "The request body could not be parsed: " + err.Error()})
		return
	}
	switch gt := c.r.PostForm.Get("grant_type"); gt {
	case iamGrantType:
		if key := c.r.PostForm.Get("apikey"); key == "" || key != s.opts.APIKey {
			c.writeError(&apiError{Status: http.StatusBadRequest, Code: "BXNIM0415E", Message: "Provided API key could not be found."})
			return
		}
	case iamRefreshGrant:
		tok := c.r.PostForm.Get("refresh_token")
		s.iam.mu.Lock()
		known := s.iam.refreshTokens[tok]
		s.iam.mu.Unlock()
		if !known {
			c.writeError(&apiError{Status: http.StatusBadRequest, Code: "BXNIM0407E", Message: "The provided refresh token is invalid."})
			return
		}
	default:
		c.writeError(&apiError{Status: http.StatusBadRequest, Code: "BXNIM0109E", Message: "Unsupported grant_type " + strconv.Quote(gt) + "."})
		return
	}
	now := s.opts.Clock()
	ttl := s.opts.TokenTTL
	exp := now.Add(ttl)
	body := iamTokenBody{
		AccessToken:  "storagetest-iam." + randomHex(24),
		RefreshToken: "storagetest-refresh." + randomHex(16),
		TokenType:    "Bearer",
		ExpiresIn:    int64(math.Ceil(ttl.Seconds())),
		Expiration:   exp.Unix(),
		Scope:        "ibm openid",
	}
	s.iam.mu.Lock()
	s.iam.tokens[body.AccessToken] = exp
	s.iam.refreshTokens[body.RefreshToken] = true
	s.iam.mu.Unlock()
	writeJSON(c, http.StatusOK, body)
}

// writeIAMError sends e in IAM's error format.
func writeIAMError(c *call, e *apiError) {
	var b iamErrorBody
	b.ErrorCode, b.ErrorMessage = e.Code, e.Message
	b.Context.RequestID = c.reqID
	if e.RetryAfter != "" {
		c.w.Header().Set("Retry-After", e.RetryAfter)
	}
	writeJSON(c, e.Status, b)
}

func writeJSON(c *call, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // cannot happen with the plain structs used here
		c.w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}
