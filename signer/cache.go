package signer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// refreshTimeout bounds one shared refresh (an IAM token request or a
// credentials provider call). The refresh runs detached from the context of
// the caller that started it, so that caller giving up does not fail the
// others waiting on the same refresh; this timeout keeps a hung endpoint
// from pinning the refresh forever.
const refreshTimeout = 30 * time.Second

// staleRetryBackoff is how long a cache that kept serving its previous,
// still unexpired value after a failed refresh waits before trying again.
// It keeps a failing or hanging endpoint from being hit (and from blocking
// callers) on every request.
const staleRetryBackoff = 10 * time.Second

// DefaultExpiryWindow is the CacheOptions.ExpiryWindow used when none is
// set: cached credentials are refreshed five minutes before they expire.
const DefaultExpiryWindow = 5 * time.Minute

// CacheOptions configures a CredentialsCache. NewCredentialsCache fills in
// the defaults before calling the option functions, so an option function
// sees (and may override) them; setting ExpiryWindow to zero refreshes
// credentials only once they have expired.
type CacheOptions struct {
	// ExpiryWindow is how long before Credentials.Expires the cache
	// refreshes them. Default DefaultExpiryWindow (5 minutes); negative is
	// treated as zero. The window is capped at half the lifetime the
	// credentials had when fetched, so short-lived credentials are still
	// reused rather than refetched on every call.
	ExpiryWindow time.Duration

	// ExpiryWindowJitter, between 0 and 1, shrinks the window by a random
	// fraction of up to this much, chosen once per fetched credentials, so
	// that many processes started together do not refresh at the same
	// instant. Default 0; values outside [0, 1] are clamped.
	ExpiryWindowJitter float64

	// Now returns the current time. Default time.Now; tests inject a clock.
	Now func() time.Time
}

// CredentialsCache caches the credentials of another provider and refreshes
// them shortly before they expire. It suits temporary credentials: AWS STS
// AssumeRole, Tencent COS's getSTS callback, or any provider that sets
// Credentials.Expires. It implements CredentialsProvider and is safe for
// concurrent use.
//
// Retrieve returns the cached credentials until they come within
// ExpiryWindow of Credentials.Expires; credentials with a zero Expires are
// cached for the life of the cache (see Invalidate). A refresh is shared by
// all concurrent callers: the wrapped provider is called once, detached from
// the callers' contexts and bounded by a 30-second timeout, and each caller
// stops waiting as soon as its own context is done.
//
// If a refresh fails while the cached credentials have not yet expired (they
// are only inside the expiry window), Retrieve keeps returning them without
// an error and retries the refresh at most every 10 seconds; the error is
// returned only once nothing unexpired is cached. A provider that returns
// already expired credentials is treated as a failed refresh.
type CredentialsCache struct {
	provider CredentialsProvider
	window   time.Duration
	jitter   float64
	cache    refreshCache[Credentials]
}

// NewCredentialsCache returns a cache in front of p. See CacheOptions for
// the defaults.
func NewCredentialsCache(p CredentialsProvider, optFns ...func(*CacheOptions)) *CredentialsCache {
	o := CacheOptions{ExpiryWindow: DefaultExpiryWindow, Now: time.Now}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.ExpiryWindow < 0 {
		o.ExpiryWindow = 0
	}
	o.ExpiryWindowJitter = min(max(o.ExpiryWindowJitter, 0), 1)
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &CredentialsCache{provider: p, window: o.ExpiryWindow, jitter: o.ExpiryWindowJitter}
	c.cache.now = o.Now
	c.cache.what = "credentials"
	c.cache.fetch = c.fetch
	return c
}

// TemporaryCredentials returns a CredentialsCache around fetch, the Go
// counterpart of the COS SDK's getSTS callback: fetch obtains temporary keys
// (typically from the caller's own STS service) and sets Expires, and the
// cache calls it again shortly before they expire.
func TemporaryCredentials(fetch func(ctx context.Context) (Credentials, error), optFns ...func(*CacheOptions)) *CredentialsCache {
	var p CredentialsProvider
	if fetch != nil {
		p = CredentialsFunc(fetch)
	}
	return NewCredentialsCache(p, optFns...)
}

// Retrieve returns the cached credentials, refreshing them first if they are
// missing or within the expiry window. Errors from the wrapped provider are
// wrapped with %w. If ctx is done while waiting for a refresh, Retrieve
// returns an error wrapping ctx.Err() and the refresh continues for the
// other callers.
func (c *CredentialsCache) Retrieve(ctx context.Context) (Credentials, error) {
	if c == nil || c.provider == nil {
		return Credentials{}, ErrNoCredentials
	}
	return c.cache.get(ctx)
}

// Invalidate discards the cached credentials, so the next Retrieve fetches
// new ones. Use it when the service rejects the credentials before their
// stated expiry (for example an ExpiredToken or InvalidAccessKeyId error).
func (c *CredentialsCache) Invalidate() {
	if c != nil {
		c.cache.invalidate()
	}
}

// String describes the cache without revealing the cached secret.
func (c *CredentialsCache) String() string {
	if c == nil {
		return "CredentialsCache(nil)"
	}
	return fmt.Sprintf("CredentialsCache{Provider: %T, ExpiryWindow: %v}", c.provider, c.window)
}

// GoString is String, so %#v does not reveal the cached secret either.
func (c *CredentialsCache) GoString() string { return c.String() }

func (c *CredentialsCache) fetch(ctx context.Context, start time.Time) (cacheEntry[Credentials], error) {
	creds, err := c.provider.Retrieve(ctx)
	if err != nil {
		return cacheEntry[Credentials]{}, fmt.Errorf("signer: refreshing credentials: %w", err)
	}
	e := cacheEntry[Credentials]{val: creds, expires: creds.Expires}
	if creds.Expires.IsZero() {
		return e, nil
	}
	if creds.Expired(start) {
		return cacheEntry[Credentials]{}, fmt.Errorf("signer: refreshing credentials: provider returned credentials that expired at %s",
			creds.Expires.UTC().Format(time.RFC3339))
	}
	w := c.window
	if c.jitter > 0 {
		w -= time.Duration(c.jitter * rand.Float64() * float64(w))
	}
	e.refreshAt = creds.Expires.Add(-w)
	if half := start.Add(creds.Expires.Sub(start) / 2); e.refreshAt.Before(half) {
		e.refreshAt = half
	}
	return e, nil
}

// cacheEntry is one fetched value with its refresh time and hard expiry
// (zero expires: never expires, and refreshAt is ignored).
type cacheEntry[T any] struct {
	val       T
	refreshAt time.Time
	expires   time.Time
	fetched   time.Time // when the fetch started (set by refresh)
}

// refreshCache holds one value that is refetched on demand, shared by
// CredentialsCache and IAMTokenProvider. Concurrent refreshes collapse into
// one call of fetch (singleflight), run detached from the callers' contexts.
type refreshCache[T any] struct {
	now   func() time.Time
	fetch func(ctx context.Context, start time.Time) (cacheEntry[T], error)
	what  string // what is cached, for error messages

	// joined, when set (by tests), is called after each caller has joined
	// the shared refresh and before it waits for it.
	joined func()

	group singleflight.Group

	mu    sync.Mutex
	cur   cacheEntry[T]
	valid bool
}

// freshLocked reports whether the cached value may be returned at now
// without a refresh. c.mu must be held.
func (c *refreshCache[T]) freshLocked(now time.Time) bool {
	if !c.valid {
		return false
	}
	if c.cur.expires.IsZero() {
		return true
	}
	return now.Before(c.cur.refreshAt) && now.Before(c.cur.expires)
}

func (c *refreshCache[T]) get(ctx context.Context) (T, error) {
	c.mu.Lock()
	if c.freshLocked(c.now()) {
		v := c.cur.val
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()

	var zero T
	if err := ctx.Err(); err != nil {
		return zero, fmt.Errorf("signer: waiting for %s: %w", c.what, err)
	}
	ch := c.group.DoChan("refresh", func() (any, error) { return c.refresh(ctx) })
	if c.joined != nil {
		c.joined()
	}
	select {
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		v, _ := r.Val.(T)
		return v, nil
	case <-ctx.Done():
		return zero, fmt.Errorf("signer: waiting for %s: %w", c.what, ctx.Err())
	}
}

// refresh runs inside the singleflight call. parent is the context of the
// caller that started it; only its values are kept.
func (c *refreshCache[T]) refresh(parent context.Context) (T, error) {
	start := c.now()
	c.mu.Lock()
	if c.freshLocked(start) {
		// A refresh finished between this caller's check and its joining
		// the group; do not fetch again.
		v := c.cur.val
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), refreshTimeout)
	defer cancel()
	e, err := c.fetch(ctx, start)
	now := c.now()

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if c.valid && !c.cur.expires.IsZero() && now.Before(c.cur.expires) {
			// Serve the previous value, which the service still accepts,
			// and retry after a pause instead of on every call.
			c.cur.refreshAt = now.Add(staleRetryBackoff)
			return c.cur.val, nil
		}
		var zero T
		return zero, err
	}
	e.fetched = start
	c.cur, c.valid = e, true
	return e.val, nil
}

// invalidateRefused discards the cached value if refused matches it and
// it was fetched at least minAge ago. It reports whether the next get
// returns a value other than the refused one: true if it was discarded,
// or if the cache no longer holds it (already discarded or replaced, so
// many concurrent refusals cost one refresh); false if it is kept.
func (c *refreshCache[T]) invalidateRefused(refused func(T) bool, minAge time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || !refused(c.cur.val) {
		return true
	}
	if c.now().Sub(c.cur.fetched) < minAge {
		return false
	}
	c.cur, c.valid = cacheEntry[T]{}, false
	return true
}

func (c *refreshCache[T]) invalidate() {
	c.mu.Lock()
	c.cur, c.valid = cacheEntry[T]{}, false
	c.mu.Unlock()
}
