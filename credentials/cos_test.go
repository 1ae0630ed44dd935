package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

func TestCoscmd(t *testing.T) {
	home := isolate(t)
	writeFile(t, home, ".cos.conf", "[common]\nsecret_id = AKIDCOSCMD\nsecret_key = coscmd-secret\ntoken = coscmd-token\n"+
		"bucket = examplebucket-1250000000\nregion = ap-beijing\nmax_thread = 5\nschema = https\n")
	got := mustRetrieve(t, NewCoscmd())
	if got.AccessKeyID != "AKIDCOSCMD" || got.SecretAccessKey != "coscmd-secret" || got.SessionToken != "coscmd-token" {
		t.Errorf("got %v", got)
	}
	if r, err := COSRegion(); err != nil || r != "ap-beijing" {
		t.Errorf("COSRegion = %q, %v", r, err)
	}
	// access_id is coscmd's older name for secret_id.
	p := writeFile(t, home, "old.conf", "[common]\naccess_id = AKIDOLD\nsecret_key = s\n")
	if got := mustRetrieve(t, NewCoscmd(func(o *COSFileOptions) { o.CoscmdConfig = p })); got.AccessKeyID != "AKIDOLD" {
		t.Errorf("access_id: %v", got)
	}
}

func TestCoscmdErrors(t *testing.T) {
	home := isolate(t)
	if _, err := NewCoscmd().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("no file: %v", err)
	}
	for name, tc := range map[string]struct {
		src  string
		line int
		want string
	}{
		"no common":  {"[other]\nsecret_id = a\n", 0, "no [common] section"},
		"half":       {"[common]\nregion = x\nsecret_id = a\n", 3, "secret_key is not"},
		"malformed":  {"[common]\nsecret_id = a\nsecret_key = b\n[broken\n", 4, "closing ']'"},
		"key before": {"secret_id = a\n[common]\n", 1, "before any [section]"},
	} {
		p := writeFile(t, home, name+".conf", tc.src)
		_, err := NewCOSChain(func(o *COSChainOptions) { o.Files.CoscmdConfig = p }).Retrieve(context.Background())
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != p || fe.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %s:%d %q", name, err, p, tc.line, tc.want)
		}
	}
}

func TestTCCLI(t *testing.T) {
	home := isolate(t)
	writeFile(t, home, ".tccli/default.credential", `{"secretId": "AKIDTCCLI", "secretKey": "tccli-secret"}`)
	writeFile(t, home, ".tccli/dev.credential", `{"secretId": "AKIDDEV", "secretKey": "dev-secret", "token": "dev-token"}`)
	writeFile(t, home, ".tccli/dev.configure", `{"_sys_param": {"region": "ap-shanghai", "output": "json"}, "cvm": {"endpoint": "cvm.tencentcloudapi.com"}}`)
	if got := mustRetrieve(t, NewTCCLI()); got.AccessKeyID != "AKIDTCCLI" {
		t.Errorf("default profile: %v", got)
	}
	t.Setenv("TCCLI_PROFILE", "dev")
	if got := mustRetrieve(t, NewTCCLI()); got.AccessKeyID != "AKIDDEV" || got.SessionToken != "dev-token" {
		t.Errorf("TCCLI_PROFILE=dev: %v", got)
	}
	if r, err := COSRegion(); err != nil || r != "ap-shanghai" {
		t.Errorf("COSRegion from tccli = %q, %v", r, err)
	}
}

func TestTCCLIKinds(t *testing.T) {
	home := isolate(t)
	for name, tc := range map[string]struct {
		src      string
		notFound bool
		want     string
	}{
		"cvm-role": {`{"type": "cvm-role"}`, true, "CVM instance role"},
		"role-arn": {`{"secretId": "a", "secretKey": "b", "role-arn": "qcs::cam::uin/1:roleName/x"}`, false, "role-arn"},
		"oauth":    {`{"type": "oauth", "oauth": {}}`, false, `"oauth" is not supported`},
		"half":     {`{"secretId": "a"}`, false, "must both be set"},
		"empty":    {`{}`, true, "no secretId"},
		"bad json": {"{\n\"secretId\": \"a\",\n}\n", false, ":3: not valid JSON"},
	} {
		writeFile(t, home, ".tccli/"+name+".credential", tc.src)
		_, err := NewTCCLI(func(o *COSFileOptions) { o.TCCLIProfile = name }).Retrieve(context.Background())
		if err == nil || errors.Is(err, signer.ErrNoCredentials) != tc.notFound || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want notFound=%v and %q", name, err, tc.notFound, tc.want)
		}
	}
}

// fakeCVM is the Tencent Cloud CVM metadata service.
type fakeCVM struct {
	srv   *httptest.Server
	clock func() time.Time
	role  string
	lists atomic.Int64
	gets  atomic.Int64
	gate  chan struct{}
}

func newFakeCVM(t *testing.T, clock func() time.Time) *fakeCVM {
	m := &fakeCVM{clock: clock, role: "cos-role"}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latest/meta-data/cam/security-credentials/":
			m.lists.Add(1)
			if m.role == "" {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, m.role)
		case "/latest/meta-data/cam/security-credentials/" + m.role:
			if m.gate != nil {
				<-m.gate
			}
			n := m.gets.Add(1)
			exp := m.clock().Add(2 * time.Hour)
			json.NewEncoder(w).Encode(map[string]any{
				"TmpSecretId": fmt.Sprintf("AKIDCVM%d", n), "TmpSecretKey": "cvm-secret", "Token": "cvm-token",
				"ExpiredTime": exp.Unix(), "Expiration": exp.UTC().Format(time.RFC3339), "Code": "Success",
			})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func cvmOn(t *testing.T) { t.Setenv("POLYSTORE_CVM_METADATA_DISABLED", "") }

func TestCVMRole(t *testing.T) {
	isolate(t)
	cvmOn(t)
	clock := newTestClock()
	m := newFakeCVM(t, clock.Now)
	t.Setenv("POLYSTORE_CVM_METADATA_ENDPOINT", m.srv.URL)
	p := NewCVMRole(func(o *CVMRoleOptions) { o.Cache = clock.cache })
	got := mustRetrieve(t, p)
	if got.AccessKeyID != "AKIDCVM1" || got.SessionToken != "cvm-token" || !got.Expires.Equal(clock.Now().Add(2*time.Hour)) {
		t.Fatalf("got %v", got)
	}
	clock.Advance(time.Hour)
	if got := mustRetrieve(t, p); got.AccessKeyID != "AKIDCVM1" {
		t.Errorf("cached keys refetched early: %v", got)
	}
	clock.Advance(58 * time.Minute) // two minutes before expiry
	if got := mustRetrieve(t, p); got.AccessKeyID != "AKIDCVM2" {
		t.Errorf("not refreshed before expiry: %v", got)
	}
	// A configured role name skips the listing.
	lists := m.lists.Load()
	named := NewCVMRole(func(o *CVMRoleOptions) { o.RoleName = "cos-role"; o.Cache = clock.cache })
	mustRetrieve(t, named)
	if m.lists.Load() != lists {
		t.Errorf("RoleName set, but the roles were listed")
	}
}

func TestCVMRoleConcurrentRefresh(t *testing.T) {
	isolate(t)
	cvmOn(t)
	clock := newTestClock()
	m := newFakeCVM(t, clock.Now)
	p := NewCVMRole(func(o *CVMRoleOptions) { o.Endpoint = m.srv.URL; o.Cache = clock.cache })
	mustRetrieve(t, p)
	clock.Advance(2*time.Hour - time.Minute)
	m.gate = make(chan struct{})
	var started, done sync.WaitGroup
	var wrong atomic.Int64
	for i := 0; i < 100; i++ {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			if c, err := p.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIDCVM2" {
				wrong.Add(1)
			}
		}()
	}
	started.Wait()
	close(m.gate)
	done.Wait()
	if wrong.Load() != 0 || m.gets.Load() != 2 {
		t.Errorf("%d callers got the wrong keys; %d credential reads in all, want 2", wrong.Load(), m.gets.Load())
	}
}

func TestCVMRoleAbsent(t *testing.T) {
	isolate(t)
	cvmOn(t)
	for name, ep := range map[string]string{"closed port": "http://" + closedAddr(t), "never answers": silentServer(t)} {
		t.Run(name, func(t *testing.T) {
			p := NewCVMRole(func(o *CVMRoleOptions) { o.Endpoint = ep; o.Timeout = 200 * time.Millisecond })
			got, err := retrieveWithin(t, NewChain(p, &countingProvider{creds: keys("NEXT")}), 30*time.Second)
			if err != nil || got.AccessKeyID != "NEXT" {
				t.Errorf("chain: %v, %v", got, err)
			}
		})
	}
	m := newFakeCVM(t, time.Now)
	m.role = ""
	if _, err := NewCVMRole(func(o *CVMRoleOptions) { o.Endpoint = m.srv.URL }).Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("no role bound: %v", err)
	}
	t.Setenv("POLYSTORE_CVM_METADATA_DISABLED", "true")
	if _, err := NewCVMRole(func(o *CVMRoleOptions) { o.Endpoint = m.srv.URL }).Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("disabled: %v", err)
	}
}

func TestCVMRoleServiceError(t *testing.T) {
	isolate(t)
	cvmOn(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			io.WriteString(w, "r")
			return
		}
		io.WriteString(w, `{"Code": "Failed"}`)
	}))
	defer srv.Close()
	_, err := NewCVMRole(func(o *CVMRoleOptions) { o.Endpoint = srv.URL }).Retrieve(context.Background())
	if err == nil || errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "Failed") {
		t.Errorf("err = %v", err)
	}
}
