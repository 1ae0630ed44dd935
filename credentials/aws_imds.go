package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polystore/polystore/signer"
)

// IMDS endpoints: the IPv4 default and the one
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 selects.
const (
	DefaultIMDSEndpoint     = "http://169.254.169.254"
	DefaultIMDSIPv6Endpoint = "http://[fd00:ec2::254]"
)

// DefaultIMDSTokenTTL is the lifetime requested for IMDSv2 session tokens
// (the maximum, six hours). A token is reused until shortly before then.
const DefaultIMDSTokenTTL = 6 * time.Hour

const (
	imdsTokenPath = "/latest/api/token"
	imdsCredsPath = "/latest/meta-data/iam/security-credentials/"
	imdsTTLHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	imdsTokHeader = "X-Aws-Ec2-Metadata-Token"
)

// IMDSOptions configures an IMDSProvider. Empty fields are read from the
// environment when the provider fetches.
type IMDSOptions struct {
	// Endpoint is the metadata service's base URL. Default
	// AWS_EC2_METADATA_SERVICE_ENDPOINT, else DefaultIMDSIPv6Endpoint when
	// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is "IPv6", else
	// DefaultIMDSEndpoint.
	Endpoint string
	// Disabled turns the provider off (it finds nothing). The variable
	// AWS_EC2_METADATA_DISABLED=true does the same.
	Disabled bool
	// Timeout bounds each request (token, role name, credentials). Default
	// DefaultMetadataTimeout (1 s), so an absent service costs about a
	// second before a chain moves on.
	Timeout time.Duration
	// TokenTTL is the lifetime requested for session tokens. Default
	// DefaultIMDSTokenTTL.
	TokenTTL time.Duration
	// HTTPClient sends the requests. Default: a client that never uses a
	// proxy and gives up connecting after Timeout. Redirects are never
	// followed.
	HTTPClient *http.Client
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// IMDSProvider reads the credentials of the EC2 instance's IAM role from
// the instance metadata service, IMDSv2 only: it obtains a session token
// (PUT /latest/api/token), reuses it until shortly before its TTL ends,
// then reads the role name and the role's credentials with it.
//
// An unreachable or silent service, a refused token request (IMDS
// disabled, or IMDSv2 not offered) and an instance without a role all mean
// "nothing here": a chain moves on after at most a few Timeouts. Note the
// hop limit: from a container on EC2 the token's answer needs two network
// hops, and with the instance's default PUT response hop limit of 1 it
// never arrives, so the provider times out. Raise the limit
// (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2)
// or give the container its own credentials (ECS task role, EKS Pod
// Identity).
//
// Credentials are cached and refreshed before they expire. It is safe for
// concurrent use.
type IMDSProvider struct {
	cache *signer.CredentialsCache
	m     *imds
}

// NewIMDS returns an instance metadata credentials provider.
func NewIMDS(optFns ...func(*IMDSOptions)) *IMDSProvider {
	m := newIMDS(optFns...)
	return &IMDSProvider{cache: newCache(m.fetch, m.opts.Cache), m: m}
}

func newIMDS(optFns ...func(*IMDSOptions)) *imds {
	var o IMDSOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultMetadataTimeout
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultIMDSTokenTTL
	}
	return &imds{opts: o, client: metadataClient(o.HTTPClient, o.Timeout), now: clockOf(o.Cache)}
}

// Retrieve returns the instance role's credentials, from the cache or from
// the metadata service.
func (p *IMDSProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached credentials (the session token is kept).
func (p *IMDSProvider) Invalidate() { p.cache.Invalidate() }

// String describes the provider; it reveals neither token nor keys.
func (p *IMDSProvider) String() string { return "IMDS(" + p.m.endpoint() + ")" }

// GoString is String.
func (p *IMDSProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *IMDSProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

type imds struct {
	opts   IMDSOptions
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	token    string
	tokenEnd time.Time // reuse the token until then
}

func (m *imds) endpoint() string {
	if ep := firstNonEmpty(m.opts.Endpoint, os.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")); ep != "" {
		return strings.TrimRight(ep, "/")
	}
	if strings.EqualFold(os.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"), "IPv6") {
		return DefaultIMDSIPv6Endpoint
	}
	return DefaultIMDSEndpoint
}

// imdsCredentials is the answer of security-credentials/<role>.
type imdsCredentials struct {
	Code            string `json:"Code"`
	Message         string `json:"Message"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// errIMDSTokenRejected is the answer 401: the session token expired.
var errIMDSTokenRejected = errors.New("the session token was rejected")

func (m *imds) fetch(ctx context.Context) (signer.Credentials, error) {
	if m.opts.Disabled || envTrue("AWS_EC2_METADATA_DISABLED") {
		return signer.Credentials{}, notFound("imds: disabled (AWS_EC2_METADATA_DISABLED)")
	}
	base := m.endpoint()
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		token, err := m.sessionToken(ctx, base)
		if err != nil {
			return signer.Credentials{}, err
		}
		creds, err := m.roleCredentials(ctx, base, token)
		if !errors.Is(err, errIMDSTokenRejected) {
			return creds, err
		}
		m.dropToken(token)
		lastErr = err
	}
	return signer.Credentials{}, fmt.Errorf("credentials: imds: %w", lastErr)
}

// sessionToken returns the cached IMDSv2 token or a new one.
func (m *imds) sessionToken(ctx context.Context, base string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.token != "" && m.now().Before(m.tokenEnd) {
		return m.token, nil
	}
	ttl := int64(m.opts.TokenTTL / time.Second)
	start := m.now()
	resp, body, err := m.do(ctx, http.MethodPut, base+imdsTokenPath, http.Header{imdsTTLHeader: {strconv.FormatInt(ttl, 10)}})
	if err != nil {
		return "", notFound("imds: no metadata service at %s (%v)", base, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound ||
		resp.StatusCode == http.StatusMethodNotAllowed:
		return "", notFound("imds: the session token request was refused (HTTP %d): IMDS is disabled or does not offer IMDSv2", resp.StatusCode)
	default:
		return "", fmt.Errorf("credentials: imds: session token: HTTP %d", resp.StatusCode)
	}
	tok := strings.TrimSpace(string(body))
	if tok == "" || strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("credentials: imds: session token: the answer is not a token")
	}
	// Stop using the token a minute (or a tenth of its life) early.
	life := time.Duration(ttl) * time.Second
	m.token, m.tokenEnd = tok, start.Add(life-min(time.Minute, life/10))
	return tok, nil
}

func (m *imds) dropToken(tok string) {
	m.mu.Lock()
	if m.token == tok {
		m.token = ""
	}
	m.mu.Unlock()
}

func (m *imds) roleCredentials(ctx context.Context, base, token string) (signer.Credentials, error) {
	hdr := http.Header{imdsTokHeader: {token}}
	resp, body, err := m.do(ctx, http.MethodGet, base+imdsCredsPath, hdr)
	if err != nil {
		return signer.Credentials{}, notFound("imds: role name: %v", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return signer.Credentials{}, errIMDSTokenRejected
	case http.StatusNotFound:
		return signer.Credentials{}, notFound("imds: the instance has no IAM role")
	default:
		return signer.Credentials{}, fmt.Errorf("credentials: imds: role name: HTTP %d", resp.StatusCode)
	}
	role, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	role = strings.TrimSpace(role)
	if role == "" {
		return signer.Credentials{}, notFound("imds: the instance has no IAM role")
	}
	if strings.ContainsAny(role, "/?#%") {
		return signer.Credentials{}, fmt.Errorf("credentials: imds: the role name is malformed")
	}
	resp, body, err = m.do(ctx, http.MethodGet, base+imdsCredsPath+role, hdr)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: imds: role %s: %v", role, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return signer.Credentials{}, errIMDSTokenRejected
	case http.StatusNotFound:
		return signer.Credentials{}, notFound("imds: role %s has no credentials", role)
	default:
		return signer.Credentials{}, fmt.Errorf("credentials: imds: role %s: HTTP %d", role, resp.StatusCode)
	}
	var ic imdsCredentials
	if err := json.Unmarshal(body, &ic); err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: imds: role %s: decoding the answer: %w", role, err)
	}
	if ic.Code != "" && ic.Code != "Success" {
		return signer.Credentials{}, fmt.Errorf("credentials: imds: role %s: %s %s", role, ic.Code, excerpt([]byte(ic.Message)))
	}
	if ic.AccessKeyID == "" || ic.SecretAccessKey == "" {
		return signer.Credentials{}, fmt.Errorf("credentials: imds: role %s: the answer has no AccessKeyId or SecretAccessKey", role)
	}
	creds := signer.Credentials{AccessKeyID: ic.AccessKeyID, SecretAccessKey: ic.SecretAccessKey, SessionToken: ic.Token}
	if ic.Expiration != "" {
		if creds.Expires, err = parseTime(ic.Expiration); err != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: imds: role %s: the answer's Expiration is not a time", role)
		}
	}
	return creds, nil
}

// do sends one request bounded by the provider's timeout and reads the
// answer.
func (m *imds) do(ctx context.Context, method, url string, hdr http.Header) (*http.Response, []byte, error) {
	return metadataRequest(ctx, m.client, m.opts.Timeout, method, url, hdr)
}

// metadataRequest sends one request to a metadata service, bounded by
// timeout, and reads the answer.
func metadataRequest(ctx context.Context, client *http.Client, timeout time.Duration, method, url string, hdr http.Header) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil, nil, fmt.Errorf("no answer within %v", timeout)
		}
		return nil, nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}
