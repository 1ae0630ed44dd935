package transfer

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

// actions counts a result's files by action.
func actions(files []FileResult) map[FileAction]int {
	out := map[FileAction]int{}
	for _, f := range files {
		out[f.Action]++
	}
	return out
}

func mustSync(t *testing.T, m *Manager, in *SyncInput) *Result {
	t.Helper()
	task, err := m.Sync(ctxT(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return mustWait(t, task)
}

// flip changes one byte of a file, keeping its size and modification
// time's second.
func flip(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x5a
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSyncUpload syncs a tree up twice: the second run sends nothing
// (the request log shows only the listing and HEADs). A file edited in
// place (same size) is found by its CRC-32C and sent again, alone; with
// Delete, the object of a file removed locally is deleted, but not one
// the filters leave out.
func TestSyncUpload(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			files := sampleTree()
			src := writeTree(t, files)
			m, _ := New(e.api, WithPartSize(stPartSize), WithFileParallelism(3))
			in := &SyncInput{Dir: src, Bucket: e.bucket, Prefix: "s/", Exclude: []string{"*.tmp"}}
			want := without(files, "cache/x.tmp", "cache/sub/y.tmp")
			res := mustSync(t, m, in)
			if a := actions(res.Files); a[FileUploaded] != len(want) || len(res.Files) != len(want) {
				t.Fatalf("first sync: %v", a)
			}

			e.srv.ResetLog()
			res = mustSync(t, m, in)
			onlyOps(t, e.srv.Requests(), "ListObjects", "HeadObject")
			if a := actions(res.Files); a[FileUnchanged] != len(want) || res.Parts != 0 || res.ResumedParts != len(want) {
				t.Errorf("second sync: %v, result %+v", a, res)
			}
			for _, f := range res.Files {
				if f.Reason != "same size and CRC-32C" {
					t.Errorf("%s: %q", f.Path, f.Reason)
				}
			}

			edited := flip(t, filepath.Join(src, "docs", "big.bin"))
			e.srv.ResetLog()
			res = mustSync(t, m, in)
			if a := actions(res.Files); a[FileUploaded] != 1 || a[FileUnchanged] != len(want)-1 {
				t.Errorf("after an edit: %v", a)
			}
			for _, r := range e.srv.Requests() {
				if (r.Op == "UploadPart" || r.Op == "PutObject") && r.Key != "s/docs/big.bin" {
					t.Errorf("%s of %s", r.Op, r.Key)
				}
			}
			got, _ := fetchAll(t, e.api, e.bucket, "s/docs/big.bin")
			sameSHA256(t, got, edited)

			// An object the filters leave out stays; the object of a
			// file removed locally goes.
			put(t, e.api, e.bucket, "s/keep.tmp", []byte("excluded"), ObjectOptions{})
			if err := os.Remove(filepath.Join(src, "a.txt")); err != nil {
				t.Fatal(err)
			}
			in.Delete = true
			res = mustSync(t, m, in)
			if a := actions(res.Files); a[FileDeleted] != 1 {
				t.Errorf("with Delete: %v", a)
			}
			k := keys(t, e, "s/")
			if slices.Contains(k, "s/a.txt") || !slices.Contains(k, "s/keep.tmp") || len(k) != len(want) {
				t.Errorf("keys after the sync with Delete: %v", k)
			}
		})
	}
}

// TestSyncDownload syncs objects down twice: the second run downloads
// nothing (only the listing and HEADs); a local file edited in place is
// downloaded again; objects the manager uploaded without the recorded
// CRC-32C are compared by what the service publishes; with Delete, a
// local file without an object is removed, not one the filters leave
// out.
func TestSyncDownload(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			files := without(sampleTree(), "cache/x.tmp", "cache/sub/y.tmp")
			m, _ := New(e.api, WithPartSize(stPartSize), WithFileParallelism(3))
			task, _ := m.UploadDir(ctxT(t), &UploadDirInput{Dir: writeTree(t, files), Bucket: e.bucket, Prefix: "s"})
			mustWait(t, task)
			// Objects of other uploads: no recorded CRC-32C.
			foreign := map[string][]byte{"plain/one": randomData(20, 999), "plain/multi": randomData(21, 2*stPartSize+1)}
			for rel, data := range foreign {
				put(t, e.api, e.bucket, "s/"+rel, data, ObjectOptions{})
				files[rel] = data
			}
			dst := t.TempDir()
			in := &SyncInput{Direction: SyncDownload, Dir: dst, Bucket: e.bucket, Prefix: "s"}
			res := mustSync(t, m, in)
			if a := actions(res.Files); a[FileDownloaded] != len(files) {
				t.Fatalf("first sync: %v", a)
			}
			sameTree(t, readTree(t, dst), files)

			e.srv.ResetLog()
			res = mustSync(t, m, in)
			onlyOps(t, e.srv.Requests(), "ListObjects", "HeadObject")
			if a := actions(res.Files); a[FileUnchanged] != len(files) {
				t.Errorf("second sync: %v", a)
			}
			for _, f := range res.Files {
				if strings.HasPrefix(f.Path, "plain/") && (f.Reason == "" || strings.Contains(f.Reason, "CRC-32C")) {
					t.Errorf("%s unchanged by %q, want by what the service publishes", f.Path, f.Reason)
				}
			}

			flip(t, filepath.Join(dst, "docs", "big.bin"))
			flip(t, filepath.Join(dst, "plain", "multi"))
			extra := filepath.Join(dst, "docs", "extra.txt")
			kept := filepath.Join(dst, "notes.tmp")
			os.WriteFile(extra, []byte("not in the bucket"), 0o644)
			os.WriteFile(kept, []byte("excluded"), 0o644)
			in.Delete, in.Exclude = true, []string{"*.tmp"}
			res = mustSync(t, m, in)
			if a := actions(res.Files); a[FileDownloaded] != 2 || a[FileDeleted] != 1 {
				t.Errorf("after edits: %v", a)
			}
			got := readTree(t, dst)
			if !bytes.Equal(got["notes.tmp"], []byte("excluded")) {
				t.Error("the excluded local file was deleted")
			}
			delete(got, "notes.tmp")
			sameTree(t, got, files)
		})
	}
}

var _ = client.S3
