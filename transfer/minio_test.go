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
	"github.com/polystore/polystore/internal/miniotest"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// minioPartSize is MinIO's (and S3's) minimum part size.
const minioPartSize = 5 << 20

// TestMinIO runs the transfer manager against a real S3 server: round
// trips of 0 bytes, 1 byte, one part, one part and a byte and many parts;
// pause and resume; cancel (no upload left) and cancel with KeepParts
// (the upload remains and is resumed, by id and by adoption).
func TestMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	bkt := "transfer-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	api := NewClientAPI(c)
	uploads := func(t *testing.T) []string {
		var ids []string
		for u, err := range bucket.NewClient(c).ListMultipartUploads(ctxT(t), &bucket.ListMultipartUploadsInput{Bucket: bkt}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.UploadID)
		}
		return ids
	}
	m, err := New(api, WithPartSize(minioPartSize), WithPartParallelism(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 1, minioPartSize, minioPartSize + 1, 3*minioPartSize + 12345} {
		t.Run(fmt.Sprint("roundtrip/", size), func(t *testing.T) {
			up, down := roundTrip(t, m, bkt, fmt.Sprint("obj-", size), randomData(uint64(size)+7, size))
			if (size >= minioPartSize) != (up.UploadID != "") {
				t.Errorf("upload %+v: multipart use wrong", up)
			}
			// Single PUTs carry a CRC32C, multipart uploads a CRC32C
			// per part and their part size: MinIO publishes the
			// checksum, composite for the latter.
			if want := map[bool]string{true: "crc32c", false: "crc32c-composite"}[up.UploadID == ""]; down.Verified != want {
				t.Errorf("download verified %q (%q), want %q", down.Verified, down.Unverified, want)
			}
			// MinIO checks each part's CRC32C and reports the composite.
			if up.Verified != "crc32c" || (up.UploadID != "") != (up.Checksum.Parts > 0) {
				t.Errorf("upload not CRC32C-verified: %q %v", up.Verified, up.Checksum)
			}
		})
	}
	data := randomData(70, 4*minioPartSize+99)
	in := &UploadInput{Bucket: bkt, Key: "controlled", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}

	t.Run("pause", func(t *testing.T) {
		task, rec := pauseMidway(t, api, in, minioPartSize)
		cp := task.Checkpoint()
		n := 0
		for _, err := range api.ListParts(ctxT(t), UploadRef{Bucket: bkt, Key: in.Key, UploadID: cp.UploadID}) {
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
		checkMinIO(t, m, bkt, in.Key, data)
	})

	t.Run("cancel", func(t *testing.T) {
		cancelMidway(t, api, in, minioPartSize)
		if ids := uploads(t); len(ids) != 0 {
			t.Errorf("uploads left: %v", ids)
		}
	})

	t.Run("keep-parts", func(t *testing.T) {
		err := cancelMidway(t, api, in, minioPartSize, WithKeepParts(true))
		var te *TaskError
		if !errors.As(err, &te) {
			t.Fatalf("Wait = %v", err)
		}
		if ids := uploads(t); len(ids) != 1 || ids[0] != te.UploadID {
			t.Fatalf("uploads %v, want [%s]", ids, te.UploadID)
		}
		resumed := *in
		resumed.UploadID = te.UploadID
		task, _ := m.Upload(ctxT(t), &resumed)
		if res := mustWait(t, task); res.ResumedParts != 1 || res.UploadID != te.UploadID {
			t.Errorf("result %+v, want 1 part of %s resumed", res, te.UploadID)
		}
		if ids := uploads(t); len(ids) != 0 {
			t.Errorf("uploads left: %v", ids)
		}
		checkMinIO(t, m, bkt, in.Key, data)
	})

	t.Run("adopt", func(t *testing.T) {
		cancelMidway(t, api, in, minioPartSize, WithKeepParts(true))
		task, _ := m.Upload(ctxT(t), in, WithAdoptUploads(true))
		if res := mustWait(t, task); res.ResumedParts != 1 {
			t.Errorf("result %+v, want the upload adopted with its part", res)
		}
		if ids := uploads(t); len(ids) != 0 {
			t.Errorf("uploads left: %v", ids)
		}
		checkMinIO(t, m, bkt, in.Key, data)
	})
}

func checkMinIO(t *testing.T, m *Manager, bkt, key string, want []byte) {
	t.Helper()
	mem := &memWriterAt{}
	task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: bkt, Key: key, WriterAt: mem})
	mustWait(t, task)
	equalBytes(t, mem.bytes(), want)
}
