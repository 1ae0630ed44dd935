package vendortest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	qsconfig "github.com/qingstor/qingstor-sdk-go/v4/config"
	qs "github.com/qingstor/qingstor-sdk-go/v4/service"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// newQingStor returns a qingstor-sdk-go service for srv. The SDK puts the
// zone in the host (zone.localhost:PORT, bucket.zone.localhost:PORT when
// virtual-hosted), which the server's dialer reaches without DNS.
func newQingStor(t *testing.T, srv *storagetest.Server, virtualHost bool, hc *http.Client) *qs.Service {
	t.Helper()
	u, err := url.Parse(srv.VirtualHostEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	conf, err := qsconfig.New(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey)
	if err != nil {
		t.Fatal(err)
	}
	conf.Protocol, conf.Host, conf.Port = "http", u.Hostname(), port
	conf.EnableVirtualHostStyle = virtualHost
	conf.Connection = hc
	svc, err := qs.Init(conf)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestQingStorSDK runs qingstor-sdk-go's happy path, path-style and
// virtual-hosted.
func TestQingStorSDK(t *testing.T) {
	for _, vh := range []bool{false, true} {
		name := "path-style"
		if vh {
			name = "virtual-host"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, client.QingStor)
			hc := srv.HTTPClient()
			defer hc.CloseIdleConnections()
			svc := newQingStor(t, srv, vh, hc)
			qingstorHappyPath(t, srv, svc, hc, !vh)
			r := lastRequest(t, srv, "PutObject")
			if r.Bucket != "vendortest" || r.Scheme != "qingstor" {
				t.Errorf("PutObject logged for bucket %q, scheme %q", r.Bucket, r.Scheme)
			}
		})
	}
}

// qingstorHappyPath runs the SDK's calls. pathStyle adds the two the SDK
// gets wrong in virtual-host mode (against any server): ListBuckets (it
// signs the first label of the service host as a bucket) and presigning
// (signQuery leaves the bucket out of the resource).
func qingstorHappyPath(t *testing.T, srv *storagetest.Server, svc *qs.Service, hc *http.Client, pathStyle bool) {
	b, err := svc.Bucket("vendortest", srv.Region())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(); err != nil {
		t.Fatalf("Bucket.Put: %v", err)
	}
	data := randomData(41, 3500)
	_, err = b.PutObject(oddKey, &qs.PutObjectInput{Body: bytes.NewReader(data), ContentType: qs.String("text/plain"),
		XQSMetaData: &map[string]string{"x-qs-meta-color": "blue"}})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	head, err := b.HeadObject(oddKey, nil)
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if qs.Int64Value(head.ContentLength) != int64(len(data)) || qs.StringValue(head.ETag) != `"`+md5hex(data)+`"` {
		t.Errorf("HeadObject: length %d, ETag %s", qs.Int64Value(head.ContentLength), qs.StringValue(head.ETag))
	}
	if head.XQSMetaData == nil || (*head.XQSMetaData)["x-qs-meta-color"] != "blue" {
		t.Errorf("HeadObject metadata: %v", head.XQSMetaData)
	}
	get, err := b.GetObject(oddKey, nil)
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("GetObject: %d bytes, %v", len(got), err)
	}

	// Listing, a page at a time; and the bucket list.
	for _, k := range []string{"list/a", "list/b", "list/c"} {
		if _, err := b.PutObject(k, &qs.PutObjectInput{Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("PutObject %s: %v", k, err)
		}
	}
	var keys []string
	for marker := ""; ; {
		page, err := b.ListObjects(&qs.ListObjectsInput{Prefix: qs.String("list/"), Limit: qs.Int(2), Marker: qs.String(marker)})
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		for _, k := range page.Keys {
			keys = append(keys, qs.StringValue(k.Key))
		}
		if !qs.BoolValue(page.HasMore) {
			break
		}
		marker = qs.StringValue(page.NextMarker)
	}
	if !slices.Equal(keys, []string{"list/a", "list/b", "list/c"}) {
		t.Errorf("ListObjects: %q", keys)
	}
	if pathStyle {
		lb, err := svc.ListBuckets(nil)
		if err != nil || len(lb.Buckets) != 1 || qs.StringValue(lb.Buckets[0].Name) != "vendortest" {
			t.Errorf("ListBuckets: %v, %v", lb, err)
		}
	}

	// Multipart: QingStor numbers parts from 0.
	ini, err := b.InitiateMultipartUpload("multi", nil)
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	parts := [][]byte{randomData(42, minPart), randomData(43, 2000)}
	var done []*qs.ObjectPartType
	for i, p := range parts {
		if _, err := b.UploadMultipart("multi", &qs.UploadMultipartInput{UploadID: ini.UploadID, PartNumber: qs.Int(i),
			Body: bytes.NewReader(p), ContentLength: qs.Int64(int64(len(p)))}); err != nil {
			t.Fatalf("UploadMultipart %d: %v", i, err)
		}
		done = append(done, &qs.ObjectPartType{PartNumber: qs.Int(i)})
	}
	if _, err := b.CompleteMultipartUpload("multi", &qs.CompleteMultipartUploadInput{UploadID: ini.UploadID, ObjectParts: done}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	mh, err := b.HeadObject("multi", nil)
	if err != nil || qs.Int64Value(mh.ContentLength) != int64(len(parts[0])+len(parts[1])) {
		t.Errorf("the assembled object: %v, %v", mh, err)
	}

	// Append.
	app, err := b.AppendObject("log", &qs.AppendObjectInput{Position: qs.Int64(0), Body: strings.NewReader("hello")})
	if err != nil || qs.Int64Value(app.XQSNextAppendPosition) != 5 {
		t.Errorf("AppendObject: %v, %v", app, err)
	}

	// A presigned GET, sent by a plain HTTP client.
	if pathStyle {
		req, _, err := b.GetObjectRequest(oddKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := req.Build(); err != nil {
			t.Fatal(err)
		}
		if err := req.SignQuery(900); err != nil {
			t.Fatalf("SignQuery: %v", err)
		}
		if got := httpDo(t, hc, http.MethodGet, req.HTTPRequest.URL.String(), nil, nil, http.StatusOK); !bytes.Equal(got, data) {
			t.Errorf("presigned GET: %d bytes", len(got))
		}
	}

	// Delete several (the SDK sends Content-MD5), then one, then the bucket.
	del, err := b.DeleteMultipleObjects(&qs.DeleteMultipleObjectsInput{Objects: []*qs.KeyType{
		{Key: qs.String("list/a")}, {Key: qs.String("list/b")}, {Key: qs.String("list/c")},
	}})
	if err != nil || len(del.Deleted) != 3 {
		t.Errorf("DeleteMultipleObjects: %v, %v", del, err)
	}
	for _, k := range []string{oddKey, "multi", "log"} {
		if _, err := b.DeleteObject(k); err != nil {
			t.Fatalf("DeleteObject %s: %v", k, err)
		}
	}
	if _, err := b.HeadObject(oddKey, nil); err == nil {
		t.Error("HeadObject after delete succeeded")
	}
	if _, err := b.Delete(); err != nil {
		t.Fatalf("Bucket.Delete: %v", err)
	}
}
