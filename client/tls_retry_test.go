package client_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// countConns counts the connections a test server accepts.
func countConns(ts *httptest.Server) *atomic.Int32 {
	var n atomic.Int32
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

// TestTLSRefusalNotRetried: a handshake that cannot succeed ends the call
// on its first attempt, with the default retry policy of 3 attempts, on
// the client's own transport and on a caller's net/http one: a
// certificate of an authority the client does not trust, a certificate
// for another name, and an https URL for a port that speaks plain http.
// The error says why and matches the crypto/tls type.
func TestTLSRefusalNotRetried(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	t.Cleanup(srv.Close)
	tlsSrv := httptest.NewUnstartedServer(srv)
	tlsConns := countConns(tlsSrv)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plainSrv := httptest.NewUnstartedServer(srv)
	plainConns := countConns(plainSrv)
	plainSrv.Start()
	t.Cleanup(plainSrv.Close)
	trusted := x509.NewCertPool()
	trusted.AddCert(tlsSrv.Certificate())

	verifyErr := func(err error) bool {
		var v *tls.CertificateVerificationError
		return errors.As(err, &v)
	}
	notTLS := func(err error) bool {
		var r tls.RecordHeaderError
		return errors.As(err, &r) && r.Conn != nil
	}
	cases := []struct {
		name  string
		url   string
		conns *atomic.Int32
		opts  []func(*client.Options)
		match func(error) bool
		says  string
	}{
		{"unknown authority", tlsSrv.URL, tlsConns, nil, verifyErr, "unknown authority"},
		{"unknown authority over net/http", tlsSrv.URL, tlsConns,
			[]func(*client.Options){client.WithHTTPClient(&http.Client{Transport: &http.Transport{}})}, verifyErr, "unknown authority"},
		{"another name", tlsSrv.URL, tlsConns,
			[]func(*client.Options){client.WithTLSConfig(&tls.Config{RootCAs: trusted, ServerName: "not-this-server.test"})}, verifyErr, "not-this-server.test"},
		{"plain http port", "https://" + plainSrv.Listener.Addr().String(), plainConns, nil, notTLS, "does not look like a TLS handshake"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := srv.Client(append([]func(*client.Options){client.WithEndpoint(tc.url)}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			before := tc.conns.Load()
			_, err = object.NewClient(c).Head(t.Context(), &object.HeadInput{Bucket: "tls-bucket", Key: "k"})
			if err == nil || !tc.match(err) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("HEAD: %v, want the crypto/tls refusal saying %q", err, tc.says)
			}
			if n := tc.conns.Load() - before; n != 1 {
				t.Errorf("%d connections for a handshake that cannot succeed, want 1 (no retry)", n)
			}
		})
	}
}

// flipProxy forwards TCP connections to a TLS server and, on its first
// connection, flips one bit of the first TLS record the server sends
// after the client's second application-data record (in TLS 1.3 the
// first is the client's Finished, the second the request): the response
// to the first request arrives damaged. header chooses the bit: one of
// the record header's length (crypto/tls: a record header error on an
// established connection) or one of the sealed payload (bad record
// MAC).
type flipProxy struct {
	ln      net.Listener
	target  string
	header  bool
	mu      sync.Mutex
	conns   int
	flipped atomic.Bool
}

func newFlipProxy(t *testing.T, target string, header bool) *flipProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flipProxy{ln: ln, target: target, header: header}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *flipProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns++
		first := p.conns == 1
		p.mu.Unlock()
		go p.pipe(c, first)
	}
}

func (p *flipProxy) pipe(c net.Conn, damage bool) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	var appData atomic.Int32 // application-data records the client sent
	go func() {
		forwardRecords(up, c, func(typ byte, _ []byte) {
			if typ == 23 {
				appData.Add(1)
			}
		})
		up.Close()
	}()
	forwardRecords(c, up, func(_ byte, rec []byte) {
		if damage && appData.Load() >= 2 && !p.flipped.Load() {
			p.flipped.Store(true)
			if p.header {
				rec[3] ^= 0x80 // the length's high byte: an oversized record
			} else {
				rec[len(rec)-20] ^= 0x04
			}
		}
	})
}

// forwardRecords copies TLS records from src to dst one at a time,
// handing each (header and payload, changeable) to see before it is
// written.
func forwardRecords(dst io.Writer, src io.Reader, see func(typ byte, rec []byte)) {
	for {
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(src, hdr); err != nil {
			return
		}
		n := int(hdr[3])<<8 | int(hdr[4])
		rec := append(hdr, make([]byte, n)...)
		if _, err := io.ReadFull(src, rec[5:]); err != nil {
			return
		}
		see(rec[0], rec)
		if _, err := dst.Write(rec); err != nil {
			return
		}
	}
}

// TestTLSDamagedRecordRetried: a record damaged on an established TLS
// connection (a flipped bit in its payload, or in its header) is a
// connection error, not a refusal: the HEAD is sent again on a new
// connection and succeeds.
func TestTLSDamagedRecordRetried(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	t.Cleanup(srv.Close)
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = &tls.Config{MinVersion: tls.VersionTLS13, NextProtos: []string{"http/1.1"}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	setup, err := srv.Client(client.WithEndpoint(ts.URL), client.WithTLSConfig(&tls.Config{RootCAs: pool}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := bucket.NewClient(setup).Create(ctx, &bucket.CreateInput{Bucket: "tls-bucket"}); err != nil {
		t.Fatal(err)
	}
	if _, err := object.NewClient(setup).Put(ctx, &object.PutInput{Bucket: "tls-bucket", Key: "k", Body: strings.NewReader("damaged once")}); err != nil {
		t.Fatal(err)
	}
	for _, header := range []bool{false, true} {
		name := map[bool]string{false: "payload", true: "header"}[header]
		t.Run(name, func(t *testing.T) {
			p := newFlipProxy(t, ts.Listener.Addr().String(), header)
			c, err := srv.Client(client.WithEndpoint("https://"+p.ln.Addr().String()),
				client.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
			if err != nil {
				t.Fatal(err)
			}
			head, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: "tls-bucket", Key: "k"})
			if err != nil {
				t.Fatalf("HEAD: %v, want success on a second connection", err)
			}
			if head.ContentLength != int64(len("damaged once")) {
				t.Errorf("content length %d", head.ContentLength)
			}
			p.mu.Lock()
			conns := p.conns
			p.mu.Unlock()
			if !p.flipped.Load() || conns != 2 {
				t.Errorf("flipped %v, %d connections; want a flip and 2 connections", p.flipped.Load(), conns)
			}
		})
	}
}
