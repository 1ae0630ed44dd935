package conformance

// versitygwGaps lists behaviours versitygw (v1.8.0, posix backend) cannot
// show, with the reason, as seen from its answers; each one is logged as
// a skip in the versitygw runs. Its additional checksums (the
// behaviours of checksum_behaviours.go) have no gap: it verifies them,
// echoes them, takes a part's CRC32C on an upload created without one
// and reports composite checksums, as S3 does.
var versitygwGaps = map[string]string{
	"BucketListObjectsURLEncoding": "versitygw lists a key holding a control character (\"ctl\\x01char\") with U+FFFD in its place, " +
		"encoding-type=url or not: the listed key (10 bytes) is not the stored one (8 bytes)",
	"BucketACLPrivate": "versitygw creates buckets with ACLs disabled (object ownership BucketOwnerEnforced, as S3 has since 2023): " +
		"PutBucketAcl answers 400 AccessControlListNotSupported",
	"BucketACLGrants": "versitygw creates buckets with ACLs disabled (BucketOwnerEnforced): PutBucketAcl answers 400 " +
		"AccessControlListNotSupported",
	"ObjectACL": "versitygw answers PutObjectAcl 501 NotImplemented",
	"BucketVersioning": "versitygw's ListObjectVersions, one entry a page, sends the same page again after the " +
		"key/version-id marker it returned (the client stops with ErrListingStalled)",
	"BucketListMultipartUploads": "versitygw refuses the upload-id-marker it returned itself, one upload a page " +
		"(400 InvalidArgument \"Invalid uploadId marker\")",
	"ObjectConditions": "versitygw ignores an If-Modified-Since in the future (RFC 9110 lets it; S3 answers 304 Not Modified)",
	"ObjectCopy": "versitygw answers a copy whose x-amz-copy-source-if-none-match matches with 304 Not Modified; " +
		"S3 answers 412 Precondition Failed",
	"ObjectDeleteMany": "versitygw lists every deleted key in a quiet DeleteObjects answer (S3 lists only errors)",
	"MultipartCompleteErrors": "versitygw answers 200 to a CompleteMultipartUpload of an unknown upload id when the key " +
		"already holds a completed multipart object, whatever the parts (its answer's ETag is computed from the request's " +
		"part ETags); S3 answers 404 NoSuchUpload. The transfer manager's HEAD after every Complete catches such an answer",
}

// versitygwIBMGaps adds, for the IBM dialect with HMAC keys, the IBM APIs
// versitygw does not serve (as MinIO does not: see minioGaps).
var versitygwIBMGaps = func() map[string]string {
	m := map[string]string{
		"BucketLocation": "versitygw answers GetBucketLocation with an empty LocationConstraint for us-east-1, " +
			"as S3 does; IBM names the location",
		"ConfigProtection": "IBM's ?protection is not an S3 API: versitygw answers GET as a plain object listing and PUT " +
			"as a bucket creation (409 BucketAlreadyOwnedByYou)",
		"ObjectLegalHolds": "IBM's per-ID legal holds need an IBM protection configuration, which versitygw does not " +
			"serve (PUT ?protection is a bucket creation there: 409 BucketAlreadyOwnedByYou)",
		"ObjectRetentionExtend": "IBM's ?extendRetention needs an IBM protection configuration, which versitygw does not " +
			"serve (409 BucketAlreadyOwnedByYou)",
		"ConfigBackupPolicies": "IBM's backup policies are a REST API of IBM's resource configuration service, which " +
			"versitygw does not serve (405 MethodNotAllowed)",
	}
	for k, v := range versitygwGaps {
		m[k] = v
	}
	return m
}()
