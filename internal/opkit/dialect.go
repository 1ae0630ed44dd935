package opkit

import (
	"net/http"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/protocol"
)

// The Dialect's rules and wire facts that need the client's internals:
// client implements them unexported and hands them over at its
// initialisation (client/export.go); the functions below are their
// fronts for the operation packages.
var (
	canTrail               = protocol.Import[func(*client.Dialect, *client.Options) bool]("canTrail")
	checkACL               = protocol.Import[func(*client.Dialect, client.CannedACL, []client.Grant) error]("checkACL")
	checkBucket            = protocol.Import[func(*client.Dialect, string) error]("checkBucket")
	checkChecksum          = protocol.Import[func(*client.Dialect, string, client.Checksum) error]("checkChecksum")
	checkChecksumAlgorithm = protocol.Import[func(*client.Dialect, string, client.ChecksumAlgorithm) error]("checkChecksumAlgorithm")
	checkCopySourceSSE     = protocol.Import[func(*client.Dialect, string, *client.SSECustomer) error]("checkCopySourceSSE")
	checkLegalHoldID       = protocol.Import[func(*client.Dialect, string, string) error]("checkLegalHoldID")
	checkMetadata          = protocol.Import[func(*client.Dialect, map[string]string) error]("checkMetadata")
	checkObjectOptions     = protocol.Import[func(*client.Dialect, ObjectOptions) error]("checkObjectOptions")
	checkPartNumber        = protocol.Import[func(*client.Dialect, string, int) error]("checkPartNumber")
	checkRetention         = protocol.Import[func(*client.Dialect, string, *client.Retention) error]("checkRetention")
	checkRetentionSeconds  = protocol.Import[func(*client.Dialect, string, time.Duration, bool) error]("checkRetentionSeconds")
	checkStorageClass      = protocol.Import[func(*client.Dialect, client.StorageClass) error]("checkStorageClass")
	checkTrailingChecksum  = protocol.Import[func(*client.Dialect, string, client.ChecksumAlgorithm, client.Checksum) error]("checkTrailingChecksum")
	checksumNeedOf         = protocol.Import[func(*client.Dialect, string) client.ChecksumNeed]("checksumNeedOf")
	checksumRefused        = protocol.Import[func(*client.Dialect, error) bool]("checksumRefused")
	copySourceValue        = protocol.Import[func(*client.Dialect, string, string, string, string) string]("copySourceValue")
	etagIsMD5              = protocol.Import[func(*client.Dialect, http.Header) bool]("etagIsMD5")
	encryption             = protocol.Import[func(*client.Dialect, http.Header) string]("encryption")
	hasIntegrityHeader     = protocol.Import[func(*client.Dialect, http.Header) bool]("hasIntegrityHeader")
	requireChecksum        = protocol.Import[func(*client.Dialect, http.Header, *Body) error]("requireChecksum")
	responseChecksum       = protocol.Import[func(*client.Dialect, http.Header) (client.Checksum, bool)]("responseChecksum")
	setACL                 = protocol.Import[func(*client.Dialect, http.Header, client.CannedACL, []client.Grant)]("setACL")
	setChecksum            = protocol.Import[func(*client.Dialect, http.Header, client.Checksum)]("setChecksum")
	setChecksumAlgorithm   = protocol.Import[func(*client.Dialect, http.Header, client.ChecksumAlgorithm)]("setChecksumAlgorithm")
	setObjectOptions       = protocol.Import[func(*client.Dialect, http.Header, ObjectOptions)]("setObjectOptions")
	setRetention           = protocol.Import[func(*client.Dialect, http.Header, *client.Retention)]("setRetention")
	setSSECustomer         = protocol.Import[func(*client.Dialect, http.Header, *client.SSECustomer, bool)]("setSSECustomer")
	setTrailingChecksum    = protocol.Import[func(*client.Dialect, *Request, client.ChecksumAlgorithm, string)]("setTrailingChecksum")
	validateKey            = protocol.Import[func(*client.Dialect, string) error]("validateKey")
	requestID              = protocol.Import[func(*client.Dialect, interface{ Get(string) string }) string]("requestID")
	errorKind              = protocol.Import[func(*client.Dialect, string, int) error]("errorKind")
	dialectOf              = protocol.Import[func(*client.Client) *client.Dialect]("dialectOf")
)

// ObjectOptions are the settings shared by requests that write an object
// (put, copy, initiate multipart, append), for CheckObjectOptions and
// SetObjectOptions.
type ObjectOptions = protocol.ObjectOptions[client.StorageClass, client.CannedACL, client.Grant, client.SSECustomer, client.Retention]

// CanTrail reports whether a request signed with o can carry a trailing
// checksum on this dialect: the dialect has FeatureTrailingChecksums and
// the signer is SigV4 (the dialect's default, or a *signer.V4).
func CanTrail(d *client.Dialect, o *client.Options) bool { return canTrail(d, o) }

// CheckACL accepts an empty ACL and no grants, or the dialect's canned
// ACLs and grant permissions. A dialect without object ACLs refuses any.
func CheckACL(d *client.Dialect, acl client.CannedACL, grants []client.Grant) error {
	return checkACL(d, acl, grants)
}

// CheckBucket validates a bucket name with the dialect's rules.
func CheckBucket(d *client.Dialect, name string) error { return checkBucket(d, name) }

// CheckChecksum validates a checksum a request will carry in field: none,
// or a known algorithm with a digest of the right length, on a dialect
// with FeatureChecksums. Composite values are answers, not inputs.
func CheckChecksum(d *client.Dialect, field string, c client.Checksum) error {
	return checkChecksum(d, field, c)
}

// CheckChecksumAlgorithm validates the algorithm a multipart upload is
// declared with in field.
func CheckChecksumAlgorithm(d *client.Dialect, field string, a client.ChecksumAlgorithm) error {
	return checkChecksumAlgorithm(d, field, a)
}

// CheckCopySourceSSE validates the SSE-C key of a copy source.
func CheckCopySourceSSE(d *client.Dialect, field string, k *client.SSECustomer) error {
	return checkCopySourceSSE(d, field, k)
}

// CheckLegalHoldID checks a legal hold ID against the dialect's length
// and character rules.
func CheckLegalHoldID(d *client.Dialect, field string, id string) error {
	return checkLegalHoldID(d, field, id)
}

// CheckMetadata enforces header-safe names and values and the dialect's
// total size limit (Limits.MaxMetadataSize, names plus values). An error
// about one entry names it: "Metadata[color]".
func CheckMetadata(d *client.Dialect, m map[string]string) error { return checkMetadata(d, m) }

// CheckObjectOptions validates o for the dialect: content headers that
// net/http could send (no control characters), metadata names, values and
// total size, storage class, ACL and grants, SSE-C key. Errors name the
// input field ("ContentType", "Metadata[color]", ...).
func CheckObjectOptions(d *client.Dialect, o *ObjectOptions) error {
	return checkObjectOptions(d, *o)
}

// CheckPartNumber checks n against the dialect's part numbering:
// FirstPartNumber (0 for QingStor, 1 elsewhere) up to MaxParts numbers.
func CheckPartNumber(d *client.Dialect, field string, n int) error {
	return checkPartNumber(d, field, n)
}

// CheckRetention validates r (nil is valid) for the dialect; field
// prefixes the names of the fields an error names ("Retention").
func CheckRetention(d *client.Dialect, field string, r *client.Retention) error {
	return checkRetention(d, field, r)
}

// CheckRetentionSeconds checks a retention duration: not negative (zero
// only if zeroOK), whole seconds, and no longer than the dialect's
// longest protection (Bucket.Protection.MaxDays).
func CheckRetentionSeconds(d *client.Dialect, field string, p time.Duration, zeroOK bool) error {
	return checkRetentionSeconds(d, field, p, zeroOK)
}

// CheckStorageClass accepts "" and the dialect's storage classes.
func CheckStorageClass(d *client.Dialect, sc client.StorageClass) error {
	return checkStorageClass(d, sc)
}

// CheckTrailingChecksum validates a request's TrailingChecksum field: a
// known algorithm, not together with a given checksum, on a dialect with
// FeatureTrailingChecksums.
func CheckTrailingChecksum(d *client.Dialect, field string, a client.ChecksumAlgorithm, given client.Checksum) error {
	return checkTrailingChecksum(d, field, a, given)
}

// ChecksumNeedOf returns how much the dialect needs an integrity header
// on the request of operation op (an Op.Name).
func ChecksumNeedOf(d *client.Dialect, op string) client.ChecksumNeed { return checksumNeedOf(d, op) }

// ChecksumRefused reports whether err may be the server refusing a
// request for carrying an additional checksum: a 501, or a 400 with one
// of the dialect's ChecksumRefusalCodes or without a body (a HEAD's). Only the same request sent
// without it (with Content-MD5 instead) tells: if that succeeds, the
// server refuses them (record it with Client.RecordChecksumSupport).
func ChecksumRefused(d *client.Dialect, err error) bool { return checksumRefused(d, err) }

// CopySourceValue renders the copy-source header value for bucket, key and
// (optionally) versionID in region, from ObjectWire.CopySource.
func CopySourceValue(d *client.Dialect, region string, bucket string, key string, versionID string) string {
	return copySourceValue(d, region, bucket, key, versionID)
}

// ETagIsMD5 reports whether the ETag of an answer (GET or HEAD of an
// object) is the MD5 of the object's content: it has the form of one
// (not a multipart ETag), and the object is not encrypted in a way that
// makes the ETag something else. Objects encrypted with a KMS key
// (S3 aws:kms and aws:kms:dsse, COS cos/kms) or a customer key (SSE-C)
// have ETags that are not MD5s although they may look like one; those
// encrypted with keys the service manages (AES256, S3's SSE-S3) keep
// MD5 ETags (ObjectWire.MD5ETagEncryptions).
func ETagIsMD5(d *client.Dialect, h http.Header) bool { return etagIsMD5(d, h) }

// Encryption returns the server-side encryption an answer reports for its
// object: the value of ObjectWire.EncryptionHeader ("AES256", "aws:kms",
// "cos/kms", ...), "SSE-C" when it names a customer-provided key, or ""
// when it reports none.
func Encryption(d *client.Dialect, h http.Header) string { return encryption(d, h) }

// HasIntegrityHeader reports whether h carries a header with which the
// service checks the request body: Content-MD5 and, on dialects with
// FeatureChecksums, an additional checksum (HeaderPrefix +
// "checksum-crc32c", ...) or a trailing checksum (HeaderPrefix +
// "trailer"). A signed payload hash (a hex x-amz-content-sha256) is
// not: the vendors list Content-MD5 and the x-amz-checksum-* headers as
// what a checksum-required request must carry (IBM's API reference,
// S3's "Content-MD5 OR x-amz-checksum-* HTTP header is required"), not
// the signature's hash. Nor are the checksum-algorithm and
// checksum-mode headers: they carry no digest.
func HasIntegrityHeader(d *client.Dialect, h http.Header) bool { return hasIntegrityHeader(d, h) }

// RequireChecksum makes sure a request with headers h and body body
// (nil for none) carries an integrity header: when h has none it sets
// the Content-MD5 of the body, of the empty body too. A body that can be
// read only once cannot be hashed before it is sent: that is an
// *InvalidArgumentError on "Body". Operations call it from Serialize
// when their input makes a checksum required (IBM: a PUT with retention
// headers), after setting their own checksum headers.
func RequireChecksum(d *client.Dialect, h http.Header, body *Body) error {
	return requireChecksum(d, h, body)
}

// ResponseChecksum returns the checksum a response reports in an
// x-amz-checksum-<algorithm> header, on dialects with FeatureChecksums.
// A malformed value is ignored.
func ResponseChecksum(d *client.Dialect, h http.Header) (client.Checksum, bool) {
	return responseChecksum(d, h)
}

// SetACL writes a canned ACL and grant headers.
func SetACL(d *client.Dialect, h http.Header, acl client.CannedACL, grants []client.Grant) {
	setACL(d, h, acl, grants)
}

// SetChecksum sets the header carrying c (nothing for a zero c).
func SetChecksum(d *client.Dialect, h http.Header, c client.Checksum) { setChecksum(d, h, c) }

// SetChecksumAlgorithm sets the header declaring the checksum algorithm
// of a multipart upload's parts (nothing for ChecksumNone).
func SetChecksumAlgorithm(d *client.Dialect, h http.Header, a client.ChecksumAlgorithm) {
	setChecksumAlgorithm(d, h, a)
}

// SetObjectOptions writes o into request headers h.
func SetObjectOptions(d *client.Dialect, h http.Header, o *ObjectOptions) {
	setObjectOptions(d, h, *o)
}

// SetRetention writes the retention headers of r (nil writes none).
func SetRetention(d *client.Dialect, h http.Header, r *client.Retention) { setRetention(d, h, r) }

// SetSSECustomer writes the SSE-C headers for k (nil writes none). With
// copySource set it writes the copy-source variants.
func SetSSECustomer(d *client.Dialect, h http.Header, k *client.SSECustomer, copySource bool) {
	setSSECustomer(d, h, k, copySource)
}

// SetTrailingChecksum turns r's body into an aws-chunked body whose
// checksum in algorithm a is computed as it is sent and follows it as a
// trailer, and sets the headers that announce it. contentEncoding is the
// object's own Content-Encoding, if any (aws-chunked is listed first, as
// S3 strips it). Check CanTrail first.
func SetTrailingChecksum(d *client.Dialect, r *Request, a client.ChecksumAlgorithm, contentEncoding string) {
	setTrailingChecksum(d, r, a, contentEncoding)
}

// ValidateKey checks an object key against the dialect: not empty, valid
// UTF-8, at most Limits.MaxKeyLength bytes.
func ValidateKey(d *client.Dialect, key string) error { return validateKey(d, key) }

// RequestID returns the request id of a response with headers h, per
// the dialect.
func RequestID(d *client.Dialect, h http.Header) string { return requestID(d, h) }

// ErrorKind maps an error code (or, failing that, an HTTP status) to
// the kind sentinel errors.Is matches (client.ErrNotFound, ...), per
// the dialect; nil if none.
func ErrorKind(d *client.Dialect, code string, status int) error { return errorKind(d, code, status) }

// DialectOf returns c's own dialect, not a copy: read it, never write
// it. Operation code uses it where Client.Dialect's copy would move to
// the heap (passed to the functions above).
func DialectOf(c *client.Client) *client.Dialect { return dialectOf(c) }
