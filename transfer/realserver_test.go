package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

// minioPartSize is MinIO's (and S3's) minimum part size.
const minioPartSize = 5 << 20

// realServer is a real S3 server the tests started on 127.0.0.1 (MinIO,
// versitygw), with a client, a fresh bucket and a manager over it.
type realServer struct {
	c   *client.Client
	bkt string
	api API
	m   *Manager
}

// newRealServer connects to the server at url with the given region and
// keys (and optFns), creates a bucket and a manager of minioPartSize
// parts, 3 at once.
func newRealServer(t *testing.T, url, region, ak, sk string, optFns ...func(*client.Options)) *realServer {
	t.Helper()
	c, err := client.New(client.S3, append([]func(*client.Options){client.WithEndpoint(url), client.WithRegion(region),
		client.WithStaticCredentials(ak, sk, "")}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	bkt := "transfer-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	api := NewClientAPI(c)
	m, err := New(api, WithPartSize(minioPartSize), WithPartParallelism(3))
	if err != nil {
		t.Fatal(err)
	}
	return &realServer{c: c, bkt: bkt, api: api, m: m}
}

// uploads lists the bucket's multipart uploads in progress.
func (s *realServer) uploads(t *testing.T) []string {
	t.Helper()
	var ids []string
	for u, err := range bucket.NewClient(s.c).ListMultipartUploads(ctxT(t), &bucket.ListMultipartUploadsInput{Bucket: s.bkt}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.UploadID)
	}
	return ids
}

// roundTrips uploads and downloads 0 bytes, 1 byte, one part, one part
// and a byte and many parts (content from seed), checks that multipart
// is used from one part on and that the upload is CRC32C-verified, and
// hands each result to check.
func (s *realServer) roundTrips(t *testing.T, seed uint64, check func(t *testing.T, up, down *Result)) {
	for _, size := range []int{0, 1, minioPartSize, minioPartSize + 1, 3*minioPartSize + 12345} {
		t.Run(fmt.Sprint("roundtrip/", size), func(t *testing.T) {
			up, down := roundTrip(t, s.m, s.bkt, fmt.Sprint("obj-", size), randomData(uint64(size)+seed, size))
			if (size >= minioPartSize) != (up.UploadID != "") {
				t.Errorf("upload %+v: multipart use wrong", up)
			}
			// The server checks each CRC32C and reports the composite.
			if up.Verified != "crc32c" || (up.UploadID != "") != (up.Checksum.Parts > 0) {
				t.Errorf("upload not CRC32C-verified: %q (%q) %v", up.Verified, up.Unverified, up.Checksum)
			}
			check(t, up, down)
		})
	}
}

// control pauses and resumes an upload of five parts, cancels one
// (nothing left), cancels one with KeepParts and resumes it by id, and
// cancels one with KeepParts and has it adopted, checking the server's
// part and upload listings on the way.
func (s *realServer) control(t *testing.T, seed uint64) {
	data := randomData(seed, 4*minioPartSize+99)
	in := &UploadInput{Bucket: s.bkt, Key: "controlled", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}
	t.Run("pause", func(t *testing.T) {
		task, rec := pauseMidway(t, s.api, in, minioPartSize)
		cp := task.Checkpoint()
		n := 0
		for _, err := range s.api.ListParts(ctxT(t), UploadRef{Bucket: s.bkt, Key: in.Key, UploadID: cp.UploadID}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 3 || len(cp.Parts) != 3 {
			t.Errorf("server has %d parts while paused, task acknowledged %d, want 3", n, len(cp.Parts))
		}
		task.Resume()
		res := mustWait(t, task)
		if res.UploadID != cp.UploadID || res.Parts != 5 {
			t.Errorf("result %+v", res)
		}
		rec.checkProgress(t, int64(len(data)))
		checkMinIO(t, s.m, s.bkt, in.Key, data)
	})
	t.Run("cancel", func(t *testing.T) {
		cancelMidway(t, s.api, in, minioPartSize)
		if ids := s.uploads(t); len(ids) != 0 {
			t.Errorf("uploads left: %v", ids)
		}
	})
	t.Run("keep-parts", func(t *testing.T) {
		err := cancelMidway(t, s.api, in, minioPartSize, WithKeepParts(true))
		var te *TaskError
		if !errors.As(err, &te) {
			t.Fatalf("Wait = %v", err)
		}
		if ids := s.uploads(t); len(ids) != 1 || ids[0] != te.UploadID {
			t.Fatalf("uploads %v, want [%s]", ids, te.UploadID)
		}
		resumed := *in
		resumed.UploadID = te.UploadID
		task, _ := s.m.Upload(ctxT(t), &resumed)
		if res := mustWait(t, task); res.ResumedParts != 1 || res.UploadID != te.UploadID {
			t.Errorf("result %+v, want 1 part of %s resumed", res, te.UploadID)
		}
		if ids := s.uploads(t); len(ids) != 0 {
			t.Errorf("uploads left: %v", ids)
		}
		checkMinIO(t, s.m, s.bkt, in.Key, data)
	})
	t.Run("adopt", func(t *testing.T) {
		cancelMidway(t, s.api, in, minioPartSize, WithKeepParts(true))
		task, _ := s.m.Upload(ctxT(t), in, WithAdoptUploads(true))
		if res := mustWait(t, task); res.ResumedParts != 1 {
			t.Errorf("result %+v, want the upload adopted with its part", res)
		}
		if ids := s.uploads(t); len(ids) != 0 {
			t.Errorf("uploads left: %v", ids)
		}
		checkMinIO(t, s.m, s.bkt, in.Key, data)
	})
}

// checkMinIO downloads key from a real server and compares it with want.
func checkMinIO(t *testing.T, m *Manager, bkt, key string, want []byte) {
	t.Helper()
	mem := &memWriterAt{}
	task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: bkt, Key: key, WriterAt: mem})
	mustWait(t, task)
	equalBytes(t, mem.bytes(), want)
}
