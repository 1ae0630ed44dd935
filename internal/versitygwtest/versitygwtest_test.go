package versitygwtest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/versitygwtest"
	"github.com/polystore/polystore/object"
)

// TestStart: a server starts on 127.0.0.1, takes an object from the
// polystore client and gives it back, and stores it in its posix
// directory.
func TestStart(t *testing.T) {
	srv := versitygwtest.Start(t)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s is not on 127.0.0.1", srv.URL)
	}
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "smoke"}); err != nil {
		t.Fatal(err, srv.Output())
	}
	data := []byte("hello versitygw")
	if _, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "smoke", Key: "k", Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	out, err := object.NewClient(c).Get(ctx, &object.GetInput{Bucket: "smoke", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if onDisk, err := os.ReadFile(filepath.Join(srv.DataDir, "smoke", "k")); err != nil || !bytes.Equal(onDisk, data) {
		t.Errorf("posix backend file: %q, %v", onDisk, err)
	}
}

// TestStartTLS: a server from StartTLS serves https with a certificate
// its RootCAs verify: the client's own transport trusting them stores and
// reads an object, and a client trusting only the system's roots refuses
// the certificate.
func TestStartTLS(t *testing.T) {
	srv := versitygwtest.StartTLS(t)
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") || srv.RootCAs == nil {
		t.Fatalf("URL %s, RootCAs %v: want https on 127.0.0.1 with roots", srv.URL, srv.RootCAs)
	}
	opts := []func(*client.Options){client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, "")}
	c, err := client.New(client.S3, append(opts, client.WithTLSConfig(&tls.Config{RootCAs: srv.RootCAs}))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "smoke-tls"}); err != nil {
		t.Fatal(err, srv.Output())
	}
	data := []byte("hello versitygw over https")
	if _, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "smoke-tls", Key: "k", Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	if onDisk, err := os.ReadFile(filepath.Join(srv.DataDir, "smoke-tls", "k")); err != nil || !bytes.Equal(onDisk, data) {
		t.Errorf("posix backend file: %q, %v", onDisk, err)
	}
	bare, err := client.New(client.S3, opts...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = object.NewClient(bare).Head(ctx, &object.HeadInput{Bucket: "smoke-tls", Key: "k"})
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &verify) {
		t.Errorf("a client without the CA: %v, want the certificate refused", err)
	}
}

// TestListensOnLoopbackOnly: every TCP socket the server listens on is
// bound to 127.0.0.1, and after it served requests it has no socket to
// anywhere else, TCP or UDP (Linux: its sockets, from /proc).
func TestListensOnLoopbackOnly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	srv := versitygwtest.Start(t)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: "sockets"}); err != nil {
		t.Fatal(err)
	}
	if _, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "sockets", Key: "k", Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	pid := srv.PID()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	listening := 0
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			if strings.HasPrefix(table, "udp") {
				t.Errorf("the server has a UDP socket %s -> %s", f[1], f[2])
				continue
			}
			if ip := localIP(t, f[1]); !ip.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Errorf("the server has a socket on %s (%s)", ip, f[1])
			}
			if f[3] == "0A" { // LISTEN
				listening++
			} else if ip := localIP(t, f[2]); !ip.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Errorf("the server has a connection to %s (%s)", ip, f[2])
			}
		}
	}
	if listening == 0 {
		t.Error("found no listening socket of the server")
	}
}

// localIP decodes /proc/net/tcp's "0100007F:1F90" address (IPv4 as a
// little-endian word; IPv6 as four of them).
func localIP(t *testing.T, field string) net.IP {
	hexIP, _, _ := strings.Cut(field, ":")
	raw, err := hex.DecodeString(hexIP)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+4 <= len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	if len(raw) == 16 {
		if ip := net.IP(raw).To4(); ip != nil && net.IP(raw).IsLoopback() {
			return ip
		}
	}
	return net.IP(raw)
}
