package client

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
)

// ChecksumAlgorithm is one of the additional checksums S3 (and the
// S3-compatible servers that implement "flexible checksums") verify
// against a request body and store with the object: sent in an
// x-amz-checksum-<algorithm> header, checked by the server before it
// acknowledges the write. Dialects with FeatureChecksums accept them.
type ChecksumAlgorithm int

// Checksum algorithms. ChecksumNone is the zero value: no checksum.
const (
	ChecksumNone ChecksumAlgorithm = iota
	// ChecksumCRC32 is CRC-32/ISO-HDLC (the IEEE polynomial).
	ChecksumCRC32
	// ChecksumCRC32C is CRC-32/ISCSI (the Castagnoli polynomial). It is
	// the cheapest to compute on current CPUs, tens of GiB/s with the
	// SSE4.2 or ARMv8 CRC instructions Go's hash/crc32 uses.
	ChecksumCRC32C
	// ChecksumSHA1 is SHA-1.
	ChecksumSHA1
	// ChecksumSHA256 is SHA-256.
	ChecksumSHA256
	// ChecksumCRC64NVME is CRC-64/NVME. S3 treats it as a whole-object
	// checksum only: it is not valid for the parts of a composite
	// multipart checksum.
	ChecksumCRC64NVME
)

var checksumNames = [...]string{
	ChecksumNone:      "NONE",
	ChecksumCRC32:     "CRC32",
	ChecksumCRC32C:    "CRC32C",
	ChecksumSHA1:      "SHA1",
	ChecksumSHA256:    "SHA256",
	ChecksumCRC64NVME: "CRC64NVME",
}

var checksumSizes = [...]int{
	ChecksumCRC32:     4,
	ChecksumCRC32C:    4,
	ChecksumSHA1:      sha1.Size,
	ChecksumSHA256:    sha256.Size,
	ChecksumCRC64NVME: 8,
}

// String returns the algorithm's wire name: "CRC32", "CRC32C", "SHA1",
// "SHA256", "CRC64NVME", or "NONE".
func (a ChecksumAlgorithm) String() string {
	if a.valid() || a == ChecksumNone {
		return checksumNames[a]
	}
	return "ChecksumAlgorithm(" + strconv.Itoa(int(a)) + ")"
}

// Values returns every algorithm, ChecksumNone first.
func (ChecksumAlgorithm) Values() []ChecksumAlgorithm {
	return []ChecksumAlgorithm{ChecksumNone, ChecksumCRC32, ChecksumCRC32C, ChecksumSHA1, ChecksumSHA256, ChecksumCRC64NVME}
}

func (a ChecksumAlgorithm) valid() bool { return a > ChecksumNone && a <= ChecksumCRC64NVME }

// Size is the length in bytes of the algorithm's raw digest (0 for
// ChecksumNone and unknown values).
func (a ChecksumAlgorithm) Size() int {
	if !a.valid() {
		return 0
	}
	return checksumSizes[a]
}

// crc64NVMETable is CRC-64/NVME: polynomial 0xad93d23594c93659, reflected.
var crc64NVMETable = crc64.MakeTable(0x9a6c9329ac4bc9b5)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// New returns a hash computing the algorithm's digest; its Sum is the raw
// value Checksum.Value holds. It returns nil for ChecksumNone and unknown
// values.
func (a ChecksumAlgorithm) New() hash.Hash {
	switch a {
	case ChecksumCRC32:
		return crc32.NewIEEE()
	case ChecksumCRC32C:
		return crc32.New(castagnoli)
	case ChecksumSHA1:
		return sha1.New()
	case ChecksumSHA256:
		return sha256.New()
	case ChecksumCRC64NVME:
		return crc64.New(crc64NVMETable)
	}
	return nil
}

// headerSuffix is the algorithm's part of the header name, such as
// "checksum-crc32c".
func (a ChecksumAlgorithm) headerSuffix() string {
	return "checksum-" + strings.ToLower(checksumNames[a])
}

// lowerNames are the algorithms' names in lower case ("crc32c"), as
// Verified strings spell them.
var lowerNames = func() (n [len(checksumNames)]string) {
	for i, name := range checksumNames {
		n[i] = strings.ToLower(name)
	}
	return n
}()

// amzChecksumHeaders are the canonical names of the x-amz-checksum-*
// headers, built once: requests and answers carry them often enough
// that building them each time shows in allocation profiles.
var amzChecksumHeaders = func() (h [len(checksumNames)]string) {
	for a := ChecksumCRC32; a <= ChecksumCRC64NVME; a++ {
		h[a] = http.CanonicalHeaderKey("x-amz-" + a.headerSuffix())
	}
	return h
}()

// checksumHeader is the canonical name of the header carrying a checksum
// in a (valid) algorithm, such as "X-Amz-Checksum-Crc32c".
func (d *Dialect) checksumHeader(a ChecksumAlgorithm) string {
	if d.HeaderPrefix == "x-amz-" {
		return amzChecksumHeaders[a]
	}
	return http.CanonicalHeaderKey(d.HeaderPrefix + a.headerSuffix())
}

// Checksum is a digest of an object's or a part's content in one of the
// additional checksum algorithms. The zero value means no checksum.
type Checksum struct {
	Algorithm ChecksumAlgorithm
	// Value is the raw digest, Algorithm.Size() bytes (big-endian for the
	// CRCs, as the wire's base64 carries them).
	Value []byte
	// Parts is, for the checksum of an object assembled by a multipart
	// upload, the number of parts: Value is then the digest of the
	// concatenated raw digests of the parts (S3's "composite" checksum,
	// written base64-N on the wire). It is 0 for a digest of the content.
	Parts int
}

// IsZero reports whether c holds no checksum.
func (c Checksum) IsZero() bool { return c.Algorithm == ChecksumNone }

// String returns the wire form: the base64 of Value, followed by "-N" for
// a composite checksum of N parts.
func (c Checksum) String() string {
	if c.IsZero() {
		return ""
	}
	s := base64.StdEncoding.EncodeToString(c.Value)
	if c.Parts > 0 {
		s += "-" + strconv.Itoa(c.Parts)
	}
	return s
}

// Equal reports whether c and o are the same checksum.
func (c Checksum) Equal(o Checksum) bool {
	return c.Algorithm == o.Algorithm && c.Parts == o.Parts && string(c.Value) == string(o.Value)
}

// ComputeChecksum returns the checksum of data in algorithm a.
func ComputeChecksum(a ChecksumAlgorithm, data []byte) Checksum {
	h := a.New()
	if h == nil {
		return Checksum{}
	}
	h.Write(data)
	return Checksum{Algorithm: a, Value: h.Sum(nil)}
}

// ParseChecksum parses the wire form of a checksum in algorithm a: base64,
// optionally followed by "-N" (a composite checksum of N parts).
func ParseChecksum(a ChecksumAlgorithm, s string) (Checksum, error) {
	if !a.valid() {
		return Checksum{}, fmt.Errorf("unknown checksum algorithm %v", a)
	}
	c := Checksum{Algorithm: a}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 1 {
			return Checksum{}, fmt.Errorf("%s checksum %q: bad part count", a, s)
		}
		c.Parts, s = n, s[:i]
	}
	v, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return Checksum{}, fmt.Errorf("%s checksum %q: %w", a, s, err)
	}
	if len(v) != a.Size() {
		return Checksum{}, fmt.Errorf("%s checksum %q: %d bytes, want %d", a, s, len(v), a.Size())
	}
	c.Value = v
	return c, nil
}

// CompositeChecksum returns the checksum S3 reports for an object
// assembled from parts whose checksums are given in part order: the
// digest, in the parts' algorithm, of their concatenated raw digests,
// with Parts set. All parts must use one algorithm other than
// ChecksumCRC64NVME.
func CompositeChecksum(parts []Checksum) (Checksum, error) {
	if len(parts) == 0 {
		return Checksum{}, errors.New("no parts")
	}
	a := parts[0].Algorithm
	if !a.valid() || a == ChecksumCRC64NVME {
		return Checksum{}, fmt.Errorf("%v has no composite form", a)
	}
	h := a.New()
	for i, p := range parts {
		if p.Algorithm != a || len(p.Value) != a.Size() || p.Parts != 0 {
			return Checksum{}, fmt.Errorf("part %d: not a %s checksum of content", i, a)
		}
		h.Write(p.Value)
	}
	return Checksum{Algorithm: a, Value: h.Sum(nil), Parts: len(parts)}, nil
}

// checkChecksum validates a checksum a request will carry in field: none,
// or a known algorithm with a digest of the right length, on a dialect
// with FeatureChecksums. Composite values are answers, not inputs.
func (d *Dialect) checkChecksum(field string, c Checksum) error {
	if c.IsZero() {
		if c.Value != nil {
			return InvalidArgument(field, "has a Value but no Algorithm")
		}
		return nil
	}
	if !c.Algorithm.valid() {
		return InvalidArgument(field+".Algorithm", "unknown checksum algorithm %d", int(c.Algorithm))
	}
	if !d.Has(FeatureChecksums) {
		return NotSupported(d, field, "additional checksums ("+c.Algorithm.String()+")")
	}
	if len(c.Value) != c.Algorithm.Size() {
		return InvalidArgument(field+".Value", "a %s digest is %d bytes, got %d", c.Algorithm, c.Algorithm.Size(), len(c.Value))
	}
	if c.Parts != 0 {
		return InvalidArgument(field+".Parts", "must be 0: a request carries the checksum of its own content")
	}
	return nil
}

// checkChecksumAlgorithm validates the algorithm a multipart upload is
// declared with in field.
func (d *Dialect) checkChecksumAlgorithm(field string, a ChecksumAlgorithm) error {
	switch {
	case a == ChecksumNone:
		return nil
	case !a.valid():
		return InvalidArgument(field, "unknown checksum algorithm %d", int(a))
	case !d.Has(FeatureChecksums):
		return NotSupported(d, field, "additional checksums ("+a.String()+")")
	case a == ChecksumCRC64NVME:
		return InvalidArgument(field, "CRC64NVME is a whole-object checksum; multipart parts take CRC32, CRC32C, SHA1 or SHA256")
	}
	return nil
}

// setChecksum sets the header carrying c (nothing for a zero c).
func (d *Dialect) setChecksum(h http.Header, c Checksum) {
	if c.IsZero() {
		return
	}
	h[d.checksumHeader(c.Algorithm)] = []string{c.String()}
}

// setChecksumAlgorithm sets the header declaring the checksum algorithm
// of a multipart upload's parts (nothing for ChecksumNone).
func (d *Dialect) setChecksumAlgorithm(h http.Header, a ChecksumAlgorithm) {
	if a == ChecksumNone {
		return
	}
	h.Set(d.HeaderPrefix+"checksum-algorithm", a.String())
}

// responseChecksum returns the checksum a response reports in an
// x-amz-checksum-<algorithm> header, on dialects with FeatureChecksums.
// A malformed value is ignored.
func (d *Dialect) responseChecksum(h http.Header) (Checksum, bool) {
	if !d.Has(FeatureChecksums) {
		return Checksum{}, false
	}
	for a := ChecksumCRC32; a <= ChecksumCRC64NVME; a++ {
		if v := h.Get(d.checksumHeader(a)); v != "" {
			if c, err := ParseChecksum(a, v); err == nil {
				return c, true
			}
		}
	}
	return Checksum{}, false
}

// checksumElement is the XML element name S3 uses for a checksum in
// algorithm a inside Part and result documents, such as "ChecksumCRC32C".
// It returns "" for ChecksumNone and unknown values.
func checksumElement(a ChecksumAlgorithm) string {
	if !a.valid() {
		return ""
	}
	return "Checksum" + checksumNames[a]
}
