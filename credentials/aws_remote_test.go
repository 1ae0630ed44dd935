package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

func TestAssumeRoleBadSignatureRefused(t *testing.T) {
	isolate(t)
	sts := newFakeSTS(t, time.Now)
	sts.keys["SRC"] = "the-real-secret"
	p := NewAssumeRole(signer.NewStaticCredentials("SRC", "a-wrong-secret", ""), "arn:aws:iam::1:role/X",
		func(o *AssumeRoleOptions) { o.STS.Endpoint = sts.srv.URL })
	_, err := p.Retrieve(context.Background())
	var se *STSError
	if !errors.As(err, &se) || se.Code != "SignatureDoesNotMatch" {
		t.Fatalf("err = %v, want the fake STS to refuse the signature", err)
	}
}

func TestWebIdentityFromEnv(t *testing.T) {
	home := isolate(t)
	sts := newFakeSTS(t, time.Now)
	tokenFile := writeFile(t, home, "token", "eyJ.first-token.sig\n")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/Pod")
	t.Setenv("AWS_ROLE_SESSION_NAME", "pod-session")
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.srv.URL)
	clock := newTestClock()
	sts.clock = clock.Now

	p := NewWebIdentity(func(o *WebIdentityOptions) { o.Cache = clock.cache })
	got, err := NewS3Chain(func(o *S3ChainOptions) { o.WebIdentity.Cache = clock.cache }).Retrieve(context.Background())
	if err != nil || got.AccessKeyID != "ASIASTS1" {
		t.Fatalf("S3 chain: %v, %v", got, err)
	}
	if got := mustRetrieve(t, p); got.AccessKeyID != "ASIASTS2" {
		t.Fatalf("provider: %v", got)
	}
	f := sts.form(1)
	if f["Action"] != "AssumeRoleWithWebIdentity" || f["WebIdentityToken"] != "eyJ.first-token.sig" ||
		f["RoleArn"] != "arn:aws:iam::1:role/Pod" || f["RoleSessionName"] != "pod-session" {
		t.Errorf("request = %v", f)
	}
	// The platform rotates the token: a refresh reads the file again.
	writeFile(t, home, "token", "eyJ.second-token.sig")
	clock.Advance(58 * time.Minute)
	mustRetrieve(t, p)
	if f := sts.form(2); f["WebIdentityToken"] != "eyJ.second-token.sig" {
		t.Errorf("refresh sent token %q", f["WebIdentityToken"])
	}
	sts.checkClean()
}

func TestWebIdentityErrors(t *testing.T) {
	home := isolate(t)
	if _, err := NewWebIdentity().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("unset: %v, want ErrNoCredentials", err)
	}
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeFile(t, home, "tok", "x"))
	if _, err := NewWebIdentity().Retrieve(context.Background()); err == nil || errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "AWS_ROLE_ARN") {
		t.Errorf("no role: %v", err)
	}
	t.Setenv("AWS_ROLE_ARN", "arn:r")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", home+"/missing")
	var fe *FileError
	if _, err := NewWebIdentity().Retrieve(context.Background()); !errors.As(err, &fe) || fe.Path != home+"/missing" {
		t.Errorf("missing token file: %v", err)
	}
}

// fakeContainer is the ECS / EKS credentials endpoint.
type fakeContainer struct {
	srv   *httptest.Server
	auth  atomic.Pointer[string]
	path  atomic.Pointer[string]
	calls atomic.Int64
	want  string // the Authorization value it requires ("" for none)
}

func newFakeContainer(t *testing.T, wantAuth string) *fakeContainer {
	c := &fakeContainer{want: wantAuth}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.calls.Add(1)
		a, p := r.Header.Get("Authorization"), r.URL.Path
		c.auth.Store(&a)
		c.path.Store(&p)
		if a != c.want {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"Unauthorized","message":"bad token"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "container-secret", "Token": "container-token",
			"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "RoleArn": "arn:aws:iam::1:role/Task",
		})
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func TestContainerRelativeURI(t *testing.T) {
	isolate(t)
	fc := newFakeContainer(t, "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")
	p := NewContainer(func(o *ContainerOptions) { o.ECSEndpoint = fc.srv.URL })
	got := mustRetrieve(t, p)
	if got.AccessKeyID != "ASIACONTAINER" || got.SessionToken != "container-token" || got.Expires.IsZero() {
		t.Fatalf("got %v", got)
	}
	if p := *fc.path.Load(); p != "/v2/credentials/abc" {
		t.Errorf("path = %q", p)
	}
}

func TestContainerFullURIWithTokenFile(t *testing.T) {
	home := isolate(t)
	fc := newFakeContainer(t, "eks-pod-token")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", fc.srv.URL+"/v1/credentials")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-set")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", writeFile(t, home, "eks-token", "eks-pod-token\n"))
	if got := mustRetrieve(t, NewS3Chain()); got.AccessKeyID != "ASIACONTAINER" {
		t.Fatalf("S3 chain: %v", got)
	}
	// Without the file, the variable's token is sent.
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "eks-pod-token")
	if got := mustRetrieve(t, NewContainer()); got.AccessKeyID != "ASIACONTAINER" {
		t.Fatalf("token variable: %v", got)
	}
	// A wrong token is an error that stops the chain.
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong")
	_, err := NewChain(NewContainer(), &countingProvider{creds: keys("LATER")}).Retrieve(context.Background())
	if err == nil || errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("refused token: %v", err)
	}
	assertNoSecret(t, "error", err.Error(), "wrong")
}

func TestContainerFullURIHosts(t *testing.T) {
	isolate(t)
	real := lookupNetIP
	t.Cleanup(func() { lookupNetIP = real })
	lookupNetIP = func(_ context.Context, _, host string) ([]netip.Addr, error) {
		switch host {
		case "localhost":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
		case "mixed.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.0.2.1")}, nil
		case "public.test":
			return []netip.Addr{netip.MustParseAddr("192.0.2.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1:1/creds", true},
		{"http://[::1]:1/creds", true},
		{"http://localhost:1/creds", true},
		{"http://169.254.170.2/creds", true},
		{"http://169.254.170.23/v1/credentials", true},
		{"http://[fd00:ec2::23]/v1/credentials", true},
		{"https://creds.public.test/x", true}, // https: any host, not resolved
		{"http://192.0.2.10/creds", false},
		{"http://public.test/creds", false},
		{"http://mixed.test/creds", false}, // every address must be loopback
		{"http://unknown.test/creds", false},
		{"ftp://127.0.0.1/creds", false},
	} {
		c := newContainer(func(o *ContainerOptions) { o.FullURI = tc.uri })
		_, err := c.target(context.Background())
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want allowed=%v", tc.uri, err, tc.ok)
		}
	}
	if _, err := NewContainer().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("unconfigured container provider: %v", err)
	}
}

func imdsOn(t *testing.T) { t.Setenv("AWS_EC2_METADATA_DISABLED", "") }

func TestIMDS(t *testing.T) {
	isolate(t)
	imdsOn(t)
	clock := newTestClock()
	m := newFakeIMDS(t, clock.Now)
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", m.srv.URL)
	p := NewIMDS(func(o *IMDSOptions) { o.Cache = clock.cache })
	got := mustRetrieve(t, p)
	if got.AccessKeyID != "ASIAIMDS1" || got.SessionToken != "imds-session-token" || !got.Expires.Equal(clock.Now().Add(6*time.Hour)) {
		t.Fatalf("got %v", got)
	}
	if m.puts.Load() != 1 || m.lists.Load() != 1 || m.gets.Load() != 1 {
		t.Errorf("requests: %d PUT, %d list, %d get", m.puts.Load(), m.lists.Load(), m.gets.Load())
	}
}

// TestIMDSTokenReuse: refreshing the credentials reuses the session token
// until it nears its TTL; a token the service rejects is replaced once.
func TestIMDSTokenReuse(t *testing.T) {
	isolate(t)
	imdsOn(t)
	clock := newTestClock()
	m := newFakeIMDS(t, clock.Now)
	m.ttl = time.Hour
	p := NewIMDS(func(o *IMDSOptions) { o.Endpoint = m.srv.URL; o.Cache = clock.cache; o.TokenTTL = 3 * time.Hour })
	mustRetrieve(t, p)
	clock.Advance(58 * time.Minute) // credentials need a refresh; the token (3 h) does not
	if got := mustRetrieve(t, p); got.AccessKeyID != "ASIAIMDS2" {
		t.Fatalf("refresh: %v", got)
	}
	if m.puts.Load() != 1 {
		t.Errorf("%d token requests for two credential fetches, want 1", m.puts.Load())
	}
	clock.Advance(2*time.Hour + time.Minute) // now the token is near its end
	mustRetrieve(t, p)
	if m.puts.Load() != 2 {
		t.Errorf("%d token requests after the token's TTL, want 2", m.puts.Load())
	}
	// The service forgets the token (for example after a restart): 401,
	// then one new token and success.
	m.rejectAt.Store(m.lists.Load() + 1)
	p.Invalidate()
	if got := mustRetrieve(t, p); got.AccessKeyID != "ASIAIMDS4" {
		t.Errorf("after a rejected token: %v", got)
	}
	if m.puts.Load() != 3 {
		t.Errorf("%d token requests, want 3", m.puts.Load())
	}
}

func TestIMDSDisabled(t *testing.T) {
	isolate(t) // sets AWS_EC2_METADATA_DISABLED=true
	m := newFakeIMDS(t, time.Now)
	_, err := NewIMDS(func(o *IMDSOptions) { o.Endpoint = m.srv.URL }).Retrieve(context.Background())
	if !errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "AWS_EC2_METADATA_DISABLED") {
		t.Errorf("err = %v", err)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "TRUE")
	if _, err := NewIMDS(func(o *IMDSOptions) { o.Endpoint = m.srv.URL }).Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("TRUE: err = %v", err)
	}
	imdsOn(t)
	if _, err := NewIMDS(func(o *IMDSOptions) { o.Endpoint = m.srv.URL; o.Disabled = true }).Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("Disabled option: err = %v", err)
	}
	if n := m.puts.Load() + m.lists.Load(); n != 0 {
		t.Errorf("a disabled provider sent %d requests", n)
	}
}

func TestIMDSNoRole(t *testing.T) {
	isolate(t)
	imdsOn(t)
	m := newFakeIMDS(t, time.Now)
	m.role = ""
	_, err := NewIMDS(func(o *IMDSOptions) { o.Endpoint = m.srv.URL }).Retrieve(context.Background())
	if !errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "no IAM role") {
		t.Errorf("err = %v", err)
	}
}

// TestIMDSConcurrent: 100 callers of a fresh provider share one token
// request and one credentials request.
func TestIMDSConcurrent(t *testing.T) {
	isolate(t)
	imdsOn(t)
	m := newFakeIMDS(t, time.Now)
	m.gate = make(chan struct{})
	p := NewIMDS(func(o *IMDSOptions) { o.Endpoint = m.srv.URL })
	var started, done sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			c, err := p.Retrieve(context.Background())
			if err == nil && c.AccessKeyID != "ASIAIMDS1" {
				err = errors.New("got " + c.AccessKeyID)
			}
			errs <- err
		}()
	}
	started.Wait()
	close(m.gate)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if m.puts.Load() != 1 || m.gets.Load() != 1 {
		t.Errorf("%d token and %d credential requests for 100 callers, want 1 and 1", m.puts.Load(), m.gets.Load())
	}
}

// TestIMDSAbsent: a closed port and a server that never answers both end
// with "nothing here" (so a chain moves on) instead of hanging.
func TestIMDSAbsent(t *testing.T) {
	isolate(t)
	imdsOn(t)
	for name, ep := range map[string]string{
		"closed port":   "http://" + closedAddr(t),
		"never answers": silentServer(t),
	} {
		t.Run(name, func(t *testing.T) {
			p := NewIMDS(func(o *IMDSOptions) { o.Endpoint = ep; o.Timeout = 200 * time.Millisecond })
			next := &countingProvider{creds: keys("NEXT")}
			got, err := retrieveWithin(t, NewChain(p, next), 30*time.Second)
			if err != nil || got.AccessKeyID != "NEXT" {
				t.Fatalf("chain: %v, %v; want the next provider's keys", got, err)
			}
			_, err = retrieveWithin(t, p, 30*time.Second)
			if !errors.Is(err, signer.ErrNoCredentials) {
				t.Errorf("provider: err = %v, want ErrNoCredentials", err)
			}
		})
	}
}

// TestS3ChainAbsentIMDSDefaults: with nothing configured and an IMDS that
// never answers, the default S3 chain (default timeouts) returns "not
// found" rather than hanging.
func TestS3ChainAbsentIMDSDefaults(t *testing.T) {
	isolate(t)
	imdsOn(t)
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", silentServer(t))
	_, err := retrieveWithin(t, NewS3Chain(), 30*time.Second)
	var nf *NotFoundError
	if !errors.As(err, &nf) || len(nf.Reasons) != 5 {
		t.Fatalf("err = %v, want a NotFoundError with five reasons", err)
	}
	if !strings.Contains(err.Error(), "no answer within") {
		t.Errorf("the error does not say IMDS timed out: %v", err)
	}
}
