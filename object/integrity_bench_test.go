package object_test

import (
	"testing"

	"github.com/polystore/polystore/client"
)

// BenchmarkPutIntegrity compares what Put's body integrity costs: no
// checksum (IntegrityOff), the default CRC32C, Content-MD5, over https
// (UNSIGNED-PAYLOAD) and over plain http, where the payload's SHA-256 is
// signed by default.
func BenchmarkPutIntegrity(b *testing.B) {
	for _, tls := range []bool{true, false} {
		ts := echoServer(tls)
		scheme := map[bool]string{true: "https", false: "http"}[tls]
		for _, size := range []int{4 << 10, 64 << 10} {
			for _, c := range []struct {
				name string
				opts []func(*client.Options)
			}{
				{"off-unsigned", []func(*client.Options){client.WithIntegrity(client.IntegrityOff), client.WithPayloadSigning(client.PayloadUnsigned)}},
				{"crc32c", nil},
				{"md5", []func(*client.Options){client.WithIntegrity(client.IntegrityMD5)}},
			} {
				b.Run(scheme+"/"+sizeName(size)+"/"+c.name, func(b *testing.B) { benchPut(b, ts, size, c.opts...) })
			}
		}
		ts.Close()
	}
}
