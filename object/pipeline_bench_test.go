package object_test

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/benchserver"
	"github.com/polystore/polystore/object"
)

// The benchmarks below measure the client's cost per request (run with
// -benchmem: allocations per operation are the figure to watch) against
// internal/benchserver, whose own cost per request is close to nothing,
// so that allocs/op is the client's. Compare runs with benchstat.

func benchClient(b *testing.B, optFns ...func(*client.Options)) *object.Client {
	b.Helper()
	srv, err := benchserver.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	c, err := client.New(client.S3, append([]func(*client.Options){
		client.WithEndpoint(srv.URL),
		client.WithRegion("us-east-1"),
		client.WithStaticCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
	}, optFns...)...)
	if err != nil {
		b.Fatal(err)
	}
	return object.NewClient(c)
}

var benchSizes = []int{4 << 10, 64 << 10}

func BenchmarkPut(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			oc := benchClient(b)
			ctx := context.Background()
			data := bytes.Repeat([]byte{'x'}, n)
			key := "bench-" + strconv.Itoa(n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			var out *object.PutOutput
			for b.Loop() {
				var err error
				if out, err = oc.Put(ctx, &object.PutInput{Bucket: "bench", Key: key, Body: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
			}
			// The default path: the CRC32C (which benchserver echoes),
			// not the Content-MD5 a server that echoes none gets.
			if out.Verified != "crc32c" {
				b.Fatalf("Verified %q (%s), want crc32c", out.Verified, out.Unverified)
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			oc := benchClient(b)
			ctx := context.Background()
			key := "bench-" + strconv.Itoa(n)
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out, err := oc.Get(ctx, &object.GetInput{Bucket: "bench", Key: key})
				if err != nil {
					b.Fatal(err)
				}
				got, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{out.Body}, buf)
				out.Body.Close()
				if err != nil || got != int64(n) {
					b.Fatalf("read %d bytes, %v; want %d (verified %q)", got, err, n, out.Verified)
				}
				// benchserver publishes the CRC32C the object would have
				// been stored with: the default read checks it.
				if out.Verified != "crc32c" {
					b.Fatalf("verified %q (%q), want crc32c", out.Verified, out.Unverified)
				}
			}
		})
	}
}

func BenchmarkHead(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			oc := benchClient(b)
			ctx := context.Background()
			key := "bench-" + strconv.Itoa(n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out, err := oc.Head(ctx, &object.HeadInput{Bucket: "bench", Key: key})
				if err != nil {
					b.Fatal(err)
				}
				if out.ContentLength != int64(n) {
					b.Fatalf("ContentLength %d, want %d", out.ContentLength, n)
				}
			}
		})
	}
}

func BenchmarkDelete(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			oc := benchClient(b)
			ctx := context.Background()
			key := "bench-" + strconv.Itoa(n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := oc.Delete(ctx, &object.DeleteInput{Bucket: "bench", Key: key}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// presignStyles are the addressing styles a presigned URL can take: a
// custom endpoint path-style, a custom endpoint with the bucket in the
// host, and the dialect's own virtual-host endpoint template.
var presignStyles = []struct {
	name string
	opts []func(*client.Options)
}{
	{"path", []func(*client.Options){client.WithEndpoint("http://127.0.0.1:9000")}},
	{"vhost-endpoint", []func(*client.Options){client.WithEndpoint("http://127.0.0.1:9000"), client.WithAddressing(client.VirtualHost)}},
	{"vhost-dialect", nil},
}

func presignClient(b *testing.B, optFns []func(*client.Options)) *object.Client {
	b.Helper()
	c, err := client.New(client.S3, append([]func(*client.Options){
		client.WithRegion("us-east-1"),
		client.WithStaticCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
	}, optFns...)...)
	if err != nil {
		b.Fatal(err)
	}
	return object.NewClient(c)
}

func BenchmarkPresignGet(b *testing.B) {
	for _, st := range presignStyles {
		b.Run(st.name, func(b *testing.B) {
			oc := presignClient(b, st.opts)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				p, err := oc.PresignGet(ctx, &object.GetInput{Bucket: "bench", Key: "photos/2026/a.jpg"}, 15*time.Minute)
				if err != nil || p.URL == "" {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPresignPut(b *testing.B) {
	for _, st := range presignStyles {
		b.Run(st.name, func(b *testing.B) {
			oc := presignClient(b, st.opts)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				p, err := oc.PresignPut(ctx, &object.PutInput{Bucket: "bench", Key: "photos/2026/a.jpg", ContentType: "image/jpeg"}, 15*time.Minute)
				if err != nil || p.URL == "" {
					b.Fatal(err)
				}
			}
		})
	}
}
