package client_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestTLSConfig: Options.TLSConfig lets the client's own transport trust
// a private certificate authority (here httptest's): requests then go
// over TLS in HTTP/1.1 and a body arrives whole, while the same client
// without it refuses the server's certificate. The caller's config is
// not changed, and no fmt verb prints it.
func TestTLSConfig(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	t.Cleanup(srv.Close)
	var protos, plain atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plain.Add(1)
		}
		if r.Proto != "HTTP/1.1" {
			protos.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	c, err := srv.Client(client.WithEndpoint(ts.URL), client.WithTLSConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "tls"}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("tls-config "), 300<<10/11)
	put, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "tls", Key: "k", Body: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if put.Verified != "crc32c" {
		t.Errorf("put verified %q", put.Verified)
	}
	get, err := object.NewClient(c).Get(ctx, &object.GetInput{Bucket: "tls", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want the %d put", len(got), err, len(data))
	}
	if protos.Load() != 0 || plain.Load() != 0 {
		t.Errorf("%d requests not in HTTP/1.1, %d not over TLS", protos.Load(), plain.Load())
	}
	if cfg.NextProtos != nil || cfg.ServerName != "" {
		t.Errorf("the caller's config was changed: NextProtos %q, ServerName %q", cfg.NextProtos, cfg.ServerName)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, c.Options()); !strings.Contains(s, "TLSConfig: set") || strings.Contains(s, "RootCAs") {
			t.Errorf("%s of the options: %s", verb, s)
		}
	}

	bare, err := srv.Client(client.WithEndpoint(ts.URL), client.WithRetry(client.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = object.NewClient(bare).Head(ctx, &object.HeadInput{Bucket: "tls", Key: "k"})
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &verify) && !errors.As(err, &unknown) {
		t.Errorf("without TLSConfig: %v, want the certificate refused", err)
	}
}
