package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerate: a client trusting only ca.crt verifies the server
// certificate for 127.0.0.1 and negotiates HTTP/1.1; a client trusting
// nothing refuses it.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := ServerConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.(*tls.Conn).Handshake()
				io.WriteString(c, "ok")
			}()
		}
	}()
	pool, err := RootCAs(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatalf("a client trusting the CA: %v", err)
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Errorf("negotiated %q, want http/1.1", p)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "ok" {
		t.Errorf("read %q", b)
	}
	if c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1"}); err == nil {
		c.Close()
		t.Error("a client trusting nothing accepted the certificate")
	}
	if _, err := RootCAs(t.TempDir()); err == nil {
		t.Error("RootCAs of a directory without ca.crt succeeded")
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, CAFile), []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := RootCAs(bad); err == nil {
		t.Error("RootCAs of a ca.crt without a certificate succeeded")
	}
}
