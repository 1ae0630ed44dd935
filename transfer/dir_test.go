package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// writeTree creates files (slash paths → content) below a new temporary
// directory and returns it.
func writeTree(t testing.TB, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for rel, data := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// readTree returns the regular files below root by slash path.
func readTree(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree checks that got holds exactly the files of want.
func sameTree(t testing.TB, got, want map[string][]byte) {
	t.Helper()
	for rel, data := range want {
		g, ok := got[rel]
		if !ok {
			t.Errorf("%s missing", rel)
			continue
		}
		if !bytes.Equal(g, data) {
			t.Errorf("%s differs: %d bytes, want %d", rel, len(g), len(data))
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			t.Errorf("%s should not be there", rel)
		}
	}
}

// keys lists the keys of the bucket under prefix.
func keys(t testing.TB, e *stEnv, prefix string) []string {
	t.Helper()
	var out []string
	for o, err := range e.api.ListObjects(ctxT(t), e.bucket, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
	return out
}

// sampleTree is a tree of small, empty and multipart files, with files
// the tests' filters leave out.
func sampleTree() map[string][]byte {
	return map[string][]byte{
		"a.txt":               randomData(1, 100),
		"empty":               {},
		"docs/big.bin":        randomData(2, 3*stPartSize+7),
		"docs/deep/er/c.json": randomData(3, 2000),
		"docs/deep/er/d.log":  randomData(4, 10),
		"cache/x.tmp":         randomData(5, 50),
		"cache/sub/y.tmp":     randomData(6, 60),
		"weird name ü.txt":    randomData(7, 70),
	}
}

// without returns files minus the paths given.
func without(files map[string][]byte, paths ...string) map[string][]byte {
	out := map[string][]byte{}
	for rel, data := range files {
		if !slices.Contains(paths, rel) {
			out[rel] = data
		}
	}
	return out
}

// TestDirRoundTrip uploads a tree with filters to a prefix and downloads
// it into another directory, on every dialect: the objects are exactly
// the files the filters let through, each records its CRC-32C, the
// per-file results name what was done, progress covers the whole tree,
// and the downloaded tree is the uploaded one.
func TestDirRoundTrip(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			files := sampleTree()
			src := writeTree(t, files)
			rec := newRecorder()
			m, err := New(e.api, WithPartSize(stPartSize), WithFileParallelism(3), WithListener(rec.listener()), WithProgressInterval(-1))
			if err != nil {
				t.Fatal(err)
			}
			task, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: "backup", Exclude: []string{"cache/**", "*.log"}})
			if err != nil {
				t.Fatal(err)
			}
			res := mustWait(t, task)
			want := without(files, "cache/x.tmp", "cache/sub/y.tmp", "docs/deep/er/d.log")
			var wantKeys []string
			var total int64
			for rel, data := range want {
				wantKeys = append(wantKeys, "backup/"+rel)
				total += int64(len(data))
			}
			slices.Sort(wantKeys)
			if got := keys(t, e, ""); !slices.Equal(got, wantKeys) {
				t.Errorf("keys %v, want %v", got, wantKeys)
			}
			if res.Parts != len(want) || res.Size != total || len(res.Files) != len(want) || res.Key != "backup/" {
				t.Errorf("result %+v", res)
			}
			for _, f := range res.Files {
				if f.Action != FileUploaded || f.Err != nil || f.Result == nil || f.Key != "backup/"+f.Path {
					t.Errorf("file %+v", f)
				}
			}
			rec.checkProgress(t, total)
			if p := task.Progress(); p.Parts != len(want) || p.TotalParts != len(want) {
				t.Errorf("progress %+v: files %d", p, len(want))
			}
			h := headObject(t, e, "backup/docs/big.bin")
			if h.Metadata[crc32cMeta] == "" {
				t.Errorf("no CRC-32C recorded: %v", h.Metadata)
			}

			dst := filepath.Join(t.TempDir(), "restored")
			task, err = m.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "backup/", Dir: dst})
			if err != nil {
				t.Fatal(err)
			}
			res = mustWait(t, task)
			sameTree(t, readTree(t, dst), want)
			for _, f := range res.Files {
				if f.Action != FileDownloaded || f.Err != nil || f.Result.Verified == "" {
					t.Errorf("file %+v", f)
				}
			}
			// Include narrows the download.
			dst2 := t.TempDir()
			task, _ = m.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "backup", Dir: dst2, Include: []string{"docs/**"}})
			mustWait(t, task)
			sameTree(t, readTree(t, dst2), map[string][]byte{"docs/big.bin": files["docs/big.bin"], "docs/deep/er/c.json": files["docs/deep/er/c.json"]})
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
		})
	}
}

// TestDirSymlinks uploads a tree with a link to a file, a link to a
// directory and a link back to an ancestor under each policy.
func TestDirSymlinks(t *testing.T) {
	e := newSTEnv(t, client.S3)
	files := map[string][]byte{"real/f.txt": []byte("file"), "other/g.txt": []byte("gee")}
	src := writeTree(t, files)
	for _, l := range [][2]string{{"real/f.txt", "link.txt"}, {"other", "real/dirlink"}, {"..", "real/loop"}} {
		if err := os.Symlink(filepath.Join(src, l[0]), filepath.Join(src, l[1])); err != nil {
			t.Skip("no symbolic links:", err)
		}
	}
	m, _ := New(e.api, WithPartSize(stPartSize))
	for _, tc := range []struct {
		policy SymlinkPolicy
		keys   []string
		failed int
	}{
		{SymlinksFollow, []string{"follow/link.txt", "follow/other/g.txt", "follow/real/dirlink/g.txt", "follow/real/f.txt"}, 1},
		{SymlinksSkip, []string{"skip/other/g.txt", "skip/real/f.txt"}, 0},
		{SymlinksError, []string{"error/other/g.txt", "error/real/f.txt"}, 3},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			task, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: tc.policy.String(), Symlinks: tc.policy})
			if err != nil {
				t.Fatal(err)
			}
			res, err := wait(t, task)
			var de *DirError
			var files []FileResult
			switch {
			case tc.failed == 0 && err != nil:
				t.Fatal(err)
			case tc.failed == 0:
				files = res.Files
			case !errors.As(err, &de) || de.Failed != tc.failed:
				t.Fatalf("Wait = %v, want a DirError with %d failures", err, tc.failed)
			default:
				files = de.Files
			}
			if got := keys(t, e, tc.policy.String()+"/"); !slices.Equal(got, tc.keys) {
				t.Errorf("keys %v, want %v", got, tc.keys)
			}
			skipped := 0
			for _, f := range files {
				if f.Action == FileSkipped {
					skipped++
				}
			}
			if want := map[SymlinkPolicy]int{SymlinksFollow: 1, SymlinksSkip: 3, SymlinksError: 3}[tc.policy]; skipped != want {
				t.Errorf("%d files skipped, want %d: %+v", skipped, want, files)
			}
		})
	}
}

// TestDirFailures makes every upload of one file fail: the others are
// uploaded and the task fails with a DirError naming that file; with
// FailFast the transfer stops early.
func TestDirFailures(t *testing.T) {
	e := newSTEnv(t, client.COS)
	files := map[string][]byte{}
	for i := 0; i < 20; i++ {
		files[fmt.Sprintf("f%02d", i)] = randomData(uint64(i), 500)
	}
	src := writeTree(t, files)
	bad := func(r *http.Request) bool { return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/f03") }
	e.srv.InjectFault(storagetest.Fault{Match: bad, Status: http.StatusForbidden, Code: "AccessDenied", Times: 1000})
	m, _ := New(e.api, WithFileParallelism(2))
	task, _ := m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: "p"})
	_, err := wait(t, task)
	var de *DirError
	if !errors.As(err, &de) || de.Failed != 1 || !errors.Is(err, client.ErrAccessDenied) {
		t.Fatalf("Wait = %v, want a DirError of one access denied", err)
	}
	for _, f := range de.Files {
		if (f.Err != nil) != (f.Path == "f03") {
			t.Errorf("file %s: %v", f.Path, f.Err)
		}
	}
	if n := len(keys(t, e, "p/")); n != 19 {
		t.Errorf("%d objects, want 19", n)
	}
	task, _ = m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: "fast", FailFast: true})
	_, err = wait(t, task)
	if !errors.As(err, &de) || !errors.Is(err, client.ErrAccessDenied) {
		t.Fatalf("Wait = %v, want a DirError", err)
	}
	if n := len(keys(t, e, "fast/")); n >= 19 {
		t.Errorf("%d objects uploaded with FailFast", n)
	}
}

// TestDirInvalid refuses bad input before any request, naming the field.
func TestDirInvalid(t *testing.T) {
	e := newSTEnv(t, client.S3)
	m, _ := New(e.api)
	e.srv.ResetLog()
	dir := t.TempDir()
	for _, tc := range []struct {
		start func() error
		field string
	}{
		{func() error { _, err := m.UploadDir(ctxT(t), nil); return err }, "UploadDirInput"},
		{func() error { _, err := m.UploadDir(ctxT(t), &UploadDirInput{Bucket: e.bucket}); return err }, "Dir"},
		{func() error { _, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: dir}); return err }, "Bucket"},
		{func() error {
			_, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: dir, Bucket: e.bucket, Include: []string{"ok", "[bad"}})
			return err
		}, "Include[1]"},
		{func() error {
			_, err := m.DownloadDir(ctxT(t), &DownloadDirInput{Dir: dir, Bucket: e.bucket, Exclude: []string{"a/[/b"}})
			return err
		}, "Exclude[0]"},
		{func() error {
			_, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: dir, Bucket: e.bucket, Symlinks: 7})
			return err
		}, "Symlinks"},
		{func() error {
			_, err := m.Sync(ctxT(t), &SyncInput{Dir: dir, Bucket: e.bucket, Direction: 9})
			return err
		}, "Direction"},
		{func() error {
			_, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: dir, Bucket: e.bucket}, WithIntegrity(IntegrityCRC64))
			return err
		}, "Integrity"},
	} {
		var ie *client.InvalidArgumentError
		if err := tc.start(); !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%v, want an InvalidArgumentError naming %s", err, tc.field)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestGlob checks the filter patterns.
func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, rel string
		want   bool
	}{
		{"*.log", "a.log", true}, {"*.log", "x/y/a.log", true}, {"*.log", "a.log.gz", false},
		{"cache/**", "cache/a", true}, {"cache/**", "cache/a/b", true}, {"cache/**", "x/cache/a", false},
		{"**/testdata/*.json", "testdata/a.json", true}, {"**/testdata/*.json", "a/b/testdata/c.json", true},
		{"**/testdata/*.json", "a/testdata/b/c.json", false}, {"docs/*.md", "docs/a.md", true}, {"docs/*.md", "docs/x/a.md", false},
		{"a/**/b", "a/b", true}, {"a/**/b", "a/x/y/b", true}, {"/top", "top", true},
	} {
		if got := matchGlob(tc.p, tc.rel); got != tc.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", tc.p, tc.rel, got, tc.want)
		}
	}
}
