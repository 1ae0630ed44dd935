package client

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
)

// ChecksumNeed says whether the request of an operation must carry an
// integrity header: Content-MD5, an additional checksum
// (x-amz-checksum-*), a trailing checksum (x-amz-trailer) or a signed
// payload hash (a hex x-amz-content-sha256). Dialect.ChecksumRequired
// gives it per operation; the zero value is ChecksumOptional.
type ChecksumNeed int

// Checksum needs.
const (
	// ChecksumOptional: the request may go without an integrity header.
	ChecksumOptional ChecksumNeed = iota
	// ChecksumRequired: the request must carry one, whatever its body,
	// the empty body included (the S3 model's httpChecksumRequired and
	// requestChecksumRequired operations). A body that can be read only
	// once cannot be hashed before it is sent: such a request is refused
	// with an *InvalidArgumentError on Body before anything is sent.
	ChecksumRequired
	// ChecksumWithBody: the request must carry one when it has a body;
	// a request without one goes without (COS requires Content-MD5 on
	// "PUT and POST requests that have a request body"). A one-shot body
	// is refused as under ChecksumRequired.
	ChecksumWithBody
	// ChecksumIfReplayable: the request carries one whenever its body
	// can be read twice, unless the call turned integrity off
	// (IntegrityOff); a one-shot body is sent without. IBM refuses an
	// upload (PutObject, UploadPart) without one to a bucket with a
	// retention policy, which the client cannot see; IBM's SDKs add
	// Content-MD5 to every upload whose body they can rewind. The default
	// integrity (IntegrityAuto) gives such uploads their CRC32C already;
	// this need covers the rest.
	ChecksumIfReplayable
)

// String names the need: "optional", "required", "with-body" or
// "if-replayable".
func (n ChecksumNeed) String() string {
	switch n {
	case ChecksumOptional:
		return "optional"
	case ChecksumRequired:
		return "required"
	case ChecksumWithBody:
		return "with-body"
	case ChecksumIfReplayable:
		return "if-replayable"
	}
	return fmt.Sprintf("ChecksumNeed(%d)", int(n))
}

// Values returns every checksum need.
func (ChecksumNeed) Values() []ChecksumNeed {
	return []ChecksumNeed{ChecksumOptional, ChecksumRequired, ChecksumWithBody, ChecksumIfReplayable}
}

// EmptyContentMD5 is the Content-MD5 of an empty body,
// "1B2M2Y8AsgTpgAmY7PhCfg==".
const EmptyContentMD5 = "1B2M2Y8AsgTpgAmY7PhCfg=="

// hasIntegrityHeader reports whether h carries a header with which the
// service checks the request body: Content-MD5 and, on dialects with
// FeatureChecksums, an additional checksum (HeaderPrefix +
// "checksum-crc32c", ...) or a trailing checksum (HeaderPrefix +
// "trailer"). A signed payload hash (a hex x-amz-content-sha256) is
// not: the vendors list Content-MD5 and the x-amz-checksum-* headers as
// what a checksum-required request must carry (IBM's API reference,
// S3's "Content-MD5 OR x-amz-checksum-* HTTP header is required"), not
// the signature's hash. Nor are the checksum-algorithm and
// checksum-mode headers: they carry no digest.
func (d *Dialect) hasIntegrityHeader(h http.Header) bool {
	if h.Get("Content-MD5") != "" {
		return true
	}
	if !d.Has(FeatureChecksums) {
		return false
	}
	if h.Get(d.HeaderPrefix+"trailer") != "" {
		return true
	}
	for _, a := range ChecksumAlgorithm(0).Values()[1:] {
		if h.Get(d.HeaderPrefix+a.headerSuffix()) != "" {
			return true
		}
	}
	return false
}

// requireChecksum makes sure a request with headers h and body body
// (nil for none) carries an integrity header: when h has none it sets
// the Content-MD5 of the body, of the empty body too. A body that can be
// read only once cannot be hashed before it is sent: that is an
// *InvalidArgumentError on "Body". Operations call it from Serialize
// when their input makes a checksum required (IBM: a PUT with retention
// headers), after setting their own checksum headers.
func (d *Dialect) requireChecksum(h http.Header, body *payload) error {
	return setRequiredChecksum(d, ChecksumRequired, h, body)
}

// checksumNeedOf returns how much the dialect needs an integrity header
// on the request of operation op (an Op.Name).
func (d *Dialect) checksumNeedOf(op string) ChecksumNeed { return d.ChecksumRequired[op] }

// setRequiredChecksum sets the Content-MD5 of body in h when need asks
// for one and h has no integrity header.
func setRequiredChecksum(d *Dialect, need ChecksumNeed, h http.Header, body *payload) error {
	if need == ChecksumOptional || d.hasIntegrityHeader(h) {
		return nil
	}
	empty := body == nil || body.Len == 0
	switch {
	case need == ChecksumIfReplayable && body != nil && body.IntegrityOff:
		return nil
	case empty && need == ChecksumWithBody:
		return nil
	case empty:
		h.Set("Content-MD5", EmptyContentMD5)
		return nil
	case !body.Replay:
		if need == ChecksumIfReplayable {
			return nil
		}
		return InvalidArgument("Body", "the %s dialect requires an integrity header (Content-MD5 or a checksum) on this request, and a body that can be read only once cannot be hashed before it is sent; pass an io.ReaderAt or io.Seeker, or the body's checksum", d.Name)
	}
	sum, err := bodyMD5(body)
	if err != nil {
		return err
	}
	h.Set("Content-MD5", sum)
	return nil
}

// bodyMD5 returns the base64 MD5 of a replayable body, read once more.
func bodyMD5(b *payload) (string, error) {
	r, err := bodyReader(b)
	if err != nil {
		return "", err
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	h := md5.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", fmt.Errorf("reading Body for its Content-MD5: %w", err)
	}
	if n != b.Len {
		return "", fmt.Errorf("reading Body for its Content-MD5: got %d bytes, want %d", n, b.Len)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}
