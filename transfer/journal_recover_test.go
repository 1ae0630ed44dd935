package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// interruptST starts an upload of path with a checkpoint directory on e,
// lets n parts through, and cancels it with KeepParts: what a crash
// leaves, in-process. It returns the upload id and the journal's path.
func interruptST(t *testing.T, e *stEnv, path, ckpt string, n int) (string, string) {
	t.Helper()
	first := e.c.Dialect().Limits.FirstPartNumber
	g := newGate()
	api := &gatedAPI{API: e.api, hold: func(ctx context.Context, num int) error {
		if num < first+n {
			return nil
		}
		return g.hold(ctx, num)
	}}
	rec := newRecorder()
	m, _ := New(api, WithPartSize(stPartSize), WithPartParallelism(2), WithCheckpointDir(ckpt), WithKeepParts(true), WithListener(rec.listener()))
	task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "journaled", File: path})
	rec.waitParts(t, n)
	g.waitArrivals(t, 1)
	id := task.Checkpoint().UploadID
	task.Cancel()
	wait(t, task)
	g.openUp()
	ents, _ := os.ReadDir(ckpt)
	if len(ents) != 1 {
		t.Fatalf("journal not kept: %v", ents)
	}
	if ids := e.uploads(t); len(ids) != 1 || ids[0] != id {
		t.Fatalf("uploads after the interruption: %v, want [%s]", ids, id)
	}
	return id, filepath.Join(ckpt, ents[0].Name())
}

// TestStoragetestCorruptJournal damages the journal of an interrupted
// upload in the ways a disk or a careless copy can (cut short in the
// header, a bit flipped in the header, overwritten with garbage, emptied,
// the ident damaged too) and resumes: the upload the journal named is
// adopted, its parts re-verified and kept, the rest sent; at the end no
// upload is left on the server and the object is right.
func TestStoragetestCorruptJournal(t *testing.T) {
	damage := map[string]func(t *testing.T, b []byte) []byte{
		"cut in the header": func(t *testing.T, b []byte) []byte {
			nl := bytes.IndexByte(b, '\n')
			return b[:nl+1+20]
		},
		"header bit flipped": func(t *testing.T, b []byte) []byte {
			nl := bytes.IndexByte(b, '\n')
			i := nl + 1 + bytes.Index(b[nl+1:], []byte(`"partSize"`))
			b[i+2] ^= 1
			return b
		},
		"ident and header bits flipped": func(t *testing.T, b []byte) []byte {
			b[3] ^= 1 // the ident's checksum
			nl := bytes.IndexByte(b, '\n')
			b[nl+3] ^= 1 // the header's checksum
			return b
		},
		"garbage": func(t *testing.T, b []byte) []byte {
			return randomData(99, len(b))
		},
		"empty": func(t *testing.T, b []byte) []byte { return nil },
		"cut in the ident": func(t *testing.T, b []byte) []byte {
			return b[:bytes.Index(b, []byte(`"uploadId":"`))+15]
		},
	}
	for _, d := range allDialects {
		for name, fn := range damage {
			t.Run(d.Name+"/"+name, func(t *testing.T) {
				t.Parallel()
				e := newSTEnv(t, d)
				data := randomData(95, 6*stPartSize+7)
				path, ckpt := writeTemp(t, data), t.TempDir()
				const kept = 3
				id, jpath := interruptST(t, e, path, ckpt, kept)
				b, err := os.ReadFile(jpath)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(jpath, fn(t, b), 0o600); err != nil {
					t.Fatal(err)
				}
				if _, _, err := loadJournal(jpath); err == nil {
					t.Fatal("the damaged journal still reads")
				}
				e.srv.ResetLog()
				m, _ := New(e.api, WithPartSize(stPartSize), WithCheckpointDir(ckpt))
				task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "journaled", File: path})
				res := mustWait(t, task)
				if res.UploadID != id || res.ResumedParts != kept {
					t.Errorf("result %+v, want upload %s adopted with %d parts kept", res, id, kept)
				}
				if n := countOp(e.srv.Requests(), "CreateMultipartUpload"); n != 0 {
					t.Errorf("%d new uploads", n)
				}
				if ids := e.uploads(t); len(ids) != 0 {
					t.Errorf("uploads left: %v", ids)
				}
				checkObject(t, e, "journaled", data)
				if ents, _ := os.ReadDir(ckpt); len(ents) != 0 {
					t.Errorf("journal left: %v", ents)
				}
			})
		}
	}
}

// TestStoragetestCorruptJournalUnknownUpload: a damaged journal whose
// upload the server no longer has (and whose parts match nothing in
// progress) starts a fresh upload, which completes.
func TestStoragetestCorruptJournalUnknownUpload(t *testing.T) {
	e := newSTEnv(t, client.S3)
	data := randomData(96, 4*stPartSize)
	path, ckpt := writeTemp(t, data), t.TempDir()
	id, jpath := interruptST(t, e, path, ckpt, 2)
	if err := e.api.AbortMultipartUpload(ctxT(t), UploadRef{Bucket: e.bucket, Key: "journaled", UploadID: id}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(jpath)
	nl := bytes.IndexByte(b, '\n')
	os.WriteFile(jpath, b[:nl+30], 0o600)
	m, _ := New(e.api, WithPartSize(stPartSize), WithCheckpointDir(ckpt))
	task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "journaled", File: path})
	res := mustWait(t, task)
	if res.UploadID == id || res.ResumedParts != 0 {
		t.Errorf("result %+v, want a fresh upload", res)
	}
	checkObject(t, e, "journaled", data)
}

// TestStoragetestStaleJournalAbortFails: the source changed since the
// journal was written and its upload cannot be aborted: the upload is
// continued (every part sent again) instead of being left behind.
func TestStoragetestStaleJournalAbortFails(t *testing.T) {
	e := newSTEnv(t, client.COS)
	data := randomData(97, 4*stPartSize)
	path, ckpt := writeTemp(t, data), t.TempDir()
	id, _ := interruptST(t, e, path, ckpt, 2)
	fresh := randomData(98, len(data))
	os.WriteFile(path, fresh, 0o644)
	os.Chtimes(path, time.Now(), time.Now().Add(time.Hour))
	e.srv.InjectFault(storagetest.Fault{Match: isAbortReq(*e.c.Dialect()), Status: 503, Times: 1000})
	e.srv.ResetLog()
	m, _ := New(e.api, WithPartSize(stPartSize), WithCheckpointDir(ckpt))
	task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "journaled", File: path})
	res := mustWait(t, task)
	if res.UploadID != id || res.ResumedParts != 0 {
		t.Errorf("result %+v, want the stale upload %s continued with no part kept", res, id)
	}
	if n := countOp(e.srv.Requests(), "AbortMultipartUpload"); n < 1 {
		t.Error("no abort tried")
	}
	if ids := e.uploads(t); len(ids) != 0 {
		t.Errorf("uploads left: %v", ids)
	}
	checkObject(t, e, "journaled", fresh)
}

// TestJournalVersion1 resumes from a journal in the old layout (the
// header first, no ident line).
func TestJournalVersion1(t *testing.T) {
	e := newSTEnv(t, client.S3)
	data := randomData(99, 5*stPartSize)
	path, ckpt := writeTemp(t, data), t.TempDir()
	id, jpath := interruptST(t, e, path, ckpt, 2)
	b, _ := os.ReadFile(jpath)
	lines := strings.SplitAfter(string(b), "\n")
	// Rewrite the header as version 1 and drop the ident.
	payload, _ := checkLine([]byte(strings.TrimSuffix(lines[1], "\n")))
	var hdr map[string]any
	if err := json.Unmarshal(payload, &hdr); err != nil {
		t.Fatal(err)
	}
	hdr["v"] = 1
	v1, _ := appendLine(nil, hdr)
	os.WriteFile(jpath, append(v1, strings.Join(lines[2:], "")...), 0o600)
	if h, parts, err := loadJournal(jpath); err != nil || h.UploadID != id || len(parts) != 2 {
		t.Fatalf("version 1 journal: %+v, %d parts, %v", h, len(parts), err)
	}
	m, _ := New(e.api, WithPartSize(stPartSize), WithCheckpointDir(ckpt))
	task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "journaled", File: path})
	if res := mustWait(t, task); res.UploadID != id || res.ResumedParts != 2 {
		t.Errorf("result %+v, want %s resumed with 2 parts", res, id)
	}
	checkObject(t, e, "journaled", data)
}
