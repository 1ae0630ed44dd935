package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
)

// streamModes are the two ways to stream a download: into a Writer, and
// through Manager.Open's Reader.
var streamModes = []string{"writer", "open"}

// streamDownload downloads bucket/key in mode and returns the bytes
// received, the result (nil for an error) and the error: Wait's for a
// Writer, the Read error that took the place of io.EOF for Open.
func streamDownload(t testing.TB, m *Manager, mode, bkt, key string, optFns ...func(*Options)) ([]byte, *Result, error) {
	t.Helper()
	ctx := ctxT(t)
	var buf bytes.Buffer
	switch mode {
	case "writer":
		task, err := m.Download(ctx, &DownloadInput{Bucket: bkt, Key: key, Writer: &buf}, optFns...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := wait(t, task)
		return buf.Bytes(), res, err
	case "open":
		r, err := m.Open(ctx, &DownloadInput{Bucket: bkt, Key: key}, optFns...)
		if err != nil {
			t.Fatal(err)
		}
		_, rerr := io.Copy(&buf, r) // io.Copy hides io.EOF
		if cerr := r.Close(); cerr != nil && rerr == nil {
			t.Errorf("Close after the last byte: %v", cerr)
		}
		res, werr := wait(t, r.Task())
		if (rerr == nil) != (werr == nil) {
			t.Errorf("Read ended with %v, the task with %v", rerr, werr)
		}
		return buf.Bytes(), res, rerr
	}
	t.Fatalf("unknown mode %q", mode)
	return nil, nil, nil
}

func sameSHA256(t testing.TB, got, want []byte) {
	t.Helper()
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("SHA-256 differs: got %d bytes, want %d", len(got), len(want))
	}
}

// TestStreamSizes streams objects of 0 bytes to many ranges into a Writer
// and through Open, verified by CRC-64 (COS), by a single-part MD5 ETag
// (S3, hashed in order by the delivery) or by nothing (a multipart
// ETag): the bytes arrive identical, each range is fetched once and the
// progress ends at the size.
func TestStreamSizes(t *testing.T) {
	const ps = 4 * kib
	for _, d := range []client.Dialect{client.S3, client.COS} {
		for _, mode := range streamModes {
			for _, multipartETag := range []bool{false, true} {
				for _, size := range []int{0, 1, ps, ps + 1, 9*ps + 3} {
					t.Run(fmt.Sprintf("%s/%s/multipartETag=%v/%d", d.Name, mode, multipartETag, size), func(t *testing.T) {
						t.Parallel()
						fake := newFake(d)
						data := randomData(uint64(size)+200, size)
						o := fake.putObject("bkt", "obj", data)
						if multipartETag {
							o.etag = md5Hex(data) + "-3"
						}
						rec := newRecorder()
						m, _ := New(fake, WithPartSize(ps), WithPartParallelism(3), WithListener(rec.listener()), WithProgressInterval(-1))
						got, res, err := streamDownload(t, m, mode, "bkt", "obj")
						if err != nil {
							t.Fatal(err)
						}
						sameSHA256(t, got, data)
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
						if p := m.bufPeakNow(); p > 4 {
							t.Errorf("%d part buffers at once, want at most PartParallelism+1 = 4", p)
						}
					})
				}
			}
		}
	}
}

// bufPeakNow returns the most part buffers m had out at once.
func (m *Manager) bufPeakNow() int64 {
	m.bufMu.Lock()
	defer m.bufMu.Unlock()
	return m.bufPeak
}

func (m *Manager) bufOutNow() int64 {
	m.bufMu.Lock()
	defer m.bufMu.Unlock()
	return m.bufOut
}

// blockingWriter collects what is written; its first Write waits until
// release is closed.
type blockingWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	first   sync.Once
	entered chan struct{}
	release chan struct{}
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.first.Do(func() {
		close(w.entered)
		<-w.release
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *blockingWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte(nil), w.buf.Bytes()...)
}

// getArrivals has the fake report the offset of every GET on the
// channel it returns.
func getArrivals(fake *fakeAPI) <-chan int64 {
	ch := make(chan int64, 1000)
	fake.onGet = func(_ context.Context, in *GetObjectRangeInput) error {
		ch <- in.Offset
		return nil
	}
	return ch
}

func waitGets(t testing.TB, ch <-chan int64, n int) []int64 {
	t.Helper()
	var got []int64
	timeout := time.After(testTimeout)
	for len(got) < n {
		select {
		case off := <-ch:
			got = append(got, off)
		case <-timeout:
			t.Fatalf("only %d of %d GETs arrived", len(got), n)
		}
	}
	return got
}

// TestStreamMemoryBound: with the destination not taking the first range,
// the task fetches ahead exactly PartParallelism more ranges, holding
// PartParallelism+1 part buffers, and no more at any time.
func TestStreamMemoryBound(t *testing.T) {
	const ps, par, parts = 2 * kib, 3, 20
	for _, mode := range streamModes {
		t.Run(mode, func(t *testing.T) {
			fake := newFake(client.S3)
			data := randomData(300, parts*ps)
			fake.putObject("bkt", "obj", data)
			gets := getArrivals(fake)
			m, _ := New(fake, WithPartSize(ps), WithPartParallelism(par))
			var (
				task *Task
				r    *Reader
				w    = newBlockingWriter()
				err  error
			)
			if mode == "writer" {
				task, err = m.Download(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj", Writer: w})
			} else {
				r, err = m.Open(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj"})
			}
			if err != nil {
				t.Fatal(err)
			}
			// Range 0 is with the destination; par more are fetched.
			waitGets(t, gets, par+1)
			if mode == "writer" {
				<-w.entered
			}
			if n := m.bufOutNow(); n != par+1 {
				t.Errorf("%d part buffers out while the destination holds range 0, want %d", n, par+1)
			}
			var got []byte
			if mode == "writer" {
				close(w.release)
				mustWait(t, task)
				got = w.bytes()
			} else {
				if got, err = io.ReadAll(r); err != nil {
					t.Fatal(err)
				}
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
			}
			sameSHA256(t, got, data)
			if p := m.bufPeakNow(); p != par+1 {
				t.Errorf("peak of %d part buffers, want PartParallelism+1 = %d", p, par+1)
			}
			if n := len(fake.callsOf("GetObject")); n != parts {
				t.Errorf("%d GETs, want %d", n, parts)
			}
		})
	}
}

// TestStreamOutOfOrder: ranges that arrive out of order (range 0 last)
// are delivered in order.
func TestStreamOutOfOrder(t *testing.T) {
	for _, mode := range streamModes {
		t.Run(mode, func(t *testing.T) {
			fake := newFake(client.S3)
			data := randomData(301, 8*kib)
			fake.putObject("bkt", "obj", data)
			release := make(chan struct{})
			others := make(chan int64, 100)
			fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
				if in.Offset != 0 {
					others <- in.Offset
					return nil
				}
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			m, _ := New(fake, WithPartSize(kib), WithPartParallelism(4))
			done := make(chan struct{})
			var got []byte
			var res *Result
			var err error
			go func() {
				defer close(done)
				got, res, err = streamDownload(t, m, mode, "bkt", "obj")
			}()
			waitGets(t, others, 3) // ranges 1-3 are in, range 0 is not
			close(release)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			sameSHA256(t, got, data)
			if res.Verified != "md5" {
				t.Errorf("Verified = %q, want md5 (hashed in order)", res.Verified)
			}
		})
	}
}

// TestStreamPauseResume pauses a streamed download with ranges in
// flight: they finish and are delivered, nothing is fetched while
// paused, and Resume continues from the first range not delivered; every
// range is fetched once. PauseNow drops the ranges in flight instead,
// which are fetched again.
func TestStreamPauseResume(t *testing.T) {
	const ps, parts = kib, 10
	for _, mode := range streamModes {
		for _, now := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/now=%v", mode, now), func(t *testing.T) {
				fake := newFake(client.COS)
				data := randomData(302, parts*ps)
				fake.putObject("bkt", "obj", data)
				g := newGate()
				fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
					if in.Offset < 2*ps {
						return nil
					}
					return g.hold(ctx, int(in.Offset/ps))
				}
				rec := newRecorder()
				m, _ := New(fake, WithPartSize(ps), WithPartParallelism(2), WithListener(rec.listener()), WithProgressInterval(-1))
				var buf bytes.Buffer
				var task *Task
				var r *Reader
				var err error
				readDone := make(chan error, 1)
				if mode == "writer" {
					task, err = m.Download(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj", Writer: &buf})
				} else {
					r, err = m.Open(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj"})
					if err == nil {
						task = r.Task()
						go func() {
							_, err := io.Copy(&buf, r)
							readDone <- err
						}()
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				rec.waitParts(t, 2)  // ranges 0 and 1 delivered
				g.waitArrivals(t, 2) // ranges 2 and 3 held in flight
				if now {
					task.PauseNow()
				} else {
					task.Pause()
				}
				if now {
					rec.waitState(t, StatePaused) // the held ranges were dropped
					g.openUp()
				} else {
					g.openUp() // the held ranges finish
					rec.waitState(t, StatePaused)
				}
				atPause := len(fake.callsOf("GetObject"))
				cp := task.Checkpoint()
				wantDone := 4
				if now {
					wantDone = 2
				}
				if len(cp.Parts) != wantDone || task.Progress().Bytes != int64(wantDone*ps) {
					t.Errorf("paused with %d ranges delivered (%d bytes), want %d", len(cp.Parts), task.Progress().Bytes, wantDone)
				}
				if p := task.Progress(); p.Sent != p.Bytes {
					t.Errorf("paused with %+v: Sent counts ranges not in flight", p)
				}
				task.Resume()
				res := mustWait(t, task)
				if mode == "open" {
					if err := <-readDone; err != nil {
						t.Fatal(err)
					}
					if err := r.Close(); err != nil {
						t.Fatal(err)
					}
				}
				sameSHA256(t, buf.Bytes(), data)
				if res.Verified != "crc64" {
					t.Errorf("Verified = %q", res.Verified)
				}
				gets := len(fake.callsOf("GetObject"))
				switch {
				case !now && (atPause != 4 || gets != parts):
					t.Errorf("%d GETs at pause and %d in all, want 4 and %d", atPause, gets, parts)
				case now && gets != parts+2:
					t.Errorf("%d GETs in all, want %d (the two dropped by PauseNow again)", gets, parts+2)
				}
				rec.checkProgress(t, int64(len(data)))
			})
		}
	}
}

// TestStreamCancel cancels a streamed download with ranges in flight: the
// task ends cancelled, and what the destination got is a prefix of the
// object, in whole ranges.
func TestStreamCancel(t *testing.T) {
	const ps = kib
	fake := newFake(client.S3)
	data := randomData(303, 10*ps)
	fake.putObject("bkt", "obj", data)
	g := newGate()
	fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
		if in.Offset < 3*ps {
			return nil
		}
		return g.hold(ctx, int(in.Offset/ps))
	}
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(ps), WithPartParallelism(2), WithListener(rec.listener()))
	var buf bytes.Buffer
	task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj", Writer: &buf})
	rec.waitParts(t, 3)
	g.waitArrivals(t, 2)
	task.Cancel()
	_, err := wait(t, task)
	if !errors.Is(err, context.Canceled) || task.State() != StateCancelled {
		t.Fatalf("Wait = %v, state %s; want cancelled", err, task.State())
	}
	got := buf.Bytes()
	if len(got) != 3*ps || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("the Writer got %d bytes, want the first 3 ranges", len(got))
	}
	if n := m.bufOutNow(); n != 0 {
		t.Errorf("%d part buffers not given back", n)
	}
}

// TestStreamCorrupt: bytes that do not match what the server publishes
// fail a streamed download with a *ChecksumError; Open's Read returns it
// instead of io.EOF.
func TestStreamCorrupt(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.COS} {
		for _, mode := range streamModes {
			t.Run(d.Name+"/"+mode, func(t *testing.T) {
				fake := newFake(d)
				data := randomData(304, 5*kib+7)
				o := fake.putObject("bkt", "obj", data)
				fake.mu.Lock()
				o.data = append([]byte(nil), o.data...)
				o.data[3*kib] ^= 1 // after its ETag and CRC-64 were computed
				fake.mu.Unlock()
				m, _ := New(fake, WithPartSize(kib), WithPartParallelism(3))
				got, _, err := streamDownload(t, m, mode, "bkt", "obj")
				var ce *ChecksumError
				var te *TaskError
				if !errors.As(err, &ce) || !errors.As(err, &te) || !errors.Is(err, ErrChecksumMismatch) {
					t.Fatalf("err = %v, want a TaskError with a ChecksumError", err)
				}
				if len(got) != len(data) {
					t.Errorf("%d bytes delivered before the check, want %d", len(got), len(data))
				}
			})
		}
	}
}

// TestOpenEarlyClose closes a Reader after a few bytes, with ranges
// fetched ahead and one held in flight: Close cancels the task, waits for
// its workers, gives every buffer back and leaves no goroutine of the
// package running; Read then fails.
func TestOpenEarlyClose(t *testing.T) {
	fake := newFake(client.S3)
	data := randomData(305, 16*kib)
	fake.putObject("bkt", "obj", data)
	g := newGate()
	fake.onGet = func(ctx context.Context, in *GetObjectRangeInput) error {
		if in.Offset < 3*kib {
			return nil
		}
		return g.hold(ctx, int(in.Offset/kib))
	}
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(3))
	r, err := m.Open(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj"})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(head, data[:100]) {
		t.Fatal("first bytes differ")
	}
	g.waitArrivals(t, 1)
	if err := r.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if st := r.Task().State(); st != StateCancelled {
		t.Errorf("task %s after Close, want cancelled", st)
	}
	if _, err := r.Read(head); err == nil {
		t.Error("Read after Close succeeded")
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if n := m.bufOutNow(); n != 0 {
		t.Errorf("%d part buffers not given back", n)
	}
	noTransferGoroutines(t)
}

// noTransferGoroutines fails if a goroutine of the task machinery is
// still running once the goroutines that just ended have returned (they
// are given the processor until the deadline, a safety net).
func noTransferGoroutines(t *testing.T) {
	t.Helper()
	leaked := func() string {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "polystore/transfer.(*") && !strings.Contains(g, "transfer.noTransferGoroutines") &&
				!strings.Contains(g, "testing.tRunner") {
				return g
			}
		}
		return ""
	}
	deadline := time.Now().Add(testTimeout)
	for g := leaked(); g != ""; g = leaked() {
		if time.Now().After(deadline) {
			t.Fatalf("a goroutine of the task is still running:\n%s", g)
		}
		runtime.Gosched()
	}
}

// TestStreamInput: a destination besides a Writer, or one given to
// Open, is refused naming the field, before any request.
func TestStreamInput(t *testing.T) {
	fake := newFake(client.S3)
	m, _ := New(fake)
	var ia *client.InvalidArgumentError
	_, err := m.Download(context.Background(), &DownloadInput{Bucket: "b", Key: "k", Writer: io.Discard, File: "x"})
	if !errors.As(err, &ia) || ia.Field != "File" {
		t.Errorf("Download with a Writer and a File: %v", err)
	}
	_, err = m.Open(context.Background(), &DownloadInput{Bucket: "b", Key: "k", Writer: io.Discard})
	if !errors.As(err, &ia) || ia.Field != "Writer" {
		t.Errorf("Open with a Writer: %v", err)
	}
	_, err = m.Open(context.Background(), &DownloadInput{Key: "k"})
	if !errors.As(err, &ia) || ia.Field != "Bucket" {
		t.Errorf("Open without a bucket: %v", err)
	}
	if n := len(fake.callsOf("HeadObject")); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
