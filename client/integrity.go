package client

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/polystore/polystore/internal/httpheader"
)

// ErrRangeMismatch is matched (errors.Is) by every *RangeError: the
// answer to a read is not the byte range asked for. A server that ignored
// the Range header and sent the whole object, one whose Content-Range
// starts or ends elsewhere, or one that names another object size all
// fail this way, before any byte reaches the caller.
var ErrRangeMismatch = errors.New("polystore: the answer is not the byte range asked for")

// RangeError is an answer whose bytes are not the range asked for. It
// matches ErrRangeMismatch.
type RangeError struct {
	Dialect string
	Op      string
	// Offset and Length are the range asked for; Length 0 means to the
	// end of the object, and Offset 0 with Length 0 the whole object.
	Offset, Length int64
	// Status is the answer's HTTP status and ContentRange its
	// Content-Range header ("" if it had none).
	Status       int
	ContentRange string
	// Reason says what does not match.
	Reason string
}

// Error names the range asked for, what came back and why it does not
// fit.
func (e *RangeError) Error() string {
	asked := "the whole object"
	if e.Offset > 0 || e.Length > 0 {
		asked = "bytes=" + strconv.FormatInt(e.Offset, 10) + "-"
		if e.Length > 0 {
			asked += strconv.FormatInt(e.Offset+e.Length-1, 10)
		}
	}
	cr := "no Content-Range"
	if e.ContentRange != "" {
		cr = "Content-Range " + strconv.Quote(e.ContentRange)
	}
	return fmt.Sprintf("polystore: %s %s: asked for %s, the answer has status %d and %s: %s", e.Dialect, e.Op, asked, e.Status, cr, e.Reason)
}

// Is matches ErrRangeMismatch.
func (e *RangeError) Is(target error) bool { return target == ErrRangeMismatch }

// ErrChecksumMismatch is matched (errors.Is) by errors reporting bytes
// that differ from the checksum the service published for them: a
// *ChecksumMismatchError from the Body of object.Client.Get, and the
// transfer package's *ChecksumError.
var ErrChecksumMismatch = errors.New("polystore: checksum mismatch")

// ChecksumMismatchError reports that the bytes read do not hash to the
// checksum the service published for them. It matches
// ErrChecksumMismatch.
type ChecksumMismatchError struct {
	Dialect string
	Op      string
	// Algorithm names the check, such as "crc64", "crc32c",
	// "crc32c-composite" or "md5".
	Algorithm string
	// Want is what the service published, Got what the bytes read hash
	// to.
	Want, Got string
}

// Error names the check and both values.
func (e *ChecksumMismatchError) Error() string {
	return fmt.Sprintf("polystore: %s %s: %s mismatch: the service published %s, the bytes read hash to %s", e.Dialect, e.Op, e.Algorithm, e.Want, e.Got)
}

// Is matches ErrChecksumMismatch.
func (e *ChecksumMismatchError) Is(target error) bool { return target == ErrChecksumMismatch }

// isMD5Hex reports whether s (an ETag without quotes) has the form of a
// hex MD5: 32 hex digits. A multipart ETag ("<hex>-N") does not.
func isMD5Hex(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// encryption returns the server-side encryption an answer reports for its
// object: the value of ObjectWire.EncryptionHeader ("AES256", "aws:kms",
// "cos/kms", ...), "SSE-C" when it names a customer-provided key, or ""
// when it reports none.
func (d *Dialect) encryption(h http.Header) string {
	if p := d.Object.SSECustomerPrefix; p != "" && httpheader.Get(h, p, "algorithm") != "" {
		return "SSE-C"
	}
	if name := d.Object.EncryptionHeader; name != "" {
		return strings.TrimSpace(httpheader.Get(h, name, ""))
	}
	return ""
}

// etagIsMD5 reports whether the ETag of an answer (GET or HEAD of an
// object) is the MD5 of the object's content: it has the form of one
// (not a multipart ETag), and the object is not encrypted in a way that
// makes the ETag something else. Objects encrypted with a KMS key
// (S3 aws:kms and aws:kms:dsse, COS cos/kms) or a customer key (SSE-C)
// have ETags that are not MD5s although they may look like one; those
// encrypted with keys the service manages (AES256, S3's SSE-S3) keep
// MD5 ETags (ObjectWire.MD5ETagEncryptions).
func (d *Dialect) etagIsMD5(h http.Header) bool {
	if !isMD5Hex(strings.Trim(h.Get("ETag"), `"`)) {
		return false
	}
	switch enc := d.encryption(h); {
	case enc == "":
		return true
	case enc == "SSE-C":
		return false
	default:
		return slices.ContainsFunc(d.Object.MD5ETagEncryptions, func(v string) bool { return strings.EqualFold(v, enc) })
	}
}
