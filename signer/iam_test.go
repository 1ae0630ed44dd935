package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// iamTestClock is a manually advanced clock for Now options.
type iamTestClock struct {
	mu sync.Mutex
	t  time.Time
}

func newIAMTestClock() *iamTestClock {
	return &iamTestClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *iamTestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *iamTestClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const iamTestKey = "SeCrEtApIkEy-0123456789abcdef"

// iamFake is a fake IAM token endpoint on 127.0.0.1. Every request is
// checked against the IAM protocol; respond (when set) writes the response,
// otherwise a token "tok-N" valid for an hour is returned.
type iamFake struct {
	t     *testing.T
	srv   *httptest.Server
	clock *iamTestClock
	hits  atomic.Int64

	mu      sync.Mutex
	respond func(w http.ResponseWriter, r *http.Request, n int64)
}

func newIAMFake(t *testing.T, clock *iamTestClock) *iamFake {
	t.Helper()
	f := &iamFake{t: t, clock: clock}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *iamFake) setRespond(fn func(w http.ResponseWriter, r *http.Request, n int64)) {
	f.mu.Lock()
	f.respond = fn
	f.mu.Unlock()
}

func (f *iamFake) serve(w http.ResponseWriter, r *http.Request) {
	n := f.hits.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/identity/token" {
		f.t.Errorf("IAM request %s %s, want POST /identity/token", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("Content-Type = %q", ct)
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		f.t.Errorf("Accept = %q", a)
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("ParseForm: %v", err)
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ibm:params:oauth:grant-type:apikey" {
		f.t.Errorf("grant_type = %q", g)
	}
	if k := r.PostForm.Get("apikey"); k != iamTestKey {
		f.t.Errorf("apikey = %q", k)
	}
	f.mu.Lock()
	respond := f.respond
	f.mu.Unlock()
	if respond != nil {
		respond(w, r, n)
		return
	}
	f.writeToken(w, n, 3600)
}

func (f *iamFake) writeToken(w http.ResponseWriter, n int64, ttl int64) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token":  fmt.Sprintf("tok-%d", n),
		"refresh_token": "not-used",
		"token_type":    "Bearer",
		"expires_in":    ttl,
		"expiration":    f.clock.Now().Unix() + ttl,
		"scope":         "ibm openid",
	})
}

func (f *iamFake) provider(optFns ...func(*IAMOptions)) *IAMTokenProvider {
	opts := append([]func(*IAMOptions){func(o *IAMOptions) {
		o.Endpoint = f.srv.URL
		o.HTTPClient = f.srv.Client()
		o.Now = f.clock.Now
	}}, optFns...)
	return NewIAMTokenProvider(iamTestKey, opts...)
}

// releaser is a channel closed at most once, also on test cleanup, so a
// blocked handler never holds up server shutdown.
type releaser struct {
	ch   chan struct{}
	once sync.Once
}

func newReleaser(t *testing.T) *releaser {
	r := &releaser{ch: make(chan struct{})}
	t.Cleanup(r.release)
	return r
}

func (r *releaser) release() { r.once.Do(func() { close(r.ch) }) }

func TestIAMTokenRequest(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	start := clock.Now()
	// A trailing "/identity/token/" on the endpoint is not doubled.
	p := f.provider(func(o *IAMOptions) { o.Endpoint = f.srv.URL + "/identity/token/" })
	tok, err := p.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != "tok-1" || tok.Type != "Bearer" {
		t.Errorf("token = %q %q", tok.Value, tok.Type)
	}
	if !tok.Issued.Equal(start) || !tok.Expires.Equal(start.Add(time.Hour)) {
		t.Errorf("Issued %v Expires %v, want %v and +1h", tok.Issued, tok.Expires, start)
	}
	if tok.Expired(start.Add(59*time.Minute)) || !tok.Expired(start.Add(time.Hour)) {
		t.Error("Expired boundary wrong")
	}
	if n := f.hits.Load(); n != 1 {
		t.Errorf("hits = %d", n)
	}
}

func TestIAMTokenExpirationFallback(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	exp := clock.Now().Add(20 * time.Minute).Unix()
	f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int64) {
		fmt.Fprintf(w, `{"access_token":"abs","token_type":"Bearer","expiration":%d}`, exp)
	})
	tok, err := f.provider().Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Expires.Unix() != exp {
		t.Errorf("Expires = %v, want unix %d", tok.Expires, exp)
	}
}

func TestIAMTokenConcurrentSingleRequest(t *testing.T) {
	for _, prefilled := range []bool{false, true} {
		t.Run(fmt.Sprintf("expiredCache=%v", prefilled), func(t *testing.T) {
			clock := newIAMTestClock()
			f := newIAMFake(t, clock)
			p := f.provider()
			var want int64 = 1
			if prefilled {
				if _, err := p.Token(context.Background()); err != nil {
					t.Fatal(err)
				}
				clock.Advance(2 * time.Hour) // cached token is now expired
				want = 2
			}

			const callers = 100
			rel := newReleaser(t)
			f.setRespond(func(w http.ResponseWriter, _ *http.Request, n int64) {
				<-rel.ch
				f.writeToken(w, n, 3600)
			})
			var joined sync.WaitGroup
			joined.Add(callers)
			p.cache.joined = joined.Done

			type result struct {
				tok Token
				err error
			}
			results := make(chan result, callers)
			for range callers {
				go func() {
					tok, err := p.Token(context.Background())
					results <- result{tok, err}
				}()
			}
			joined.Wait() // all callers wait on the shared request, which is blocked
			rel.release()
			for range callers {
				r := <-results
				if r.err != nil {
					t.Fatal(r.err)
				}
				if r.tok.Value != fmt.Sprintf("tok-%d", want) {
					t.Errorf("token %q, want tok-%d", r.tok.Value, want)
				}
			}
			if n := f.hits.Load(); n != want {
				t.Errorf("IAM requests = %d, want %d", n, want)
			}
		})
	}
}

func TestIAMTokenRefreshAt80Percent(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	p := f.provider()
	ctx := context.Background()
	get := func() string {
		t.Helper()
		tok, err := p.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Value
	}
	if v := get(); v != "tok-1" {
		t.Fatalf("first token %q", v)
	}
	clock.Advance(47 * time.Minute) // 78% of the hour: still fresh
	if v := get(); v != "tok-1" || f.hits.Load() != 1 {
		t.Fatalf("at 78%%: token %q after %d requests, want cached tok-1", v, f.hits.Load())
	}
	clock.Advance(1 * time.Minute) // exactly 80%: refresh
	if v := get(); v != "tok-2" || f.hits.Load() != 2 {
		t.Fatalf("at 80%%: token %q after %d requests, want tok-2", v, f.hits.Load())
	}
	// The new token's lifetime counts from its own issue time.
	clock.Advance(40 * time.Minute)
	if v := get(); v != "tok-2" || f.hits.Load() != 2 {
		t.Fatalf("fresh second token: %q after %d requests", v, f.hits.Load())
	}

	// A custom RefreshAt.
	clock2 := newIAMTestClock()
	f2 := newIAMFake(t, clock2)
	p2 := f2.provider(func(o *IAMOptions) { o.RefreshAt = 0.5 })
	p2.Token(ctx)
	clock2.Advance(29 * time.Minute)
	p2.Token(ctx)
	if n := f2.hits.Load(); n != 1 {
		t.Fatalf("RefreshAt 0.5 at 29m: %d requests", n)
	}
	clock2.Advance(time.Minute)
	p2.Token(ctx)
	if n := f2.hits.Load(); n != 2 {
		t.Fatalf("RefreshAt 0.5 at 30m: %d requests", n)
	}
}

func TestIAMTokenInvalidate(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	p := f.provider()
	p.Token(context.Background())
	p.Invalidate()
	tok, err := p.Token(context.Background())
	if err != nil || tok.Value != "tok-2" {
		t.Fatalf("after Invalidate: %v %v", tok, err)
	}
}

func TestIAMTokenErrorResponse(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int64) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		body := `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.","context":{"requestId":"req-123","requestType":"incoming.Identity_Token"}}`
		w.Write([]byte(body))
	})
	_, err := f.provider().Token(context.Background())
	var ie *IAMError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *IAMError", err, err)
	}
	if ie.StatusCode != 400 || ie.Code != "BXNIM0415E" || ie.Message != "Provided API key could not be found." || ie.RequestID != "req-123" {
		t.Errorf("IAMError = %+v", *ie)
	}
	if !errors.Is(err, ErrIAMTokenRefresh) {
		t.Error("error does not match ErrIAMTokenRefresh")
	}
	for _, want := range []string{"400", "BXNIM0415E", "could not be found", "req-123"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestIAMTokenBadResponses(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		wantIAM *IAMError // nil: a non-IAMError refresh error
	}{
		{name: "non-JSON 200", status: 200, body: "<html>hello</html>"},
		{name: "no access_token", status: 200, body: `{"token_type":"Bearer","expires_in":3600}`},
		{name: "no expiry", status: 200, body: `{"access_token":"x","token_type":"Bearer"}`},
		{name: "non-JSON 503", status: 503, header: map[string]string{"Transaction-Id": "tx-9"}, body: "upstream unavailable",
			wantIAM: &IAMError{StatusCode: 503, Message: "upstream unavailable", RequestID: "tx-9"}},
		{name: "empty 500", status: 500, wantIAM: &IAMError{StatusCode: 500, Message: "Internal Server Error"}},
		{name: "OAuth style", status: 401, body: `{"error":"invalid_client","error_description":"bad client"}`,
			wantIAM: &IAMError{StatusCode: 401, Code: "invalid_client", Message: "bad client"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newIAMFake(t, newIAMTestClock())
			f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int64) {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			})
			_, err := f.provider().Token(context.Background())
			if !errors.Is(err, ErrIAMTokenRefresh) {
				t.Fatalf("error %v does not match ErrIAMTokenRefresh", err)
			}
			var ie *IAMError
			if got := errors.As(err, &ie); got != (c.wantIAM != nil) {
				t.Fatalf("errors.As IAMError = %v for %v", got, err)
			}
			if c.wantIAM != nil && *ie != *c.wantIAM {
				t.Errorf("IAMError = %+v, want %+v", *ie, *c.wantIAM)
			}
		})
	}
}

func TestIAMTokenNetworkError(t *testing.T) {
	f := newIAMFake(t, newIAMTestClock())
	f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ int64) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close() // drop the connection without a response
	})
	_, err := f.provider().Token(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, ErrIAMTokenRefresh) {
		t.Errorf("network error %v does not match ErrIAMTokenRefresh", err)
	}
	var ie *IAMError
	if errors.As(err, &ie) {
		t.Errorf("network error is an IAMError: %v", err)
	}
	if strings.Contains(err.Error(), iamTestKey) {
		t.Errorf("error reveals the API key: %v", err)
	}

	// Nothing listening at all.
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	p := NewIAMTokenProvider(iamTestKey, func(o *IAMOptions) { o.Endpoint = url })
	if _, err := p.Token(context.Background()); !errors.Is(err, ErrIAMTokenRefresh) {
		t.Errorf("connection failure %v does not match ErrIAMTokenRefresh", err)
	}
}

func TestIAMTokenDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	t.Cleanup(other.Close)
	f := newIAMFake(t, newIAMTestClock())
	f.setRespond(func(w http.ResponseWriter, r *http.Request, _ int64) {
		http.Redirect(w, r, other.URL+"/identity/token", http.StatusTemporaryRedirect)
	})
	_, err := f.provider().Token(context.Background())
	var ie *IAMError
	if !errors.As(err, &ie) || ie.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("error %v, want IAMError 307", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("API key was re-sent to the redirect target %d times", n)
	}
}

func TestIAMTokenCallerCancelled(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	p := f.provider()
	rel := newReleaser(t)
	entered := make(chan struct{}, 1)
	f.setRespond(func(w http.ResponseWriter, r *http.Request, n int64) {
		entered <- struct{}{}
		<-rel.ch
		if err := r.Context().Err(); err != nil {
			t.Errorf("token request cancelled: %v", err)
		}
		f.writeToken(w, n, 3600)
	})
	joined := make(chan struct{}, 2)
	p.cache.joined = func() { joined <- struct{}{} }

	type result struct {
		tok Token
		err error
	}
	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	resA := make(chan result, 1)
	go func() { tok, err := p.Token(ctxA); resA <- result{tok, err} }()
	<-entered // A started the shared request with its own context
	<-joined
	resB := make(chan result, 1)
	go func() { tok, err := p.Token(context.Background()); resB <- result{tok, err} }()
	<-joined

	cancelA()
	a := <-resA // returns while the request is still blocked in the handler
	if !errors.Is(a.err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, %v; want context.Canceled", a.tok, a.err)
	}
	if errors.Is(a.err, ErrIAMTokenRefresh) {
		t.Error("a caller's cancellation should not be reported as a refresh failure")
	}
	rel.release()
	b := <-resB
	if b.err != nil || b.tok.Value != "tok-1" {
		t.Fatalf("other caller got %v, %v", b.tok, b.err)
	}
	// The token fetched for both is cached, also for the caller who left.
	tok, err := p.Token(context.Background())
	if err != nil || tok.Value != "tok-1" || f.hits.Load() != 1 {
		t.Fatalf("after cancel: %v, %v, %d requests", tok, err, f.hits.Load())
	}

	// An already cancelled context does not start a request.
	p.Invalidate()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	if n := f.hits.Load(); n != 1 {
		t.Errorf("cancelled ctx caused a request: %d", n)
	}
}

func TestIAMTokenStaleOnFailedRefresh(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	p := f.provider()
	ctx := context.Background()
	if _, err := p.Token(ctx); err != nil {
		t.Fatal(err)
	}
	var failing atomic.Bool
	f.setRespond(func(w http.ResponseWriter, _ *http.Request, n int64) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"errorCode":"BXNIM0001E","errorMessage":"down"}`))
			return
		}
		f.writeToken(w, n, 3600)
	})
	failing.Store(true)

	check := func(wantVal string, wantHits int64) {
		t.Helper()
		tok, err := p.Token(ctx)
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		if tok.Value != wantVal || f.hits.Load() != wantHits {
			t.Fatalf("token %q after %d requests, want %q after %d", tok.Value, f.hits.Load(), wantVal, wantHits)
		}
	}
	clock.Advance(50 * time.Minute) // past 80%, before expiry
	check("tok-1", 2)               // refresh failed: the old, still valid token is used
	check("tok-1", 2)               // no new attempt within the back-off
	clock.Advance(staleRetryBackoff)
	check("tok-1", 3)
	failing.Store(false)
	clock.Advance(staleRetryBackoff)
	check("tok-4", 4)

	// Past expiry the old token is never used: the failure surfaces.
	failing.Store(true)
	clock.Advance(61 * time.Minute)
	_, err := p.Token(ctx)
	var ie *IAMError
	if !errors.As(err, &ie) || ie.Code != "BXNIM0001E" || !errors.Is(err, ErrIAMTokenRefresh) {
		t.Fatalf("expired token with failing IAM: %v", err)
	}
}

func TestIAMTokenEmptyKey(t *testing.T) {
	f := newIAMFake(t, newIAMTestClock())
	p := NewIAMTokenProvider("", func(o *IAMOptions) { o.Endpoint = f.srv.URL })
	if _, err := p.Token(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("empty key: %v", err)
	}
	var nilp *IAMTokenProvider
	if _, err := nilp.Token(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("nil provider: %v", err)
	}
	if f.hits.Load() != 0 {
		t.Error("request sent without a key")
	}
}

func TestIAMKeyNeverRevealed(t *testing.T) {
	f := newIAMFake(t, newIAMTestClock())
	// A misbehaving endpoint that echoes the key everywhere it can.
	f.setRespond(func(w http.ResponseWriter, r *http.Request, _ int64) {
		w.Header().Set("Transaction-Id", "tx-"+iamTestKey)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errorCode":"E-%s","errorMessage":"bad key %s"}`, iamTestKey, iamTestKey)
	})
	p := f.provider()
	_, err := p.Token(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	var ie *IAMError
	if !errors.As(err, &ie) {
		t.Fatalf("%v is not an IAMError", err)
	}

	// Bad-JSON echo goes through the wrapped (non-IAMError) path.
	f2 := newIAMFake(t, newIAMTestClock())
	f2.setRespond(func(w http.ResponseWriter, r *http.Request, _ int64) {
		fmt.Fprintf(w, `not json, key=%s`, iamTestKey)
	})
	p2 := f2.provider()
	_, err2 := p2.Token(context.Background())
	if err2 == nil {
		t.Fatal("no error for bad JSON")
	}

	tok := Token{Value: iamTestKey, Type: "Bearer", Expires: time.Now()}
	subjects := []any{p, *ie, ie, err, err2, tok, &tok, []Token{tok}, NewBearer(p)}
	for _, s := range subjects {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if out := fmt.Sprintf(verb, s); strings.Contains(out, iamTestKey) {
				t.Errorf("%s of %T reveals the key: %s", verb, s, out)
			}
		}
	}
	if s := p.String(); !strings.Contains(s, "[redacted]") {
		t.Errorf("String() = %q, want a redacted key", s)
	}
}

func TestBearerSign(t *testing.T) {
	tp := TokenFunc(func(context.Context) (Token, error) { return Token{Value: "abc.def", Type: "Bearer"}, nil })
	r := httptest.NewRequest(http.MethodGet, "https://s3.us-south.cloud-object-storage.appdomain.cloud/bucket/key", nil)
	r.Header.Set("Authorization", "stale")
	if err := NewBearer(tp).Sign(context.Background(), r, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer abc.def" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestBearerErrors(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
	boom := errors.New("boom")
	cases := []struct {
		name string
		b    *Bearer
		want error
	}{
		{"nil provider", NewBearer(nil), ErrNoCredentials},
		{"nil signer", nil, ErrNoCredentials},
		{"empty token", NewBearer(TokenFunc(func(context.Context) (Token, error) { return Token{}, nil })), ErrNoCredentials},
		{"provider error", NewBearer(TokenFunc(func(context.Context) (Token, error) { return Token{}, boom })), boom},
	}
	for _, c := range cases {
		if err := c.b.Sign(context.Background(), r, time.Now()); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if h := r.Header.Get("Authorization"); h != "" {
		t.Errorf("failed Sign left Authorization %q", h)
	}
}

func TestBearerPresign(t *testing.T) {
	var p Presigner = NewBearer(TokenFunc(func(context.Context) (Token, error) { return Token{Value: "x"}, nil }))
	r := httptest.NewRequest(http.MethodGet, "https://example.com/b/k", nil)
	u, h, err := p.Presign(context.Background(), r, time.Now(), time.Hour)
	if !errors.Is(err, ErrPresignNotSupported) || u != nil || h != nil {
		t.Fatalf("Presign = %v, %v, %v", u, h, err)
	}
	if !strings.Contains(err.Error(), "HMAC") {
		t.Errorf("error %q does not mention HMAC keys", err)
	}
}

// TestBearerTransportWithIAM signs real requests through Transport with an
// IAM provider against a fake IAM endpoint and a fake storage server.
func TestBearerTransportWithIAM(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	var seen []string
	var mu sync.Mutex
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	t.Cleanup(storage.Close)

	client := &http.Client{Transport: &Transport{Signer: NewBearer(f.provider()), Base: storage.Client().Transport}}
	for range 3 {
		resp, err := client.Get(storage.URL + "/bucket/key")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	clock.Advance(50 * time.Minute)
	req, _ := http.NewRequest(http.MethodGet, storage.URL+"/bucket/key", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.Header.Get("Authorization") != "" {
		t.Error("Transport modified the caller's request")
	}
	want := []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("server saw %q, want %q", seen, want)
	}
}
