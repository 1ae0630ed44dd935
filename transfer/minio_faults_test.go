package transfer

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
)

// flipReader flips the lowest bit of the byte at offset at.
type flipReader struct {
	io.ReadCloser
	at, off int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if i := f.at - f.off; i >= 0 && i < int64(n) {
		p[i] ^= 1
	}
	f.off += int64(n)
	return n, err
}

// TestMinIOEvidence puts a corrupting proxy (127.0.0.1) in front of a
// real MinIO: one bit of part 2 is flipped on its way, once, and the
// first CompleteMultipartUpload answer is replaced by whitespace after
// MinIO completed the upload. MinIO refuses the part with one of the S3
// dialect's digest mismatch codes, the part is sent again, the retried
// Complete finds the upload gone, and the object is recognised by its
// multipart ETag: the upload succeeds with the right bytes, one re-send,
// and nothing left on the server.
func TestMinIOEvidence(t *testing.T) {
	srv := miniotest.Shared(t)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var corruptLeft, blankLeft atomic.Int32
	corruptLeft.Store(1)
	blankLeft.Store(1)
	var mu sync.Mutex
	var refusals []string // codes MinIO answered part 2 with
	isPart2 := func(r *http.Request) bool {
		return r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "2"
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // as signed
			if isPart2(pr.In) && corruptLeft.Add(-1) >= 0 {
				pr.Out.Body = &flipReader{ReadCloser: pr.Out.Body, at: 12345}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			r := resp.Request
			switch {
			case isPart2(r) && resp.StatusCode >= 400:
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var e struct{ Code string }
				xml.Unmarshal(b, &e)
				mu.Lock()
				refusals = append(refusals, e.Code)
				mu.Unlock()
				resp.Body = io.NopCloser(bytes.NewReader(b))
			case r.Method == http.MethodPost && r.URL.Query().Has("uploadId") && resp.StatusCode == http.StatusOK && blankLeft.Add(-1) >= 0:
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				blank := "  \n  \n"
				resp.Body = io.NopCloser(strings.NewReader(blank))
				resp.ContentLength = int64(len(blank))
				resp.Header.Set("Content-Length", strconv.Itoa(len(blank)))
			}
			return nil
		},
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)

	c, err := client.New(client.S3, client.WithEndpoint(ps.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	bkt := "evidence-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	m, err := New(NewClientAPI(c), WithPartSize(minioPartSize), WithPartParallelism(2))
	if err != nil {
		t.Fatal(err)
	}
	data := randomData(100, 3*minioPartSize+77)
	task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: bkt, Key: "evidence", File: writeTemp(t, data)})
	res := mustWait(t, task)
	mu.Lock()
	codes := refusals
	mu.Unlock()
	t.Logf("MinIO refused the corrupted part with %q", codes)
	if len(codes) != 1 || !client.S3.DigestMismatchCodes[codes[0]] {
		t.Errorf("MinIO refused part 2 with %q; want one code among the S3 dialect's digest mismatch codes", codes)
	}
	if res.ResentParts != 1 || !strings.HasSuffix(res.ETag, "-4") || res.Size != int64(len(data)) {
		t.Errorf("result %+v, want 4 parts, one re-sent", res)
	}
	if corruptLeft.Load() > 0 || blankLeft.Load() > 0 {
		t.Errorf("faults not applied: corrupt %d, blank %d left", corruptLeft.Load(), blankLeft.Load())
	}
	checkMinIO(t, m, bkt, "evidence", data)
	for u, err := range bucket.NewClient(c).ListMultipartUploads(ctxT(t), &bucket.ListMultipartUploadsInput{Bucket: bkt}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("upload left: %s", u.UploadID)
	}
}
