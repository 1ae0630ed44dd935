package vendortest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// newAWS returns an aws-sdk-go-v2 S3 client for srv, with the SDK's
// defaults otherwise (CRC32 request checksums, response checksum
// validation): path-style at srv.URL, or virtual-hosted at
// srv.VirtualHostEndpoint (bucket.localhost:PORT, dialed without DNS).
func newAWS(srv *storagetest.Server, pathStyle bool, hc aws.HTTPClient) *s3.Client {
	endpoint := srv.URL
	if !pathStyle {
		endpoint = srv.VirtualHostEndpoint()
	}
	return s3.New(s3.Options{
		Region:       srv.Region(),
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: pathStyle,
		Credentials:  awscreds.NewStaticCredentialsProvider(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""),
		HTTPClient:   hc,
		// What config.LoadDefaultConfig resolves them to, and so what the
		// SDK's users run: CRC32 on every request that takes a checksum.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// TestAWSSDK runs aws-sdk-go-v2's happy path on the S3 dialect
// (path-style and virtual-hosted) and on IBM's, which takes S3 requests
// with HMAC keys.
func TestAWSSDK(t *testing.T) {
	for _, tc := range []struct {
		name      string
		d         client.Dialect
		pathStyle bool
		manager   bool // also upload through feature/s3/manager (5 MiB parts: slow under -race)
	}{
		{"s3", client.S3, true, true},
		{"s3-virtual-host", client.S3, false, false},
		{"ibm", client.IBM, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tc.d)
			hc := srv.HTTPClient()
			defer hc.CloseIdleConnections()
			awsHappyPath(t, srv, newAWS(srv, tc.pathStyle, hc), hc, tc.manager)
			if !tc.pathStyle {
				r := lastRequest(t, srv, "PutObject")
				if r.Bucket != "vendortest" {
					t.Errorf("virtual-hosted PutObject logged for bucket %q", r.Bucket)
				}
			}
		})
	}
}

func awsHappyPath(t *testing.T, srv *storagetest.Server, c *s3.Client, hc *http.Client, withManager bool) {
	ctx := context.Background()
	const bucket = "vendortest"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	// Put, head, get.
	data := randomData(1, 3000)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(oddKey), Body: bytes.NewReader(data),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"color": "blue"},
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if r := lastRequest(t, srv, "PutObject"); r.Header.Get("X-Amz-Checksum-Crc32") == "" && r.Header.Get("X-Amz-Trailer") == "" {
		t.Errorf("the SDK sent no CRC32: the test does not show its default checksums (%v)", r.Header)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if aws.ToInt64(head.ContentLength) != int64(len(data)) || aws.ToString(head.ETag) != `"`+md5hex(data)+`"` ||
		aws.ToString(head.ContentType) != "text/plain" || head.Metadata["color"] != "blue" {
		t.Errorf("HeadObject: length %d, ETag %s, type %s, metadata %v", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag), aws.ToString(head.ContentType), head.Metadata)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("GetObject: %d bytes, %v", len(got), err)
	}
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey), Range: aws.String("bytes=10-19")})
	if err != nil {
		t.Fatalf("ranged GetObject: %v", err)
	}
	got, _ = io.ReadAll(rng.Body)
	rng.Body.Close()
	if !bytes.Equal(got, data[10:20]) {
		t.Errorf("ranged GetObject: %q", got)
	}

	// Listing, a page at a time.
	for _, k := range []string{"list/a", "list/b", "list/c"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("PutObject %s: %v", k, err)
		}
	}
	var keys []string
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("list/"), MaxKeys: aws.Int32(2)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if !slices.Equal(keys, []string{"list/a", "list/b", "list/c"}) {
		t.Errorf("ListObjectsV2: %q", keys)
	}

	// Multipart through the manager (CRC32 composite checksums), with the
	// smallest parts it takes.
	big := randomData(2, int(manager.MinUploadPartSize+1234))
	if withManager {
		//lint:ignore SA1019 manager (stable v1) is deprecated in favour of the pre-1.0 feature/s3/transfermanager; it is still the uploader most aws-sdk-go-v2 code runs.
		up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = manager.MinUploadPartSize; u.Concurrency = 2 })
		//lint:ignore SA1019 see NewUploader above.
		if _, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big"), Body: bytes.NewReader(big)}); err != nil {
			t.Fatalf("Uploader: %v", err)
		}
		if n := opCount(srv, "UploadPart", http.StatusOK); n != 2 {
			t.Errorf("%d UploadParts, want 2", n)
		}
		if r := lastRequest(t, srv, "CreateMultipartUpload"); r.Header.Get("X-Amz-Checksum-Algorithm") != "CRC32" {
			t.Errorf("the manager created its upload with algorithm %q", r.Header.Get("X-Amz-Checksum-Algorithm"))
		}
		if got := readAWS(t, c, bucket, "big"); !bytes.Equal(got, big) {
			t.Errorf("the uploaded object reads back %d bytes", len(got))
		}
	} else {
		putAWS(t, c, bucket, "big", big[:10])
	}

	// Multipart by hand, created without a checksum algorithm: the SDK
	// still adds CRC32 to every part (as boto3 >= 1.36 and ibm-cos-sdk
	// 2.16 do), which S3 accepts.
	awsPlainMultipart(t, srv, c, bucket)

	// Presigned GET and PUT, sent by a plain HTTP client.
	ps := s3.NewPresignClient(c, s3.WithPresignExpires(15*time.Minute))
	pg, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if err != nil {
		t.Fatalf("PresignGetObject: %v", err)
	}
	if got := httpDo(t, hc, pg.Method, pg.URL, pg.SignedHeader, nil, http.StatusOK); !bytes.Equal(got, data) {
		t.Errorf("presigned GET: %d bytes", len(got))
	}
	pp, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("presigned")})
	if err != nil {
		t.Fatalf("PresignPutObject: %v", err)
	}
	httpDo(t, hc, pp.Method, pp.URL, pp.SignedHeader, []byte("via a presigned URL"), http.StatusOK)
	if got := readAWS(t, c, bucket, "presigned"); string(got) != "via a presigned URL" {
		t.Errorf("presigned PUT stored %q", got)
	}

	// DeleteObjects: the SDK sends x-amz-checksum-crc32, no Content-MD5.
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("list/a")}, {Key: aws.String("list/b")}},
	}})
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	if len(del.Deleted) != 2 || len(del.Errors) != 0 {
		t.Errorf("DeleteObjects: %d deleted, errors %v", len(del.Deleted), del.Errors)
	}
	if r := lastRequest(t, srv, "DeleteObjects"); r.Header.Get("Content-Md5") != "" || r.Header.Get("X-Amz-Checksum-Crc32") == "" {
		t.Errorf("DeleteObjects was sent with Content-MD5 %q, CRC32 %q: not the case this test is for", r.Header.Get("Content-Md5"), r.Header.Get("X-Amz-Checksum-Crc32"))
	}

	// Delete, then the object is gone.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("HeadObject after delete: %v, want NotFound", err)
	}
	for _, k := range []string{"list/c", "big", "plain", "presigned"} {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)}); err != nil {
			t.Fatalf("DeleteObject %s: %v", k, err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
}

// awsPlainMultipart uploads two parts to an upload created without
// x-amz-checksum-algorithm and completes it with the parts as UploadPart
// returned them.
func awsPlainMultipart(t *testing.T, srv *storagetest.Server, c *s3.Client, bucket string) {
	ctx := context.Background()
	created, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("plain")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	if r := lastRequest(t, srv, "CreateMultipartUpload"); r.Header.Get("X-Amz-Checksum-Algorithm") != "" {
		t.Fatalf("the upload was created with an algorithm: not the case this test is for")
	}
	parts := [][]byte{randomData(3, minPart), randomData(4, 1000)}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String("plain"), UploadId: created.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		if r := lastRequest(t, srv, "UploadPart"); r.Header.Get("X-Amz-Checksum-Crc32") == "" && r.Header.Get("X-Amz-Trailer") == "" {
			t.Errorf("UploadPart %d was sent without CRC32: not the case this test is for", i+1)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("plain"), UploadId: created.UploadId})
	if err != nil || len(lp.Parts) != 2 {
		t.Fatalf("ListParts: %v, %d parts", err, len(lp.Parts))
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String("plain"), UploadId: created.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if got := readAWS(t, c, bucket, "plain"); !bytes.Equal(got, append(slices.Clone(parts[0]), parts[1]...)) {
		t.Errorf("the assembled object reads back %d bytes", len(got))
	}
}

func putAWS(t *testing.T, c *s3.Client, bucket, key string, data []byte) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
}

func readAWS(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	return b
}

// httpDo sends one request with a plain HTTP client and returns the body,
// failing the test unless the status is want.
func httpDo(t *testing.T, hc *http.Client, method, url string, header http.Header, body []byte, want int) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		if !strings.EqualFold(k, "Host") {
			r.Header[k] = vs
		}
	}
	res, err := hc.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, res.StatusCode, want, b)
	}
	return b
}

// The headers boto3 and the AWS CLI read case-sensitively go out as S3
// spells them: ETag, and metadata as stored (a key put as color comes back
// as x-amz-meta-color, not X-Amz-Meta-Color, which boto3 returned as
// Color).
func TestAWSHeaderSpelling(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv := startServer(t, d)
			var w wire
			c := newAWS(srv, true, &http.Client{Transport: w.transport(srv)})
			ctx := context.Background()
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("spelling")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("spelling"), Key: aws.String("k"),
				Body: strings.NewReader("v"), Metadata: map[string]string{"color": "blue"}}); err != nil {
				t.Fatal(err)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("spelling"), Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := head.Metadata["color"]; !ok {
				t.Errorf("metadata %v", head.Metadata)
			}
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("spelling"), Key: aws.String("missing")})
			if err == nil {
				t.Fatal("HeadObject of a missing key succeeded")
			}
			seen := checkSpelling(t, &w)
			for _, want := range []string{"ETag", "x-amz-meta-color", "x-amz-request-id"} {
				if !seen[want] {
					t.Errorf("no %s header on the wire; saw %v", want, seen)
				}
			}
		})
	}
}
