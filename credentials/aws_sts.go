package credentials

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// STSOptions says where and how the AWS Security Token Service is called
// (AssumeRole, AssumeRoleWithWebIdentity).
type STSOptions struct {
	// Endpoint is the STS URL. Default: AWS_ENDPOINT_URL_STS, then
	// AWS_ENDPOINT_URL, then the regional endpoint
	// https://sts.<Region>.amazonaws.com (amazonaws.com.cn for cn-
	// regions).
	Endpoint string

	// Region is the region the AssumeRole request is signed for and the
	// default endpoint names. Default: AWS_REGION, then AWS_DEFAULT_REGION,
	// then the profile's region (for role profiles), then us-east-1.
	Region string

	// HTTPClient sends the requests. Default: a client with
	// http.DefaultTransport. Redirects are never followed.
	HTTPClient *http.Client
}

const (
	stsVersion       = "2011-06-15"
	stsDefaultRegion = "us-east-1"
)

// STSError is an error answer of AWS STS, such as AccessDenied for a role
// the source credentials may not assume, or InvalidIdentityToken.
type STSError struct {
	Action     string // "AssumeRole" or "AssumeRoleWithWebIdentity"
	StatusCode int    // the HTTP status
	Code       string // such as "AccessDenied"; empty if the body had none
	Message    string // STS's message, or an excerpt of a body without one
	RequestID  string // for AWS support
}

// Error describes the refusal.
func (e *STSError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "credentials: sts %s: HTTP %d", e.Action, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// stsClient calls one STS endpoint.
type stsClient struct {
	endpoint string
	region   string
	http     *http.Client
	now      func() time.Time
}

// newSTSClient resolves o's defaults; profileRegion is the role profile's
// region ("" outside profiles).
func newSTSClient(o STSOptions, profileRegion string, now func() time.Time) (*stsClient, error) {
	region := firstNonEmpty(o.Region, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), profileRegion, stsDefaultRegion)
	ep := firstNonEmpty(o.Endpoint, os.Getenv("AWS_ENDPOINT_URL_STS"), os.Getenv("AWS_ENDPOINT_URL"))
	if ep == "" {
		suffix := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		ep = "https://sts." + region + "." + suffix
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("credentials: sts: endpoint %q is not an http(s) URL", ep)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return &stsClient{endpoint: u.String(), region: region, http: apiClient(o.HTTPClient), now: now}, nil
}

// stsCredentials is the <Credentials> element of an STS answer.
type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

// stsResult matches both AssumeRoleResponse and
// AssumeRoleWithWebIdentityResponse: the result element's name differs, its
// Credentials do not.
type stsResult struct {
	Results []struct {
		XMLName     xml.Name
		Credentials stsCredentials `xml:"Credentials"`
	} `xml:",any"`
}

type stsErrorResponse struct {
	Error struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// call sends one STS query-API action. With source set, the request is
// signed with SigV4 for service "sts" using those credentials; without, it
// is sent unsigned (AssumeRoleWithWebIdentity).
func (c *stsClient) call(ctx context.Context, action string, params url.Values, source *signer.Credentials) (signer.Credentials, error) {
	params.Set("Action", action)
	params.Set("Version", stsVersion)
	body := []byte(params.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: sts %s: %w", action, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Accept", "application/xml")
	if source != nil {
		sum := sha256.Sum256(body)
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		v4 := signer.NewV4(nil, c.region, func(o *signer.V4Options) {
			o.Service = "sts"
			o.DisableURIPathEscaping = false
		})
		if err := v4.SignWithCredentials(req, *source, hex.EncodeToString(sum[:]), c.now()); err != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: sts %s: signing: %w", action, err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: sts %s: %w", action, unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, err := readBody(resp.Body)
	if err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: sts %s: reading the answer: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &STSError{Action: action, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid")}
		var er stsErrorResponse
		if xml.Unmarshal(b, &er) == nil && er.Error.Code != "" {
			e.Code, e.Message = er.Error.Code, excerpt([]byte(er.Error.Message))
			if er.RequestID != "" {
				e.RequestID = er.RequestID
			}
		} else {
			e.Message = firstNonEmpty(excerpt(b), http.StatusText(resp.StatusCode))
		}
		return signer.Credentials{}, e
	}
	var res stsResult
	if err := xml.Unmarshal(b, &res); err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: sts %s: decoding the answer: %w", action, err)
	}
	for _, r := range res.Results {
		if r.XMLName.Local != action+"Result" {
			continue
		}
		sc := r.Credentials
		if sc.AccessKeyID == "" || sc.SecretAccessKey == "" || sc.SessionToken == "" {
			return signer.Credentials{}, fmt.Errorf("credentials: sts %s: the answer has incomplete credentials", action)
		}
		exp, err := parseTime(sc.Expiration)
		if err != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: sts %s: the answer's Expiration is not a time", action)
		}
		return signer.Credentials{AccessKeyID: sc.AccessKeyID, SecretAccessKey: sc.SecretAccessKey, SessionToken: sc.SessionToken, Expires: exp}, nil
	}
	return signer.Credentials{}, fmt.Errorf("credentials: sts %s: the answer has no %sResult", action, action)
}

// unwrapURLError keeps the cause of net/http's *url.Error, whose text
// repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// defaultSessionName names a role session when none is configured.
func defaultSessionName(now time.Time) string {
	return "polystore-" + strconv.FormatInt(now.UnixNano(), 10)
}

// roleParams are the parameters AssumeRole and AssumeRoleWithWebIdentity
// share.
func roleParams(roleARN, sessionName string, duration time.Duration) url.Values {
	v := url.Values{"RoleArn": {roleARN}, "RoleSessionName": {sessionName}}
	if duration > 0 {
		v.Set("DurationSeconds", strconv.FormatInt(int64(duration/time.Second), 10))
	}
	return v
}

// AssumeRoleOptions configures an AssumeRoleProvider.
type AssumeRoleOptions struct {
	// RoleSessionName names the session in CloudTrail. Default
	// "polystore-<unix nanoseconds>".
	RoleSessionName string
	// ExternalID is sent as ExternalId when set (roles that require it).
	ExternalID string
	// Duration is the session's lifetime, in whole seconds (STS accepts 15
	// minutes to the role's maximum). Zero leaves it to STS (one hour).
	Duration time.Duration
	// STS says where STS is and how to reach it.
	STS STSOptions
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// AssumeRoleProvider obtains temporary credentials for an IAM role through
// STS AssumeRole, a query-API POST signed with SigV4 using the source
// provider's credentials. It caches them and refreshes them before they
// expire (see the package documentation). It is safe for concurrent use.
type AssumeRoleProvider struct {
	roleARN string
	cache   *signer.CredentialsCache
}

// NewAssumeRole returns a provider of credentials for roleARN, assumed with
// the credentials of source.
func NewAssumeRole(source signer.CredentialsProvider, roleARN string, optFns ...func(*AssumeRoleOptions)) *AssumeRoleProvider {
	var o AssumeRoleOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	now := clockOf(o.Cache)
	ar := &assumeRole{
		source:      retrieveFunc(source),
		roleARN:     roleARN,
		sessionName: o.RoleSessionName,
		externalID:  o.ExternalID,
		duration:    o.Duration,
		stsOpts:     o.STS,
		now:         now,
	}
	return &AssumeRoleProvider{roleARN: roleARN, cache: newCache(ar.fetch, o.Cache)}
}

// Retrieve returns the role's credentials, from the cache or from STS.
func (p *AssumeRoleProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached credentials.
func (p *AssumeRoleProvider) Invalidate() { p.cache.Invalidate() }

// String names the role; it reveals no secret.
func (p *AssumeRoleProvider) String() string { return "AssumeRole(" + p.roleARN + ")" }

// GoString is String.
func (p *AssumeRoleProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *AssumeRoleProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

// fetchFunc fetches credentials without caching them.
type fetchFunc func(ctx context.Context) (signer.Credentials, error)

func retrieveFunc(p signer.CredentialsProvider) fetchFunc {
	if p == nil {
		return func(context.Context) (signer.Credentials, error) {
			return signer.Credentials{}, errors.New("credentials: assume role: no source credentials provider")
		}
	}
	return p.Retrieve
}

// assumeRole is one AssumeRole call's configuration.
type assumeRole struct {
	source      fetchFunc
	roleARN     string
	sessionName string
	externalID  string
	duration    time.Duration
	stsOpts     STSOptions
	region      string // the role profile's region, if any
	now         func() time.Time
}

func (a *assumeRole) fetch(ctx context.Context) (signer.Credentials, error) {
	if a.roleARN == "" {
		return signer.Credentials{}, errors.New("credentials: assume role: the role ARN is empty")
	}
	src, err := a.source(ctx)
	if err == nil && !src.HasKeys() {
		err = signer.ErrNoCredentials
	}
	if err != nil {
		if isNotFound(err) {
			// The role's source has nothing: a configuration error, not
			// "nothing here", so it must not match ErrNoCredentials.
			return signer.Credentials{}, fmt.Errorf("credentials: assume role %s: the source credentials are missing (%s)", a.roleARN, err.Error())
		}
		return signer.Credentials{}, fmt.Errorf("credentials: assume role %s: source credentials: %w", a.roleARN, err)
	}
	sts, err := newSTSClient(a.stsOpts, a.region, a.now)
	if err != nil {
		return signer.Credentials{}, err
	}
	name := firstNonEmpty(a.sessionName, defaultSessionName(a.now()))
	params := roleParams(a.roleARN, name, a.duration)
	if a.externalID != "" {
		params.Set("ExternalId", a.externalID)
	}
	return sts.call(ctx, "AssumeRole", params, &src)
}
