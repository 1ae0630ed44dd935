package client

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/polystore/polystore/internal/h1"
)

// ownTransport is the client's own transport (Options.HTTPClient nil, or
// with a nil Transport). Requests to an endpoint reached directly go
// through internal/h1, an HTTP/1.1 transport that writes each request and
// reads its response on the calling goroutine: net/http's Transport hands
// every request to a connection's write goroutine and its response back
// from a read goroutine, and for a small request those hand-offs cost
// more CPU than signing it (bench/README.md, "Against the floors").
// Requests that the environment sends through a proxy (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY, as net/http reads them) go through net/http's
// Transport (newTransport), with the same dial and TLS handshake timeouts
// and bulk writes. Neither asks for or decodes gzip.
type ownTransport struct {
	h1 *h1.Transport
	// std serves the proxied endpoints; its Proxy (the environment's) and
	// TLSHandshakeTimeout (Timeouts.TLSHandshake as New saw it) are h1's
	// too.
	std *http.Transport
	// tlsConfig is h1's TLS configuration: the defaults, HTTP/1.1 only.
	tlsConfig *tls.Config

	mu      sync.RWMutex
	proxied map[proxyKey]bool // whether the environment proxies an endpoint
}

type proxyKey struct{ scheme, host string }

// h1WriteBuffer is the size up to which a request's head and body go to
// the connection in one write: a 64 KiB body fits (the socket's buffers
// take it whole, so writing it cannot wait on a server that reads none).
const h1WriteBuffer = 64<<10 + 8<<10

// newOwnTransport returns the client's own transport for to, with TLS
// configured by base (nil: the defaults). dial, if not nil, replaces the
// TCP dialer under the bulk connections (tests).
func newOwnTransport(to Timeouts, base *tls.Config, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *ownTransport {
	std := newTransport(to)
	if base != nil {
		std.TLSClientConfig = base.Clone()
	}
	if dial == nil {
		d := &net.Dialer{KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	tcp := bulkDial(dial, to.Dial)
	hs := std.TLSHandshakeTimeout
	t := &ownTransport{std: std, proxied: make(map[proxyKey]bool)}
	t.tlsConfig = &tls.Config{}
	if base != nil {
		t.tlsConfig = base.Clone()
	}
	t.tlsConfig.NextProtos = []string{"http/1.1"} // never h2: h1 speaks HTTP/1.1
	t.h1 = h1.New(h1.Config{
		Dial: tcp,
		DialTLS: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return tlsDial(ctx, tcp, t.tlsConfig, hs, network, addr)
		},
		MaxIdlePerHost:  std.MaxIdleConnsPerHost,
		IdleTimeout:     std.IdleConnTimeout,
		WriteBufferSize: h1WriteBuffer,
	})
	return t
}

// RoundTrip sends req through h1, or through net/http's Transport when
// the environment names a proxy for req's endpoint.
func (t *ownTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.viaProxy(req) {
		return t.std.RoundTrip(req)
	}
	return t.h1.RoundTrip(req)
}

// viaProxy reports whether the environment sends req through a proxy;
// the answer is kept per scheme and host (net/http reads the environment
// once too).
func (t *ownTransport) viaProxy(req *http.Request) bool {
	k := proxyKey{req.URL.Scheme, req.URL.Host}
	t.mu.RLock()
	p, ok := t.proxied[k]
	t.mu.RUnlock()
	if ok {
		return p
	}
	p = false
	if t.std.Proxy != nil {
		u, err := t.std.Proxy(req)
		p = err != nil || u != nil // a malformed proxy setting: net/http reports it
	}
	t.mu.Lock()
	if len(t.proxied) < 1024 {
		t.proxied[k] = p
	}
	t.mu.Unlock()
	return p
}

// CloseIdleConnections closes both transports' idle connections.
func (t *ownTransport) CloseIdleConnections() {
	t.h1.CloseIdleConnections()
	t.std.CloseIdleConnections()
}
