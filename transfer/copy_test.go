package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// copyLimit is the single-copy limit of the copy tests' dialects, so
// that objects of a few parts are copied in parts.
const copyLimit = 4 * stPartSize

// newCopyEnv is newSTEnv with a small single-copy limit.
func newCopyEnv(t testing.TB, d client.Dialect) *stEnv {
	d.Limits.MaxCopySize = copyLimit
	return newSTEnv(t, d)
}

// put stores data at key with the manager (in parts when larger than a
// part) and the given properties.
func put(t testing.TB, api API, bkt, key string, data []byte, opts ObjectOptions) *Result {
	t.Helper()
	m, err := New(api, WithPartSize(stPartSize))
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Upload(ctxT(t), &UploadInput{Bucket: bkt, Key: key, ReaderAt: bytes.NewReader(data), Size: int64(len(data)), ObjectOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	return mustWait(t, task)
}

// fetchAll downloads key with the manager and returns its bytes and the
// download's result.
func fetchAll(t testing.TB, api API, bkt, key string) ([]byte, *Result) {
	t.Helper()
	m, _ := New(api, WithPartSize(stPartSize))
	mem := &memWriterAt{}
	task, err := m.Download(ctxT(t), &DownloadInput{Bucket: bkt, Key: key, WriterAt: mem})
	if err != nil {
		t.Fatal(err)
	}
	res := mustWait(t, task)
	return mem.bytes(), res
}

// ops counts the operations of a request log, successful or not.
func ops(reqs []storagetest.Request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		out[r.Op]++
	}
	return out
}

// onlyOps fails unless every request of reqs is one of allowed.
func onlyOps(t testing.TB, reqs []storagetest.Request, allowed ...string) {
	t.Helper()
	for op, n := range ops(reqs) {
		ok := false
		for _, a := range allowed {
			ok = ok || op == a
		}
		if !ok {
			t.Errorf("%d %s requests; only %v expected", n, op, allowed)
		}
	}
}

func headObject(t testing.TB, e *stEnv, key string) *object.HeadOutput {
	t.Helper()
	out, err := object.NewClient(e.c).Head(ctxT(t), &object.HeadInput{Bucket: e.bucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCopyServerSide copies within each dialect's service: an object
// under the single-copy limit with one CopyObject request, a larger one
// with one UploadPartCopy per range; the request log shows no GET and no
// uploaded body (no byte passes through the client). The copy keeps the
// content type and metadata, or takes new ones with ReplaceMetadata, and
// is verified against what the source publishes.
func TestCopyServerSide(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newCopyEnv(t, d)
			m, err := New(e.api, WithPartSize(stPartSize), WithPartParallelism(3))
			if err != nil {
				t.Fatal(err)
			}
			props := ObjectOptions{ContentType: "text/x-polystore", CacheControl: "max-age=60", Metadata: map[string]string{"origin": "copy-test"}}
			for _, tc := range []struct {
				name string
				size int
			}{{"small", stPartSize/2 + 17}, {"medium", 3*stPartSize + 17}, {"empty", 0}, {"large", 10*stPartSize + 123}} {
				t.Run(tc.name, func(t *testing.T) {
					data := randomData(uint64(100+tc.size), tc.size)
					src := "src-" + tc.name
					put(t, e.api, e.bucket, src, data, props)
					e.srv.ResetLog()
					task, err := m.Copy(ctxT(t), &CopySource{Bucket: e.bucket, Key: src}, &CopyDestination{Bucket: e.bucket, Key: "dst-" + tc.name})
					if err != nil {
						t.Fatal(err)
					}
					res := mustWait(t, task)
					reqs := e.srv.Requests()
					onlyOps(t, reqs, "HeadObject", "CopyObject", "CreateMultipartUpload", "UploadPartCopy", "CompleteMultipartUpload")
					n := ops(reqs)
					if tc.size < copyLimit {
						if n["CopyObject"] != 1 || n["UploadPartCopy"] != 0 || res.Parts != 1 || res.UploadID != "" {
							t.Errorf("requests %v, result %+v: want one CopyObject", n, res)
						}
					} else {
						parts := 0
						for _, r := range reqs {
							if r.Op == "UploadPartCopy" && r.Status/100 == 2 {
								parts++
								if r.Header.Get(d.Object.CopyRangeHeader) == "" || r.Header.Get(d.Object.CopySourceConditionPrefix+"if-match") == "" {
									t.Errorf("UploadPartCopy without range or If-Match: %v", r.Header)
								}
							}
						}
						if n["CopyObject"] != 0 || parts != res.Parts || res.Parts < 2 || res.UploadID == "" {
							t.Errorf("requests %v, result %+v: want UploadPartCopy ranges", n, res)
						}
					}
					for _, r := range reqs {
						if r.BodySize > 0 && r.Op != "CompleteMultipartUpload" {
							t.Errorf("%s sent %d body bytes", r.Op, r.BodySize)
						}
					}
					if res.Size != int64(tc.size) {
						t.Errorf("result size %d", res.Size)
					}
					// What the copy was checked against.
					want := ""
					switch {
					case d.Has(client.FeatureCRC64):
						want = "crc64"
					case tc.size >= stPartSize && tc.size < copyLimit:
						// A multipart source copied in one request: its
						// composite checksum or polystore ETag cannot be
						// compared with the copy's.
					case d.Has(client.FeatureChecksums) && tc.size < copyLimit:
						want = "crc32c" // the single PUT's checksum, kept by the copy
					case d.Has(client.FeatureChecksums):
						want = "crc32c-composite"
					case tc.size < copyLimit:
						want = "md5"
					}
					if res.Verified != want || (want == "") == (res.Unverified == "") {
						t.Errorf("Verified %q (Unverified %q), want %q", res.Verified, res.Unverified, want)
					}
					got, down := fetchAll(t, e.api, e.bucket, "dst-"+tc.name)
					sameSHA256(t, got, data)
					if down.Verified == "" {
						t.Errorf("the copy cannot be verified on download: %s", down.Unverified)
					}
					h := headObject(t, e, "dst-"+tc.name)
					if h.ContentType != props.ContentType || h.CacheControl != props.CacheControl || h.Metadata["origin"] != "copy-test" {
						t.Errorf("the copy's properties: %q %q %v", h.ContentType, h.CacheControl, h.Metadata)
					}
				})
			}
			t.Run("replace", func(t *testing.T) {
				for _, size := range []int{stPartSize, 6 * stPartSize} {
					data := randomData(uint64(size), size)
					put(t, e.api, e.bucket, "src-replace", data, props)
					dst := &CopyDestination{Bucket: e.bucket, Key: "dst-replace", ReplaceMetadata: true,
						ObjectOptions: ObjectOptions{ContentType: "image/png", Metadata: map[string]string{"fresh": "yes"}}}
					task, err := m.Copy(ctxT(t), &CopySource{Bucket: e.bucket, Key: "src-replace"}, dst)
					if err != nil {
						t.Fatal(err)
					}
					mustWait(t, task)
					h := headObject(t, e, "dst-replace")
					if h.ContentType != "image/png" || h.Metadata["fresh"] != "yes" || h.Metadata["origin"] != "" {
						t.Errorf("size %d: the copy's properties: %q %v", size, h.ContentType, h.Metadata)
					}
					got, _ := fetchAll(t, e.api, e.bucket, "dst-replace")
					sameSHA256(t, got, data)
				}
			})
			t.Run("version", func(t *testing.T) {
				if _, err := bucket.NewClient(e.c).PutVersioning(ctxT(t), &bucket.PutVersioningInput{Bucket: e.bucket, Status: bucket.VersioningEnabled}); err != nil {
					t.Fatal(err)
				}
				for _, size := range []int{2 * stPartSize, 9 * stPartSize} {
					v1 := randomData(uint64(size+1), size)
					first := put(t, e.api, e.bucket, "versioned", v1, ObjectOptions{})
					put(t, e.api, e.bucket, "versioned", randomData(uint64(size+2), size+5), ObjectOptions{})
					if first.VersionID == "" {
						t.Fatal("no version id")
					}
					task, err := m.Copy(ctxT(t), &CopySource{Bucket: e.bucket, Key: "versioned", VersionID: first.VersionID}, &CopyDestination{Bucket: e.bucket, Key: "restored"})
					if err != nil {
						t.Fatal(err)
					}
					mustWait(t, task)
					got, _ := fetchAll(t, e.api, e.bucket, "restored")
					sameSHA256(t, got, v1)
				}
			})
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
		})
	}
}

// TestCopyInvalid refuses bad copies before any request, naming the
// field.
func TestCopyInvalid(t *testing.T) {
	e := newCopyEnv(t, client.S3)
	m, _ := New(e.api)
	e.srv.ResetLog()
	for _, tc := range []struct {
		src   *CopySource
		dst   *CopyDestination
		field string
	}{
		{nil, &CopyDestination{Bucket: "b", Key: "k"}, "CopySource"},
		{&CopySource{Bucket: "b", Key: "k"}, nil, "CopyDestination"},
		{&CopySource{Key: "k"}, &CopyDestination{Bucket: "b", Key: "k2"}, "CopySource.Bucket"},
		{&CopySource{Bucket: "b"}, &CopyDestination{Bucket: "b", Key: "k2"}, "CopySource.Key"},
		{&CopySource{Bucket: "b", Key: "k"}, &CopyDestination{Key: "k2"}, "CopyDestination.Bucket"},
		{&CopySource{Bucket: "b", Key: "k"}, &CopyDestination{Bucket: "b"}, "CopyDestination.Key"},
		{&CopySource{Bucket: "b", Key: "k"}, &CopyDestination{Bucket: "b", Key: "k2", ObjectOptions: ObjectOptions{ContentType: "x/y"}}, "CopyDestination.ReplaceMetadata"},
		{&CopySource{Bucket: "b", Key: "k"}, &CopyDestination{Bucket: "b", Key: "k"}, "CopyDestination.Key"},
	} {
		_, err := m.Copy(ctxT(t), tc.src, tc.dst)
		var ie *client.InvalidArgumentError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("Copy(%+v, %+v) = %v, want an InvalidArgumentError naming %s", tc.src, tc.dst, err, tc.field)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// crossPairs are the cross-dialect copies tested: every dialect as a
// source and as a destination.
var crossPairs = [][2]client.Dialect{
	{client.QingStor, client.S3}, {client.COS, client.IBM}, {client.S3, client.QingStor}, {client.IBM, client.COS},
}

// readCheckName is the check a copy through the client makes of the
// bytes it reads from a source on d, uploaded there by the manager
// (multipart unless single).
func readCheckName(d client.Dialect, single bool) string {
	switch {
	case d.Has(client.FeatureCRC64):
		return "crc64"
	case d.Has(client.FeatureChecksums) && single:
		return "crc32c"
	case d.Has(client.FeatureChecksums):
		return "crc32c-composite"
	case single:
		return "md5"
	}
	return "crc32c" // the CRC-32C in the manager's QingStor ETag
}

// writeCheckName is what an upload to d verifies (a single PUT's, or a
// multipart upload's).
func writeCheckName(d client.Dialect, single bool) string {
	switch {
	case d.Has(client.FeatureCRC64):
		return "crc64"
	case d.Has(client.FeatureChecksums):
		return "crc32c"
	case single:
		return "md5"
	}
	return "md5-parts"
}

// TestCopyAcrossDialects copies between services of different dialects
// through the client: ranged GETs from the source into an upload to the
// destination, verified end to end (SHA-256 of both sides, and
// Result.Verified naming the source's published checksum and the
// destination's check), with at most PartParallelism part buffers.
func TestCopyAcrossDialects(t *testing.T) {
	for _, pair := range crossPairs {
		from, to := pair[0], pair[1]
		t.Run(from.Name+"-"+to.Name, func(t *testing.T) {
			t.Parallel()
			se, de := newSTEnv(t, from), newSTEnv(t, to)
			for _, size := range []int{0, 1, stPartSize, stPartSize + 1, 9*stPartSize + 321} {
				t.Run(strconv.Itoa(size), func(t *testing.T) {
					data := randomData(uint64(7000+size), size)
					put(t, se.api, se.bucket, "src", data, ObjectOptions{ContentType: "text/plain", Metadata: map[string]string{"origin": from.Name}})
					se.srv.ResetLog()
					de.srv.ResetLog()
					m, err := New(de.api, WithPartSize(stPartSize), WithPartParallelism(3))
					if err != nil {
						t.Fatal(err)
					}
					key := fmt.Sprint("copy-", size)
					task, err := m.Copy(ctxT(t), &CopySource{API: se.api, Bucket: se.bucket, Key: "src"}, &CopyDestination{Bucket: de.bucket, Key: key})
					if err != nil {
						t.Fatal(err)
					}
					res := mustWait(t, task)
					onlyOps(t, se.srv.Requests(), "HeadObject", "GetObject")
					onlyOps(t, de.srv.Requests(), "PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "HeadObject")
					single := size < stPartSize
					want := "read:" + readCheckName(from, single) + " write:" + writeCheckName(to, single)
					if res.Verified != want || res.Unverified != "" {
						t.Errorf("Verified %q (Unverified %q), want %q", res.Verified, res.Unverified, want)
					}
					if peak := m.bufPeak; peak > 3 {
						t.Errorf("%d part buffers at once, want at most PartParallelism = 3", peak)
					}
					got, down := fetchAll(t, de.api, de.bucket, key)
					sameSHA256(t, got, data)
					if down.Verified == "" {
						t.Errorf("the copy cannot be verified on download: %s", down.Unverified)
					}
					h := headObject(t, de, key)
					if h.ContentType != "text/plain" || h.Metadata["origin"] != from.Name {
						t.Errorf("the copy's properties: %q %v", h.ContentType, h.Metadata)
					}
				})
			}
			if ids := de.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
		})
	}
}

// TestCopyChecksumFallback refuses the first part copy into an upload
// with checksums, as MinIO does ("checksum missing"): the copy starts
// again in an upload without them, aborting the first, and succeeds.
func TestCopyChecksumFallback(t *testing.T) {
	e := newCopyEnv(t, client.S3)
	data := randomData(310, 7*stPartSize)
	put(t, e.api, e.bucket, "src", data, ObjectOptions{})
	partCopy := func(r *http.Request) bool { return r.Header.Get("x-amz-copy-source-range") != "" }
	e.srv.InjectFault(storagetest.Fault{Match: partCopy, Status: http.StatusBadRequest, Code: "InvalidArgument", Times: 1})
	e.srv.ResetLog()
	m, _ := New(e.api, WithPartSize(stPartSize), WithPartParallelism(1))
	task, _ := m.Copy(ctxT(t), &CopySource{Bucket: e.bucket, Key: "src"}, &CopyDestination{Bucket: e.bucket, Key: "dst"})
	res := mustWait(t, task)
	n := ops(e.srv.Requests())
	if n["CreateMultipartUpload"] != 2 || n["AbortMultipartUpload"] != 1 || !res.Checksum.IsZero() || res.Verified != "" {
		t.Errorf("requests %v, result %+v: want a second upload without checksums", n, res)
	}
	got, _ := fetchAll(t, e.api, e.bucket, "dst")
	sameSHA256(t, got, data)
	if ids := e.uploads(t); len(ids) != 0 {
		t.Errorf("uploads left: %v", ids)
	}
}
