package transfer

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/internal/versitygwtest"
)

// wireLog records, per attempt and after the client's own steps (signing
// included), how each PutObject and UploadPart request carries its
// checksum, keyed by object key.
type wireLog struct {
	mu    sync.Mutex
	sends map[string][]wireSend
}

// wireSend is how one request carried its body's checksum.
type wireSend struct {
	part          bool   // an UploadPart (else a PutObject)
	contentSHA256 string // X-Amz-Content-Sha256
	trailer       string // X-Amz-Trailer
	header        bool   // an X-Amz-Checksum-Crc32c header
}

func (l *wireLog) step(s *middleware.Stack) error {
	return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("TestWireLog",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if r, ok := in.Request.(*smithyhttp.Request); ok && r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" {
				q := r.URL.Query()
				key := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
				send := wireSend{
					part:          q.Has("partNumber") && q.Has("uploadId"),
					contentSHA256: r.Header.Get("X-Amz-Content-Sha256"),
					trailer:       r.Header.Get("X-Amz-Trailer"),
					header:        r.Header.Get("X-Amz-Checksum-Crc32c") != "",
				}
				l.mu.Lock()
				if l.sends == nil {
					l.sends = map[string][]wireSend{}
				}
				l.sends[key] = append(l.sends[key], send)
				l.mu.Unlock()
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

func (l *wireLog) of(key string) []wireSend {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wireSend(nil), l.sends[key]...)
}

// TestMinIOTLS runs overTLS against a real MinIO on https.
func TestMinIOTLS(t *testing.T) {
	srv := miniotest.StartTLS(t)
	overTLS(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, srv.RootCAs, 11)
}

// TestVersitygwTLS runs overTLS against versitygw on https.
func TestVersitygwTLS(t *testing.T) {
	srv := versitygwtest.StartTLS(t)
	overTLS(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, srv.RootCAs, 13)
}

// overTLS runs the round trips and the pause, resume, cancel and adopt
// controls against a real server on https, through the client's default
// transport trusting the server's CA: the way users reach every real
// endpoint. With the manager's default (TrailersAuto) every part goes
// out as STREAMING-UNSIGNED-PAYLOAD-TRAILER with its CRC32C as an
// aws-chunked trailer, which the server decodes and checks (a wrong
// framing or checksum fails the part, a stored framing fails the
// download's comparison); a single PUT is UNSIGNED-PAYLOAD with the
// CRC32C in a header (an empty one signs the empty hash). The server
// publishes the composite of the trailed part checksums.
func overTLS(t *testing.T, url, region, ak, sk string, roots *x509.CertPool, seed uint64) {
	wire := &wireLog{}
	s := newRealServer(t, url, region, ak, sk,
		client.WithTLSConfig(&tls.Config{RootCAs: roots}), client.WithAPIOptions(wire.step))
	if opkit.SignsPayloads(s.c) {
		t.Error("the client of an https endpoint signs payloads")
	}
	s.roundTrips(t, seed, func(t *testing.T, up, down *Result) {
		multipart := up.UploadID != ""
		if want := map[bool]string{false: "crc32c", true: "crc32c-composite"}[multipart]; down.Verified != want {
			t.Errorf("download verified %q (%q), want %q", down.Verified, down.Unverified, want)
		}
		sends := wire.of(up.Key)
		if len(sends) == 0 {
			t.Fatalf("no PUT of %q seen", up.Key)
		}
		parts := 0
		for i, w := range sends {
			if w.part != multipart {
				t.Errorf("request %d of %q: an UploadPart %v, want %v", i, up.Key, w.part, multipart)
				continue
			}
			want := wireSend{part: false, contentSHA256: "UNSIGNED-PAYLOAD", header: true}
			if up.Size == 0 {
				// No body: the signer signs the empty string's hash.
				want.contentSHA256 = hex.EncodeToString(sha256.New().Sum(nil))
			}
			if multipart {
				parts++
				want = wireSend{part: true, contentSHA256: "STREAMING-UNSIGNED-PAYLOAD-TRAILER", trailer: "x-amz-checksum-crc32c"}
			}
			if w != want {
				t.Errorf("request %d of %q carried %+v, want %+v", i, up.Key, w, want)
			}
		}
		if multipart && parts < up.Parts {
			t.Errorf("%d part requests sent for %q, of %d parts", parts, up.Key, up.Parts)
		}
	})
	s.control(t, seed+60)
	if got := s.c.ChecksumSupport(); got != client.ChecksumSupportVerified {
		t.Errorf("checksum support after the uploads: %v, want verified", got)
	}
}
