package opkit

import (
	"io"
	"net/http"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/protocol"
)

// The pipeline's body, decoding and validation helpers client keeps
// unexported and hands over at its initialisation
// (client/export_pipeline.go).
var (
	checksumElement           = protocol.Import[func(client.ChecksumAlgorithm) string]("checksumElement")
	isMD5Hex                  = protocol.Import[func(string) bool]("isMD5Hex")
	formatSeconds             = protocol.Import[func(time.Duration) string]("formatSeconds")
	checkIntegrity            = protocol.Import[func(string, client.Integrity) error]("checkIntegrity")
	checkPayloadSHA256        = protocol.Import[func(string, []byte) error]("checkPayloadSHA256")
	signsPayloads             = protocol.Import[func(*client.Client) bool]("signsPayloads")
	usesTLS                   = protocol.Import[func(*client.Client) bool]("usesTLS")
	trailersRefusedByServer   = protocol.Import[func(*client.Client) bool]("trailersRefusedByServer")
	recordTrailersRefused     = protocol.Import[func(*client.Client)]("recordTrailersRefused")
	newMalformedResponseError = protocol.Import[func(*client.Dialect, string, *http.Response, string, []byte, error) *client.MalformedResponseError]("newMalformedResponseError")
	decodeBody                = protocol.Import[func(*client.Dialect, *http.Response, any) error]("decodeBody")
	decodeResult              = protocol.Import[func(*client.Dialect, string, *http.Response, any) error]("decodeResult")
	newBody                   = protocol.Import[func(io.Reader, int64) (*Body, error)]("newBody")
	bytesBody                 = protocol.Import[func([]byte) *Body]("bytesBody")
	sectionBody               = protocol.Import[func(io.ReaderAt, int64, int64) *Body]("sectionBody")
	streamBody                = protocol.Import[func(io.Reader, int64) *Body]("streamBody")
)

// Request is what an operation's Serialize fills in: the pieces of an
// HTTP request before the client turns them into a URL, signs and sends
// them.
type Request = protocol.Request

// Body is a request payload (see protocol.Body): build one with NewBody,
// BytesBody, SectionBody or StreamBody.
type Body = protocol.Body

// NewBody picks the cheapest replayable form for r: a section of an
// io.ReaderAt (bytes.Reader, strings.Reader, *os.File, ...) from its
// current offset, a rewind of an io.ReadSeeker, or else a one-shot
// stream. size is the number of bytes to send; a negative size means "to
// the end", which needs a seekable r.
func NewBody(r io.Reader, size int64) (*Body, error) { return newBody(r, size) }

// BytesBody returns a replayable body over p. p must not change until the
// request returns.
func BytesBody(p []byte) *Body { return bytesBody(p) }

// SectionBody returns a replayable body of n bytes of r from off. Each
// attempt reads through a new io.SectionReader, so concurrent requests
// can share one r (an *os.File, say).
func SectionBody(r io.ReaderAt, off, n int64) *Body { return sectionBody(r, off, n) }

// StreamBody returns a one-shot body of size bytes read from r. It is
// never buffered: if an attempt fails after sending it, the request is
// not retried and fails with client.ErrBodyNotReplayable.
func StreamBody(r io.Reader, size int64) *Body { return streamBody(r, size) }

// ChecksumElement is the XML element name S3 uses for a checksum in
// algorithm a inside Part and result documents, such as "ChecksumCRC32C".
// It returns "" for ChecksumNone and unknown values.
func ChecksumElement(a client.ChecksumAlgorithm) string { return checksumElement(a) }

// IsMD5Hex reports whether s (an ETag without quotes) has the form of a
// hex MD5: 32 hex digits. A multipart ETag ("<hex>-N") does not.
func IsMD5Hex(s string) bool { return isMD5Hex(s) }

// Seconds renders a duration as whole seconds, as retention headers
// carry it.
func Seconds(p time.Duration) string { return formatSeconds(p) }

// CheckIntegrity validates an Integrity field.
func CheckIntegrity(field string, i client.Integrity) error { return checkIntegrity(field, i) }

// CheckPayloadSHA256 validates a PayloadSHA256 field: none, or 32 bytes.
func CheckPayloadSHA256(field string, sum []byte) error { return checkPayloadSHA256(field, sum) }

// SignsPayloads reports whether c's requests sign their body's SHA-256:
// its signer is SigV4 and Options.PayloadSigning asks for it (by
// default: the endpoint is plain http). Code that hashes bodies itself (a
// transfer manager hashing parts for their checksums) then computes the
// SHA-256 in the same read and passes it on as PayloadSHA256.
func SignsPayloads(c *client.Client) bool { return signsPayloads(c) }

// UsesTLS reports whether c's requests go over https (its endpoint's
// scheme, or its dialect's).
func UsesTLS(c *client.Client) bool { return usesTLS(c) }

// TrailersRefused reports whether c learned that its server refuses or
// ignores aws-chunked trailing checksums.
func TrailersRefused(c *client.Client) bool { return trailersRefusedByServer(c) }

// RecordTrailersRefused records that c's server refused or ignored a
// trailing checksum that then went through in a header (unless one was
// accepted before), so that c's later requests send none by default.
func RecordTrailersRefused(c *client.Client) { recordTrailersRefused(c) }

// NewMalformedResponseError describes resp, an answer to op that cannot
// be taken as a success because of problem; body is what was read of
// its body (only the start is kept) and cause what went wrong reading or
// decoding it, if anything.
func NewMalformedResponseError(d *client.Dialect, op string, resp *http.Response, problem string, body []byte, cause error) *client.MalformedResponseError {
	return newMalformedResponseError(d, op, resp, problem, body, cause)
}

// DecodeBody decodes a successful response body in the dialect's codec
// (XML or JSON) into v.
func DecodeBody(d *client.Dialect, resp *http.Response, v any) error { return decodeBody(d, resp, v) }

// DecodeResult decodes a successful answer's body into v in the dialect's
// codec, and returns an error document found in a 200 answer (S3 reports
// some failures in the body) as a *client.ResponseError.
func DecodeResult(d *client.Dialect, op string, resp *http.Response, v any) error {
	return decodeResult(d, op, resp, v)
}

// BodyInput describes the body of a write (a single PUT, an UploadPart)
// and the integrity its call asked for: the input of PrepareBody.
type BodyInput = protocol.BodyInput[client.Integrity, client.Checksum, client.ChecksumAlgorithm]

// BodyAnswer is what a successful answer to a write reports of the body
// it stored: the input of PreparedBody.Verify.
type BodyAnswer = protocol.BodyAnswer[client.Checksum]

// PreparedBody is a request body with what it carries for the server to
// verify it: a checksum header, Content-MD5, a trailer, the signed
// SHA-256 of the payload, or a CRC-64 to compare with the answer's. Build
// it with PrepareBody, put it on the request with Apply, and check the
// answer with Verify. It belongs to one call.
type PreparedBody interface {
	// Body is the body to send.
	Body() *Body
	// Checksum is the additional checksum sent in a header, if any.
	Checksum() client.Checksum
	// ContentMD5 is the Content-MD5 sent, if any.
	ContentMD5() []byte
	// TrailingChecksum is the algorithm of the trailer sent, if any.
	TrailingChecksum() client.ChecksumAlgorithm
	// PayloadSHA256 is the raw SHA-256 of the payload, when computed.
	PayloadSHA256() []byte
	// Apply puts the body and its headers on r.
	Apply(r *Request)
	// Verify checks a successful answer against what the body carried
	// and records what it shows of the server's additional checksums. It
	// returns what the server verified ("crc32c" or another algorithm's
	// name, "md5", "crc64"), or why nothing did. An echoed checksum or
	// CRC-64 that is not the body's is a *client.ChecksumMismatchError;
	// a trailer the answer does not echo is client.ErrTrailerIgnored.
	Verify(a BodyAnswer) (verified, unverified string, err error)
}

var (
	prepareBody = protocol.Import[func(*client.Client, BodyInput, []func(*client.Options)) (any, error)]("prepareBody")
	fallbackFor = protocol.Import[func(any, error) any]("fallbackFor")
)

// PrepareBody decides what the body of a write carries for the server to
// verify it (Options.Integrity, the dialect, what the client learned of
// its server) and computes it. optFns are the call's options.
func PrepareBody(c *client.Client, in *BodyInput, optFns ...func(*client.Options)) (PreparedBody, error) {
	p, err := prepareBody(c, *in, optFns)
	if err != nil {
		return nil, err
	}
	return p.(PreparedBody), nil
}

// Fallback returns what to send instead when err shows the server
// refusing the additional checksum p carried by default (Content-MD5),
// or nil when there is nothing else to send (see client's fallbackFor).
func Fallback(p PreparedBody, err error) PreparedBody {
	fb := fallbackFor(p, err)
	if fb == nil {
		return nil
	}
	return fb.(PreparedBody)
}
