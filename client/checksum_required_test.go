package client_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// headerRecorder is an httptest server on 127.0.0.1 that answers 200 and keeps
// the headers and body of every request.
type headerRecorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	header http.Header
	body   []byte
}

func newHeaderRecorder(t *testing.T) *headerRecorder {
	t.Helper()
	rec := &headerRecorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{header: r.Header.Clone(), body: b})
		rec.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *headerRecorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

// rawIn is the input of rawOp: a body and headers to send as they are.
type rawIn struct {
	body   *opkit.Body
	header http.Header
}

// rawOp returns an operation named name that sends in's body and
// headers in a PUT to /bucket/key.
func rawOp(name string) *opkit.Op[rawIn, struct{}] {
	return &opkit.Op[rawIn, struct{}]{
		Name:       name,
		Idempotent: true,
		Serialize: func(_ *client.Dialect, _ *client.Options, in *rawIn, r *opkit.Request) error {
			r.Method, r.Bucket, r.Key, r.Body = http.MethodPut, "bucket", "key", in.body
			for k, v := range in.header {
				r.Header[k] = v
			}
			return nil
		},
	}
}

func md5Of(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func headerRecorderClient(t *testing.T, d client.Dialect, rec *headerRecorder) *client.Client {
	t.Helper()
	c, err := client.New(d, client.WithEndpoint(rec.srv.URL), client.WithRegion(regionOf(d)),
		client.WithStaticCredentials("AK", "SK", ""), client.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func regionOf(d client.Dialect) string {
	if d.DefaultRegion != "" {
		return d.DefaultRegion
	}
	return "ap-beijing"
}

// TestChecksumRequiredEveryEntry sends, for every operation each
// built-in dialect lists in ChecksumRequired, a request without an
// integrity header, with an empty body and with a replayable one, and
// checks the Content-MD5 the server received.
func TestChecksumRequiredEveryEntry(t *testing.T) {
	ctx := context.Background()
	payload := []byte("<Doc>checksum required</Doc>")
	for _, d := range client.Dialects() {
		if len(d.ChecksumRequired) == 0 {
			t.Errorf("%s: no ChecksumRequired operations", d.Name)
		}
		for op, need := range d.ChecksumRequired {
			t.Run(d.Name+"/"+op, func(t *testing.T) {
				rec := newHeaderRecorder(t)
				c := headerRecorderClient(t, d, rec)
				if _, err := opkit.Call(ctx, c, rawOp(op), &rawIn{}); err != nil {
					t.Fatal(err)
				}
				if _, err := opkit.Call(ctx, c, rawOp(op), &rawIn{body: opkit.BytesBody(payload)}); err != nil {
					t.Fatal(err)
				}
				reqs := rec.requests()
				if len(reqs) != 2 {
					t.Fatalf("%d requests reached the server, want 2", len(reqs))
				}
				wantEmpty := client.EmptyContentMD5
				if need == client.ChecksumWithBody {
					wantEmpty = "" // a bodiless request goes without
				}
				if got := reqs[0].header.Get("Content-MD5"); got != wantEmpty {
					t.Errorf("%v, empty body: Content-MD5 %q, want %q", need, got, wantEmpty)
				}
				if got, want := reqs[1].header.Get("Content-MD5"), md5Of(payload); got != want {
					t.Errorf("%v, body: Content-MD5 %q, want %q", need, got, want)
				}
				if string(reqs[1].body) != string(payload) {
					t.Errorf("body %q reached the server, want %q: hashing consumed it", reqs[1].body, payload)
				}
			})
		}
	}
}

func TestEmptyContentMD5(t *testing.T) {
	if got := md5Of(nil); got != client.EmptyContentMD5 {
		t.Errorf("EmptyContentMD5 is %q, the MD5 of no bytes is %q", client.EmptyContentMD5, got)
	}
}

// TestChecksumRequiredKeepsIntegrityHeaders: a request that carries an
// integrity header of its own is sent as built.
func TestChecksumRequiredKeepsIntegrityHeaders(t *testing.T) {
	ctx := context.Background()
	d := client.S3
	payload := []byte("body")
	for _, tc := range []struct {
		name, header, value string
	}{
		{"content-md5", "Content-MD5", md5Of(payload)},
		{"crc32c", "x-amz-checksum-crc32c", "AAAAAA=="},
		{"sha256 checksum", "x-amz-checksum-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		{"trailer", "x-amz-trailer", "x-amz-checksum-crc32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newHeaderRecorder(t)
			c := headerRecorderClient(t, d, rec)
			h := http.Header{}
			h.Set(tc.header, tc.value)
			if _, err := opkit.Call(ctx, c, rawOp("PutBucketAcl"), &rawIn{body: opkit.BytesBody(payload), header: h}); err != nil {
				t.Fatal(err)
			}
			got := rec.requests()[0].header
			if tc.header != "Content-MD5" && got.Get("Content-MD5") != "" {
				t.Errorf("Content-MD5 %q added beside %s", got.Get("Content-MD5"), tc.header)
			}
			if got.Get(tc.header) != tc.value {
				t.Errorf("%s = %q, want %q", tc.header, got.Get(tc.header), tc.value)
			}
		})
	}
}

func TestHasIntegrityHeader(t *testing.T) {
	d := client.S3
	for _, tc := range []struct {
		header, value string
		want          bool
	}{
		{"Content-MD5", "x", true},
		{"x-amz-checksum-crc32", "x", true},
		{"x-amz-checksum-crc64nvme", "x", true},
		{"x-amz-trailer", "x-amz-checksum-crc32c", true},
		{"x-amz-content-sha256", strings.Repeat("ab", 32), false}, // a signed payload hash is not one
		{"x-amz-content-sha256", "UNSIGNED-PAYLOAD", false},
		{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", false},
		{"x-amz-checksum-algorithm", "CRC32C", false},
		{"x-amz-checksum-mode", "ENABLED", false},
		{"x-cos-checksum-crc32", "x", false}, // another dialect's prefix
	} {
		h := http.Header{}
		h.Set(tc.header, tc.value)
		if got := opkit.HasIntegrityHeader(&d, h); got != tc.want {
			t.Errorf("%s: %q: HasIntegrityHeader = %v, want %v", tc.header, tc.value, got, tc.want)
		}
	}
	if opkit.HasIntegrityHeader(&d, http.Header{}) {
		t.Error("an empty header has an integrity header")
	}
	// COS has no additional checksums: only Content-MD5 counts.
	cos := client.COS
	for name, want := range map[string]bool{"Content-MD5": true, "x-cos-checksum-crc32": false, "x-amz-checksum-crc32": false} {
		h := http.Header{}
		h.Set(name, "x")
		if got := opkit.HasIntegrityHeader(&cos, h); got != want {
			t.Errorf("COS %s: HasIntegrityHeader = %v, want %v", name, got, want)
		}
	}
}

// TestChecksumRequiredOneShotBody: a body that can be read only once is
// refused before anything is sent when the operation requires a
// checksum, and sent without one when the need is ChecksumIfReplayable.
func TestChecksumRequiredOneShotBody(t *testing.T) {
	ctx := context.Background()
	d := client.IBM
	for _, tc := range []struct {
		op   string
		need client.ChecksumNeed
	}{
		{"PutBucketCors", client.ChecksumRequired},
		{"UploadPart", client.ChecksumIfReplayable},
	} {
		t.Run(tc.op, func(t *testing.T) {
			if got := opkit.ChecksumNeedOf(&d, tc.op); got != tc.need {
				t.Fatalf("IBM's need for %s is %v, the test expects %v", tc.op, got, tc.need)
			}
			rec := newHeaderRecorder(t)
			c := headerRecorderClient(t, d, rec)
			body := opkit.StreamBody(strings.NewReader("one shot"), 8)
			_, err := opkit.Call(ctx, c, rawOp(tc.op), &rawIn{body: body})
			reqs := rec.requests()
			if tc.need == client.ChecksumIfReplayable {
				if err != nil {
					t.Fatal(err)
				}
				if len(reqs) != 1 || reqs[0].header.Get("Content-MD5") != "" || string(reqs[0].body) != "one shot" {
					t.Fatalf("want one request without Content-MD5 carrying the body, got %d", len(reqs))
				}
				return
			}
			var ia *client.InvalidArgumentError
			if !errors.As(err, &ia) || ia.Field != "Body" || ia.Op != tc.op {
				t.Fatalf("error %v, want an *InvalidArgumentError on Body of %s", err, tc.op)
			}
			if !errors.Is(err, client.ErrInvalidArgument) {
				t.Errorf("%v does not match ErrInvalidArgument", err)
			}
			if len(reqs) != 0 {
				t.Errorf("%d requests sent, want none", len(reqs))
			}
		})
	}
}

// TestChecksumRequiredOnlyListed: an operation the dialect does not list
// gets no Content-MD5, and a presigned listed one neither (its holder
// sends the body).
func TestChecksumRequiredOnlyListed(t *testing.T) {
	ctx := context.Background()
	rec := newHeaderRecorder(t)
	c := headerRecorderClient(t, client.S3, rec)
	if opkit.ChecksumNeedOf(&client.S3, "PutObject") != client.ChecksumOptional {
		t.Fatal("S3 lists PutObject; pick another unlisted operation")
	}
	if _, err := opkit.Call(ctx, c, rawOp("PutObject"), &rawIn{body: opkit.BytesBody([]byte("x"))}); err != nil {
		t.Fatal(err)
	}
	if got := rec.requests()[0].header.Get("Content-MD5"); got != "" {
		t.Errorf("unlisted operation sent Content-MD5 %q", got)
	}
	p, err := opkit.Presign(ctx, c, rawOp("PutBucketAcl"), &rawIn{}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Header.Get("Content-MD5"); got != "" || strings.Contains(strings.ToLower(p.URL), "content-md5") {
		t.Errorf("presigned PutBucketAcl signs Content-MD5 %q (URL %s)", got, p.URL)
	}
}

// TestChecksumRequiredIsAStep: the step is in the stack, where a user
// can remove it.
func TestChecksumRequiredIsAStep(t *testing.T) {
	ctx := context.Background()
	rec := newHeaderRecorder(t)
	c := headerRecorderClient(t, client.S3, rec)
	removed := false
	_, err := opkit.Call(ctx, c, rawOp("PutBucketAcl"), &rawIn{}, client.WithAPIOptions(func(s *middleware.Stack) error {
		_, err := s.Serialize.Remove(client.StepChecksumRequired)
		removed = err == nil
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !removed || rec.requests()[0].header.Get("Content-MD5") != "" {
		t.Errorf("removing the ChecksumRequired step: removed %v, Content-MD5 %q", removed, rec.requests()[0].header.Get("Content-MD5"))
	}
}

func TestChecksumNeedString(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range client.ChecksumNeed(0).Values() {
		s := n.String()
		if seen[s] || strings.HasPrefix(s, "ChecksumNeed(") {
			t.Errorf("%d: String %q", int(n), s)
		}
		seen[s] = true
	}
	if got := client.ChecksumNeed(99).String(); got != "ChecksumNeed(99)" {
		t.Errorf("unknown need: %q", got)
	}
}
