package conformance

import (
	"crypto/tls"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/versitygwtest"
)

// onVersitygw runs the suite against a real versitygw (posix backend)
// that the test starts on 127.0.0.1: a second S3 implementation, next to
// MinIO, with its own answers.
func onVersitygw(t *testing.T, d client.Dialect, skip map[string]string) {
	onVersitygwServer(t, d, versitygwtest.Start(t), "versitygw", skip)
}

// onVersitygwTLS runs the suite against a versitygw of its own on https,
// through the client's default transport trusting the server's CA.
func onVersitygwTLS(t *testing.T, d client.Dialect, skip map[string]string) {
	onVersitygwServer(t, d, versitygwtest.StartTLS(t), "versitygw-https", skip)
}

func onVersitygwServer(t *testing.T, d client.Dialect, srv *versitygwtest.Server, name string, skip map[string]string) {
	var base []func(*client.Options)
	if srv.RootCAs != nil {
		base = append(base, client.WithTLSConfig(&tls.Config{RootCAs: srv.RootCAs}))
	}
	Run(t, Harness{
		Name: d.Name + "/" + name,
		NewClient: func(t *testing.T, optFns ...func(*client.Options)) *client.Client {
			c, err := client.New(d, append(append([]func(*client.Options){
				client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
				client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""),
			}, base...), optFns...)...)
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

func TestS3VersitygwTLS(t *testing.T) { onVersitygwTLS(t, client.S3, versitygwGaps) }

// IBM with HMAC keys speaks S3 with SigV4, which versitygw serves.
func TestIBMHMACVersitygw(t *testing.T) { onVersitygw(t, client.IBM, versitygwIBMGaps) }
