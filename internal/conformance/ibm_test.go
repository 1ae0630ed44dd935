package conformance

import (
	"testing"

	"github.com/polystore/polystore/client"
)

func TestIBMStoragetest(t *testing.T) { onStoragetest(t, client.IBM) }

// IBM with HMAC keys speaks S3 with SigV4, which MinIO serves.
func TestIBMHMACMinIO(t *testing.T) { onMinIO(t, client.IBM, minioGaps) }
