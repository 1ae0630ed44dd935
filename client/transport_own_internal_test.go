package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOwnTransportProxy: a request to an endpoint the proxy setting
// names a proxy for goes to that proxy (through net/http's transport);
// one to an endpoint it exempts goes straight to the server (through
// h1), and the choice is made once per endpoint.
func TestOwnTransportProxy(t *testing.T) {
	var direct, proxied atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		direct.Add(1)
		io.WriteString(w, "direct")
	}))
	defer srv.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A proxy is asked for an absolute URL.
		if r.URL.Host == "" {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		proxied.Add(1)
		io.WriteString(w, "proxied "+r.URL.Path)
	}))
	defer proxy.Close()
	pu, err := url.Parse(proxy.URL)
	require.NoError(t, err)

	tr := newOwnTransport(Timeouts{}, nil, nil)
	defer tr.CloseIdleConnections()
	var askedDirect atomic.Int32 // how often the direct endpoint was looked up
	tr.std.Proxy = func(r *http.Request) (*url.URL, error) {
		if r.URL.Host == "proxied.invalid" {
			return pu, nil
		}
		askedDirect.Add(1)
		return nil, nil
	}

	get := func(u string) string {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	require.Equal(t, "direct", get(srv.URL+"/a"))
	require.Equal(t, "direct", get(srv.URL+"/b"))
	require.Equal(t, "proxied /x", get("http://proxied.invalid/x"))
	require.Equal(t, int32(2), direct.Load())
	require.Equal(t, int32(1), proxied.Load())
	require.Equal(t, int32(1), askedDirect.Load(), "the proxy choice is made once per endpoint")
}

// TestOwnTransportTLS: over HTTPS the own transport offers only
// HTTP/1.1 (a server that prefers HTTP/2 answers in HTTP/1.1), sets
// Response.TLS, and sends a large body byte for byte (the bulk writes of
// tlsBulkConn under h1).
func TestOwnTransportTLS(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tr := newOwnTransport(Timeouts{}, nil, nil)
	defer tr.CloseIdleConnections()
	tr.tlsConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	body := make([]byte, 3<<20+17)
	for i := range body {
		body[i] = byte(i * 7)
	}
	for _, n := range []int{0, 4 << 10, 64 << 10, len(body)} { // 64 KiB: one write of many records
		req, err := http.NewRequest(http.MethodPut, srv.URL+"/o", bytes.NewReader(body[:n]))
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, "HTTP/1.1", string(b))
		require.NotNil(t, resp.TLS)
		require.Equal(t, int64(n), got.Load())
	}
}

// TestOwnTransportTLSConfig: a TLSConfig reaches both paths of the own
// transport (h1, and net/http's for proxied endpoints) as clones, h1's
// offering HTTP/1.1 only; the caller's value is left as it was.
func TestOwnTransportTLSConfig(t *testing.T) {
	pool := x509.NewCertPool()
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13, NextProtos: []string{"h2"}}
	tr := newOwnTransport(Timeouts{}, cfg, nil)
	defer tr.CloseIdleConnections()
	require.NotSame(t, cfg, tr.tlsConfig)
	require.Same(t, pool, tr.tlsConfig.RootCAs)
	require.Equal(t, uint16(tls.VersionTLS13), tr.tlsConfig.MinVersion)
	require.Equal(t, []string{"http/1.1"}, tr.tlsConfig.NextProtos)
	require.NotSame(t, cfg, tr.std.TLSClientConfig)
	require.Same(t, pool, tr.std.TLSClientConfig.RootCAs)
	require.Equal(t, []string{"h2"}, cfg.NextProtos, "the caller's config is not changed")
}
