package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/polystore/polystore/signer"
)

// Chain asks a list of providers for credentials, in order. It implements
// signer.CredentialsProvider and is safe for concurrent use.
//
// The first provider that returns keys wins. A provider whose error matches
// signer.ErrNoCredentials (nothing configured there) is skipped; any other
// error stops the chain and is returned as is, so that a malformed file or
// a refused STS call is reported instead of being masked by a later
// provider. When every provider comes up empty, Retrieve returns a
// *NotFoundError that lists what each one said and matches
// signer.ErrNoCredentials.
//
// The chain remembers the provider that last answered and asks it first
// next time, so a chain whose winner is, say, the instance metadata
// service does not re-read configuration files on every request. Should
// that provider later find nothing, the chain walks from the start again.
// Invalidate forgets the winner.
//
// The providers themselves cache what they fetch (every provider of this
// package does); Chain adds no cache of its own. A link that returns empty
// credentials without an error, such as signer.AnonymousCredentials,
// counts as finding nothing.
type Chain struct {
	links  []signer.CredentialsProvider
	winner atomic.Int64 // index of the last provider that answered, or -1
}

// NewChain returns a chain of the given providers; nil providers are
// dropped.
func NewChain(providers ...signer.CredentialsProvider) *Chain {
	c := &Chain{}
	for _, p := range providers {
		if p != nil {
			c.links = append(c.links, p)
		}
	}
	c.winner.Store(-1)
	return c
}

// Providers returns the chain's providers in order (a copy), for example to
// build a chain that tries one more provider first:
//
//	credentials.NewChain(append([]signer.CredentialsProvider{mine}, credentials.NewS3Chain().Providers()...)...)
func (c *Chain) Providers() []signer.CredentialsProvider {
	return append([]signer.CredentialsProvider(nil), c.links...)
}

// Retrieve returns the credentials of the first provider that has some.
// See Chain for the order and the errors.
func (c *Chain) Retrieve(ctx context.Context) (signer.Credentials, error) {
	if c == nil {
		return signer.Credentials{}, &NotFoundError{}
	}
	if w := c.winner.Load(); w >= 0 {
		creds, err := c.links[w].Retrieve(ctx)
		switch {
		case err == nil && creds.HasKeys():
			return creds, nil
		case err != nil && !isNotFound(err):
			return signer.Credentials{}, err
		}
	}
	var missing []error
	for i, p := range c.links {
		creds, err := p.Retrieve(ctx)
		if err == nil && creds.HasKeys() {
			c.winner.Store(int64(i))
			return creds, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: chain: %w", cerr)
		}
		if err == nil {
			err = fmt.Errorf("credentials: %T returned empty credentials: %w", p, signer.ErrNoCredentials)
		}
		if !isNotFound(err) {
			return signer.Credentials{}, err
		}
		missing = append(missing, err)
	}
	c.winner.Store(-1)
	return signer.Credentials{}, &NotFoundError{Reasons: missing}
}

// Invalidate makes the chain walk from its first provider again on the next
// Retrieve, and invalidates every provider that has an Invalidate method
// (all the caching providers of this package), so that credentials are
// fetched anew. Use it when a service refuses the credentials before their
// stated expiry.
func (c *Chain) Invalidate() {
	if c == nil {
		return
	}
	c.winner.Store(-1)
	for _, p := range c.links {
		if inv, ok := p.(interface{ Invalidate() }); ok {
			inv.Invalidate()
		}
	}
}

// String lists the providers' types; it reveals no secret.
func (c *Chain) String() string {
	if c == nil {
		return "Chain(nil)"
	}
	names := make([]string, len(c.links))
	for i, p := range c.links {
		names[i] = fmt.Sprintf("%T", p)
		if s, ok := p.(fmt.Stringer); ok {
			names[i] = s.String()
		}
	}
	return "Chain[" + strings.Join(names, " → ") + "]"
}

// GoString is String.
func (c *Chain) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Chain) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String()) }

// LogValue logs String, for log/slog.
func (c *Chain) LogValue() slog.Value { return slog.StringValue(c.String()) }

// NotFoundError is returned by a Chain none of whose providers found
// credentials. It matches signer.ErrNoCredentials with errors.Is.
type NotFoundError struct {
	// Reasons holds each provider's error, in chain order.
	Reasons []error
}

// Error lists what each provider said.
func (e *NotFoundError) Error() string {
	if len(e.Reasons) == 0 {
		return "credentials: no credentials found: the chain has no providers"
	}
	parts := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		msg := strings.TrimPrefix(r.Error(), cachePrefix)
		parts[i] = strings.TrimSuffix(strings.TrimPrefix(msg, "credentials: "), ": "+signer.ErrNoCredentials.Error())
	}
	return "credentials: no credentials found: " + strings.Join(parts, "; ")
}

// cachePrefix is how signer.CredentialsCache prefixes a provider's error;
// a NotFoundError's summary drops it.
const cachePrefix = "signer: refreshing credentials: "

// Is reports whether target is signer.ErrNoCredentials.
func (e *NotFoundError) Is(target error) bool { return target == signer.ErrNoCredentials }

// Unwrap returns the providers' errors.
func (e *NotFoundError) Unwrap() []error { return e.Reasons }

// envProvider is a chain's environment link: signer.EnvCredentials with
// errors that name the variables.
type envProvider struct{ env signer.EnvCredentials }

func (p envProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	creds, err := p.env.Retrieve(ctx)
	if err == nil {
		return creds, nil
	}
	access, secret := anySet(p.env.AccessKeyVars), anySet(p.env.SecretVars)
	switch {
	case access != "" && secret == "":
		return signer.Credentials{}, fmt.Errorf("credentials: environment: %s is set but none of %s is", access, strings.Join(p.env.SecretVars, ", "))
	case access == "" && secret != "":
		return signer.Credentials{}, fmt.Errorf("credentials: environment: %s is set but none of %s is", secret, strings.Join(p.env.AccessKeyVars, ", "))
	}
	if errors.Is(err, signer.ErrNoCredentials) {
		return signer.Credentials{}, notFound("environment: %s not set", strings.Join(p.env.AccessKeyVars, ", "))
	}
	return signer.Credentials{}, err
}

func (p envProvider) String() string {
	return "Environment(" + strings.Join(p.env.AccessKeyVars, ", ") + ")"
}

// anySet returns the first of names that is set to a non-empty value.
func anySet(names []string) string {
	for _, n := range names {
		if os.Getenv(n) != "" {
			return n
		}
	}
	return ""
}
