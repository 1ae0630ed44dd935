package transfer

import (
	"encoding/hex"
	"io"
	"maps"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/internal/opkit"
)

// What an upload records so that a later download can verify the object
// (see the package documentation, "Integrity"). Single PUTs need nothing:
// every dialect publishes a checksum of such an object (COS's CRC-64, the
// CRC32C sent on S3 and IBM, the MD5 ETag elsewhere). For objects sent in
// parts:
//
//   - COS publishes the CRC-64 of the whole object.
//   - S3 and IBM publish a composite checksum, the CRC32C of the parts'
//     CRC32Cs; the upload records its part size in the object's metadata
//     (integrity.PartSizeMeta), so a download reads the parts as its
//     ranges and recomputes it.
//   - QingStor computes no checksum and no ETag for an assembled object:
//     its Complete keeps the ETag the request names. The upload names one
//     that holds the CRC-32C of the whole content, combined from the
//     parts' CRC-32Cs without reading the data again
//     (integrity.FormatETag).

// initiateOptions returns the stored properties a multipart upload is
// started with: the caller's, plus the part size where the server will
// publish a composite checksum. The caller's metadata is not changed, and
// the part size is left out if it would not fit the dialect's metadata
// limit or the caller set the name.
func (u *uploadJob) initiateOptions() ObjectOptions {
	opts := u.in.ObjectOptions
	if u.checksumAlgorithm() == client.ChecksumNone {
		return opts
	}
	for k := range opts.Metadata {
		if strings.EqualFold(k, integrity.PartSizeMeta) {
			return opts
		}
	}
	meta := maps.Clone(opts.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	u.mu.Lock()
	meta[integrity.PartSizeMeta] = strconv.FormatInt(u.partSize, 10)
	u.mu.Unlock()
	if opkit.CheckMetadata(u.d, meta) != nil {
		return opts
	}
	opts.Metadata = meta
	return opts
}

// verifiableKinds are the checksums parts need, beyond the integrity
// mode's, for completeETag: a CRC-32C next to the MD5 where the dialect's
// Complete takes the object's ETag. It costs a few hundredths of a second
// per GiB.
func (u *uploadJob) verifiableKinds() sumKind {
	if u.d.Object.CompleteETagHeader != "" && u.kinds&sumMD5 != 0 {
		return sumCRC32C
	}
	return 0
}

// completeETag returns the ETag a Complete gives the object on dialects
// that take one (QingStor): integrity.FormatETag of the parts' MD5s and
// the CRC-32C of the whole content, combined from the parts'. A part
// without a CRC-32C (one adopted from the server) is hashed from the
// source again if the source can be read at will. It returns "" when a
// digest is missing (IntegrityOff; a stream's adopted part): the object
// then has no ETag a download can verify.
func (u *uploadJob) completeETag() string {
	if u.d.Object.CompleteETagHeader == "" || u.o.Integrity == IntegrityOff {
		return ""
	}
	u.mu.Lock()
	n, ps := u.nparts, u.partSize
	recs := make([]*partRec, n)
	for i := range recs {
		recs[i] = u.parts[i]
	}
	u.mu.Unlock()
	md5s := make([][]byte, n)
	c := integrity.NewCombiner(integrity.CRC32C)
	for i, p := range recs {
		if p == nil {
			return ""
		}
		md5s[i] = p.sums.md5
		if md5s[i] == nil {
			md5s[i], _ = hex.DecodeString(strings.Trim(p.etag, `"`)) // a part's ETag is its MD5
		}
		crc, ok := p.sums.crc32c, p.sums.hasCRC32C
		if !ok && u.src.size >= 0 {
			s, err := hashSection(io.NewSectionReader(u.src.ra, int64(i)*ps, p.size), sumCRC32C, nil)
			crc, ok = s.crc32c, err == nil
		}
		if !ok {
			return ""
		}
		c.Append(uint64(crc), p.size)
	}
	return integrity.FormatETag(md5s, uint32(integrity.CRCValue(c.Sum())))
}
