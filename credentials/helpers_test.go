package credentials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

// credentialEnv lists every variable the package reads; isolate clears
// them all so a developer's environment never leaks into a test.
var credentialEnv = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	"COS_SECRETID", "COS_SECRETKEY", "COS_SESSIONTOKEN", "TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY",
	"TENCENTCLOUD_SESSIONTOKEN", "TCCLI_PROFILE", "POLYSTORE_CVM_METADATA_ENDPOINT", "POLYSTORE_CVM_METADATA_DISABLED",
	"QINGSTOR_ACCESS_KEY_ID", "QINGSTOR_SECRET_ACCESS_KEY", "QY_ACCESS_KEY_ID", "QY_SECRET_ACCESS_KEY", "QINGSTOR_CONFIG_PATH",
	"IBM_COS_ACCESS_KEY_ID", "IBM_COS_SECRET_ACCESS_KEY", "IBM_API_KEY_ID", "IBM_SERVICE_INSTANCE_ID", "IBM_AUTH_ENDPOINT",
	"TRUSTED_PROFILE_ID", "TRUSTED_PROFILE_NAME", "IAM_ACCOUNT_ID", "CR_TOKEN_FILE_PATH",
	"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
}

// isolate points HOME at an empty temporary directory, clears every
// credential variable and turns both metadata services off, so that no
// test reads a developer's ~/.aws or reaches a real metadata address.
// Tests that use a metadata service point it at a fake and turn it on.
// It returns the new home directory.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	for _, v := range credentialEnv {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("POLYSTORE_CVM_METADATA_DISABLED", "true")
	return home
}

// writeFile writes content to dir/name (creating directories) and returns
// the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testClock is a settable clock for caches.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
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

func (c *testClock) cache(o *signer.CacheOptions) { o.Now = c.Now }

func mustRetrieve(t *testing.T, p signer.CredentialsProvider) signer.Credentials {
	t.Helper()
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	return c
}

// retrieveWithin calls Retrieve and fails the test if it has not returned
// within limit: a safety net against hangs, not a timing assertion.
func retrieveWithin(t *testing.T, p signer.CredentialsProvider, limit time.Duration) (signer.Credentials, error) {
	t.Helper()
	type result struct {
		c   signer.Credentials
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := p.Retrieve(context.Background())
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-time.After(limit):
		t.Fatalf("Retrieve has not returned after %v", limit)
		return signer.Credentials{}, nil
	}
}

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer accepts connections and never answers until the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL
}

// fakeIMDS is an EC2 instance metadata service (IMDSv2 only).
type fakeIMDS struct {
	t        *testing.T
	srv      *httptest.Server
	clock    func() time.Time
	role     string // "" means no role attached
	ttl      time.Duration
	puts     atomic.Int64
	lists    atomic.Int64
	gets     atomic.Int64
	issued   atomic.Int64
	gate     chan struct{} // when set, credential GETs wait for it
	rejectAt atomic.Int64  // a token GET numbered this is answered 401 (0: never)

	mu     sync.Mutex
	tokens map[string]bool
}

func newFakeIMDS(t *testing.T, clock func() time.Time) *fakeIMDS {
	m := &fakeIMDS{t: t, clock: clock, role: "app-role", ttl: 6 * time.Hour, tokens: map[string]bool{}}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *fakeIMDS) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/latest/api/token" {
		if r.Method != http.MethodPut {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
			http.Error(w, "ttl", http.StatusBadRequest)
			return
		}
		n := m.puts.Add(1)
		tok := fmt.Sprintf("imds-token-%d", n)
		m.mu.Lock()
		m.tokens[tok] = true
		m.mu.Unlock()
		io.WriteString(w, tok)
		return
	}
	tok := r.Header.Get("X-aws-ec2-metadata-token")
	m.mu.Lock()
	known := m.tokens[tok]
	m.mu.Unlock()
	if !known {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	switch {
	case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
		if n := m.lists.Add(1); n == m.rejectAt.Load() {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if m.role == "" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, m.role+"\n")
	case r.URL.Path == "/latest/meta-data/iam/security-credentials/"+m.role && m.role != "":
		if m.gate != nil {
			<-m.gate
		}
		m.gets.Add(1)
		n := m.issued.Add(1)
		json.NewEncoder(w).Encode(map[string]string{
			"Code": "Success", "Type": "AWS-HMAC",
			"AccessKeyId":     fmt.Sprintf("ASIAIMDS%d", n),
			"SecretAccessKey": "imds-secret-value",
			"Token":           "imds-session-token",
			"Expiration":      m.clock().Add(m.ttl).UTC().Format(time.RFC3339),
		})
	default:
		http.NotFound(w, r)
	}
}

// fakeSTS is an AWS STS query API that checks SigV4 signatures.
type fakeSTS struct {
	t      *testing.T
	srv    *httptest.Server
	clock  func() time.Time
	keys   map[string]string // access key id -> secret, for AssumeRole signatures
	ttl    time.Duration
	calls  atomic.Int64
	mu     sync.Mutex
	forms  []map[string]string // each call's parameters
	errors []string            // signature or request problems seen
	deny   string              // when set, answer AccessDenied with this message
}

func newFakeSTS(t *testing.T, clock func() time.Time) *fakeSTS {
	s := &fakeSTS{t: t, clock: clock, keys: map[string]string{}, ttl: time.Hour}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *fakeSTS) problem(format string, args ...any) {
	s.mu.Lock()
	s.errors = append(s.errors, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *fakeSTS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost {
		s.problem("method %s", r.Method)
	}
	form := map[string]string{}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		s.problem("body: %v", err)
	}
	for k := range vals {
		form[k] = vals.Get(k)
	}
	action := form["Action"]
	if form["Version"] != "2011-06-15" {
		s.problem("Version %q", form["Version"])
	}
	switch action {
	case "AssumeRole":
		sum := sha256.Sum256(body)
		if got := r.Header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
			s.problem("body hash header %q does not match the body", got)
		}
		lookup := func(id string) (string, bool) { v, ok := s.keys[id]; return v, ok }
		if err := signer.VerifyV4(r, lookup, s.clock()); err != nil {
			s.problem("signature: %v", err)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>bad signature</Message></Error><RequestId>req-sig</RequestId></ErrorResponse>`)
			return
		}
		if !strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
			s.problem("not signed for sts: %s", r.Header.Get("Authorization"))
		}
	case "AssumeRoleWithWebIdentity":
		if r.Header.Get("Authorization") != "" {
			s.problem("AssumeRoleWithWebIdentity was signed")
		}
	default:
		s.problem("action %q", action)
	}
	n := s.calls.Add(1)
	s.mu.Lock()
	s.forms = append(s.forms, form)
	deny := s.deny
	s.mu.Unlock()
	if deny != "" {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>%s</Message></Error><RequestId>req-deny</RequestId></ErrorResponse>`, deny)
		return
	}
	fmt.Fprintf(w, `<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%sResult><Credentials><AccessKeyId>ASIASTS%d</AccessKeyId><SecretAccessKey>sts-secret-value</SecretAccessKey><SessionToken>sts-session-token</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>x</Arn></AssumedRoleUser></%sResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></%sResponse>`,
		action, action, n, s.clock().Add(s.ttl).UTC().Format("2006-01-02T15:04:05.000Z"), action, n, action)
}

func (s *fakeSTS) form(i int) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.forms) {
		s.t.Fatalf("STS saw %d calls, want at least %d", len(s.forms), i+1)
	}
	return s.forms[i]
}

func (s *fakeSTS) checkClean() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.errors {
		s.t.Errorf("fake STS: %s", e)
	}
}

// assertNoSecret fails if s contains any of the secrets.
func assertNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s reveals %q: %s", what, sec, s)
		}
	}
}
