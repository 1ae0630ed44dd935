package transfer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// tlsAPI is the fake API as a client over https would present it
// (trailerNegotiator): over TLS or not, and remembering a refusal of
// trailers as a client.Client does.
type tlsAPI struct {
	*fakeAPI
	tls     bool
	refused atomic.Bool
	records atomic.Int32
}

func (a *tlsAPI) UsesTLS() bool         { return a.tls }
func (a *tlsAPI) TrailersRefused() bool { return a.refused.Load() }
func (a *tlsAPI) RecordTrailersRefused() {
	a.records.Add(1)
	a.refused.Store(true)
}

// trailed counts the calls of op that carried a trailing checksum, and
// fails the test for one that carried no CRC32C at all.
func trailed(t *testing.T, fake *fakeAPI, op string) (trailers, calls int) {
	t.Helper()
	for _, c := range fake.callsOf(op) {
		calls++
		if c.Checksum != "CRC32C" {
			t.Errorf("%s %d: checksum %q, want CRC32C", op, c.Part, c.Checksum)
		}
		if c.Trailer {
			trailers++
		}
	}
	return trailers, calls
}

// TestTrailersAuto: under TrailersAuto the parts of a multipart upload
// carry their CRC32C as a trailer over https and in a header over plain
// http; a single PUT keeps it in a header either way. TrailersOn and
// TrailersOff decide alone. The object and its composite checksum are
// right in every case.
func TestTrailersAuto(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tls        bool
		mode       Trailers
		size       int
		wantTrails bool
	}{
		{"https parts", true, TrailersAuto, 5*kib + 7, true},
		{"http parts", false, TrailersAuto, 5*kib + 7, false},
		{"https single", true, TrailersAuto, 700, false},
		{"https parts off", true, TrailersOff, 5*kib + 7, false},
		{"http parts on", false, TrailersOn, 5*kib + 7, true},
		{"http single on", false, TrailersOn, 700, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &tlsAPI{fakeAPI: newFake(smallDialect(client.S3)), tls: tc.tls}
			data := randomData(81, tc.size)
			m, err := New(api, WithPartSize(kib), WithTrailingChecksums(tc.mode))
			if err != nil {
				t.Fatal(err)
			}
			task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: writeTemp(t, data)})
			res := mustWait(t, task)
			op := "UploadPart"
			if tc.size < kib {
				op = "PutObject"
			}
			trailers, calls := trailed(t, api.fakeAPI, op)
			want := 0
			if tc.wantTrails {
				want = calls
			}
			if calls == 0 || trailers != want {
				t.Errorf("%d of %d %s calls carried trailers, want %d", trailers, calls, op, want)
			}
			if res.Verified != "crc32c" {
				t.Errorf("verified %q, want crc32c", res.Verified)
			}
			if op == "UploadPart" {
				want, _ := client.CompositeChecksum(partSums(data, kib))
				if !res.Checksum.Equal(want) {
					t.Errorf("checksum %v, want %v", res.Checksum, want)
				}
			}
			got, _ := api.object("bkt", "obj")
			equalBytes(t, got, data)
			if n := api.records.Load(); n != 0 {
				t.Errorf("%d trailer refusals recorded, want none", n)
			}
		})
	}
}

// TestTrailersAutoRefusalRemembered: a server over https that ignores
// trailers gets the first part again with its CRC32C in a header, and
// the task's later parts too; the client is told once, after the header
// went through, and the next task sends no trailer at all.
func TestTrailersAutoRefusalRemembered(t *testing.T) {
	api := &tlsAPI{fakeAPI: newFake(smallDialect(client.S3)), tls: true}
	api.noTrailers = true
	m, err := New(api, WithPartSize(kib), WithPartParallelism(1))
	if err != nil {
		t.Fatal(err)
	}
	for task, want := range []int{1, 0} {
		data := randomData(82+uint64(task), 4*kib+9)
		before := len(api.callsOf("UploadPart"))
		tk, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: writeTemp(t, data)})
		res := mustWait(t, tk)
		calls := api.callsOf("UploadPart")[before:]
		trailers := 0
		for _, c := range calls {
			if c.Trailer {
				trailers++
			}
		}
		if trailers != want {
			t.Errorf("task %d: %d parts sent with trailers, want %d", task, trailers, want)
		}
		if len(calls) != 5+want {
			t.Errorf("task %d: %d UploadPart calls, want %d", task, len(calls), 5+want)
		}
		if res.Verified != "crc32c" {
			t.Errorf("task %d: verified %q", task, res.Verified)
		}
		got, _ := api.object("bkt", "obj")
		equalBytes(t, got, data)
		if n := api.records.Load(); n != 1 {
			t.Errorf("after task %d: %d refusals recorded, want 1", task, n)
		}
	}
}

// TestTrailersAutoOverTLS runs the default through the real stack: a
// client.Client over https to storagetest (behind httptest's TLS server)
// sends every part of a file upload with an aws-chunked CRC32C trailer,
// which the server decodes and checks; the object reads back whole, and
// a single PUT carries its CRC32C in a header.
func TestTrailersAutoOverTLS(t *testing.T) {
	d := smallParts(client.S3)
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = &tls.Config{NextProtos: []string{"http/1.1"}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	c, err := srv.Client(client.WithEndpoint(ts.URL), client.WithHTTPClient(ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "tls-bucket"}); err != nil {
		t.Fatal(err)
	}
	m, err := NewFromClient(c, WithPartSize(stPartSize))
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{3*stPartSize + 5, stPartSize / 2} {
		srv.ResetLog()
		data := randomData(84, size)
		file := filepath.Join(t.TempDir(), "src")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		task, err := m.Upload(ctx, &UploadInput{Bucket: "tls-bucket", Key: "obj", File: file})
		if err != nil {
			t.Fatal(err)
		}
		res := mustWait(t, task)
		if res.Verified != "crc32c" {
			t.Errorf("size %d: verified %q, want crc32c", size, res.Verified)
		}
		op, wantTrailer := "UploadPart", true
		if size < stPartSize {
			op, wantTrailer = "PutObject", false
		}
		n := 0
		for _, r := range srv.Requests() {
			if r.Op != op {
				continue
			}
			n++
			trailer := r.Header.Get("X-Amz-Trailer") == "x-amz-checksum-crc32c" && r.Header.Get("X-Amz-Content-Sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
			header := r.Header.Get("X-Amz-Checksum-Crc32c") != ""
			if r.Status != http.StatusOK || trailer != wantTrailer || header == wantTrailer {
				t.Errorf("size %d: %s answered %d, trailer %v, header %v; want 200 and trailer %v", size, op, r.Status, trailer, header, wantTrailer)
			}
		}
		if n == 0 {
			t.Fatalf("size %d: no %s request", size, op)
		}
		var buf bytes.Buffer
		dl, err := m.Download(ctx, &DownloadInput{Bucket: "tls-bucket", Key: "obj", Writer: &buf})
		if err != nil {
			t.Fatal(err)
		}
		mustWait(t, dl)
		equalBytes(t, buf.Bytes(), data)
	}
	if c.ChecksumSupport() != client.ChecksumSupportVerified {
		t.Errorf("checksum support %v, want verified", c.ChecksumSupport())
	}
}

// TestTrailersOption: an unknown trailer mode is refused before any
// request, naming the field; the modes name themselves.
func TestTrailersOption(t *testing.T) {
	fake := newFake(smallDialect(client.S3))
	m, err := New(fake)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Upload(context.Background(), &UploadInput{Bucket: "b", Key: "k", ReaderAt: bytes.NewReader(nil)}, WithTrailingChecksums(Trailers(7)))
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "TrailingChecksums" {
		t.Errorf("unknown mode: %v, want an InvalidArgumentError naming TrailingChecksums", err)
	}
	if n := len(fake.callsOf("PutObject")) + len(fake.callsOf("CreateMultipartUpload")); n != 0 {
		t.Errorf("%d requests sent for a refused option", n)
	}
	var names []string
	for _, v := range Trailers(0).Values() {
		names = append(names, v.String())
	}
	if got := strings.Join(names, " "); got != "auto on off" || Trailers(7).String() != "Trailers(7)" {
		t.Errorf("modes %q, unknown %q", got, Trailers(7).String())
	}
}

// TestTrailersAutoRefusals: the answers with which servers without
// aws-chunked support have been seen refusing a trailer (a 400, a 403
// signature mismatch, a 411, a 501) get the part again with its CRC32C in
// a header under TrailersAuto; the upload succeeds and the refusal is
// recorded once. A 403 that the header send gets too is the task's
// error, and teaches nothing.
func TestTrailersAutoRefusals(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusLengthRequired, http.StatusNotImplemented} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			api := &tlsAPI{fakeAPI: newFake(smallDialect(client.S3)), tls: true}
			api.trailerRefusal = &client.ResponseError{Dialect: "s3", Op: "UploadPart", StatusCode: status, Code: "Refused"}
			m, err := New(api, WithPartSize(kib), WithPartParallelism(1))
			if err != nil {
				t.Fatal(err)
			}
			data := randomData(90, 3*kib+1)
			task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: writeTemp(t, data)})
			res := mustWait(t, task)
			calls := api.callsOf("UploadPart")
			if len(calls) != 5 || !calls[0].Trailer {
				t.Fatalf("%d UploadPart calls (first trailed: %v), want 5 with the first trailed", len(calls), len(calls) > 0 && calls[0].Trailer)
			}
			for _, c := range calls[1:] {
				if c.Trailer || c.Checksum != "CRC32C" {
					t.Errorf("part %d: trailer %v checksum %q, want a CRC32C header", c.Part, c.Trailer, c.Checksum)
				}
			}
			if res.Verified != "crc32c" || api.records.Load() != 1 {
				t.Errorf("verified %q, %d refusals recorded; want crc32c and 1", res.Verified, api.records.Load())
			}
			got, _ := api.object("bkt", "obj")
			equalBytes(t, got, data)
		})
	}
	t.Run("403 in a header too", func(t *testing.T) {
		api := &tlsAPI{fakeAPI: newFake(smallDialect(client.S3)), tls: true}
		denied := &client.ResponseError{Dialect: "s3", Op: "UploadPart", StatusCode: http.StatusForbidden, Code: "AccessDenied"}
		api.trailerRefusal = denied
		api.onPart = func(context.Context, int) error { return denied }
		m, err := New(api, WithPartSize(kib), WithPartParallelism(1))
		if err != nil {
			t.Fatal(err)
		}
		task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", File: writeTemp(t, randomData(91, 3*kib))})
		_, err = task.Wait(context.Background())
		var re *client.ResponseError
		if !errors.As(err, &re) || re.Code != "AccessDenied" {
			t.Errorf("Wait = %v, want the AccessDenied", err)
		}
		if n := len(api.callsOf("UploadPart")); n != 2 {
			t.Errorf("%d UploadPart calls, want 2 (trailer, then header)", n)
		}
		if api.records.Load() != 0 {
			t.Errorf("%d refusals recorded, want none", api.records.Load())
		}
	})
}
