package object_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

var allDialects = []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM}

// bucketFor returns a valid bucket name for d.
func bucketFor(d client.Dialect, base string) string {
	if d.ValidateBucket != nil && d.ValidateBucket(base) != nil {
		return base + "-1250000000"
	}
	return base
}

// oddKeys are keys that stress path escaping in every signer, plus one of
// the dialect's maximum length.
func oddKeys(d *client.Dialect) []string {
	return []string{
		"plain.txt",
		"dir/with space+plus%percent~tilde.txt",
		"unicode/日本語-ключ.bin",
		"/leading-slash",
		"semi;colon,comma=equals&amp@at'quote(paren)!bang*star$dollar",
		maxKey(d.Limits.MaxKeyLength),
	}
}

// maxKey is a key of exactly n bytes, with a '/' every 200 bytes: MinIO
// stores objects as files and refuses path segments over 255 bytes.
func maxKey(n int) string {
	b := []byte(strings.Repeat("k", n))
	for i := 200; i < n-1; i += 200 {
		b[i] = '/'
	}
	return string(b)
}

// roundTrip exercises the first slice of the API on one client.
func roundTrip(t *testing.T, c *client.Client, bucketName string) {
	ctx := context.Background()
	buckets, objects := bucket.NewClient(c), object.NewClient(c)
	keys := oddKeys(c.Dialect())

	if _, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: bucketName}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	if _, err := buckets.Head(ctx, &bucket.HeadInput{Bucket: bucketName}); err != nil {
		t.Fatalf("head bucket: %v", err)
	}
	if _, err := buckets.Head(ctx, &bucket.HeadInput{Bucket: bucketFor(*c.Dialect(), "missing-bucket")}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head missing bucket: %v, want ErrNotFound", err)
	}

	for i, key := range keys {
		content := bytes.Repeat([]byte(fmt.Sprintf("%d:%s|", i, key)), 7)
		_, err := objects.Put(ctx, &object.PutInput{
			Bucket: bucketName, Key: key, Body: bytes.NewReader(content),
			ContentType: "application/x-test", Metadata: map[string]string{"Origin": "polystore", "n": fmt.Sprint(i)},
		})
		if err != nil {
			t.Fatalf("put %.40q: %v", key, err)
		}
		head, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: key})
		if err != nil {
			t.Fatalf("head %.40q: %v", key, err)
		}
		if head.ContentLength != int64(len(content)) || head.ContentType != "application/x-test" ||
			head.Metadata["origin"] != "polystore" || head.Metadata["n"] != fmt.Sprint(i) {
			t.Errorf("head %.40q: %+v", key, head.Attributes)
		}
		if want := fmt.Sprintf("%x", md5.Sum(content)); head.ETag != want {
			t.Errorf("head %.40q: etag %s, want %s", key, head.ETag, want)
		}
		got := getAll(t, objects, &object.GetInput{Bucket: bucketName, Key: key})
		if !bytes.Equal(got, content) {
			t.Errorf("get %.40q: content differs (%d vs %d bytes)", key, len(got), len(content))
		}
		part := getAll(t, objects, &object.GetInput{Bucket: bucketName, Key: key, Offset: 3, Length: 10})
		if !bytes.Equal(part, content[3:13]) {
			t.Errorf("ranged get %.40q: %q, want %q", key, part, content[3:13])
		}
	}

	// An empty object, from a nil body.
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bucketName, Key: "empty"}); err != nil {
		t.Fatalf("put empty: %v", err)
	}
	if got := getAll(t, objects, &object.GetInput{Bucket: bucketName, Key: "empty"}); len(got) != 0 {
		t.Errorf("empty object has %d bytes", len(got))
	}
	// A plain reader with a size is streamed.
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bucketName, Key: "stream", Body: io.MultiReader(strings.NewReader("streamed body")), Size: 13}); err != nil {
		t.Fatalf("put stream: %v", err)
	}
	if got := getAll(t, objects, &object.GetInput{Bucket: bucketName, Key: "stream"}); string(got) != "streamed body" {
		t.Errorf("stream object: %q", got)
	}

	_, err := objects.Get(ctx, &object.GetInput{Bucket: bucketName, Key: "no/such/key"})
	var re *client.ResponseError
	if !errors.Is(err, client.ErrNotFound) || !errors.As(err, &re) || re.StatusCode != 404 || re.RequestID == "" {
		t.Errorf("get missing: %v (want ErrNotFound with status and request id)", err)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: "no/such/key"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head missing: %v", err)
	}

	if _, err := buckets.Delete(ctx, &bucket.DeleteInput{Bucket: bucketName}); !errors.Is(err, client.ErrConflict) {
		t.Errorf("delete non-empty bucket: %v, want ErrConflict", err)
	}
	for _, key := range append(keys, "empty", "stream") {
		if _, err := objects.Delete(ctx, &object.DeleteInput{Bucket: bucketName, Key: key}); err != nil {
			t.Fatalf("delete %.40q: %v", key, err)
		}
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: keys[0]}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head after delete: %v", err)
	}
	if _, err := buckets.Delete(ctx, &bucket.DeleteInput{Bucket: bucketName}); err != nil {
		t.Fatalf("delete bucket: %v", err)
	}
}

func getAll(t *testing.T, objects *object.Client, in *object.GetInput) []byte {
	t.Helper()
	out, err := objects.Get(context.Background(), in)
	if err != nil {
		t.Fatalf("get %.40q: %v", in.Key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %.40q: %v", in.Key, err)
	}
	return b
}

func TestRoundTripStoragetest(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, bucketFor(d, "round-trip"))
		})
	}
}

func TestRoundTripIBMBearer(t *testing.T) {
	srv := storagetest.NewServer(client.IBM, func(o *storagetest.Options) { o.ServiceInstanceID = "crn:v1:test-instance" })
	defer srv.Close()
	tokens := signer.NewIAMTokenProvider(srv.APIKey(), func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
	c, err := srv.Client(client.WithSigner(signer.NewBearer(tokens)))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "ibm-bearer")
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("token requests: %d, want 1 (the token is cached)", n)
	}
}

func minioClient(t *testing.T, d client.Dialect, opts ...func(*client.Options)) *client.Client {
	srv := miniotest.Shared(t)
	c, err := client.New(d, append([]func(*client.Options){
		client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripMinIO(t *testing.T) {
	t.Run("s3-sigv4", func(t *testing.T) { roundTrip(t, minioClient(t, client.S3), "polystore-sigv4") })
	t.Run("s3-sigv2", func(t *testing.T) {
		srv := miniotest.Shared(t)
		v2 := signer.NewV2(signer.NewStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
		roundTrip(t, minioClient(t, client.S3, client.WithSigner(v2)), "polystore-sigv2")
	})
	t.Run("ibm-hmac", func(t *testing.T) { roundTrip(t, minioClient(t, client.IBM), "polystore-ibm-hmac") })
}

func TestWrongSecretMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	for name, opt := range map[string]func(*client.Options){
		"sigv4": client.WithStaticCredentials(srv.AccessKey, "wrong-secret-key", ""),
		"sigv2": client.WithSigner(signer.NewV2(signer.NewStaticCredentials(srv.AccessKey, "wrong-secret-key", ""))),
	} {
		t.Run(name, func(t *testing.T) {
			c := minioClient(t, client.S3, opt)
			_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "any-bucket", Key: "k", Body: strings.NewReader("x")})
			var re *client.ResponseError
			if !errors.Is(err, client.ErrAccessDenied) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want ErrAccessDenied", err)
			}
			if re.Code != "SignatureDoesNotMatch" || re.RequestID == "" || re.StatusCode != 403 {
				t.Errorf("code %q, request id %q, status %d", re.Code, re.RequestID, re.StatusCode)
			}
			if strings.Contains(err.Error(), "wrong-secret-key") {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
}

func TestConditionalGetMinIO(t *testing.T) {
	c := minioClient(t, client.S3)
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "polystore-cond"}); err != nil {
		t.Fatal(err)
	}
	objects := object.NewClient(c)
	put, err := objects.Put(ctx, &object.PutInput{Bucket: "polystore-cond", Key: "k", Body: strings.NewReader("v1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = objects.Get(ctx, &object.GetInput{Bucket: "polystore-cond", Key: "k", Conditions: object.Conditions{IfNoneMatch: put.ETag}})
	if !errors.Is(err, client.ErrNotModified) {
		t.Errorf("If-None-Match same etag: %v, want ErrNotModified", err)
	}
	_, err = objects.Get(ctx, &object.GetInput{Bucket: "polystore-cond", Key: "k", Conditions: object.Conditions{IfMatch: "0123456789abcdef0123456789abcdef"}})
	if !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("If-Match other etag: %v, want ErrPreconditionFailed", err)
	}
	if got := getAll(t, objects, &object.GetInput{Bucket: "polystore-cond", Key: "k", Conditions: object.Conditions{IfMatch: put.ETag}}); string(got) != "v1" {
		t.Errorf("If-Match same etag: %q", got)
	}
}
