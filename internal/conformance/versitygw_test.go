package conformance

import (
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/versitygwtest"
)

// onVersitygw runs the suite against a real versitygw (posix backend)
// that the test starts on 127.0.0.1: a second S3 implementation, next to
// MinIO, with its own answers.
func onVersitygw(t *testing.T, d client.Dialect, skip map[string]string) {
	srv := versitygwtest.Start(t)
	Run(t, Harness{
		Name: d.Name + "/versitygw",
		NewClient: func(t *testing.T, optFns ...func(*client.Options)) *client.Client {
			c, err := client.New(d, append([]func(*client.Options){
				client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
				client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""),
			}, optFns...)...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Skip:        skip,
		MinPartSize: 5 << 20,
	})
}

func TestS3Versitygw(t *testing.T) { onVersitygw(t, client.S3, versitygwGaps) }

// IBM with HMAC keys speaks S3 with SigV4, which versitygw serves.
func TestIBMHMACVersitygw(t *testing.T) { onVersitygw(t, client.IBM, versitygwIBMGaps) }
