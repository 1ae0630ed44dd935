package multipart_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// putPresigned sends body to a presigned URL with net/http alone.
func putPresigned(t *testing.T, p *client.PresignedRequest, url string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(p.Method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// codeOf decodes an error answer's code in the dialect's codec.
func codeOf(t *testing.T, d *client.Dialect, body []byte) string {
	t.Helper()
	var e struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code" json:"code"`
	}
	var err error
	if d.Codec == client.JSON {
		err = json.Unmarshal(body, &e)
	} else {
		err = xml.Unmarshal(body, &e)
	}
	if err != nil || e.Code == "" {
		t.Fatalf("%q is not a %s error: %v", body, d.Name, err)
	}
	return e.Code
}

// tamperSig changes one character of a presigned URL's signature.
func tamperSig(u string) string {
	for _, p := range []string{"X-Amz-Signature=", "Signature=", "signature=", "q-signature="} {
		if i := strings.Index(u, p); i >= 0 {
			j := i + len(p)
			c := byte('0')
			if u[j] == '0' {
				c = '1'
			}
			return u[:j] + string(c) + u[j+1:]
		}
	}
	return u + "x"
}

// presignParts uploads a two-part object whose parts go up through
// presigned URLs with net/http, the first with a signed Content-MD5.
// Tampered and expired part URLs are refused with the dialect's codes.
func presignParts(t *testing.T, c *client.Client, bucketName string, firstPart int, tampered, expired string) {
	ctx := context.Background()
	d := c.Dialect()
	uploads := multipart.NewClient(c)
	key := "presigned/parts.bin"
	up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: bucketName, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{bytes.Repeat([]byte("p"), firstPart), []byte("last part")}
	var done []multipart.CompletedPart
	for i, data := range parts {
		n := d.Limits.FirstPartNumber + i
		in := &multipart.UploadPartInput{Bucket: bucketName, Key: key, UploadID: up.UploadID, PartNumber: n,
			Body: strings.NewReader("ignored"), ComputeContentMD5: true}
		if i == 0 {
			sum := md5.Sum(data)
			in.ContentMD5 = sum[:]
		}
		p, err := uploads.PresignUploadPart(ctx, in, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && p.Header.Get("Content-MD5") == "" {
			t.Errorf("the part's Content-MD5 must be sent: %v", p.Header)
		}
		if i == 1 {
			status, _, body := putPresigned(t, p, tamperSig(p.URL), data)
			if status < 400 || codeOf(t, d, body) != tampered {
				t.Errorf("tampered part URL: %d %s, want %s", status, body, tampered)
			}
		}
		status, h, body := putPresigned(t, p, p.URL, data)
		if status != http.StatusOK && status != http.StatusCreated {
			t.Fatalf("part %d through the URL: %d %s", n, status, body)
		}
		done = append(done, multipart.CompletedPart{PartNumber: n, ETag: strings.Trim(h.Get("ETag"), `"`)})
	}
	old, err := uploads.PresignUploadPart(ctx, &multipart.UploadPartInput{Bucket: bucketName, Key: key, UploadID: up.UploadID,
		PartNumber: d.Limits.FirstPartNumber + 1}, time.Minute, client.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := putPresigned(t, old, old.URL, []byte("late")); status < 400 || codeOf(t, d, body) != expired {
		t.Errorf("expired part URL: %d %s, want %s", status, body, expired)
	}
	if _, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: bucketName, Key: key, UploadID: up.UploadID, Parts: done}); err != nil {
		t.Fatal(err)
	}
	out, err := object.NewClient(c).Get(ctx, &object.GetInput{Bucket: bucketName, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	got, _ := io.ReadAll(out.Body)
	if !bytes.Equal(got, bytes.Join(parts, nil)) {
		t.Errorf("assembled object has %d bytes, want %d", len(got), firstPart+len(parts[1]))
	}
}

func TestPresignUploadPartStoragetest(t *testing.T) {
	codes := map[string][2]string{
		"s3": {"SignatureDoesNotMatch", "AccessDenied"}, "ibm": {"SignatureDoesNotMatch", "AccessDenied"},
		"cos": {"SignatureDoesNotMatch", "AccessDenied"}, "qingstor": {"signature_not_matched", "request_expired"},
	}
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d, func(o *storagetest.Options) { o.MinPartSize = 1 })
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			b := bucketFor(d, "presign-parts")
			if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			presignParts(t, c, b, 1024, codes[d.Name][0], codes[d.Name][1])
		})
	}
}

func TestPresignUploadPartMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	for name, opts := range map[string][]func(*client.Options){
		"sigv4": nil,
		"sigv2": {client.WithSigner(signer.NewV2(signer.NewStaticCredentials(srv.AccessKey, srv.SecretKey, "")))},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := client.New(client.S3, append([]func(*client.Options){
				client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
				client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""),
			}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			b := "polystore-presign-parts-" + name
			if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			presignParts(t, c, b, int(client.S3.Limits.MinPartSize), "SignatureDoesNotMatch", "AccessDenied")
		})
	}
}

func TestPresignUploadPartValidation(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, _ := srv.Client()
	uploads := multipart.NewClient(c)
	for field, in := range map[string]*multipart.UploadPartInput{
		"UploadID":   {Bucket: "b-bucket", Key: "k", PartNumber: 0},
		"PartNumber": {Bucket: "b-bucket", Key: "k", UploadID: "u", PartNumber: 10000},
		"ContentMD5": {Bucket: "b-bucket", Key: "k", UploadID: "u", ContentMD5: []byte("short")},
	} {
		_, err := uploads.PresignUploadPart(ctx, in, time.Minute)
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	_, err := uploads.PresignUploadPart(ctx, &multipart.UploadPartInput{Bucket: "b-bucket", Key: "k", UploadID: "u"}, 0)
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Expires" {
		t.Errorf("zero expiry: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}
