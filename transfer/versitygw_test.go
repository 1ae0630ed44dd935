package transfer

import (
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/internal/versitygwtest"
)

// TestVersitygw runs the transfer manager against versitygw, a second
// real S3 server: round trips of 0 bytes, 1 byte, one part, one part and
// a byte and many parts, from files (hashed once for their CRC32C and,
// over plain http, the signed SHA-256, then sent by the kernel), verified
// by the server's CRC32C echoes and composite checksum; the same uploads
// through proxies that make it refuse or ignore checksums; pause and
// resume; cancel (nothing left) and cancel with KeepParts, resumed by id
// and by adoption.
func TestVersitygw(t *testing.T) {
	srv := versitygwtest.Start(t)
	s := newRealServer(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey)
	if !opkit.SignsPayloads(s.c) {
		t.Fatal("the client of an http endpoint does not sign payloads")
	}
	s.roundTrips(t, 17, func(t *testing.T, up, down *Result) {
		if down.Verified == "" {
			t.Errorf("download unverified: %q", down.Unverified)
		}
	})
	if cs := s.c.ChecksumSupport(); cs != client.ChecksumSupportVerified {
		t.Errorf("ChecksumSupport = %v, want verified", cs)
	}

	// Behind proxies that make it refuse or ignore checksums.
	hostileRealServer(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, s.bkt, s.m)

	s.control(t, 71)
}
