package object_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestChecksumWire checks the additional-checksum headers Put, Head and
// Get send on S3 and IBM, and what they read from the answers.
func TestChecksumWire(t *testing.T) {
	ctx := context.Background()
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			objects := object.NewClient(c)
			b := bucketFor(d, "sums")
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			content := strings.Repeat("polystore ", 300)
			sum := client.ComputeChecksum(client.ChecksumSHA256, []byte(content))

			out, err := objects.Put(ctx, &object.PutInput{Bucket: b, Key: "k", Body: strings.NewReader(content), Checksum: sum})
			if err != nil {
				t.Fatal(err)
			}
			if got := lastRequest(t, srv).Header.Get("x-amz-checksum-sha256"); got != sum.String() {
				t.Errorf("put sent x-amz-checksum-sha256 %q, want %q", got, sum)
			}
			if !out.Checksum.Equal(sum) {
				t.Errorf("put output checksum %v %q, want %q", out.Checksum.Algorithm, out.Checksum, sum)
			}

			head, err := objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if r := lastRequest(t, srv); r.Header.Get("x-amz-checksum-mode") != "" || !head.Checksum.IsZero() {
				t.Errorf("head without ChecksumMode: sent mode %q, got checksum %q", r.Header.Get("x-amz-checksum-mode"), head.Checksum)
			}
			head, err = objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "k", ChecksumMode: true})
			if err != nil {
				t.Fatal(err)
			}
			if r := lastRequest(t, srv); r.Header.Get("x-amz-checksum-mode") != "ENABLED" || !head.Checksum.Equal(sum) {
				t.Errorf("head with ChecksumMode: sent mode %q, got checksum %q", r.Header.Get("x-amz-checksum-mode"), head.Checksum)
			}

			get, err := objects.Get(ctx, &object.GetInput{Bucket: b, Key: "k", ChecksumMode: true})
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(get.Body)
			get.Body.Close()
			if err != nil || string(data) != content {
				t.Fatalf("get: %d bytes, %v", len(data), err)
			}
			if r := lastRequest(t, srv); r.Header.Get("x-amz-checksum-mode") != "ENABLED" || !get.Checksum.Equal(sum) {
				t.Errorf("get with ChecksumMode: sent mode %q, got checksum %q", r.Header.Get("x-amz-checksum-mode"), get.Checksum)
			}

			// The server refuses a body that does not match.
			_, err = objects.Put(ctx, &object.PutInput{Bucket: b, Key: "k", Body: strings.NewReader(content + "!"), Checksum: sum})
			var re *client.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest || re.Code != "BadDigest" {
				t.Errorf("put of a body that does not match: %v, want 400 BadDigest", err)
			}
		})
	}
}
