package client_test

import (
	"bytes"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// BenchmarkPrepareBody is what choosing and computing a body's integrity
// costs before it is sent, per body size: none (IntegrityOff), the
// default CRC32C, CRC32C with the signed SHA-256 (plain http), and
// Content-MD5.
func BenchmarkPrepareBody(b *testing.B) {
	for _, tc := range []struct {
		name string
		ep   string
		opts []func(*client.Options)
	}{
		{"off", "https://127.0.0.1:1", []func(*client.Options){client.WithIntegrity(client.IntegrityOff)}},
		{"crc32c", "https://127.0.0.1:1", nil},
		{"crc32c+sha256", "http://127.0.0.1:1", nil},
		{"md5", "https://127.0.0.1:1", []func(*client.Options){client.WithIntegrity(client.IntegrityMD5)}},
	} {
		c, err := client.New(client.S3, append([]func(*client.Options){client.WithEndpoint(tc.ep), client.WithStaticCredentials("AK", "SK", "")}, tc.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range []int{4 << 10, 64 << 10, 1 << 20} {
			data := bytes.Repeat([]byte{'x'}, size)
			name := map[int]string{4 << 10: "4KiB", 64 << 10: "64KiB", 1 << 20: "1MiB"}[size]
			b.Run(tc.name+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for range b.N {
					if _, err := opkit.PrepareBody(c, &opkit.BodyInput{Op: "PutObject", Body: bytes.NewReader(data)}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
