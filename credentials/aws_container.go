package credentials

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// DefaultECSEndpoint is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is
// resolved: the ECS task metadata endpoint.
const DefaultECSEndpoint = "http://169.254.170.2"

// DefaultContainerTimeout bounds each request to the container credentials
// endpoint unless ContainerOptions.Timeout says otherwise.
const DefaultContainerTimeout = 5 * time.Second

// containerHTTPHosts are the addresses, besides loopback ones, that
// AWS_CONTAINER_CREDENTIALS_FULL_URI may name over plain http: the ECS
// endpoint and the EKS Pod Identity Agent (IPv4 and IPv6).
var containerHTTPHosts = []netip.Addr{
	netip.MustParseAddr("169.254.170.2"),
	netip.MustParseAddr("169.254.170.23"),
	netip.MustParseAddr("fd00:ec2::23"),
}

// ContainerOptions configures a ContainerProvider. Empty fields are read
// from the environment when the provider fetches.
type ContainerOptions struct {
	// RelativeURI is a path on ECSEndpoint. Default
	// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (set by ECS).
	RelativeURI string
	// FullURI is a complete URL, used when there is no relative URI.
	// Default AWS_CONTAINER_CREDENTIALS_FULL_URI (set by EKS Pod Identity,
	// or by hand). Over plain http only loopback addresses and the ECS and
	// EKS agent addresses (169.254.170.2, 169.254.170.23, fd00:ec2::23)
	// are allowed; https may name any host.
	FullURI string
	// ECSEndpoint is the base RelativeURI is resolved against. Default
	// DefaultECSEndpoint.
	ECSEndpoint string
	// AuthorizationTokenFile holds the value of the Authorization header,
	// read anew on every fetch. Default
	// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
	AuthorizationTokenFile string
	// AuthorizationToken is the Authorization header's value when there
	// is no token file. Default AWS_CONTAINER_AUTHORIZATION_TOKEN.
	AuthorizationToken string
	// Timeout bounds each request. Default DefaultContainerTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests. Default: a client that never uses a
	// proxy. Redirects are never followed.
	HTTPClient *http.Client
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// String describes the options with AuthorizationToken redacted.
func (o ContainerOptions) String() string {
	return fmt.Sprintf("ContainerOptions{RelativeURI: %s, FullURI: %s, ECSEndpoint: %s, AuthorizationTokenFile: %s, AuthorizationToken: %s, Timeout: %v}",
		o.RelativeURI, o.FullURI, o.ECSEndpoint, o.AuthorizationTokenFile, redact(o.AuthorizationToken), o.Timeout)
}

// GoString is String.
func (o ContainerOptions) GoString() string { return o.String() }

// Format prints String for every verb.
func (o ContainerOptions) Format(f fmt.State, verb rune) { formatRedacted(f, verb, o.String()) }

// ContainerProvider reads the credentials of an ECS task role or an EKS
// Pod Identity association from the container credentials endpoint. With
// neither a relative nor a full URI configured it finds nothing, so a
// chain moves on; once configured, any failure is an error. It caches the
// credentials and refreshes them before they expire. It is safe for
// concurrent use.
type ContainerProvider struct {
	cache *signer.CredentialsCache
	c     *container
}

// NewContainer returns a container credentials provider.
func NewContainer(optFns ...func(*ContainerOptions)) *ContainerProvider {
	c := newContainer(optFns...)
	return &ContainerProvider{cache: newCache(c.fetch, c.opts.Cache), c: c}
}

func newContainer(optFns ...func(*ContainerOptions)) *container {
	var o ContainerOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultContainerTimeout
	}
	return &container{opts: o, client: metadataClient(o.HTTPClient, o.Timeout)}
}

// Retrieve returns the container's credentials, from the cache or from the
// endpoint.
func (p *ContainerProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached credentials.
func (p *ContainerProvider) Invalidate() { p.cache.Invalidate() }

// String describes the provider; it reveals no token.
func (p *ContainerProvider) String() string { return "Container(ECS/EKS)" }

// GoString is String.
func (p *ContainerProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *ContainerProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

type container struct {
	opts   ContainerOptions
	client *http.Client
}

// containerCredentials is the endpoint's JSON answer (ECS and EKS alike).
type containerCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	Code            string `json:"code"`
	Message         string `json:"message"`
}

func (c *container) fetch(ctx context.Context) (signer.Credentials, error) {
	target, err := c.target(ctx)
	if err != nil {
		return signer.Credentials{}, err
	}
	auth, err := c.authorization()
	if err != nil {
		return signer.Credentials{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: container: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: container: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, err := readBody(resp.Body)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: container: reading the answer: %w", err)
	}
	var cc containerCredentials
	jerr := json.Unmarshal(b, &cc)
	if resp.StatusCode != http.StatusOK {
		msg := excerpt(b)
		if jerr == nil && (cc.Code != "" || cc.Message != "") {
			msg = strings.TrimSpace(cc.Code + " " + excerpt([]byte(cc.Message)))
		}
		return signer.Credentials{}, fmt.Errorf("credentials: container: HTTP %d: %s", resp.StatusCode, firstNonEmpty(msg, http.StatusText(resp.StatusCode)))
	}
	if jerr != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: container: decoding the answer: %w", jerr)
	}
	if cc.AccessKeyID == "" || cc.SecretAccessKey == "" {
		return signer.Credentials{}, fmt.Errorf("credentials: container: the answer has no AccessKeyId or SecretAccessKey")
	}
	creds := signer.Credentials{AccessKeyID: cc.AccessKeyID, SecretAccessKey: cc.SecretAccessKey, SessionToken: cc.Token}
	if cc.Expiration != "" {
		if creds.Expires, err = parseTime(cc.Expiration); err != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: container: the answer's Expiration is not a time")
		}
	}
	return creds, nil
}

// target returns the URL to fetch, or a not-found error when none is
// configured.
func (c *container) target(ctx context.Context) (string, error) {
	if rel := firstNonEmpty(c.opts.RelativeURI, os.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")); rel != "" {
		base := strings.TrimRight(firstNonEmpty(c.opts.ECSEndpoint, DefaultECSEndpoint), "/")
		if !strings.HasPrefix(rel, "/") {
			rel = "/" + rel
		}
		return base + rel, nil
	}
	full := firstNonEmpty(c.opts.FullURI, os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
	if full == "" {
		return "", notFound("container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set")
	}
	u, err := url.Parse(full)
	if err != nil || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("credentials: container: AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
	}
	switch u.Scheme {
	case "https":
		return full, nil
	case "http":
		if err := checkContainerHost(ctx, u.Hostname()); err != nil {
			return "", err
		}
		return full, nil
	}
	return "", fmt.Errorf("credentials: container: AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http or https URL")
}

// lookupNetIP resolves host names for checkContainerHost; tests replace it
// so that no lookup leaves the machine.
var lookupNetIP = net.DefaultResolver.LookupNetIP

// checkContainerHost allows plain http only to loopback addresses (every
// address a host name resolves to must be one) and to the ECS and EKS
// agent addresses.
func checkContainerHost(ctx context.Context, host string) error {
	refuse := fmt.Errorf("credentials: container: AWS_CONTAINER_CREDENTIALS_FULL_URI over http must name a loopback address or the ECS/EKS agent (169.254.170.2, 169.254.170.23, fd00:ec2::23); use https for %s", host)
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if ip.IsLoopback() {
			return nil
		}
		for _, a := range containerHTTPHosts {
			if ip == a {
				return nil
			}
		}
		return refuse
	}
	addrs, err := lookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return refuse
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return refuse
		}
	}
	return nil
}

// authorization returns the Authorization header's value: the token file's
// contents, else the token variable, else "".
func (c *container) authorization() (string, error) {
	if path := firstNonEmpty(c.opts.AuthorizationTokenFile, os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", &FileError{Path: path, Reason: "cannot read the container authorization token", Err: unwrapPathError(err)}
		}
		tok := strings.TrimSpace(string(b))
		if strings.ContainsAny(tok, "\r\n") {
			return "", fileErr(path, 0, "the container authorization token holds a line break")
		}
		return tok, nil
	}
	tok := firstNonEmpty(c.opts.AuthorizationToken, os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("credentials: container: AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break")
	}
	return tok, nil
}
