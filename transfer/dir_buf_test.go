package transfer

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/polystore/polystore/internal/fence"
)

// TestDirSmallFilesInMemory uploads files on both sides of the sizes at
// which a directory upload reads a file into memory (os.ReadFile up to
// heldFileMin, a pooled buffer up to smallFileSize, a file section above),
// on every dialect, and downloads them again: every object is its file,
// and records the file's CRC-32C.
func TestDirSmallFilesInMemory(t *testing.T) {
	sizes := []int{1, heldFileMin, heldFileMin + 1, 100 * kib, smallFileSize, smallFileSize + 1}
	files := map[string][]byte{}
	for i, n := range sizes {
		files[filepath.ToSlash(filepath.Join("d", string(rune('a'+i))))] = randomData(uint64(40+i), n)
	}
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			src := writeTree(t, files)
			m, err := New(e.api, WithPartSize(1<<20), WithFileParallelism(3))
			if err != nil {
				t.Fatal(err)
			}
			task, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: "p/"})
			if err != nil {
				t.Fatal(err)
			}
			res := mustWait(t, task)
			if len(res.Files) != len(files) {
				t.Fatalf("%d files, want %d", len(res.Files), len(files))
			}
			for _, f := range res.Files {
				if f.Err != nil || f.Result == nil || f.Result.Parts != 1 {
					t.Errorf("file %+v", f)
					continue
				}
				if got, want := headObject(t, e, f.Key).Metadata[crc32cMeta], formatCRC32C(crc32.Checksum(files[f.Path], castagnoli)); got != want {
					t.Errorf("%s: recorded CRC-32C %q, want %q", f.Path, got, want)
				}
			}
			dst := t.TempDir()
			task, err = m.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "p/", Dir: dst})
			if err != nil {
				t.Fatal(err)
			}
			mustWait(t, task)
			sameTree(t, readTree(t, dst), files)
		})
	}
}

// TestReadHeldChangedSize: a file whose size is no longer the walk's is
// not held (the upload then reads it as a file).
func TestReadHeldChangedSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	data := randomData(1, 20*kib)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{int64(len(data)) - 1, int64(len(data)) + 1} {
		if h, ok, err := readHeld(p, size); err != nil || ok || h != nil {
			t.Errorf("walk size %d of a %d-byte file: held %v, ok %v, err %v", size, len(data), h != nil, ok, err)
		}
	}
	h, ok, err := readHeld(p, int64(len(data)))
	if err != nil || !ok || !bytes.Equal(h.Bytes(), data) {
		t.Fatalf("unchanged file: ok %v, err %v, same bytes %v", ok, err, ok && bytes.Equal(h.Bytes(), data))
	}
	h.release()
	if _, _, err := readHeld(filepath.Join(t.TempDir(), "missing"), 10*kib); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestHeldFileRelease: reads see the file's bytes until release and fail
// after it, release is idempotent, and a read racing with release never
// sees the buffer's next contents (the race detector watches the
// buffer: release waits for reads under way).
func TestHeldFileRelease(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	data := randomData(2, 30*kib)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h, ok, err := readHeld(p, int64(len(data)))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	got, err := io.ReadAll(io.NewSectionReader(h, 0, int64(len(data))))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	var wg sync.WaitGroup
	started := make(chan struct{})
	bad := make(chan string, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4*kib)
			once := true
			for {
				n, err := h.ReadAt(buf, 1000)
				if once {
					started <- struct{}{}
					once = false
				}
				if errors.Is(err, fence.ErrReleased) {
					return
				}
				if err != nil || !bytes.Equal(buf[:n], data[1000:1000+n]) {
					bad <- "a read before release saw other bytes"
					return
				}
			}
		}()
	}
	for range 4 {
		<-started
	}
	h.release()
	// The buffer may be handed out again and overwritten at once.
	bp := heldBufs.Get().(*[]byte)
	for i := range *bp {
		(*bp)[i] = 0xff
	}
	heldBufs.Put(bp)
	wg.Wait()
	close(bad)
	for msg := range bad {
		t.Error(msg)
	}
	if _, err := h.ReadAt(make([]byte, 10), 0); !errors.Is(err, fence.ErrReleased) {
		t.Errorf("read after release: %v", err)
	}
	h.release() // again: no panic, no double put
}
