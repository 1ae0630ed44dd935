package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

const ibmServiceCredential = `{
  "apikey": "ibm-api-key-secret",
  "cos_hmac_keys": {
    "access_key_id": "IBMHMACKEY",
    "secret_access_key": "ibm-hmac-secret"
  },
  "endpoints": "https://control.cloud-object-storage.cloud.ibm.com/v2/endpoints",
  "iam_apikey_description": "Auto-generated",
  "resource_instance_id": "crn:v1:bluemix:public:cloud-object-storage:global:a/123::"
}`

// fakeIAM is an IBM Cloud IAM token endpoint.
type fakeIAM struct {
	srv   *httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	forms []url.Values
	fail  atomic.Bool
	gate  chan struct{}
}

func newFakeIAM(t *testing.T) *fakeIAM {
	m := &fakeIAM{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/identity/token" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if m.gate != nil {
			<-m.gate
		}
		r.ParseForm()
		n := m.calls.Add(1)
		m.mu.Lock()
		m.forms = append(m.forms, r.PostForm)
		m.mu.Unlock()
		if m.fail.Load() {
			w.WriteHeader(http.StatusBadRequest)
			// A server that echoes what it was sent: the error must not.
			fmt.Fprintf(w, `{"errorCode":"BXNIM0111E","errorMessage":"Provided cr_token %s is invalid","context":{"requestId":"req-iam"}}`, r.PostForm.Get("cr_token"))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("iam-access-token-%d", n), "token_type": "Bearer", "expires_in": 3600,
			"expiration": time.Now().Add(time.Hour).Unix(), "refresh_token": "not-used",
		})
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *fakeIAM) form(i int) url.Values {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.forms[i]
}

func TestIBMFile(t *testing.T) {
	home := isolate(t)
	writeFile(t, home, ".bluemix/cos_credentials", ibmServiceCredential)
	if got := mustRetrieve(t, NewIBMChain()); got.AccessKeyID != "IBMHMACKEY" || got.SecretAccessKey != "ibm-hmac-secret" {
		t.Errorf("got %v", got)
	}
	sc, err := LoadIBMServiceCredentials()
	if err != nil || sc.APIKey != "ibm-api-key-secret" || sc.ResourceInstanceID != "crn:v1:bluemix:public:cloud-object-storage:global:a/123::" {
		t.Errorf("LoadIBMServiceCredentials = %v, %v", sc, err)
	}

	// An API key without HMAC keys is no HMAC credential.
	writeFile(t, home, ".bluemix/cos_credentials", `{"apikey": "k", "resource_instance_id": "crn:x"}`)
	_, err = NewIBMChain().Retrieve(context.Background())
	if !errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "ResolveIBM") {
		t.Errorf("API key only: %v", err)
	}

	p := writeFile(t, home, "bad.json", "{\n  \"cos_hmac_keys\": {\"access_key_id\": \"a\"}\n}\n")
	_, err = NewIBMFile(func(o *IBMFileOptions) { o.Path = p }).Retrieve(context.Background())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(err.Error(), "both") {
		t.Errorf("half HMAC pair: %v", err)
	}
	p = writeFile(t, home, "broken.json", "{\n  \"apikey\": \"x\"\n  \"resource_instance_id\": \"y\"\n}")
	if _, err := NewIBMFile(func(o *IBMFileOptions) { o.Path = p }).Retrieve(context.Background()); !errors.As(err, &fe) || fe.Line != 3 {
		t.Errorf("broken JSON: %v", err)
	}
}

func TestResolveIBMOrder(t *testing.T) {
	home := isolate(t)
	iam := newFakeIAM(t)
	t.Setenv("IBM_AUTH_ENDPOINT", iam.srv.URL)
	ctx := context.Background()

	if _, err := ResolveIBM(); !errors.Is(err, signer.ErrNoCredentials) {
		t.Fatalf("nothing configured: %v", err)
	}

	// 4. trusted profile
	t.Setenv("TRUSTED_PROFILE_ID", "Profile-1234")
	t.Setenv("CR_TOKEN_FILE_PATH", writeFile(t, home, "cr-token", "compute-resource-token-secret\n"))
	a, err := ResolveIBM()
	if err != nil || a.Kind != IBMTrustedProfile {
		t.Fatalf("trusted profile: %v, %v", a, err)
	}
	if tok, err := a.Tokens.Token(ctx); err != nil || tok.Value != "iam-access-token-1" {
		t.Errorf("trusted profile token: %v, %v", tok, err)
	}
	if _, ok := a.Signer("us-south").(*signer.Bearer); !ok {
		t.Errorf("trusted profile signer is %T", a.Signer("us-south"))
	}

	// 3. the service credential file's API key (HMAC keys would win)
	writeFile(t, home, ".bluemix/cos_credentials", `{"apikey": "file-api-key", "resource_instance_id": "crn:file"}`)
	if a, err = ResolveIBM(); err != nil || a.Kind != IBMAPIKey || a.ServiceInstanceID != "crn:file" {
		t.Fatalf("file API key: %v, %v", a, err)
	}
	if _, err := a.Tokens.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if f := iam.form(1); f.Get("apikey") != "file-api-key" || f.Get("grant_type") != "urn:ibm:params:oauth:grant-type:apikey" {
		t.Errorf("API key request = %v", f)
	}
	writeFile(t, home, ".bluemix/cos_credentials", ibmServiceCredential)
	if a, err = ResolveIBM(); err != nil || a.Kind != IBMHMAC || a.Source != home+"/.bluemix/cos_credentials" {
		t.Fatalf("file HMAC: %v, %v", a, err)
	}
	if _, ok := a.Signer("us-south").(*signer.V4); !ok {
		t.Errorf("HMAC signer is %T", a.Signer("us-south"))
	}

	// 2. IBM_API_KEY_ID (conflicts with a trusted profile)
	t.Setenv("IBM_API_KEY_ID", "env-api-key")
	t.Setenv("IBM_SERVICE_INSTANCE_ID", "crn:env")
	if _, err := ResolveIBM(); err == nil || errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("API key and trusted profile together: %v", err)
	}
	t.Setenv("TRUSTED_PROFILE_ID", "")
	if a, err = ResolveIBM(); err != nil || a.Kind != IBMAPIKey || a.ServiceInstanceID != "crn:env" || a.Source != "environment" {
		t.Fatalf("env API key: %v, %v", a, err)
	}

	// 1. HMAC keys in the environment
	t.Setenv("IBM_COS_ACCESS_KEY_ID", "ENVHMAC")
	t.Setenv("IBM_COS_SECRET_ACCESS_KEY", "env-hmac-secret")
	if a, err = ResolveIBM(); err != nil || a.Kind != IBMHMAC || a.Source != "environment" {
		t.Fatalf("env HMAC: %v, %v", a, err)
	}
	if c, _ := a.Credentials.Retrieve(ctx); c.AccessKeyID != "ENVHMAC" {
		t.Errorf("env HMAC keys: %v", c)
	}
}

func TestTrustedProfile(t *testing.T) {
	home := isolate(t)
	iam := newFakeIAM(t)
	clock := newTestClock()
	crFile := writeFile(t, home, "vault-token", "cr-token-one")
	p := NewTrustedProfile(func(o *TrustedProfileOptions) {
		o.ProfileName = "my-profile"
		o.AccountID = "acct-1"
		o.CRTokenFile = crFile
		o.Endpoint = iam.srv.URL + "/identity/token" // a trailing token path is not doubled
		o.Cache = clock.cache
	})
	tok, err := p.Token(context.Background())
	if err != nil || tok.Value != "iam-access-token-1" || tok.Type != "Bearer" || !tok.Expires.Equal(clock.Now().Add(time.Hour)) || !tok.Issued.Equal(clock.Now()) {
		t.Fatalf("token = %v, %v", tok, err)
	}
	f := iam.form(0)
	if f.Get("grant_type") != "urn:ibm:params:oauth:grant-type:cr-token" || f.Get("cr_token") != "cr-token-one" ||
		f.Get("profile_name") != "my-profile" || f.Get("account_id") != "acct-1" || f.Get("profile_id") != "" {
		t.Errorf("request = %v", f)
	}

	// Cached, then refreshed before expiry by one request for 100 callers,
	// with the token file read again (the platform rotates it).
	writeFile(t, home, "vault-token", "cr-token-two")
	clock.Advance(30 * time.Minute)
	if tok, _ := p.Token(context.Background()); tok.Value != "iam-access-token-1" {
		t.Errorf("cached token not reused: %v", tok)
	}
	clock.Advance(29 * time.Minute)
	iam.gate = make(chan struct{})
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := p.Token(context.Background()); err != nil || tok.Value != "iam-access-token-2" {
				wrong.Add(1)
			}
		}()
	}
	close(iam.gate)
	wg.Wait()
	if wrong.Load() != 0 || iam.calls.Load() != 2 {
		t.Errorf("%d callers got a wrong token; %d IAM calls, want 2", wrong.Load(), iam.calls.Load())
	}
	if f := iam.form(1); f.Get("cr_token") != "cr-token-two" {
		t.Errorf("refresh sent cr_token %q", f.Get("cr_token"))
	}
}

func TestTrustedProfileErrors(t *testing.T) {
	home := isolate(t)
	iam := newFakeIAM(t)
	iam.fail.Store(true)
	crFile := writeFile(t, home, "cr", "cr-token-must-not-leak")
	p := NewTrustedProfile(func(o *TrustedProfileOptions) {
		o.ProfileID = "Profile-1"
		o.CRTokenFile = crFile
		o.Endpoint = iam.srv.URL
	})
	_, err := p.Token(context.Background())
	var ie *signer.IAMError
	if !errors.As(err, &ie) || ie.Code != "BXNIM0111E" || ie.RequestID != "req-iam" || !errors.Is(err, signer.ErrIAMTokenRefresh) {
		t.Fatalf("err = %v, want a BXNIM0111E *signer.IAMError", err)
	}
	assertNoSecret(t, "error", err.Error(), "cr-token-must-not-leak")
	assertNoSecret(t, "error", fmt.Sprintf("%v %+v %#v", err, err, err), "cr-token-must-not-leak")

	if _, err := NewTrustedProfile().Token(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("no profile: %v", err)
	}
	_, err = NewTrustedProfile(func(o *TrustedProfileOptions) { o.ProfileID = "p"; o.CRTokenFile = home + "/none" }).Token(context.Background())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != home+"/none" {
		t.Errorf("missing token file: %v", err)
	}
}

// TestBearerWithTrustedProfile signs a request with the provider through
// signer.Bearer.
func TestBearerWithTrustedProfile(t *testing.T) {
	home := isolate(t)
	iam := newFakeIAM(t)
	p := NewTrustedProfile(func(o *TrustedProfileOptions) {
		o.ProfileID = "Profile-1"
		o.CRTokenFile = writeFile(t, home, "cr", "x")
		o.Endpoint = iam.srv.URL
	})
	req, _ := http.NewRequest(http.MethodGet, "https://s3.us-south.cloud-object-storage.appdomain.cloud/b", nil)
	if err := signer.NewBearer(p).Sign(context.Background(), req, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer iam-access-token-1" {
		t.Errorf("Authorization = %q", got)
	}
}
