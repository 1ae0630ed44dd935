package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

type keyIn struct{ Bucket, Key, ContentType string }

var (
	rawGet = opkit.Op[keyIn, struct{}]{Name: "GetObject", Serialize: func(_ *client.Dialect, _ *client.Options, in *keyIn, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodGet, in.Bucket, in.Key
		return nil
	}}
	rawPut = opkit.Op[keyIn, struct{}]{Name: "PutObject", Serialize: func(_ *client.Dialect, _ *client.Options, in *keyIn, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
		if in.ContentType != "" {
			r.Header.Set("Content-Type", in.ContentType)
		}
		return nil
	}}
)

func send(t *testing.T, method, url string, h http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPresignedURLsWithPlainHTTP presigns PUT and GET on every dialect and
// uses them with net/http only; expired and tampered URLs are refused.
func TestPresignedURLsWithPlainHTTP(t *testing.T) {
	ctx := context.Background()
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			b := "presign-bucket"
			if d.ValidateBucket(b) != nil {
				b += "-1250000000"
			}
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			key := "dir/a key+with%odd~chars.txt"
			put, err := opkit.Presign(ctx, c, &rawPut, &keyIn{Bucket: b, Key: key, ContentType: "text/plain"}, 10*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if put.Method != http.MethodPut || strings.Contains(put.URL, storagetest.DefaultSecretKey) {
				t.Fatalf("presigned put: %+v", put)
			}
			if status, body := send(t, put.Method, put.URL, put.Header, "uploaded without an SDK"); status >= 300 {
				t.Fatalf("PUT through presigned URL: %d %s", status, body)
			}
			get, err := opkit.Presign(ctx, c, &rawGet, &keyIn{Bucket: b, Key: key}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if status, body := send(t, http.MethodGet, get.URL, get.Header, ""); status != 200 || body != "uploaded without an SDK" {
				t.Errorf("GET through presigned URL: %d %q", status, body)
			}
			head, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: b, Key: key})
			if err != nil || head.ContentType != "text/plain" {
				t.Errorf("object written through the URL: %v %+v", err, head)
			}

			// Tampered: one character of the URL's signature changed.
			tampered := tamper(get.URL)
			if status, _ := send(t, http.MethodGet, tampered, nil, ""); status != 401 && status != 403 {
				t.Errorf("tampered URL answered %d", status)
			}
			// Expired: signed two hours ago for one minute.
			old, err := opkit.Presign(ctx, c, &rawGet, &keyIn{Bucket: b, Key: key}, time.Minute,
				client.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
			if err != nil {
				t.Fatal(err)
			}
			if status, _ := send(t, http.MethodGet, old.URL, nil, ""); status != 401 && status != 403 {
				t.Errorf("expired URL answered %d", status)
			}
		})
	}
}

// tamper flips one character of the signature parameter.
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

func TestPresignErrors(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.NewServer(client.IBM)
	defer srv.Close()
	c, _ := srv.Client()
	in := &keyIn{Bucket: "ibm-bucket", Key: "k"}
	for _, exp := range []time.Duration{0, -time.Second, 8 * 24 * time.Hour} {
		_, err := opkit.Presign(ctx, c, &rawGet, in, exp)
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != "Expires" {
			t.Errorf("expires %v: %v, want an InvalidArgumentError on Expires", exp, err)
		}
	}
	tokens := signer.NewIAMTokenProvider(srv.APIKey(), func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
	bearer, _ := srv.Client(client.WithSigner(signer.NewBearer(tokens)))
	_, err := opkit.Presign(ctx, bearer, &rawGet, in, time.Minute)
	if !errors.Is(err, client.ErrNotSupported) || !errors.Is(err, signer.ErrPresignNotSupported) || !strings.Contains(err.Error(), "HMAC") {
		t.Errorf("bearer presign: %v, want ErrNotSupported naming HMAC keys", err)
	}
	if n := srv.TokenRequests(); n != 0 {
		t.Errorf("presigning fetched %d tokens", n)
	}
}
