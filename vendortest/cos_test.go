package vendortest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// cosBucket is a COS bucket name: name-appid.
const cosBucket = "vendortest-1250000000"

// newCOS returns a cos-go-sdk-v5 client for a bucket of srv. The SDK
// addresses buckets by virtual host only: its BucketURL is
// http://bucket.localhost:PORT, reached by dialing the server (no DNS);
// the service URL is the virtual-host domain itself (path-style).
// inner, if set, sees each request after the SDK has signed it.
func newCOS(t *testing.T, srv *storagetest.Server, inner http.RoundTripper) *cos.Client {
	t.Helper()
	bu, err := url.Parse(srv.VirtualHostURL(cosBucket))
	if err != nil {
		t.Fatal(err)
	}
	su, err := url.Parse(srv.VirtualHostEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	if inner == nil {
		inner = srv.HTTPClient().Transport
	}
	return cos.NewClient(&cos.BaseURL{BucketURL: bu, ServiceURL: su}, &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID: storagetest.DefaultAccessKey, SecretKey: storagetest.DefaultSecretKey, Transport: inner,
	}})
}

// TestCOSSDK runs cos-go-sdk-v5's happy path, virtual-hosted.
func TestCOSSDK(t *testing.T) {
	srv := startServer(t, client.COS)
	c := newCOS(t, srv, nil)
	ctx := context.Background()
	if _, err := c.Bucket.Put(ctx, nil); err != nil {
		t.Fatalf("Bucket.Put: %v", err)
	}
	if r := lastRequest(t, srv, "CreateBucket"); r.Bucket != cosBucket {
		t.Fatalf("CreateBucket logged for bucket %q: the request was not virtual-hosted", r.Bucket)
	}

	data := randomData(31, 3000)
	_, err := c.Object.Put(ctx, oddKey, bytes.NewReader(data), &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
		ContentType: "text/plain", XCosMetaXXX: &http.Header{"x-cos-meta-color": {"blue"}},
	}})
	if err != nil {
		t.Fatalf("Object.Put: %v", err)
	}
	head, err := c.Object.Head(ctx, oddKey, nil)
	if err != nil {
		t.Fatalf("Object.Head: %v", err)
	}
	if head.Header.Get("ETag") != `"`+md5hex(data)+`"` || head.Header.Get("x-cos-meta-color") != "blue" || head.ContentLength != int64(len(data)) {
		t.Errorf("Object.Head: %v", head.Header)
	}
	get, err := c.Object.Get(ctx, oddKey, nil)
	if err != nil {
		t.Fatalf("Object.Get: %v", err)
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("Object.Get: %d bytes, %v", len(got), err)
	}

	// Listing, a page at a time.
	for _, k := range []string{"list/a", "list/b", "list/c"} {
		if _, err := c.Object.Put(ctx, k, strings.NewReader(k), nil); err != nil {
			t.Fatalf("Object.Put %s: %v", k, err)
		}
	}
	var keys []string
	for marker := ""; ; {
		page, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "list/", MaxKeys: 2, Marker: marker})
		if err != nil {
			t.Fatalf("Bucket.Get: %v", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, o.Key)
		}
		if !page.IsTruncated {
			break
		}
		marker = page.NextMarker
	}
	if !slices.Equal(keys, []string{"list/a", "list/b", "list/c"}) {
		t.Errorf("Bucket.Get: %q", keys)
	}

	// Multipart by hand, with small parts.
	ini, _, err := c.Object.InitiateMultipartUpload(ctx, "multi", nil)
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	parts := [][]byte{randomData(32, minPart), randomData(33, 1500)}
	done := &cos.CompleteMultipartUploadOptions{}
	for i, p := range parts {
		r, err := c.Object.UploadPart(ctx, "multi", ini.UploadID, i+1, bytes.NewReader(p), nil)
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		done.Parts = append(done.Parts, cos.Object{PartNumber: i + 1, ETag: r.Header.Get("ETag")})
	}
	if _, _, err := c.Object.CompleteMultipartUpload(ctx, "multi", ini.UploadID, done); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	// And through the SDK's file upload (three 1 MiB parts, CRC-64 checked).
	file := filepath.Join(t.TempDir(), "upload.bin")
	big := randomData(34, 2<<20+4321)
	if err := os.WriteFile(file, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Object.Upload(ctx, "big", file, &cos.MultiUploadOptions{PartSize: 1, ThreadPoolSize: 2}); err != nil {
		t.Fatalf("Object.Upload: %v", err)
	}
	if n := opCount(srv, "UploadPart", http.StatusOK); n != 2+3 {
		t.Errorf("%d UploadParts, want 5", n)
	}
	if got := readCOS(t, c, "big"); !bytes.Equal(got, big) {
		t.Errorf("the uploaded file reads back %d bytes", len(got))
	}

	// Append.
	pos, _, err := c.Object.Append(ctx, "log", 0, strings.NewReader("hello "), nil)
	if err != nil || pos != 6 {
		t.Fatalf("Append: position %d, %v", pos, err)
	}
	if pos, _, err = c.Object.Append(ctx, "log", pos, strings.NewReader("world"), nil); err != nil || pos != 11 {
		t.Fatalf("second Append: position %d, %v", pos, err)
	}

	// Presigned GET, as the SDK builds it (';' escaped as %3B).
	hc := srv.HTTPClient()
	defer hc.CloseIdleConnections()
	pu, err := c.Object.GetPresignedURL(ctx, http.MethodGet, oddKey, storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, time.Hour, nil)
	if err != nil {
		t.Fatalf("GetPresignedURL: %v", err)
	}
	if got := httpDo(t, hc, http.MethodGet, pu.String(), nil, nil, http.StatusOK); !bytes.Equal(got, data) {
		t.Errorf("presigned GET: %d bytes", len(got))
	}
	// Tencent's JavaScript and Python SDKs append the same authorization
	// unescaped: q-sign-time=start;end with a raw ';', which url.Values
	// drops and COS reads.
	raw := *pu
	raw.RawQuery = strings.ReplaceAll(pu.RawQuery, "%3B", ";")
	if !strings.Contains(raw.RawQuery, "q-sign-time=") || !strings.Contains(raw.RawQuery, ";") {
		t.Fatalf("no q-sign-time=a;b in %s", raw.RawQuery)
	}
	if got := httpDo(t, hc, http.MethodGet, raw.String(), nil, nil, http.StatusOK); !bytes.Equal(got, data) {
		t.Errorf("presigned GET with a raw ';': %d bytes", len(got))
	}
	// A presigned PUT.
	pp, err := c.Object.GetPresignedURL(ctx, http.MethodPut, "presigned", storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, time.Hour, nil)
	if err != nil {
		t.Fatalf("GetPresignedURL PUT: %v", err)
	}
	httpDo(t, hc, http.MethodPut, pp.String(), nil, []byte("via a presigned URL"), http.StatusOK)
	if got := readCOS(t, c, "presigned"); string(got) != "via a presigned URL" {
		t.Errorf("presigned PUT stored %q", got)
	}

	// List buckets, at the service URL.
	svc, _, err := c.Service.Get(ctx)
	if err != nil || len(svc.Buckets) != 1 || svc.Buckets[0].Name != cosBucket {
		t.Errorf("Service.Get: %+v, %v", svc, err)
	}

	// Delete several (the SDK sends Content-MD5), then one, then the bucket.
	res, _, err := c.Object.DeleteMulti(ctx, &cos.ObjectDeleteMultiOptions{Objects: []cos.Object{{Key: "list/a"}, {Key: "list/b"}, {Key: "list/c"}}})
	if err != nil || len(res.DeletedObjects) != 3 {
		t.Errorf("DeleteMulti: %+v, %v", res, err)
	}
	for _, k := range []string{oddKey, "multi", "big", "log", "presigned"} {
		if _, err := c.Object.Delete(ctx, k); err != nil {
			t.Fatalf("Object.Delete %s: %v", k, err)
		}
	}
	if _, err := c.Object.Head(ctx, oddKey, nil); !cos.IsNotFoundError(err) {
		t.Errorf("Object.Head after delete: %v", err)
	}
	if _, err := c.Bucket.Delete(ctx); err != nil {
		t.Fatalf("Bucket.Delete: %v", err)
	}
}

func readCOS(t *testing.T, c *cos.Client, key string) []byte {
	t.Helper()
	r, err := c.Object.Get(context.Background(), key, nil)
	if err != nil {
		t.Fatalf("Object.Get %s: %v", key, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("Object.Get %s: %v", key, err)
	}
	return b
}

// unsignedParams adds query parameters after the SDK has signed a
// request, as the COS Python SDK's list_buckets sends marker and max-keys
// outside q-url-param-list; COS accepts them.
type unsignedParams struct {
	base  http.RoundTripper
	extra string
}

func (u unsignedParams) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.URL.RawQuery != "" {
		r.URL.RawQuery += "&"
	}
	r.URL.RawQuery += u.extra
	return u.base.RoundTrip(r)
}

func TestCOSUnsignedParameters(t *testing.T) {
	srv := startServer(t, client.COS)
	c := newCOS(t, srv, unsignedParams{base: srv.HTTPClient().Transport, extra: "max-keys=1000&marker="})
	ctx := context.Background()
	if _, err := c.Bucket.Put(ctx, nil); err != nil {
		t.Fatalf("Bucket.Put: %v", err)
	}
	svc, _, err := c.Service.Get(ctx)
	if err != nil || len(svc.Buckets) != 1 {
		t.Fatalf("Service.Get with unsigned marker and max-keys: %+v, %v", svc, err)
	}
	r := lastRequest(t, srv, "ListBuckets")
	if !r.Query.Has("max-keys") || strings.Contains(r.Header.Get("Authorization"), "max-keys") {
		t.Errorf("the request did not carry an unsigned max-keys: query %v", r.Query)
	}
}

// COS answers with ETag and x-cos-* as COS spells them; the COS Python
// SDK reads resp['ETag'] case-sensitively.
func TestCOSHeaderSpelling(t *testing.T) {
	srv := startServer(t, client.COS)
	var w wire
	c := newCOS(t, srv, w.transport(srv))
	ctx := context.Background()
	if _, err := c.Bucket.Put(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.Put(ctx, "k", strings.NewReader("v"), &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{
		XCosMetaXXX: &http.Header{"x-cos-meta-color": {"blue"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.Head(ctx, "k", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Object.Append(ctx, "log", 0, strings.NewReader("x"), nil); err != nil {
		t.Fatal(err)
	}
	seen := checkSpelling(t, &w)
	for _, want := range []string{"ETag", "x-cos-meta-color", "x-cos-request-id", "x-cos-hash-crc64ecma", "x-cos-next-append-position"} {
		if !seen[want] {
			t.Errorf("no %s header on the wire; saw %v", want, seen)
		}
	}
}
