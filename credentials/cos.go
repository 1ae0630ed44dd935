package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// COSFileOptions says where the Tencent Cloud command-line tools keep
// their configuration.
type COSFileOptions struct {
	// CoscmdConfig is coscmd's INI file. Default ~/.cos.conf.
	CoscmdConfig string
	// TCCLIDir is tccli's directory of <profile>.credential and
	// <profile>.configure JSON files. Default ~/.tccli.
	TCCLIDir string
	// TCCLIProfile selects the tccli profile. Default TCCLI_PROFILE, then
	// "default".
	TCCLIProfile string
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

func (o *COSFileOptions) coscmdPath() string {
	return firstNonEmpty(o.CoscmdConfig, homePath(".cos.conf"))
}

func (o *COSFileOptions) tccliPath(ext string) string {
	dir := firstNonEmpty(o.TCCLIDir, homePath(".tccli"))
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, firstNonEmpty(o.TCCLIProfile, os.Getenv("TCCLI_PROFILE"), "default")+ext)
}

func applyCOSFileOptions(optFns []func(*COSFileOptions)) COSFileOptions {
	var o COSFileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return o
}

// CoscmdProvider reads the keys coscmd's configuration file holds: the
// [common] section's secret_id (or access_id), secret_key and, for
// temporary keys, token. A missing file, or one without keys, finds
// nothing; a malformed file (or one without a [common] section, which
// coscmd refuses too) is an error naming the file and line. The keys are
// read once and cached (Invalidate reads the file again). It is safe for
// concurrent use.
type CoscmdProvider struct {
	cache *signer.CredentialsCache
	path  string
}

// NewCoscmd returns a provider of coscmd's keys.
func NewCoscmd(optFns ...func(*COSFileOptions)) *CoscmdProvider {
	o := applyCOSFileOptions(optFns)
	p := &CoscmdProvider{path: o.coscmdPath()}
	p.cache = newCache(p.fetch, o.Cache)
	return p
}

// Retrieve returns the keys, from the cache or from the file.
func (p *CoscmdProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached keys, so the file is read again.
func (p *CoscmdProvider) Invalidate() { p.cache.Invalidate() }

// String names the file; it reveals no secret.
func (p *CoscmdProvider) String() string { return "Coscmd(" + p.path + ")" }

// GoString is String.
func (p *CoscmdProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *CoscmdProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

func (p *CoscmdProvider) fetch(context.Context) (signer.Credentials, error) {
	sec, err := coscmdSection(p.path)
	if err != nil || sec == nil {
		if err == nil {
			err = notFound("coscmd: no %s", p.path)
		}
		return signer.Credentials{}, err
	}
	id, ok := sec.get("secret_id")
	if !ok {
		id, _ = sec.get("access_id")
	}
	key, _ := sec.get("secret_key")
	switch {
	case id.value == "" && key.value == "":
		return signer.Credentials{}, notFound("coscmd: %s has no secret_id", p.path)
	case key.value == "":
		return signer.Credentials{}, fileErr(p.path, id.line, "secret_id is set but secret_key is not")
	case id.value == "":
		return signer.Credentials{}, fileErr(p.path, key.line, "secret_key is set but secret_id is not")
	}
	tok, _ := sec.get("token")
	return signer.Credentials{AccessKeyID: id.value, SecretAccessKey: key.value, SessionToken: tok.value}, nil
}

// coscmdSection returns the [common] section of coscmd's file, nil if
// the file does not exist.
func coscmdSection(path string) (*iniSection, error) {
	f, err := loadINI(path)
	if err != nil || f == nil {
		return nil, err
	}
	sec := f.section("common")
	if sec == nil {
		return nil, fileErr(path, 0, "no [common] section")
	}
	return sec, nil
}

// TCCLIProvider reads the keys tccli (the Tencent Cloud CLI) keeps in
// <dir>/<profile>.credential, a JSON object with secretId, secretKey and
// optionally token. A missing file finds nothing, and so does a profile of
// type "cvm-role" (tccli then uses the instance role: the CVM provider,
// later in the COS chain, does the same). Profiles that assume a role
// (role-arn) or log in through OAuth or SSO are refused with an error, as
// is malformed JSON (naming the file and line). The keys are read once and
// cached (Invalidate reads the file again). It is safe for concurrent use.
type TCCLIProvider struct {
	cache *signer.CredentialsCache
	path  string
}

// NewTCCLI returns a provider of tccli's keys.
func NewTCCLI(optFns ...func(*COSFileOptions)) *TCCLIProvider {
	o := applyCOSFileOptions(optFns)
	p := &TCCLIProvider{path: o.tccliPath(".credential")}
	p.cache = newCache(p.fetch, o.Cache)
	return p
}

// Retrieve returns the keys, from the cache or from the file.
func (p *TCCLIProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached keys, so the file is read again.
func (p *TCCLIProvider) Invalidate() { p.cache.Invalidate() }

// String names the file; it reveals no secret.
func (p *TCCLIProvider) String() string { return "TCCLI(" + p.path + ")" }

// GoString is String.
func (p *TCCLIProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *TCCLIProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

type tccliCredential struct {
	SecretID  string `json:"secretId"`
	SecretKey string `json:"secretKey"`
	Token     string `json:"token"`
	Type      string `json:"type"`
	RoleArn   string `json:"role-arn"`
}

func (p *TCCLIProvider) fetch(context.Context) (signer.Credentials, error) {
	if p.path == "" {
		return signer.Credentials{}, notFound("tccli: no home directory")
	}
	b, ok, err := readConfigFile(p.path)
	if err != nil {
		return signer.Credentials{}, err
	}
	if !ok {
		return signer.Credentials{}, notFound("tccli: no %s", p.path)
	}
	var c tccliCredential
	if err := decodeJSONFile(p.path, b, &c); err != nil {
		return signer.Credentials{}, err
	}
	switch c.Type {
	case "", "default":
	case "cvm-role":
		return signer.Credentials{}, notFound("tccli: %s selects the CVM instance role", p.path)
	default:
		return signer.Credentials{}, fileErr(p.path, 0, "credential type %q is not supported (only keys and cvm-role are)", c.Type)
	}
	if c.RoleArn != "" {
		return signer.Credentials{}, fileErr(p.path, 0, "role-arn profiles (STS AssumeRole through Tencent Cloud CAM) are not supported")
	}
	switch {
	case c.SecretID == "" && c.SecretKey == "":
		return signer.Credentials{}, notFound("tccli: %s has no secretId", p.path)
	case c.SecretID == "" || c.SecretKey == "":
		return signer.Credentials{}, fileErr(p.path, 0, "secretId and secretKey must both be set")
	}
	return signer.Credentials{AccessKeyID: c.SecretID, SecretAccessKey: c.SecretKey, SessionToken: c.Token}, nil
}

// decodeJSONFile decodes a JSON configuration file into v; a syntax or type
// error names the file and line.
func decodeJSONFile(path string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fileErr(path, lineAt(data, se.Offset), "not valid JSON")
	case errors.As(err, &te):
		return fileErr(path, lineAt(data, te.Offset), "field %q has the wrong type (want %s)", te.Field, te.Type)
	}
	return fileErr(path, 0, "not valid JSON")
}

// lineAt returns the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// COSRegion returns the COS region the command-line tools are configured
// for: coscmd's [common] region, else the tccli profile's region (in
// <profile>.configure). It returns "" when neither sets one, and an error
// only for a malformed file.
func COSRegion(optFns ...func(*COSFileOptions)) (string, error) {
	o := applyCOSFileOptions(optFns)
	sec, err := coscmdSection(o.coscmdPath())
	if err != nil {
		return "", err
	}
	if r, _ := sec.get("region"); r.value != "" {
		return r.value, nil
	}
	path := o.tccliPath(".configure")
	if path == "" {
		return "", nil
	}
	b, ok, err := readConfigFile(path)
	if err != nil || !ok {
		return "", err
	}
	var conf struct {
		Sys struct {
			Region string `json:"region"`
		} `json:"_sys_param"`
	}
	if err := decodeJSONFile(path, b, &conf); err != nil {
		return "", err
	}
	return conf.Sys.Region, nil
}

// DefaultCVMMetadataEndpoint is the Tencent Cloud instance metadata
// service.
const DefaultCVMMetadataEndpoint = "http://metadata.tencentyun.com"

const cvmCredsPath = "/latest/meta-data/cam/security-credentials/"

// CVMRoleOptions configures a CVMRoleProvider.
type CVMRoleOptions struct {
	// Endpoint is the metadata service's base URL. Default
	// POLYSTORE_CVM_METADATA_ENDPOINT, then DefaultCVMMetadataEndpoint.
	Endpoint string
	// RoleName is the CAM role to read. Default: the role the service
	// lists (the one bound to the instance).
	RoleName string
	// Disabled turns the provider off (it finds nothing); the variable
	// POLYSTORE_CVM_METADATA_DISABLED=true does the same.
	Disabled bool
	// Timeout bounds each request. Default DefaultMetadataTimeout (1 s).
	Timeout time.Duration
	// HTTPClient sends the requests. Default: a client that never uses a
	// proxy. Redirects are never followed.
	HTTPClient *http.Client
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// CVMRoleProvider reads the temporary keys of the CAM role bound to a
// Tencent Cloud CVM instance from the metadata service: the role name from
// /latest/meta-data/cam/security-credentials/, then TmpSecretId,
// TmpSecretKey, Token and ExpiredTime from .../<role>. An unreachable
// service (outside Tencent Cloud) or an instance without a role finds
// nothing, so a chain moves on within about a Timeout. The keys are cached
// and refreshed before they expire. It is safe for concurrent use.
type CVMRoleProvider struct {
	cache  *signer.CredentialsCache
	opts   CVMRoleOptions
	client *http.Client
}

// NewCVMRole returns a CVM instance role provider.
func NewCVMRole(optFns ...func(*CVMRoleOptions)) *CVMRoleProvider {
	var o CVMRoleOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultMetadataTimeout
	}
	p := &CVMRoleProvider{opts: o, client: metadataClient(o.HTTPClient, o.Timeout)}
	p.cache = newCache(p.fetch, o.Cache)
	return p
}

// Retrieve returns the role's keys, from the cache or from the metadata
// service.
func (p *CVMRoleProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached keys.
func (p *CVMRoleProvider) Invalidate() { p.cache.Invalidate() }

// String names the endpoint; it reveals no secret.
func (p *CVMRoleProvider) String() string { return "CVMRole(" + p.endpoint() + ")" }

// GoString is String.
func (p *CVMRoleProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *CVMRoleProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

func (p *CVMRoleProvider) endpoint() string {
	return strings.TrimRight(firstNonEmpty(p.opts.Endpoint, os.Getenv("POLYSTORE_CVM_METADATA_ENDPOINT"), DefaultCVMMetadataEndpoint), "/")
}

// cvmCredentials is the answer of security-credentials/<role>.
type cvmCredentials struct {
	TmpSecretID  string `json:"TmpSecretId"`
	TmpSecretKey string `json:"TmpSecretKey"`
	Token        string `json:"Token"`
	ExpiredTime  int64  `json:"ExpiredTime"`
	Expiration   string `json:"Expiration"`
	Code         string `json:"Code"`
}

func (p *CVMRoleProvider) fetch(ctx context.Context) (signer.Credentials, error) {
	if p.opts.Disabled || envTrue("POLYSTORE_CVM_METADATA_DISABLED") {
		return signer.Credentials{}, notFound("cvm role: disabled (POLYSTORE_CVM_METADATA_DISABLED)")
	}
	base := p.endpoint()
	role := p.opts.RoleName
	if role == "" {
		resp, body, err := metadataRequest(ctx, p.client, p.opts.Timeout, http.MethodGet, base+cvmCredsPath, nil)
		if err != nil {
			return signer.Credentials{}, notFound("cvm role: no metadata service at %s (%v)", base, err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusNotFound:
			return signer.Credentials{}, notFound("cvm role: the instance has no CAM role")
		default:
			return signer.Credentials{}, notFound("cvm role: the metadata service answered HTTP %d", resp.StatusCode)
		}
		role, _, _ = strings.Cut(strings.TrimSpace(string(body)), "\n")
		role = strings.TrimSpace(role)
		if role == "" {
			return signer.Credentials{}, notFound("cvm role: the instance has no CAM role")
		}
	}
	if strings.ContainsAny(role, "/?#%") {
		return signer.Credentials{}, fmt.Errorf("credentials: cvm role: the role name is malformed")
	}
	resp, body, err := metadataRequest(ctx, p.client, p.opts.Timeout, http.MethodGet, base+cvmCredsPath+role, nil)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: cvm role %s: %v", role, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return signer.Credentials{}, notFound("cvm role: role %s is not bound to the instance", role)
	}
	if resp.StatusCode != http.StatusOK {
		return signer.Credentials{}, fmt.Errorf("credentials: cvm role %s: HTTP %d", role, resp.StatusCode)
	}
	var cc cvmCredentials
	if err := json.Unmarshal(body, &cc); err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: cvm role %s: decoding the answer: %w", role, err)
	}
	if cc.Code != "" && cc.Code != "Success" {
		return signer.Credentials{}, fmt.Errorf("credentials: cvm role %s: the service answered %s", role, excerpt([]byte(cc.Code)))
	}
	if cc.TmpSecretID == "" || cc.TmpSecretKey == "" {
		return signer.Credentials{}, fmt.Errorf("credentials: cvm role %s: the answer has no TmpSecretId or TmpSecretKey", role)
	}
	creds := signer.Credentials{AccessKeyID: cc.TmpSecretID, SecretAccessKey: cc.TmpSecretKey, SessionToken: cc.Token}
	switch {
	case cc.ExpiredTime > 0:
		creds.Expires = time.Unix(cc.ExpiredTime, 0)
	case cc.Expiration != "":
		if creds.Expires, err = parseTime(cc.Expiration); err != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: cvm role %s: the answer's Expiration is not a time", role)
		}
	}
	return creds, nil
}

// cosEnv names the COS credential environment variables (those of
// client.COS).
var cosEnv = signer.EnvCredentials{
	AccessKeyVars: []string{"COS_SECRETID", "TENCENTCLOUD_SECRETID"},
	SecretVars:    []string{"COS_SECRETKEY", "TENCENTCLOUD_SECRETKEY"},
	TokenVars:     []string{"COS_SESSIONTOKEN", "TENCENTCLOUD_SESSIONTOKEN"},
}

// COSChainOptions configures NewCOSChain: one field per link.
type COSChainOptions struct {
	// Env names the environment variables of the first link. Default
	// COS_SECRETID / TENCENTCLOUD_SECRETID, COS_SECRETKEY /
	// TENCENTCLOUD_SECRETKEY and COS_SESSIONTOKEN /
	// TENCENTCLOUD_SESSIONTOKEN.
	Env signer.EnvCredentials
	// Files locates coscmd's and tccli's configuration.
	Files COSFileOptions
	// CVM configures the instance role link.
	CVM CVMRoleOptions
}

// NewCOSChain returns the default chain for Tencent COS: environment →
// coscmd's ~/.cos.conf → tccli's ~/.tccli/<profile>.credential → the CVM
// instance role.
func NewCOSChain(optFns ...func(*COSChainOptions)) *Chain {
	var o COSChainOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if len(o.Env.AccessKeyVars) == 0 {
		o.Env = cosEnv
	}
	files := func(f *COSFileOptions) { *f = o.Files }
	return NewChain(
		envProvider{env: o.Env},
		NewCoscmd(files),
		NewTCCLI(files),
		NewCVMRole(func(c *CVMRoleOptions) { *c = o.CVM }),
	)
}
