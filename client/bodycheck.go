package client

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/polystore/polystore/internal/protocol"
	"github.com/polystore/polystore/signer"
)

// Integrity selects what a single PUT (object.Client.Put) or an
// UploadPart (multipart.Client.UploadPart) carries for the server to
// verify its body when the call names no checksum of its own (no
// ContentMD5, Checksum or TrailingChecksum). Options.Integrity sets it
// for a client, the calls' Integrity fields for one call.
type Integrity int

// Integrity choices.
const (
	// IntegrityDefault, on a call, takes the client's Options.Integrity;
	// as Options.Integrity it means IntegrityAuto.
	IntegrityDefault Integrity = iota
	// IntegrityAuto sends the cheapest checksum the dialect verifies:
	//
	//   - on dialects with FeatureChecksums (S3, IBM), a CRC32C additional
	//     checksum (x-amz-checksum-crc32c), computed before the body is
	//     sent, or, for a one-shot stream, computed while it is sent and
	//     sent after it as an aws-chunked trailer where the dialect takes
	//     trailers (FeatureTrailingChecksums, S3). The server's echo of it
	//     is what counts as verified. A server that refuses it (a 501, or
	//     a 400 with one of the dialect's ChecksumRefusalCodes) gets the
	//     request again with Content-MD5 instead; one that ignores it (no
	//     echo) leaves that request checked only by its ETag where that is
	//     the body's MD5. Either way the client sends Content-MD5 from then
	//     on: see ChecksumSupport;
	//   - on dialects with FeatureCRC64 (COS), nothing more on the wire:
	//     the client computes the body's CRC-64 (while a one-shot stream
	//     is sent) and checks it against the answer's
	//     x-cos-hash-crc64ecma;
	//   - elsewhere (QingStor), Content-MD5, on dialects with
	//     FeatureContentMD5.
	//
	// A one-shot stream that can be neither hashed beforehand nor
	// trailed is sent unverified, and the call's output says so.
	IntegrityAuto
	// IntegrityMD5 sends Content-MD5 (not on one-shot streams, which
	// cannot be hashed before they are sent).
	IntegrityMD5
	// IntegrityOff sends no checksum: nothing verifies the body but the
	// signed payload hash, where one is signed (PayloadSigning).
	IntegrityOff
)

// String returns "default", "auto", "md5" or "off".
func (i Integrity) String() string {
	switch i {
	case IntegrityDefault:
		return "default"
	case IntegrityAuto:
		return "auto"
	case IntegrityMD5:
		return "md5"
	case IntegrityOff:
		return "off"
	}
	return "Integrity(" + strconv.Itoa(int(i)) + ")"
}

// Values returns every Integrity, IntegrityDefault first.
func (Integrity) Values() []Integrity {
	return []Integrity{IntegrityDefault, IntegrityAuto, IntegrityMD5, IntegrityOff}
}

// PayloadSigning says whether SigV4 requests sign their body's SHA-256
// (x-amz-content-sha256), so that the server refuses a body changed on
// the way (XAmzContentSHA256Mismatch) and nobody who can change the
// bytes can also fix up a checksum.
type PayloadSigning int

// Payload signing choices.
const (
	// PayloadSigningAuto signs the payload when the endpoint is plain
	// http, where nothing else authenticates the body, and sends
	// UNSIGNED-PAYLOAD over https, where TLS does and the checksums
	// (Integrity) guard the bytes. The SHA-256 is computed in the same
	// read of the body as its checksum, before it is sent (file bodies
	// are then still sent by the kernel). A one-shot stream cannot be
	// hashed before it is sent: it goes unsigned, with a trailing
	// checksum where the dialect takes one.
	PayloadSigningAuto PayloadSigning = iota
	// PayloadSigned signs the payload over https too.
	PayloadSigned
	// PayloadUnsigned never signs it (UNSIGNED-PAYLOAD): over plain http
	// the body is then authenticated by nothing, and only a checksum,
	// which whoever changes the bytes can recompute, guards it.
	PayloadUnsigned
)

// String returns "auto", "signed" or "unsigned".
func (p PayloadSigning) String() string {
	switch p {
	case PayloadSigningAuto:
		return "auto"
	case PayloadSigned:
		return "signed"
	case PayloadUnsigned:
		return "unsigned"
	}
	return "PayloadSigning(" + strconv.Itoa(int(p)) + ")"
}

// Values returns every PayloadSigning, PayloadSigningAuto first.
func (PayloadSigning) Values() []PayloadSigning {
	return []PayloadSigning{PayloadSigningAuto, PayloadSigned, PayloadUnsigned}
}

// WithIntegrity sets Options.Integrity.
func WithIntegrity(i Integrity) func(*Options) { return func(o *Options) { o.Integrity = i } }

// WithPayloadSigning sets Options.PayloadSigning.
func WithPayloadSigning(p PayloadSigning) func(*Options) {
	return func(o *Options) { o.PayloadSigning = p }
}

// checkBodyOptions validates Options.Integrity and PayloadSigning.
func checkBodyOptions(o *Options) error {
	if err := checkIntegrity("Integrity", o.Integrity); err != nil {
		return err
	}
	if o.PayloadSigning < PayloadSigningAuto || o.PayloadSigning > PayloadUnsigned {
		return InvalidArgument("PayloadSigning", "unknown choice %d", int(o.PayloadSigning))
	}
	return nil
}

// checkIntegrity validates an Integrity field.
func checkIntegrity(field string, i Integrity) error {
	if i < IntegrityDefault || i > IntegrityOff {
		return InvalidArgument(field, "unknown choice %d", int(i))
	}
	return nil
}

// checkPayloadSHA256 validates a PayloadSHA256 field: none, or 32 bytes.
func checkPayloadSHA256(field string, sum []byte) error {
	if sum != nil && len(sum) != sha256.Size {
		return InvalidArgument(field, "must be %d bytes (a raw SHA-256), got %d", sha256.Size, len(sum))
	}
	return nil
}

// signsPayloads reports whether c's requests sign their body's SHA-256:
// its signer is SigV4 and Options.PayloadSigning asks for it (by default:
// the endpoint is plain http). Code that hashes bodies itself (a transfer
// manager hashing parts for their checksums) then computes the SHA-256 in
// the same read and passes it on as PayloadSHA256.
func (c *Client) signsPayloads() bool { return c.signsPayload(&c.opts, c.callSigner(&c.opts)) }

// callSigner is the signer of a call with options o: the one o names, or
// the client's.
func (c *Client) callSigner(o *Options) signer.Signer {
	if o.Signer != nil {
		return o.Signer
	}
	return c.signer
}

// signsPayload reports whether a request signed by sg under options o
// signs its payload.
func (c *Client) signsPayload(o *Options, sg signer.Signer) bool {
	if _, ok := sg.(*signer.V4); !ok {
		return false
	}
	switch o.PayloadSigning {
	case PayloadSigned:
		return true
	case PayloadUnsigned:
		return false
	}
	return !c.endpointTLS(o)
}

// endpointTLS reports whether requests go over https: the custom
// endpoint's scheme, or the dialect's.
func (c *Client) endpointTLS(o *Options) bool {
	ep := o.Endpoint
	if ep == "" {
		ep = c.dialect.PathEndpoint
	}
	return len(ep) >= 8 && strings.EqualFold(ep[:8], "https://")
}

const payloadHashHeader = "X-Amz-Content-Sha256"

// signPayload gives a request the client signs the payload of (see
// PayloadSigning) the hex SHA-256 of its body as X-Amz-Content-Sha256,
// unless its operation set that header already (a prepared body, a
// trailer). A replayable body is read once more for it; a one-shot body
// cannot be, and stays UNSIGNED-PAYLOAD. It runs once per call, before
// the first attempt is signed.
func (c *Client) signPayload(o *Options, sg signer.Signer, h http.Header, body *payload) error {
	if body == nil || body.Len == 0 || !body.Replay || h.Get(payloadHashHeader) != "" || !c.signsPayload(o, sg) {
		return nil
	}
	s, err := hashBody(body, sumSHA256)
	if err != nil {
		return fmt.Errorf("reading the body to sign its SHA-256: %w", err)
	}
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], s.sha256[:])
	h.Set(payloadHashHeader, string(hx[:]))
	return nil
}

// bodyInput describes the body of a write (see protocol.BodyInput): the
// input of prepareBody.
type bodyInput = protocol.BodyInput[Integrity, Checksum, ChecksumAlgorithm]

// preparedBody is a request body with what it carries for the server to
// verify it: a checksum header, Content-MD5, a trailer, the signed
// SHA-256 of the payload, or a CRC-64 to compare with the answer's. Build
// it with prepareBody, put it on the request with Apply, and check
// the answer with Verify. It belongs to one call.
type preparedBody struct {
	c   *Client
	d   *Dialect
	neg *negotiation // nil: nothing is remembered (a per-call endpoint)
	in  bodyInput
	// From the call's options: the client's Integrity, whether a trailer
	// can be sent and whether the payload is signed.
	integrity Integrity
	canTrail  bool
	signs     bool

	body          *payload
	contentMD5    []byte
	checksum      Checksum
	trailing      ChecksumAlgorithm
	payloadSHA256 []byte
	crc64         uint64
	hasCRC64      bool
	liveCRC64     hash.Hash64 // a one-shot body's CRC-64, computed while it is sent
	crc32c        [4]byte     // checksum's Value, when computed here
	md5Sum        [md5.Size]byte
	sha256Sum     [sha256.Size]byte
	// vals back the header values Apply sets (the checksum, the
	// payload's SHA-256), so that setting them allocates only the strings.
	vals [2]string

	// defaulted: checksum or trailing was chosen by IntegrityAuto, so a
	// refusal falls back to Content-MD5. fallback: this body is that
	// fallback; its success confirms the refusal (refusedBy).
	defaulted bool
	fallback  bool
	refusedBy string
	// note says why the body carries nothing a server verifies.
	note string
}

// prepareBody decides what the body of a write carries for the server
// to verify it (see Integrity and PayloadSigning), reading a replayable
// body once to compute its digests: the checksum, Content-MD5, CRC-64
// and SHA-256 it needs, in one pass. optFns are the call's options. Bad
// input is an *InvalidArgumentError, before anything is read.
func (c *Client) prepareBody(in *bodyInput, optFns ...func(*Options)) (*preparedBody, error) {
	o := &c.opts // without per-call options, the client's, not a copy
	if len(optFns) > 0 {
		co, err := c.callOptions(optFns)
		if err != nil {
			return nil, withOp(err, in.Op)
		}
		o = &co
	}
	d := &c.dialect
	if err := checkIntegrity("Integrity", in.Integrity); err != nil {
		return nil, withOp(err, in.Op)
	}
	if err := checkPayloadSHA256("PayloadSHA256", in.PayloadSHA256); err != nil {
		return nil, withOp(err, in.Op)
	}
	if in.TrailingChecksum != ChecksumNone && !d.canTrail(o) {
		return nil, withOp(NotSupported(d, "TrailingChecksum", "trailing checksums with this signer"), in.Op)
	}
	size := in.Size
	if size == 0 {
		size = -1
	}
	body, err := newBody(in.Body, size)
	if err != nil {
		return nil, withOp(err, in.Op)
	}
	p := &preparedBody{c: c, d: d, in: *in, integrity: o.Integrity, canTrail: d.canTrail(o), signs: c.signsPayload(o, c.callSigner(o))}
	if o.Endpoint == c.opts.Endpoint {
		p.neg = c.neg
	}
	if err := p.prepare(body); err != nil {
		return nil, &OperationError{Dialect: d.Name, Op: in.Op, Err: err}
	}
	return p, nil
}

// support is what the client knows of its server's checksums.
func (p *preparedBody) support() ChecksumSupport {
	if p.neg == nil {
		return ChecksumSupportUnknown
	}
	return ChecksumSupport(p.neg.checksums.Load())
}

func (p *preparedBody) trailersRefused() bool {
	return p.neg != nil && p.neg.trailers.Load() == trailersRefused
}

// digest kinds hashBody computes.
const (
	sumCRC32C = 1 << iota
	sumMD5
	sumSHA256
	sumCRC64
)

// prepare picks what body carries and computes it.
func (p *preparedBody) prepare(body *payload) error {
	p.body = body
	d, in := p.d, &p.in
	choice := in.Integrity
	if choice == IntegrityDefault {
		choice = p.integrity
	}
	if choice == IntegrityDefault {
		choice = IntegrityAuto
	}
	kinds := 0
	oneShot := !body.Replay && body.Len > 0
	switch {
	case in.ContentMD5 != nil || !in.Checksum.IsZero() || in.TrailingChecksum != ChecksumNone:
		p.contentMD5, p.checksum, p.trailing = in.ContentMD5, in.Checksum, in.TrailingChecksum
	case choice == IntegrityOff:
		body.IntegrityOff = true
		p.note = "integrity checks are off (IntegrityOff)"
	case choice == IntegrityMD5 || p.fallback:
		kinds = sumMD5
	case d.Has(FeatureChecksums) && !p.support().fallsBack():
		p.defaulted = true
		switch {
		case !oneShot:
			kinds = sumCRC32C
		case p.canTrail && !p.trailersRefused():
			p.trailing = ChecksumCRC32C
		default:
			p.defaulted = false
			p.note = "a one-shot stream cannot be hashed before it is sent, and no trailing checksum can follow it here: nothing verified the body"
		}
	case d.Has(FeatureChecksums) && d.Has(FeatureContentMD5):
		kinds = sumMD5 // the server refused or ignored additional checksums
	case d.Has(FeatureCRC64) && d.Object.CRC64Header != "":
		kinds = sumCRC64
	case d.Has(FeatureContentMD5):
		kinds = sumMD5
	default:
		p.note = "the " + d.Name + " dialect verifies no checksum the client can send"
	}
	if kinds&sumMD5 != 0 && oneShot {
		kinds &^= sumMD5
		p.note = "a one-shot stream cannot be hashed before it is sent: no Content-MD5, nothing verified the body"
	}
	if kinds&sumCRC64 != 0 && oneShot {
		kinds &^= sumCRC64
		p.liveCRC64 = crc64.New(crc64ECMA)
		inner := body
		p.body = &payload{Len: inner.Len, Open: func() (io.Reader, error) {
			r, err := bodyReader(inner)
			if err != nil {
				return nil, err
			}
			return io.TeeReader(r, p.liveCRC64), nil
		}}
	}
	if in.PayloadSHA256 != nil {
		p.payloadSHA256 = in.PayloadSHA256
	} else if p.trailing == ChecksumNone && body.Len > 0 && body.Replay && p.signs {
		kinds |= sumSHA256
	}
	if kinds == 0 {
		return nil
	}
	s, err := hashBody(body, kinds)
	if err != nil {
		return fmt.Errorf("reading the body to hash it: %w", err)
	}
	if kinds&sumCRC32C != 0 {
		binary.BigEndian.PutUint32(p.crc32c[:], s.crc32c)
		p.checksum = Checksum{Algorithm: ChecksumCRC32C, Value: p.crc32c[:]}
	}
	if kinds&sumMD5 != 0 {
		p.md5Sum = s.md5
		p.contentMD5 = p.md5Sum[:]
	}
	if kinds&sumCRC64 != 0 {
		p.crc64, p.hasCRC64 = s.crc64, true
	}
	if kinds&sumSHA256 != 0 {
		p.sha256Sum = s.sha256
		p.payloadSHA256 = p.sha256Sum[:]
	}
	return nil
}

// Body returns the body to send (with a one-shot body's CRC-64 computed
// as it is read).
func (p *preparedBody) Body() *payload { return p.body }

// Checksum returns the additional checksum the body carries in a header
// (zero if none).
func (p *preparedBody) Checksum() Checksum { return p.checksum }

// ContentMD5 returns the raw Content-MD5 the body carries, or nil.
func (p *preparedBody) ContentMD5() []byte { return p.contentMD5 }

// TrailingChecksum returns the algorithm of the trailer the body carries
// (ChecksumNone if none).
func (p *preparedBody) TrailingChecksum() ChecksumAlgorithm { return p.trailing }

// PayloadSHA256 returns the body's raw SHA-256 the request signs, or nil
// when the payload goes unsigned.
func (p *preparedBody) PayloadSHA256() []byte { return p.payloadSHA256 }

// Apply puts the body and its headers on r: Content-MD5, the checksum
// header or the aws-chunked trailer framing, and X-Amz-Content-Sha256
// when the payload is signed.
func (p *preparedBody) Apply(r *request) {
	r.Body = p.body
	if p.contentMD5 != nil {
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(p.contentMD5))
	}
	if !p.checksum.IsZero() { // as Dialect.SetChecksum does
		p.vals[0] = p.checksum.String()
		r.Header[p.d.checksumHeader(p.checksum.Algorithm)] = p.vals[0:1:1]
	}
	switch {
	case p.trailing != ChecksumNone:
		p.d.setTrailingChecksum(r, p.trailing, p.in.ContentEncoding)
	case p.payloadSHA256 != nil:
		var hx [2 * sha256.Size]byte
		hex.Encode(hx[:], p.payloadSHA256)
		p.vals[1] = string(hx[:])
		r.Header[payloadHashHeader] = p.vals[1:2:2]
	}
}

// bodyAnswer is what a successful answer to a write reports of the body
// it stored (see protocol.BodyAnswer).
type bodyAnswer = protocol.BodyAnswer[Checksum]

// Verify checks a successful answer against what the body carried and
// records what it shows of the server's additional checksums. It returns
// what the server verified ("crc32c" or another algorithm's name, "md5",
// "crc64"), or why nothing did. An echoed checksum or CRC-64 that is not
// the body's is a *ChecksumMismatchError (the server stored other
// bytes); a trailer the answer does not echo is ErrTrailerIgnored (the
// server may have stored the framing).
func (p *preparedBody) Verify(a bodyAnswer) (verified, unverified string, err error) {
	d, op := p.d, p.in.Op
	mismatch := func(alg, want, got string) error {
		return &OperationError{Dialect: d.Name, Op: op, Err: &ChecksumMismatchError{Dialect: d.Name, Op: op, Algorithm: alg, Want: want, Got: got}}
	}
	if p.fallback {
		p.record(ChecksumSupportRefused, "answered "+p.refusedBy+" to a request with an additional checksum, and took it with Content-MD5")
	}
	switch {
	case p.trailing != ChecksumNone:
		if a.Checksum.Algorithm != p.trailing || a.Checksum.Parts != 0 {
			if p.neg != nil && p.defaulted {
				p.neg.trailers.CompareAndSwap(trailersUnknown, trailersRefused)
			}
			return "", "", &OperationError{Dialect: d.Name, Op: op, Err: ErrTrailerIgnored}
		}
		if p.neg != nil {
			p.neg.trailers.Store(trailersAccepted)
		}
		p.record(ChecksumSupportVerified, "")
		return lowerNames[p.trailing], "", nil
	case !p.checksum.IsZero():
		name := lowerNames[p.checksum.Algorithm]
		if a.Checksum.Algorithm == p.checksum.Algorithm && a.Checksum.Parts == 0 {
			if !a.Checksum.Equal(p.checksum) {
				return "", "", mismatch(name, a.Checksum.String(), p.checksum.String())
			}
			p.record(ChecksumSupportVerified, "")
			return name, "", nil
		}
		header := d.HeaderPrefix + p.checksum.Algorithm.headerSuffix()
		p.record(ChecksumSupportIgnored, "a successful answer without "+header)
		why := "the server echoed no " + header + ": it ignored the checksum"
		if ok, err := p.etagIsMD5(a.ETag); err != nil {
			return "", "", &OperationError{Dialect: d.Name, Op: op, Err: err}
		} else if ok {
			return "md5", "", nil
		}
		return "", why + ", and the ETag is not the body's MD5", nil
	case p.contentMD5 != nil:
		if d.Has(FeatureContentMD5) || strings.EqualFold(a.ETag, hex.EncodeToString(p.contentMD5)) {
			return "md5", "", nil
		}
		return "", "the " + d.Name + " dialect is not known to check Content-MD5, and the ETag is not the body's MD5", nil
	case p.hasCRC64 || p.liveCRC64 != nil:
		local := p.crc64
		if p.liveCRC64 != nil {
			local = p.liveCRC64.Sum64()
		}
		if !a.HasCRC64 {
			return "", "the answer carries no " + d.Object.CRC64Header + " to check the body's CRC-64 against", nil
		}
		if a.CRC64 != local {
			return "", "", mismatch("crc64", strconv.FormatUint(a.CRC64, 10), strconv.FormatUint(local, 10))
		}
		return "crc64", "", nil
	}
	return "", p.note, nil
}

// etagIsMD5 reports whether etag is the MD5 of the (replayable) body,
// which shows the server stored these bytes when it ignored their
// checksum.
func (p *preparedBody) etagIsMD5(etag string) (bool, error) {
	if !p.body.Replay || !isMD5Hex(etag) {
		return false, nil
	}
	s, err := hashBody(p.body, sumMD5)
	if err != nil {
		return false, fmt.Errorf("reading the body to compare its MD5 with the ETag: %w", err)
	}
	return strings.EqualFold(etag, hex.EncodeToString(s.md5[:])), nil
}

// record notes s in the client's negotiation, if it keeps one.
func (p *preparedBody) record(s ChecksumSupport, detail string) {
	if p.neg != nil {
		p.neg.record(p.c, s, p.in.Op, detail)
	}
}

// fallbackFor returns what to send instead when err shows the server
// refusing the additional checksum this body carried by default
// (IntegrityAuto): a 501, or a 400 with one of the dialect's
// ChecksumRefusalCodes. The fallback is the same body with Content-MD5
// instead; when the server takes it, its Verify records that the server
// refuses additional checksums, and the client sends Content-MD5 from
// then on. fallbackFor returns nil for other errors, for checksums the call
// named itself, for a fallback, and for one-shot bodies, which cannot be
// sent again. A one-shot body's default trailer refused (a 400, 403 or
// 501 before any trailer was accepted) is remembered too: the client's
// later one-shot bodies go without one.
func (p *preparedBody) fallbackFor(err error) *preparedBody {
	if !p.defaulted || p.fallback || err == nil {
		return nil
	}
	if p.trailing != ChecksumNone {
		var re *ResponseError
		if p.neg != nil && errors.As(err, &re) && (re.StatusCode == http.StatusBadRequest || re.StatusCode == http.StatusForbidden || re.StatusCode == http.StatusNotImplemented) {
			p.neg.trailers.CompareAndSwap(trailersUnknown, trailersRefused)
		}
		return nil
	}
	re, ok := checksumRefusal(p.d, err)
	if !ok || !p.body.Replay {
		return nil
	}
	fb := &preparedBody{c: p.c, d: p.d, neg: p.neg, in: p.in, integrity: p.integrity, canTrail: p.canTrail, signs: p.signs,
		fallback: true, refusedBy: strconv.Itoa(re.StatusCode) + " " + re.Code}
	if perr := fb.prepare(p.body); perr != nil {
		return nil
	}
	return fb
}

// bodySums are the digests hashBody computes.
type bodySums struct {
	crc32c uint32
	crc64  uint64
	md5    [md5.Size]byte
	sha256 [sha256.Size]byte
}

var crc64ECMA = crc64.MakeTable(crc64.ECMA)

// hashState is what hashBody reads and hashes through, pooled: a
// buffer, and the MD5 and SHA-256 hashes with room for their sums, so
// that hashing a body allocates nothing.
type hashState struct {
	buf      []byte
	md5, sha hash.Hash
	out      [sha256.Size]byte
}

var hashStates = sync.Pool{New: func() any { return &hashState{buf: make([]byte, 128<<10)} }}

// hashBody reads a replayable body once and computes the digests of
// kinds. A body over an io.ReaderAt (bytes, a file) is read with ReadAt,
// without a reader of its own.
func hashBody(b *payload, kinds int) (bodySums, error) {
	var s bodySums
	st := hashStates.Get().(*hashState)
	defer hashStates.Put(st)
	if kinds&sumMD5 != 0 {
		if st.md5 == nil {
			st.md5 = md5.New()
		}
		st.md5.Reset()
	}
	if kinds&sumSHA256 != 0 {
		if st.sha == nil {
			st.sha = sha256.New()
		}
		st.sha.Reset()
	}
	add := func(chunk []byte) {
		if kinds&sumCRC32C != 0 {
			s.crc32c = crc32.Update(s.crc32c, castagnoli, chunk)
		}
		if kinds&sumCRC64 != 0 {
			s.crc64 = crc64.Update(s.crc64, crc64ECMA, chunk)
		}
		if kinds&sumMD5 != 0 {
			st.md5.Write(chunk)
		}
		if kinds&sumSHA256 != 0 {
			st.sha.Write(chunk)
		}
	}
	var ra io.ReaderAt
	switch {
	case b.Len <= 0:
	case b.File != nil:
		ra = b.File
	case b.RA != nil:
		ra = b.RA
	}
	switch {
	case b.Len <= 0:
	case ra != nil:
		for off, end := b.Off, b.Off+b.Len; off < end; {
			n, err := ra.ReadAt(st.buf[:min(int64(len(st.buf)), end-off)], off)
			add(st.buf[:n])
			off += int64(n)
			if err == io.EOF && off < end || err != nil && err != io.EOF {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return bodySums{}, err
			}
			if n == 0 && err == nil {
				return bodySums{}, io.ErrNoProgress
			}
		}
	default:
		r, err := bodyReader(b)
		if err != nil {
			return s, err
		}
		for {
			n, err := r.Read(st.buf)
			add(st.buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				return bodySums{}, err
			}
		}
	}
	if kinds&sumMD5 != 0 {
		copy(s.md5[:], st.md5.Sum(st.out[:0]))
	}
	if kinds&sumSHA256 != 0 {
		copy(s.sha256[:], st.sha.Sum(st.out[:0]))
	}
	return s, nil
}
