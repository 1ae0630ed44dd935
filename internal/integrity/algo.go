// Package integrity holds what object.Get and the transfer manager share
// to verify downloaded bytes end to end: the digests a service publishes
// (COS's CRC-64, S3's additional checksums, MD5 ETags), the choice of the
// check a download can make (Choose), the combination of range CRCs into
// the CRC of the whole object without the data (Combiner), composite
// checksums, a verifier for bytes read in order (Stream), and the
// conventions polystore's uploads follow so that every object they write
// can be verified later (PartSizeMeta, FormatETag).
package integrity

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"

	"github.com/polystore/polystore/client"
)

// Algo is a digest a check computes.
type Algo uint8

// Digests. The CRCs can be combined from the CRCs of consecutive ranges
// (Combinable); the others need the bytes in order.
const (
	None Algo = iota
	// CRC64ECMA is CRC-64/ECMA-182 as COS computes x-cos-hash-crc64ecma.
	CRC64ECMA
	CRC32
	CRC32C
	CRC64NVME
	SHA1
	SHA256
	MD5
)

// Reflected polynomials of the CRCs, and their widths in bits.
var crcSpecs = map[Algo]struct {
	poly  uint64
	width int
}{
	CRC64ECMA: {crc64.ECMA, 64},
	CRC32:     {crc32.IEEE, 32},
	CRC32C:    {crc32.Castagnoli, 32},
	CRC64NVME: {0x9a6c9329ac4bc9b5, 64},
}

var (
	ecmaTable = crc64.MakeTable(crc64.ECMA)
	nvmeTable = crc64.MakeTable(0x9a6c9329ac4bc9b5)
	castTable = crc32.MakeTable(crc32.Castagnoli)
)

var algoNames = [...]string{
	None: "none", CRC64ECMA: "crc64", CRC32: "crc32", CRC32C: "crc32c", CRC64NVME: "crc64nvme",
	SHA1: "sha1", SHA256: "sha256", MD5: "md5",
}

// String returns the digest's name as Result.Verified spells it: "crc64"
// (COS's CRC-64/ECMA), "crc32", "crc32c", "crc64nvme", "sha1", "sha256"
// or "md5".
func (a Algo) String() string {
	if int(a) < len(algoNames) {
		return algoNames[a]
	}
	return "Algo(" + strconv.Itoa(int(a)) + ")"
}

// Combinable reports whether a is a CRC, whose value over A‖B follows
// from its values over A and B and the length of B.
func (a Algo) Combinable() bool { _, ok := crcSpecs[a]; return ok }

// Size is the length in bytes of a's raw digest.
func (a Algo) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64ECMA, CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	case MD5:
		return md5.Size
	}
	return 0
}

// New returns a hash computing a; its Sum is the raw digest (big-endian
// for the CRCs). It returns nil for None.
func (a Algo) New() hash.Hash {
	switch a {
	case CRC64ECMA:
		return crc64.New(ecmaTable)
	case CRC64NVME:
		return crc64.New(nvmeTable)
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castTable)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case MD5:
		return md5.New()
	}
	return nil
}

// FromChecksum returns the digest of an additional checksum algorithm.
func FromChecksum(a client.ChecksumAlgorithm) Algo {
	switch a {
	case client.ChecksumCRC32:
		return CRC32
	case client.ChecksumCRC32C:
		return CRC32C
	case client.ChecksumCRC64NVME:
		return CRC64NVME
	case client.ChecksumSHA1:
		return SHA1
	case client.ChecksumSHA256:
		return SHA256
	}
	return None
}

// Format renders a raw digest of a as the service writes it: decimal for
// COS's CRC-64, hex for MD5, base64 (the x-amz-checksum-* form) for the
// others.
func (a Algo) Format(raw []byte) string {
	switch a {
	case CRC64ECMA:
		if len(raw) == 8 {
			return strconv.FormatUint(binary.BigEndian.Uint64(raw), 10)
		}
	case MD5:
		return hex.EncodeToString(raw)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// CRCValue returns a raw CRC digest as a number.
func CRCValue(raw []byte) uint64 {
	switch len(raw) {
	case 4:
		return uint64(binary.BigEndian.Uint32(raw))
	case 8:
		return binary.BigEndian.Uint64(raw)
	}
	return 0
}

// CRCBytes returns v as a raw digest of a (4 or 8 bytes, big-endian).
func (a Algo) CRCBytes(v uint64) []byte {
	if a.Size() == 4 {
		return binary.BigEndian.AppendUint32(nil, uint32(v))
	}
	return binary.BigEndian.AppendUint64(nil, v)
}
