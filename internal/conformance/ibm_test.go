package conformance

import (
	"testing"

	"github.com/polystore/polystore/client"
)

func TestIBMStoragetest(t *testing.T) { onStoragetest(t, client.IBM) }

// IBM with HMAC keys speaks S3 with SigV4, which MinIO serves. MinIO
// encodes the CommonPrefixes of an encoding-type=url listing like its
// keys, which IBM COS does not (client.ObjectListWire.RawCommonPrefixes):
// the dialect is copied with that fact set to MinIO's.
func TestIBMHMACMinIO(t *testing.T) {
	d := client.IBM
	d.Bucket.Objects.RawCommonPrefixes = false
	onMinIO(t, d, minioGaps)
}

// TestIBMHMACMinIOTLS is TestIBMHMACMinIO over https, as IBM COS's
// endpoints are.
func TestIBMHMACMinIOTLS(t *testing.T) {
	d := client.IBM
	d.Bucket.Objects.RawCommonPrefixes = false
	onMinIOTLS(t, d, minioGaps)
}
