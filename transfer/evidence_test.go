package transfer

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// isPartNumber, isCompleteReq and isAbortReq match the requests of one
// multipart operation of dialect d in a fault.
func isPartNumber(d client.Dialect, n int) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPut && r.URL.Query().Get(d.Params.PartNumber) == strconv.Itoa(n)
	}
}

func isCompleteReq(d client.Dialect) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Query().Has(d.Params.UploadID)
	}
}

func isAbortReq(d client.Dialect) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodDelete && r.URL.Query().Has(d.Params.UploadID)
	}
}

// objectExists reports whether key is in the bucket.
func (e *stEnv) objectExists(t testing.TB, key string) bool {
	t.Helper()
	for o, err := range bucket.NewClient(e.c).ListObjects(ctxT(t), &bucket.ListObjectsInput{Bucket: e.bucket, Prefix: key}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.Key == key {
			return true
		}
	}
	return false
}

// requestsFor counts the logged requests of op for which match holds.
func requestsFor(reqs []storagetest.Request, op string, match func(storagetest.Request) bool) int {
	n := 0
	for _, r := range reqs {
		if r.Op == op && (match == nil || match(r)) {
			n++
		}
	}
	return n
}

// upload runs one upload of data from a file on e with small parts and
// returns its result and error.
func (e *stEnv) upload(t *testing.T, key string, data []byte, optFns ...func(*Options)) (*Result, error) {
	t.Helper()
	m, err := New(e.api, append([]func(*Options){WithPartSize(stPartSize), WithPartParallelism(2)}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: key, File: writeTemp(t, data)})
	if err != nil {
		t.Fatal(err)
	}
	return wait(t, task)
}

// TestStoragetestEmptyComplete: a Complete answered with nothing is
// never a success on its own. A blank 200 from a server that did not
// complete is retried and the upload completes; a success whose answer
// was lost is recognised by a HEAD of the object (S3's multipart ETag,
// COS's CRC-64; QingStor's success has no body anyway); answers that stay
// blank fail the task with the answer named, and the upload is aborted.
// Every success was confirmed by a HEAD.
func TestStoragetestEmptyComplete(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(80, 3*stPartSize+17)

			e.srv.InjectFault(storagetest.Fault{Match: isCompleteReq(d), BlankOK: true})
			e.srv.ResetLog()
			res, err := e.upload(t, "blank-once", data)
			if d.Object.ResultDocuments {
				if err != nil {
					t.Fatalf("upload after one blank Complete answer: %v", err)
				}
				if n := countOp(e.srv.Requests(), "CompleteMultipartUpload"); n != 2 {
					t.Errorf("%d Complete requests, want 2", n)
				}
				if countOp(e.srv.Requests(), "HeadObject") != 1 {
					t.Error("the object was not confirmed by a HEAD")
				}
				checkObject(t, e, "blank-once", data)
			} else {
				// QingStor's success is a body-less answer: only the HEAD
				// shows nothing was completed.
				if !errors.Is(err, ErrNotConfirmed) || res != nil {
					t.Fatalf("upload after a blank Complete answer on QingStor = %+v, %v; want ErrNotConfirmed", res, err)
				}
				if e.objectExists(t, "blank-once") {
					t.Error("object exists")
				}
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}

			// The server completes the upload; its answer is lost.
			e.srv.InjectFault(storagetest.Fault{Match: isCompleteReq(d), Rewrite: func(_ int, h http.Header, _ []byte) (int, []byte) {
				return http.StatusOK, []byte("\n   \n")
			}})
			e.srv.ResetLog()
			res, err = e.upload(t, "lost-answer", data)
			if err != nil {
				t.Fatalf("upload whose Complete answer was lost: %v", err)
			}
			if n := countOp(e.srv.Requests(), "HeadObject"); n != 1 {
				t.Errorf("%d HEADs, want 1 to confirm the object", n)
			}
			checkObject(t, e, "lost-answer", data)
			if res.ETag == "" || res.Size != int64(len(data)) || res.UploadID == "" {
				t.Errorf("result %+v", res)
			}

			// Nothing but blank answers.
			e.srv.InjectFault(storagetest.Fault{Match: isCompleteReq(d), BlankOK: true, Times: 1000})
			e.srv.ResetLog()
			res, err = e.upload(t, "always-blank", data)
			var te *TaskError
			if res != nil || !errors.As(err, &te) || te.UploadID == "" {
				t.Fatalf("upload with blank Complete answers = %+v, %v", res, err)
			}
			var me *client.MalformedResponseError
			switch {
			case !d.Object.ResultDocuments:
				if !errors.Is(err, ErrNotConfirmed) {
					t.Errorf("err = %v, want ErrNotConfirmed", err)
				}
			case !errors.As(err, &me) || me.Op != "CompleteMultipartUpload" || me.StatusCode != http.StatusOK || me.RequestID == "":
				t.Errorf("err = %v, want a MalformedResponseError naming the answer", err)
			}
			if e.objectExists(t, "always-blank") {
				t.Error("object exists")
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
			if n := requestsFor(e.srv.Requests(), "AbortMultipartUpload", func(r storagetest.Request) bool { return r.Status/100 == 2 }); n != 1 {
				t.Errorf("%d successful aborts, want 1", n)
			}
		})
	}
}

// TestStoragetestPartWithoutETag: an UploadPart answer without an ETag
// is sent once more; when the second answer lacks it too, the task fails
// with the answer's status and request id, and the upload is aborted.
func TestStoragetestPartWithoutETag(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(81, 4*stPartSize)
			second := d.Limits.FirstPartNumber + 1
			dropETag := func(s int, h http.Header, b []byte) (int, []byte) { h.Del("ETag"); return s, b }

			e.srv.InjectFault(storagetest.Fault{Match: isPartNumber(d, second), Rewrite: dropETag})
			res, err := e.upload(t, "once", data)
			if err != nil {
				t.Fatalf("upload with one part answered without an ETag: %v", err)
			}
			checkObject(t, e, "once", data)
			if n := partUploads(e.srv.Requests(), d)[second]; n != 2 {
				t.Errorf("part %d sent %d times, want 2", second, n)
			}
			if res.ResentParts != 0 {
				t.Errorf("ResentParts = %d: an answer without an ETag is no corruption", res.ResentParts)
			}

			e.srv.ResetLog()
			e.srv.InjectFault(storagetest.Fault{Match: isPartNumber(d, second), Rewrite: dropETag, Times: 2})
			_, err = e.upload(t, "twice", data)
			var te *TaskError
			var me *client.MalformedResponseError
			if !errors.As(err, &te) || !errors.As(err, &me) || !errors.Is(err, client.ErrMalformedResponse) {
				t.Fatalf("err = %v, want a TaskError with a MalformedResponseError", err)
			}
			if te.PartNumber != second || me.Op != "UploadPart" || me.StatusCode/100 != 2 || me.RequestID == "" {
				t.Errorf("TaskError part %d, MalformedResponseError %+v", te.PartNumber, me)
			}
			if n := partUploads(e.srv.Requests(), d)[second]; n != 2 {
				t.Errorf("part %d sent %d times, want 2 (retried once)", second, n)
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
		})
	}
}

// TestStoragetestCorruptPart flips a bit of one part on its way to the
// server: the server refuses it (BadDigest, bad_digest) or stores it and
// reports a CRC-64 that differs (COS); the part is sent again from the
// source, the task succeeds with the right bytes, and the result counts
// one re-send. From a stream source, the part still in its buffer is
// sent again. A part corrupted every time fails the task after
// PartAttempts sends, and the upload is aborted.
func TestStoragetestCorruptPart(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(82, 4*stPartSize+99)
			third := d.Limits.FirstPartNumber + 2
			corrupt := storagetest.Fault{Match: isPartNumber(d, third), CorruptRequestBody: true, CorruptRequestOffset: stPartSize / 3}

			e.srv.InjectFault(corrupt)
			res, err := e.upload(t, "once", data)
			if err != nil {
				t.Fatalf("upload with one corrupted part: %v", err)
			}
			checkObject(t, e, "once", data)
			if res.ResentParts != 1 || res.Verified == "" {
				t.Errorf("result %+v, want 1 part re-sent and a check named", res)
			}
			if n := partUploads(e.srv.Requests(), d)[third]; d.Has(client.FeatureCRC64) && n != 2 || !d.Has(client.FeatureCRC64) && n != 1 {
				t.Errorf("part %d acknowledged %d times", third, n)
			}
			if n := requestsFor(e.srv.Requests(), "UploadPart", func(r storagetest.Request) bool {
				return r.Query.Get(d.Params.PartNumber) == strconv.Itoa(third)
			}); n != 2 {
				t.Errorf("part %d sent %d times, want 2", third, n)
			}

			// A stream: the part is sent again from its buffer.
			e.srv.ResetLog()
			e.srv.InjectFault(corrupt)
			m, _ := New(e.api, WithPartSize(stPartSize), WithPartParallelism(2))
			task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "stream", Reader: onlyReader{bytes.NewReader(data)}})
			if res := mustWait(t, task); res.ResentParts != 1 {
				t.Errorf("stream result %+v, want 1 part re-sent", res)
			}
			checkObject(t, e, "stream", data)

			// Every send corrupted.
			e.srv.ResetLog()
			always := corrupt
			always.Times = 1000
			e.srv.InjectFault(always)
			_, err = e.upload(t, "always", data, WithPartAttempts(4))
			var te *TaskError
			if !errors.Is(err, ErrPartCorrupted) || !errors.As(err, &te) || te.PartNumber != third {
				t.Fatalf("err = %v, want ErrPartCorrupted for part %d", err, third)
			}
			var re *client.ResponseError
			var ce *ChecksumError
			if !errors.As(err, &re) && !errors.As(err, &ce) {
				t.Errorf("err = %v does not carry the server's refusal or the mismatch", err)
			}
			if n := requestsFor(e.srv.Requests(), "UploadPart", func(r storagetest.Request) bool {
				return r.Query.Get(d.Params.PartNumber) == strconv.Itoa(third)
			}); n != 4 {
				t.Errorf("part %d sent %d times, want PartAttempts = 4", third, n)
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
			if e.objectExists(t, "always") {
				t.Error("object exists")
			}
		})
	}
}

// TestStoragetestCorruptSinglePut: a single PUT corrupted on the way is
// sent again.
func TestStoragetestCorruptSinglePut(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(83, stPartSize/2)
			e.srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return r.Method == http.MethodPut }, CorruptRequestBody: true, CorruptRequestOffset: 7})
			res, err := e.upload(t, "single", data)
			if err != nil {
				t.Fatal(err)
			}
			if res.UploadID != "" || res.ResentParts != 1 || res.Verified == "" {
				t.Errorf("result %+v, want a single PUT sent twice and verified", res)
			}
			checkObject(t, e, "single", data)
		})
	}
}

// TestStoragetestAbortRetried cancels an upload through its context
// with parts in flight, with a client that does not retry: the first
// abort fails, the clean-up (on a context the cancel does not reach)
// tries again and the upload is gone. An abort that keeps failing is
// reported in the task's error with the upload id, which remains.
func TestStoragetestAbortRetried(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			c, err := e.srv.Client(client.WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			api := NewClientAPI(c)
			data := randomData(84, 6*stPartSize)
			run := func(key string) error {
				g := newGate()
				rec := newRecorder()
				m, _ := New(holdAfterFirst(api, g), WithPartSize(stPartSize), WithPartParallelism(2), WithListener(rec.listener()))
				ctx, cancel := context.WithCancel(ctxT(t))
				defer cancel()
				task, _ := m.Upload(ctx, &UploadInput{Bucket: e.bucket, Key: key, ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
				rec.waitParts(t, 1)
				g.waitArrivals(t, 2)
				cancel()
				_, err := wait(t, task)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Wait = %v, want context.Canceled", err)
				}
				return err
			}

			e.srv.InjectFault(storagetest.Fault{Match: isAbortReq(d), Status: http.StatusServiceUnavailable})
			if err := run("abort-once"); errors.Is(err, ErrUploadNotAborted) {
				t.Errorf("Wait = %v: the abort was retried and succeeded", err)
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
			if n := countOp(e.srv.Requests(), "AbortMultipartUpload"); n != 2 {
				t.Errorf("%d aborts, want 2", n)
			}

			e.srv.ResetLog()
			e.srv.InjectFault(storagetest.Fault{Match: isAbortReq(d), Status: http.StatusServiceUnavailable, Times: 1000})
			err = run("abort-never")
			var te *TaskError
			if !errors.Is(err, ErrUploadNotAborted) || !errors.As(err, &te) {
				t.Fatalf("Wait = %v, want ErrUploadNotAborted joined to the cancel", err)
			}
			if ids := e.uploads(t); len(ids) != 1 || ids[0] != te.UploadID {
				t.Errorf("uploads %v, want the one named in the error, %s", ids, te.UploadID)
			}
			if n := countOp(e.srv.Requests(), "AbortMultipartUpload"); n != abortAttempts {
				t.Errorf("%d aborts, want %d", n, abortAttempts)
			}
		})
	}
}

// TestStoragetestCompleteLost: the server completes the upload but its
// answer is replaced by a 503, so the client asks again and is told the
// upload does not exist. Where the object shows what the parts make (S3
// and IBM: the multipart ETag; COS: the CRC-64; QingStor: the ETag the
// Complete request gave it, made from the parts) the upload is done; a
// dialect with none of these could show only the size, and the error
// would stand.
func TestStoragetestCompleteLost(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			data := randomData(85, 3*stPartSize+1)
			e.srv.InjectFault(storagetest.Fault{Match: isCompleteReq(d), Rewrite: func(_ int, h http.Header, _ []byte) (int, []byte) {
				h.Del("ETag")
				return http.StatusServiceUnavailable, nil
			}})
			res, err := e.upload(t, "lost", data)
			if n := countOp(e.srv.Requests(), "CompleteMultipartUpload"); n != 2 {
				t.Errorf("%d Complete requests, want 2", n)
			}
			if d.Object.MultipartETag || d.Has(client.FeatureCRC64) || d.Object.CompleteETagHeader != "" {
				if err != nil {
					t.Fatalf("upload whose Complete answer was lost: %v", err)
				}
				if res.Verified == "" {
					t.Errorf("result %+v verified nothing", res)
				}
				checkObject(t, e, "lost", data)
				return
			}
			if !errors.Is(err, client.ErrNotFound) || res != nil {
				t.Fatalf("upload = %+v, %v; want the NoSuchUpload, unconfirmable on %s", res, err, d.Name)
			}
		})
	}
}
