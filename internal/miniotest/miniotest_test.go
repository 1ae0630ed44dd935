package miniotest_test

import (
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
	checkLive(t, srv)
}

// TestShared checks that Shared returns one server per process.
func TestShared(t *testing.T) {
	a := miniotest.Shared(t)
	b := miniotest.Shared(t)
	if a != b {
		t.Fatalf("Shared returned two servers: %s and %s", a.URL, b.URL)
	}
	checkLive(t, a)
}

func checkLive(t *testing.T, srv *miniotest.Server) {
	t.Helper()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want http://127.0.0.1:PORT", srv.URL)
	}
	if srv.Endpoint() != srv.URL {
		t.Errorf("Endpoint() = %q, want %q", srv.Endpoint(), srv.URL)
	}
	if srv.AccessKey != miniotest.AccessKey || srv.SecretKey != miniotest.SecretKey || srv.Region != "us-east-1" {
		t.Errorf("credentials/region = %q/%q/%q", srv.AccessKey, srv.SecretKey, srv.Region)
	}
	resp, err := http.Get(srv.URL + "/minio/health/live")
	if err != nil {
		t.Fatalf("GET /minio/health/live: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /minio/health/live: status %d, want 200", resp.StatusCode)
	}
}
