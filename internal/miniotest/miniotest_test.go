package miniotest_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/polystore/polystore/internal/miniotest"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// TestStartHealth proves the harness: a private server answers its
// unauthenticated liveness endpoint on 127.0.0.1.
func TestStartHealth(t *testing.T) {
	srv := miniotest.Start(t)
	checkLive(t, srv, http.DefaultClient)
}

// TestStartTLS: a server from StartTLS answers on https to a client that
// trusts its RootCAs, and a client that trusts only the system's roots
// refuses its certificate.
func TestStartTLS(t *testing.T) {
	srv := miniotest.StartTLS(t)
	if srv.RootCAs == nil {
		t.Fatal("RootCAs is nil")
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs}}}
	checkLive(t, srv, trusting)
	resp, err := http.Get(srv.URL + "/minio/health/live")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a client without the CA accepted the certificate")
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("a client without the CA: %v, want an unknown-authority error", err)
	}
}

// TestShared checks that Shared returns one server per process.
func TestShared(t *testing.T) {
	a := miniotest.Shared(t)
	b := miniotest.Shared(t)
	if a != b {
		t.Fatalf("Shared returned two servers: %s and %s", a.URL, b.URL)
	}
	if a.RootCAs != nil {
		t.Error("the shared server has RootCAs: it serves plain http")
	}
	checkLive(t, a, http.DefaultClient)
}

func checkLive(t *testing.T, srv *miniotest.Server, c *http.Client) {
	t.Helper()
	scheme := "http"
	if srv.RootCAs != nil {
		scheme = "https"
	}
	if !strings.HasPrefix(srv.URL, scheme+"://127.0.0.1:") {
		t.Fatalf("URL = %q, want %s://127.0.0.1:PORT", srv.URL, scheme)
	}
	if srv.Endpoint() != srv.URL {
		t.Errorf("Endpoint() = %q, want %q", srv.Endpoint(), srv.URL)
	}
	if srv.AccessKey != miniotest.AccessKey || srv.SecretKey != miniotest.SecretKey || srv.Region != "us-east-1" {
		t.Errorf("credentials/region = %q/%q/%q", srv.AccessKey, srv.SecretKey, srv.Region)
	}
	resp, err := c.Get(srv.URL + "/minio/health/live")
	if err != nil {
		t.Fatalf("GET /minio/health/live: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /minio/health/live: status %d, want 200", resp.StatusCode)
	}
}
