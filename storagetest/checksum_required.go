package storagetest

import (
	"github.com/polystore/polystore/client"

	"github.com/polystore/polystore/internal/opkit"
)

// Integrity headers the vendors require.
//
// An operation the dialect's ChecksumRequired lists (by operation name:
// the S3 model's httpChecksumRequired operations on S3 and IBM, IBM's
// own additions such as CompleteMultipartUpload, COS's document PUTs and
// POSTs, QingStor's Delete Multiple Objects) is refused 400
// MissingContentMD5 ("Missing required header for this request:
// Content-MD5", S3's answer) when it carries no integrity header:
// Content-MD5, an additional checksum or a trailing checksum
// (client.Dialect.HasIntegrityHeader; a signed payload hash is not one).
// client.ChecksumWithBody operations are refused only
// when they have a body; client.ChecksumIfReplayable ones are the
// client's courtesy, not the server's rule, and are checked by
// requireUploadChecksum instead.

// checkRequiredChecksum refuses a call to an operation that requires an
// integrity header when it carries none.
func (c *call) checkRequiredChecksum() error {
	d := &c.s.dialect
	need := opkit.ChecksumNeedOf(d, c.op)
	switch {
	case need != client.ChecksumRequired && need != client.ChecksumWithBody:
		return nil
	case opkit.HasIntegrityHeader(d, c.r.Header):
		return nil
	case need == client.ChecksumWithBody && c.r.ContentLength == 0:
		return nil
	}
	return kindError(errMissingContentMD5)
}

// requireUploadChecksum refuses, on dialects whose retention wire says
// so (IBM), an upload without an integrity header that carries retention
// headers or goes to a bucket with a protection configuration: "A
// Content-MD5 header or a checksum header ... is required as an
// integrity check for the payload for any type of object upload request
// against a bucket with a retention policy" (IBM's immutable.md).
func (c *call) requireUploadChecksum(retentionHeaders bool) error {
	d := &c.s.dialect
	if !d.Object.Retention.UploadChecksum || opkit.HasIntegrityHeader(d, c.r.Header) {
		return nil
	}
	protected := retentionHeaders
	if !protected {
		_ = c.s.store.readBucket(c.bucket, func(b *bucket) error {
			protected = c.s.protectionOf(b) != nil
			return nil
		})
	}
	if protected {
		return kindError(errMissingContentMD5)
	}
	return nil
}
