package object_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestPayloadSignedOverHTTP: over plain http a SigV4 request signs its
// body's SHA-256 (x-amz-content-sha256), for bytes, a file (still sent by
// the kernel after it was hashed) and a part alike, and for the small
// documents other operations send; storagetest checks it against the
// body. PayloadUnsigned sends UNSIGNED-PAYLOAD; a one-shot stream, which
// cannot be hashed before it is sent, goes with a trailer.
func TestPayloadSignedOverHTTP(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("signed payload "), 2000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			e := newHostile(t, d)
			if !opkit.SignsPayloads(e.c) {
				t.Fatal("a client of an http endpoint does not sign payloads")
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			from := len(e.srv.Requests())
			for key, body := range map[string]io.Reader{"bytes": bytes.NewReader(data), "file": f} {
				if _, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: key, Body: body}); err != nil {
					t.Fatal(key, err)
				}
			}
			up, err := multipart.NewClient(e.c).Initiate(ctx, &multipart.InitiateInput{Bucket: e.bucket, Key: "mp"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := multipart.NewClient(e.c).UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.bucket, Key: "mp", UploadID: up.UploadID,
				PartNumber: 1, Body: bytes.NewReader(data)}); err != nil {
				t.Fatal(err)
			}
			for _, r := range e.puts(from) {
				if got := r.Header.Get("X-Amz-Content-Sha256"); got != sha256Hex(data) {
					t.Errorf("%s %s: x-amz-content-sha256 %q, want the body's", r.Op, r.Key, got)
				}
			}
			// A document of another operation.
			from = len(e.srv.Requests())
			if _, err := bucket.NewClient(e.c).PutCORS(ctx, &bucket.PutCORSInput{Bucket: e.bucket,
				Rules: []bucket.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}); err != nil {
				t.Fatal(err)
			}
			if r := e.srv.Requests()[from]; !hex64.MatchString(r.Header.Get("X-Amz-Content-Sha256")) {
				t.Errorf("PutBucketCors: x-amz-content-sha256 %q, want a hex SHA-256", r.Header.Get("X-Amz-Content-Sha256"))
			}

			// Unsigned on request.
			uc, _ := e.c.With(client.WithPayloadSigning(client.PayloadUnsigned))
			from = len(e.srv.Requests())
			if _, err := object.NewClient(uc).Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "u", Body: bytes.NewReader(data)}); err != nil {
				t.Fatal(err)
			}
			if got := e.puts(from)[0].Header.Get("X-Amz-Content-Sha256"); got != signer.V4UnsignedPayload {
				t.Errorf("PayloadUnsigned: %q", got)
			}
			// A one-shot stream cannot be hashed beforehand.
			from = len(e.srv.Requests())
			if _, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "s", Body: io.MultiReader(bytes.NewReader(data)), Size: int64(len(data))}); err != nil {
				t.Fatal(err)
			}
			want := "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
			if !d.Has(client.FeatureTrailingChecksums) {
				want = signer.V4UnsignedPayload
			}
			if got := e.puts(from)[0].Header.Get("X-Amz-Content-Sha256"); got != want {
				t.Errorf("one-shot stream: %q, want %q", got, want)
			}
		})
	}
}

// TestTamperedBodyRefused: a body changed on the way over plain http,
// with no checksum to catch it (IntegrityOff), is refused by the signed
// payload hash: XAmzContentSHA256Mismatch, and nothing is stored. Sent
// unsigned, the same change is stored unnoticed: that is what the
// default prevents.
func TestTamperedBodyRefused(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("tamper "), 1000)
	e := newHostile(t, client.S3, client.WithIntegrity(client.IntegrityOff))
	tamper := func() {
		e.srv.InjectFault(storagetest.Fault{Match: func(r *http.Request) bool { return r.Method == http.MethodPut }, CorruptRequestBody: true, CorruptRequestOffset: 10})
	}
	tamper()
	_, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "signed", Body: bytes.NewReader(data)}, client.WithMaxAttempts(1))
	var re *client.ResponseError
	if !errors.As(err, &re) || re.Code != "XAmzContentSHA256Mismatch" {
		t.Fatalf("tampered signed PUT: %v, want XAmzContentSHA256Mismatch", err)
	}
	if _, err := e.objects.Head(ctx, &object.HeadInput{Bucket: e.bucket, Key: "signed"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("HEAD after the refused PUT: %v, want not found", err)
	}

	tamper()
	if _, err := e.objects.Put(ctx, &object.PutInput{Bucket: e.bucket, Key: "unsigned", Body: bytes.NewReader(data)}, client.WithPayloadSigning(client.PayloadUnsigned)); err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(t, e.objects, &object.GetInput{Bucket: e.bucket, Key: "unsigned", DisableVerification: true})
	if err != nil || bytes.Equal(got, data) {
		t.Errorf("unsigned tampered PUT: stored %d bytes equal to the original: %v", len(got), bytes.Equal(got, data))
	}
}

// TestPayloadUnsignedOverTLS: over https the payload goes as
// UNSIGNED-PAYLOAD with its CRC32C (TLS authenticates it); PayloadSigned
// signs it there too. SignsPayloads says which.
func TestPayloadUnsignedOverTLS(t *testing.T) {
	var mu sync.Mutex
	var seen []http.Header
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		if v := r.Header.Get("X-Amz-Checksum-Crc32c"); v != "" {
			w.Header().Set("x-amz-checksum-crc32c", v)
		}
	}))
	defer ts.Close()
	data := []byte("over tls")
	for _, tc := range []struct {
		ps   client.PayloadSigning
		want string
	}{{client.PayloadSigningAuto, signer.V4UnsignedPayload}, {client.PayloadSigned, sha256Hex(data)}} {
		c, err := client.New(client.S3, client.WithEndpoint(ts.URL), client.WithHTTPClient(ts.Client()),
			client.WithStaticCredentials("AK", "SK", ""), client.WithPayloadSigning(tc.ps))
		if err != nil {
			t.Fatal(err)
		}
		if opkit.SignsPayloads(c) != (tc.ps == client.PayloadSigned) {
			t.Errorf("%v over https: SignsPayloads %v", tc.ps, opkit.SignsPayloads(c))
		}
		out, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "bkt", Key: "k", Body: bytes.NewReader(data)})
		if err != nil || out.Verified != "crc32c" {
			t.Fatalf("%v: %+v, %v", tc.ps, out, err)
		}
		mu.Lock()
		h := seen[len(seen)-1]
		mu.Unlock()
		if got := h.Get("X-Amz-Content-Sha256"); got != tc.want || h.Get("X-Amz-Checksum-Crc32c") == "" {
			t.Errorf("%v over https: x-amz-content-sha256 %q (want %q), crc32c %q", tc.ps, got, tc.want, h.Get("X-Amz-Checksum-Crc32c"))
		}
	}
	// Signers other than SigV4 sign no payload hash.
	for _, d := range []client.Dialect{client.COS, client.QingStor} {
		c, err := client.New(d, client.WithEndpoint("http://127.0.0.1:1"), client.WithRegion(map[string]string{"cos": "ap-beijing", "qingstor": "pek3b"}[d.Name]),
			client.WithStaticCredentials("AK", "SK", ""))
		if err != nil {
			t.Fatal(err)
		}
		if opkit.SignsPayloads(c) {
			t.Errorf("%s signs payloads", d.Name)
		}
	}
}
