package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// IBMServiceCredentials is an IBM Cloud Object Storage service credential,
// the JSON document the IBM Cloud console or CLI generates and the IBM COS
// SDKs read from ~/.bluemix/cos_credentials:
//
//	{"apikey": "...",
//	 "cos_hmac_keys": {"access_key_id": "...", "secret_access_key": "..."},
//	 "resource_instance_id": "crn:v1:bluemix:public:cloud-object-storage:global:a/...::"}
//
// Other fields (endpoints, iam_* descriptions) are ignored. Its String,
// GoString and Format methods never print the API key or the secret.
type IBMServiceCredentials struct {
	Path               string // the file read
	APIKey             string // an IAM API key: bearer tokens
	AccessKeyID        string // cos_hmac_keys: SigV4 signing
	SecretAccessKey    string // never printed
	ResourceInstanceID string // the ibm-service-instance-id for bucket creation and listing
}

// HasHMAC reports whether the credential holds HMAC keys.
func (c IBMServiceCredentials) HasHMAC() bool { return c.AccessKeyID != "" && c.SecretAccessKey != "" }

// String describes the credential without its secrets.
func (c IBMServiceCredentials) String() string {
	return fmt.Sprintf("IBMServiceCredentials{Path: %s, APIKey: %s, AccessKeyID: %s, SecretAccessKey: %s, ResourceInstanceID: %s}",
		c.Path, redact(c.APIKey), c.AccessKeyID, redact(c.SecretAccessKey), c.ResourceInstanceID)
}

// GoString is String.
func (c IBMServiceCredentials) GoString() string { return c.String() }

// Format prints String for every verb.
func (c IBMServiceCredentials) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String()) }

// LogValue logs String, for log/slog.
func (c IBMServiceCredentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the credential with its secrets redacted, so that no
// JSON log line or dump can carry them.
func (c IBMServiceCredentials) MarshalJSON() ([]byte, error) {
	type plain IBMServiceCredentials
	p := plain(c)
	p.APIKey, p.SecretAccessKey = redactValue(p.APIKey), redactValue(p.SecretAccessKey)
	return json.Marshal(p)
}

// IBMFileOptions says where the IBM service credential file is.
type IBMFileOptions struct {
	// Path is the file. Default ~/.bluemix/cos_credentials.
	Path string
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

func (o *IBMFileOptions) path() string {
	return firstNonEmpty(o.Path, homePath(".bluemix", "cos_credentials"))
}

// LoadIBMServiceCredentials reads the IBM service credential file. A
// missing file is an error matching ErrNoConfigFile; malformed JSON, or
// cos_hmac_keys with only one of its keys, is a *FileError naming the line.
func LoadIBMServiceCredentials(optFns ...func(*IBMFileOptions)) (IBMServiceCredentials, error) {
	var o IBMFileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return loadIBMServiceCredentials(o.path())
}

func loadIBMServiceCredentials(path string) (IBMServiceCredentials, error) {
	c := IBMServiceCredentials{Path: path}
	if path == "" {
		return c, fmt.Errorf("%w: no home directory for ~/.bluemix/cos_credentials", ErrNoConfigFile)
	}
	b, ok, err := readConfigFile(path)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, fmt.Errorf("%w: %s", ErrNoConfigFile, path)
	}
	var doc struct {
		APIKey string `json:"apikey"`
		HMAC   *struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
		} `json:"cos_hmac_keys"`
		ResourceInstanceID string `json:"resource_instance_id"`
	}
	if err := decodeJSONFile(path, b, &doc); err != nil {
		return c, err
	}
	c.APIKey, c.ResourceInstanceID = doc.APIKey, doc.ResourceInstanceID
	if doc.HMAC != nil {
		c.AccessKeyID, c.SecretAccessKey = doc.HMAC.AccessKeyID, doc.HMAC.SecretAccessKey
		if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
			return c, fileErr(path, lineOfKey(b, "cos_hmac_keys"), "cos_hmac_keys must hold both access_key_id and secret_access_key")
		}
	}
	return c, nil
}

// lineOfKey returns the line of the first occurrence of "key" in a JSON
// document, or 0.
func lineOfKey(data []byte, key string) int {
	i := strings.Index(string(data), `"`+key+`"`)
	if i < 0 {
		return 0
	}
	return lineAt(data, int64(i))
}

// IBMFileProvider yields the HMAC keys (cos_hmac_keys) of the IBM service
// credential file for SigV4 signing. A missing file, or one that holds only
// an API key, finds nothing (an API key signs with bearer tokens: see
// ResolveIBM); a malformed file is an error naming the line. The keys are
// read once and cached (Invalidate reads the file again). It is safe for
// concurrent use.
type IBMFileProvider struct {
	cache *signer.CredentialsCache
	path  string
}

// NewIBMFile returns a provider of the IBM service credential file's HMAC
// keys.
func NewIBMFile(optFns ...func(*IBMFileOptions)) *IBMFileProvider {
	var o IBMFileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	p := &IBMFileProvider{path: o.path()}
	p.cache = newCache(p.fetch, o.Cache)
	return p
}

// Retrieve returns the HMAC keys, from the cache or from the file.
func (p *IBMFileProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached keys, so the file is read again.
func (p *IBMFileProvider) Invalidate() { p.cache.Invalidate() }

// String names the file; it reveals no secret.
func (p *IBMFileProvider) String() string { return "IBMFile(" + p.path + ")" }

// GoString is String.
func (p *IBMFileProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *IBMFileProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

func (p *IBMFileProvider) fetch(context.Context) (signer.Credentials, error) {
	c, err := loadIBMServiceCredentials(p.path)
	if errors.Is(err, ErrNoConfigFile) {
		return signer.Credentials{}, notFound("ibm credentials file: no %s", firstNonEmpty(p.path, "~/.bluemix/cos_credentials"))
	}
	if err != nil {
		return signer.Credentials{}, err
	}
	if !c.HasHMAC() {
		if c.APIKey != "" {
			return signer.Credentials{}, notFound("ibm credentials file: %s holds an API key but no cos_hmac_keys (API keys sign with bearer tokens: use credentials.ResolveIBM)", p.path)
		}
		return signer.Credentials{}, notFound("ibm credentials file: %s has no cos_hmac_keys", p.path)
	}
	return signer.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
}

// Default compute resource token files, tried in order when
// TrustedProfileOptions.CRTokenFile and CR_TOKEN_FILE_PATH are unset (IBM
// Kubernetes Service, then IBM Cloud Code Engine).
var defaultCRTokenFiles = []string{
	"/var/run/secrets/tokens/vault-token",
	"/var/run/secrets/tokens/sa-token",
	"/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token",
}

const crTokenGrant = "urn:ibm:params:oauth:grant-type:cr-token"

// TrustedProfileOptions configures a TrustedProfileProvider. Empty fields
// are read from the environment variables the IBM COS SDK for Go reads.
type TrustedProfileOptions struct {
	// ProfileID is the trusted profile's id. Default TRUSTED_PROFILE_ID.
	ProfileID string
	// ProfileName is the trusted profile's name, used when there is no
	// id. Default TRUSTED_PROFILE_NAME; IAM then needs AccountID too.
	ProfileName string
	// AccountID is the account of ProfileName. Default IAM_ACCOUNT_ID.
	AccountID string
	// CRTokenFile holds the compute resource token the platform injects,
	// read anew for every IAM request. Default CR_TOKEN_FILE_PATH, then
	// the first that exists of /var/run/secrets/tokens/vault-token,
	// /var/run/secrets/tokens/sa-token and
	// /var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token.
	CRTokenFile string
	// Endpoint is the IAM base URL ("/identity/token" is appended).
	// Default IBM_AUTH_ENDPOINT, then signer.DefaultIAMEndpoint.
	Endpoint string
	// HTTPClient sends the token requests. Default: a client with
	// http.DefaultTransport. Redirects are never followed.
	HTTPClient *http.Client
	// Cache adjusts the token cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// TrustedProfileProvider obtains IBM Cloud IAM access tokens for a trusted
// profile by presenting the compute resource token of the workload (an
// IKS pod, a Code Engine job, ...): grant type
// urn:ibm:params:oauth:grant-type:cr-token with cr_token and profile_id
// (or profile_name and account_id). It implements signer.TokenProvider, for
// signer.NewBearer; tokens are cached and refreshed before they expire, by
// one request shared by all callers. It is safe for concurrent use.
type TrustedProfileProvider struct {
	tokens *tokenCache
	opts   TrustedProfileOptions
}

// NewTrustedProfile returns a trusted profile token provider.
func NewTrustedProfile(optFns ...func(*TrustedProfileOptions)) *TrustedProfileProvider {
	var o TrustedProfileOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	p := &TrustedProfileProvider{opts: o}
	tp := &trustedProfile{opts: o, client: apiClient(o.HTTPClient), now: clockOf(o.Cache)}
	p.tokens = newTokenCache(tp.fetch, o.Cache)
	return p
}

// Token returns an IAM access token, from the cache or from IAM.
func (p *TrustedProfileProvider) Token(ctx context.Context) (signer.Token, error) {
	return p.tokens.Token(ctx)
}

// Invalidate discards the cached token, so the next call asks IAM.
func (p *TrustedProfileProvider) Invalidate() { p.tokens.cache.Invalidate() }

// String names the profile; it reveals no token.
func (p *TrustedProfileProvider) String() string {
	return "TrustedProfile(" + firstNonEmpty(p.opts.ProfileID, p.opts.ProfileName, "$TRUSTED_PROFILE_ID") + ")"
}

// GoString is String.
func (p *TrustedProfileProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *TrustedProfileProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

type trustedProfile struct {
	opts   TrustedProfileOptions
	client *http.Client
	now    func() time.Time
}

// crTokenFile returns the configured or first existing default token file.
func (t *trustedProfile) crTokenFile() string {
	if f := firstNonEmpty(t.opts.CRTokenFile, os.Getenv("CR_TOKEN_FILE_PATH")); f != "" {
		return f
	}
	for _, f := range defaultCRTokenFiles {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}

type iamTokenAnswer struct {
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
	ExpiresIn   float64 `json:"expires_in"`
	Expiration  float64 `json:"expiration"`
}

func (t *trustedProfile) fetch(ctx context.Context) (signer.Token, error) {
	id := firstNonEmpty(t.opts.ProfileID, os.Getenv("TRUSTED_PROFILE_ID"))
	name := firstNonEmpty(t.opts.ProfileName, os.Getenv("TRUSTED_PROFILE_NAME"))
	if id == "" && name == "" {
		return signer.Token{}, notFound("trusted profile: TRUSTED_PROFILE_ID and TRUSTED_PROFILE_NAME not set")
	}
	path := t.crTokenFile()
	if path == "" {
		return signer.Token{}, fmt.Errorf("credentials: trusted profile: no compute resource token file (set CR_TOKEN_FILE_PATH)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return signer.Token{}, &FileError{Path: path, Reason: "cannot read the compute resource token", Err: unwrapPathError(err)}
	}
	crToken := strings.TrimSpace(string(b))
	if crToken == "" {
		return signer.Token{}, fileErr(path, 0, "the compute resource token file is empty")
	}
	form := url.Values{"grant_type": {crTokenGrant}, "cr_token": {crToken}}
	if id != "" {
		form.Set("profile_id", id)
	} else {
		form.Set("profile_name", name)
		if acct := firstNonEmpty(t.opts.AccountID, os.Getenv("IAM_ACCOUNT_ID")); acct != "" {
			form.Set("account_id", acct)
		}
	}
	ep := strings.TrimSuffix(strings.TrimRight(firstNonEmpty(t.opts.Endpoint, os.Getenv("IBM_AUTH_ENDPOINT"), signer.DefaultIAMEndpoint), "/"), "/identity/token")
	start := t.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep+"/identity/token", strings.NewReader(form.Encode()))
	if err != nil {
		return signer.Token{}, t.scrub(crToken, fmt.Errorf("%w: %w", signer.ErrIAMTokenRefresh, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return signer.Token{}, t.scrub(crToken, fmt.Errorf("%w: %w", signer.ErrIAMTokenRefresh, unwrapURLError(err)))
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body)
	if err != nil {
		return signer.Token{}, fmt.Errorf("%w: reading the answer: %w", signer.ErrIAMTokenRefresh, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return signer.Token{}, t.scrub(crToken, iamError(resp, body))
	}
	var a iamTokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return signer.Token{}, fmt.Errorf("%w: decoding the answer: %w", signer.ErrIAMTokenRefresh, err)
	}
	if a.AccessToken == "" {
		return signer.Token{}, fmt.Errorf("%w: the answer has no access_token", signer.ErrIAMTokenRefresh)
	}
	tok := signer.Token{Value: a.AccessToken, Type: firstNonEmpty(a.TokenType, "Bearer"), Issued: start}
	switch {
	case a.ExpiresIn > 0:
		tok.Expires = start.Add(time.Duration(a.ExpiresIn * float64(time.Second)))
	case a.Expiration > 0:
		tok.Expires = time.Unix(int64(a.Expiration), 0)
	default:
		return signer.Token{}, fmt.Errorf("%w: the answer has neither expires_in nor expiration", signer.ErrIAMTokenRefresh)
	}
	return tok, nil
}

// iamError builds a *signer.IAMError from an error answer.
func iamError(resp *http.Response, body []byte) error {
	e := &signer.IAMError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("Transaction-Id")}
	var er struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		Context      struct {
			RequestID string `json:"requestId"`
		} `json:"context"`
	}
	if json.Unmarshal(body, &er) == nil {
		e.Code, e.Message = er.ErrorCode, excerpt([]byte(er.ErrorMessage))
		if er.Context.RequestID != "" {
			e.RequestID = er.Context.RequestID
		}
	}
	if e.Message == "" {
		e.Message = firstNonEmpty(excerpt(body), http.StatusText(resp.StatusCode))
	}
	return e
}

// scrub removes the compute resource token from an error's text should a
// server or a lower layer have echoed it, keeping errors.Is and errors.As.
func (t *trustedProfile) scrub(secret string, err error) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	var ie *signer.IAMError
	if errors.As(err, &ie) {
		c := *ie
		c.Code = strings.ReplaceAll(c.Code, secret, "[redacted]")
		c.Message = strings.ReplaceAll(c.Message, secret, "[redacted]")
		c.RequestID = strings.ReplaceAll(c.RequestID, secret, "[redacted]")
		return &c
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), secret, "[redacted]"), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// tokenCache caches bearer tokens in a signer.CredentialsCache, so tokens
// get the same refresh rules (expiry window with jitter, singleflight,
// detached refresh) as credentials. Inside the cache a token travels as a
// Credentials value: AccessKeyID holds the type, SecretAccessKey the token,
// SessionToken the issue time (RFC 3339), Expires the expiry.
type tokenCache struct {
	cache *signer.CredentialsCache
}

func newTokenCache(fetch func(context.Context) (signer.Token, error), opt func(*signer.CacheOptions)) *tokenCache {
	return &tokenCache{cache: newCache(func(ctx context.Context) (signer.Credentials, error) {
		tok, err := fetch(ctx)
		if err != nil {
			return signer.Credentials{}, err
		}
		return signer.Credentials{
			AccessKeyID:     tok.Type,
			SecretAccessKey: tok.Value,
			SessionToken:    tok.Issued.UTC().Format(time.RFC3339Nano),
			Expires:         tok.Expires,
		}, nil
	}, opt)}
}

func (t *tokenCache) Token(ctx context.Context) (signer.Token, error) {
	c, err := t.cache.Retrieve(ctx)
	if err != nil {
		return signer.Token{}, err
	}
	issued, _ := time.Parse(time.RFC3339Nano, c.SessionToken)
	return signer.Token{Value: c.SecretAccessKey, Type: c.AccessKeyID, Expires: c.Expires, Issued: issued}, nil
}

// ibmEnv names the IBM HMAC environment variables (those of client.IBM).
var ibmEnv = signer.EnvCredentials{
	AccessKeyVars: []string{"IBM_COS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"},
	SecretVars:    []string{"IBM_COS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"},
}

// IBMOptions configures NewIBMChain and ResolveIBM.
type IBMOptions struct {
	// Env names the HMAC key environment variables. Default
	// IBM_COS_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID and
	// IBM_COS_SECRET_ACCESS_KEY / AWS_SECRET_ACCESS_KEY.
	Env signer.EnvCredentials
	// File locates the service credential file.
	File IBMFileOptions
	// IAMEndpoint is the IAM base URL for API keys. Default
	// IBM_AUTH_ENDPOINT, then signer.DefaultIAMEndpoint.
	IAMEndpoint string
	// HTTPClient sends IAM token requests for API keys (see
	// signer.IAMOptions.HTTPClient).
	HTTPClient *http.Client
	// TrustedProfile configures the trusted profile step.
	TrustedProfile TrustedProfileOptions
}

func applyIBMOptions(optFns []func(*IBMOptions)) IBMOptions {
	var o IBMOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if len(o.Env.AccessKeyVars) == 0 {
		o.Env = ibmEnv
	}
	return o
}

// NewIBMChain returns the default chain of HMAC keys for IBM COS (SigV4):
// environment → the cos_hmac_keys of ~/.bluemix/cos_credentials. API keys
// and trusted profiles sign with bearer tokens instead; ResolveIBM covers
// them.
func NewIBMChain(optFns ...func(*IBMOptions)) *Chain {
	o := applyIBMOptions(optFns)
	return NewChain(envProvider{env: o.Env}, NewIBMFile(func(f *IBMFileOptions) { *f = o.File }))
}

// IBMAuthKind says how IBM COS requests are to be signed.
type IBMAuthKind int

// Ways of signing IBM COS requests.
const (
	// IBMHMAC: SigV4 with HMAC keys (IBMAuth.Credentials). Presigned URLs
	// work.
	IBMHMAC IBMAuthKind = iota + 1
	// IBMAPIKey: bearer tokens for an IAM API key (IBMAuth.Tokens).
	IBMAPIKey
	// IBMTrustedProfile: bearer tokens for a trusted profile, obtained
	// with the workload's compute resource token (IBMAuth.Tokens).
	IBMTrustedProfile
)

// String returns "hmac", "apikey" or "trusted-profile".
func (k IBMAuthKind) String() string {
	switch k {
	case IBMHMAC:
		return "hmac"
	case IBMAPIKey:
		return "apikey"
	case IBMTrustedProfile:
		return "trusted-profile"
	}
	return fmt.Sprintf("IBMAuthKind(%d)", int(k))
}

// IBMAuth is what ResolveIBM found: either HMAC keys for SigV4, or a
// source of IAM bearer tokens. Pass Signer's result to
// client.WithSigner and ServiceInstanceID to client.WithServiceInstanceID.
type IBMAuth struct {
	Kind              IBMAuthKind                // which of the fields below is set
	Credentials       signer.CredentialsProvider // for IBMHMAC
	Tokens            signer.TokenProvider       // for IBMAPIKey and IBMTrustedProfile
	ServiceInstanceID string                     // from IBM_SERVICE_INSTANCE_ID or the file's resource_instance_id; may be ""
	Source            string                     // where it was found: "environment", a file path, "trusted profile"
}

// Signer returns the signer for the found credentials: SigV4 for region
// with HMAC keys, a bearer-token signer otherwise.
func (a IBMAuth) Signer(region string) signer.Signer {
	if a.Kind == IBMHMAC {
		return signer.NewV4(a.Credentials, region)
	}
	return signer.NewBearer(a.Tokens)
}

// String describes the result; it reveals no secret.
func (a IBMAuth) String() string {
	return fmt.Sprintf("IBMAuth{Kind: %s, Source: %s, ServiceInstanceID: %s}", a.Kind, a.Source, a.ServiceInstanceID)
}

// GoString is String.
func (a IBMAuth) GoString() string { return a.String() }

// Format prints String for every verb.
func (a IBMAuth) Format(f fmt.State, verb rune) { formatRedacted(f, verb, a.String()) }

// LogValue logs String, for log/slog.
func (a IBMAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// MarshalJSON encodes what String shows: the providers, which hold
// secrets, are left out.
func (a IBMAuth) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ Kind, Source, ServiceInstanceID string }{a.Kind.String(), a.Source, a.ServiceInstanceID})
}

// ResolveIBM finds IBM COS credentials, in order:
//
//  1. HMAC keys in the environment (IBMOptions.Env);
//  2. an IAM API key in IBM_API_KEY_ID (with IBM_SERVICE_INSTANCE_ID and
//     IBM_AUTH_ENDPOINT), as the IBM COS SDK for Go reads it;
//  3. ~/.bluemix/cos_credentials: its cos_hmac_keys if it has them, else
//     its apikey (with resource_instance_id);
//  4. a trusted profile (TRUSTED_PROFILE_ID or TRUSTED_PROFILE_NAME, with
//     the compute resource token file; see TrustedProfileOptions).
//
// It reads only the environment and files: tokens are requested when a
// request is signed. Nothing found is an error matching
// signer.ErrNoCredentials; a malformed file, or an API key together with
// a trusted profile, is another error.
func ResolveIBM(optFns ...func(*IBMOptions)) (IBMAuth, error) {
	o := applyIBMOptions(optFns)
	ep := firstNonEmpty(o.IAMEndpoint, os.Getenv("IBM_AUTH_ENDPOINT"))
	apiKeyTokens := func(key string) signer.TokenProvider {
		return signer.NewIAMTokenProvider(key, func(iamOpts *signer.IAMOptions) {
			if ep != "" {
				iamOpts.Endpoint = ep
			}
			if o.HTTPClient != nil {
				iamOpts.HTTPClient = o.HTTPClient
			}
		})
	}
	var reasons []error

	env := envProvider{env: o.Env}
	if _, err := env.Retrieve(context.Background()); err == nil {
		return IBMAuth{Kind: IBMHMAC, Credentials: env, Source: "environment"}, nil
	} else if !isNotFound(err) {
		return IBMAuth{}, err
	} else {
		reasons = append(reasons, err)
	}

	profileSet := firstNonEmpty(o.TrustedProfile.ProfileID, o.TrustedProfile.ProfileName,
		os.Getenv("TRUSTED_PROFILE_ID"), os.Getenv("TRUSTED_PROFILE_NAME")) != ""
	if key := os.Getenv("IBM_API_KEY_ID"); key != "" {
		if profileSet {
			return IBMAuth{}, errors.New("credentials: ibm: IBM_API_KEY_ID and a trusted profile are both set; set one")
		}
		return IBMAuth{Kind: IBMAPIKey, Tokens: apiKeyTokens(key), ServiceInstanceID: os.Getenv("IBM_SERVICE_INSTANCE_ID"), Source: "environment"}, nil
	}
	reasons = append(reasons, notFound("ibm: IBM_API_KEY_ID not set"))

	path := o.File.path()
	sc, err := loadIBMServiceCredentials(path)
	switch {
	case err == nil && sc.HasHMAC():
		creds := signer.NewStaticCredentials(sc.AccessKeyID, sc.SecretAccessKey, "")
		return IBMAuth{Kind: IBMHMAC, Credentials: creds, ServiceInstanceID: sc.ResourceInstanceID, Source: path}, nil
	case err == nil && sc.APIKey != "":
		return IBMAuth{Kind: IBMAPIKey, Tokens: apiKeyTokens(sc.APIKey), ServiceInstanceID: sc.ResourceInstanceID, Source: path}, nil
	case err == nil:
		reasons = append(reasons, notFound("ibm credentials file: %s has neither cos_hmac_keys nor apikey", path))
	case errors.Is(err, ErrNoConfigFile):
		reasons = append(reasons, notFound("ibm credentials file: no %s", firstNonEmpty(path, "~/.bluemix/cos_credentials")))
	default:
		return IBMAuth{}, err
	}

	if profileSet {
		tp := NewTrustedProfile(func(t *TrustedProfileOptions) { *t = o.TrustedProfile })
		return IBMAuth{Kind: IBMTrustedProfile, Tokens: tp, ServiceInstanceID: os.Getenv("IBM_SERVICE_INSTANCE_ID"), Source: "trusted profile"}, nil
	}
	reasons = append(reasons, notFound("trusted profile: TRUSTED_PROFILE_ID and TRUSTED_PROFILE_NAME not set"))
	return IBMAuth{}, &NotFoundError{Reasons: reasons}
}
