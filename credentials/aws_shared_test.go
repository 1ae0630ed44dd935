package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

func TestSharedConfigStaticKeys(t *testing.T) {
	home := isolate(t)
	writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = default-secret\n\n[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = dev-secret\naws_session_token = dev-token\n")
	writeFile(t, home, ".aws/config", "[default]\nregion = eu-west-1\n[profile dev]\nregion = ap-south-1\n")

	if got := mustRetrieve(t, NewSharedConfig()); got.AccessKeyID != "DEFAULTKEY" || got.SecretAccessKey != "default-secret" {
		t.Errorf("default profile: %v", got)
	}
	t.Setenv("AWS_PROFILE", "dev")
	got := mustRetrieve(t, NewSharedConfig())
	if got.AccessKeyID != "DEVKEY" || got.SessionToken != "dev-token" {
		t.Errorf("AWS_PROFILE=dev: %v", got)
	}
	if got := mustRetrieve(t, NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "default" })); got.AccessKeyID != "DEFAULTKEY" {
		t.Errorf("Profile option beats AWS_PROFILE: %v", got)
	}
	if r, err := S3Region(); err != nil || r != "ap-south-1" {
		t.Errorf("S3Region with AWS_PROFILE=dev = %q, %v", r, err)
	}
	t.Setenv("AWS_DEFAULT_REGION", "us-west-2")
	if r, _ := S3Region(); r != "us-west-2" {
		t.Errorf("AWS_DEFAULT_REGION beats the profile: %q", r)
	}
	t.Setenv("AWS_REGION", "ca-central-1")
	if r, _ := S3Region(); r != "ca-central-1" {
		t.Errorf("AWS_REGION first: %q", r)
	}
}

// TestSharedConfigProfileSections: in the config file a named profile is
// [profile x] ([x] there is some other section); in the credentials file
// it is [x]; the credentials file wins for the same key.
func TestSharedConfigProfileSections(t *testing.T) {
	dir := t.TempDir()
	isolate(t)
	cfg := writeFile(t, dir, "config", "[x]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n"+
		"[profile x]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = config-secret\nregion = eu-north-1\n"+
		"[profile y]\naws_access_key_id = YKEY\naws_secret_access_key = y-secret\n")
	creds := writeFile(t, dir, "credentials", "[x]\naws_access_key_id = CREDSKEY\naws_secret_access_key = creds-secret\n")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)

	if got := mustRetrieve(t, NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "x" })); got.AccessKeyID != "CREDSKEY" {
		t.Errorf("profile x: %s, want the credentials file's key", got.AccessKeyID)
	}
	if got := mustRetrieve(t, NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "y" })); got.AccessKeyID != "YKEY" {
		t.Errorf("profile y from [profile y]: %s", got.AccessKeyID)
	}
	if r, _ := S3Region(func(o *SharedConfigOptions) { o.Profile = "x" }); r != "eu-north-1" {
		t.Errorf("region of x = %q", r)
	}
}

func TestSharedConfigMissing(t *testing.T) {
	home := isolate(t)
	// No files at all: nothing here.
	if _, err := NewSharedConfig().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("no files: err = %v, want ErrNoCredentials", err)
	}
	// A config with only a region: nothing here either.
	writeFile(t, home, ".aws/config", "[default]\nregion = us-east-2\n")
	if _, err := NewSharedConfig().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("region only: err = %v, want ErrNoCredentials", err)
	}
	// A named profile that does not exist is an error, not "nothing here".
	t.Setenv("AWS_PROFILE", "nope")
	_, err := NewSharedConfig().Retrieve(context.Background())
	if err == nil || errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing named profile: err = %v", err)
	}
}

func TestSharedConfigMalformed(t *testing.T) {
	home := isolate(t)
	path := writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = AKID\naws_secret_access_key\n")
	_, err := NewS3Chain().Retrieve(context.Background())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path || fe.Line != 3 {
		t.Fatalf("err = %v, want a FileError at %s:3", err, path)
	}
	if !strings.Contains(err.Error(), path+":3") {
		t.Errorf("error does not name file and line: %v", err)
	}

	writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = AKID\n")
	_, err = NewSharedConfig().Retrieve(context.Background())
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(err.Error(), "aws_secret_access_key") {
		t.Errorf("half a key pair: err = %v", err)
	}

	writeFile(t, home, ".aws/credentials", "")
	writeFile(t, home, ".aws/config", "[default]\nsso_session = corp\n")
	_, err = NewSharedConfig().Retrieve(context.Background())
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(err.Error(), "Identity Center") {
		t.Errorf("sso profile: err = %v", err)
	}
}

func TestSharedConfigUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("file modes do not stop this user from reading")
	}
	home := isolate(t)
	p := writeFile(t, home, ".aws/credentials", "[default]\n")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, err := NewSharedConfig().Retrieve(context.Background())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != p || !errors.Is(err, os.ErrPermission) {
		t.Errorf("err = %v, want a FileError wrapping ErrPermission", err)
	}
}

// writeScript writes an executable shell script and returns its path.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("credential_process tests use sh")
	}
	p := writeFile(t, dir, name, "#!/bin/sh\n"+body)
	if err := os.Chmod(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCredentialProcessExpiry: the process's keys carry an Expiration, so
// they are cached until shortly before it, then the process runs again.
func TestCredentialProcessExpiry(t *testing.T) {
	home := isolate(t)
	clock := newTestClock()
	counter := filepath.Join(home, "runs")
	expires := clock.Now().Add(time.Hour).Format(time.RFC3339)
	script := writeScript(t, home, "creds.sh", fmt.Sprintf(`echo x >> %q
n=$(wc -l < %q | tr -d ' ')
printf '{"Version": 1, "AccessKeyId": "PROC%%s", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "%s"}' "$n"
`, counter, counter, expires))
	writeFile(t, home, ".aws/config", "[profile tool]\ncredential_process = "+script+" --flag\n")
	t.Setenv("AWS_PROFILE", "tool")
	p := NewSharedConfig(func(o *SharedConfigOptions) { o.Cache = clock.cache })

	got := mustRetrieve(t, p)
	if got.AccessKeyID != "PROC1" || got.SessionToken != "proc-token" || !got.Expires.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("first: %v", got)
	}
	clock.Advance(30 * time.Minute)
	if got := mustRetrieve(t, p); got.AccessKeyID != "PROC1" {
		t.Errorf("within the lifetime the process ran again: %s", got.AccessKeyID)
	}
	clock.Advance(29 * time.Minute) // one minute before expiry: inside the window
	if got := mustRetrieve(t, p); got.AccessKeyID != "PROC2" {
		t.Errorf("inside the expiry window: %s, want a new run", got.AccessKeyID)
	}
}

func TestCredentialProcessErrors(t *testing.T) {
	home := isolate(t)
	for name, tc := range map[string]struct{ body, want string }{
		"fails":      {"echo oops >&2; exit 3\n", "failed"},
		"not json":   {"echo hello\n", "not a JSON object"},
		"version":    {`echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}'` + "\n", "Version is 2"},
		"no keys":    {`echo '{"Version": 1}'` + "\n", "no AccessKeyId"},
		"bad expiry": {`echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "tomorrow"}'` + "\n", "RFC 3339"},
	} {
		t.Run(name, func(t *testing.T) {
			script := writeScript(t, home, strings.ReplaceAll(name, " ", "-")+".sh", tc.body)
			var stderr strings.Builder
			p := NewProcess(script+" secret-argument", func(o *ProcessOptions) { o.Stderr = &stderr })
			_, err := NewChain(p, &countingProvider{creds: keys("LATER")}).Retrieve(context.Background())
			if err == nil || errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an error saying %q", err, tc.want)
			}
			assertNoSecret(t, "error", err.Error(), "secret-argument")
		})
	}
}

func TestCredentialProcessLongTerm(t *testing.T) {
	home := isolate(t)
	counter := filepath.Join(home, "runs")
	script := writeScript(t, home, "static.sh", fmt.Sprintf(`echo x >> %q
echo '{"Version": 1, "AccessKeyId": "LONGTERM", "SecretAccessKey": "s"}'
`, counter))
	p := NewProcess(script)
	for i := 0; i < 3; i++ {
		if got := mustRetrieve(t, p); got.AccessKeyID != "LONGTERM" || !got.Expires.IsZero() {
			t.Fatalf("got %v", got)
		}
	}
	b, _ := os.ReadFile(counter)
	if n := strings.Count(string(b), "x"); n != 1 {
		t.Errorf("the process ran %d times, want once", n)
	}
}

// TestAssumeRoleProfile: role_arn with source_profile assumes the role
// through STS, signed (SigV4, service sts) with the source's keys, with the
// profile's session name, external id and duration.
func TestAssumeRoleProfile(t *testing.T) {
	home := isolate(t)
	sts := newFakeSTS(t, time.Now)
	sts.keys["SOURCEKEY"] = "source-secret"
	writeFile(t, home, ".aws/credentials", "[base]\naws_access_key_id = SOURCEKEY\naws_secret_access_key = source-secret\n")
	writeFile(t, home, ".aws/config", "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\n"+
		"role_session_name = nightly-job\nexternal_id = ext-42\nduration_seconds = 1800\nregion = eu-central-1\n")
	t.Setenv("AWS_PROFILE", "admin")
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.srv.URL)

	got := mustRetrieve(t, NewS3Chain())
	if got.AccessKeyID != "ASIASTS1" || got.SecretAccessKey != "sts-secret-value" || got.SessionToken != "sts-session-token" || got.Expires.IsZero() {
		t.Fatalf("got %v", got)
	}
	sts.checkClean()
	f := sts.form(0)
	for k, want := range map[string]string{
		"Action": "AssumeRole", "RoleArn": "arn:aws:iam::123456789012:role/Admin", "RoleSessionName": "nightly-job",
		"ExternalId": "ext-42", "DurationSeconds": "1800",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
}

// TestAssumeRoleChained: a role whose source is another role profile, and
// a profile that is its own source.
func TestAssumeRoleChained(t *testing.T) {
	home := isolate(t)
	sts := newFakeSTS(t, time.Now)
	sts.keys["SELFKEY"] = "self-secret"
	sts.keys["ASIASTS1"] = "sts-secret-value" // the first role's credentials sign the second call
	writeFile(t, home, ".aws/config", "[profile first]\nrole_arn = arn:aws:iam::1:role/First\nsource_profile = first\n"+
		"aws_access_key_id = SELFKEY\naws_secret_access_key = self-secret\n"+
		"[profile second]\nrole_arn = arn:aws:iam::1:role/Second\nsource_profile = first\n")
	p := NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "second"; o.STS.Endpoint = sts.srv.URL })
	if got := mustRetrieve(t, p); got.AccessKeyID != "ASIASTS2" {
		t.Fatalf("got %s, want the second role's keys", got.AccessKeyID)
	}
	sts.checkClean()
	if sts.form(0)["RoleArn"] != "arn:aws:iam::1:role/First" || sts.form(1)["RoleArn"] != "arn:aws:iam::1:role/Second" {
		t.Errorf("roles assumed in the wrong order: %v, %v", sts.form(0), sts.form(1))
	}
	if !strings.HasPrefix(sts.form(1)["RoleSessionName"], "polystore-") {
		t.Errorf("default session name = %q", sts.form(1)["RoleSessionName"])
	}
}

func TestAssumeRoleProfileErrors(t *testing.T) {
	home := isolate(t)
	sts := newFakeSTS(t, time.Now)
	for name, tc := range map[string]struct {
		config string
		line   int
		want   string
	}{
		"cycle":        {"[profile a]\nrole_arn = arn:a\nsource_profile = b\n[profile b]\nrole_arn = arn:b\nsource_profile = a\n", 6, "leads back"},
		"no source":    {"[profile a]\nrole_arn = arn:a\n", 2, "neither source_profile"},
		"mfa":          {"[profile a]\nrole_arn = arn:a\nsource_profile = a\nmfa_serial = arn:mfa\n", 4, "MFA"},
		"empty source": {"[profile a]\nrole_arn = arn:a\nsource_profile = b\n[profile b]\nregion = x\n", 3, "has no credentials"},
		"bad duration": {"[profile a]\nrole_arn = arn:a\nsource_profile = a\nduration_seconds = ten\n", 4, "duration_seconds"},
		"bad source":   {"[profile a]\nrole_arn = arn:a\ncredential_source = Moon\n", 3, "credential_source must be"},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, home, name+"/config", tc.config)
			p := NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "a"; o.ConfigFile = path; o.STS.Endpoint = sts.srv.URL })
			_, err := p.Retrieve(context.Background())
			var fe *FileError
			if !errors.As(err, &fe) || fe.Line != tc.line || fe.Path != path || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %s:%d saying %q", err, path, tc.line, tc.want)
			}
		})
	}
	if n := sts.calls.Load(); n != 0 {
		t.Errorf("%d STS calls for broken profiles", n)
	}
}

func TestAssumeRoleDenied(t *testing.T) {
	isolate(t)
	sts := newFakeSTS(t, time.Now)
	sts.keys["SRC"] = "src-secret"
	sts.deny = "User is not authorized to perform sts:AssumeRole"
	p := NewAssumeRole(signer.NewStaticCredentials("SRC", "src-secret", ""), "arn:aws:iam::1:role/X",
		func(o *AssumeRoleOptions) { o.STS.Endpoint = sts.srv.URL })
	_, err := NewChain(p, &countingProvider{creds: keys("LATER")}).Retrieve(context.Background())
	var se *STSError
	if !errors.As(err, &se) || se.Code != "AccessDenied" || se.StatusCode != 403 || se.RequestID != "req-deny" {
		t.Fatalf("err = %v, want an AccessDenied *STSError", err)
	}
	assertNoSecret(t, "error", err.Error(), "src-secret")
}

// TestAssumeRoleCredentialSource: credential_source = Environment and
// Ec2InstanceMetadata sign AssumeRole with those credentials.
func TestAssumeRoleCredentialSource(t *testing.T) {
	home := isolate(t)
	clock := newTestClock()
	sts := newFakeSTS(t, time.Now)
	imds := newFakeIMDS(t, clock.Now)
	sts.keys["ENVKEY"] = "env-secret"
	sts.keys["ASIAIMDS1"] = "imds-secret-value"
	writeFile(t, home, ".aws/config", "[profile env]\nrole_arn = arn:aws:iam::1:role/E\ncredential_source = Environment\n"+
		"[profile ec2]\nrole_arn = arn:aws:iam::1:role/I\ncredential_source = Ec2InstanceMetadata\n")
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.srv.URL)

	t.Setenv("AWS_ACCESS_KEY_ID", "ENVKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	if got := mustRetrieve(t, NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "env" })); got.AccessKeyID != "ASIASTS1" {
		t.Errorf("Environment source: %v", got)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	p := NewSharedConfig(func(o *SharedConfigOptions) { o.Profile = "ec2"; o.IMDS.Endpoint = imds.srv.URL })
	if got := mustRetrieve(t, p); got.AccessKeyID != "ASIASTS2" {
		t.Errorf("IMDS source: %v", got)
	}
	sts.checkClean()
	if imds.gets.Load() != 1 {
		t.Errorf("IMDS credential reads = %d", imds.gets.Load())
	}
}

// TestAssumeRoleRefreshConcurrent: 100 callers of an expiring role share
// one STS call, both for the first fetch and for the refresh.
func TestAssumeRoleRefreshConcurrent(t *testing.T) {
	isolate(t)
	clock := newTestClock()
	sts := newFakeSTS(t, clock.Now)
	sts.keys["SRC"] = "src-secret"
	p := NewAssumeRole(signer.NewStaticCredentials("SRC", "src-secret", ""), "arn:aws:iam::1:role/X",
		func(o *AssumeRoleOptions) { o.STS.Endpoint = sts.srv.URL; o.Cache = clock.cache })

	hammer := func() map[string]int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[string]int{}
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := p.Retrieve(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[c.AccessKeyID]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		return seen
	}
	if seen := hammer(); seen["ASIASTS1"] != 100 || sts.calls.Load() != 1 {
		t.Fatalf("first fetch: %v, %d STS calls, want one", seen, sts.calls.Load())
	}
	clock.Advance(59 * time.Minute) // inside the refresh window of the one-hour credentials
	if seen := hammer(); seen["ASIASTS2"] != 100 || sts.calls.Load() != 2 {
		t.Fatalf("refresh: %v, %d STS calls, want two in all", seen, sts.calls.Load())
	}
	sts.checkClean()
}

func TestSTSDefaultEndpoint(t *testing.T) {
	isolate(t)
	for _, tc := range []struct{ region, want string }{
		{"", "https://sts.us-east-1.amazonaws.com/"},
		{"eu-west-3", "https://sts.eu-west-3.amazonaws.com/"},
		{"cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/"},
	} {
		c, err := newSTSClient(STSOptions{}, tc.region, time.Now)
		if err != nil || c.endpoint != tc.want {
			t.Errorf("region %q: %v %v, want %s", tc.region, c, err, tc.want)
		}
	}
	if _, err := newSTSClient(STSOptions{Endpoint: "ftp://x"}, "", time.Now); err == nil {
		t.Errorf("a non-http endpoint was accepted")
	}
}

// TestWebIdentityProfile: role_arn with web_identity_token_file in a
// profile uses AssumeRoleWithWebIdentity, unsigned, with the profile's
// session name.
func TestWebIdentityProfile(t *testing.T) {
	home := isolate(t)
	sts := newFakeSTS(t, time.Now)
	tok := writeFile(t, home, "oidc-token", "profile-oidc-token")
	writeFile(t, home, ".aws/config", "[default]\nrole_arn = arn:aws:iam::1:role/Oidc\nweb_identity_token_file = "+tok+"\nrole_session_name = ci-run\n")
	p := NewSharedConfig(func(o *SharedConfigOptions) { o.STS.Endpoint = sts.srv.URL })
	if got := mustRetrieve(t, p); got.AccessKeyID != "ASIASTS1" {
		t.Fatalf("got %v", got)
	}
	f := sts.form(0)
	if f["Action"] != "AssumeRoleWithWebIdentity" || f["WebIdentityToken"] != "profile-oidc-token" || f["RoleSessionName"] != "ci-run" {
		t.Errorf("request = %v", f)
	}
	sts.checkClean()
}
