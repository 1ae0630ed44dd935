package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// stAttempts is the client's attempts per request in the storagetest
// tests: more than the faults any test injects for one request.
const stAttempts = 10

// stPartSize is the part size of the storagetest tests: the servers (and
// the clients' dialects) accept parts this small.
const stPartSize = 64 * kib

var allDialects = []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM}

// smallParts returns d with a minimum part size of stPartSize.
func smallParts(d client.Dialect) client.Dialect {
	d.Limits.MinPartSize = stPartSize
	return d
}

func testBucket(d client.Dialect) string {
	if d.Name == client.COS.Name {
		return "transfer-1250000000"
	}
	return "transfer-bucket"
}

// stEnv is a storagetest server with a bucket and a client API.
type stEnv struct {
	srv    *storagetest.Server
	c      *client.Client
	api    *ClientAPI
	bucket string
}

func newSTEnv(t testing.TB, d client.Dialect) *stEnv {
	t.Helper()
	d = smallParts(d)
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	c, err := srv.Client(client.WithRetry(client.RetryPolicy{MaxAttempts: stAttempts, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	e := &stEnv{srv: srv, c: c, api: NewClientAPI(c), bucket: testBucket(d)}
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: e.bucket}); err != nil {
		t.Fatal(err)
	}
	return e
}

// uploads returns the multipart uploads in progress in the bucket.
func (e *stEnv) uploads(t testing.TB) []string {
	t.Helper()
	var ids []string
	for u, err := range bucket.NewClient(e.c).ListMultipartUploads(ctxT(t), &bucket.ListMultipartUploadsInput{Bucket: e.bucket}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.UploadID)
	}
	return ids
}

// partUploads counts the successful UploadPart requests per part number
// in the server's log.
func partUploads(reqs []storagetest.Request, d client.Dialect) map[int]int {
	out := map[int]int{}
	for _, r := range reqs {
		if r.Op != "UploadPart" || r.Status/100 != 2 {
			continue
		}
		n, _ := strconv.Atoi(r.Query.Get(d.Params.PartNumber))
		out[n]++
	}
	return out
}

func countOp(reqs []storagetest.Request, op string) int {
	n := 0
	for _, r := range reqs {
		if r.Op == op {
			n++
		}
	}
	return n
}

// roundTrip uploads data from a file and downloads it to another file.
func roundTrip(t *testing.T, m *Manager, bucketName, key string, data []byte, optFns ...func(*Options)) (*Result, *Result) {
	t.Helper()
	ctx := ctxT(t)
	src := writeTemp(t, data)
	task, err := m.Upload(ctx, &UploadInput{Bucket: bucketName, Key: key, File: src, ObjectOptions: ObjectOptions{ContentType: "application/octet-stream", Metadata: map[string]string{"origin": "transfer-test"}}}, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	up := mustWait(t, task)
	dst := filepath.Join(t.TempDir(), "out.bin")
	task, err = m.Download(ctx, &DownloadInput{Bucket: bucketName, Key: key, File: dst}, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	down := mustWait(t, task)
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	equalBytes(t, got, data)
	return up, down
}

// TestStoragetestRoundTrip uploads and downloads 0 bytes, 1 byte, exactly
// one part, one part and a byte, and many parts, on every dialect; the
// bytes come back identical.
func TestStoragetestRoundTrip(t *testing.T) {
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
				t.Run(strconv.Itoa(size), func(t *testing.T) {
					up, down := roundTrip(t, m, e.bucket, fmt.Sprint("obj-", size), randomData(uint64(size), size))
					wantParts := 1
					if size >= stPartSize {
						wantParts = (size + stPartSize - 1) / stPartSize
						if up.UploadID == "" {
							t.Error("no multipart upload")
						}
					}
					if up.Parts != wantParts || down.Size != int64(size) {
						t.Errorf("upload %+v, download %+v", up, down)
					}
					// What the server publishes was checked, and every
					// object the manager uploads can be verified on
					// download.
					if d.Has(client.FeatureCRC64) && up.Verified != "crc64" {
						t.Errorf("upload not CRC-verified: %q", up.Verified)
					}
					want := map[bool]string{true: "md5", false: "crc32c"} // by single PUT, QingStor
					switch {
					case d.Has(client.FeatureCRC64):
						want = map[bool]string{true: "crc64", false: "crc64"}
					case d.Has(client.FeatureChecksums):
						want = map[bool]string{true: "crc32c", false: "crc32c-composite"}
					}
					if w := want[up.UploadID == ""]; down.Verified != w || down.Unverified != "" {
						t.Errorf("download verified %q (unverified: %q), want %q", down.Verified, down.Unverified, w)
					}
					// S3 and IBM check a CRC32C per part and the composite.
					if d.Has(client.FeatureChecksums) && (up.Verified != "crc32c" || up.Checksum.IsZero()) {
						t.Errorf("upload not CRC32C-verified: %q %v", up.Verified, up.Checksum)
					}
				})
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
		})
	}
}

// TestStoragetestPauseResume pauses with two parts in flight after the
// first was acknowledged: they finish and count, nothing else is sent
// while paused, and after Resume the request log shows no part number
// uploaded twice.
func TestStoragetestPauseResume(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(40, 10*stPartSize)
			task, rec := pauseMidway(t, e.api, &UploadInput{Bucket: e.bucket, Key: "paused", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}, stPartSize)
			if n, acked := countOp(e.srv.Requests(), "UploadPart"), task.Progress().Parts; n != 3 || acked != 3 {
				t.Errorf("%d UploadPart requests and %d parts acknowledged at pause, want 3 and 3", n, acked)
			}
			if uploads := e.uploads(t); len(uploads) != 1 {
				t.Fatalf("uploads while paused: %v", uploads)
			}
			if st := task.State(); st != StatePaused {
				t.Errorf("state %s", st)
			}
			task.Resume()
			res := mustWait(t, task)
			sent := partUploads(e.srv.Requests(), d)
			for n, c := range sent {
				if c != 1 {
					t.Errorf("part %d uploaded %d times", n, c)
				}
			}
			if len(sent) != 10 || res.Parts != 10 || countOp(e.srv.Requests(), "UploadPart") != 10 {
				t.Errorf("%d parts uploaded, result %d, want 10", len(sent), res.Parts)
			}
			rec.checkProgress(t, int64(len(data)))
			checkObject(t, e, "paused", data)
		})
	}
}

// checkObject downloads key and compares it with want.
func checkObject(t *testing.T, e *stEnv, key string, want []byte) {
	t.Helper()
	m, _ := New(e.api, WithPartSize(stPartSize))
	mem := &memWriterAt{}
	task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: key, WriterAt: mem})
	mustWait(t, task)
	equalBytes(t, mem.bytes(), want)
}

// TestStoragetestCancel cancels with parts in flight: no multipart upload
// remains. With KeepParts it remains, and an upload that names it
// finishes it without sending the acknowledged parts again.
func TestStoragetestCancel(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(41, 8*stPartSize)
			in := &UploadInput{Bucket: e.bucket, Key: "cancelled", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}

			cancelMidway(t, e.api, in, stPartSize)
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left after cancel: %v", ids)
			}
			if n := countOp(e.srv.Requests(), "AbortMultipartUpload"); n != 1 {
				t.Errorf("%d aborts", n)
			}

			err := cancelMidway(t, e.api, in, stPartSize, WithKeepParts(true))
			var te *TaskError
			if !errors.As(err, &te) {
				t.Fatalf("Wait = %v", err)
			}
			if ids := e.uploads(t); len(ids) != 1 || ids[0] != te.UploadID {
				t.Fatalf("uploads after cancel with KeepParts: %v, want [%s]", ids, te.UploadID)
			}
			e.srv.ResetLog()
			m, _ := New(e.api, WithPartSize(stPartSize))
			resumed := *in
			resumed.UploadID = te.UploadID
			task, _ := m.Upload(ctxT(t), &resumed)
			res := mustWait(t, task)
			// Part 1 was acknowledged; parts 2 and 3 were cancelled
			// before they were sent.
			first := d.Limits.FirstPartNumber
			if res.ResumedParts != 1 || res.UploadID != te.UploadID {
				t.Errorf("result %+v, want 1 part of %s resumed", res, te.UploadID)
			}
			sent := partUploads(e.srv.Requests(), d)
			if sent[first] != 0 || len(sent) != 7 {
				t.Errorf("sent %v on resume, want every part but the first, once", sent)
			}
			for n, c := range sent {
				if c != 1 {
					t.Errorf("part %d sent %d times", n, c)
				}
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
			checkObject(t, e, "cancelled", data)
		})
	}
}

// TestStoragetestLimits runs five uploads and then five downloads with
// two file slots of three parts each: the server never sees more than
// six requests at once. Parts are slowed down so that they overlap.
func TestStoragetestLimits(t *testing.T) {
	e := newSTEnv(t, client.S3)
	slow := func(r *http.Request) bool { return r.URL.Query().Has("partNumber") || r.Header.Get("Range") != "" }
	e.srv.InjectFault(storagetest.Fault{Match: slow, Times: 1000, Delay: 5 * time.Millisecond})
	m, _ := New(e.api, WithFileParallelism(2), WithPartParallelism(3), WithPartSize(stPartSize))
	data := randomData(42, 6*stPartSize)
	var tasks []*Task
	for i := 0; i < 5; i++ {
		task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: fmt.Sprint("limit-", i), ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
		tasks = append(tasks, task)
	}
	for _, task := range tasks {
		mustWait(t, task)
	}
	tasks = tasks[:0]
	for i := 0; i < 5; i++ {
		task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: fmt.Sprint("limit-", i), WriterAt: &memWriterAt{}})
		tasks = append(tasks, task)
	}
	for _, task := range tasks {
		mustWait(t, task)
	}
	peak := e.srv.MaxConcurrent()
	t.Logf("peak concurrent requests: %d", peak)
	if peak > 6 {
		t.Errorf("peak concurrent requests %d, want at most 2 files × 3 parts = 6", peak)
	}
}

// TestStoragetestFaults resets connections in the middle of parts and
// answers bursts of 503s, on uploads and downloads: the client retries,
// and the result is byte-identical.
func TestStoragetestFaults(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			isPart := func(r *http.Request) bool { return r.URL.Query().Has(d.Params.PartNumber) }
			isGet := func(r *http.Request) bool { return r.Method == http.MethodGet && r.Header.Get("Range") != "" }
			e.srv.InjectFault(storagetest.Fault{Match: isPart, ResetAfterBytes: stPartSize / 2, Times: 3})
			e.srv.InjectFault(storagetest.Fault{Match: isPart, Status: http.StatusServiceUnavailable, Times: 4})
			e.srv.InjectFault(storagetest.Fault{Match: isGet, Status: http.StatusServiceUnavailable, Times: 4})
			e.srv.InjectFault(storagetest.Fault{Match: isGet, ResetAfterBytes: 1, Times: 2})
			m, _ := New(e.api, WithPartSize(stPartSize), WithPartParallelism(2))
			data := randomData(43, 6*stPartSize+5)
			roundTrip(t, m, e.bucket, "faulty", data)
			if n := e.srv.PendingFaults(); n != 0 {
				t.Errorf("%d faults not triggered", n)
			}
			for n, c := range partUploads(e.srv.Requests(), d) {
				if c != 1 {
					t.Errorf("part %d acknowledged %d times", n, c)
				}
			}
		})
	}
}

// TestStoragetestPersistentFailure makes every attempt of one part fail:
// the task fails with the server's error (not a cancellation), names the
// part and the upload, and with KeepParts the upload can be resumed.
func TestStoragetestPersistentFailure(t *testing.T) {
	d := client.S3
	e := newSTEnv(t, d)
	part3 := func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == "3" }
	e.srv.InjectFault(storagetest.Fault{Match: part3, Status: http.StatusInternalServerError, Code: "InternalError", Times: stAttempts})
	m, _ := New(e.api, WithPartSize(stPartSize), WithPartParallelism(2), WithKeepParts(true))
	data := randomData(44, 5*stPartSize)
	in := &UploadInput{Bucket: e.bucket, Key: "fails", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}
	task, _ := m.Upload(ctxT(t), in)
	_, err := wait(t, task)
	var te *TaskError
	var re *client.ResponseError
	if !errors.As(err, &te) || !errors.As(err, &re) || re.Code != "InternalError" || errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want the InternalError of part 3", err)
	}
	if te.PartNumber != 3 || te.UploadID == "" {
		t.Errorf("TaskError = %+v", te)
	}
	resumed := *in
	resumed.UploadID = te.UploadID
	task, _ = m.Upload(ctxT(t), &resumed)
	if res := mustWait(t, task); res.UploadID != te.UploadID {
		t.Errorf("resumed into %s, want %s", res.UploadID, te.UploadID)
	}
	checkObject(t, e, "fails", data)
}
