package signer

import (
	"context"
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

func TestAuthorizationFuncSign(t *testing.T) {
	r := httptest.NewRequest(http.MethodPut, "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b.txt?acl&x=1", nil)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("x-cos-meta-a", "1")
	var got AuthRequest
	f := AuthorizationFunc(func(ctx context.Context, req AuthRequest) (Authorization, error) {
		got = req
		// The view is a copy; changing it must not change the request.
		req.Header.Set("Content-Type", "evil")
		req.Query.Set("x", "evil")
		return Authorization{
			Authorization:       "q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc",
			SecurityToken:       "sts-token",
			SecurityTokenHeader: "x-cos-security-token",
		}, nil
	})
	if err := f.Sign(context.Background(), r, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got.Method != "PUT" || got.Host != "examplebucket-1250000000.cos.ap-beijing.myqcloud.com" || got.Path != "/dir/a b.txt" {
		t.Errorf("view = %s %s %s", got.Method, got.Host, got.Path)
	}
	if _, ok := got.Query["acl"]; !ok {
		t.Errorf("query %v lacks acl", got.Query)
	}
	if got.Header.Get("x-cos-meta-a") != "1" {
		t.Errorf("header view %v", got.Header)
	}
	if r.Header.Get("Content-Type") != "text/plain" || r.URL.Query().Get("x") != "1" {
		t.Error("the callback modified the request through the view")
	}
	if a := r.Header.Get("Authorization"); a != "q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc" {
		t.Errorf("Authorization = %q", a)
	}
	if tok := r.Header.Get("x-cos-security-token"); tok != "sts-token" {
		t.Errorf("token header = %q", tok)
	}
}

func TestAuthorizationFuncHostOverride(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9000", nil)
	r.Host = "bucket.example.com"
	var got AuthRequest
	f := AuthorizationFunc(func(_ context.Context, req AuthRequest) (Authorization, error) {
		got = req
		return Authorization{Authorization: "x"}, nil
	})
	if err := f.Sign(context.Background(), r, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got.Host != "bucket.example.com" || got.Path != "/" {
		t.Errorf("view host %q path %q", got.Host, got.Path)
	}
	if len(r.Header.Values("x-cos-security-token")) != 0 {
		t.Error("token header set without a token")
	}
}

func TestAuthorizationFuncErrors(t *testing.T) {
	boom := errors.New("auth server down")
	cases := []struct {
		name string
		f    AuthorizationFunc
		want error // nil: any error
	}{
		{"nil func", nil, ErrNoCredentials},
		{"callback error", func(context.Context, AuthRequest) (Authorization, error) { return Authorization{}, boom }, boom},
		{"empty", func(context.Context, AuthRequest) (Authorization, error) { return Authorization{}, nil }, ErrNoCredentials},
		{"token without header", func(context.Context, AuthRequest) (Authorization, error) {
			return Authorization{Authorization: "a", SecurityToken: "t"}, nil
		}, nil},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "https://example.com/k", nil)
		err := c.f.Sign(context.Background(), r, time.Now())
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("%s: Authorization set on failure", c.name)
		}
	}
}

// TestAuthorizationFuncPerAttempt checks the callback runs for every request
// sent through Transport, so each attempt carries a fresh signature.
func TestAuthorizationFuncPerAttempt(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Amz-Security-Token"))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	var n atomic.Int64
	f := AuthorizationFunc(func(_ context.Context, req AuthRequest) (Authorization, error) {
		return Authorization{
			Authorization:       fmt.Sprintf("sig-%d-%s", n.Add(1), req.Method),
			SecurityToken:       "tok",
			SecurityTokenHeader: "X-Amz-Security-Token",
		}, nil
	})
	client := &http.Client{Transport: &Transport{Signer: f, Base: srv.Client().Transport}}
	for range 2 {
		resp, err := client.Get(srv.URL + "/b/k")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if want := "[sig-1-GET|tok sig-2-GET|tok]"; fmt.Sprint(seen) != want {
		t.Errorf("server saw %v, want %s", seen, want)
	}
}

func TestAuthorizationStringRedacts(t *testing.T) {
	a := Authorization{Authorization: "q-signature=SECRETSIG", SecurityToken: "SECRETTOKEN", SecurityTokenHeader: "x-cos-security-token"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, s := range []any{a, &a} {
			out := fmt.Sprintf(verb, s)
			if strings.Contains(out, "SECRETSIG") || strings.Contains(out, "SECRETTOKEN") {
				t.Errorf("%s reveals a secret: %s", verb, out)
			}
			if !strings.Contains(out, "x-cos-security-token") {
				t.Errorf("%s lost the header name: %s", verb, out)
			}
		}
	}
}
