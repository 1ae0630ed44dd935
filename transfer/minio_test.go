package transfer

import (
	"testing"

	"github.com/polystore/polystore/internal/miniotest"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// TestMinIO runs the transfer manager against a real S3 server: round
// trips of 0 bytes, 1 byte, one part, one part and a byte and many parts;
// pause and resume; cancel (no upload left) and cancel with KeepParts
// (the upload remains and is resumed, by id and by adoption).
func TestMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	s := newRealServer(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey)
	s.roundTrips(t, 7, func(t *testing.T, up, down *Result) {
		// Single PUTs carry a CRC32C, multipart uploads a CRC32C per
		// part and their part size: MinIO publishes the checksum,
		// composite for the latter.
		if want := map[bool]string{true: "crc32c", false: "crc32c-composite"}[up.UploadID == ""]; down.Verified != want {
			t.Errorf("download verified %q (%q), want %q", down.Verified, down.Unverified, want)
		}
	})
	s.control(t, 70)
}
