package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

const kib = 1 << 10

// onlyReader hides every interface but io.Reader.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func uploadInput(t testing.TB, kind string, data []byte) *UploadInput {
	in := &UploadInput{Bucket: "bkt", Key: "obj"}
	switch kind {
	case "file":
		in.File = writeTemp(t, data)
	case "readerat":
		in.ReaderAt, in.Size = bytes.NewReader(data), int64(len(data))
	case "reader":
		in.Reader = onlyReader{bytes.NewReader(data)}
	}
	return in
}

// TestUploadSizes uploads 0 bytes, 1 byte, one part less a byte, exactly
// one part, one part and a byte and many parts, from each kind of source,
// on dialects that check Content-MD5 (S3), CRC-64 (COS) and number parts
// from 0 (QingStor), with and without the single-PUT threshold.
func TestUploadSizes(t *testing.T) {
	const ps = 4 * kib
	sizes := []int{0, 1, ps - 1, ps, ps + 1, 5*ps + 3}
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor} {
		for _, kind := range []string{"file", "readerat", "reader"} {
			for _, multipart := range []bool{false, true} {
				for _, size := range sizes {
					name := fmt.Sprintf("%s/%s/multipart=%v/%d", d.Name, kind, multipart, size)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						fake := newFake(smallDialect(d))
						rec := newRecorder()
						opts := []func(*Options){WithPartSize(ps), WithPartParallelism(3), WithListener(rec.listener()), WithProgressInterval(-1)}
						if multipart {
							opts = append(opts, WithMultipartThreshold(-1))
						}
						m, err := New(fake, opts...)
						if err != nil {
							t.Fatal(err)
						}
						data := randomData(uint64(size), size)
						task, err := m.Upload(context.Background(), uploadInput(t, kind, data))
						if err != nil {
							t.Fatal(err)
						}
						res := mustWait(t, task)
						got, ok := fake.object("bkt", "obj")
						if !ok {
							t.Fatal("object not stored")
						}
						equalBytes(t, got, data)
						if res.Size != int64(size) {
							t.Errorf("Result.Size = %d, want %d", res.Size, size)
						}
						wantParts := 1
						if multipart || size >= ps {
							wantParts = max((size+ps-1)/ps, 1)
						}
						single := size == 0 || (!multipart && size < ps)
						if single {
							if n := len(fake.callsOf("PutObject")); n != 1 {
								t.Errorf("%d PutObject calls, want 1", n)
							}
						} else {
							parts := fake.okParts()
							slices.Sort(parts)
							first := d.Limits.FirstPartNumber
							for i, n := range parts {
								if n != first+i {
									t.Fatalf("parts = %v, want %d from %d", parts, wantParts, first)
								}
							}
							if len(parts) != wantParts {
								t.Errorf("%d parts, want %d", len(parts), wantParts)
							}
							if res.UploadID == "" {
								t.Error("Result.UploadID is empty")
							}
						}
						if res.Parts != wantParts {
							t.Errorf("Result.Parts = %d, want %d", res.Parts, wantParts)
						}
						if d.Has(client.FeatureCRC64) && (!res.HasCRC64 || res.Verified != "crc64") {
							t.Errorf("COS result not CRC-verified: %+v", res)
						}
						rec.checkProgress(t, int64(size))
						if st := task.State(); st != StateDone {
							t.Errorf("state %s", st)
						}
					})
				}
			}
		}
	}
}

// TestPartSizeGrows checks that the part size grows to fit the dialect's
// part-count limit, in whole MiB.
func TestPartSizeGrows(t *testing.T) {
	d := smallDialect(client.S3)
	d.Limits.MaxParts = 3
	fake := newFake(d)
	m, _ := New(fake, WithPartSize(kib))
	data := randomData(7, 5<<20+1)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	mustWait(t, task)
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	if n := len(fake.okParts()); n != 3 {
		t.Errorf("%d parts, want 3", n)
	}
	if ps := task.Checkpoint().PartSize; ps != 2<<20 {
		t.Errorf("part size %d, want 2 MiB", ps)
	}

	if _, _, err := planParts(1<<40, kib, client.Limits{MaxParts: 10, MaxPartSize: 1 << 20}); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("too large an object: %v", err)
	}
}

// TestPause pauses with two parts in flight: they finish and count, no
// new part starts, and after Resume no acknowledged part is sent again.
func TestPause(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithListener(rec.listener()), WithProgressInterval(-1))
	data := randomData(1, 10*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	g.waitArrivals(t, 2)
	// The two parts were read and sent, but not acknowledged yet.
	if p := task.Progress(); p.Bytes != 0 || p.Parts != 0 {
		t.Errorf("progress before any acknowledgement = %+v, want 0", p)
	}
	task.Pause()
	g.openUp()
	rec.waitState(t, StatePaused)
	if n := len(fake.callsOf("UploadPart")); n != 2 {
		t.Fatalf("%d UploadPart calls by the time the task paused, want the 2 in flight", n)
	}
	if p := task.Progress(); p.Bytes != 2*kib || p.Parts != 2 {
		t.Errorf("progress at pause = %+v, want the 2 parts in flight counted", p)
	}
	if st := task.State(); st != StatePaused {
		t.Errorf("state %s", st)
	}
	id := task.Checkpoint().UploadID
	task.Resume()
	res := mustWait(t, task)
	if res.UploadID != id {
		t.Errorf("resumed with upload %s, want %s", res.UploadID, id)
	}
	checkNoDuplicates(t, fake.okParts())
	if n := len(fake.callsOf("UploadPart")); n != 10 {
		t.Errorf("%d UploadPart calls, want 10", n)
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	rec.checkProgress(t, int64(len(data)))
}

// TestPauseNow cancels the parts in flight; they are sent again on
// Resume, while parts acknowledged before the pause are not.
func TestPauseNow(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = func(ctx context.Context, n int) error {
		if n <= 2 {
			return nil
		}
		return g.hold(ctx, n)
	}
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithListener(rec.listener()))
	data := randomData(2, 8*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	held := g.waitArrivals(t, 2)
	rec.waitParts(t, 2)
	task.PauseNow()
	rec.waitState(t, StatePaused)
	if p := task.Progress(); p.Parts != 2 {
		t.Errorf("progress at pause = %+v, want 2 parts", p)
	}
	g.openUp()
	task.Resume()
	mustWait(t, task)
	ok := fake.okParts()
	checkNoDuplicates(t, ok)
	attempts := countDistinct(func() []int {
		var all []int
		for _, c := range fake.callsOf("UploadPart") {
			all = append(all, c.Part)
		}
		return all
	}())
	for _, n := range held {
		if attempts[n] != 2 {
			t.Errorf("part %d, cancelled by PauseNow, was sent %d times, want 2", n, attempts[n])
		}
	}
	if attempts[1] != 1 || attempts[2] != 1 {
		t.Errorf("acknowledged parts sent again: %v", attempts)
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
}

// TestPauseWhileWaiting pauses a task queued for a file slot.
func TestPauseWhileWaiting(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	rec := newRecorder()
	m, _ := New(fake, WithFileParallelism(1), WithPartSize(kib), WithListener(rec.listener()))
	data := randomData(3, 3*kib)
	first, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "a", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	g.waitArrivals(t, 1)
	second, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "b", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if st := second.State(); st != StateWaiting {
		t.Fatalf("second task is %s, want waiting", st)
	}
	second.Pause()
	rec.waitState(t, StatePaused)
	g.openUp()
	mustWait(t, first)
	if st := second.State(); st != StatePaused {
		t.Fatalf("second task is %s after the first finished, want paused", st)
	}
	second.Resume()
	mustWait(t, second)
}

// TestCancel cancels mid-upload: Wait's error matches context.Canceled and
// carries the upload id, and the upload is aborted.
func TestCancel(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(3))
	data := randomData(4, 10*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	g.waitArrivals(t, 3)
	task.Cancel()
	_, err := wait(t, task)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	var te *TaskError
	if !errors.As(err, &te) || te.UploadID == "" {
		t.Fatalf("Wait = %#v, want a *TaskError with the upload id", err)
	}
	if st := task.State(); st != StateCancelled {
		t.Errorf("state %s", st)
	}
	if n := fake.numUploads(); n != 0 {
		t.Errorf("%d uploads left after cancel", n)
	}
	if aborts := fake.callsOf("AbortMultipartUpload"); len(aborts) != 1 || !aborts[0].OK {
		t.Errorf("aborts = %+v", aborts)
	}
}

// TestCancelPaused cancels a paused task: the upload is aborted.
func TestCancelPaused(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithListener(rec.listener()))
	data := randomData(4, 6*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	g.waitArrivals(t, 1)
	task.Pause()
	g.openUp()
	rec.waitState(t, StatePaused)
	task.Cancel()
	if _, err := wait(t, task); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	if n := fake.numUploads(); n != 0 {
		t.Errorf("%d uploads left", n)
	}
	task.Resume() // no effect on a finished task
	if st := task.State(); st != StateCancelled {
		t.Errorf("state %s", st)
	}
}

// TestCancelByContext cancels through the task's context.
func TestCancelByContext(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	m, _ := New(fake, WithPartSize(kib))
	ctx, cancel := context.WithCancel(context.Background())
	data := randomData(4, 4*kib)
	task, _ := m.Upload(ctx, &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	g.waitArrivals(t, 1)
	cancel()
	if _, err := wait(t, task); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	if n := fake.numUploads(); n != 0 {
		t.Errorf("%d uploads left", n)
	}
}

// TestCancelKeepParts keeps the upload on cancel and resumes it later by
// its id: only the missing parts are sent.
func TestCancelKeepParts(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = func(ctx context.Context, n int) error {
		if n <= 3 {
			return nil
		}
		return g.hold(ctx, n)
	}
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithKeepParts(true), WithListener(rec.listener()))
	data := randomData(5, 9*kib+5)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	rec.waitParts(t, 3)
	g.waitArrivals(t, 2)
	task.Cancel()
	_, err := wait(t, task)
	var te *TaskError
	if !errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	if n := fake.numUploads(); n != 1 {
		t.Fatalf("%d uploads after cancel with KeepParts, want 1", n)
	}
	g.openUp()
	before := len(fake.callsOf("UploadPart"))
	rec2 := newRecorder()
	task, _ = m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data)), UploadID: te.UploadID},
		WithListener(rec2.listener()), WithProgressInterval(-1))
	res := mustWait(t, task)
	if res.UploadID != te.UploadID || res.ResumedParts != 3 {
		t.Errorf("result %+v, want upload %s with 3 resumed parts", res, te.UploadID)
	}
	for _, c := range fake.callsOf("UploadPart")[before:] {
		if c.Part <= 3 {
			t.Errorf("acknowledged part %d sent again", c.Part)
		}
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	rec2.checkProgress(t, int64(len(data)))
	if len(rec2.hash) == 0 || rec2.hash[len(rec2.hash)-1].Bytes != 3*kib {
		t.Errorf("hash progress %+v, want 3 KiB verified", rec2.hash)
	}
}

// TestFailureRootCause fails one part while its siblings are in flight:
// Wait returns that failure, not the cancellation it caused, with the
// part number and upload id, and the upload is aborted.
func TestFailureRootCause(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	boom := errors.New("boom: persistent failure")
	fake.onPart = func(ctx context.Context, n int) error {
		if n == 3 {
			g.waitArrivals(t, 2) // parts 1 and 2 are in flight
			return boom
		}
		return g.hold(ctx, n)
	}
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(3))
	data := randomData(6, 10*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	_, err := wait(t, task)
	var te *TaskError
	if !errors.As(err, &te) {
		t.Fatalf("Wait = %v", err)
	}
	if !errors.Is(err, boom) || errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want the root cause only", err)
	}
	if te.PartNumber != 3 || te.UploadID == "" {
		t.Errorf("TaskError = %+v, want part 3 and the upload id", te)
	}
	if st := task.State(); st != StateFailed {
		t.Errorf("state %s", st)
	}
	if n := fake.numUploads(); n != 0 {
		t.Errorf("%d uploads left after failure", n)
	}
}

// TestParallelismLimits runs more tasks than file slots: exactly
// FileParallelism tasks run, each with PartParallelism parts in flight,
// and the others wait.
func TestParallelismLimits(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	m, _ := New(fake, WithFileParallelism(2), WithPartParallelism(3), WithPartSize(kib))
	data := randomData(8, 6*kib)
	var tasks []*Task
	for i := 0; i < 4; i++ {
		task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: fmt.Sprint("obj", i), ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
		tasks = append(tasks, task)
	}
	g.waitArrivals(t, 6)
	states := map[State]int{}
	for _, task := range tasks {
		states[task.State()]++
	}
	if states[StateRunning] != 2 || states[StateWaiting] != 2 {
		t.Errorf("states %v, want 2 running and 2 waiting", states)
	}
	g.openUp()
	for _, task := range tasks {
		mustWait(t, task)
	}
	if fake.peak != 6 {
		t.Errorf("peak requests in flight %d, want 6", fake.peak)
	}
}

// TestStreamSource uploads an io.Reader of unknown size with bounded
// part buffers.
func TestStreamSource(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithListener(rec.listener()), WithProgressInterval(-1))
	data := randomData(9, 20*kib+7)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", Reader: onlyReader{bytes.NewReader(data)}})
	g.waitArrivals(t, 2)
	if p := task.Progress(); p.Total != -1 || p.TotalParts != -1 {
		t.Errorf("total known before the end of the stream: %+v", p)
	}
	g.openUp()
	mustWait(t, task)
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	if peak := m.bufPeak; peak > 2+2 {
		t.Errorf("%d part buffers at once, want at most parallelism+2 = 4", peak)
	}
	if m.bufOut != 0 {
		t.Errorf("%d part buffers not given back", m.bufOut)
	}
	rec.checkProgress(t, int64(len(data)))
}

// TestStreamPauseNow re-sends a stream's cancelled parts from their
// buffers.
func TestStreamPauseNow(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithListener(rec.listener()))
	data := randomData(10, 6*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", Reader: onlyReader{bytes.NewReader(data)}})
	g.waitArrivals(t, 2)
	task.PauseNow()
	rec.waitState(t, StatePaused)
	g.openUp()
	task.Resume()
	mustWait(t, task)
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	checkNoDuplicates(t, fake.okParts())
}

// TestCRC64 checks COS's per-part CRC: a mismatched part is sent again,
// and a whole-object mismatch fails the task.
func TestCRC64(t *testing.T) {
	fake := newFake(smallDialect(client.COS))
	bad := true
	fake.partCRC = func(n int, crc uint64) uint64 {
		if n == 2 && bad {
			bad = false
			return crc ^ 1
		}
		return crc
	}
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(1))
	data := randomData(11, 4*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	res := mustWait(t, task)
	if res.Verified != "crc64" {
		t.Errorf("Verified = %q", res.Verified)
	}
	if c := countDistinct(fake.okParts()); c[2] != 2 {
		t.Errorf("part 2 sent %d times, want 2", c[2])
	}

	fake.completeCRC = func(crc uint64) uint64 { return crc + 1 }
	task, _ = m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj2", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	_, err := wait(t, task)
	var ce *ChecksumError
	if !errors.Is(err, ErrChecksumMismatch) || !errors.As(err, &ce) || ce.What != "object" {
		t.Errorf("Wait = %v, want an object checksum mismatch", err)
	}
}

// TestIntegrityModes checks which checksums are sent.
func TestIntegrityModes(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	m, _ := New(fake)
	if _, err := m.Upload(context.Background(), &UploadInput{Bucket: "b", Key: "k", ReaderAt: bytes.NewReader(nil)}, WithIntegrity(IntegrityCRC64)); !errors.Is(err, client.ErrNotSupported) {
		t.Errorf("CRC-64 on S3: %v", err)
	}
	if _, err := m.Upload(context.Background(), &UploadInput{Bucket: "b", Key: "k", ReaderAt: bytes.NewReader(nil)}, WithIntegrity(Integrity(42))); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("unknown mode: %v", err)
	}
	data := randomData(12, 3*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "b", Key: "k", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}, WithPartSize(kib), WithIntegrity(IntegrityOff))
	res := mustWait(t, task)
	if res.Verified != "" {
		t.Errorf("Verified = %q with integrity off", res.Verified)
	}
}

// TestUploadInputChecks refuses bad input before starting a task.
func TestUploadInputChecks(t *testing.T) {
	m, _ := New(newFake(client.S3))
	for name, in := range map[string]*UploadInput{
		"nil":       nil,
		"no bucket": {Key: "k", File: "f"},
		"no key":    {Bucket: "b", File: "f"},
		"no source": {Bucket: "b", Key: "k"},
		"two":       {Bucket: "b", Key: "k", File: "f", Reader: bytes.NewReader(nil)},
		"size":      {Bucket: "b", Key: "k", ReaderAt: bytes.NewReader(nil), Size: -1},
		"resume":    {Bucket: "b", Key: "k", Reader: bytes.NewReader(nil), UploadID: "u"},
	} {
		if _, err := m.Upload(context.Background(), in); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(nil); !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("New(nil): %v", err)
	}
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "b", Key: "k", File: filepath.Join(t.TempDir(), "missing")})
	if _, err := wait(t, task); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestCompleteAnsweredLost: a Complete whose success was not seen (its
// retry answers NoSuchUpload) is recognised by the object's size and
// multipart ETag; an object that does not match keeps the error.
func TestCompleteAnsweredLost(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	fake.lostComplete = true
	data := randomData(71, 3*kib+1)
	m, _ := New(fake, WithPartSize(kib))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	res := mustWait(t, task)
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	if !strings.HasSuffix(res.ETag, "-4") || res.Size != int64(len(data)) {
		t.Errorf("result %+v, want the 4-part object", res)
	}
	if n := len(fake.callsOf("HeadObject")); n != 1 {
		t.Errorf("%d HEADs, want 1 to confirm the object", n)
	}

	// The upload is really gone and someone else's object is under the
	// key, of the same size: the error stands.
	other := newFake(smallDialect(client.S3))
	other.goneUpload = true
	other.putObject("bkt", "obj", randomData(72, 3*kib+1))
	task, _ = mustManager(t, other).Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if _, err := wait(t, task); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("err = %v, want the NoSuchUpload", err)
	}
}
