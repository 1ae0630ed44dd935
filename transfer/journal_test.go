package transfer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
)

// TestJournalFormat checks that a torn last line is ignored and that a
// corrupt header is reported.
func TestJournalFormat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.journal")
	hdr := &journalHeader{Op: "upload", Bucket: "b", Key: "k", UploadID: "u", Size: 10, PartSize: 4,
		Source: &sourceIdent{Path: "/x", Size: 10, ModTime: time.Unix(1700000000, 123).UTC(), Fingerprint: "f"}}
	j, err := createJournal(path, hdr, []journalPart{{Index: 0, Size: 4, ETag: "e0", MD5: "m0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.append(journalPart{Index: 1, Size: 4, ETag: "e1", CRC64: "42"}); err != nil {
		t.Fatal(err)
	}
	j.close()
	// A crash in the middle of the next append.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`0badc0de {"i":2,"n":`)
	f.Close()

	got, parts, err := loadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.UploadID != "u" || !got.Source.equal(hdr.Source) || got.PartSize != 4 {
		t.Errorf("header = %+v", got)
	}
	if len(parts) != 2 || parts[1].CRC64 != "42" || parts[0].MD5 != "m0" {
		t.Errorf("parts = %+v", parts)
	}

	// A flipped byte inside a record ends the journal there.
	data, _ := os.ReadFile(path)
	i := bytes.Index(data, []byte(`"e1"`))
	data[i+1] = 'X'
	os.WriteFile(path, data, 0o600)
	if _, parts, _ := loadJournal(path); len(parts) != 1 {
		t.Errorf("%d parts after corruption, want 1", len(parts))
	}

	os.WriteFile(path, []byte("garbage\n"), 0o600)
	if _, _, err := loadJournal(path); !errors.Is(err, errJournalCorrupt) {
		t.Errorf("corrupt header: %v", err)
	}
	if h, _, err := loadJournal(filepath.Join(dir, "missing")); h != nil || err != nil {
		t.Errorf("missing journal: %v %v", h, err)
	}
}

// interruptUpload uploads path with a checkpoint directory and KeepParts,
// lets the first n parts through and cancels the task while the next
// ones are in flight: what a crash leaves behind, in-process.
func interruptUpload(t *testing.T, fake *fakeAPI, path, ckpt string, n int) string {
	t.Helper()
	g := newGate()
	fake.onPart = func(ctx context.Context, num int) error {
		if num < fake.dialect.Limits.FirstPartNumber+n {
			return nil
		}
		return g.hold(ctx, num)
	}
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithPartParallelism(2), WithCheckpointDir(ckpt), WithKeepParts(true), WithListener(rec.listener()))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	rec.waitParts(t, n)
	g.waitArrivals(t, 1)
	id := task.Checkpoint().UploadID
	task.Cancel()
	wait(t, task)
	g.openUp()
	fake.onPart = nil
	if ents, _ := os.ReadDir(ckpt); len(ents) != 1 {
		t.Fatalf("journal not kept: %v", ents)
	}
	return id
}

// TestJournalResume resumes from a journal: the parts are checked against
// ListParts and the local bytes (hash progress), only the missing ones
// are sent, and the journal is removed at the end.
func TestJournalResume(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor} {
		t.Run(d.Name, func(t *testing.T) {
			fake := newFake(smallDialect(d))
			data := randomData(30, 10*kib+100)
			path, ckpt := writeTemp(t, data), t.TempDir()
			id := interruptUpload(t, fake, path, ckpt, 4)

			before := len(fake.callsOf("UploadPart"))
			rec := newRecorder()
			m, _ := New(fake, WithPartSize(2*kib), WithCheckpointDir(ckpt), WithListener(rec.listener()), WithProgressInterval(-1))
			task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
			res := mustWait(t, task)
			if res.UploadID != id || res.ResumedParts != 4 {
				t.Errorf("result %+v, want upload %s with 4 resumed parts", res, id)
			}
			first := d.Limits.FirstPartNumber
			for _, c := range fake.callsOf("UploadPart")[before:] {
				if c.Part < first+4 {
					t.Errorf("part %d sent again", c.Part)
				}
			}
			if sent := len(fake.callsOf("UploadPart")) - before; sent != 7 {
				t.Errorf("%d parts sent on resume, want 7", sent)
			}
			got, _ := fake.object("bkt", "obj")
			equalBytes(t, got, data)
			if h := task.HashProgress(); h.Bytes != 4*kib || h.Total != 4*kib || h.Parts != 4 {
				t.Errorf("hash progress %+v, want 4 parts of 1 KiB", h)
			}
			if len(rec.hash) == 0 {
				t.Error("no hash progress reported")
			}
			rec.checkProgress(t, int64(len(data)))
			if ents, _ := os.ReadDir(ckpt); len(ents) != 0 {
				t.Errorf("journal left: %v", ents)
			}
		})
	}
}

// TestJournalSourceChanged changes the file between the interruption and
// the resumption: the stale upload is aborted and the upload starts over.
func TestJournalSourceChanged(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(31, 6*kib)
	path, ckpt := writeTemp(t, data), t.TempDir()
	stale := interruptUpload(t, fake, path, ckpt, 2)

	fresh := randomData(32, 6*kib)
	os.WriteFile(path, fresh, 0o644)
	os.Chtimes(path, time.Now(), time.Now().Add(time.Hour)) // a different mtime, even on coarse clocks
	m, _ := New(fake, WithPartSize(kib), WithCheckpointDir(ckpt))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	res := mustWait(t, task)
	if res.UploadID == stale || res.ResumedParts != 0 {
		t.Errorf("result %+v resumed the stale upload %s", res, stale)
	}
	aborted := false
	for _, c := range fake.callsOf("AbortMultipartUpload") {
		aborted = aborted || (c.UploadID == stale && c.OK)
	}
	if !aborted {
		t.Error("stale upload not aborted")
	}
	if n := fake.numUploads(); n != 0 {
		t.Errorf("%d uploads left", n)
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, fresh)
}

// TestJournalSameSizeEdit edits the middle of the file keeping size and
// mtime (the fingerprint misses it): the edited part fails verification
// against its ETag and is sent again.
func TestJournalSameSizeEdit(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(33, 300*kib)
	path, ckpt := writeTemp(t, data), t.TempDir()
	st, _ := os.Stat(path)
	interruptUpload(t, fake, path, ckpt, 150)
	edited := append([]byte(nil), data...)
	edited[100*kib+1] ^= 1
	os.WriteFile(path, edited, 0o644)
	os.Chtimes(path, st.ModTime(), st.ModTime())

	before := len(fake.callsOf("UploadPart"))
	m, _ := New(fake, WithPartSize(kib), WithCheckpointDir(ckpt))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	res := mustWait(t, task)
	if res.ResumedParts != 149 {
		t.Errorf("ResumedParts = %d, want 149", res.ResumedParts)
	}
	resent := false
	for _, c := range fake.callsOf("UploadPart")[before:] {
		resent = resent || c.Part == 101
	}
	if !resent {
		t.Error("edited part 101 not sent again")
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, edited)
}

// TestJournalUploadGone resumes a journal whose upload no longer exists.
func TestJournalUploadGone(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(34, 5*kib)
	path, ckpt := writeTemp(t, data), t.TempDir()
	id := interruptUpload(t, fake, path, ckpt, 2)
	fake.AbortMultipartUpload(context.Background(), UploadRef{Bucket: "bkt", Key: "obj", UploadID: id})
	m, _ := New(fake, WithPartSize(kib), WithCheckpointDir(ckpt))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	res := mustWait(t, task)
	if res.UploadID == id {
		t.Error("used the vanished upload")
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
}

// TestAdoptUploads continues an upload found on the server without a
// journal, keeping the parts whose MD5 matches.
func TestAdoptUploads(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(35, 8*kib)
	ctx := context.Background()
	// Someone else's unrelated upload of the same key, older.
	other, _ := fake.CreateMultipartUpload(ctx, &CreateMultipartUploadInput{Bucket: "bkt", Key: "obj"})
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: UploadRef{Bucket: "bkt", Key: "obj", UploadID: other}, PartNumber: 1, Body: sec(randomData(36, 2*kib))})
	// The interrupted upload: 2 KiB parts 1-2 right, part 3 wrong.
	id, _ := fake.CreateMultipartUpload(ctx, &CreateMultipartUploadInput{Bucket: "bkt", Key: "obj"})
	ref := UploadRef{Bucket: "bkt", Key: "obj", UploadID: id}
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: ref, PartNumber: 1, Body: sec(data[:2*kib])})
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: ref, PartNumber: 2, Body: sec(data[2*kib : 4*kib])})
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: ref, PartNumber: 3, Body: sec(make([]byte, 2*kib))})
	before := len(fake.callsOf("UploadPart"))

	m, _ := New(fake, WithPartSize(kib), WithAdoptUploads(true))
	task, _ := m.Upload(ctx, &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	res := mustWait(t, task)
	if res.UploadID != id || res.ResumedParts != 2 {
		t.Errorf("result %+v, want upload %s with 2 parts kept", res, id)
	}
	var sent []int
	for _, c := range fake.callsOf("UploadPart")[before:] {
		sent = append(sent, c.Part)
	}
	if len(sent) != 2 || countDistinct(sent)[3] != 1 || countDistinct(sent)[4] != 1 {
		t.Errorf("sent parts %v, want 3 and 4 (2 KiB parts, as found)", sent)
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
	if n := fake.numUploads(); n != 1 {
		t.Errorf("%d uploads left, want the unrelated one", n)
	}
}

func sec(p []byte) *io.SectionReader {
	return io.NewSectionReader(bytes.NewReader(p), 0, int64(len(p)))
}

// TestJournalInUse refuses to run the same checkpointed transfer twice at
// once in one manager.
func TestJournalInUse(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	g := newGate()
	fake.onPart = g.hold
	path := writeTemp(t, randomData(37, 4*kib))
	m, _ := New(fake, WithPartSize(kib), WithCheckpointDir(t.TempDir()))
	first, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	g.waitArrivals(t, 1)
	second, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	if _, err := wait(t, second); !errors.Is(err, ErrJournalInUse) {
		t.Errorf("second upload: %v, want ErrJournalInUse", err)
	}
	g.openUp()
	mustWait(t, first)
	third, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	mustWait(t, third)
}

// TestJournalIdent: a version 2 journal starts with an ident line naming
// the upload, so that a damaged header still leaves the upload id
// readable; a damaged ident alone does not stop the journal from loading.
func TestJournalIdent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.journal")
	const id = `up/"1"+é`
	hdr := &journalHeader{Op: "upload", Bucket: "b", Key: "k", UploadID: id, Size: 10, PartSize: 4}
	j, err := createJournal(path, hdr, []journalPart{{Index: 0, Size: 4, ETag: "e0"}})
	if err != nil {
		t.Fatal(err)
	}
	j.close()
	data, _ := os.ReadFile(path)
	ident, ok := checkLine(data[:bytes.IndexByte(data, '\n')])
	if !ok || !bytes.Contains(ident, []byte(`"v":2`)) || !bytes.Contains(ident, []byte(`"uploadId"`)) {
		t.Fatalf("first line %q is not the ident", ident)
	}
	if got := salvageUploadIDs(data); len(got) != 1 || got[0] != id {
		t.Errorf("salvaged %q, want [%q] once", got, id)
	}

	// A damaged ident: the header still serves.
	bad := bytes.Clone(data)
	bad[0] ^= 1
	os.WriteFile(path, bad, 0o600)
	if h, parts, err := loadJournal(path); err != nil || h.UploadID != id || len(parts) != 1 {
		t.Errorf("journal with a damaged ident: %+v %v %v", h, parts, err)
	}

	// Cut inside the ident's upload id: nothing to salvage.
	cut := data[:bytes.Index(data, []byte(`"uploadId":"`))+14]
	if got := salvageUploadIDs(cut); len(got) != 0 {
		t.Errorf("salvaged %q from a cut id", got)
	}
	// Ids in any line, checksum or not, in order, once each.
	junk := []byte("xx {\"uploadId\":\"a\"}\n\x00\x01\"uploadId\":\"b\\\"c\" trailing \"uploadId\":\"a\"")
	if got := salvageUploadIDs(junk); len(got) != 2 || got[0] != "a" || got[1] != `b"c` {
		t.Errorf("salvaged %q, want [a b\"c]", got)
	}
}
