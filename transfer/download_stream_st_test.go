package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

// wantDownloadVerified is what a download of an object the manager
// uploaded is verified by on d: single PUT or multipart.
func wantDownloadVerified(d client.Dialect, multipart bool) string {
	switch {
	case d.Has(client.FeatureCRC64):
		return "crc64"
	case d.Has(client.FeatureChecksums) && multipart:
		return "crc32c-composite"
	case d.Has(client.FeatureChecksums):
		return "crc32c"
	case multipart:
		return "crc32c" // QingStor: the polystore ETag
	}
	return "md5"
}

// TestStoragetestStream uploads 0 bytes, 1 byte, one part, one part and
// a byte and many parts on every dialect and streams each back into a
// Writer and through Open: the bytes are identical (SHA-256) and
// verified by what the dialect publishes.
func TestStoragetestStream(t *testing.T) {
	sizes := []int{0, 1, stPartSize, stPartSize + 1, 7*stPartSize + 123}
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			m, err := New(e.api, WithPartSize(stPartSize), WithPartParallelism(3))
			if err != nil {
				t.Fatal(err)
			}
			for _, size := range sizes {
				key := fmt.Sprint("stream-", size)
				data := randomData(uint64(size)+400, size)
				up, err := e.upload(t, key, data)
				if err != nil {
					t.Fatal(err)
				}
				for _, mode := range streamModes {
					t.Run(fmt.Sprint(size, "/", mode), func(t *testing.T) {
						got, res, err := streamDownload(t, m, mode, e.bucket, key)
						if err != nil {
							t.Fatal(err)
						}
						sameSHA256(t, got, data)
						if w := wantDownloadVerified(d, up.UploadID != ""); res.Verified != w || res.Unverified != "" {
							t.Errorf("Verified %q (Unverified %q), want %q", res.Verified, res.Unverified, w)
						}
						if res.Size != int64(size) || res.File != "" {
							t.Errorf("result %+v", res)
						}
					})
				}
			}
		})
	}
}

// TestStoragetestStreamPauseResume pauses a streamed download on every
// dialect with two ranges in flight: they are delivered, no GET is sent
// while paused, and after Resume every range has been fetched once and
// the bytes are identical. Then a cancel with ranges in flight: the task
// is cancelled and the Writer holds a prefix in whole ranges.
func TestStoragetestStreamPauseResume(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(401, 8*stPartSize+5)
			if _, err := e.upload(t, "obj", data); err != nil {
				t.Fatal(err)
			}
			for _, mode := range streamModes {
				t.Run("pause/"+mode, func(t *testing.T) { streamPauseResume(t, e.api, e.bucket, "obj", data, stPartSize, mode) })
			}
			t.Run("cancel", func(t *testing.T) { streamCancel(t, e.api, e.bucket, "obj", data, stPartSize) })
			t.Run("early-close", func(t *testing.T) { streamEarlyClose(t, e.api, e.bucket, "obj", data, stPartSize) })
		})
	}
}

// streamPauseResume pauses a streamed download of bkt/key (data, in
// ranges of ps; at least 5 of them) with two ranges in flight: they are
// delivered, no GET is sent while paused, and after Resume every range
// has been fetched once and the bytes are identical.
func streamPauseResume(t *testing.T, api *ClientAPI, bkt, key string, data []byte, ps int64, mode string) {
	g := newGate()
	var mu sync.Mutex
	fetched := map[int64]int{}
	held := &heldAPI{ClientAPI: api, hold: func(ctx context.Context, in *GetObjectRangeInput) error {
		mu.Lock()
		fetched[in.Offset]++
		mu.Unlock()
		if in.Offset < 2*ps {
			return nil
		}
		return g.hold(ctx, int(in.Offset/ps))
	}}
	gets := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, k := range fetched {
			n += k
		}
		return n
	}
	rec := newRecorder()
	m, _ := New(held, WithPartSize(ps), WithPartParallelism(2), WithListener(rec.listener()), WithProgressInterval(-1))
	var buf bytes.Buffer
	var task *Task
	var r *Reader
	readDone := make(chan error, 1)
	if mode == "writer" {
		task, _ = m.Download(ctxT(t), &DownloadInput{Bucket: bkt, Key: key, Writer: &buf})
	} else {
		r, _ = m.Open(ctxT(t), &DownloadInput{Bucket: bkt, Key: key})
		task = r.Task()
		go func() {
			_, err := io.Copy(&buf, r)
			readDone <- err
		}()
	}
	rec.waitParts(t, 2)
	g.waitArrivals(t, 2)
	task.Pause()
	g.openUp()
	rec.waitState(t, StatePaused)
	if n := gets(); n != 4 {
		t.Errorf("%d GETs by the pause, want 4", n)
	}
	if p := task.Progress(); p.Bytes != 4*ps || p.Parts != 4 {
		t.Errorf("progress at pause %+v, want 4 ranges", p)
	}
	task.Resume()
	res := mustWait(t, task)
	if r != nil {
		if err := <-readDone; err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	sameSHA256(t, buf.Bytes(), data)
	if res.Verified == "" {
		t.Errorf("not verified: %s", res.Unverified)
	}
	mu.Lock()
	defer mu.Unlock()
	for off, n := range fetched {
		if n != 1 {
			t.Errorf("range at %d fetched %d times", off, n)
		}
	}
	if want := int((int64(len(data)) + ps - 1) / ps); len(fetched) != want {
		t.Errorf("%d ranges fetched, want %d", len(fetched), want)
	}
}

// streamCancel cancels a streamed download with ranges in flight: the
// task is cancelled and the Writer holds a prefix in whole ranges.
func streamCancel(t *testing.T, api *ClientAPI, bkt, key string, data []byte, ps int64) {
	g := newGate()
	held := &heldAPI{ClientAPI: api, hold: func(ctx context.Context, in *GetObjectRangeInput) error {
		if in.Offset < 3*ps {
			return nil
		}
		return g.hold(ctx, int(in.Offset/ps))
	}}
	rec := newRecorder()
	m, _ := New(held, WithPartSize(ps), WithPartParallelism(2), WithListener(rec.listener()))
	var buf bytes.Buffer
	task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: bkt, Key: key, Writer: &buf})
	rec.waitParts(t, 3)
	g.waitArrivals(t, 2)
	task.Cancel()
	if _, err := wait(t, task); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	if got := buf.Bytes(); int64(len(got)) != 3*ps || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("the Writer got %d bytes, want the first 3 ranges", len(got))
	}
}

// streamEarlyClose closes a Reader after a range and a bit: Close
// returns nil, the task ends and every buffer is given back.
func streamEarlyClose(t *testing.T, api *ClientAPI, bkt, key string, data []byte, ps int64) {
	m, _ := New(api, WithPartSize(ps), WithPartParallelism(3))
	r, err := m.Open(ctxT(t), &DownloadInput{Bucket: bkt, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, ps+10)
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, data[:len(head)]) {
		t.Fatalf("first bytes: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Task().State(); st != StateCancelled && st != StateDone {
		t.Errorf("task %s after Close", st)
	}
	if n := m.bufOutNow(); n != 0 {
		t.Errorf("%d part buffers not given back", n)
	}
}

// TestStoragetestStreamBitFlip: a bit flipped in one range's body fails a
// streamed download on every dialect with a *ChecksumError, Open's Read
// with it instead of io.EOF, after every byte was delivered.
func TestStoragetestStreamBitFlip(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			m, _ := New(e.api, WithPartSize(stPartSize), WithPartParallelism(3))
			for _, size := range []int{stPartSize / 2, 3*stPartSize + 77} {
				key := fmt.Sprint("flip-", size)
				data := randomData(uint64(size)+402, size)
				if _, err := e.upload(t, key, data); err != nil {
					t.Fatal(err)
				}
				for _, mode := range streamModes {
					t.Run(fmt.Sprint(size, "/", mode), func(t *testing.T) {
						hits := flipGet(e.srv, key, int64(size)/2%stPartSize)
						got, _, err := streamDownload(t, m, mode, e.bucket, key)
						if hits.Load() != 1 {
							t.Fatalf("%d answers corrupted", hits.Load())
						}
						checkDetected(t, err, "")
						if len(got) != size || bytes.Equal(got, data) {
							t.Errorf("%d bytes delivered (identical: %v), want %d with the flipped bit", len(got), bytes.Equal(got, data), size)
						}
					})
				}
			}
		})
	}
}

// TestMinIOStream streams objects of 0 bytes to many parts from a real
// S3 server into a Writer and through Open.
func TestMinIOStream(t *testing.T) {
	srv := minioShared(t)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	bkt := "stream-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	m, err := NewFromClient(c, WithPartSize(minioPartSize), WithPartParallelism(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 1, minioPartSize, minioPartSize + 1, 3*minioPartSize + 12345} {
		key := fmt.Sprint("obj-", size)
		data := randomData(uint64(size)+403, size)
		task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: bkt, Key: key, File: writeTemp(t, data)})
		up := mustWait(t, task)
		for _, mode := range streamModes {
			t.Run(fmt.Sprint(size, "/", mode), func(t *testing.T) {
				got, res, err := streamDownload(t, m, mode, bkt, key)
				if err != nil {
					t.Fatal(err)
				}
				sameSHA256(t, got, data)
				if w := map[bool]string{true: "crc32c", false: "crc32c-composite"}[up.UploadID == ""]; res.Verified != w {
					t.Errorf("Verified %q (%q), want %q", res.Verified, res.Unverified, w)
				}
			})
		}
	}
	// Pause, resume and cancel in ranges of 1 MiB of an object sent in a
	// single PUT (those of one sent in parts would be its parts).
	data := randomData(404, 6<<20+3)
	task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: bkt, Key: "paused", File: writeTemp(t, data)}, WithMultipartThreshold(1<<30))
	mustWait(t, task)
	api := NewClientAPI(c)
	for _, mode := range streamModes {
		t.Run("pause/"+mode, func(t *testing.T) { streamPauseResume(t, api, bkt, "paused", data, 1<<20, mode) })
	}
	t.Run("cancel", func(t *testing.T) { streamCancel(t, api, bkt, "paused", data, 1<<20) })
	t.Run("early-close", func(t *testing.T) { streamEarlyClose(t, api, bkt, "paused", data, 1<<20) })
}
