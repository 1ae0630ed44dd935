package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// childEnv, when set to 1, makes the test binary run main() instead of the
// tests: the interrupt test runs the upload command as a child process.
const childEnv = "POLYSTORE_UPLOAD_EXAMPLE_AS_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var dialects = []string{"s3", "cos", "qingstor", "ibm"}

const partSize = 5 << 20 // the largest minimum part size of the dialects

// writeTestFile writes size pseudo-random bytes to a new file.
func writeTestFile(t *testing.T, size int64) string {
	t.Helper()
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{byte(size)}).Read(data)
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// testConfig uploads file to the embedded server with plain progress.
func testConfig(dialect, file string, checkpoints string) config {
	return config{
		dialect: dialect, file: file, partSize: partSize, parallel: 2,
		checkpointDir: checkpoints, progress: "plain",
	}
}

// TestEmbedded runs the example to completion against the embedded server
// for every dialect.
func TestEmbedded(t *testing.T) {
	file := writeTestFile(t, 2*partSize+1234)
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), testConfig(d, file, t.TempDir()), &out, strings.NewReader(""), nil)
			if err != nil {
				t.Fatalf("%v\noutput:\n%s", err, out.String())
			}
			for _, want := range []string{"created bucket", "part 2 done", "done: ", "3 parts (0 resumed)"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestEmbeddedPauseAndEnter pauses an upload to the embedded server with an
// interrupt and resumes it with Enter, in one process.
func TestEmbeddedPauseAndEnter(t *testing.T) {
	file := writeTestFile(t, 2*partSize)
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	interrupts := make(chan os.Signal, 1)
	interrupts <- os.Interrupt // already there when the upload starts: it pauses at once

	cfg := testConfig("s3", file, t.TempDir())
	cfg.parallel = 1 // the slower the upload, the surer the pause comes first
	errc := make(chan error, 1)
	go func() {
		errc <- run(context.Background(), cfg, stdoutW, stdinR, interrupts)
		stdoutW.Close()
	}()
	var out strings.Builder
	sc := bufio.NewScanner(stdoutR)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "press Enter to resume") {
			io.WriteString(stdinW, "\n")
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{"paused after 0 parts", "resuming", "done: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestInterruptAndResume runs the upload command as a child process against
// a server started here, interrupts it with SIGINT once parts have been
// acknowledged, and checks that a second run resumes: no part is uploaded
// twice and the object is the file.
func TestInterruptAndResume(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sending os.Interrupt to a process is not supported on Windows")
	}
	const size = 4*partSize + 1024 // five parts
	file := writeTestFile(t, size)
	for _, name := range dialects {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, err := client.LookupDialect(name)
			if err != nil {
				t.Fatal(err)
			}
			srv := storagetest.NewServer(d)
			defer srv.Close()

			// While slow is set, every part after the first two hangs
			// until the client gives up: the first run can only get
			// two parts acknowledged before it is interrupted.
			var slow atomic.Bool
			slow.Store(true)
			srv.InjectFault(storagetest.Fault{
				Match: func(r *http.Request) bool {
					return slow.Load() && isUploadPart(d)(r) && partIndex(d, r) >= 2
				},
				Delay: 10 * time.Minute,
				Times: 1 << 30,
			})

			args := []string{
				"-dialect", name, "-endpoint", srv.URL, "-region", srv.Region(),
				"-access-key", storagetest.DefaultAccessKey, "-secret-key", storagetest.DefaultSecretKey,
				"-bucket", defaultBucket(d, "uploads"), "-key", "big.bin", "-file", file,
				"-part-size", "5MiB", "-parallel", "2", "-checkpoint-dir", t.TempDir(), "-progress", "plain",
			}

			// First run: interrupt once two parts are acknowledged.
			acked := 0
			out, code := runChild(t, args, func(line string, child *os.Process) {
				if !strings.HasPrefix(line, "part ") {
					return
				}
				if acked++; acked == 2 {
					if err := child.Signal(os.Interrupt); err != nil {
						t.Error(err)
					}
				}
			})
			if code != 130 || !strings.Contains(out, "paused; re-run the same command to resume") {
				t.Fatalf("first run: exit status %d, want 130 and a pause; output:\n%s", code, out)
			}

			// Second run: the same command resumes.
			slow.Store(false)
			out, code = runChild(t, args, nil)
			if code != 0 {
				t.Fatalf("second run: exit status %d; output:\n%s", code, out)
			}
			for _, want := range []string{"running (10485760 bytes already uploaded)", "5 parts (2 resumed)"} {
				if !strings.Contains(out, want) {
					t.Errorf("second run's output lacks %q:\n%s", want, out)
				}
			}
			checkEachPartOnce(t, srv, d, 5)
			checkObject(t, srv, defaultBucket(d, "uploads"), "big.bin", file)
		})
	}
}

// runChild runs the upload command with args in a child process, calling
// onLine (if not nil) with each line it prints, and returns its output and
// exit status.
func runChild(t *testing.T, args []string, onLine func(line string, child *os.Process)) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if onLine != nil {
			onLine(sc.Text(), cmd.Process)
		}
	}
	err = cmd.Wait()
	out.WriteString(stderr.String())
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	return out.String(), 0
}

// partIndex is the index (from 0) of the part an UploadPart request sends.
func partIndex(d client.Dialect, r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get(d.Params.PartNumber))
	if err != nil {
		return -1
	}
	return n - d.Limits.FirstPartNumber
}

// checkEachPartOnce checks the server's request log: one multipart upload,
// and each of its parts stored by exactly one successful request.
func checkEachPartOnce(t *testing.T, srv *storagetest.Server, d client.Dialect, parts int) {
	t.Helper()
	stored := map[string]int{}
	creates := 0
	for _, r := range srv.Requests() {
		switch {
		case r.Op == "CreateMultipartUpload" && succeeded(r):
			creates++
		case r.Op == "UploadPart" && succeeded(r):
			stored[r.Query.Get(d.Params.PartNumber)]++
		}
	}
	if creates != 1 {
		t.Errorf("%d multipart uploads were created, want 1", creates)
	}
	if len(stored) != parts {
		t.Errorf("parts stored: %v, want %d parts", stored, parts)
	}
	for n, count := range stored {
		if count != 1 {
			t.Errorf("part %s was uploaded %d times", n, count)
		}
	}
}

// checkObject checks that the object's bytes are the file's.
func checkObject(t *testing.T, srv *storagetest.Server, bucketName, key, file string) {
	t.Helper()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	got, err := object.NewClient(c).Get(context.Background(), &object.GetInput{Bucket: bucketName, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	h := md5.New()
	if _, err := io.Copy(h, got.Body); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if sum := md5.Sum(want); !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Errorf("the object's MD5 is %x, the file's %x", h.Sum(nil), sum)
	}
}

// succeeded reports whether the server answered r with a 2xx status.
func succeeded(r storagetest.Request) bool { return r.Status >= 200 && r.Status < 300 }
