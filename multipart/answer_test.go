package multipart_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/storagetest"
)

// answerEnv is a server, a bucket and a one-part upload to complete.
type answerEnv struct {
	t       *testing.T
	srv     *storagetest.Server
	c       *client.Client
	uploads *multipart.Client
	bucket  string
	d       client.Dialect
}

func newAnswerEnv(t *testing.T, d client.Dialect) *answerEnv {
	srv, c := newServer(t, d)
	b := bucketFor(d, "answers")
	if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	return &answerEnv{t: t, srv: srv, c: c, uploads: multipart.NewClient(c), bucket: b, d: d}
}

// start initiates an upload of key with one part and returns the input
// that completes it.
func (e *answerEnv) start(key string) *multipart.CompleteInput {
	e.t.Helper()
	ctx := context.Background()
	first := e.d.Limits.FirstPartNumber
	up, err := e.uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: e.bucket, Key: key})
	if err != nil {
		e.t.Fatal(err)
	}
	part, err := e.uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.bucket, Key: key, UploadID: up.UploadID,
		PartNumber: first, Body: bytes.NewReader([]byte("the only part"))})
	if err != nil {
		e.t.Fatal(err)
	}
	return &multipart.CompleteInput{Bucket: e.bucket, Key: key, UploadID: up.UploadID,
		Parts: []multipart.CompletedPart{{PartNumber: first, ETag: part.ETag}}}
}

func (e *answerEnv) count(op string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}

func (e *answerEnv) isComplete(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Query().Has(e.d.Params.UploadID)
}

func (e *answerEnv) exists(key string) bool {
	for o, err := range bucket.NewClient(e.c).ListObjects(context.Background(), &bucket.ListObjectsInput{Bucket: e.bucket, Prefix: key}) {
		if err != nil {
			e.t.Fatal(err)
		}
		if o.Key == key {
			return true
		}
	}
	return false
}

// wantMalformed checks that err is a *client.MalformedResponseError for
// op with a successful status and the server's request id.
func wantMalformed(t *testing.T, err error, op string) *client.MalformedResponseError {
	t.Helper()
	var me *client.MalformedResponseError
	if !errors.As(err, &me) || !errors.Is(err, client.ErrMalformedResponse) {
		t.Fatalf("err = %v, want a *client.MalformedResponseError", err)
	}
	if me.Op != op || me.StatusCode/100 != 2 || me.RequestID == "" || me.Problem == "" {
		t.Errorf("MalformedResponseError %+v: want op %s, a 2xx status, a request id and a problem", me, op)
	}
	return me
}

// TestCompleteWithoutResult: on the dialects whose Complete answers
// carry a result, a whitespace-only 200 is never a success. Once, it is
// retried and the upload completes; when the lost answer was a success,
// the retry finds the upload gone (ErrNotFound) and the object is there;
// when every answer is blank, the error names the answer. A result that
// is not a CompleteMultipartUploadResult, or has no ETag, is refused
// without a retry. QingStor's success is a 201 with no body: there an
// empty answer is accepted and ETag is what the header says.
func TestCompleteWithoutResult(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			e := newAnswerEnv(t, d)
			if !d.Object.ResultDocuments {
				in := e.start("qingstor")
				e.srv.InjectFault(storagetest.Fault{Match: e.isComplete, Rewrite: func(int, http.Header, []byte) (int, []byte) {
					return http.StatusCreated, nil
				}})
				out, err := e.uploads.Complete(ctx, in)
				if err != nil || out.ETag == "" || !e.exists("qingstor") {
					t.Fatalf("complete = %+v, %v; want QingStor's empty 201 taken, with the ETag header", out, err)
				}
				return
			}

			in := e.start("blank-once")
			e.srv.InjectFault(storagetest.Fault{Match: e.isComplete, BlankOK: true})
			before := e.count("CompleteMultipartUpload")
			if out, err := e.uploads.Complete(ctx, in); err != nil || out.ETag == "" {
				t.Fatalf("complete after one blank answer = %+v, %v", out, err)
			}
			if n := e.count("CompleteMultipartUpload") - before; n != 2 {
				t.Errorf("%d Complete requests, want 2 (one retry)", n)
			}

			in = e.start("lost-success")
			e.srv.InjectFault(storagetest.Fault{Match: e.isComplete, Rewrite: func(int, http.Header, []byte) (int, []byte) {
				return http.StatusOK, []byte("  \n  ")
			}})
			if _, err := e.uploads.Complete(ctx, in); !errors.Is(err, client.ErrNotFound) {
				t.Fatalf("complete whose success was blanked = %v, want the retry's NoSuchUpload", err)
			}
			if !e.exists("lost-success") {
				t.Error("the object of the blanked success is missing")
			}

			in = e.start("always-blank")
			e.srv.InjectFault(storagetest.Fault{Match: e.isComplete, BlankOK: true, Times: 2})
			before = e.count("CompleteMultipartUpload")
			out, err := e.uploads.Complete(ctx, in, client.WithMaxAttempts(2))
			if out != nil {
				t.Errorf("output %+v for blank answers", out)
			}
			wantMalformed(t, err, "CompleteMultipartUpload")
			if n := e.count("CompleteMultipartUpload") - before; n != 2 {
				t.Errorf("%d Complete requests, want the policy's 2 attempts", n)
			}
			if e.exists("always-blank") {
				t.Error("an object appeared although no Complete was handled")
			}

			for name, body := range map[string]string{
				"other-document": `<?xml version="1.0"?><Something><ETag>"x"</ETag></Something>`,
				"no-etag":        `<?xml version="1.0"?><CompleteMultipartUploadResult><Bucket>b</Bucket></CompleteMultipartUploadResult>`,
				"cut-short":      `<?xml version="1.0"?><CompleteMultipartUploadResult><Bucket>b</Buck`,
			} {
				in = e.start(name)
				e.srv.InjectFault(storagetest.Fault{Match: e.isComplete, Rewrite: func(_ int, h http.Header, _ []byte) (int, []byte) {
					h.Del("ETag")
					return http.StatusOK, []byte(body)
				}})
				before = e.count("CompleteMultipartUpload")
				_, err := e.uploads.Complete(ctx, in)
				me := wantMalformed(t, err, "CompleteMultipartUpload")
				if me.Body == "" {
					t.Errorf("%s: the error does not show the answer", name)
				}
				if n := e.count("CompleteMultipartUpload") - before; n != 1 {
					t.Errorf("%s: %d Complete requests, want 1", name, n)
				}
			}
		})
	}
}

// TestUploadPartWithoutETag: an UploadPart answer without an ETag is a
// *client.MalformedResponseError naming the status and request id.
func TestUploadPartWithoutETag(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			e := newAnswerEnv(t, d)
			up, err := e.uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: e.bucket, Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			e.srv.InjectFault(storagetest.Fault{
				Match:   func(r *http.Request) bool { return r.URL.Query().Has(d.Params.PartNumber) },
				Rewrite: func(s int, h http.Header, b []byte) (int, []byte) { h.Del("ETag"); return s, b },
			})
			in := &multipart.UploadPartInput{Bucket: e.bucket, Key: "k", UploadID: up.UploadID,
				PartNumber: d.Limits.FirstPartNumber, Body: bytes.NewReader([]byte("part"))}
			out, err := e.uploads.UploadPart(ctx, in)
			if out != nil {
				t.Errorf("output %+v", out)
			}
			wantMalformed(t, err, "UploadPart")
			if n := e.count("UploadPart"); n != 1 {
				t.Errorf("%d UploadPart requests, want 1: the manager, not the client, sends a part again", n)
			}
			if out, err := e.uploads.UploadPart(ctx, in); err != nil || out.ETag == "" {
				t.Errorf("UploadPart without the fault = %+v, %v", out, err)
			}
		})
	}
}

// TestUploadPartCopyWithoutResult: on the dialects whose UploadPartCopy
// answers with a CopyPartResult, a blank 200 is retried, and an answer
// with no ETag is a *client.MalformedResponseError.
func TestUploadPartCopyWithoutResult(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		if !d.Object.CopyPartETag {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			e := newAnswerEnv(t, d)
			in := e.start("source")
			if _, err := e.uploads.Complete(ctx, in); err != nil {
				t.Fatal(err)
			}
			up, err := e.uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: e.bucket, Key: "copy"})
			if err != nil {
				t.Fatal(err)
			}
			isCopy := func(r *http.Request) bool { return r.Header.Get(d.Object.CopySourceHeader) != "" }
			cp := &multipart.UploadPartCopyInput{Bucket: e.bucket, Key: "copy", UploadID: up.UploadID, PartNumber: d.Limits.FirstPartNumber,
				SourceBucket: e.bucket, SourceKey: "source"}
			e.srv.InjectFault(storagetest.Fault{Match: isCopy, BlankOK: true})
			if out, err := e.uploads.UploadPartCopy(ctx, cp); err != nil || out.ETag == "" {
				t.Fatalf("part copy after a blank answer = %+v, %v", out, err)
			}
			if n := e.count("UploadPartCopy"); n != 2 {
				t.Errorf("%d UploadPartCopy requests, want 2", n)
			}
			e.srv.InjectFault(storagetest.Fault{Match: isCopy, Rewrite: func(_ int, h http.Header, _ []byte) (int, []byte) {
				h.Del("ETag")
				return http.StatusOK, []byte(`<CopyPartResult><LastModified>2024-01-01T00:00:00Z</LastModified></CopyPartResult>`)
			}})
			_, err = e.uploads.UploadPartCopy(ctx, cp)
			wantMalformed(t, err, "UploadPartCopy")
		})
	}
}
