package integrity

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// PartSizeMeta is the user-metadata name (without the dialect's prefix)
// under which polystore's transfer manager records the part size of an
// object it uploads in parts. Where the service publishes a composite
// checksum (S3 and IBM: a checksum of the parts' checksums), the part
// size is what a download needs to recompute it from the bytes it reads.
const PartSizeMeta = "polystore-part-size"

// etagCRCTag separates the multipart ETag from the CRC-32C in the ETags
// polystore gives objects on dialects whose Complete takes one.
const etagCRCTag = "-crc32c-"

// FormatETag returns the ETag polystore's transfer manager gives an
// object it assembles from parts on a dialect whose Complete Multipart
// Upload takes the object's ETag (client.ObjectWire.CompleteETagHeader:
// QingStor, which computes none itself): S3's multipart form, the MD5 of
// the parts' raw MD5s, "-" and the part count, followed by "-crc32c-" and
// the CRC-32C of the whole content in 8 hex digits. The MD5 part keeps
// the ETag as distinctive as S3's; the CRC lets a download verify the
// content at a CRC's cost. It returns "" if a part's MD5 is missing.
func FormatETag(partMD5s [][]byte, crc32c uint32) string {
	if len(partMD5s) == 0 {
		return ""
	}
	h := md5.New()
	for _, m := range partMD5s {
		if len(m) != md5.Size {
			return ""
		}
		h.Write(m)
	}
	return fmt.Sprintf("%x-%d%s%08x", h.Sum(nil), len(partMD5s), etagCRCTag, crc32c)
}

// ParseETag returns the CRC-32C held by an ETag made by FormatETag.
func ParseETag(etag string) (uint32, bool) {
	etag = strings.Trim(etag, `"`)
	head, crc, ok := strings.Cut(etag, etagCRCTag)
	if !ok || len(crc) != 8 {
		return 0, false
	}
	sum, n, ok := strings.Cut(head, "-")
	if !ok || !opkit.IsMD5Hex(sum) {
		return 0, false
	}
	if k, err := strconv.Atoi(n); err != nil || k < 1 {
		return 0, false
	}
	v, err := strconv.ParseUint(crc, 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// Facts are what a GET or HEAD answer tells about an object's content.
type Facts struct {
	// Size is the object's size.
	Size int64
	// ETag is the object's ETag, without quotes.
	ETag string
	// OpaqueETag says the ETag is not an MD5 of the content even if it
	// looks like one (client.Dialect.ETagIsMD5 said no: a KMS or
	// customer key), and Encryption names the encryption, for messages.
	OpaqueETag bool
	Encryption string
	// CRC64 is COS's CRC-64/ECMA of the object (HasCRC64).
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the additional checksum the service reported:
	// of the content, or composite (Parts > 0).
	Checksum client.Checksum
	// Metadata is the object's user metadata: names lower case,
	// without the dialect's prefix.
	Metadata map[string]string
}

// Kind says what a Plan checks.
type Kind uint8

// Plan kinds.
const (
	// Unverified: nothing published can be checked; Plan.Reason says
	// why.
	Unverified Kind = iota
	// Whole: a digest of the whole content. A CRC can be combined from
	// ranges read in any order; MD5 and SHA need the bytes in order.
	Whole
	// Composite: a digest of the digests of parts of PartSize bytes (the
	// last one shorter), S3's checksum of a multipart object.
	Composite
)

// Plan is the check a download of an object can make.
type Plan struct {
	Kind Kind
	Algo Algo
	// Want is the published digest, raw.
	Want []byte
	// PartSize and Parts are a composite's layout.
	PartSize int64
	Parts    int
	// Reason says why the plan is Unverified.
	Reason string
}

// Name is the check as Result.Verified names it: the digest's name,
// with "-composite" for a composite checksum ("crc32c-composite"); ""
// for Unverified.
func (p Plan) Name() string {
	switch p.Kind {
	case Whole:
		return p.Algo.String()
	case Composite:
		return p.Algo.String() + "-composite"
	}
	return ""
}

// Sequential reports whether the plan needs the bytes in order (MD5 or
// SHA of the whole content).
func (p Plan) Sequential() bool { return p.Kind == Whole && !p.Algo.Combinable() }

// Off is the plan of a download whose checks are turned off.
func Off(why string) Plan { return Plan{Kind: Unverified, Reason: why} }

// Choose returns the cheapest check the facts allow, in this order: COS's
// CRC-64; an additional checksum of the content that is a CRC (CRC32C,
// CRC32, CRC64NVME), combined from ranges; a composite checksum whose
// part layout is known (the part size polystore records in
// PartSizeMeta, or a single part); the CRC-32C in an ETag made by
// FormatETag; an additional SHA1 or SHA256 checksum of the content; an
// MD5 ETag. CRCs cost a few hundredths of a second per GiB, MD5 and SHA
// over half a second and, for a download, the bytes in order.
func Choose(f Facts) Plan {
	if f.HasCRC64 {
		return Plan{Kind: Whole, Algo: CRC64ECMA, Want: CRC64ECMA.CRCBytes(f.CRC64)}
	}
	sum := f.Checksum
	a := FromChecksum(sum.Algorithm)
	if a != None && len(sum.Value) == a.Size() && sum.Parts == 0 && a.Combinable() {
		return Plan{Kind: Whole, Algo: a, Want: bytes.Clone(sum.Value)}
	}
	reason := ""
	if a != None && len(sum.Value) == a.Size() && sum.Parts > 0 {
		if ps, ok := layout(f, sum.Parts); ok {
			return Plan{Kind: Composite, Algo: a, Want: bytes.Clone(sum.Value), PartSize: ps, Parts: sum.Parts}
		}
		reason = fmt.Sprintf("the object's %s checksum is composite (of %d parts) and their sizes are unknown", sum.Algorithm, sum.Parts)
	}
	if crc, ok := ParseETag(f.ETag); ok {
		return Plan{Kind: Whole, Algo: CRC32C, Want: CRC32C.CRCBytes(uint64(crc))}
	}
	if a != None && len(sum.Value) == a.Size() && sum.Parts == 0 {
		return Plan{Kind: Whole, Algo: a, Want: bytes.Clone(sum.Value)}
	}
	if opkit.IsMD5Hex(f.ETag) && !f.OpaqueETag {
		raw, _ := hex.DecodeString(f.ETag)
		return Plan{Kind: Whole, Algo: MD5, Want: raw}
	}
	if reason != "" {
		return Plan{Kind: Unverified, Reason: reason}
	}
	switch {
	case opkit.IsMD5Hex(f.ETag):
		enc := f.Encryption
		if enc == "" {
			enc = "encryption"
		}
		reason = "the service published no checksum and the ETag is not an MD5 of the content (" + enc + ")"
	case strings.Contains(f.ETag, "-"):
		reason = "the service published no checksum of this multipart object"
	default:
		reason = "the service published no checksum and the ETag is not an MD5"
	}
	return Plan{Kind: Unverified, Reason: reason}
}

// layout returns the part size of a composite checksum of n parts: the
// one polystore recorded, if it fits the object's size, or the object's
// size for a single part.
func layout(f Facts, n int) (int64, bool) {
	if v, ok := f.Metadata[PartSizeMeta]; ok {
		ps, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err == nil && ps > 0 && f.Size > 0 && (f.Size+ps-1)/ps == int64(n) {
			return ps, true
		}
	}
	if n == 1 && f.Size >= 0 {
		return max(f.Size, 1), true
	}
	return 0, false
}

// CompositeOf returns the composite digest of parts' raw digests: the
// digest, in a, of their concatenation.
func CompositeOf(a Algo, parts [][]byte) []byte {
	h := a.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}
