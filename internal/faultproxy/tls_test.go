package faultproxy

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/polystore/polystore/internal/tlscert"
)

// newTLSProxy is a proxy serving https with a certificate of a CA made
// for it, and a client (one connection) that trusts that CA.
func newTLSProxy(t *testing.T, u *upstream) (*Proxy, *http.Client) {
	dir := t.TempDir()
	if err := tlscert.Generate(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := tlscert.ServerConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := tlscert.RootCAs(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewTLS(u.URL, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true,
		TLSClientConfig: &tls.Config{RootCAs: roots}}}
	t.Cleanup(hc.CloseIdleConnections)
	return p, hc
}

// TestTLS: a proxy from NewTLS serves https and forwards in plain http; a
// flipped bit reaches the client inside a valid TLS record (the body has
// exactly that bit changed), a reset and a truncation end the TLS
// connection part-way, and a request after them goes through. NewTLS
// refuses a config without a certificate.
func TestTLS(t *testing.T) {
	u := newUpstream(t)
	p, hc := newTLSProxy(t, u)
	if !strings.HasPrefix(p.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s", p.URL())
	}
	want := data(200000, 1)
	resp, b, err := get(t, hc, "GET", p.URL()+"/fixed/200000")
	if err != nil || !bytes.Equal(b, want) || resp.TLS == nil {
		t.Fatalf("clean GET: %d bytes, %v, TLS %v", len(b), err, resp != nil && resp.TLS != nil)
	}

	p.Add(Rule{Fault: Fault{Kind: FlipBit, After: 150000, Bit: 5}})
	_, b, err = get(t, hc, "GET", p.URL()+"/fixed/200000")
	flipped := bytes.Clone(want)
	flipped[150000] ^= 1 << 5
	if err != nil || !bytes.Equal(b, flipped) {
		t.Errorf("GET with a flipped bit: %d bytes, %v; want every byte but bit 5 of byte 150000 as sent", len(b), err)
	}

	p.Add(Rule{Fault: Fault{Kind: ResetResponse, After: 1000}})
	_, b, err = get(t, hc, "GET", p.URL()+"/fixed/200000")
	if err == nil || len(b) > 1000 || !bytes.Equal(b, want[:len(b)]) {
		t.Errorf("GET through a reset: %d bytes, %v; want at most the first 1000 and an error", len(b), err)
	}

	p.Add(Rule{Fault: Fault{Kind: TruncateResponse, After: 1000}})
	_, b, err = get(t, hc, "GET", p.URL()+"/fixed/200000")
	if len(b) != 1000 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("GET through a truncation: %d bytes, %v; want 1000 and an unexpected EOF", len(b), err)
	}

	if _, b, err := get(t, hc, "GET", p.URL()+"/fixed/10"); err != nil || !bytes.Equal(b, data(10, 1)) {
		t.Errorf("GET after the faults: %v", err)
	}
	if st := p.Stats(); st.Faults[FlipBit] != 1 || st.Faults[ResetResponse] != 1 || st.Faults[TruncateResponse] != 1 {
		t.Errorf("stats %+v", st)
	}

	if _, err := NewTLS(u.URL, &tls.Config{}); err == nil {
		t.Error("NewTLS took a config without a certificate")
	}
}
