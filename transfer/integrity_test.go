package transfer

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// flipGet corrupts one bit of the body of the next GET of key that
// satisfies match, and counts the answers it corrupted.
func flipGet(srv *storagetest.Server, key string, off int64) *atomic.Int32 {
	var n atomic.Int32
	srv.InjectFault(storagetest.Fault{
		Match: func(r *http.Request) bool {
			ok := r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/"+key)
			if ok {
				n.Add(1)
			}
			return ok
		},
		FlipBit: true, FlipOffset: off,
	})
	return &n
}

// checkDetected checks a download that got a corrupted byte: it failed
// with a checksum error, and a File destination was not written (no
// file, no partial file left).
func checkDetected(t *testing.T, err error, file string) {
	t.Helper()
	var ce *ChecksumError
	if !errors.Is(err, ErrChecksumMismatch) || !errors.Is(err, client.ErrChecksumMismatch) || !errors.As(err, &ce) || ce.Want == ce.Got {
		t.Fatalf("download of corrupted bytes: %v, want a *ChecksumError", err)
	}
	if file == "" {
		return
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the destination exists after a failed download: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(file)); len(ents) != 0 {
		t.Errorf("files left: %v", ents)
	}
}

// Objects the manager uploads (in one PUT or in parts) are verified on
// download on every dialect: a bit flipped in one range's body fails the
// download (File and WriterAt) and object.Get's read of the whole object.
func TestDownloadDetectsBitFlips(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			m, err := New(e.api, WithPartSize(stPartSize), WithPartParallelism(3))
			if err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{stPartSize / 2, 3*stPartSize + 77} {
				key := fmt.Sprint("obj-", size)
				data := randomData(uint64(size), size)
				task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: key, ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
				up := mustWait(t, task)
				if (size > stPartSize) != (up.UploadID != "") {
					t.Fatalf("upload %+v", up)
				}
				for _, dest := range []string{"file", "writerat"} {
					t.Run(fmt.Sprint(size, "/", dest), func(t *testing.T) {
						in := &DownloadInput{Bucket: e.bucket, Key: key}
						if dest == "file" {
							in.File = filepath.Join(t.TempDir(), "out.bin")
						} else {
							in.WriterAt = &memWriterAt{}
						}
						hits := flipGet(e.srv, key, int64(size)/2%stPartSize)
						task, _ := m.Download(ctxT(t), in)
						_, err := wait(t, task)
						if hits.Load() != 1 {
							t.Fatalf("%d answers corrupted", hits.Load())
						}
						checkDetected(t, err, in.File)
					})
				}
				t.Run(fmt.Sprint(size, "/get"), func(t *testing.T) {
					flipGet(e.srv, key, int64(size)-1)
					out, err := object.NewClient(e.c).Get(ctxT(t), &object.GetInput{Bucket: e.bucket, Key: key})
					if err != nil {
						t.Fatal(err)
					}
					defer out.Body.Close()
					if _, err := io.ReadAll(out.Body); !errors.Is(err, client.ErrChecksumMismatch) {
						t.Errorf("object.Get of corrupted bytes (verified %q, %q): %v", out.Verified, out.Unverified, err)
					}
				})
			}
		})
	}
}

// flipProxy is a reverse proxy to a real server that flips one bit of the
// next GET answer's body when armed.
type flipProxy struct {
	srv   *httptest.Server
	armed atomic.Bool
	hits  atomic.Int32
}

func newFlipProxy(t *testing.T, upstream string) *flipProxy {
	t.Helper()
	p := &flipProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.RequestURI = "http", strings.TrimPrefix(upstream, "http://"), ""
		out.Host = r.Host // the signature covers the host the client used
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		if r.Method == http.MethodGet && resp.StatusCode/100 == 2 && len(body) > 0 && p.armed.CompareAndSwap(true, false) {
			body[len(body)/2] ^= 0x40
			p.hits.Add(1)
		}
		w.Write(body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// The same on a real S3 server (MinIO), with the corruption made on the
// wire by a proxy.
func TestMinIODownloadDetectsBitFlips(t *testing.T) {
	srv := minioShared(t)
	proxy := newFlipProxy(t, srv.URL)
	c, err := client.New(client.S3, client.WithEndpoint(proxy.srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	bkt := makeMinIOBucket(t, c, "flips")
	m, err := New(NewClientAPI(c), WithPartSize(minioPartSize), WithPartParallelism(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1000, 2*minioPartSize + 5} {
		key := fmt.Sprint("obj-", size)
		data := randomData(uint64(size)+3, size)
		task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: bkt, Key: key, ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
		mustWait(t, task)
		for _, dest := range []string{"file", "writerat", "get"} {
			t.Run(fmt.Sprint(size, "/", dest), func(t *testing.T) {
				proxy.hits.Store(0)
				proxy.armed.Store(true)
				if dest == "get" {
					out, err := object.NewClient(c).Get(ctxT(t), &object.GetInput{Bucket: bkt, Key: key})
					if err != nil {
						t.Fatal(err)
					}
					defer out.Body.Close()
					if _, err := io.ReadAll(out.Body); !errors.Is(err, client.ErrChecksumMismatch) || proxy.hits.Load() != 1 {
						t.Errorf("object.Get of corrupted bytes (verified %q, %q): %v", out.Verified, out.Unverified, err)
					}
					return
				}
				in := &DownloadInput{Bucket: bkt, Key: key}
				if dest == "file" {
					in.File = filepath.Join(t.TempDir(), "out.bin")
				} else {
					in.WriterAt = &memWriterAt{}
				}
				task, _ := m.Download(ctxT(t), in)
				_, err := wait(t, task)
				if proxy.hits.Load() != 1 {
					t.Fatalf("%d answers corrupted", proxy.hits.Load())
				}
				checkDetected(t, err, in.File)
			})
		}
	}
}

// hostileS3 is a bare S3 server holding one object that misbehaves on
// ranged GETs as mode says: "ignore" the Range header (200 and the whole
// object), "shift" the bytes by one, name another object "total" in
// Content-Range, or answer with another "etag" (ignoring If-Match).
func hostileS3(t *testing.T, data []byte, mode string) (*ClientAPI, *atomic.Int32) {
	t.Helper()
	sum := md5.Sum(data)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Last-Modified", time.Unix(1e9, 0).UTC().Format(http.TimeFormat))
		if r.Method == http.MethodHead {
			h.Set("Content-Length", strconv.Itoa(len(data)))
			return
		}
		gets.Add(1)
		var first, last int
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &first, &last); err != nil {
			http.Error(w, "want a range", http.StatusBadRequest)
			return
		}
		total := len(data)
		switch mode {
		case "ignore":
			h.Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data)
			return
		case "shift":
			first, last = first+1, min(last+1, len(data)-1)
		case "total":
			total++
		case "etag":
			h.Set("ETag", `"someone-else"`)
		}
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, total))
		h.Set("Content-Length", strconv.Itoa(last-first+1))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[first : last+1])
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithStaticCredentials("AKIDEXAMPLE", "secret", ""),
		client.WithRetry(client.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return NewClientAPI(c), &gets
}

// A server that ignores or shifts ranges, names another object size or
// another ETag gets the download failed with a typed error, and no file
// with wrong bytes.
func TestDownloadHostileRanges(t *testing.T) {
	data := randomData(40, 10*kib+3)
	for _, tc := range []struct {
		mode string
		want error
	}{
		{"ignore", client.ErrRangeMismatch},
		{"shift", client.ErrRangeMismatch},
		{"total", client.ErrRangeMismatch},
		{"etag", ErrSourceChanged},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			api, gets := hostileS3(t, data, tc.mode)
			m, _ := New(api, WithPartSize(4*kib), WithPartParallelism(2))
			out := filepath.Join(t.TempDir(), "out.bin")
			task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: "hostile", Key: "obj", File: out})
			_, err := wait(t, task)
			var te *TaskError
			if !errors.Is(err, tc.want) || !errors.As(err, &te) || te.PartNumber < 0 {
				t.Fatalf("download: %v, want %v naming the range", err, tc.want)
			}
			if tc.want == ErrSourceChanged && !errors.Is(err, client.ErrPreconditionFailed) {
				t.Errorf("%v does not match client.ErrPreconditionFailed", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("destination written: %v", err)
			}
			if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 0 {
				t.Errorf("files left: %v", ents)
			}
			if gets.Load() == 0 || gets.Load() > 3 {
				t.Errorf("%d GETs", gets.Load())
			}
		})
	}
}

// An object encrypted with a KMS key has an ETag that is not an MD5: a
// download does not take it for one (no false mismatch) and its result
// says it verified nothing; where a checksum is published (the manager's
// CRC32Cs) the object is verified all the same.
func TestDownloadKMSObject(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.IBM, client.COS} {
		t.Run(d.Name, func(t *testing.T) {
			e := newSTEnv(t, d)
			kms := "aws:kms"
			if d.Name == client.COS.Name {
				kms = "cos/kms"
			}
			c, err := e.srv.Client(client.WithAPIOptions(addHeader(d.Object.EncryptionHeader, kms)))
			if err != nil {
				t.Fatal(err)
			}
			api := NewClientAPI(c)
			data := randomData(41, 3*stPartSize+1)
			for _, tc := range []struct {
				key       string
				size      int
				integrity Integrity
				verified  string
			}{
				{"md5-only", stPartSize / 2, IntegrityMD5, ""},
				{"auto-single", stPartSize / 2, IntegrityAuto, "crc32c"},
				{"auto-multipart", len(data), IntegrityAuto, "crc32c-composite"},
			} {
				if d.Has(client.FeatureCRC64) {
					tc.verified = "crc64"
				}
				m, _ := New(api, WithPartSize(stPartSize), WithIntegrity(tc.integrity))
				task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: tc.key, ReaderAt: bytes.NewReader(data[:tc.size]), Size: int64(tc.size)})
				mustWait(t, task)
				info, err := api.HeadObject(ctxT(t), &HeadObjectInput{Bucket: e.bucket, Key: tc.key})
				if err != nil || info.Encryption != kms || (tc.size < stPartSize && !info.OpaqueETag) {
					t.Fatalf("%s: head %+v, %v", tc.key, info, err)
				}
				mem := &memWriterAt{}
				m, _ = New(api, WithPartSize(stPartSize))
				task, _ = m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: tc.key, WriterAt: mem})
				res := mustWait(t, task)
				equalBytes(t, mem.bytes(), data[:tc.size])
				if res.Verified != tc.verified {
					t.Errorf("%s: verified %q (%q), want %q", tc.key, res.Verified, res.Unverified, tc.verified)
				}
				if tc.verified == "" && !strings.Contains(res.Unverified, kms) {
					t.Errorf("%s: Unverified %q does not name %s", tc.key, res.Unverified, kms)
				}
			}
		})
	}
}

// A resumed download re-verifies the ranges it keeps in the partial file:
// one whose bytes changed on disk is fetched again, the others are not,
// and the file comes out right.
func TestDownloadResumeCorruptPartialFile(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			e := newSTEnv(t, d)
			data := randomData(42, 6*stPartSize+9)
			m, _ := New(e.api, WithPartSize(stPartSize), WithPartParallelism(1))
			task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
			mustWait(t, task)

			dir, ckpt := t.TempDir(), t.TempDir()
			out := filepath.Join(dir, "out.bin")
			// The first download stops after three ranges.
			g := newGate()
			held := &heldAPI{ClientAPI: e.api, hold: func(ctx context.Context, in *GetObjectRangeInput) error {
				if in.Offset < 3*stPartSize {
					return nil
				}
				return g.hold(ctx, int(in.Offset))
			}}
			rec := newRecorder()
			m, _ = New(held, WithPartSize(stPartSize), WithPartParallelism(1), WithCheckpointDir(ckpt), WithKeepParts(true), WithListener(rec.listener()))
			task, _ = m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: "obj", File: out})
			rec.waitParts(t, 3)
			g.waitArrivals(t, 1)
			task.Cancel()
			if _, err := wait(t, task); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait = %v", err)
			}
			g.openUp()
			partials, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
			if len(partials) != 1 {
				t.Fatalf("partial files %v", partials)
			}
			// Range 1 changes on disk.
			f, err := os.OpenFile(partials[0], os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt([]byte{data[stPartSize+5] ^ 0xff}, stPartSize+5); err != nil {
				t.Fatal(err)
			}
			f.Close()

			e.srv.ResetLog()
			m, _ = New(e.api, WithPartSize(stPartSize), WithCheckpointDir(ckpt))
			task, _ = m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: "obj", File: out})
			res := mustWait(t, task)
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			equalBytes(t, got, data)
			if res.ResumedParts != 2 || res.Verified == "" {
				t.Errorf("result %+v, want ranges 0 and 2 resumed, the object verified", res)
			}
			fetched := map[int64]int{}
			for _, r := range e.srv.Requests() {
				if r.Op == "GetObject" && r.Status/100 == 2 {
					var a, b int64
					fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
					fetched[a/stPartSize]++
				}
			}
			if fetched[0] != 0 || fetched[2] != 0 || fetched[1] != 1 || len(fetched) != 5 {
				t.Errorf("ranges fetched on resume: %v, want 1 and 3 to 6 once", fetched)
			}
		})
	}
}

// heldAPI holds GETs with hold.
type heldAPI struct {
	*ClientAPI
	hold func(context.Context, *GetObjectRangeInput) error
}

func (h *heldAPI) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	if err := h.hold(ctx, in); err != nil {
		return nil, err
	}
	return h.ClientAPI.GetObjectRange(ctx, in)
}

func minioShared(t *testing.T) *miniotest.Server { return miniotest.Shared(t) }

// makeMinIOBucket creates a uniquely named bucket.
func makeMinIOBucket(t *testing.T, c *client.Client, base string) string {
	t.Helper()
	name := base + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: name}); err != nil {
		t.Fatal(err)
	}
	return name
}

// addHeader is a stack edit that sets a request header (before signing).
func addHeader(name, value string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("TestHeader", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			in.Request.(*smithyhttp.Request).Header.Set(name, value)
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	}
}

// An object with an additional checksum of its content is verified over
// any split into ranges: a CRC by combining the ranges' CRCs, a SHA in
// order; a flipped bit in any range is caught.
func TestDownloadFullObjectChecksums(t *testing.T) {
	e := newSTEnv(t, client.S3)
	data := randomData(43, 5*stPartSize+123)
	for _, a := range []client.ChecksumAlgorithm{client.ChecksumCRC64NVME, client.ChecksumCRC32, client.ChecksumCRC32C, client.ChecksumSHA256} {
		t.Run(a.String(), func(t *testing.T) {
			key := "full-" + a.String()
			if _, err := object.NewClient(e.c).Put(ctxT(t), &object.PutInput{Bucket: e.bucket, Key: key, Body: bytes.NewReader(data),
				Checksum: client.ComputeChecksum(a, data)}); err != nil {
				t.Fatal(err)
			}
			for _, ps := range []int64{stPartSize, 3*stPartSize + 1} {
				m, _ := New(e.api, WithPartSize(ps), WithPartParallelism(3))
				mem := &memWriterAt{}
				task, _ := m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: key, WriterAt: mem})
				res := mustWait(t, task)
				equalBytes(t, mem.bytes(), data)
				if res.Verified != strings.ToLower(a.String()) || res.Parts < 2 {
					t.Errorf("range size %d: verified %q (%q) over %d ranges", ps, res.Verified, res.Unverified, res.Parts)
				}
				flipGet(e.srv, key, 7)
				task, _ = m.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: key, WriterAt: &memWriterAt{}})
				_, err := wait(t, task)
				checkDetected(t, err, "")
			}
		})
	}
}

// BenchmarkRangeHash is the CPU a download spends per byte to verify it,
// by plan: compare with BenchmarkRangeHash/off, the bare copy's.
func BenchmarkRangeHash(b *testing.B) {
	buf := randomData(44, copyBufSize)
	for _, tc := range []struct {
		name string
		plan integrity.Plan
		off  bool
	}{
		{"off", integrity.Off("benchmark"), true},
		{"unverified", integrity.Off("nothing published"), false},
		{"crc32c-composite", integrity.Plan{Kind: integrity.Composite, Algo: integrity.CRC32C}, false},
		{"crc64", integrity.Plan{Kind: integrity.Whole, Algo: integrity.CRC64ECMA}, false},
		{"crc64nvme", integrity.Plan{Kind: integrity.Whole, Algo: integrity.CRC64NVME}, false},
		{"md5", integrity.Plan{Kind: integrity.Whole, Algo: integrity.MD5}, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := &downloadJob{plan: tc.plan, local: !tc.off}
			var h io.Writer = d.newRangeHasher()
			if tc.plan.Sequential() {
				h = tc.plan.Algo.New() // what seqHasher adds, in order
				if d.local {
					h = io.MultiWriter(d.newRangeHasher(), h)
				}
			}
			b.SetBytes(int64(len(buf)))
			for i := 0; i < b.N; i++ {
				h.Write(buf)
			}
		})
	}
}
