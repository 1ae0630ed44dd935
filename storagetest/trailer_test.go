package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/polystore/polystore/client"
	objectapi "github.com/polystore/polystore/object"
)

// corruptTrailer is a transport that changes one character of the
// trailing checksum of every aws-chunked body it sends.
type corruptTrailer struct{ next http.RoundTripper }

func (c corruptTrailer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Amz-Trailer") != "" && r.Body != nil {
		framed, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		i := bytes.LastIndex(framed, []byte("crc32c:")) + len("crc32c:")
		if framed[i] == 'A' {
			framed[i] = 'B'
		} else {
			framed[i] = 'A'
		}
		r.Body = io.NopCloser(bytes.NewReader(framed))
	}
	return c.next.RoundTrip(r)
}

// TestTrailingChecksum: the S3 flavour decodes aws-chunked bodies with a
// trailing checksum, stores the content, echoes the checksum, and
// refuses a trailer that does not match the bytes with BadDigest.
func TestTrailingChecksum(t *testing.T) {
	srv := start(t, client.S3)
	ctx := context.Background()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	objects := objectapi.NewClient(c)
	createBucket(t, srv, "test-bucket")
	content := bytes.Repeat([]byte("trailer"), 30000)
	out, err := objects.Put(ctx, &objectapi.PutInput{Bucket: "test-bucket", Key: "k", Body: bytes.NewReader(content), TrailingChecksum: client.ChecksumCRC32C})
	if err != nil {
		t.Fatal(err)
	}
	if want := client.ComputeChecksum(client.ChecksumCRC32C, content); !out.Checksum.Equal(want) {
		t.Errorf("echo %v, want %v", out.Checksum, want)
	}
	get, err := objects.Get(ctx, &objectapi.GetInput{Bucket: "test-bucket", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, content) {
		t.Fatalf("stored %d bytes, want the %d-byte content", len(got), len(content))
	}

	bad, err := srv.Client(client.WithHTTPClient(&http.Client{Transport: corruptTrailer{http.DefaultTransport}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = objectapi.NewClient(bad).Put(ctx, &objectapi.PutInput{Bucket: "test-bucket", Key: "k2", Body: bytes.NewReader(content), TrailingChecksum: client.ChecksumCRC32C})
	var re *client.ResponseError
	if !errors.As(err, &re) || re.Code != "BadDigest" {
		t.Fatalf("corrupted trailer: err = %v, want BadDigest", err)
	}
}
