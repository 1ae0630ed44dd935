package vendortest

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/ibm-cos-sdk-go/aws"
	"github.com/IBM/ibm-cos-sdk-go/aws/awserr"
	"github.com/IBM/ibm-cos-sdk-go/aws/credentials"
	"github.com/IBM/ibm-cos-sdk-go/aws/credentials/ibmiam"
	"github.com/IBM/ibm-cos-sdk-go/aws/session"
	"github.com/IBM/ibm-cos-sdk-go/service/s3"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// authRecorder is an HTTP transport that remembers the Authorization
// header of every IAM token request it passes on.
type authRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	auth []string
}

func (a *authRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/identity/token" {
		a.mu.Lock()
		a.auth = append(a.auth, r.Header.Get("Authorization"))
		a.mu.Unlock()
	}
	return a.base.RoundTrip(r)
}

// newIBM returns an ibm-cos-sdk-go S3 client for srv, path-style, with
// HMAC keys or, when iam is set, IBM IAM bearer tokens from the server's
// token endpoint. No shared configuration files are read.
func newIBM(t *testing.T, srv *storagetest.Server, iam bool, hc *http.Client) *s3.S3 {
	t.Helper()
	conf := aws.NewConfig().
		WithEndpoint(srv.URL).
		WithRegion(srv.Region()).
		WithS3ForcePathStyle(true).
		WithHTTPClient(hc)
	if iam {
		conf = conf.WithCredentials(ibmiam.NewStaticCredentials(aws.NewConfig().WithHTTPClient(hc),
			srv.IAMEndpoint()+"/identity/token", srv.APIKey(), "vendortest-instance"))
	} else {
		conf = conf.WithCredentials(credentials.NewStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
	}
	sess, err := session.NewSessionWithOptions(session.Options{Config: *conf, SharedConfigState: session.SharedConfigDisable})
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	return s3.New(sess)
}

// TestIBMSDK runs IBM's Go SDK on the IBM dialect with HMAC keys and with
// IAM: the SDK asks the token endpoint with "Authorization: Basic" (bx:bx)
// and signs every request with the bearer token.
func TestIBMSDK(t *testing.T) {
	// A session reads AWS_CA_BUNDLE and, when it is set, insists on an
	// *http.Transport to load it into; the tests speak plain HTTP.
	t.Setenv("AWS_CA_BUNDLE", "")
	for _, iam := range []bool{false, true} {
		name := "hmac"
		if iam {
			name = "iam"
		}
		t.Run(name, func(t *testing.T) {
			srv := startServer(t, client.IBM)
			base := srv.HTTPClient()
			defer base.CloseIdleConnections()
			rec := &authRecorder{base: base.Transport}
			hc := &http.Client{Transport: rec}
			c := newIBM(t, srv, iam, hc)
			ibmHappyPath(t, srv, c, hc, !iam)

			want := "v4"
			if iam {
				want = "bearer"
				rec.mu.Lock()
				auth := slices.Clone(rec.auth)
				rec.mu.Unlock()
				if len(auth) == 0 || !strings.HasPrefix(auth[0], "Basic ") {
					t.Errorf("token requests sent with Authorization %q, want Basic", auth)
				}
				if srv.TokenRequests() == 0 {
					t.Error("no token request reached the server")
				}
				if r := lastRequest(t, srv, "CreateBucket"); r.Header.Get("Ibm-Service-Instance-Id") != "vendortest-instance" {
					t.Errorf("CreateBucket sent ibm-service-instance-id %q", r.Header.Get("Ibm-Service-Instance-Id"))
				}
			}
			if r := lastRequest(t, srv, "PutObject"); r.Scheme != want {
				t.Errorf("PutObject authenticated by %s, want %s", r.Scheme, want)
			}
		})
	}
}

func ibmHappyPath(t *testing.T, srv *storagetest.Server, c *s3.S3, hc *http.Client, presign bool) {
	const bucket = "vendortest"
	if _, err := c.CreateBucket(&s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	data := randomData(21, 4000)
	_, err := c.PutObject(&s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(oddKey), Body: bytes.NewReader(data),
		ContentType: aws.String("text/plain"), Metadata: map[string]*string{"Color": aws.String("blue")},
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	head, err := c.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if aws.Int64Value(head.ContentLength) != int64(len(data)) || aws.StringValue(head.ETag) != `"`+md5hex(data)+`"` ||
		aws.StringValue(head.Metadata["Color"]) != "blue" {
		t.Errorf("HeadObject: length %d, ETag %s, metadata %v", aws.Int64Value(head.ContentLength), aws.StringValue(head.ETag), head.Metadata)
	}
	get, err := c.GetObject(&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("GetObject: %d bytes, %v", len(got), err)
	}

	// Listing, a page at a time.
	for _, k := range []string{"list/a", "list/b", "list/c"} {
		if _, err := c.PutObject(&s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("PutObject %s: %v", k, err)
		}
	}
	var keys []string
	err = c.ListObjectsV2Pages(&s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("list/"), MaxKeys: aws.Int64(2)},
		func(page *s3.ListObjectsV2Output, last bool) bool {
			for _, o := range page.Contents {
				keys = append(keys, aws.StringValue(o.Key))
			}
			return true
		})
	if err != nil || !slices.Equal(keys, []string{"list/a", "list/b", "list/c"}) {
		t.Errorf("ListObjectsV2Pages: %q, %v", keys, err)
	}
	lb, err := c.ListBuckets(&s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.StringValue(lb.Buckets[0].Name) != bucket {
		t.Errorf("ListBuckets: %v, %v", lb, err)
	}

	// Multipart with small parts.
	created, err := c.CreateMultipartUpload(&s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multi")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	parts := [][]byte{randomData(22, minPart), randomData(23, 999)}
	var done []*s3.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(&s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("multi"), UploadId: created.UploadId,
			PartNumber: aws.Int64(int64(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		done = append(done, &s3.CompletedPart{PartNumber: aws.Int64(int64(i + 1)), ETag: out.ETag})
	}
	if _, err := c.CompleteMultipartUpload(&s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multi"),
		UploadId: created.UploadId, MultipartUpload: &s3.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	mh, err := c.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("multi")})
	if err != nil || aws.Int64Value(mh.ContentLength) != int64(len(parts[0])+len(parts[1])) || !strings.HasSuffix(aws.StringValue(mh.ETag), `-2"`) {
		t.Errorf("the assembled object: %v, %v", mh, err)
	}

	// Presigned GET (HMAC keys only: a bearer token cannot presign).
	if presign {
		req, _ := c.GetObjectRequest(&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
		u, err := req.Presign(15 * time.Minute)
		if err != nil {
			t.Fatalf("Presign: %v", err)
		}
		if got := httpDo(t, hc, http.MethodGet, u, nil, nil, http.StatusOK); !bytes.Equal(got, data) {
			t.Errorf("presigned GET: %d bytes", len(got))
		}
	}

	// Delete several at once (the SDK sends Content-MD5), then one.
	del, err := c.DeleteObjects(&s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3.Delete{Objects: []*s3.ObjectIdentifier{
		{Key: aws.String("list/a")}, {Key: aws.String("list/b")}, {Key: aws.String("list/c")},
	}}})
	if err != nil || len(del.Deleted) != 3 {
		t.Errorf("DeleteObjects: %v, %v", del, err)
	}
	for _, k := range []string{oddKey, "multi"} {
		if _, err := c.DeleteObject(&s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)}); err != nil {
			t.Fatalf("DeleteObject %s: %v", k, err)
		}
	}
	_, err = c.HeadObject(&s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if ae, ok := err.(awserr.RequestFailure); !ok || ae.StatusCode() != http.StatusNotFound {
		t.Errorf("HeadObject after delete: %v, want 404", err)
	}
	if _, err := c.DeleteBucket(&s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
}
