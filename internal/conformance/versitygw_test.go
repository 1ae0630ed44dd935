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
	onRealServer(t, d, "versitygw", realServer{srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, srv.RootCAs}, skip)
}

// onVersitygwTLS runs the suite against a versitygw of its own on https,
// through the client's default transport trusting the server's CA.
func onVersitygwTLS(t *testing.T, d client.Dialect, skip map[string]string) {
	srv := versitygwtest.StartTLS(t)
	onRealServer(t, d, "versitygw-https", realServer{srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, srv.RootCAs}, skip)
}

func TestS3Versitygw(t *testing.T) { onVersitygw(t, client.S3, versitygwGaps) }

func TestS3VersitygwTLS(t *testing.T) { onVersitygwTLS(t, client.S3, versitygwGaps) }

// IBM with HMAC keys speaks S3 with SigV4, which versitygw serves.
func TestIBMHMACVersitygw(t *testing.T) { onVersitygw(t, client.IBM, versitygwIBMGaps) }
