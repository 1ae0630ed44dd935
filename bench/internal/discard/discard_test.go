package discard

import (
	"encoding/base64"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// put sends a single PUT of body to key on srv, declaring crc as its
// x-amz-checksum-crc32c (none if empty), and returns the status, the
// ETag and the response body.
func put(t *testing.T, srv *httptest.Server, key, body, crc string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/bench/"+key, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if crc != "" {
		req.Header.Set("x-amz-checksum-crc32c", crc)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), string(b)
}

func crc32c(s string) string {
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	io.WriteString(h, s)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// TestAnyKey: with AnyKey a PUT of a key that names no generated content
// is taken when its declared CRC32C matches the body and refused when it
// does not; without AnyKey it is refused whatever it declares.
func TestAnyKey(t *testing.T) {
	const body = "a file of a directory upload\n"
	s := New()
	s.AnyKey = true
	srv := httptest.NewServer(s)
	defer srv.Close()

	code, etag, msg := put(t, srv, "dir/d00/f00001.bin", body, crc32c(body))
	if code != http.StatusOK || etag != `"`+PutETag(int64(len(body)))+`"` {
		t.Fatalf("matching checksum: status %d, ETag %q, body %q", code, etag, msg)
	}
	code, _, msg = put(t, srv, "dir/d00/f00002.bin", body, crc32c(body+"x"))
	if code != http.StatusBadRequest || !strings.Contains(msg, "BadDigest") {
		t.Fatalf("wrong checksum: status %d, body %q; want 400 BadDigest", code, msg)
	}

	s2 := New()
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	code, _, msg = put(t, srv2, "dir/d00/f00001.bin", body, crc32c(body))
	if code != http.StatusBadRequest || !strings.Contains(msg, "InvalidArgument") {
		t.Fatalf("without AnyKey: status %d, body %q; want 400 InvalidArgument", code, msg)
	}
}

// TestPublishCRC32C: a whole GET that asks for the stored checksum gets
// the content's CRC32C; a GET that does not ask, a ranged GET, and a
// server with PublishCRC32C off publish none.
func TestPublishCRC32C(t *testing.T) {
	const size = 64 << 10
	s := New()
	s.PublishCRC32C = true
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(srv *httptest.Server, mode bool, rng string) (string, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/bench/obj-"+strconv.Itoa(size), nil)
		if err != nil {
			t.Fatal(err)
		}
		if mode {
			req.Header.Set("x-amz-checksum-mode", "ENABLED")
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("GET: status %d, err %v", resp.StatusCode, err)
		}
		return resp.Header.Get("x-amz-checksum-crc32c"), b
	}
	got, body := get(srv, true, "")
	if len(body) != size || got != crc32c(string(body)) {
		t.Fatalf("asked: %d bytes, x-amz-checksum-crc32c %q, want %q", len(body), got, crc32c(string(body)))
	}
	if got, _ := get(srv, false, ""); got != "" {
		t.Fatalf("not asked: x-amz-checksum-crc32c %q", got)
	}
	if got, _ := get(srv, true, "bytes=0-99"); got != "" {
		t.Fatalf("ranged: x-amz-checksum-crc32c %q", got)
	}
	off := httptest.NewServer(New())
	defer off.Close()
	if got, _ := get(off, true, ""); got != "" {
		t.Fatalf("PublishCRC32C off: x-amz-checksum-crc32c %q", got)
	}
}
