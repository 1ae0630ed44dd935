package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/signer"
)

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func postToken(t *testing.T, srv *Server, apiKey string) (int, []byte) {
	t.Helper()
	form := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {apiKey}}
	res, err := http.Post(srv.IAMEndpoint()+"/identity/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("IAM Content-Type %q", ct)
	}
	return res.StatusCode, b
}

func TestIAMTokenEndpoint(t *testing.T) {
	clock := &testClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := start(t, client.IBM, func(o *Options) { o.Clock = clock.Now; o.APIKey = "my-api-key" })

	status, body := postToken(t, srv, "my-api-key")
	if status != http.StatusOK {
		t.Fatalf("token status %d: %s", status, body)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
		Expiration   int64  `json:"expiration"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 ||
		tok.Expiration != clock.Now().Add(time.Hour).Unix() {
		t.Errorf("token body: %s", body)
	}

	status, body = postToken(t, srv, "wrong-key")
	var e struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		Context      struct {
			RequestID string `json:"requestId"`
		} `json:"context"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if status != http.StatusBadRequest || e.ErrorCode != "BXNIM0415E" || e.ErrorMessage != "Provided API key could not be found." || e.Context.RequestID == "" {
		t.Errorf("bad key: %d %s", status, body)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("TokenRequests = %d, want 2", n)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("IAM requests appear in the request log (%d entries)", n)
	}
}

func TestIBMBearer(t *testing.T) {
	clock := &testClock{now: time.Now()}
	srv := start(t, client.IBM, func(o *Options) {
		o.Clock = clock.Now
		o.ServiceInstanceID = "crn-instance-1"
	})
	provider := signer.NewIAMTokenProvider(srv.APIKey(), func(o *signer.IAMOptions) {
		o.Endpoint = srv.IAMEndpoint()
		o.Now = clock.Now
	})
	bearer := signer.NewBearer(provider)
	instance := http.Header{"Ibm-Service-Instance-Id": {"crn-instance-1"}}

	r := send(t, srv, req{method: http.MethodPut, bucket: "ibm-bucket", signer: bearer})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")
	r = send(t, srv, req{method: http.MethodGet, signer: bearer})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")
	r = send(t, srv, req{method: http.MethodGet, signer: bearer, header: http.Header{"Ibm-Service-Instance-Id": {"someone-else"}}})
	wantError(t, srv.Dialect(), r, http.StatusForbidden, "AccessDenied")

	mustStatus(t, send(t, srv, req{method: http.MethodPut, bucket: "ibm-bucket", signer: bearer, header: instance}), http.StatusOK)
	mustStatus(t, send(t, srv, req{method: http.MethodGet, signer: bearer, header: instance}), http.StatusOK)
	mustStatus(t, send(t, srv, req{method: http.MethodPut, bucket: "ibm-bucket", key: "k", body: []byte("v"), signer: bearer}), http.StatusOK)
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("TokenRequests = %d; the provider should have cached its token", n)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Scheme != schemeBearer || last.Header.Get("Authorization") != "Bearer" || !last.SignedAt.IsZero() {
		t.Errorf("bearer request logged as %+v", last)
	}

	// HMAC keys work on the same server.
	mustStatus(t, send(t, srv, req{method: http.MethodGet, bucket: "ibm-bucket", key: "k", signer: goodSigner(srv)}), http.StatusOK)

	// A token the emulator never issued.
	r = send(t, srv, req{method: http.MethodGet, bucket: "ibm-bucket", key: "k", header: http.Header{"Authorization": {"Bearer forged"}}})
	wantError(t, srv.Dialect(), r, http.StatusForbidden, "AccessDenied")

	// Past its lifetime on the server's clock, the token is refused.
	tok, err := provider.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	r = send(t, srv, req{method: http.MethodGet, bucket: "ibm-bucket", key: "k", header: http.Header{"Authorization": {"Bearer " + tok.Value}}})
	e := wantError(t, srv.Dialect(), r, http.StatusForbidden, "AccessDenied")
	if !strings.Contains(e.Message, "expired") {
		t.Errorf("message %q", e.Message)
	}
	// The provider refreshes, and the new token works.
	mustStatus(t, send(t, srv, req{method: http.MethodGet, bucket: "ibm-bucket", key: "k", signer: bearer}), http.StatusOK)
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("TokenRequests = %d, want 2 after expiry", n)
	}
}

func TestIAMWrongKeyThroughProvider(t *testing.T) {
	srv := start(t, client.IBM)
	p := signer.NewIAMTokenProvider("not-the-key", func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
	_, err := p.Token(context.Background())
	var ie *signer.IAMError
	if !errors.As(err, &ie) || ie.StatusCode != http.StatusBadRequest || ie.Code != "BXNIM0415E" || ie.RequestID == "" {
		t.Fatalf("error %v (%#v)", err, ie)
	}
}

func TestIAMFaults(t *testing.T) {
	srv := start(t, client.IBM)
	srv.InjectFault(Fault{Status: http.StatusServiceUnavailable}) // nil Match: not for IAM
	if status, body := postToken(t, srv, srv.APIKey()); status != http.StatusOK {
		t.Fatalf("IAM request got the storage fault: %d %s", status, body)
	}
	srv.InjectFault(Fault{
		Match:  func(r *http.Request) bool { return r.URL.Path == "/identity/token" },
		Status: http.StatusTooManyRequests,
		Code:   "BXNIM0999E",
	})
	status, body := postToken(t, srv, srv.APIKey())
	if status != http.StatusTooManyRequests || !strings.Contains(string(body), `"errorCode":"BXNIM0999E"`) {
		t.Fatalf("IAM fault: %d %s", status, body)
	}
	if n := srv.PendingFaults(); n != 1 {
		t.Errorf("PendingFaults = %d; the storage fault should still be queued", n)
	}
}
