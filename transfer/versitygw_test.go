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
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/internal/versitygwtest"
)

// TestVersitygw runs the transfer manager against versitygw, a second
// real S3 server: round trips of 0 bytes, 1 byte, one part, one part and
// a byte and many parts, from files (hashed once for their CRC32C and,
// over plain http, the signed SHA-256, then sent by the kernel), verified
// by the server's CRC32C echoes and composite checksum; pause and
// resume; cancel (nothing left) and cancel with KeepParts, resumed by id
// and by adoption.
func TestVersitygw(t *testing.T) {
	srv := versitygwtest.Start(t)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	if !opkit.SignsPayloads(c) {
		t.Fatal("the client of an http endpoint does not sign payloads")
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
			up, down := roundTrip(t, m, bkt, fmt.Sprint("obj-", size), randomData(uint64(size)+17, size))
			if (size >= minioPartSize) != (up.UploadID != "") {
				t.Errorf("upload %+v: multipart use wrong", up)
			}
			// versitygw checks each CRC32C and reports the composite.
			if up.Verified != "crc32c" || (up.UploadID != "") != (up.Checksum.Parts > 0) {
				t.Errorf("upload not CRC32C-verified: %q (%q) %v", up.Verified, up.Unverified, up.Checksum)
			}
			if down.Verified == "" {
				t.Errorf("download unverified: %q", down.Unverified)
			}
		})
	}
	if s := c.ChecksumSupport(); s != client.ChecksumSupportVerified {
		t.Errorf("ChecksumSupport = %v, want verified", s)
	}

	// Behind proxies that make it refuse or ignore checksums.
	hostileRealServer(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, bkt, m)

	data := randomData(71, 4*minioPartSize+99)
	in := &UploadInput{Bucket: bkt, Key: "controlled", ReaderAt: bytes.NewReader(data), Size: int64(len(data))}
	t.Run("pause", func(t *testing.T) {
		task, rec := pauseMidway(t, api, in, minioPartSize)
		cp := task.Checkpoint()
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
