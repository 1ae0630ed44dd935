package conformance

import (
	"testing"

	"github.com/polystore/polystore/client"
)

func TestS3Storagetest(t *testing.T) { onStoragetest(t, client.S3) }

func TestS3MinIO(t *testing.T) { onMinIO(t, client.S3, minioGaps) }

func TestS3MinIOTLS(t *testing.T) { onMinIOTLS(t, client.S3, minioGaps) }
