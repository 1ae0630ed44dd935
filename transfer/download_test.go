package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/client"
)

// memWriterAt is an io.WriterAt (and io.ReaderAt) in memory.
type memWriterAt struct {
	mu  sync.Mutex
	buf []byte
}

func (m *memWriterAt) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if end := int(off) + len(p); end > len(m.buf) {
		m.buf = append(m.buf, make([]byte, end-len(m.buf))...)
	}
	copy(m.buf[off:], p)
	return len(p), nil
}

func (m *memWriterAt) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off >= int64(len(m.buf)) {
		return 0, errors.New("memWriterAt: read beyond end")
	}
	n := copy(p, m.buf[off:])
	return n, nil
}

func (m *memWriterAt) bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.buf...)
}

// writeOnly hides ReadAt.
type writeOnly struct{ w *memWriterAt }

func (w writeOnly) WriteAt(p []byte, off int64) (int, error) { return w.w.WriteAt(p, off) }

// TestDownloadSizes downloads objects of 0 bytes to many ranges, to files
// and WriterAts, verified by CRC-64 (COS), by a single-part MD5 ETag (S3)
// or only by size (multipart ETag).
func TestDownloadSizes(t *testing.T) {
	const ps = 4 * kib
	for _, d := range []client.Dialect{client.S3, client.COS} {
		for _, dest := range []string{"file", "writerat"} {
			for _, multipartETag := range []bool{false, true} {
				for _, size := range []int{0, 1, ps - 1, ps, ps + 1, 5*ps + 3} {
					name := fmt.Sprintf("%s/%s/multipartETag=%v/%d", d.Name, dest, multipartETag, size)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						fake := newFake(d)
						data := randomData(uint64(size)+100, size)
						o := fake.putObject("bkt", "obj", data)
						if multipartETag {
							o.etag = md5Hex(data) + "-3"
						}
						rec := newRecorder()
						m, _ := New(fake, WithPartSize(ps), WithPartParallelism(3), WithListener(rec.listener()), WithProgressInterval(-1))
						in := &DownloadInput{Bucket: "bkt", Key: "obj"}
						mem := &memWriterAt{}
						if dest == "file" {
							in.File = filepath.Join(t.TempDir(), "out.bin")
						} else {
							in.WriterAt = mem
						}
						task, err := m.Download(context.Background(), in)
						if err != nil {
							t.Fatal(err)
						}
						res := mustWait(t, task)
						var got []byte
						if dest == "file" {
							if got, err = os.ReadFile(in.File); err != nil {
								t.Fatal(err)
							}
							if ents, _ := os.ReadDir(filepath.Dir(in.File)); len(ents) != 1 {
								t.Errorf("temporary files left: %v", ents)
							}
						} else {
							got = mem.bytes()
						}
						equalBytes(t, got, data)
						want := "md5"
						switch {
						case d.Has(client.FeatureCRC64):
							want = "crc64"
						case multipartETag:
							want = ""
						}
						if res.Verified != want || (want == "") == (res.Unverified == "") {
							t.Errorf("Verified = %q (Unverified %q), want %q", res.Verified, res.Unverified, want)
						}
						if gets := len(fake.callsOf("GetObject")); gets != (size+ps-1)/ps {
							t.Errorf("%d GETs for %d bytes", gets, size)
						}
						rec.checkProgress(t, int64(size))
					})
				}
			}
		}
	}
}

// TestDownloadRangeRetry breaks a range's body part-way: the range is
// requested again from the first missing byte, the rest of the file is
// not restarted.
func TestDownloadRangeRetry(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.COS} {
		t.Run(d.Name, func(t *testing.T) {
			fake := newFake(d)
			data := randomData(20, 8*kib)
			fake.putObject("bkt", "obj", data)
			var mu sync.Mutex
			cut := map[int64]bool{}
			fake.bodyCut = func(in *GetObjectRangeInput) int64 {
				mu.Lock()
				defer mu.Unlock()
				if in.Offset == 2*kib && !cut[in.Offset] {
					cut[in.Offset] = true
					return 300
				}
				return -1
			}
			m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2))
			mem := &memWriterAt{}
			task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", WriterAt: mem})
			mustWait(t, task)
			equalBytes(t, mem.bytes(), data)
			gets := fake.callsOf("GetObject")
			if len(gets) != 9 {
				t.Errorf("%d GETs, want 9 (8 ranges, one resent)", len(gets))
			}
			found := false
			for _, g := range gets {
				if g.Offset == 2*kib+300 && g.Length == kib-300 {
					found = true
				}
			}
			if !found {
				t.Errorf("no GET of the rest of the broken range: %+v", gets)
			}
		})
	}
}

// TestDownloadRangeGivesUp fails a range on every attempt.
func TestDownloadRangeGivesUp(t *testing.T) {
	fake := newFake(client.S3)
	fake.putObject("bkt", "obj", randomData(21, 4*kib))
	fake.bodyCut = func(in *GetObjectRangeInput) int64 {
		if in.Offset >= kib && in.Offset < 2*kib {
			return 10
		}
		return -1
	}
	m, _ := New(fake, WithPartSize(kib), func(o *Options) { o.RangeAttempts = 2 })
	dir := t.TempDir()
	task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: filepath.Join(dir, "out")})
	_, err := wait(t, task)
	var te *TaskError
	if !errors.As(err, &te) || te.PartNumber != 1 {
		t.Fatalf("Wait = %v, want range 1 to fail", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left after a failed download: %v", ents)
	}
}

// TestDownloadObjectChanged replaces the object during the download.
func TestDownloadObjectChanged(t *testing.T) {
	fake := newFake(client.S3)
	fake.putObject("bkt", "obj", randomData(22, 4*kib))
	g := newGate()
	fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
		if in.Offset == 0 {
			return nil
		}
		return g.hold(ctx, int(in.Offset))
	}
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(1))
	task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", WriterAt: &memWriterAt{}})
	g.waitArrivals(t, 1)
	fake.putObject("bkt", "obj", randomData(23, 4*kib))
	g.openUp()
	if _, err := wait(t, task); !errors.Is(err, ErrSourceChanged) {
		t.Fatalf("Wait = %v, want ErrSourceChanged", err)
	}
}

// TestDownloadCorrupt serves bytes that do not match the published
// checksum.
func TestDownloadCorrupt(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.COS} {
		t.Run(d.Name, func(t *testing.T) {
			fake := newFake(d)
			o := fake.putObject("bkt", "obj", randomData(24, 3*kib))
			o.data = append([]byte(nil), o.data...)
			o.data[kib+5] ^= 0xff
			m, _ := New(fake, WithPartSize(kib))
			dir := t.TempDir()
			task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: filepath.Join(dir, "out")})
			if _, err := wait(t, task); !errors.Is(err, ErrChecksumMismatch) {
				t.Fatalf("Wait = %v, want a checksum mismatch", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("files left: %v", ents)
			}
		})
	}
}

// TestDownloadPauseNow pauses with ranges in flight (cancelled) and
// resumes; MD5 verification still covers every byte: ranges written
// before the pause are read back, once.
func TestDownloadPauseNow(t *testing.T) {
	for _, dest := range []string{"readwrite", "writeonly"} {
		t.Run(dest, func(t *testing.T) {
			fake := newFake(client.S3)
			data := randomData(25, 8*kib)
			fake.putObject("bkt", "obj", data)
			g := newGate()
			fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
				if in.Offset == 2*kib { // the third range is slow: later ones wait to be hashed
					return g.hold(ctx, int(in.Offset))
				}
				return nil
			}
			rec := newRecorder()
			m, _ := New(fake, WithPartSize(kib), WithPartParallelism(3), WithListener(rec.listener()), WithProgressInterval(-1))
			mem := &memWriterAt{}
			in := &DownloadInput{Bucket: "bkt", Key: "obj", WriterAt: mem}
			if dest == "writeonly" {
				in.WriterAt = writeOnly{mem}
			}
			task, _ := m.Download(context.Background(), in)
			g.waitArrivals(t, 1)
			rec.waitParts(t, 4) // ranges 0, 1, 3 and 4 written; 3 and 4 wait for 2 to be hashed
			task.PauseNow()
			rec.waitState(t, StatePaused)
			g.openUp()
			task.Resume()
			res := mustWait(t, task)
			equalBytes(t, mem.bytes(), data)
			want := "md5"
			if dest == "writeonly" {
				want = "" // ranges written before the pause cannot be read back
			}
			if res.Verified != want {
				t.Errorf("Verified = %q, want %q", res.Verified, want)
			}
			if dest == "readwrite" {
				h := task.HashProgress()
				if h.Bytes != 2*kib || h.Total != 2*kib {
					t.Errorf("hash progress %+v, want the 2 ranges written before the pause read back", h)
				}
			}
			rec.checkProgress(t, int64(len(data)))
		})
	}
}

// TestDownloadCancel removes the partial file, or keeps it (and the
// journal) with KeepParts, and a later download resumes from it.
func TestDownloadCancel(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.COS} {
		t.Run(d.Name, func(t *testing.T) {
			fake := newFake(d)
			data := randomData(26, 10*kib+1)
			fake.putObject("bkt", "obj", data)
			g := newGate()
			fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
				if in.Offset < 4*kib {
					return nil
				}
				return g.hold(ctx, int(in.Offset))
			}
			dir, ckpt := t.TempDir(), t.TempDir()
			out := filepath.Join(dir, "out")
			rec := newRecorder()
			m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithCheckpointDir(ckpt), WithListener(rec.listener()))

			task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: out})
			g.waitArrivals(t, 2)
			task.Cancel()
			if _, err := wait(t, task); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait = %v", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("files left after cancel: %v", ents)
			}
			if ents, _ := os.ReadDir(ckpt); len(ents) != 0 {
				t.Errorf("journal left after cancel: %v", ents)
			}

			task, _ = m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: out}, WithKeepParts(true))
			rec.waitParts(t, 4)
			g.waitArrivals(t, 2)
			task.Cancel()
			if _, err := wait(t, task); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait = %v", err)
			}
			if ents, _ := os.ReadDir(ckpt); len(ents) != 1 {
				t.Fatalf("journal not kept: %v", ents)
			}
			g.openUp()
			before := len(fake.callsOf("GetObject"))
			rec2 := newRecorder()
			task, _ = m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: out}, WithListener(rec2.listener()), WithProgressInterval(-1))
			res := mustWait(t, task)
			got, _ := os.ReadFile(out)
			equalBytes(t, got, data)
			if res.ResumedParts != 4 {
				t.Errorf("ResumedParts = %d, want 4", res.ResumedParts)
			}
			for _, c := range fake.callsOf("GetObject")[before:] {
				if c.Offset < 4*kib {
					t.Errorf("range at %d downloaded again", c.Offset)
				}
			}
			// The kept ranges are re-verified by their journaled
			// CRC-32C; for an MD5 check (S3's ETag) they are read once
			// more, in order.
			want := int64(4 * kib)
			if !d.Has(client.FeatureCRC64) {
				want *= 2
			}
			if h := task.HashProgress(); h.Bytes != want || h.Bytes > h.Total {
				t.Errorf("hash progress %+v, want %d bytes re-verified", h, want)
			}
			rec2.checkProgress(t, int64(len(data)))
			if ents, _ := os.ReadDir(ckpt); len(ents) != 0 {
				t.Errorf("journal left after success: %v", ents)
			}
		})
	}
}

// TestDownloadResumeObjectChanged changes the object between a kept
// download and its resumption: the download starts over.
func TestDownloadResumeObjectChanged(t *testing.T) {
	fake := newFake(client.S3)
	fake.putObject("bkt", "obj", randomData(27, 6*kib))
	g := newGate()
	fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
		if in.Offset < 2*kib {
			return nil
		}
		return g.hold(ctx, int(in.Offset))
	}
	dir, ckpt := t.TempDir(), t.TempDir()
	out := filepath.Join(dir, "out")
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(1), WithCheckpointDir(ckpt), WithKeepParts(true))
	task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: out})
	g.waitArrivals(t, 1)
	task.Cancel()
	wait(t, task)
	g.openUp()
	fresh := randomData(28, 5*kib)
	fake.putObject("bkt", "obj", fresh)
	before := len(fake.callsOf("GetObject"))
	task, _ = m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", File: out})
	res := mustWait(t, task)
	got, _ := os.ReadFile(out)
	equalBytes(t, got, fresh)
	if res.ResumedParts != 0 || len(fake.callsOf("GetObject"))-before != 5 {
		t.Errorf("resumed %d ranges and sent %d GETs, want a fresh download of 5", res.ResumedParts, len(fake.callsOf("GetObject"))-before)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("stale partial files left: %v", ents)
	}
}

// TestDownloadInputChecks refuses bad input.
func TestDownloadInputChecks(t *testing.T) {
	m, _ := New(newFake(client.S3))
	for name, in := range map[string]*DownloadInput{
		"nil":       nil,
		"no bucket": {Key: "k", File: "f"},
		"no key":    {Bucket: "b", File: "f"},
		"no dest":   {Bucket: "b", Key: "k"},
		"two":       {Bucket: "b", Key: "k", File: "f", WriterAt: &memWriterAt{}},
	} {
		if _, err := m.Download(context.Background(), in); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "b", Key: "missing", WriterAt: &memWriterAt{}})
	if _, err := wait(t, task); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("missing object: %v", err)
	}
}

// countingWriterAt counts the writes a destination gets.
type countingWriterAt struct {
	memWriterAt
	writes atomic.Int32
}

func (c *countingWriterAt) WriteAt(p []byte, off int64) (int, error) {
	c.writes.Add(1)
	return c.memWriterAt.WriteAt(p, off)
}

// TestDownloadFillsCopyBuffer: when each read of a range body returns one
// 16 KiB record (TLS), the copy buffer is filled before it is written, so
// the destination gets one write per 128 KiB, not per record; a body cut
// part-way through a buffer still lands the bytes before the cut, and
// the range is resumed from there.
func TestDownloadFillsCopyBuffer(t *testing.T) {
	const part = 512 * kib
	for _, cutAt := range []int64{-1, 3*copyBufSize/2 + 7} {
		fake := newFake(client.COS) // checked by CRC-64 as it is copied, not buffered per range
		fake.readSize = 16 * kib
		data := randomData(92, 2*part+5000)
		fake.putObject("bkt", "obj", data)
		var once atomic.Bool
		fake.bodyCut = func(in *GetObjectRangeInput) int64 {
			if in.Offset == part && cutAt >= 0 && once.CompareAndSwap(false, true) {
				return cutAt
			}
			return -1
		}
		m, err := New(fake, WithPartSize(part), WithPartParallelism(2))
		if err != nil {
			t.Fatal(err)
		}
		dest := &countingWriterAt{}
		task, _ := m.Download(context.Background(), &DownloadInput{Bucket: "bkt", Key: "obj", WriterAt: dest})
		mustWait(t, task)
		equalBytes(t, dest.bytes(), data)
		// Two full ranges of 4 buffers each and a last one of 5000 bytes;
		// a cut adds the buffer it ended short, resumed.
		want := int32(2*part/copyBufSize + 1)
		if cutAt >= 0 {
			want++
		}
		if got := dest.writes.Load(); got != want {
			t.Errorf("cut %d: %d writes to the destination, want %d", cutAt, got, want)
		}
	}
}
