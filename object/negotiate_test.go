package object_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// warnLog counts the Warn records a client logs.
type warnLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *warnLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *warnLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *warnLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *warnLog) WithGroup(string) slog.Handler      { return l }
func (l *warnLog) records() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// hostileEnv is a storagetest server with a client that logs to log.
type hostileEnv struct {
	srv     *storagetest.Server
	c       *client.Client
	objects *object.Client
	bucket  string
	log     *warnLog
}

func newHostile(t *testing.T, d client.Dialect, optFns ...func(*client.Options)) *hostileEnv {
	t.Helper()
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	e := &hostileEnv{srv: srv, log: &warnLog{}, bucket: bucketFor(d, "hostile")}
	c, err := srv.Client(append([]func(*client.Options){client.WithLogger(slog.New(e.log))}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.c, e.objects = c, object.NewClient(c)
	if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: e.bucket}); err != nil {
		t.Fatal(err)
	}
	return e
}

// hasChecksum reports whether a request carries an additional checksum
// or declares one.
func hasChecksum(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") || strings.EqualFold(k, "x-amz-trailer") {
			return true
		}
	}
	return false
}

// refuseChecksums makes the server refuse every request that carries an
// additional checksum, as Backblaze B2 does (400 InvalidArgument) or
// Cloudflare R2 (501 NotImplemented).
func (e *hostileEnv) refuseChecksums(status int, code string) {
	e.srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return hasChecksum(r.Header) }, Times: 1 << 20, Status: status, Code: code})
}

// ignoreChecksums makes the server answer as one that ignores additional
// checksums: no x-amz-checksum-* echo. etag, if set, replaces the
// answer's ETag (an ETag that is not the body's MD5).
func (e *hostileEnv) ignoreChecksums(etag string) {
	e.srv.InjectFault(storagetest.Fault{Times: 1 << 20, Rewrite: func(s int, h http.Header, b []byte) (int, []byte) {
		for k := range h {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
				delete(h, k)
			}
		}
		if etag != "" && h.Get("ETag") != "" {
			h.Set("ETag", `"`+etag+`"`)
		}
		return s, b
	}})
}

// puts returns the PutObject requests the server received since from.
func (e *hostileEnv) puts(from int) []storagetest.Request {
	var out []storagetest.Request
	for _, r := range e.srv.Requests()[from:] {
		if r.Op == "PutObject" || r.Op == "UploadPart" {
			out = append(out, r)
		}
	}
	return out
}

func md5b64(b []byte) string { s := md5.Sum(b); return base64.StdEncoding.EncodeToString(s[:]) }

// TestPutDefaultIntegrity: with no checksum named, Put and UploadPart
// carry the dialect's cheapest verified one (CRC32C on S3 and IBM, the
// CRC-64 checked locally on COS, Content-MD5 on QingStor) and say so in
// Verified; IntegrityOff, on the call or the client, sends none and says
// why nothing was verified.
func TestPutDefaultIntegrity(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("default "), 3000)
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			e := newHostile(t, d)
			want, header := "md5", "Content-Md5"
			switch {
			case d.Has(client.FeatureChecksums):
				want, header = "crc32c", "X-Amz-Checksum-Crc32c"
			case d.Has(client.FeatureCRC64):
				want, header = "crc64", ""
			}
			from := len(e.srv.Requests())
			out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: bytes.NewReader(data)})
			if err != nil || out.Verified != want || out.Unverified != "" {
				t.Fatalf("Put = %+v, %v; want Verified %q", out, err, want)
			}
			r := e.puts(from)[0]
			if header != "" && r.Header.Get(header) == "" {
				t.Errorf("the PUT carries no %s: %v", header, r.Header)
			}
			if header != "Content-Md5" && r.Header.Get("Content-Md5") != "" {
				t.Errorf("the PUT carries Content-MD5 besides %s", want)
			}
			if want == "crc32c" && (out.Checksum.Algorithm != client.ChecksumCRC32C || e.c.ChecksumSupport() != client.ChecksumSupportVerified) {
				t.Errorf("echo %v, support %v", out.Checksum, e.c.ChecksumSupport())
			}

			up, err := multipart.NewClient(e.c).Initiate(ctx, &multipart.InitiateInput{Bucket: e.bucket, Key: "mp"})
			if err != nil {
				t.Fatal(err)
			}
			part, err := multipart.NewClient(e.c).UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.bucket, Key: "mp", UploadID: up.UploadID,
				PartNumber: d.Limits.FirstPartNumber, Body: bytes.NewReader(data)})
			if err != nil || part.Verified != want {
				t.Errorf("UploadPart = %+v, %v; want Verified %q", part, err, want)
			}

			// Off on the call, then on the client.
			for name, fn := range map[string]func() (*object.PutOutput, error){
				"call": func() (*object.PutOutput, error) {
					return e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "off", Body: bytes.NewReader(data), Integrity: client.IntegrityOff})
				},
				"client": func() (*object.PutOutput, error) {
					c, _ := e.c.With(client.WithIntegrity(client.IntegrityOff))
					return object.NewClient(c).Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "off", Body: bytes.NewReader(data)})
				},
			} {
				from := len(e.srv.Requests())
				out, err := fn()
				if err != nil || out.Verified != "" || !strings.Contains(out.Unverified, "IntegrityOff") {
					t.Errorf("%s IntegrityOff: %+v, %v", name, out, err)
				}
				if r := e.puts(from)[0]; hasChecksum(r.Header) || r.Header.Get("Content-Md5") != "" {
					t.Errorf("%s IntegrityOff sent a checksum: %v", name, r.Header)
				}
			}
			// A call's Integrity overrides the client's Off.
			c, _ := e.c.With(client.WithIntegrity(client.IntegrityOff))
			if out, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "on", Body: bytes.NewReader(data), Integrity: client.IntegrityAuto}); err != nil || out.Verified != want {
				t.Errorf("IntegrityAuto over a client's Off: %+v, %v", out, err)
			}
			// IntegrityMD5 sends Content-MD5 on every dialect.
			from = len(e.srv.Requests())
			if out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "md5", Body: bytes.NewReader(data), Integrity: client.IntegrityMD5}); err != nil || out.Verified != "md5" {
				t.Errorf("IntegrityMD5: %+v, %v", out, err)
			}
			if r := e.puts(from)[0]; r.Header.Get("Content-Md5") != md5b64(data) || hasChecksum(r.Header) {
				t.Errorf("IntegrityMD5 sent %v", r.Header)
			}
		})
	}
}

// TestPutChecksumRefused: a server that refuses additional checksums (B2's
// 400 InvalidArgument, R2's 501 NotImplemented) gets the PUT again with
// Content-MD5; the client remembers it, logs it once, and its later PUTs
// and parts carry Content-MD5 from the start. Concurrent first PUTs all
// succeed, with one log record.
func TestPutChecksumRefused(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("refused "), 1000)
	for _, tc := range []struct {
		name   string
		status int
		code   string
	}{{"b2", 400, "InvalidArgument"}, {"r2", 501, "NotImplemented"}, {"old-s3", 400, "InvalidRequest"}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHostile(t, client.S3)
			e.refuseChecksums(tc.status, tc.code)
			from := len(e.srv.Requests())
			out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "first", Body: bytes.NewReader(data)})
			if err != nil || out.Verified != "md5" || !out.Checksum.IsZero() {
				t.Fatalf("Put = %+v, %v; want it verified by md5", out, err)
			}
			reqs := e.puts(from)
			if len(reqs) != 2 || reqs[0].Status != tc.status || !hasChecksum(reqs[0].Header) ||
				hasChecksum(reqs[1].Header) || reqs[1].Header.Get("Content-Md5") != md5b64(data) {
				t.Fatalf("requests: %d, want a refused one with a CRC32C, then one with Content-MD5 only", len(reqs))
			}
			if s := e.c.ChecksumSupport(); s != client.ChecksumSupportRefused {
				t.Errorf("ChecksumSupport = %v, want refused", s)
			}
			// Later calls, and calls of a derived client, go with
			// Content-MD5 at once.
			derived, _ := e.c.With(client.WithUserAgent("derived"))
			from = len(e.srv.Requests())
			if out, err := object.NewClient(derived).Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "second", Body: bytes.NewReader(data)}); err != nil || out.Verified != "md5" {
				t.Errorf("second Put = %+v, %v", out, err)
			}
			up, err := multipart.NewClient(e.c).Initiate(ctx, &multipart.InitiateInput{Bucket: e.bucket, Key: "mp"})
			if err != nil {
				t.Fatal(err)
			}
			if part, err := multipart.NewClient(e.c).UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.bucket, Key: "mp", UploadID: up.UploadID,
				PartNumber: 1, Body: bytes.NewReader(data)}); err != nil || part.Verified != "md5" {
				t.Errorf("UploadPart = %+v, %v", part, err)
			}
			if reqs := e.puts(from); len(reqs) != 2 || hasChecksum(reqs[0].Header) || hasChecksum(reqs[1].Header) {
				t.Errorf("%d requests after the refusal; want 2, none with a checksum", len(reqs))
			}
			if recs := e.log.records(); len(recs) != 1 || !strings.Contains(recs[0], "refused") {
				t.Errorf("log records %q, want one saying the server refused checksums", recs)
			}
			// Another endpoint is another server: it starts afresh.
			other, _ := e.c.With(client.WithEndpoint(e.srv.URL + "/"))
			if s := other.ChecksumSupport(); s != client.ChecksumSupportUnknown {
				t.Errorf("a client for another endpoint knows %v", s)
			}
		})
	}

	t.Run("concurrent", func(t *testing.T) {
		e := newHostile(t, client.S3)
		e.refuseChecksums(400, "InvalidArgument")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: fmt.Sprint("k", i), Body: bytes.NewReader(data)})
				if err == nil && out.Verified != "md5" {
					err = fmt.Errorf("verified %q", out.Verified)
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if recs := e.log.records(); len(recs) != 1 {
			t.Errorf("%d log records, want 1: %q", len(recs), recs)
		}
	})

	// A 400 that has nothing to do with the checksum (the request without
	// it is refused too) is the call's error, and teaches nothing.
	t.Run("not about checksums", func(t *testing.T) {
		e := newHostile(t, client.S3)
		e.srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return r.Method == http.MethodPut }, Times: 2, Status: 400, Code: "InvalidArgument"})
		_, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: bytes.NewReader(data)})
		var re *client.ResponseError
		if !errors.As(err, &re) || re.Code != "InvalidArgument" {
			t.Fatalf("Put err = %v, want the InvalidArgument", err)
		}
		if s := e.c.ChecksumSupport(); s != client.ChecksumSupportUnknown {
			t.Errorf("ChecksumSupport = %v, want unknown", s)
		}
		if len(e.log.records()) != 0 {
			t.Errorf("logged %q", e.log.records())
		}
	})

	// A checksum the call names itself is not replaced.
	t.Run("explicit", func(t *testing.T) {
		e := newHostile(t, client.S3)
		e.refuseChecksums(400, "InvalidArgument")
		_, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: bytes.NewReader(data), Checksum: client.ComputeChecksum(client.ChecksumSHA256, data)})
		if !errors.Is(err, client.ErrInvalidArgument) || len(e.puts(0)) != 1 {
			t.Errorf("explicit checksum refused: %v after %d requests, want the refusal after 1", err, len(e.puts(0)))
		}
	})
}

// TestPutChecksumIgnored: a server that takes the CRC32C and echoes none
// has not shown it checked anything: the PUT is not reported as
// CRC32C-verified. Its ETag, when it is the body's MD5, still shows the
// bytes arrived ("md5"); otherwise Unverified says the checksum was
// ignored. The client then sends Content-MD5.
func TestPutChecksumIgnored(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("ignored "), 1000)

	e := newHostile(t, client.S3)
	e.ignoreChecksums("")
	out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: bytes.NewReader(data)})
	if err != nil || out.Verified != "md5" {
		t.Fatalf("Put = %+v, %v; want md5 (the ETag)", out, err)
	}
	if s := e.c.ChecksumSupport(); s != client.ChecksumSupportIgnored {
		t.Errorf("ChecksumSupport = %v, want ignored", s)
	}
	from := len(e.srv.Requests())
	if out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k2", Body: bytes.NewReader(data)}); err != nil || out.Verified != "md5" {
		t.Errorf("second Put = %+v, %v", out, err)
	}
	if r := e.puts(from)[0]; hasChecksum(r.Header) || r.Header.Get("Content-Md5") == "" {
		t.Errorf("after an ignored checksum the PUT carries %v, want Content-MD5 only", r.Header)
	}
	if recs := e.log.records(); len(recs) != 1 || !strings.Contains(recs[0], "ignored") {
		t.Errorf("log records %q", recs)
	}

	// An ETag that is not the MD5: nothing verified the PUT.
	e = newHostile(t, client.S3)
	e.ignoreChecksums("0123456789abcdef0123456789abcdef")
	out, err = e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: bytes.NewReader(data)})
	if err != nil || out.Verified != "" || !strings.Contains(out.Unverified, "ignored") {
		t.Errorf("Put = %+v, %v; want it unverified, the checksum ignored", out, err)
	}
	// An explicit checksum not echoed: not verified either.
	out, err = e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k3", Body: bytes.NewReader(data), Checksum: client.ComputeChecksum(client.ChecksumCRC32C, data)})
	if err != nil || out.Verified == "crc32c" {
		t.Errorf("explicit CRC32C without an echo: %+v, %v", out, err)
	}
}

// TestPutCRC64: on COS the body's CRC-64, computed by the client, must be
// the one the answer reports: a body corrupted on the way in (stored so:
// COS checks nothing the client sent) fails the PUT with
// client.ErrChecksumMismatch, for a replayable body and a one-shot
// stream alike.
func TestPutCRC64(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("crc-64 "), 1000)
	e := newHostile(t, client.COS)
	for name, body := range map[string]func() io.Reader{
		"replayable": func() io.Reader { return bytes.NewReader(data) },
		"stream":     func() io.Reader { return io.MultiReader(bytes.NewReader(data)) },
	} {
		out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: name, Body: body(), Size: int64(len(data))})
		if err != nil || out.Verified != "crc64" {
			t.Errorf("%s: Put = %+v, %v; want crc64", name, out, err)
		}
		e.srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return r.Method == http.MethodPut }, CorruptRequestBody: true, CorruptRequestOffset: 100})
		_, err = e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: name, Body: body(), Size: int64(len(data))})
		var ce *client.ChecksumMismatchError
		if !errors.Is(err, client.ErrChecksumMismatch) || !errors.As(err, &ce) || ce.Algorithm != "crc64" {
			t.Errorf("%s corrupted: err %v, want a crc64 mismatch", name, err)
		}
	}
}

// TestPutOneShotStream: a stream that can be read once cannot be hashed
// before it is sent. On S3 its CRC32C follows it as an aws-chunked
// trailer; where no trailer can follow (IBM, QingStor) it goes
// unverified, and the output says so.
func TestPutOneShotStream(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("stream "), 1000)
	for _, tc := range []struct {
		d    client.Dialect
		want string
	}{{client.S3, "crc32c"}, {client.IBM, ""}, {client.QingStor, ""}} {
		t.Run(tc.d.Name, func(t *testing.T) {
			e := newHostile(t, tc.d)
			from := len(e.srv.Requests())
			out, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: io.MultiReader(bytes.NewReader(data)), Size: int64(len(data))})
			if err != nil || out.Verified != tc.want || (tc.want == "") != strings.Contains(out.Unverified, "one-shot") {
				t.Fatalf("Put = %+v, %v; want Verified %q", out, err, tc.want)
			}
			r := e.puts(from)[0]
			if trailed := r.Header.Get("X-Amz-Trailer") != ""; trailed != (tc.want != "") {
				t.Errorf("trailer %v, headers %v", trailed, r.Header)
			}
		})
	}
}

// TestGetChecksumModeRefused: a server that refuses additional checksums
// may refuse to be asked for one (B2 refuses x-amz-checksum-mode): a
// fresh client's Get asks again without and records the refusal; a
// client that knows does not ask.
func TestGetChecksumModeRefused(t *testing.T) {
	ctx := context.Background()
	data := []byte("asked for a checksum")
	e := newHostile(t, client.S3)
	if _, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "k", Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	e.refuseChecksums(400, "InvalidArgument")
	fresh, err := e.srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	got, out, err := readAll(t, object.NewClient(fresh), &object.GetInput{Bucket: e.bucket, Key: "k"})
	if err != nil || !bytes.Equal(got, data) || out.Verified != "md5" {
		t.Fatalf("Get = %q, %+v, %v", got, out, err)
	}
	if s := fresh.ChecksumSupport(); s != client.ChecksumSupportRefused {
		t.Errorf("ChecksumSupport = %v, want refused", s)
	}
	from := len(e.srv.Requests())
	if _, _, err := readAll(t, object.NewClient(fresh), &object.GetInput{Bucket: e.bucket, Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if reqs := e.srv.Requests()[from:]; len(reqs) != 1 || hasChecksum(reqs[0].Header) {
		t.Errorf("%d requests after the refusal, want one without x-amz-checksum-mode", len(reqs))
	}
}
