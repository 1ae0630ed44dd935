package object_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// answer is an HTTP answer with its body read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// sendPresigned sends a presigned request with net/http alone: the URL, the
// headers the presigner returned, and body.
func sendPresigned(t *testing.T, p *client.PresignedRequest, body []byte) answer {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	return sendRaw(t, p.Method, p.URL, p.Header, r)
}

// rawClients holds, by host:port, the net/http client sendRaw uses for a
// server on https with a CA of its own (trustServer); others get
// http.DefaultClient.
var rawClients sync.Map

// trustServer makes sendRaw trust srv's CA for requests to srv.
func trustServer(t *testing.T, srv *miniotest.Server) {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs}}}
	rawClients.Store(srv.Addr, hc)
	t.Cleanup(func() { rawClients.Delete(srv.Addr); hc.CloseIdleConnections() })
}

func sendRaw(t *testing.T, method, url string, h http.Header, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	hc := http.DefaultClient
	if v, ok := rawClients.Load(req.URL.Host); ok {
		hc = v.(*http.Client)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// errorCode decodes the code of an error answer in the dialect's codec.
func errorCode(t *testing.T, d *client.Dialect, a answer) string {
	t.Helper()
	var e struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code" json:"code"`
	}
	var err error
	if d.Codec == client.JSON {
		err = json.Unmarshal(a.body, &e)
	} else {
		err = xml.Unmarshal(a.body, &e)
	}
	if err != nil || e.Code == "" {
		t.Fatalf("status %d: body %q is not a %s error: %v", a.status, a.body, d.Name, err)
	}
	return e.Code
}

// wantRefused checks that a is an error answer with code, of the kind
// (client.ErrAccessDenied, ...) the dialect gives it.
func wantRefused(t *testing.T, d *client.Dialect, a answer, code string, kind error) {
	t.Helper()
	if a.status < 400 {
		t.Fatalf("status %d, want a refusal (%s)", a.status, code)
	}
	if got := errorCode(t, d, a); got != code {
		t.Errorf("code %q, want %q (status %d)", got, code, a.status)
	}
	if k := opkit.ErrorKind(d, code, a.status); !errors.Is(k, kind) {
		t.Errorf("code %q is of kind %v, want %v", code, k, kind)
	}
}

// tamper changes one character of a presigned URL's signature.
func tamper(u string) string {
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

// refusalCodes are the codes a dialect answers a tampered and an expired
// presigned URL with.
type refusalCodes struct{ tampered, expired string }

// presignCase configures presignRoundTrip.
type presignCase struct {
	codes refusalCodes
	// noMetadata leaves user metadata out of the presigned PUT: MinIO does
	// not take SigV2's x-amz-meta-* query parameters into its string to
	// sign.
	noMetadata bool
}

// presignRoundTrip presigns PUT, HEAD, GET (plain, ranged, with header
// overrides) and DELETE on c and uses each with net/http alone; expired
// and tampered URLs are refused with codes.
func presignRoundTrip(t *testing.T, c *client.Client, bucketName string, rt presignCase) {
	ctx := context.Background()
	d := c.Dialect()
	objects := object.NewClient(c)
	key := "presigned/a key+with%odd~chars.txt"
	content := []byte("uploaded through a presigned URL")
	sum := md5.Sum(content)

	meta := map[string]string{"origin": "presigned"}
	if rt.noMetadata {
		meta = nil
	}
	put, err := objects.PresignPut(ctx, &object.PutInput{
		Bucket: bucketName, Key: key, ContentType: "text/plain", ContentMD5: sum[:],
		Metadata: meta, Body: strings.NewReader("ignored"), Size: 7,
	}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if put.Method != http.MethodPut || put.Header.Get("Content-Type") != "text/plain" || put.Header.Get("Content-MD5") == "" {
		t.Fatalf("presigned PUT %s, headers %v", put.Method, put.Header)
	}
	if a := sendPresigned(t, put, content); a.status >= 300 {
		t.Fatalf("PUT through the URL: %d %s", a.status, a.body)
	}

	head, err := objects.PresignHead(ctx, &object.HeadInput{Bucket: bucketName, Key: key}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a := sendPresigned(t, head, nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "text/plain" || a.header.Get(d.MetaPrefix+"origin") != meta["origin"] {
		t.Errorf("HEAD through the URL: %d %v", a.status, a.header)
	}

	get, err := objects.PresignGet(ctx, &object.GetInput{Bucket: bucketName, Key: key,
		Override: object.ResponseHeaders{ContentDisposition: `attachment; filename="a.txt"`}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a = sendPresigned(t, get, nil)
	if a.status != http.StatusOK || !bytes.Equal(a.body, content) || a.header.Get("Content-Disposition") != `attachment; filename="a.txt"` {
		t.Errorf("GET through the URL: %d %q %v", a.status, a.body, a.header)
	}
	ranged, err := objects.PresignGet(ctx, &object.GetInput{Bucket: bucketName, Key: key, Offset: 9, Length: 7}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ranged.Header.Get("Range") != "bytes=9-15" {
		t.Errorf("ranged GET must send its signed Range header: %v", ranged.Header)
	}
	if a := sendPresigned(t, ranged, nil); a.status != http.StatusPartialContent || string(a.body) != "through" {
		t.Errorf("ranged GET through the URL: %d %q", a.status, a.body)
	}

	// Tampered: one character of the signature changed. Expired: signed two
	// hours ago for one minute.
	wantRefused(t, d, sendRaw(t, http.MethodGet, tamper(get.URL), nil, nil), rt.codes.tampered, client.ErrAccessDenied)
	old, err := objects.PresignGet(ctx, &object.GetInput{Bucket: bucketName, Key: key}, time.Minute,
		client.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, d, sendPresigned(t, old, nil), rt.codes.expired, client.ErrAccessDenied)
	oldPut, err := objects.PresignPut(ctx, &object.PutInput{Bucket: bucketName, Key: key}, time.Minute,
		client.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, d, sendPresigned(t, oldPut, []byte("overwritten")), rt.codes.expired, client.ErrAccessDenied)

	del, err := objects.PresignDelete(ctx, &object.DeleteInput{Bucket: bucketName, Key: key}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	wantRefused(t, d, sendRaw(t, http.MethodDelete, tamper(del.URL), nil, nil), rt.codes.tampered, client.ErrAccessDenied)
	if a := sendPresigned(t, del, nil); a.status != http.StatusNoContent {
		t.Errorf("DELETE through the URL: %d %s", a.status, a.body)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: key}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("after the presigned DELETE: %v", err)
	}
}

var storagetestRefusals = map[string]refusalCodes{
	"s3":       {"SignatureDoesNotMatch", "AccessDenied"},
	"ibm":      {"SignatureDoesNotMatch", "AccessDenied"},
	"cos":      {"SignatureDoesNotMatch", "AccessDenied"},
	"qingstor": {"signature_not_matched", "request_expired"},
}

func TestPresignStoragetest(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			b := bucketFor(d, "presign-bucket")
			if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			presignRoundTrip(t, c, b, presignCase{codes: storagetestRefusals[d.Name]})
			presignVersion(t, c, b)
		})
	}
}

// presignVersion presigns a GET of an older version of an object.
func presignVersion(t *testing.T, c *client.Client, bucketName string) {
	ctx := context.Background()
	if !c.Dialect().Has(client.FeatureVersioning) {
		return
	}
	if _, err := bucket.NewClient(c).PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: bucketName, Status: bucket.VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	objects := object.NewClient(c)
	v1, err := objects.Put(ctx, &object.PutInput{Bucket: bucketName, Key: "versioned", Body: strings.NewReader("one")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bucketName, Key: "versioned", Body: strings.NewReader("two")}); err != nil {
		t.Fatal(err)
	}
	get, err := objects.PresignGet(ctx, &object.GetInput{Bucket: bucketName, Key: "versioned", VersionID: v1.VersionID}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a := sendPresigned(t, get, nil); a.status != http.StatusOK || string(a.body) != "one" {
		t.Errorf("GET of version %s through the URL: %d %q", v1.VersionID, a.status, a.body)
	}
}

// TestPresignMinIOTLS: URLs presigned for an https endpoint work in a
// plain net/http client against a real MinIO on https (the signature
// covers the host and port, the scheme is the endpoint's), and tampered
// or expired ones are refused.
func TestPresignMinIOTLS(t *testing.T) {
	srv := miniotest.StartTLS(t)
	trustServer(t, srv)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""), client.WithTLSConfig(&tls.Config{RootCAs: srv.RootCAs}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.NewClient(c).Create(t.Context(), &bucket.CreateInput{Bucket: "polystore-presign-https"}); err != nil {
		t.Fatal(err)
	}
	get, err := object.NewClient(c).PresignGet(t.Context(), &object.GetInput{Bucket: "polystore-presign-https", Key: "k"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(get.URL, srv.URL+"/") {
		t.Fatalf("presigned URL %s is not on the https endpoint %s", get.URL, srv.URL)
	}
	presignRoundTrip(t, c, "polystore-presign-https", presignCase{codes: minioRefusals})
}

// minioRefusals are MinIO's codes, as S3's.
var minioRefusals = refusalCodes{"SignatureDoesNotMatch", "AccessDenied"}

func TestPresignMinIO(t *testing.T) {
	ctx := context.Background()
	t.Run("sigv4", func(t *testing.T) {
		c := minioClient(t, client.S3)
		if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "polystore-presign-v4"}); err != nil {
			t.Fatal(err)
		}
		presignRoundTrip(t, c, "polystore-presign-v4", presignCase{codes: minioRefusals})
	})
	t.Run("sigv2", func(t *testing.T) {
		srv := miniotest.Shared(t)
		v2 := signer.NewV2(signer.NewStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
		c := minioClient(t, client.S3, client.WithSigner(v2))
		if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "polystore-presign-v2"}); err != nil {
			t.Fatal(err)
		}
		presignRoundTrip(t, c, "polystore-presign-v2", presignCase{codes: minioRefusals, noMetadata: true})
	})
	t.Run("curl", func(t *testing.T) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("curl is not installed; the presigned GET through curl is not run")
		}
		c := minioClient(t, client.S3)
		objects := object.NewClient(c)
		if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "polystore-presign-curl"}); err != nil {
			t.Fatal(err)
		}
		if _, err := objects.Put(ctx, &object.PutInput{Bucket: "polystore-presign-curl", Key: "dir/hello world.txt", Body: strings.NewReader("hello from curl")}); err != nil {
			t.Fatal(err)
		}
		get, err := objects.PresignGet(ctx, &object.GetInput{Bucket: "polystore-presign-curl", Key: "dir/hello world.txt"}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		cmdCtx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		out, err := exec.CommandContext(cmdCtx, curl, "--silent", "--show-error", "--fail", "--globoff", get.URL).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		if string(out) != "hello from curl" {
			t.Errorf("curl got %q", out)
		}
	})
}

// Bad input is refused before anything is sent, with an error naming the
// field; bearer tokens cannot presign.
func TestPresignValidation(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.NewServer(client.IBM)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	objects := object.NewClient(c)
	calls := []struct {
		field string
		call  func() error
	}{
		{"Bucket", func() error { _, err := objects.PresignGet(ctx, &object.GetInput{Key: "k"}, time.Minute); return err }},
		{"Key", func() error {
			_, err := objects.PresignPut(ctx, &object.PutInput{Bucket: "b-bucket"}, time.Minute)
			return err
		}},
		{"Offset", func() error {
			_, err := objects.PresignGet(ctx, &object.GetInput{Bucket: "b-bucket", Key: "k", Offset: -1}, time.Minute)
			return err
		}},
		{"ContentMD5", func() error {
			_, err := objects.PresignPut(ctx, &object.PutInput{Bucket: "b-bucket", Key: "k", ContentMD5: []byte{1}}, time.Minute)
			return err
		}},
		{"Expires", func() error {
			_, err := objects.PresignHead(ctx, &object.HeadInput{Bucket: "b-bucket", Key: "k"}, 0)
			return err
		}},
		{"Expires", func() error {
			_, err := objects.PresignDelete(ctx, &object.DeleteInput{Bucket: "b-bucket", Key: "k"}, 8*24*time.Hour)
			return err
		}},
	}
	for _, tc := range calls {
		err := tc.call()
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: %v, want an InvalidArgumentError naming it", tc.field, err)
		}
	}
	tokens := signer.NewIAMTokenProvider(srv.APIKey(), func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
	_, err = objects.PresignGet(ctx, &object.GetInput{Bucket: "b-bucket", Key: "k"}, time.Minute, client.WithSigner(signer.NewBearer(tokens)))
	if !errors.Is(err, client.ErrNotSupported) || !errors.Is(err, signer.ErrPresignNotSupported) {
		t.Errorf("bearer: %v, want ErrNotSupported", err)
	}
	if n := len(srv.Requests()); n != 0 || srv.TokenRequests() != 0 {
		t.Errorf("%d requests and %d token requests were sent", n, srv.TokenRequests())
	}
}
