package object_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/internal/versitygwtest"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// realServer is the address and keys of a real S3 server.
type realServer struct{ url, region, ak, sk string }

func (s realServer) client(t *testing.T, endpoint string) *client.Client {
	t.Helper()
	c, err := client.New(client.S3, client.WithEndpoint(endpoint), client.WithRegion(s.region), client.WithStaticCredentials(s.ak, s.sk, ""))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// proxyTo is a proxy on 127.0.0.1 in front of target that refuses
// requests carrying an additional checksum (refuse: B2's 400
// InvalidArgument) or strips every checksum the answers echo.
func proxyTo(t *testing.T, target string, refuse bool) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		for k := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
				resp.Header.Del(k)
			}
		}
		return nil
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse && hasChecksum(r.Header) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `<Error><Code>InvalidArgument</Code><Message>Unsupported header 'x-amz-checksum-crc32c' received for this API call.</Message></Error>`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// realServerIntegrity: on a real server, Put and UploadPart carry a
// CRC32C by default (a one-shot stream as an aws-chunked trailer), which
// the server verifies and echoes, over plain http with the payload's
// SHA-256 signed; behind a proxy that refuses or ignores checksums they
// fall back to Content-MD5, which the server checks.
func realServerIntegrity(t *testing.T, s realServer) {
	ctx := context.Background()
	c := s.client(t, s.url)
	bkt := fmt.Sprintf("integrity-%d", time.Now().UnixNano())
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("real server "), 50000)
	objects := object.NewClient(c)
	for name, body := range map[string]func() io.Reader{
		"replayable": func() io.Reader { return bytes.NewReader(data) },
		"one-shot":   func() io.Reader { return io.MultiReader(bytes.NewReader(data)) },
	} {
		out, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: name, Body: body(), Size: int64(len(data))})
		if err != nil || out.Verified != "crc32c" {
			t.Errorf("%s Put = %+v, %v; want crc32c", name, out, err)
		}
	}
	up, err := multipart.NewClient(c).Initiate(ctx, &multipart.InitiateInput{Bucket: bkt, Key: "mp"})
	if err != nil {
		t.Fatal(err)
	}
	part, err := multipart.NewClient(c).UploadPart(ctx, &multipart.UploadPartInput{Bucket: bkt, Key: "mp", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(data)})
	if err != nil || part.Verified != "crc32c" {
		t.Errorf("UploadPart of an upload without a checksum algorithm = %+v, %v; want crc32c", part, err)
	}
	if s := c.ChecksumSupport(); s != client.ChecksumSupportVerified {
		t.Errorf("ChecksumSupport = %v", s)
	}
	for _, refuse := range []bool{true, false} {
		hc := s.client(t, proxyTo(t, s.url, refuse))
		for i := range 2 {
			key := fmt.Sprintf("hostile-%v-%d", refuse, i)
			out, err := object.NewClient(hc).Put(ctx, &object.PutInput{Bucket: bkt, Key: key, Body: bytes.NewReader(data)})
			if err != nil || out.Verified != "md5" {
				t.Errorf("refuse %v, Put %d = %+v, %v; want md5", refuse, i, out, err)
			}
			got, _, err := readAll(t, objects, &object.GetInput{Bucket: bkt, Key: key})
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("refuse %v: read back %d bytes, %v", refuse, len(got), err)
			}
		}
		want := map[bool]client.ChecksumSupport{true: client.ChecksumSupportRefused, false: client.ChecksumSupportIgnored}[refuse]
		if s := hc.ChecksumSupport(); s != want {
			t.Errorf("refuse %v: ChecksumSupport = %v, want %v", refuse, s, want)
		}
	}
}

func TestIntegrityMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	realServerIntegrity(t, realServer{srv.URL, srv.Region, srv.AccessKey, srv.SecretKey})
}

func TestIntegrityVersitygw(t *testing.T) {
	srv := versitygwtest.Start(t)
	realServerIntegrity(t, realServer{srv.URL, srv.Region, srv.AccessKey, srv.SecretKey})
}
