// Package versitygwtest starts real versitygw servers (the Versity S3
// Gateway, github.com/versity/versitygw) on 127.0.0.1 for tests: a second
// S3 implementation next to MinIO (internal/miniotest), with its own
// answers to the same requests.
//
// The binary is pinned to [Version]. It is built once with `go install`
// into the per-user cache directory MinIO uses, and reused afterwards:
//
//	$POLYSTORE_CACHE/versitygw-<Version>/versitygw            (if POLYSTORE_CACHE is set)
//	<os.UserCacheDir()>/polystore/versitygw-<Version>/versitygw (otherwise)
//
// scripts/tools.sh pre-builds it into the same place (about two minutes
// of two CPUs the first time). Installation is serialised between
// processes with an exclusive flock(2) on <cache>/versitygw.lock.
//
// Each [Start] launches a private server for one test, with the posix
// backend on an empty temporary directory (and bucket versioning in a
// second one), listening on 127.0.0.1 only, and stops it when the test
// finishes. Nothing else is turned on: no admin or WebUI listener, no
// metrics, event, audit-log or IAM service connections (those need flags
// or VGW_* variables, which are removed from its environment), so the
// server sends nothing anywhere.
//
// If versitygw cannot be installed or started the test fails. Outside CI
// (the CI environment variable is not "true"), POLYSTORE_SKIP_VERSITYGW=1
// (or POLYSTORE_SKIP_MINIO=1, which skips every real-server test) skips
// such tests instead, without building anything.
package versitygwtest

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/testproc"
	"github.com/polystore/polystore/internal/tlscert"
	"github.com/polystore/polystore/internal/toolcache"
)

const (
	// Module is the Go package versitygw is installed from.
	Module = "github.com/versity/versitygw/cmd/versitygw"
	// Version is the pinned versitygw module version.
	Version = "v1.8.0"

	// AccessKey is the root access key of every test server.
	AccessKey = "polystore-test"
	// SecretKey is the root secret key of every test server.
	SecretKey = "polystore-test-secret-key"
	// Region is the region test servers report.
	Region = "us-east-1"
)

const (
	readyTimeout  = 60 * time.Second
	startAttempts = 3
	healthPath    = "/polystore-health"
)

// Server is a running versitygw listening on 127.0.0.1.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT", or
	// "https://127.0.0.1:PORT" for a server from [StartTLS].
	URL string
	// Addr is the listen address, "127.0.0.1:PORT".
	Addr string
	// AccessKey, SecretKey and Region are the package constants.
	AccessKey, SecretKey, Region string
	// DataDir is the posix backend's directory: one subdirectory per
	// bucket.
	DataDir string
	// RootCAs verifies the server's certificate (a server from
	// [StartTLS]); nil for a server on plain http.
	RootCAs *x509.CertPool

	proc *testproc.Proc
}

// Output returns what the server has written so far (the first 64 KiB).
func (s *Server) Output() string { return s.proc.Output() }

// PID returns the server process's id.
func (s *Server) PID() int { return s.proc.PID() }

// stop ends the server (SIGTERM, then SIGKILL after a grace period) and
// waits for it. It is safe to call more than once.
func (s *Server) stop() error { return s.proc.Stop() }

// Start launches a new versitygw with empty directories, stopped when t
// and its subtests finish. It installs versitygw first if needed. On
// failure it calls t.Fatal (or t.Skip, see the package documentation).
func Start(t testing.TB) *Server { t.Helper(); return start(t, false) }

// StartTLS is [Start] for a server on https (--cert, --key): it serves a
// certificate for 127.0.0.1 signed by a CA made for it (package
// internal/tlscert), which the returned server's RootCAs holds.
func StartTLS(t testing.TB) *Server { t.Helper(); return start(t, true) }

func start(t testing.TB, tls bool) *Server {
	t.Helper()
	if disabled() {
		t.Skip("versitygwtest: POLYSTORE_SKIP_VERSITYGW=1 or POLYSTORE_SKIP_MINIO=1, skipping a test that needs versitygw")
	}
	bin, err := ensureBinary(t.Logf)
	if err != nil {
		fail(t, err)
	}
	srv, err := launch(bin, t.TempDir(), tls)
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() {
		if err := srv.stop(); err != nil {
			t.Logf("versitygwtest: stopping versitygw: %v", err)
		}
	})
	return srv
}

func disabled() bool {
	if os.Getenv("CI") == "true" {
		return false
	}
	return os.Getenv("POLYSTORE_SKIP_VERSITYGW") == "1" || os.Getenv("POLYSTORE_SKIP_MINIO") == "1"
}

func fail(t testing.TB, err error) {
	t.Helper()
	hint := ""
	if os.Getenv("CI") != "true" {
		hint = "\n(set POLYSTORE_SKIP_VERSITYGW=1 to skip versitygw-backed tests locally)"
	}
	t.Fatalf("%v%s", err, hint)
}

// tool is the pinned binary in polystore's tool cache (internal/toolcache,
// the cache scripts/tools.sh fills).
var tool = toolcache.Tool{Name: "versitygw", Module: Module, Version: Version, Display: "versitygw",
	Prefix: "versitygwtest", FirstRun: "~2-4 minutes"}

// BinaryPath returns where the pinned binary lives (or will live) in the
// cache. It installs nothing.
func BinaryPath() (string, error) { return tool.Path() }

// ensureBinary returns the pinned binary, installing it under an
// exclusive inter-process lock if it is not cached yet.
func ensureBinary(logf func(string, ...any)) (string, error) { return tool.Ensure(logf) }

// launch starts versitygw on dir and waits until it answers. A port taken
// between picking and binding makes it try again with another. With tls
// it serves https with a certificate made for it.
func launch(bin, dir string, tls bool) (*Server, error) {
	return testproc.Retry(startAttempts, func(attempt int) (*Server, error) {
		return launchOnce(bin, filepath.Join(dir, "attempt-"+strconv.Itoa(attempt)), tls)
	})
}

// env is the server's environment: the test process's, without any
// VGW_* or ROOT_* variable that could turn on a connection elsewhere or
// change the keys.
func env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VGW_") || strings.HasPrefix(kv, "ROOT_") || strings.HasPrefix(kv, "WEBHOOK=") || strings.HasPrefix(kv, "LOGFILE=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func launchOnce(bin, dir string, tls bool) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("versitygwtest: picking a port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	dataDir := filepath.Join(dir, "data")
	versionDir := filepath.Join(dir, "versions")
	for _, d := range []string{dataDir, versionDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("versitygwtest: %w", err)
		}
	}
	srv := &Server{
		URL: "http://" + addr, Addr: addr, AccessKey: AccessKey, SecretKey: SecretKey, Region: Region, DataDir: dataDir,
	}
	args := []string{
		"--port", addr,
		"--access", AccessKey,
		"--secret", SecretKey,
		"--region", Region,
		"--health", healthPath,
		"--quiet",
	}
	if tls {
		certsDir := filepath.Join(dir, "certs")
		if err := tlscert.Generate(certsDir); err != nil {
			return nil, fmt.Errorf("versitygwtest: making a certificate: %w", err)
		}
		if srv.RootCAs, err = tlscert.RootCAs(certsDir); err != nil {
			return nil, fmt.Errorf("versitygwtest: %w", err)
		}
		srv.URL = "https://" + addr
		args = append(args, "--cert", filepath.Join(certsDir, tlscert.CertFile), "--key", filepath.Join(certsDir, tlscert.KeyFile))
	}
	cmd := exec.Command(bin, append(args, "posix", "--versioning-dir", versionDir, dataDir)...)
	cmd.Env = env()
	if srv.proc, err = testproc.Start(cmd); err != nil {
		return nil, fmt.Errorf("versitygwtest: starting %s: %w", bin, err)
	}
	if err := srv.proc.WaitReadyTLS(srv.URL+healthPath, readyTimeout, srv.RootCAs); err != nil {
		if stopErr := srv.stop(); stopErr != nil {
			err = fmt.Errorf("%w (stopping it: %v)", err, stopErr)
		}
		out := srv.Output()
		err = fmt.Errorf("versitygwtest: versitygw on %s did not become ready: %w\n--- versitygw output ---\n%s", addr, err, out)
		if strings.Contains(out, "address already in use") {
			return nil, &testproc.BindError{Err: err}
		}
		return nil, err
	}
	return srv, nil
}
