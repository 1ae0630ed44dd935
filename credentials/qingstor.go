package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/polystore/polystore/signer"
)

// ErrNoConfigFile is returned (wrapped) by LoadQingStorConfig when the
// configuration file does not exist.
var ErrNoConfigFile = errors.New("credentials: configuration file not found")

// QingStorFileOptions says where the QingStor configuration file is.
type QingStorFileOptions struct {
	// Path is the file. Default QINGSTOR_CONFIG_PATH, then
	// ~/.qingstor/config.yaml.
	Path string
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

func (o *QingStorFileOptions) path() string {
	return firstNonEmpty(o.Path, os.Getenv("QINGSTOR_CONFIG_PATH"), homePath(".qingstor", "config.yaml"))
}

// QingStorConfig is what a QingStor SDK configuration file
// (~/.qingstor/config.yaml) holds:
//
//	access_key_id: 'ACCESS_KEY_ID'
//	secret_access_key: 'SECRET_ACCESS_KEY'
//	host: 'qingstor.com'
//	port: 443
//	protocol: 'https'
//	connection_retries: 3
//
// Only the flat "key: value" subset of YAML the SDKs write is read; other
// keys (log_level, additional_user_agent, timeouts, ...) are ignored. Its
// String, GoString and Format methods never print the secret.
type QingStorConfig struct {
	Path              string // the file read
	AccessKeyID       string // access_key_id
	SecretAccessKey   string // secret_access_key; never printed
	Host              string // such as "qingstor.com"; "" if unset
	Port              int    // 0 if unset
	Protocol          string // "https" or "http"; "" if unset
	Zone              string // a zone such as "pek3b", if the file names one
	Endpoint          string // a full endpoint URL, if the file gives one
	ConnectionRetries int    // 0 if unset
}

// LoadQingStorConfig reads the QingStor configuration file. A missing file
// is an error matching ErrNoConfigFile; a malformed one, or one that sets
// only one of access_key_id and secret_access_key, is a *FileError naming
// the line.
func LoadQingStorConfig(optFns ...func(*QingStorFileOptions)) (QingStorConfig, error) {
	var o QingStorFileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return loadQingStorConfig(o.path())
}

func loadQingStorConfig(path string) (QingStorConfig, error) {
	cfg := QingStorConfig{Path: path}
	if path == "" {
		return cfg, fmt.Errorf("%w: no home directory for ~/.qingstor/config.yaml", ErrNoConfigFile)
	}
	b, ok, err := readConfigFile(path)
	if err != nil {
		return cfg, err
	}
	if !ok {
		return cfg, fmt.Errorf("%w: %s", ErrNoConfigFile, path)
	}
	y, err := parseFlatYAML(path, b)
	if err != nil {
		return cfg, err
	}
	strs := []struct {
		key string
		dst *string
	}{
		{"access_key_id", &cfg.AccessKeyID}, {"secret_access_key", &cfg.SecretAccessKey},
		{"host", &cfg.Host}, {"protocol", &cfg.Protocol}, {"zone", &cfg.Zone}, {"endpoint", &cfg.Endpoint},
	}
	for _, s := range strs {
		v, ferr := y.get(s.key)
		if ferr != nil {
			return cfg, ferr
		}
		*s.dst = v.value
	}
	ints := []struct {
		key string
		dst *int
		max int
	}{{"port", &cfg.Port, 65535}, {"connection_retries", &cfg.ConnectionRetries, 1 << 20}}
	for _, s := range ints {
		v, ferr := y.get(s.key)
		if ferr != nil {
			return cfg, ferr
		}
		if v.value == "" {
			continue
		}
		n, err := strconv.Atoi(v.value)
		if err != nil || n < 0 || n > s.max {
			return cfg, fileErr(path, v.line, "%s must be a whole number from 0 to %d", s.key, s.max)
		}
		*s.dst = n
	}
	id, _ := y.get("access_key_id")
	secret, _ := y.get("secret_access_key")
	switch {
	case id.value != "" && secret.value == "":
		return cfg, fileErr(path, id.line, "access_key_id is set but secret_access_key is not")
	case id.value == "" && secret.value != "":
		return cfg, fileErr(path, secret.line, "secret_access_key is set but access_key_id is not")
	}
	if p := strings.ToLower(cfg.Protocol); p != "" && p != "http" && p != "https" {
		v, _ := y.get("protocol")
		return cfg, fileErr(path, v.line, "protocol must be http or https")
	}
	cfg.Protocol = strings.ToLower(cfg.Protocol)
	return cfg, nil
}

// URL returns the base URL the file configures for zone ("" for none):
// Endpoint when the file sets one, else protocol://zone.host:port, with
// https, qingstor.com and the protocol's default port filling in unset
// fields. Pass the result to client.WithEndpoint for a private QingStor
// deployment; for qingstor.com the client's own endpoints already match.
func (c QingStorConfig) URL(zone string) string {
	if c.Endpoint != "" {
		return strings.TrimRight(c.Endpoint, "/")
	}
	proto := firstNonEmpty(c.Protocol, "https")
	host := firstNonEmpty(c.Host, "qingstor.com")
	if zone = firstNonEmpty(zone, c.Zone); zone != "" {
		host = zone + "." + host
	}
	u := proto + "://" + host
	if c.Port != 0 && !(proto == "https" && c.Port == 443) && !(proto == "http" && c.Port == 80) {
		u += ":" + strconv.Itoa(c.Port)
	}
	return u
}

// String describes the configuration without the secret.
func (c QingStorConfig) String() string {
	return fmt.Sprintf("QingStorConfig{Path: %s, AccessKeyID: %s, SecretAccessKey: %s, Host: %s, Port: %d, Protocol: %s, Zone: %s, Endpoint: %s, ConnectionRetries: %d}",
		c.Path, c.AccessKeyID, redact(c.SecretAccessKey), c.Host, c.Port, c.Protocol, c.Zone, c.Endpoint, c.ConnectionRetries)
}

// GoString is String.
func (c QingStorConfig) GoString() string { return c.String() }

// Format prints String for every verb.
func (c QingStorConfig) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String()) }

// LogValue logs String, for log/slog.
func (c QingStorConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the configuration with the secret redacted, so that
// no JSON log line or dump can carry it.
func (c QingStorConfig) MarshalJSON() ([]byte, error) {
	type plain QingStorConfig
	p := plain(c)
	p.SecretAccessKey = redactValue(p.SecretAccessKey)
	return json.Marshal(p)
}

// QingStorFileProvider reads the keys of the QingStor configuration file
// (see QingStorConfig). A missing file, or one without keys (the SDKs
// install one with the keys commented out), finds nothing; a malformed
// file or one with only one of the two keys is an error naming the file
// and line. The keys are read once and cached (Invalidate reads the file
// again). It is safe for concurrent use.
type QingStorFileProvider struct {
	cache *signer.CredentialsCache
	path  string
}

// NewQingStorFile returns a provider of the QingStor configuration file's
// keys.
func NewQingStorFile(optFns ...func(*QingStorFileOptions)) *QingStorFileProvider {
	var o QingStorFileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	p := &QingStorFileProvider{path: o.path()}
	p.cache = newCache(p.fetch, o.Cache)
	return p
}

// Retrieve returns the keys, from the cache or from the file.
func (p *QingStorFileProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached keys, so the file is read again.
func (p *QingStorFileProvider) Invalidate() { p.cache.Invalidate() }

// String names the file; it reveals no secret.
func (p *QingStorFileProvider) String() string { return "QingStorFile(" + p.path + ")" }

// GoString is String.
func (p *QingStorFileProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *QingStorFileProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

func (p *QingStorFileProvider) fetch(context.Context) (signer.Credentials, error) {
	cfg, err := loadQingStorConfig(p.path)
	if errors.Is(err, ErrNoConfigFile) {
		return signer.Credentials{}, notFound("qingstor config: no %s", firstNonEmpty(p.path, "~/.qingstor/config.yaml"))
	}
	if err != nil {
		return signer.Credentials{}, err
	}
	if cfg.AccessKeyID == "" { // LoadQingStorConfig refuses one key without the other
		return signer.Credentials{}, notFound("qingstor config: %s has no access_key_id", p.path)
	}
	return signer.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey}, nil
}

// qingstorEnv names the QingStor credential environment variables (those
// of client.QingStor).
var qingstorEnv = signer.EnvCredentials{
	AccessKeyVars: []string{"QINGSTOR_ACCESS_KEY_ID", "QY_ACCESS_KEY_ID"},
	SecretVars:    []string{"QINGSTOR_SECRET_ACCESS_KEY", "QY_SECRET_ACCESS_KEY"},
}

// QingStorChainOptions configures NewQingStorChain.
type QingStorChainOptions struct {
	// Env names the environment variables of the first link. Default
	// QINGSTOR_ACCESS_KEY_ID / QY_ACCESS_KEY_ID and
	// QINGSTOR_SECRET_ACCESS_KEY / QY_SECRET_ACCESS_KEY.
	Env signer.EnvCredentials
	// File locates the configuration file.
	File QingStorFileOptions
}

// NewQingStorChain returns the default chain for QingStor: environment →
// ~/.qingstor/config.yaml (or QINGSTOR_CONFIG_PATH).
func NewQingStorChain(optFns ...func(*QingStorChainOptions)) *Chain {
	var o QingStorChainOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if len(o.Env.AccessKeyVars) == 0 {
		o.Env = qingstorEnv
	}
	return NewChain(envProvider{env: o.Env}, NewQingStorFile(func(f *QingStorFileOptions) { *f = o.File }))
}
