package transfer

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"os"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fence"
)

// partSums returns the CRC32C additional checksums of data cut in parts
// of size ps, computed here with hash/crc32 directly.
func partSums(data []byte, ps int) []client.Checksum {
	var out []client.Checksum
	for off := 0; off < len(data); off += ps {
		end := min(off+ps, len(data))
		v := crc32.Checksum(data[off:end], crc32.MakeTable(crc32.Castagnoli))
		out = append(out, client.Checksum{Algorithm: client.ChecksumCRC32C, Value: []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}})
	}
	return out
}

// TestCRC32CAuto: on a dialect with additional checksums, IntegrityAuto
// declares CRC32C on the upload, sends it with every part (and no
// Content-MD5), lists every part's at Complete and checks the composite
// the server answers.
func TestCRC32CAuto(t *testing.T) {
	for _, src := range []string{"file", "stream"} {
		t.Run(src, func(t *testing.T) {
			fake := newFake(smallDialect(client.S3))
			data := randomData(61, 5*kib+3)
			in := &UploadInput{Bucket: "bkt", Key: "obj"}
			if src == "file" {
				in.File = writeTemp(t, data)
			} else {
				in.Reader = onlyReader{bytes.NewReader(data)}
			}
			m, _ := New(fake, WithPartSize(kib))
			task, _ := m.Upload(context.Background(), in)
			res := mustWait(t, task)
			got, _ := fake.object("bkt", "obj")
			equalBytes(t, got, data)
			parts := fake.callsOf("UploadPart")
			if len(parts) != 6 {
				t.Fatalf("%d parts sent, want 6", len(parts))
			}
			for _, c := range parts {
				if c.Checksum != "CRC32C" || c.MD5 || c.Trailer {
					t.Errorf("part %d sent checksum %q, Content-MD5 %v, trailer %v; want a CRC32C header only", c.Part, c.Checksum, c.MD5, c.Trailer)
				}
			}
			want, err := client.CompositeChecksum(partSums(data, kib))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Checksum.Equal(want) || res.Verified != "crc32c" {
				t.Errorf("result checksum %v verified %q, want %v verified crc32c", res.Checksum, res.Verified, want)
			}
		})
	}
}

// TestCRC32CSingle: a single PUT carries the content's CRC32C.
func TestCRC32CSingle(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(62, 100)
	m, _ := New(fake, WithPartSize(kib))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	res := mustWait(t, task)
	puts := fake.callsOf("PutObject")
	if len(puts) != 1 || puts[0].Checksum != "CRC32C" || puts[0].MD5 {
		t.Fatalf("PutObject calls %+v, want one with CRC32C only", puts)
	}
	if want := partSums(data, kib)[0]; !res.Checksum.Equal(want) || res.Verified != "crc32c" {
		t.Errorf("result checksum %v verified %q, want %v", res.Checksum, res.Verified, want)
	}
}

// TestCRC32CCompositeMismatch: a composite checksum from the server that
// is not the parts' fails the task with a ChecksumError.
func TestCRC32CCompositeMismatch(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	fake.completeChecksum = func(c client.Checksum) client.Checksum {
		c.Value = append([]byte(nil), c.Value...)
		c.Value[0] ^= 1
		return c
	}
	data := randomData(63, 3*kib)
	m, _ := New(fake, WithPartSize(kib))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	_, err := wait(t, task)
	var ce *ChecksumError
	if !errors.As(err, &ce) || !errors.Is(err, ErrChecksumMismatch) || ce.Algorithm != "crc32c" || ce.What != "object" {
		t.Fatalf("err = %v, want an object crc32c ChecksumError", err)
	}
}

// TestCRC32CModes: IntegrityCRC32C needs the feature; IntegrityMD5 on S3
// sends Content-MD5 and no additional checksum.
func TestCRC32CModes(t *testing.T) {
	_, err := mustManager(t, newFake(smallDialect(client.COS))).Upload(context.Background(),
		&UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(nil), Size: 0}, WithIntegrity(IntegrityCRC32C))
	if !errors.Is(err, client.ErrNotSupported) {
		t.Errorf("CRC32C on COS: %v, want ErrNotSupported", err)
	}
	fake := newFake(smallDialect(client.S3))
	data := randomData(64, 3*kib)
	task, _ := mustManager(t, fake).Upload(context.Background(),
		&UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}, WithIntegrity(IntegrityMD5))
	res := mustWait(t, task)
	for _, c := range fake.callsOf("UploadPart") {
		if c.Checksum != "" || !c.MD5 {
			t.Errorf("part %d: checksum %q, Content-MD5 %v; want Content-MD5 only", c.Part, c.Checksum, c.MD5)
		}
	}
	if !res.Checksum.IsZero() {
		t.Errorf("result checksum %v without CRC32C", res.Checksum)
	}
}

func mustManager(t *testing.T, api API) *Manager {
	t.Helper()
	m, err := New(api, WithPartSize(kib))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCRC32CJournalResume: an upload interrupted in CRC32C mode resumes
// from its journal with CRC32C parts (the fake refuses any other), keeps
// the acknowledged ones after checking their CRC32C, and completes with
// the composite checked.
func TestCRC32CJournalResume(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(65, 8*kib)
	path, ckpt := writeTemp(t, data), t.TempDir()
	id := interruptUpload(t, fake, path, ckpt, 3)
	journal, _ := os.ReadDir(ckpt)
	raw, _ := os.ReadFile(ckpt + "/" + journal[0].Name())
	if !bytes.Contains(raw, []byte(`"checksum":"CRC32C"`)) || !bytes.Contains(raw, []byte(`"crc32c":"`)) {
		t.Fatalf("journal does not record CRC32C: %s", raw)
	}
	before := len(fake.callsOf("UploadPart"))
	rec := newRecorder()
	m, _ := New(fake, WithPartSize(kib), WithCheckpointDir(ckpt), WithListener(rec.listener()))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: path})
	res := mustWait(t, task)
	if res.UploadID != id || res.ResumedParts != 3 || res.Verified != "crc32c" {
		t.Errorf("result %+v, want upload %s, 3 parts resumed, verified crc32c", res, id)
	}
	for _, c := range fake.callsOf("UploadPart")[before:] {
		if c.Part <= 3 || c.Checksum != "CRC32C" {
			t.Errorf("resumed upload sent part %d with checksum %q", c.Part, c.Checksum)
		}
	}
	if h := task.HashProgress(); h.Bytes != 3*kib {
		t.Errorf("hash progress %d bytes, want the 3 resumed parts", h.Bytes)
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
}

// TestCRC32CResumeCorruptPart: a resumed part whose local bytes no longer
// match the CRC32C the server lists is sent again.
func TestCRC32CResumeCorruptPart(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(66, 4*kib)
	ctx := context.Background()
	id, _ := fake.CreateMultipartUpload(ctx, &CreateMultipartUploadInput{Bucket: "bkt", Key: "obj", ChecksumAlgorithm: client.ChecksumCRC32C})
	ref := UploadRef{Bucket: "bkt", Key: "obj", UploadID: id}
	sums := partSums(data, kib)
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: ref, PartNumber: 1, Body: sec(data[:kib]), Checksum: sums[0]})
	wrong := bytes.Repeat([]byte{7}, kib)
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: ref, PartNumber: 2, Body: sec(wrong), Checksum: partSums(wrong, kib)[0]})
	before := len(fake.callsOf("UploadPart"))
	m, _ := New(fake, WithPartSize(kib))
	task, _ := m.Upload(ctx, &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data)), UploadID: id})
	res := mustWait(t, task)
	if res.ResumedParts != 1 {
		t.Errorf("ResumedParts = %d, want 1", res.ResumedParts)
	}
	var sent []int
	for _, c := range fake.callsOf("UploadPart")[before:] {
		sent = append(sent, c.Part)
	}
	if d := countDistinct(sent); len(sent) != 3 || d[2] != 1 || d[3] != 1 || d[4] != 1 {
		t.Errorf("sent parts %v, want 2, 3, 4", sent)
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
}

// TestCRC32CAdoptPlainUpload: an upload found on the server that was
// created without a checksum algorithm is continued with Content-MD5
// (S3 refuses additional checksums on it).
func TestCRC32CAdoptPlainUpload(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	data := randomData(67, 4*kib)
	ctx := context.Background()
	id, _ := fake.CreateMultipartUpload(ctx, &CreateMultipartUploadInput{Bucket: "bkt", Key: "obj"})
	fake.UploadPart(ctx, &UploadPartInput{UploadRef: UploadRef{Bucket: "bkt", Key: "obj", UploadID: id}, PartNumber: 1, Body: sec(data[:kib])})
	before := len(fake.callsOf("UploadPart"))
	m, _ := New(fake, WithPartSize(kib), WithAdoptUploads(true))
	task, _ := m.Upload(ctx, &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	res := mustWait(t, task)
	if res.UploadID != id || res.ResumedParts != 1 {
		t.Errorf("result %+v, want upload %s with 1 part kept", res, id)
	}
	for _, c := range fake.callsOf("UploadPart")[before:] {
		if c.Checksum != "" || !c.MD5 {
			t.Errorf("part %d: checksum %q, Content-MD5 %v; want Content-MD5 only", c.Part, c.Checksum, c.MD5)
		}
	}
	got, _ := fake.object("bkt", "obj")
	equalBytes(t, got, data)
}

// TestPartReaderRelease: a released part buffer can no longer be read by
// a request that outlived its call, and the manager frees its buffers
// when no task holds one.
func TestPartReaderRelease(t *testing.T) {
	m := mustManager(t, newFake(smallDialect(client.S3)))
	buf := m.buffer(kib)
	copy(*buf, "hello")
	r := fence.New((*buf)[:5])
	p := make([]byte, 8)
	if n, err := r.ReadAt(p, 0); n != 5 || string(p[:5]) != "hello" || err == nil {
		t.Fatalf("ReadAt = %d, %v (%q)", n, err, p[:n])
	}
	r.Release()
	if n, err := r.ReadAt(p, 0); n != 0 || !errors.Is(err, fence.ErrReleased) {
		t.Fatalf("ReadAt after close = %d, %v", n, err)
	}
	m.putBuffer(buf)
	if len(m.bufFree[kib]) != 1 || m.bufOut != 0 {
		t.Fatalf("free list %d, out %d", len(m.bufFree[kib]), m.bufOut)
	}
	again := m.buffer(kib)
	if again != buf {
		t.Error("a free buffer was not reused")
	}
	m.putBuffer(again)
	m.trimBuffers()
	if len(m.bufFree) != 0 {
		t.Errorf("buffers kept after trim: %v", m.bufFree)
	}
}

// TestStreamBuffersFreed: after a stream upload the manager holds no
// part buffers.
func TestStreamBuffersFreed(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	m := mustManager(t, fake)
	data := randomData(68, 10*kib)
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", Reader: onlyReader{bytes.NewReader(data)}})
	mustWait(t, task)
	m.bufMu.Lock()
	defer m.bufMu.Unlock()
	if m.bufOut != 0 || len(m.bufFree) != 0 || m.bufPeak == 0 {
		t.Errorf("after the task: %d out, %d sizes pooled, peak %d", m.bufOut, len(m.bufFree), m.bufPeak)
	}
}

// TestTrailingChecksums: with Options.TrailingChecksums, where the
// dialect takes trailing checksums (S3), every part's CRC32C is computed
// while it is sent; a dialect without them (IBM) gets it in a header,
// computed beforehand. Without the option (TestCRC32CAuto) no trailers.
func TestTrailingChecksums(t *testing.T) {
	for _, tc := range []struct {
		d     client.Dialect
		trail bool
	}{{client.S3, true}, {client.IBM, false}} {
		t.Run(tc.d.Name, func(t *testing.T) {
			fake := newFake(smallDialect(tc.d))
			data := randomData(69, 4*kib+5)
			task, _ := mustManager(t, fake).Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))},
				WithTrailingChecksums(TrailersOn))
			res := mustWait(t, task)
			for _, c := range fake.callsOf("UploadPart") {
				if c.Trailer != tc.trail || c.Checksum != "CRC32C" {
					t.Errorf("part %d: trailer %v checksum %q, want trailer %v with CRC32C", c.Part, c.Trailer, c.Checksum, tc.trail)
				}
			}
			want, _ := client.CompositeChecksum(partSums(data, kib))
			if !res.Checksum.Equal(want) || res.Verified != "crc32c" {
				t.Errorf("result %v %q, want %v crc32c", res.Checksum, res.Verified, want)
			}
			got, _ := fake.object("bkt", "obj")
			equalBytes(t, got, data)
		})
	}
}

// TestTrailersIgnored: a server that does not decode trailing checksums
// (it stores the framed bytes and echoes nothing) gets the refused part
// again with its checksum in a header, and every later part too (one
// part at a time here, so exactly one request carries a trailer); the
// object is right.
func TestTrailersIgnored(t *testing.T) {
	for _, size := range []int{100, 5 * kib} { // a single PUT, and parts
		fake := newFake(smallDialect(client.S3))
		fake.noTrailers = true
		data := randomData(70, size)
		task, _ := mustManager(t, fake).Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))},
			WithPartParallelism(1), WithTrailingChecksums(TrailersOn))
		res := mustWait(t, task)
		op := "UploadPart"
		if size < kib {
			op = "PutObject"
		}
		calls := fake.callsOf(op)
		trailed := 0
		for _, c := range calls {
			if c.Trailer {
				trailed++
			} else if !c.OK || c.Checksum != "CRC32C" {
				t.Errorf("%s %d: %+v, want an acknowledged CRC32C header", op, c.Part, c)
			}
		}
		if trailed != 1 {
			t.Errorf("size %d: %d requests with trailers, want just the first", size, trailed)
		}
		if res.Verified != "crc32c" {
			t.Errorf("size %d: verified %q", size, res.Verified)
		}
		got, _ := fake.object("bkt", "obj")
		equalBytes(t, got, data)
	}
}
