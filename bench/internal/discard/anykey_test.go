package discard

import (
	"encoding/base64"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
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
