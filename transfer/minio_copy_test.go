package transfer

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/object"
)

// minioEnv is a bucket of its own on the shared MinIO server, reached
// with dialect d (client.S3 with changed limits, say).
type minioEnv struct {
	c      *client.Client
	api    *ClientAPI
	bucket string
}

func newMinIOEnv(t *testing.T, d client.Dialect) *minioEnv {
	t.Helper()
	srv := miniotest.Shared(t)
	c, err := client.New(d, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	bkt := "xfer-b-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	return &minioEnv{c: c, api: NewClientAPI(c), bucket: bkt}
}

func (e *minioEnv) uploads(t *testing.T) []string {
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

func minioFetch(t *testing.T, api API, bkt, key string) ([]byte, *Result) {
	t.Helper()
	m, _ := New(api, WithPartSize(minioPartSize))
	mem := &memWriterAt{}
	task, err := m.Download(ctxT(t), &DownloadInput{Bucket: bkt, Key: key, WriterAt: mem})
	if err != nil {
		t.Fatal(err)
	}
	res := mustWait(t, task)
	return mem.bytes(), res
}

// TestMinIOCopy copies on a real S3 server: below the single-copy limit
// (lowered to 12 MiB for the test) with one CopyObject, above it with
// UploadPartCopy parts; the copy keeps the source's content type and
// metadata, is verified against the source's checksum, and downloads
// verified. Then a copy across dialects: from storagetest's QingStor to
// MinIO, through the client.
func TestMinIOCopy(t *testing.T) {
	d := client.S3
	d.Limits.MaxCopySize = 12 << 20
	e := newMinIOEnv(t, d)
	m, err := New(e.api, WithPartSize(minioPartSize), WithPartParallelism(3))
	if err != nil {
		t.Fatal(err)
	}
	props := ObjectOptions{ContentType: "text/x-copy", Metadata: map[string]string{"origin": "minio-copy"}}
	for _, tc := range []struct {
		name   string
		size   int
		single bool
	}{{"single-put", 3 << 20, true}, {"multipart-small", 11 << 20, false}, {"large", 23<<20 + 5, false}} {
		t.Run(tc.name, func(t *testing.T) {
			data := randomData(uint64(tc.size), tc.size)
			pm, _ := New(e.api, WithPartSize(minioPartSize))
			task, _ := pm.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "src-" + tc.name, ReaderAt: bytes.NewReader(data), Size: int64(len(data)), ObjectOptions: props})
			mustWait(t, task)
			task, err := m.Copy(ctxT(t), &CopySource{Bucket: e.bucket, Key: "src-" + tc.name}, &CopyDestination{Bucket: e.bucket, Key: "dst-" + tc.name})
			if err != nil {
				t.Fatal(err)
			}
			res := mustWait(t, task)
			large := tc.size > 12<<20
			if large != (res.UploadID != "") || (large && res.Parts < 2) {
				t.Errorf("result %+v: a multipart copy iff over the limit", res)
			}
			// MinIO wants the client to send the checksum of each part of
			// an upload created with one, which a server-side copy cannot:
			// the large copy falls back to an upload without checksums,
			// and nothing the server reports of it compares with the
			// source's (the download, likewise, has nothing to check).
			want := map[string]string{"single-put": "crc32c", "multipart-small": "", "large": ""}[tc.name]
			if large && !res.Checksum.IsZero() {
				t.Errorf("the copy has a composite checksum %v: no fallback", res.Checksum)
			}
			if res.Verified != want || (want == "") == (res.Unverified == "") {
				t.Errorf("Verified %q (Unverified %q), want %q", res.Verified, res.Unverified, want)
			}
			got, _ := minioFetch(t, e.api, e.bucket, "dst-"+tc.name)
			sameSHA256(t, got, data)
			h, err := object.NewClient(e.c).Head(ctxT(t), &object.HeadInput{Bucket: e.bucket, Key: "dst-" + tc.name})
			if err != nil {
				t.Fatal(err)
			}
			if h.ContentType != props.ContentType || h.Metadata["origin"] != "minio-copy" {
				t.Errorf("the copy's properties: %q %v", h.ContentType, h.Metadata)
			}
		})
	}
	t.Run("from-qingstor", func(t *testing.T) {
		se := newSTEnv(t, client.QingStor)
		data := randomData(77, 17<<20+3)
		qm, _ := New(se.api, WithPartSize(4<<20))
		task, _ := qm.Upload(ctxT(t), &UploadInput{Bucket: se.bucket, Key: "src", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
		mustWait(t, task)
		task, err := m.Copy(ctxT(t), &CopySource{API: se.api, Bucket: se.bucket, Key: "src"}, &CopyDestination{Bucket: e.bucket, Key: "from-qingstor"})
		if err != nil {
			t.Fatal(err)
		}
		res := mustWait(t, task)
		if res.Verified != "read:crc32c write:crc32c" {
			t.Errorf("Verified %q (Unverified %q)", res.Verified, res.Unverified)
		}
		got, _ := minioFetch(t, e.api, e.bucket, "from-qingstor")
		sameSHA256(t, got, data)
	})
	if ids := e.uploads(t); len(ids) != 0 {
		t.Errorf("uploads left: %v", ids)
	}
}

// TestMinIODir uploads a tree to MinIO, syncs it twice (the second sync
// transfers nothing and finds every file unchanged by its CRC-32C) and
// downloads it back.
func TestMinIODir(t *testing.T) {
	e := newMinIOEnv(t, client.S3)
	files := map[string][]byte{"big/one.bin": randomData(80, 2*minioPartSize+9)}
	for i := 0; i < 30; i++ {
		files[fmt.Sprintf("small/%02d.txt", i)] = randomData(uint64(81+i), 100*i)
	}
	src := writeTree(t, files)
	m, _ := New(e.api, WithPartSize(minioPartSize), WithFileParallelism(4))
	task, err := m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: "tree"})
	if err != nil {
		t.Fatal(err)
	}
	if res := mustWait(t, task); res.Parts != len(files) {
		t.Errorf("uploaded %d files, want %d", res.Parts, len(files))
	}
	in := &SyncInput{Dir: src, Bucket: e.bucket, Prefix: "tree"}
	for run := 0; run < 2; run++ {
		res := mustSync(t, m, in)
		if a := actions(res.Files); a[FileUnchanged] != len(files) || res.Parts != 0 {
			t.Errorf("sync %d: %v", run, a)
		}
	}
	dst := filepath.Join(t.TempDir(), "back")
	task, _ = m.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "tree", Dir: dst})
	res := mustWait(t, task)
	sameTree(t, readTree(t, dst), files)
	for _, f := range res.Files {
		if f.Result == nil || f.Result.Verified == "" {
			t.Errorf("%s downloaded unverified", f.Path)
		}
	}
	res = mustSync(t, m, &SyncInput{Direction: SyncDownload, Dir: dst, Bucket: e.bucket, Prefix: "tree"})
	if a := actions(res.Files); a[FileUnchanged] != len(files) {
		t.Errorf("download sync: %v", a)
	}
}
