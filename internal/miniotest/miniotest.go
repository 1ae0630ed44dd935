// Package miniotest starts real MinIO servers on 127.0.0.1 for tests.
//
// The MinIO binary is pinned to [Version]. It is built once with
// `go install` into a per-user cache directory and reused afterwards:
//
//	$POLYSTORE_CACHE/minio-<Version>/minio            (if POLYSTORE_CACHE is set)
//	<os.UserCacheDir()>/polystore/minio-<Version>/minio (otherwise)
//
// The first build takes several minutes; scripts/tools.sh pre-builds it into
// the same location. Installation is serialised between processes with an
// exclusive flock(2) on <cache>/minio.lock, because `go test ./...` runs test
// packages in parallel processes.
//
// There are two ways to get a server:
//
// [Start] launches a private server for one test (or benchmark) and stops it
// when that test finishes:
//
//	func TestSomething(t *testing.T) {
//		srv := miniotest.Start(t)
//		// use srv.URL, srv.AccessKey, srv.SecretKey, srv.Region
//	}
//
// [Shared] returns one server per test process, started on first use and
// stopped when the process's tests are done. It requires the package's
// TestMain to delegate to [Main]:
//
//	func TestMain(m *testing.M) { miniotest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		srv := miniotest.Shared(t)
//		...
//	}
//
// Tests sharing a server should use their own, uniquely named buckets.
//
// If MinIO cannot be installed or started the test fails. Outside CI
// (the CI environment variable is not "true"), setting POLYSTORE_SKIP_MINIO=1
// skips such tests instead, without attempting to build or start MinIO.
package miniotest

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/testproc"
	"github.com/polystore/polystore/internal/tlscert"
	"github.com/polystore/polystore/internal/toolcache"
)

const (
	// Module is the Go module path MinIO is installed from.
	Module = "github.com/minio/minio"
	// Version is the pinned MinIO module version.
	Version = "v0.0.0-20260212201848-7aac2a2c5b7c"

	// AccessKey is the root access key of every test server.
	AccessKey = "polystore-test"
	// SecretKey is the root secret key of every test server.
	SecretKey = "polystore-test-secret-key"
	// Region is the region test servers report (MinIO's default).
	Region = "us-east-1"
)

const (
	readyTimeout  = 60 * time.Second
	startAttempts = 3
)

// Server is a running MinIO server listening on 127.0.0.1.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT", or
	// "https://127.0.0.1:PORT" for a server from [StartTLS].
	URL string
	// Addr is the server's listen address, "127.0.0.1:PORT".
	Addr string
	// AccessKey is the root access key (always the package constant AccessKey).
	AccessKey string
	// SecretKey is the root secret key (always the package constant SecretKey).
	SecretKey string
	// Region is the server's region (always the package constant Region).
	Region string
	// DataDir is the directory the server stores its data in.
	DataDir string
	// RootCAs verifies the server's certificate (a server from
	// [StartTLS]); nil for a server on plain http.
	RootCAs *x509.CertPool

	proc *testproc.Proc
}

// Endpoint returns the server's base URL (the same as s.URL), suitable as
// an SDK endpoint.
func (s *Server) Endpoint() string { return s.URL }

// Output returns what the server has written to stdout and stderr so far
// (the first 64 KiB).
func (s *Server) Output() string { return s.proc.Output() }

// stop terminates the server (SIGTERM, then SIGKILL after a grace period)
// and waits for it to exit. It is safe to call more than once.
func (s *Server) stop() error { return s.proc.Stop() }

// Start launches a new MinIO server, with an empty data directory, that is
// stopped when t and its subtests finish. It installs MinIO first if needed.
// On failure it calls t.Fatal (or t.Skip, see the package documentation).
func Start(t testing.TB) *Server { t.Helper(); return start(t, false) }

// StartTLS is [Start] for a server on https: MinIO serves a certificate
// for 127.0.0.1 signed by a CA made for it (package internal/tlscert),
// which the returned server's RootCAs holds. Nothing else trusts it.
func StartTLS(t testing.TB) *Server { t.Helper(); return start(t, true) }

func start(t testing.TB, tls bool) *Server {
	t.Helper()
	skipIfDisabled(t)
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
			t.Logf("miniotest: stopping MinIO: %v", err)
		}
	})
	return srv
}

var (
	mainRunning atomic.Bool

	sharedMu  sync.Mutex
	sharedSrv *Server
	sharedErr error
	sharedDir string
)

// Shared returns the test process's shared MinIO server, starting it on first
// use. The server lives until [Main] returns control to the OS, so the
// package's TestMain must call miniotest.Main(m); Shared fails the test
// otherwise. If starting the server failed once, every later call fails with
// the same error rather than retrying.
func Shared(t testing.TB) *Server {
	t.Helper()
	skipIfDisabled(t)
	if !mainRunning.Load() {
		t.Fatal("miniotest: Shared requires the package's TestMain to call miniotest.Main(m)")
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedSrv == nil && sharedErr == nil {
		sharedSrv, sharedErr = startShared(t.Logf)
	}
	if sharedErr != nil {
		fail(t, sharedErr)
	}
	return sharedSrv
}

func startShared(logf func(string, ...any)) (*Server, error) {
	bin, err := ensureBinary(logf)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "polystore-minio-")
	if err != nil {
		return nil, fmt.Errorf("miniotest: creating data dir: %w", err)
	}
	srv, err := launch(bin, dir, false)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sharedDir = dir
	return srv, nil
}

// Main runs the tests in m, stops the shared server if [Shared] started one,
// and exits with the tests' exit code. Call it from TestMain in packages that
// use Shared:
//
//	func TestMain(m *testing.M) { miniotest.Main(m) }
func Main(m *testing.M) {
	mainRunning.Store(true)
	code := m.Run()
	sharedMu.Lock()
	if sharedSrv != nil {
		if err := sharedSrv.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "miniotest: stopping shared MinIO: %v\n", err)
		}
		sharedSrv = nil
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
		sharedDir = ""
	}
	sharedMu.Unlock()
	os.Exit(code)
}

// skipIfDisabled skips t when POLYSTORE_SKIP_MINIO=1 outside CI.
func skipIfDisabled(t testing.TB) {
	t.Helper()
	if os.Getenv("POLYSTORE_SKIP_MINIO") == "1" && !inCI() {
		t.Skip("miniotest: POLYSTORE_SKIP_MINIO=1, skipping test that needs MinIO")
	}
}

func inCI() bool { return os.Getenv("CI") == "true" }

// fail reports a failure to provide a server. It is always fatal: under CI a
// missing server is a failure, and locally POLYSTORE_SKIP_MINIO=1 (handled
// before any attempt) is the way to opt out.
func fail(t testing.TB, err error) {
	t.Helper()
	hint := ""
	if !inCI() {
		hint = "\n(set POLYSTORE_SKIP_MINIO=1 to skip MinIO-backed tests locally)"
	}
	t.Fatalf("%v%s", err, hint)
}

// tool is the pinned binary in polystore's tool cache (internal/toolcache,
// the cache scripts/tools.sh fills).
var tool = toolcache.Tool{Name: "minio", Module: Module, Version: Version, Display: "MinIO",
	Prefix: "miniotest", FirstRun: "~6 minutes"}

// BinaryPath returns where the pinned binary lives (or will live) in the
// cache. It installs nothing.
func BinaryPath() (string, error) { return tool.Path() }

// ensureBinary returns the pinned binary, installing it under an
// exclusive inter-process lock if it is not cached yet.
func ensureBinary(logf func(string, ...any)) (string, error) { return tool.Ensure(logf) }

// launch starts MinIO serving dataDir and waits until it is ready. It picks
// free ports itself; if another process grabs a port between picking and
// binding, it retries with new ports.
// With tls, it serves https with a certificate made for it.
func launch(bin, dataDir string, tls bool) (*Server, error) {
	return testproc.Retry(startAttempts, func(attempt int) (*Server, error) {
		return launchOnce(bin, filepath.Join(dataDir, "attempt-"+strconv.Itoa(attempt)), tls)
	})
}

func launchOnce(bin, dir string, tls bool) (*Server, error) {
	ports, err := testproc.FreePorts(2)
	if err != nil {
		return nil, fmt.Errorf("miniotest: picking ports: %w", err)
	}
	dataDir := filepath.Join(dir, "data")
	configDir := filepath.Join(dir, "config") // keeps MinIO out of ~/.minio
	certsDir := filepath.Join(dir, "certs")
	for _, d := range []string{dataDir, configDir, certsDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("miniotest: %w", err)
		}
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	consoleAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	srv := &Server{
		URL:       "http://" + addr,
		Addr:      addr,
		AccessKey: AccessKey,
		SecretKey: SecretKey,
		Region:    Region,
		DataDir:   dataDir,
	}
	if tls {
		if err := tlscert.Generate(certsDir); err != nil {
			return nil, fmt.Errorf("miniotest: making a certificate: %w", err)
		}
		if srv.RootCAs, err = tlscert.RootCAs(certsDir); err != nil {
			return nil, fmt.Errorf("miniotest: %w", err)
		}
		srv.URL = "https://" + addr
	}
	cmd := exec.Command(bin, "server",
		"--address", addr,
		"--console-address", consoleAddr,
		"--config-dir", configDir,
		"--certs-dir", certsDir,
		"--quiet",
		dataDir)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+AccessKey,
		"MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_SITE_REGION="+Region,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CALLHOME_ENABLE=off",
		"MINIO_CI_CD=1", // same behaviour locally as under CI (e.g. data on the root drive)
	)
	if srv.proc, err = testproc.Start(cmd); err != nil {
		return nil, fmt.Errorf("miniotest: starting %s: %w", bin, err)
	}
	// The cluster health endpoint reports 200 only once the object layer,
	// IAM and bucket metadata are initialised, so S3 requests will succeed.
	if err := srv.proc.WaitReadyTLS(srv.URL+"/minio/health/cluster", readyTimeout, srv.RootCAs); err != nil {
		if stopErr := srv.stop(); stopErr != nil {
			err = fmt.Errorf("%w (stopping it: %v)", err, stopErr)
		}
		out := srv.Output()
		err = fmt.Errorf("miniotest: MinIO on %s did not become ready: %w\n--- MinIO output ---\n%s", addr, err, out)
		if strings.Contains(out, "already in use") || strings.Contains(out, "bind:") {
			return nil, &testproc.BindError{Err: err}
		}
		return nil, err
	}
	return srv, nil
}
