package object_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// hostileContent is the object the hostile servers hold.
var hostileContent = []byte(strings.Repeat("0123456789", 10))

// rangeAnswer is how a hostile server answers a GET: status,
// Content-Range and the body; ETag is sent as is.
type rangeAnswer struct {
	status int
	cr     string
	body   []byte
	etag   string
}

// hostileClient returns an S3 client of a server that answers every GET
// with answer(range header).
func hostileClient(t *testing.T, answer func(rng string) rangeAnswer) *object.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answer(r.Header.Get("Range"))
		if a.cr != "" {
			w.Header().Set("Content-Range", a.cr)
		}
		etag := a.etag
		if etag == "" {
			etag = `"hostile-etag"`
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
		w.WriteHeader(a.status)
		w.Write(a.body)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithStaticCredentials("AKIDEXAMPLE", "secret", ""),
		client.WithRetry(client.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return object.NewClient(c)
}

// Get refuses, with an error matching client.ErrRangeMismatch, every
// answer that is not the range asked for, and accepts the answers that
// are.
func TestGetChecksRanges(t *testing.T) {
	whole := hostileContent
	partial := func(first, last int) rangeAnswer {
		return rangeAnswer{status: 206, cr: fmt.Sprintf("bytes %d-%d/%d", first, last, len(whole)), body: whole[first : last+1]}
	}
	for _, tc := range []struct {
		name           string
		offset, length int64
		answer         rangeAnswer
		ok             bool
		reason         string
	}{
		{"honoured", 10, 10, partial(10, 19), true, ""},
		{"clipped-at-end", 90, 100, partial(90, 99), true, ""},
		{"open-ended", 95, 0, partial(95, 99), true, ""},
		{"whole-as-200", 0, 100, rangeAnswer{status: 200, body: whole}, true, ""},
		{"more-than-whole-as-200", 0, 1000, rangeAnswer{status: 200, body: whole}, true, ""},
		{"whole-as-206", 0, 0, partial(0, 99), true, ""},
		{"ignored", 10, 10, rangeAnswer{status: 200, body: whole}, false, "ignored the range"},
		{"ignored-prefix", 0, 10, rangeAnswer{status: 200, body: whole}, false, "ignored the range"},
		{"shifted", 10, 10, partial(11, 20), false, "start at 11"},
		{"short", 10, 10, partial(10, 15), false, "end at 15"},
		{"long", 10, 10, partial(10, 25), false, "end at 25"},
		{"open-ended-short", 50, 0, partial(50, 60), false, "before the object's end"},
		{"no-content-range", 10, 10, rangeAnswer{status: 206, body: whole[10:20]}, false, "needs a Content-Range"},
		{"bad-content-range", 10, 10, rangeAnswer{status: 206, cr: "bytes 10-19/5", body: whole[10:20]}, false, "needs a Content-Range"},
		{"length-mismatch", 10, 10, rangeAnswer{status: 206, cr: "bytes 10-19/100", body: whole[10:15]}, false, "Content-Length 5"},
		{"partial-for-whole", 0, 0, partial(0, 49), false, "partial answer to a read of the whole object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objects := hostileClient(t, func(string) rangeAnswer { return tc.answer })
			out, err := objects.Get(context.Background(), &object.GetInput{Bucket: "hostile", Key: "k", Offset: tc.offset, Length: tc.length})
			if tc.ok {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				got, err := io.ReadAll(out.Body)
				out.Body.Close()
				if err != nil || !bytes.Equal(got, tc.answer.body) || out.Size != int64(len(whole)) {
					t.Errorf("body %q, %v, size %d", got, err, out.Size)
				}
				return
			}
			var re *client.RangeError
			if !errors.Is(err, client.ErrRangeMismatch) || !errors.As(err, &re) || out != nil {
				t.Fatalf("Get = %v, %v; want a *client.RangeError", out, err)
			}
			if re.Offset != tc.offset || re.Length != tc.length || re.Status != tc.answer.status || re.ContentRange != tc.answer.cr ||
				!strings.Contains(re.Reason, tc.reason) {
				t.Errorf("RangeError %+v, want reason with %q", re, tc.reason)
			}
		})
	}
}

// An answer carrying another ETag than If-Match asked for is refused: the
// server ignored the condition.
func TestGetChecksIfMatch(t *testing.T) {
	objects := hostileClient(t, func(string) rangeAnswer {
		return rangeAnswer{status: 200, body: hostileContent, etag: `"other"`}
	})
	_, err := objects.Get(context.Background(), &object.GetInput{Bucket: "hostile", Key: "k", Conditions: object.Conditions{IfMatch: "expected"}})
	if !errors.Is(err, client.ErrPreconditionFailed) || !strings.Contains(err.Error(), `"other"`) {
		t.Fatalf("Get = %v, want ErrPreconditionFailed naming the ETag", err)
	}
	out, err := objects.Get(context.Background(), &object.GetInput{Bucket: "hostile", Key: "k", Conditions: object.Conditions{IfMatch: `"other"`}})
	if err != nil {
		t.Fatalf("matching If-Match: %v", err)
	}
	out.Body.Close()
}

// stObjects is an object client of a fresh storagetest server with a
// bucket.
func stObjects(t *testing.T, d client.Dialect) (*storagetest.Server, *object.Client, string) {
	t.Helper()
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	b := bucketFor(d, "verify")
	if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	return srv, object.NewClient(c), b
}

// readAll reads an object with Get and returns the bytes, the output and
// the error of reading the body.
func readAll(t *testing.T, objects *object.Client, in *object.GetInput) ([]byte, *object.GetOutput, error) {
	t.Helper()
	out, err := objects.Get(context.Background(), in)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return b, out, err
}

// flipNextGet corrupts one bit of the next GET's body.
func flipNextGet(srv *storagetest.Server, off int64) {
	srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return r.Method == http.MethodGet }, FlipBit: true, FlipOffset: off})
}

// Get verifies a whole object's body against what the answer publishes,
// on every dialect, and a flipped bit ends the body with an error
// matching client.ErrChecksumMismatch instead of io.EOF.
func TestGetVerifiesBody(t *testing.T) {
	content := bytes.Repeat([]byte("verified "), 2000)
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, objects, b := stObjects(t, d)
			type stored struct {
				key, verified string
			}
			// "plain" carries no checksum (IntegrityOff): its ETag (or
			// COS's CRC-64) verifies it. "default" carries what Put sends
			// by default: a CRC32C on S3 and IBM.
			puts := []stored{{"plain", "md5"}, {"default", "md5"}}
			if d.Has(client.FeatureCRC64) {
				puts[0].verified, puts[1].verified = "crc64", "crc64"
			}
			if d.Has(client.FeatureChecksums) {
				puts[1].verified = "crc32c"
			}
			if _, err := objects.Put(context.Background(), &object.PutInput{Bucket: b, Key: "plain", Body: bytes.NewReader(content), Integrity: client.IntegrityOff}); err != nil {
				t.Fatal(err)
			}
			if _, err := objects.Put(context.Background(), &object.PutInput{Bucket: b, Key: "default", Body: bytes.NewReader(content)}); err != nil {
				t.Fatal(err)
			}
			if d.Has(client.FeatureChecksums) {
				for _, a := range []client.ChecksumAlgorithm{client.ChecksumCRC32C, client.ChecksumSHA256, client.ChecksumCRC64NVME} {
					key := "sum-" + a.String()
					sum := client.ComputeChecksum(a, content)
					if _, err := objects.Put(context.Background(), &object.PutInput{Bucket: b, Key: key, Body: bytes.NewReader(content), Checksum: sum}); err != nil {
						t.Fatal(err)
					}
					puts = append(puts, stored{key, strings.ToLower(a.String())})
				}
			}
			for _, p := range puts {
				got, out, err := readAll(t, objects, &object.GetInput{Bucket: b, Key: p.key})
				if err != nil || !bytes.Equal(got, content) || out.Verified != p.verified || out.Unverified != "" {
					t.Errorf("%s: %d bytes, %v, verified %q (%q), want %q", p.key, len(got), err, out.Verified, out.Unverified, p.verified)
				}
				flipNextGet(srv, 1234)
				got, out, err = readAll(t, objects, &object.GetInput{Bucket: b, Key: p.key})
				var ce *client.ChecksumMismatchError
				if !errors.Is(err, client.ErrChecksumMismatch) || !errors.As(err, &ce) || ce.Algorithm != p.verified || ce.Want == ce.Got || out.Verified != p.verified {
					t.Errorf("%s with a flipped bit: read %d bytes, err %v", p.key, len(got), err)
				}
			}

			// Off on request: the corrupted bytes come through, and the
			// output says nothing was checked.
			flipNextGet(srv, 5)
			got, out, err := readAll(t, objects, &object.GetInput{Bucket: b, Key: "plain", DisableVerification: true})
			if err != nil || bytes.Equal(got, content) || out.Verified != "" || !strings.Contains(out.Unverified, "DisableVerification") {
				t.Errorf("DisableVerification: %v, verified %q, unverified %q", err, out.Verified, out.Unverified)
			}
			// A range cannot be checked, and says so.
			_, out, err = readAll(t, objects, &object.GetInput{Bucket: b, Key: "plain", Offset: 10, Length: 100})
			if err != nil || out.Verified != "" || !strings.Contains(out.Unverified, "ranged") {
				t.Errorf("ranged: %v, verified %q, unverified %q", err, out.Verified, out.Unverified)
			}
		})
	}
}

// An object encrypted with a KMS key has an ETag that is not its MD5:
// Get does not take it for one (no false mismatch) and says it verified
// nothing, unless an additional checksum is published.
func TestGetKMSObject(t *testing.T) {
	content := []byte(strings.Repeat("secret ", 500))
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv, objects, b := stObjects(t, d)
			put := func(key string, sum client.Checksum) {
				t.Helper()
				c, _ := srv.Client(client.WithAPIOptions(addHeader("x-amz-server-side-encryption", "aws:kms")))
				if _, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: b, Key: key, Body: bytes.NewReader(content), Checksum: sum, Integrity: client.IntegrityOff}); err != nil {
					t.Fatal(err)
				}
			}
			put("kms", client.Checksum{})
			got, out, err := readAll(t, objects, &object.GetInput{Bucket: b, Key: "kms"})
			if err != nil || !bytes.Equal(got, content) || out.Verified != "" || !strings.Contains(out.Unverified, "aws:kms") {
				t.Errorf("KMS object: %v, verified %q, unverified %q", err, out.Verified, out.Unverified)
			}
			put("kms-crc", client.ComputeChecksum(client.ChecksumCRC32C, content))
			flipNextGet(srv, 3)
			_, out, err = readAll(t, objects, &object.GetInput{Bucket: b, Key: "kms-crc"})
			if !errors.Is(err, client.ErrChecksumMismatch) || out.Verified != "crc32c" {
				t.Errorf("KMS object with CRC32C, a bit flipped: %v, verified %q", err, out.Verified)
			}
		})
	}
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
