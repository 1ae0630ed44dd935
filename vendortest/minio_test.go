package vendortest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// TestMinioSDK runs minio-go's happy path on the S3 dialect, signed with
// SigV4 and with SigV2. The SigV2 run stores metadata with runs of spaces,
// which minio-go signs as sent (no trimming, no collapsing).
func TestMinioSDK(t *testing.T) {
	for _, tc := range []struct {
		name  string
		creds *miniocreds.Credentials
		v2    bool
	}{
		{"sigv4", miniocreds.NewStaticV4(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""), false},
		{"sigv2", miniocreds.NewStaticV2(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, client.S3)
			hc := srv.HTTPClient()
			defer hc.CloseIdleConnections()
			u, _ := url.Parse(srv.URL)
			mc, err := minio.New(u.Host, &minio.Options{
				Creds: tc.creds, Secure: false, Region: srv.Region(),
				BucketLookup: minio.BucketLookupPath, Transport: hc.Transport,
			})
			if err != nil {
				t.Fatal(err)
			}
			minioHappyPath(t, srv, mc, hc, tc.v2)
			want := "v4"
			if tc.v2 {
				want = "v2"
			}
			if r := lastRequest(t, srv, "PutObject"); r.Scheme != want {
				t.Errorf("PutObject signed with %s, want %s", r.Scheme, want)
			}
		})
	}
}

func minioHappyPath(t *testing.T, srv *storagetest.Server, mc *minio.Client, hc *http.Client, v2 bool) {
	ctx := context.Background()
	const bucket = "vendortest"
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: srv.Region()}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	note := "plain"
	if v2 {
		note = "two  spaces   three" // runs of spaces, signed as sent
	}
	data := randomData(11, 2500)
	_, err := mc.PutObject(ctx, bucket, oddKey, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "text/plain", UserMetadata: map[string]string{"Color": "blue", "Note": note},
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	st, err := mc.StatObject(ctx, bucket, oddKey, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject: %v", err)
	}
	if st.Size != int64(len(data)) || st.ETag != md5hex(data) || st.ContentType != "text/plain" ||
		st.UserMetadata["Color"] != "blue" || st.UserMetadata["Note"] != note {
		t.Errorf("StatObject: size %d, ETag %s, type %s, metadata %v", st.Size, st.ETag, st.ContentType, st.UserMetadata)
	}
	obj, err := mc.GetObject(ctx, bucket, oddKey, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("GetObject: %d bytes, %v", len(got), err)
	}

	// Listing, a page at a time.
	for _, k := range []string{"list/a", "list/b", "list/c"} {
		if _, err := mc.PutObject(ctx, bucket, k, strings.NewReader(k), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			t.Fatalf("PutObject %s: %v", k, err)
		}
	}
	var keys []string
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "list/", MaxKeys: 2}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", o.Err)
		}
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"list/a", "list/b", "list/c"}) {
		t.Errorf("ListObjects: %q", keys)
	}
	if n := opCount(srv, "ListObjects", http.StatusOK); n < 2 {
		t.Errorf("%d ListObjects pages, want 2", n)
	}

	// Multipart with small parts (Core, the API minio-go's uploads use).
	core := minio.Core{Client: mc}
	id, err := core.NewMultipartUpload(ctx, bucket, "multi", minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("NewMultipartUpload: %v", err)
	}
	parts := [][]byte{randomData(12, minPart), randomData(13, 777)}
	var done []minio.CompletePart
	for i, p := range parts {
		op, err := core.PutObjectPart(ctx, bucket, "multi", id, i+1, bytes.NewReader(p), int64(len(p)), minio.PutObjectPartOptions{})
		if err != nil {
			t.Fatalf("PutObjectPart %d: %v", i+1, err)
		}
		done = append(done, minio.CompletePart{PartNumber: i + 1, ETag: op.ETag})
	}
	lp, err := core.ListObjectParts(ctx, bucket, "multi", id, 0, 100)
	if err != nil || len(lp.ObjectParts) != 2 {
		t.Fatalf("ListObjectParts: %v, %d parts", err, len(lp.ObjectParts))
	}
	if _, err := core.CompleteMultipartUpload(ctx, bucket, "multi", id, done, minio.PutObjectOptions{}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	st, err = mc.StatObject(ctx, bucket, "multi", minio.StatObjectOptions{})
	if err != nil || st.Size != int64(len(parts[0])+len(parts[1])) || !strings.HasSuffix(st.ETag, "-2") {
		t.Errorf("the assembled object: %v, size %d, ETag %s", err, st.Size, st.ETag)
	}

	// Presigned GET and PUT, sent by a plain HTTP client.
	pg, err := mc.PresignedGetObject(ctx, bucket, oddKey, 15*time.Minute, url.Values{"response-content-type": {"application/x-test"}})
	if err != nil {
		t.Fatalf("PresignedGetObject: %v", err)
	}
	if got := httpDo(t, hc, http.MethodGet, pg.String(), nil, nil, http.StatusOK); !bytes.Equal(got, data) {
		t.Errorf("presigned GET: %d bytes", len(got))
	}
	pp, err := mc.PresignedPutObject(ctx, bucket, "presigned", 15*time.Minute)
	if err != nil {
		t.Fatalf("PresignedPutObject: %v", err)
	}
	httpDo(t, hc, http.MethodPut, pp.String(), nil, []byte("via a presigned URL"), http.StatusOK)
	st, err = mc.StatObject(ctx, bucket, "presigned", minio.StatObjectOptions{})
	if err != nil || st.Size != int64(len("via a presigned URL")) {
		t.Errorf("presigned PUT: %v, size %d", err, st.Size)
	}

	// Remove several at once, then one, then the bucket.
	ch := make(chan minio.ObjectInfo, 3)
	for _, k := range []string{"list/a", "list/b", "list/c"} {
		ch <- minio.ObjectInfo{Key: k}
	}
	close(ch)
	for e := range mc.RemoveObjects(ctx, bucket, ch, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects: %s: %v", e.ObjectName, e.Err)
	}
	for _, k := range []string{oddKey, "multi", "presigned"} {
		if err := mc.RemoveObject(ctx, bucket, k, minio.RemoveObjectOptions{}); err != nil {
			t.Fatalf("RemoveObject %s: %v", k, err)
		}
	}
	if _, err := mc.StatObject(ctx, bucket, oddKey, minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("StatObject after remove: %v", err)
	}
	if err := mc.RemoveBucket(ctx, bucket); err != nil {
		t.Fatalf("RemoveBucket: %v", err)
	}
}
