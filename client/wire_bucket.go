package client

// BucketWire holds the wire facts of bucket and service operations that
// differ between dialects (ACL and CORS body shapes, listing parameters and
// page-size limits, versioning status values, ...). Operation code reads
// these fields; it never compares dialect names.
type BucketWire struct{}

var (
	s3BucketWire       = BucketWire{}
	ibmBucketWire      = s3BucketWire
	cosBucketWire      = BucketWire{}
	qingstorBucketWire = BucketWire{}
)
