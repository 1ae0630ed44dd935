package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

var dialects = []string{"s3", "cos", "qingstor", "ibm"}

// TestDemo runs the default command, the demo on the embedded server, for
// every dialect.
func TestDemo(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := run(context.Background(), []string{"-dialect", d}, &out); err != nil {
				t.Fatalf("%v\noutput:\n%s", err, out.String())
			}
			for _, want := range []string{
				"backup: 5 files, 5 uploaded",
				"backup: 5 files, 0 uploaded (0 B), 5 unchanged",
				"backup: 5 files, 1 uploaded (54 B), 4 unchanged",
				"restore: 5 files, 5 downloaded",
				"identical to the source",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// cli runs the command line args against srv, with the checkpoints in
// checkpoints, and returns its output.
func cli(t *testing.T, srv *storagetest.Server, checkpoints string, args ...string) (string, error) {
	t.Helper()
	args = append(args,
		"-dialect", srv.Dialect().Name, "-endpoint", srv.URL, "-region", srv.Region(),
		"-access-key", storagetest.DefaultAccessKey, "-secret-key", storagetest.DefaultSecretKey,
		"-part-size", strconv.Itoa(5<<20), "-checkpoint-dir", checkpoints)
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

// TestBackupAndRestore backs a tree up twice (the second run skips every
// file), changes one file (only it is sent again), restores into another
// directory and compares the trees byte for byte; a file deleted locally
// is deleted from the backup only with -delete.
func TestBackupAndRestore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dialect, err := client.LookupDialect(d)
			if err != nil {
				t.Fatal(err)
			}
			srv := storagetest.NewServer(dialect)
			defer srv.Close()
			src, dst, checkpoints := t.TempDir(), t.TempDir(), t.TempDir()
			if err := makeSampleTree(src); err != nil {
				t.Fatal(err)
			}

			out, err := cli(t, srv, checkpoints, "backup", "-src", src, "-prefix", "home")
			expect(t, out, err, "backup: 5 files, 5 uploaded")

			srv.ResetLog()
			out, err = cli(t, srv, checkpoints, "backup", "-src", src, "-prefix", "home")
			expect(t, out, err, "backup: 5 files, 0 uploaded (0 B), 5 unchanged")
			if n := countWrites(srv); n != 0 {
				t.Errorf("the second backup wrote %d times", n)
			}

			if err := os.WriteFile(filepath.Join(src, "photos", "2024", "cat.raw"), []byte("a smaller cat"), 0o644); err != nil {
				t.Fatal(err)
			}
			srv.ResetLog()
			out, err = cli(t, srv, checkpoints, "backup", "-src", src, "-prefix", "home")
			expect(t, out, err, "uploaded photos/2024/cat.raw (13 B)", "backup: 5 files, 1 uploaded (13 B), 4 unchanged")
			if n := countWrites(srv); n != 1 {
				t.Errorf("the third backup wrote %d times, want 1", n)
			}

			out, err = cli(t, srv, checkpoints, "restore", "-dst", dst, "-prefix", "home/")
			expect(t, out, err, "restore: 5 files, 5 downloaded")
			if err := compareTrees(src, dst); err != nil {
				t.Fatal(err)
			}

			// A second restore finds every file in place.
			out, err = cli(t, srv, checkpoints, "restore", "-dst", dst, "-prefix", "home/")
			expect(t, out, err, "restore: 5 files, 0 downloaded (0 B), 5 unchanged")

			// A file deleted locally stays in the backup, unless -delete.
			if err := os.Remove(filepath.Join(src, "photos", "2024", "cat.raw")); err != nil {
				t.Fatal(err)
			}
			out, err = cli(t, srv, checkpoints, "backup", "-src", src, "-prefix", "home")
			expect(t, out, err, "backup: 4 files, 0 uploaded (0 B), 4 unchanged, 0 failed")
			srv.ResetLog()
			out, err = cli(t, srv, checkpoints, "backup", "-src", src, "-prefix", "home", "-delete")
			expect(t, out, err, "deleted home/photos/2024/cat.raw", "4 unchanged, 1 deleted, 0 failed")
			if n := countWrites(srv); n != 0 {
				t.Errorf("the backup with -delete wrote %d times", n)
			}
			again := t.TempDir()
			out, err = cli(t, srv, checkpoints, "restore", "-dst", again, "-prefix", "home/")
			expect(t, out, err, "restore: 4 files, 4 downloaded")
			if err := compareTrees(src, again); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBackupResumes fails the upload of a part of the large file: the
// backup reports the failure, and the next run continues the same
// multipart upload, without sending again the parts already stored.
func TestBackupResumes(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	src, checkpoints := t.TempDir(), t.TempDir()
	if err := makeSampleTree(src); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(storagetest.Fault{
		Match: func(r *http.Request) bool {
			return r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "2"
		},
		Status: http.StatusForbidden, Code: "AccessDenied", // not retried
	})

	out, err := cli(t, srv, checkpoints, "backup", "-src", src)
	if err == nil || !strings.Contains(out, "FAILED data/big.bin") || !strings.Contains(out, "4 uploaded") {
		t.Fatalf("first backup: error %v; output:\n%s", err, out)
	}
	// Parts the log shows stored are on the server for good. (Parts
	// cancelled in flight by the failure may be stored later, or not.)
	stored := storedParts(srv)
	srv.ResetLog()

	out, err = cli(t, srv, checkpoints, "backup", "-src", src)
	expect(t, out, err, "uploaded data/big.bin (12.0 MiB)", "backup: 5 files, 1 uploaded (12.0 MiB), 4 unchanged")
	for _, r := range srv.Requests() {
		switch {
		case r.Op == "CreateMultipartUpload":
			t.Error("the second backup started a new multipart upload")
		case r.Op == "UploadPart" && stored[r.Query.Get("partNumber")]:
			t.Errorf("the second backup sent part %s again", r.Query.Get("partNumber"))
		}
	}
}

// storedParts returns the part numbers the server has logged as stored.
func storedParts(srv *storagetest.Server) map[string]bool {
	stored := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Op == "UploadPart" && r.Status >= 200 && r.Status < 300 {
			stored[r.Query.Get("partNumber")] = true
		}
	}
	return stored
}

// expect fails the test if err is not nil or out lacks one of wants.
func expect(t *testing.T, out string, err error, wants ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// countWrites counts the successful requests that stored an object.
func countWrites(srv *storagetest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if (r.Op == "PutObject" || r.Op == "CreateMultipartUpload") && r.Status >= 200 && r.Status < 300 {
			n++
		}
	}
	return n
}
