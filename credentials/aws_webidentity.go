package credentials

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// WebIdentityOptions configures a WebIdentityProvider. Empty fields are
// read from the environment when the provider fetches: TokenFile from
// AWS_WEB_IDENTITY_TOKEN_FILE, RoleARN from AWS_ROLE_ARN and
// RoleSessionName from AWS_ROLE_SESSION_NAME (the variables EKS IAM roles
// for service accounts and other OIDC integrations set).
type WebIdentityOptions struct {
	// TokenFile holds the OIDC token. It is read anew on every fetch, since
	// the platform rotates it.
	TokenFile string
	// RoleARN is the role to assume.
	RoleARN string
	// RoleSessionName names the session. Default
	// "polystore-<unix nanoseconds>".
	RoleSessionName string
	// Duration is the session's lifetime; zero leaves it to STS.
	Duration time.Duration
	// STS says where STS is and how to reach it. The request is not
	// signed: the token is the proof.
	STS STSOptions
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// WebIdentityProvider exchanges an OIDC token read from a file for
// temporary credentials through STS AssumeRoleWithWebIdentity. With no
// token file configured (option or AWS_WEB_IDENTITY_TOKEN_FILE) it finds
// nothing, so a chain moves on; a token file without a role, or one that
// cannot be read, is an error. It caches the credentials and refreshes
// them before they expire. It is safe for concurrent use.
type WebIdentityProvider struct {
	cache *signer.CredentialsCache
	opts  WebIdentityOptions
}

// NewWebIdentity returns a web identity provider.
func NewWebIdentity(optFns ...func(*WebIdentityOptions)) *WebIdentityProvider {
	var o WebIdentityOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	w := &webIdentity{opts: o, now: clockOf(o.Cache)}
	return &WebIdentityProvider{cache: newCache(w.fetch, o.Cache), opts: o}
}

// Retrieve returns the role's credentials, from the cache or from STS.
func (p *WebIdentityProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached credentials.
func (p *WebIdentityProvider) Invalidate() { p.cache.Invalidate() }

// String names the role and token file; it reveals no secret.
func (p *WebIdentityProvider) String() string {
	return "WebIdentity(" + firstNonEmpty(p.opts.RoleARN, "$AWS_ROLE_ARN") + ", " + firstNonEmpty(p.opts.TokenFile, "$AWS_WEB_IDENTITY_TOKEN_FILE") + ")"
}

// GoString is String.
func (p *WebIdentityProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *WebIdentityProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

// webIdentity is one AssumeRoleWithWebIdentity configuration; its empty
// fields come from the environment at fetch time.
type webIdentity struct {
	opts   WebIdentityOptions
	region string // the role profile's region, if any
	now    func() time.Time
}

func (w *webIdentity) fetch(ctx context.Context) (signer.Credentials, error) {
	tokenFile := firstNonEmpty(w.opts.TokenFile, os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE"))
	if tokenFile == "" {
		return signer.Credentials{}, notFound("web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set")
	}
	roleARN := firstNonEmpty(w.opts.RoleARN, os.Getenv("AWS_ROLE_ARN"))
	if roleARN == "" {
		return signer.Credentials{}, fmt.Errorf("credentials: web identity: a token file is configured (%s) but no role: set AWS_ROLE_ARN", tokenFile)
	}
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return signer.Credentials{}, &FileError{Path: tokenFile, Reason: "cannot read the web identity token", Err: unwrapPathError(err)}
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return signer.Credentials{}, fileErr(tokenFile, 0, "the web identity token file is empty")
	}
	sts, err := newSTSClient(w.opts.STS, w.region, w.now)
	if err != nil {
		return signer.Credentials{}, err
	}
	name := firstNonEmpty(w.opts.RoleSessionName, os.Getenv("AWS_ROLE_SESSION_NAME"), defaultSessionName(w.now()))
	params := roleParams(roleARN, name, w.opts.Duration)
	params.Set("WebIdentityToken", token)
	return sts.call(ctx, "AssumeRoleWithWebIdentity", params, nil)
}
