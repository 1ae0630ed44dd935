package transfer

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/transfer/transferapi"
)

// crcTable is CRC-64/ECMA-182 as COS computes x-cos-hash-crc64ecma.
var crcTable = crc64.MakeTable(crc64.ECMA)

// castagnoli is CRC-32C, the cheapest additional checksum of S3.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sumKind says which checksums to compute.
type sumKind uint8

const (
	sumMD5 sumKind = 1 << iota
	sumCRC
	sumCRC32C
	// sumSHA256 is the SHA-256 a signed payload carries
	// (x-amz-content-sha256), computed in the same read as the part's
	// checksums when the API signs payloads.
	sumSHA256
)

// sums are the checksums of one part.
type sums struct {
	md5       []byte // raw, nil if not computed
	crc       uint64
	hasCRC    bool
	crc32c    uint32
	hasCRC32C bool
	sha256    []byte // raw, nil if not computed
}

// checksum returns the CRC32C as an additional checksum, or the zero
// value if it was not computed.
func (s sums) checksum() client.Checksum {
	if !s.hasCRC32C {
		return client.Checksum{}
	}
	return client.Checksum{Algorithm: client.ChecksumCRC32C, Value: binary.BigEndian.AppendUint32(nil, s.crc32c)}
}

// crc32cOf returns the CRC32C held by an additional checksum.
func crc32cOf(c client.Checksum) (uint32, bool) {
	if c.Algorithm != client.ChecksumCRC32C || len(c.Value) != 4 || c.Parts != 0 {
		return 0, false
	}
	return binary.BigEndian.Uint32(c.Value), true
}

func (s sums) md5Hex() string {
	if s.md5 == nil {
		return ""
	}
	return hex.EncodeToString(s.md5)
}

// hasher computes the checksums of kinds over what is written to it.
type hasher struct {
	kinds  sumKind
	md5    hash.Hash
	crc    hash.Hash64
	crc32c hash.Hash32
	sha256 hash.Hash
	w      io.Writer
}

func newHasher(kinds sumKind) *hasher {
	h := &hasher{kinds: kinds}
	var ws []io.Writer
	if kinds&sumMD5 != 0 {
		h.md5 = md5.New()
		ws = append(ws, h.md5)
	}
	if kinds&sumCRC != 0 {
		h.crc = crc64.New(crcTable)
		ws = append(ws, h.crc)
	}
	if kinds&sumCRC32C != 0 {
		h.crc32c = crc32.New(castagnoli)
		ws = append(ws, h.crc32c)
	}
	if kinds&sumSHA256 != 0 {
		h.sha256 = sha256.New()
		ws = append(ws, h.sha256)
	}
	switch len(ws) {
	case 0:
		h.w = io.Discard
	case 1:
		h.w = ws[0]
	default:
		h.w = io.MultiWriter(ws...)
	}
	return h
}

func (h *hasher) Write(p []byte) (int, error) { return h.w.Write(p) }

func (h *hasher) sums() sums {
	var s sums
	if h.md5 != nil {
		s.md5 = h.md5.Sum(nil)
	}
	if h.crc != nil {
		s.crc, s.hasCRC = h.crc.Sum64(), true
	}
	if h.crc32c != nil {
		s.crc32c, s.hasCRC32C = h.crc32c.Sum32(), true
	}
	if h.sha256 != nil {
		s.sha256 = h.sha256.Sum(nil)
	}
	return s
}

// hashBufs are the buffers hashSection reads a source through: large, so
// that re-reading a file part takes few system calls.
var hashBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyBufSize is the size of the buffer a download range is copied
// through (Manager.buffer, one per range in flight). A socket read on a
// fast connection fills it: a GiB takes 8192 reads, not 16384 as with
// 64 KiB, for about a sixth less download CPU. Kept off the Go heap, it adds
// exactly its size to the resident memory, not twice that through the
// collector's heap target; 256 KiB would save a little more CPU and cost
// the download RSS target.
const copyBufSize = 128 << 10

// hashSection reads r once and returns its checksums; progress, if not
// nil, is told of each chunk hashed.
func hashSection(r io.Reader, kinds sumKind, progress func(int64)) (sums, error) {
	if kinds == 0 && progress == nil {
		return sums{}, nil // nothing to compute: do not read the part twice
	}
	h := newHasher(kinds)
	bp := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(bp)
	buf := *bp
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			if progress != nil {
				progress(int64(n))
			}
		}
		if err == io.EOF {
			return h.sums(), nil
		}
		if err != nil {
			return sums{}, err
		}
	}
}

// isMD5ETag reports whether an ETag is a plain hex MD5 (a single-PUT
// object or an unencrypted part), not a multipart or encrypted ETag.
func isMD5ETag(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	for i := 0; i < len(etag); i++ {
		c := etag[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func formatCRC(v uint64) string { return strconv.FormatUint(v, 10) }

// crc64Combine returns the CRC-64/ECMA of A‖B from crcA = CRC(A),
// crcB = CRC(B) and lenB = len(B), without the data: CRC(A‖B) is CRC(A)
// advanced over lenB zero bytes (a linear map over GF(2), applied by
// repeated squaring) xor CRC(B). Both CRCs are the finalised (inverted)
// values hash/crc64 returns.
func crc64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	// op is the operator "feed one zero bit" on the 64-bit register of
	// the reflected polynomial.
	var op, sq [64]uint64
	op[0] = crc64.ECMA
	for i := 1; i < 64; i++ {
		op[i] = 1 << (i - 1)
	}
	square(&sq, &op) // 2 zero bits
	square(&op, &sq) // 4 zero bits
	// op is now "feed 4 bits"; square it to get one byte, two bytes, ...
	for {
		square(&sq, &op) // first pass: 8 bits = 1 byte
		if lenB&1 != 0 {
			crcA = apply(&sq, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		square(&op, &sq)
		if lenB&1 != 0 {
			crcA = apply(&op, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

// apply multiplies the GF(2) matrix m by the vector v.
func apply(m *[64]uint64, v uint64) uint64 {
	var r uint64
	for i := 0; v != 0; i, v = i+1, v>>1 {
		if v&1 != 0 {
			r ^= m[i]
		}
	}
	return r
}

// square sets dst to m×m.
func square(dst, m *[64]uint64) {
	for i := range dst {
		dst[i] = apply(m, m[i])
	}
}

// Checksum negotiation: what the manager does on a server that refuses
// or ignores the CRC32C additional checksums IntegrityAuto sends on
// dialects with client.FeatureChecksums. It shares what it learns with
// the client under the API (transferapi.Client implements negotiator), so that a
// later upload and the client's own calls (object.Client.Put) send
// Content-MD5 from the start, and the other way round.

// negotiator is implemented by APIs over a client.Client (transferapi.Client).
type negotiator interface {
	ChecksumSupport() client.ChecksumSupport
	RecordChecksumSupport(s client.ChecksumSupport, op, detail string)
}

// trailerNegotiator is implemented by APIs over a client.Client
// (transferapi.Client): whether its requests go over https, and what it
// learned of the server's trailing checksums.
type trailerNegotiator interface {
	UsesTLS() bool
	TrailersRefused() bool
	RecordTrailersRefused()
}

// trailersWanted reports whether the task's CRC32Cs go as trailing
// checksums (Options.TrailingChecksums), on the parts of a multipart
// upload (parts) or on a single PUT.
func (u *uploadJob) trailersWanted(parts bool) bool {
	if !u.d.Has(client.FeatureTrailingChecksums) {
		return false
	}
	switch u.o.TrailingChecksums {
	case TrailersOn:
		return true
	case TrailersAuto:
		n, ok := u.api.(trailerNegotiator)
		return parts && ok && n.UsesTLS() && !n.TrailersRefused()
	}
	return false
}

// confirmTrailerRefusal records with the API's client, once, that its
// server refused or ignored a trailer, now that a request with the
// checksum in a header went through: the client's later tasks and
// requests then send no trailers by default.
func (u *uploadJob) confirmTrailerRefusal() {
	if !u.trailRefusal.Load() || !u.trailRecorded.CompareAndSwap(false, true) {
		return
	}
	if n, ok := u.api.(trailerNegotiator); ok {
		n.RecordTrailersRefused()
	}
}

// payloadSigner is implemented by APIs whose requests sign their
// payload's SHA-256 (transferapi.Client over plain http, by default).
type payloadSigner interface{ SignsPayloads() bool }

// checksumsFallBack reports whether the API's client already knows that
// its server refuses or ignores additional checksums.
func (u *uploadJob) checksumsFallBack() bool {
	n, ok := u.api.(negotiator)
	if !ok {
		return false
	}
	s := n.ChecksumSupport()
	return s == client.ChecksumSupportRefused || s == client.ChecksumSupportIgnored
}

// signsPayloads reports whether the API signs payloads: parts then get
// their SHA-256 computed with their checksums.
func (u *uploadJob) signsPayloads() bool {
	ps, ok := u.api.(payloadSigner)
	return ok && ps.SignsPayloads()
}

// record tells the API's client what an answer showed.
func (u *uploadJob) record(s client.ChecksumSupport, op, detail string) {
	if n, ok := u.api.(negotiator); ok {
		n.RecordChecksumSupport(s, op, detail)
	}
}

// negotiable reports whether a CRC32C the server refuses or ignores may
// be replaced by Content-MD5: the integrity mode is IntegrityAuto (not
// IntegrityCRC32C, which asks for it) and the dialect checks Content-MD5.
func (u *uploadJob) negotiable() bool {
	return u.o.Integrity == IntegrityAuto && u.d.Has(client.FeatureContentMD5)
}

// fallBack makes the task's later requests carry Content-MD5 instead of
// a CRC32C. It reports whether this call changed it.
func (u *uploadJob) fallBack() bool { return u.fellBack.CompareAndSwap(false, true) }

// refusedChecksum reports whether err, the answer to a request that
// carried a CRC32C header, may be the server refusing it; the task then
// falls back to Content-MD5, to be confirmed by the next success
// (confirmFallback). A part is sent again once for it.
func (u *uploadJob) refusedChecksum(in client.Checksum, err error, tried *bool) bool {
	if *tried || in.IsZero() || !u.negotiable() || !opkit.ChecksumRefused(u.d, err) {
		return false
	}
	*tried = true
	var re *client.ResponseError
	code := "a refusal"
	if errors.As(err, &re) {
		code = strconv.Itoa(re.StatusCode) + " " + re.Code
	}
	u.refusal.CompareAndSwap(nil, &code)
	u.fallBack()
	return true
}

// confirmFallback records, after a request with Content-MD5 succeeded,
// the refusal that made the task fall back, once.
func (u *uploadJob) confirmFallback(op string) {
	if p := u.refusal.Load(); p != nil && u.refusalRecorded.CompareAndSwap(false, true) {
		u.record(client.ChecksumSupportRefused, op, "answered "+*p+" to a request with an additional checksum, and took it with Content-MD5")
	}
}

// ignoredChecksum handles a successful answer that does not echo the
// CRC32C header its request carried: the server ignored it. The task and
// the client fall back to Content-MD5. It reports whether the bytes
// still count as checked: their MD5 (computed now if need be, into s)
// is the answer's ETag.
func (u *uploadJob) ignoredChecksum(op, etag string, s *sums, body *io.SectionReader) (bool, error) {
	u.record(client.ChecksumSupportIgnored, op, "a successful answer without x-amz-checksum-crc32c")
	if u.negotiable() {
		u.fallBack()
	}
	if s.md5 == nil {
		ms, err := hashSection(io.NewSectionReader(body, 0, body.Size()), sumMD5, nil)
		if err != nil {
			return false, fmt.Errorf("transfer: reading the source: %w", err)
		}
		s.md5 = ms.md5
	}
	return strings.EqualFold(etag, s.md5Hex()), nil
}

// requestPlan adjusts the checksums of the task's next request: after a
// fallback it carries Content-MD5, and a CRC32C header only where the
// server requires one (a part of an upload declared with CRC32C:
// crc32c is false for the others); a signed payload adds its SHA-256 to
// what is computed. It returns the kinds to compute and whether
// Content-MD5 and a CRC32C header may go.
func (u *uploadJob) requestPlan(kinds sumKind) (sumKind, bool, bool) {
	md5, crc32c := u.sendMD5, true
	if u.fellBack.Load() {
		kinds |= sumMD5
		md5, crc32c = true, false
	}
	if u.signs {
		kinds |= sumSHA256
	}
	return kinds, md5, crc32c
}

// createUpload starts the multipart upload, declaring CRC32C as its
// checksum algorithm where the integrity mode wants it. A server that
// refuses the declaration under IntegrityAuto (a 501, or a 400 with one
// of the dialect's ChecksumRefusalCodes: Backblaze B2 answers 400
// InvalidArgument "Unsupported header 'x-amz-checksum-algorithm'") gets
// the request again without it; when that succeeds, the task and the
// client fall back to Content-MD5. It returns the upload id and whether
// the upload takes CRC32C checksums.
func (u *uploadJob) createUpload(ctx context.Context) (string, bool, error) {
	alg := u.checksumAlgorithm()
	if u.fellBack.Load() {
		alg = client.ChecksumNone
	}
	in := &transferapi.CreateMultipartUploadInput{Bucket: u.in.Bucket, Key: u.in.Key, ChecksumAlgorithm: alg, ObjectOptions: u.initiateOptions()}
	id, err := u.api.CreateMultipartUpload(ctx, in)
	tried := false
	if err != nil && alg != client.ChecksumNone && ctx.Err() == nil && u.refusedChecksum(client.Checksum{Algorithm: alg}, err, &tried) {
		in.ChecksumAlgorithm = client.ChecksumNone
		if id, err = u.api.CreateMultipartUpload(ctx, in); err == nil {
			u.confirmFallback("CreateMultipartUpload")
		}
	}
	return id, in.ChecksumAlgorithm != client.ChecksumNone, err
}
