package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// carriesChecksum reports whether a request carries or declares an
// additional checksum.
func carriesChecksum(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") || strings.EqualFold(k, "x-amz-trailer") {
			return true
		}
	}
	return false
}

var checksumElements = regexp.MustCompile(`<Checksum[A-Z0-9]+>[^<]*</Checksum[A-Z0-9]+>`)

// upload runs one upload of data (a ReaderAt source) to key.
func (e *stEnv) uploadNeg(t *testing.T, key string, data []byte, optFns ...func(*Options)) *Result {
	t.Helper()
	m, err := New(e.api, append([]func(*Options){WithPartSize(stPartSize), WithPartParallelism(2)}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: key, ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return mustWait(t, task)
}

// TestUploadChecksumsRefused: on a server that refuses additional
// checksums (Backblaze B2: 400 InvalidArgument for x-amz-checksum-* and
// x-amz-checksum-algorithm), uploads fall back to Content-MD5: the
// multipart upload is created again without the algorithm, parts and
// single PUTs go with Content-MD5, Result.Verified says "md5-parts" or
// "md5", and the client remembers it: its next upload sends no checksum
// it would refuse.
func TestUploadChecksumsRefused(t *testing.T) {
	e := newSTEnv(t, client.S3)
	e.srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return carriesChecksum(r.Header) }, Times: 1 << 20, Status: 400, Code: "InvalidArgument"})
	data := randomData(31, 3*stPartSize+17)
	res := e.uploadNeg(t, "mp", data)
	if res.Verified != "md5-parts" || res.Parts != 4 {
		t.Errorf("multipart upload: Verified %q (%q), %d parts; want md5-parts", res.Verified, res.Unverified, res.Parts)
	}
	if s := e.c.ChecksumSupport(); s != client.ChecksumSupportRefused {
		t.Errorf("ChecksumSupport = %v, want refused", s)
	}
	refused := 0
	for _, r := range e.srv.Requests() {
		switch {
		case r.Status == 400:
			refused++
		case carriesChecksum(r.Header):
			t.Errorf("%s took a checksum", r.Op)
		case r.Op == "UploadPart" && r.Header.Get("Content-Md5") == "":
			t.Errorf("part %s without Content-MD5", r.Query.Get("partNumber"))
		}
	}
	if refused == 0 || refused > 3 { // the create, and parts already on their way
		t.Errorf("%d refused requests, want the create's and at most the parts in flight", refused)
	}
	got, err := readObject(e, "mp")
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("object: %d bytes, %v", len(got), err)
	}

	// A fresh client downloads it: its HEAD asking for the checksum is
	// refused, and asked again without.
	fresh, err := e.srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	dm, err := New(NewClientAPI(fresh), WithPartSize(stPartSize))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "down")
	task, err := dm.Download(ctxT(t), &DownloadInput{Bucket: e.bucket, Key: "mp", File: dst})
	if err != nil {
		t.Fatal(err)
	}
	mustWait(t, task)
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, data) {
		t.Errorf("download: %d bytes, %v", len(got), err)
	}
	if s := fresh.ChecksumSupport(); s != client.ChecksumSupportRefused {
		t.Errorf("the downloading client's ChecksumSupport = %v, want refused", s)
	}

	// The next upload, a single PUT, knows from the start.
	before := len(e.srv.Requests())
	res = e.uploadNeg(t, "single", data[:100])
	if res.Verified != "md5" {
		t.Errorf("single PUT: Verified %q (%q), want md5", res.Verified, res.Unverified)
	}
	for _, r := range e.srv.Requests()[before:] {
		if r.Status == 400 || carriesChecksum(r.Header) {
			t.Errorf("after the fallback, %s carried a checksum (status %d)", r.Op, r.Status)
		}
	}
}

// TestUploadChecksumsIgnored: on a server that takes additional
// checksums and never echoes one (headers nor documents), no upload is
// reported as CRC32C-verified: the parts' ETags are their MD5s and the
// later parts carry Content-MD5 ("md5-parts"), a single PUT's ETag its
// MD5 ("md5"), and the client records the server as one that ignores
// checksums.
func TestUploadChecksumsIgnored(t *testing.T) {
	e := newSTEnv(t, client.S3)
	e.srv.InjectFault(storagetest.Fault{Times: 1 << 20, Rewrite: func(s int, h http.Header, b []byte) (int, []byte) {
		for k := range h {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
				delete(h, k)
			}
		}
		return s, checksumElements.ReplaceAll(b, nil)
	}})
	data := randomData(32, 3*stPartSize+17)
	res := e.uploadNeg(t, "mp", data)
	if res.Verified != "md5-parts" {
		t.Errorf("multipart upload: Verified %q (%q), want md5-parts", res.Verified, res.Unverified)
	}
	if s := e.c.ChecksumSupport(); s != client.ChecksumSupportIgnored {
		t.Errorf("ChecksumSupport = %v, want ignored", s)
	}
	res = e.uploadNeg(t, "single", data[:100])
	if res.Verified != "md5" {
		t.Errorf("single PUT: Verified %q (%q), want md5", res.Verified, res.Unverified)
	}
	got, err := readObject(e, "mp")
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("object: %d bytes, %v", len(got), err)
	}
}

// TestUploadKnownRefusal: a client that already knows its server refuses
// additional checksums (recorded by a program that knows, or by an
// earlier call) never sends one: the upload is created without the
// algorithm.
func TestUploadKnownRefusal(t *testing.T) {
	e := newSTEnv(t, client.S3)
	e.c.RecordChecksumSupport(client.ChecksumSupportRefused, "test", "known")
	res := e.uploadNeg(t, "mp", randomData(33, 2*stPartSize+1))
	if res.Verified != "md5-parts" {
		t.Errorf("Verified %q (%q)", res.Verified, res.Unverified)
	}
	for _, r := range e.srv.Requests() {
		if carriesChecksum(r.Header) {
			t.Errorf("%s carried a checksum", r.Op)
		}
	}
}

// countingReaderAt counts the bytes read from it.
type countingReaderAt struct {
	data []byte
	n    atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := bytes.NewReader(c.data).ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestUploadSignedPayloadOneRead: over plain http each part's request
// signs its SHA-256, computed in the same read of the source as its
// CRC32C: the source is read twice in all (hashing, sending), as without
// signing, not three times; storagetest checks every signed hash against
// the body.
func TestUploadSignedPayloadOneRead(t *testing.T) {
	data := randomData(34, 3*stPartSize+5)
	for _, signed := range []bool{true, false} {
		e := newSTEnv(t, client.S3)
		api := e.api
		if !signed {
			c, _ := e.c.With(client.WithPayloadSigning(client.PayloadUnsigned))
			api = NewClientAPI(c)
		}
		src := &countingReaderAt{data: data}
		m, err := New(api, WithPartSize(stPartSize), WithPartParallelism(2))
		if err != nil {
			t.Fatal(err)
		}
		task, err := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "k", ReaderAt: src, Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		res := mustWait(t, task)
		if res.Verified != "crc32c" {
			t.Errorf("signed %v: Verified %q (%q)", signed, res.Verified, res.Unverified)
		}
		if n := src.n.Load(); n != 2*int64(len(data)) {
			t.Errorf("signed %v: read %d bytes of the source, want %d (one hashing pass, one send)", signed, n, 2*len(data))
		}
		for _, r := range e.srv.Requests() {
			if r.Op != "UploadPart" {
				continue
			}
			got := r.Header.Get("X-Amz-Content-Sha256")
			if signed != (len(got) == 64) {
				t.Errorf("signed %v: part %s x-amz-content-sha256 %q", signed, r.Query.Get("partNumber"), got)
			}
			if signed {
				num, _ := strconv.Atoi(r.Query.Get("partNumber"))
				off := int64(num-1) * stPartSize
				sum := sha256.Sum256(data[off:min(off+stPartSize, int64(len(data)))])
				if got != hex.EncodeToString(sum[:]) {
					t.Errorf("part %d: signed %s, want its SHA-256", num, got)
				}
			}
		}
	}
}

// readObject reads an object back whole, unverified.
func readObject(e *stEnv, key string) ([]byte, error) {
	out, err := object.NewClient(e.c).Get(context.Background(), &object.GetInput{Bucket: e.bucket, Key: key, DisableVerification: true})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}
