package signer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cacheSource is a CredentialsProvider issuing numbered temporary keys that
// expire ttl after the clock's current time (never, if ttl is 0).
type cacheSource struct {
	clock *iamTestClock
	ttl   time.Duration
	calls atomic.Int64
	fail  atomic.Pointer[error]
	gate  chan struct{} // when non-nil, each call waits for it to close
}

func (s *cacheSource) Retrieve(ctx context.Context) (Credentials, error) {
	n := s.calls.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done(): // a refresh tied to a cancelled caller fails
			return Credentials{}, ctx.Err()
		}
	}
	if e := s.fail.Load(); e != nil {
		return Credentials{}, *e
	}
	c := Credentials{
		AccessKeyID:     fmt.Sprintf("AK%d", n),
		SecretAccessKey: "cache-test-secret",
		SessionToken:    "cache-test-token",
	}
	if s.ttl > 0 {
		c.Expires = s.clock.Now().Add(s.ttl)
	}
	return c, nil
}

func (s *cacheSource) setFail(err error) {
	if err == nil {
		s.fail.Store(nil)
		return
	}
	s.fail.Store(&err)
}

func newCacheFixture(ttl time.Duration, optFns ...func(*CacheOptions)) (*iamTestClock, *cacheSource, *CredentialsCache) {
	clock := newIAMTestClock()
	src := &cacheSource{clock: clock, ttl: ttl}
	opts := append([]func(*CacheOptions){func(o *CacheOptions) { o.Now = clock.Now }}, optFns...)
	return clock, src, NewCredentialsCache(src, opts...)
}

func mustRetrieve(t *testing.T, c *CredentialsCache) Credentials {
	t.Helper()
	creds, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	return creds
}

func TestCacheConcurrentSingleRefresh(t *testing.T) {
	_, src, c := newCacheFixture(time.Hour)
	rel := newReleaser(t)
	src.gate = rel.ch
	const callers = 100
	var joined sync.WaitGroup
	joined.Add(callers)
	c.cache.joined = joined.Done

	type result struct {
		creds Credentials
		err   error
	}
	results := make(chan result, callers)
	for range callers {
		go func() {
			creds, err := c.Retrieve(context.Background())
			results <- result{creds, err}
		}()
	}
	joined.Wait() // every caller waits on the one blocked refresh
	rel.release()
	for range callers {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.creds.AccessKeyID != "AK1" {
			t.Errorf("got %v", r.creds)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1", n)
	}
}

func TestCacheRefreshBeforeExpiryWindow(t *testing.T) {
	clock, src, c := newCacheFixture(time.Hour) // default 5-minute window
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK1" {
		t.Fatal(k)
	}
	clock.Advance(54 * time.Minute)
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK1" || src.calls.Load() != 1 {
		t.Fatalf("6 minutes before expiry: %s after %d calls", k, src.calls.Load())
	}
	clock.Advance(time.Minute) // exactly at the window
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK2" || src.calls.Load() != 2 {
		t.Fatalf("5 minutes before expiry: %s after %d calls", k, src.calls.Load())
	}

	// A custom window, and zero meaning "only at expiry".
	clock2, src2, c2 := newCacheFixture(time.Hour, func(o *CacheOptions) { o.ExpiryWindow = 0 })
	mustRetrieve(t, c2)
	clock2.Advance(time.Hour - time.Nanosecond)
	mustRetrieve(t, c2)
	if n := src2.calls.Load(); n != 1 {
		t.Fatalf("zero window, before expiry: %d calls", n)
	}
	clock2.Advance(time.Nanosecond)
	if k := mustRetrieve(t, c2).AccessKeyID; k != "AK2" {
		t.Fatalf("zero window, at expiry: %s", k)
	}
}

func TestCacheShortLivedCredentials(t *testing.T) {
	// Credentials living 4 minutes, shorter than the 5-minute window, are
	// still reused for half their lifetime rather than refetched each call.
	clock, src, c := newCacheFixture(4 * time.Minute)
	mustRetrieve(t, c)
	clock.Advance(2*time.Minute - time.Second)
	mustRetrieve(t, c)
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("before half-life: %d calls", n)
	}
	clock.Advance(time.Second)
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK2" {
		t.Fatalf("at half-life: %s", k)
	}
}

func TestCacheNonExpiring(t *testing.T) {
	clock, src, c := newCacheFixture(0)
	mustRetrieve(t, c)
	clock.Advance(100 * 365 * 24 * time.Hour)
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK1" || src.calls.Load() != 1 {
		t.Fatalf("non-expiring credentials refreshed: %s after %d calls", k, src.calls.Load())
	}
	c.Invalidate()
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK2" {
		t.Fatalf("after Invalidate: %s", k)
	}
}

func TestCacheJitterBounds(t *testing.T) {
	for range 20 {
		clock, src, c := newCacheFixture(time.Hour, func(o *CacheOptions) {
			o.ExpiryWindow = 10 * time.Minute
			o.ExpiryWindowJitter = 5 // clamped to 1
		})
		mustRetrieve(t, c)
		clock.Advance(50*time.Minute - time.Second) // before the widest window
		mustRetrieve(t, c)
		if n := src.calls.Load(); n != 1 {
			t.Fatalf("refreshed before the window: %d calls", n)
		}
		clock.Advance(10*time.Minute + time.Second) // at expiry
		if k := mustRetrieve(t, c).AccessKeyID; k != "AK2" {
			t.Fatalf("not refreshed at expiry: %s", k)
		}
	}
}

func TestCacheStaleOnFailedRefresh(t *testing.T) {
	clock, src, c := newCacheFixture(time.Hour)
	mustRetrieve(t, c)
	boom := errors.New("sts unavailable")
	src.setFail(boom)
	clock.Advance(57 * time.Minute) // inside the window, not expired
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK1" || src.calls.Load() != 2 {
		t.Fatalf("stale: %s after %d calls", k, src.calls.Load())
	}
	mustRetrieve(t, c)
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("retried within back-off: %d calls", n)
	}
	clock.Advance(staleRetryBackoff)
	mustRetrieve(t, c)
	if n := src.calls.Load(); n != 3 {
		t.Fatalf("not retried after back-off: %d calls", n)
	}
	clock.Advance(3 * time.Minute) // past expiry
	_, err := c.Retrieve(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("expired with failing provider: %v", err)
	}
	src.setFail(nil)
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK5" {
		t.Fatalf("after recovery: %s", k)
	}
}

func TestCacheRejectsExpiredCredentials(t *testing.T) {
	clock := newIAMTestClock()
	c := TemporaryCredentials(func(context.Context) (Credentials, error) {
		return Credentials{AccessKeyID: "AK", SecretAccessKey: "s", Expires: clock.Now().Add(-time.Second)}, nil
	}, func(o *CacheOptions) { o.Now = clock.Now })
	if _, err := c.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired credentials accepted: %v", err)
	}
}

func TestCacheTemporaryCredentials(t *testing.T) {
	clock := newIAMTestClock()
	var calls atomic.Int64
	c := TemporaryCredentials(func(ctx context.Context) (Credentials, error) {
		n := calls.Add(1)
		return Credentials{AccessKeyID: fmt.Sprint("tmp", n), SecretAccessKey: "s", SessionToken: "t",
			Expires: clock.Now().Add(30 * time.Minute)}, nil
	}, func(o *CacheOptions) { o.Now = clock.Now })
	var p CredentialsProvider = c
	for range 3 {
		creds, err := p.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != "tmp1" {
			t.Fatalf("%v %v", creds, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d calls", calls.Load())
	}

	if _, err := TemporaryCredentials(nil).Retrieve(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("nil fetch: %v", err)
	}
	if _, err := NewCredentialsCache(nil).Retrieve(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("nil provider: %v", err)
	}
}

func TestCacheCallerCancelled(t *testing.T) {
	_, src, c := newCacheFixture(time.Hour)
	rel := newReleaser(t)
	src.gate = rel.ch
	joined := make(chan struct{}, 2)
	c.cache.joined = func() { joined <- struct{}{} }

	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	errA := make(chan error, 1)
	go func() { _, err := c.Retrieve(ctxA); errA <- err }()
	<-joined
	resB := make(chan Credentials, 1)
	go func() {
		creds, err := c.Retrieve(context.Background())
		if err != nil {
			t.Error(err)
		}
		resB <- creds
	}()
	<-joined
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	rel.release()
	if k := (<-resB).AccessKeyID; k != "AK1" {
		t.Fatalf("other caller: %s", k)
	}
	if k := mustRetrieve(t, c).AccessKeyID; k != "AK1" || src.calls.Load() != 1 {
		t.Fatalf("after cancel: %s, %d calls", k, src.calls.Load())
	}
}

func TestCacheStringRedacts(t *testing.T) {
	_, _, c := newCacheFixture(time.Hour)
	mustRetrieve(t, c)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, "cache-test-secret") || strings.Contains(out, "cache-test-token") {
			t.Errorf("%s reveals a secret: %s", verb, out)
		}
	}
}
