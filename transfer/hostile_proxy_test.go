package transfer

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

// hostileProxy puts a real server behind a proxy on 127.0.0.1 that makes
// it look like a server that refuses additional checksums (refuse: 400
// InvalidArgument, as Backblaze B2 answers, before the server sees the
// request) or ignores them (the answers lose every x-amz-checksum-*
// header and checksum element). The server itself still checks
// everything it gets.
func hostileProxy(t *testing.T, target string, refuse bool) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		for k := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
				resp.Header.Del(k)
			}
		}
		if resp.Body == nil || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		b = checksumElements.ReplaceAll(b, nil)
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", fmt.Sprint(len(b)))
		return nil
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse && carriesChecksum(r.Header) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			if r.Method != http.MethodHead {
				io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>Unsupported header 'x-amz-checksum-crc32c' received for this API call.</Message></Error>`)
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// hostileRealServer uploads through a hostile proxy in front of a real
// server, with a fresh client: a multipart upload and a single PUT fall
// back to Content-MD5, which the real server checks, and are verified
// by it ("md5-parts", "md5"), never "crc32c"; the objects read back
// whole from the server directly.
func hostileRealServer(t *testing.T, endpoint, region, ak, sk, bkt string, direct *Manager) {
	for _, refuse := range []bool{true, false} {
		t.Run(map[bool]string{true: "refusing proxy", false: "ignoring proxy"}[refuse], func(t *testing.T) {
			c, err := client.New(client.S3, client.WithEndpoint(hostileProxy(t, endpoint, refuse)), client.WithRegion(region),
				client.WithStaticCredentials(ak, sk, ""))
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(NewClientAPI(c), WithPartSize(minioPartSize), WithPartParallelism(2))
			if err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{3*minioPartSize + 7, 1000} {
				key := fmt.Sprintf("hostile-%v-%d", refuse, size)
				data := randomData(uint64(size)+99, size)
				src := writeTemp(t, data)
				task, err := m.Upload(ctxT(t), &UploadInput{Bucket: bkt, Key: key, File: src})
				if err != nil {
					t.Fatal(err)
				}
				res := mustWait(t, task)
				want := map[bool]string{true: "md5-parts", false: "md5"}[res.UploadID != ""]
				if res.Verified != want {
					t.Errorf("%d bytes: Verified %q (%q), want %q", size, res.Verified, res.Unverified, want)
				}
				checkMinIO(t, direct, bkt, key, data)
			}
			want := map[bool]client.ChecksumSupport{true: client.ChecksumSupportRefused, false: client.ChecksumSupportIgnored}[refuse]
			if s := c.ChecksumSupport(); s != want {
				t.Errorf("ChecksumSupport = %v, want %v", s, want)
			}
		})
	}
}
