package signer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Credentials are an access key pair, optionally temporary (with a session
// token and an expiry). No fmt verb, slog handler or JSON encoding of a
// Credentials value shows the secret or the token, so it is safe to log;
// to store credentials, copy the fields.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string    // STS / temporary token; empty for long-term keys
	Expires         time.Time // zero for credentials that do not expire
}

// HasKeys reports whether both the access key id and the secret are set.
func (c Credentials) HasKeys() bool { return c.AccessKeyID != "" && c.SecretAccessKey != "" }

// Expiration returns when the credentials expire (zero if never). It lets
// Credentials serve as a smithy-go auth.Identity.
func (c Credentials) Expiration() time.Time { return c.Expires }

// Expired reports whether the credentials are past their expiry at now.
func (c Credentials) Expired(now time.Time) bool {
	return !c.Expires.IsZero() && !now.Before(c.Expires)
}

// String describes the credentials without revealing the secret or token.
func (c Credentials) String() string {
	s := "Credentials{AccessKeyID: " + c.AccessKeyID + ", SecretAccessKey: " + redacted(c.SecretAccessKey)
	if c.SessionToken != "" {
		s += ", SessionToken: " + redacted(c.SessionToken)
	}
	if !c.Expires.IsZero() {
		s += ", Expires: " + c.Expires.UTC().Format(time.RFC3339)
	}
	return s + "}"
}

// GoString is String, so %#v does not reveal the secret either.
func (c Credentials) GoString() string { return c.String() }

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}

// CredentialsProvider returns credentials for signing. Implementations must
// be safe for concurrent use.
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// CredentialsFunc adapts a function to CredentialsProvider.
type CredentialsFunc func(ctx context.Context) (Credentials, error)

// Retrieve calls f.
func (f CredentialsFunc) Retrieve(ctx context.Context) (Credentials, error) { return f(ctx) }

// StaticCredentials always returns the same long-term keys.
type StaticCredentials struct{ Value Credentials }

// NewStaticCredentials returns a provider of fixed keys. token may be empty.
func NewStaticCredentials(accessKeyID, secretAccessKey, token string) StaticCredentials {
	return StaticCredentials{Value: Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey, SessionToken: token}}
}

// Retrieve returns the keys, or ErrNoCredentials if either is empty.
func (s StaticCredentials) Retrieve(context.Context) (Credentials, error) {
	if !s.Value.HasKeys() {
		return Credentials{}, ErrNoCredentials
	}
	return s.Value, nil
}

// String never reveals the secret.
func (s StaticCredentials) String() string {
	return "StaticCredentials" + s.Value.String()[len("Credentials"):]
}

// AnonymousCredentials signs nothing: signers leave requests unsigned when
// the provider is AnonymousCredentials, for public buckets and presigned URLs.
type AnonymousCredentials struct{}

// Retrieve returns empty credentials.
func (AnonymousCredentials) Retrieve(context.Context) (Credentials, error) { return Credentials{}, nil }

// IsAnonymous reports whether p is AnonymousCredentials.
func IsAnonymous(p CredentialsProvider) bool {
	switch p.(type) {
	case AnonymousCredentials, *AnonymousCredentials:
		return true
	}
	return false
}

// EnvCredentials reads keys from environment variables each time Retrieve
// is called. The polystore client documents the names per dialect; for
// example AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
type EnvCredentials struct {
	AccessKeyVars []string // first non-empty wins
	SecretVars    []string
	TokenVars     []string
}

// Retrieve reads the variables, or returns ErrNoCredentials if the access
// key id or secret is unset.
func (e EnvCredentials) Retrieve(context.Context) (Credentials, error) {
	c := Credentials{
		AccessKeyID:     firstEnv(e.AccessKeyVars),
		SecretAccessKey: firstEnv(e.SecretVars),
		SessionToken:    firstEnv(e.TokenVars),
	}
	if !c.HasKeys() {
		return Credentials{}, ErrNoCredentials
	}
	return c, nil
}

func firstEnv(names []string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// retrieveCredentials fetches keys for a signer. signed is false for
// AnonymousCredentials: the request stays unsigned. Errors name the scheme
// and wrap the provider's error; they never include a secret.
func retrieveCredentials(ctx context.Context, p CredentialsProvider, scheme string) (c Credentials, signed bool, err error) {
	if p == nil {
		return Credentials{}, false, fmt.Errorf("signer: %s: no credentials provider: %w", scheme, ErrNoCredentials)
	}
	if IsAnonymous(p) {
		return Credentials{}, false, nil
	}
	c, err = p.Retrieve(ctx)
	if err != nil {
		if errors.Is(err, ErrNoCredentials) {
			return Credentials{}, false, fmt.Errorf("signer: %s: %w", scheme, err)
		}
		return Credentials{}, false, fmt.Errorf("signer: %s: retrieving credentials: %w", scheme, err)
	}
	if !c.HasKeys() {
		return Credentials{}, false, fmt.Errorf("signer: %s: %w", scheme, ErrNoCredentials)
	}
	return c, true, nil
}
