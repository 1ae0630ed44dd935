package credentials

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/polystore/polystore/signer"
)

// The file the QingStor SDK for Go installs, with keys filled in.
const qingstorSample = `# QingStor services configuration

access_key_id: 'QSACCESSKEY'
secret_access_key: 'qingstor-secret'

host: 'qingstor.com'
port: 443
protocol: 'https'
connection_retries: 3

# Additional User-Agent
additional_user_agent: ""

# Valid log levels are "debug", "info", "warn", "error", and "fatal".
log_level: 'warn'
`

func TestQingStorConfig(t *testing.T) {
	home := isolate(t)
	path := writeFile(t, home, ".qingstor/config.yaml", qingstorSample)
	got := mustRetrieve(t, NewQingStorFile())
	if got.AccessKeyID != "QSACCESSKEY" || got.SecretAccessKey != "qingstor-secret" {
		t.Errorf("got %v", got)
	}
	cfg, err := LoadQingStorConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path || cfg.Host != "qingstor.com" || cfg.Port != 443 || cfg.Protocol != "https" || cfg.ConnectionRetries != 3 {
		t.Errorf("config = %v", cfg)
	}
	if u := cfg.URL("pek3b"); u != "https://pek3b.qingstor.com" {
		t.Errorf("URL = %q", u)
	}
	private := QingStorConfig{Host: "s3.corp.internal", Port: 8080, Protocol: "http", Zone: "zone1"}
	if u := private.URL(""); u != "http://zone1.s3.corp.internal:8080" {
		t.Errorf("private URL = %q", u)
	}
	if u := (QingStorConfig{Endpoint: "https://qs.example.internal/"}).URL("x"); u != "https://qs.example.internal" {
		t.Errorf("endpoint URL = %q", u)
	}

	// QINGSTOR_CONFIG_PATH moves the file.
	other := writeFile(t, home, "elsewhere.yaml", "access_key_id: OTHER\nsecret_access_key: s\nzone: sh1a\n")
	t.Setenv("QINGSTOR_CONFIG_PATH", other)
	if got := mustRetrieve(t, NewQingStorChain()); got.AccessKeyID != "OTHER" {
		t.Errorf("QINGSTOR_CONFIG_PATH: %v", got)
	}
	if cfg, _ := LoadQingStorConfig(); cfg.Zone != "sh1a" {
		t.Errorf("zone = %q", cfg.Zone)
	}
}

func TestQingStorConfigMissingOrEmpty(t *testing.T) {
	home := isolate(t)
	if _, err := NewQingStorFile().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("no file: %v", err)
	}
	if _, err := LoadQingStorConfig(); !errors.Is(err, ErrNoConfigFile) {
		t.Errorf("LoadQingStorConfig without a file: %v", err)
	}
	// The SDK's default file: keys commented out.
	writeFile(t, home, ".qingstor/config.yaml", "#access_key_id: ACCESS_KEY_ID\n#secret_access_key: SECRET_ACCESS_KEY\nhost: qingstor.com\nport: 443\n")
	if _, err := NewQingStorFile().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("keys commented out: %v", err)
	}
}

func TestQingStorConfigMalformed(t *testing.T) {
	home := isolate(t)
	for name, tc := range map[string]struct {
		src  string
		line int
		want string
	}{
		"port":     {"access_key_id: a\nsecret_access_key: b\nport: https\n", 3, "port must be"},
		"protocol": {"protocol: ftp\n", 1, "protocol must be"},
		"half":     {"host: h\nsecret_access_key: b\n", 2, "access_key_id is not"},
		"nested":   {"access_key_id:\n  value: a\nsecret_access_key: b\n", 1, "nested block"},
		"quote":    {"access_key_id: 'a\nsecret_access_key: b\n", 1, "unterminated"},
	} {
		p := writeFile(t, home, name+".yaml", tc.src)
		_, err := NewQingStorChain(func(o *QingStorChainOptions) { o.File.Path = p }).Retrieve(context.Background())
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != p || fe.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %s:%d %q", name, err, p, tc.line, tc.want)
		}
		if errors.Is(err, signer.ErrNoCredentials) {
			t.Errorf("%s: a malformed file reads as 'nothing here'", name)
		}
	}
}
