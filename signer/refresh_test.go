package signer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestIAMInvalidateToken(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	p := f.provider()
	ctx := context.Background()
	tok, err := p.Token(ctx)
	if err != nil || tok.Value != "tok-1" {
		t.Fatalf("first token: %v %v", tok, err)
	}

	// Refused right after it was issued: kept (the refusal is a denial).
	if p.InvalidateToken("tok-1") {
		t.Error("a token under MinRefusedTokenAge was discarded")
	}
	if tok, _ := p.Token(ctx); tok.Value != "tok-1" || f.hits.Load() != 1 {
		t.Fatalf("after a young refusal: %v, %d token requests", tok, f.hits.Load())
	}

	// Old enough: discarded, once, however many callers report it.
	clock.Advance(MinRefusedTokenAge)
	for i := 0; i < 3; i++ {
		if !p.InvalidateToken("tok-1") {
			t.Errorf("refusal %d of an old token: false", i+1)
		}
	}
	if tok, _ := p.Token(ctx); tok.Value != "tok-2" {
		t.Fatalf("after refusal: %v, want tok-2", tok)
	}
	// A late report of the old token leaves the new one alone.
	if !p.InvalidateToken("tok-1") {
		t.Error("a refusal of a replaced token reports false")
	}
	if tok, _ := p.Token(ctx); tok.Value != "tok-2" || f.hits.Load() != 2 {
		t.Errorf("after a late refusal: %v, %d token requests, want tok-2 and 2", tok, f.hits.Load())
	}
}

func TestBearerRefreshCredentials(t *testing.T) {
	clock := newIAMTestClock()
	f := newIAMFake(t, clock)
	b := NewBearer(f.provider())
	r := httptest.NewRequest(http.MethodGet, "https://example.invalid/b/k", nil)
	if err := b.Sign(context.Background(), r, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var _ CredentialRefresher = b
	if b.RefreshCredentials(context.Background(), r) {
		t.Error("refresh of a fresh token: true")
	}
	clock.Advance(2 * MinRefusedTokenAge)
	if !b.RefreshCredentials(context.Background(), r) {
		t.Fatal("refresh of an old token: false")
	}
	if err := b.Sign(context.Background(), r, time.Time{}); err != nil || r.Header.Get("Authorization") != "Bearer tok-2" {
		t.Errorf("re-signed with %q, %v; want tok-2", r.Header.Get("Authorization"), err)
	}

	// A provider that cannot invalidate, or a request without a bearer
	// token: nothing to refresh.
	plain := NewBearer(TokenFunc(func(context.Context) (Token, error) { return Token{Value: "x"}, nil }))
	if plain.RefreshCredentials(context.Background(), r) {
		t.Error("a provider without InvalidateToken refreshed")
	}
	if b.RefreshCredentials(context.Background(), httptest.NewRequest(http.MethodGet, "https://example.invalid/", nil)) {
		t.Error("a request without Authorization refreshed")
	}
}
