package object_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
)

// echoServer answers every PUT like S3 would, at next to no cost: 200, an
// ETag, and the additional checksum the request carried.
func echoServer(tls bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		if v := r.Header.Get("X-Amz-Checksum-Crc32c"); v != "" {
			w.Header().Set("X-Amz-Checksum-Crc32c", v)
		}
	})
	if tls {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func benchPut(b *testing.B, ts *httptest.Server, size int, optFns ...func(*client.Options)) {
	c, err := client.New(client.S3, append([]func(*client.Options){client.WithEndpoint(ts.URL), client.WithHTTPClient(ts.Client()),
		client.WithStaticCredentials("AKIDEXAMPLE", "secret", "")}, optFns...)...)
	if err != nil {
		b.Fatal(err)
	}
	objects := object.NewClient(c)
	data := bytes.Repeat([]byte{'x'}, size)
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := objects.Put(ctx, &object.PutInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutTLS is a default Put over https: UNSIGNED-PAYLOAD, with
// the CRC32C it carries by default (none before there was a default).
func BenchmarkPutTLS(b *testing.B) {
	ts := echoServer(true)
	defer ts.Close()
	for _, size := range []int{4 << 10, 64 << 10} {
		b.Run(sizeName(size), func(b *testing.B) { benchPut(b, ts, size) })
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return string(rune('0'+n>>20)) + "MiB"
	}
	switch n {
	case 4 << 10:
		return "4KiB"
	case 64 << 10:
		return "64KiB"
	}
	return "size"
}
