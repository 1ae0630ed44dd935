// Package object holds polystore's typed object operations on every
// dialect: put (of known or unknown size), get, head, delete, delete
// multiple, copy, append, ACLs, CORS preflight, IBM's legal holds and
// retention extension, and QingStor's move and fetch. Build an object.Client from a client.Client:
//
//	objects := object.NewClient(c)
//	out, err := objects.Put(ctx, &object.PutInput{Bucket: "b", Key: "k", Body: f})
//
// Inputs are checked against the dialect before anything is sent: bad
// input is an error matching client.ErrInvalidArgument that names the
// field (*client.InvalidArgumentError), and a feature the dialect lacks
// (append on S3, move on COS, ...) is one matching client.ErrNotSupported.
//
// Get returns no bytes that its answer shows to be wrong: a ranged read
// whose answer is another range fails with client.ErrRangeMismatch, one
// whose ETag is not the If-Match asked for with
// client.ErrPreconditionFailed, and the body of a whole object is checked
// against the checksum the service publishes for it (COS's CRC-64, S3 and
// IBM additional checksums, MD5 ETags) while it is read: a mismatch ends
// it with client.ErrChecksumMismatch instead of io.EOF.
// GetInput.DisableVerification turns that check off; GetOutput.Verified
// names it.
//
// Put sends by default the cheapest checksum the dialect verifies (a
// CRC32C on S3 and IBM, Content-MD5 instead on a server that refuses or
// ignores it; the CRC-64 checked on COS; Content-MD5 on QingStor);
// PutInput.Integrity changes that, and PutOutput.Verified names what the
// server verified.
package object

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"github.com/polystore/polystore/internal/opkit"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/httpheader"
)

// Client runs object operations. It is cheap to create and safe for
// concurrent use.
type Client struct{ c *client.Client }

// NewClient returns an object client over c.
func NewClient(c *client.Client) *Client { return &Client{c: c} }

// PutInput is the input of Put.
type PutInput struct {
	Bucket string
	Key    string
	// Body is the content. An io.ReaderAt or io.Seeker (*os.File,
	// *bytes.Reader, *strings.Reader) is sent from its current offset and
	// can be replayed on a retry without buffering; a plain io.Reader is
	// streamed once and not retried after it has been read. Nil means an
	// empty object.
	Body io.Reader
	// Size is the number of bytes to send. 0 means "all of Body". When the
	// length of Body cannot be found (a plain io.Reader: a pipe, a network
	// stream), Put reads up to PartSize bytes into a pooled buffer: if the
	// stream ends there, it sends one PUT; otherwise it switches to a
	// multipart upload of PartSize parts, one at a time, so memory stays
	// at one part whatever the object's size. A failed multipart upload is
	// aborted.
	Size int64
	// PartSize is the part size of an unknown-length upload. 0 means
	// 16 MiB, raised to the dialect's Limits.MinPartSize. An object can
	// have at most Limits.MaxParts parts.
	PartSize int64
	// ContentType, ContentEncoding, ContentDisposition, ContentLanguage,
	// CacheControl and Expires (an HTTP date) are stored with the object
	// and returned by Get and Head.
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// ContentMD5 is the raw 16-byte MD5 of the body; the server refuses a
	// body that does not match. It cannot be checked on an unknown-length
	// body larger than one part.
	ContentMD5 []byte
	// Metadata is user metadata, sent with the dialect's prefix
	// (x-amz-meta-, x-cos-meta-, x-qs-meta-). Names are case-insensitive;
	// names and values together may not exceed Limits.MaxMetadataSize
	// (2 KiB on every built-in dialect).
	Metadata map[string]string
	// StorageClass must be one of the dialect's ObjectWire.StorageClasses.
	StorageClass client.StorageClass
	// ACL and Grants set the object's ACL, on dialects with object ACLs.
	ACL    client.CannedACL
	Grants []client.Grant
	// SSE encrypts the object with a customer-provided key (SSE-C).
	SSE *client.SSECustomer
	// Checksum is an additional checksum of the body (dialects with
	// client.FeatureChecksums): the server refuses a body that does not
	// match it and stores it with the object, for Head and Get with
	// ChecksumMode to return. client.ComputeChecksum computes one. Like
	// ContentMD5, it cannot be checked on an unknown-length body larger
	// than one part.
	Checksum client.Checksum
	// TrailingChecksum, instead of Checksum, has the client compute the
	// body's additional checksum in this algorithm while sending it and
	// send it after the body as an aws-chunked trailer, so the body is
	// read once. It needs a dialect with client.FeatureTrailingChecksums
	// and a SigV4 signer (else client.ErrNotSupported, before any
	// request). The server checks it and echoes it in PutOutput.Checksum;
	// an answer without the echo is an error matching
	// client.ErrTrailerIgnored: the server did not decode the framing and
	// the object must be written again without TrailingChecksum.
	TrailingChecksum client.ChecksumAlgorithm
	// Integrity is what the body carries for the server to verify it when
	// none of ContentMD5, Checksum and TrailingChecksum is set:
	// client.IntegrityDefault takes the client's Options.Integrity, whose
	// default, client.IntegrityAuto, is the cheapest checksum the dialect
	// verifies (a CRC32C additional checksum on S3 and IBM, falling back
	// to Content-MD5 on a server that refuses or ignores it; the CRC-64
	// on COS; Content-MD5 on QingStor). client.IntegrityOff sends none.
	// PutOutput.Verified says what the server verified.
	Integrity client.Integrity
	// PayloadSHA256 is the body's raw SHA-256, if the caller has it: a
	// SigV4 request whose payload is signed (client.PayloadSigning; by
	// default over plain http) signs it instead of computing it.
	PayloadSHA256 []byte
	// Retention protects the object in an IBM bucket with a protection
	// configuration (Retention-Period, Retention-Expiration-Date and
	// Retention-Legal-Hold-ID); other dialects refuse it with
	// client.ErrNotSupported. It goes with a single PUT only: an
	// unknown-length Body longer than one part is refused. IBM requires
	// an integrity header with it (Content-MD5 or an x-amz-checksum-*
	// header, immutable.md): the default integrity (Integrity) gives it
	// one, and when nothing else does (IntegrityOff) Put sends the
	// Content-MD5 of Body, read once more before sending; a Body that can
	// be read only once carries none and is refused on "Body" before
	// anything is sent. On IBM every PUT whose Body can be read twice
	// carries an integrity header, as a bucket with a retention policy
	// refuses uploads without one (client.ChecksumIfReplayable).
	Retention *client.Retention

	// prepared is the body with its checksums, as Put sends it.
	prepared opkit.PreparedBody
}

func (in *PutInput) options() *opkit.ObjectOptions {
	return &opkit.ObjectOptions{
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage,
		CacheControl: in.CacheControl, Expires: in.Expires, Metadata: in.Metadata,
		StorageClass: in.StorageClass, ACL: in.ACL, Grants: in.Grants, SSE: in.SSE,
		Retention: in.Retention,
	}
}

// PutOutput is the result of Put.
type PutOutput struct {
	ETag      string // as returned, with quotes stripped
	VersionID string // when versioning is on
	// CRC64 is the object's CRC-64/ECMA-182 when the dialect reports one
	// (COS); HasCRC64 says whether it did.
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the additional checksum the server verified and stored,
	// when the request carried one and the server reports it.
	Checksum client.Checksum
	// Verified names what the server verified the body with: "crc32c"
	// (or another additional checksum it echoed), "md5" (Content-MD5, or
	// an ETag equal to the body's MD5), "crc64" (COS's CRC-64, equal to
	// the body's). It is "" when nothing did, and Unverified then says
	// why (IntegrityOff; a one-shot stream; a server that ignored the
	// checksum). For a body sent as a multipart upload it names the
	// check every part passed.
	Verified   string
	Unverified string
	// UploadID is set when an unknown-length body was sent as a multipart
	// upload.
	UploadID  string
	RequestID string
}

var putOp = opkit.Op[PutInput, PutOutput]{
	Name:       "PutObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *PutInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if in.Size < 0 {
			return client.InvalidArgument("Size", "must not be negative (0 means all of Body)")
		}
		if max := d.Limits.MaxPutSize; max > 0 && in.Size > max {
			return client.InvalidArgument("Size", "%d bytes exceeds the %s single-PUT limit of %d; use a multipart upload", in.Size, d.Name, max)
		}
		if in.PartSize < 0 {
			return client.InvalidArgument("PartSize", "must not be negative")
		}
		if max := d.Limits.MaxPartSize; max > 0 && in.PartSize > max {
			return client.InvalidArgument("PartSize", "%d bytes exceeds the %s part size limit of %d", in.PartSize, d.Name, max)
		}
		if in.ContentMD5 != nil && len(in.ContentMD5) != 16 {
			return client.InvalidArgument("ContentMD5", "must be 16 bytes, got %d", len(in.ContentMD5))
		}
		if err := opkit.CheckChecksum(d, "Checksum", in.Checksum); err != nil {
			return err
		}
		if err := opkit.CheckTrailingChecksum(d, "TrailingChecksum", in.TrailingChecksum, in.Checksum); err != nil {
			return err
		}
		if err := opkit.CheckIntegrity("Integrity", in.Integrity); err != nil {
			return err
		}
		if err := opkit.CheckPayloadSHA256("PayloadSHA256", in.PayloadSHA256); err != nil {
			return err
		}
		return opkit.CheckObjectOptions(d, in.options())
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *PutInput, r *opkit.Request) error {
		if in.prepared != nil {
			r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
			opkit.SetObjectOptions(d, r.Header, in.options())
			in.prepared.Apply(r)
			if in.Retention != nil && d.Object.Retention.UploadChecksum {
				// IBM refuses retention headers without an integrity
				// header: a one-shot body that carries none is
				// refused here, before sending.
				return opkit.RequireChecksum(d, r.Header, r.Body)
			}
			return nil
		}
		size := in.Size
		if size == 0 {
			size = -1
		}
		body, err := opkit.NewBody(in.Body, size)
		if err != nil {
			return err
		}
		if max := d.Limits.MaxPutSize; max > 0 && body.Size() > max {
			return client.InvalidArgument("Size", "%d bytes exceeds the %s single-PUT limit of %d; use a multipart upload", body.Size(), d.Name, max)
		}
		r.Method, r.Bucket, r.Key, r.Body = http.MethodPut, in.Bucket, in.Key, body
		opkit.SetObjectOptions(d, r.Header, in.options())
		if in.ContentMD5 != nil {
			r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(in.ContentMD5))
		}
		opkit.SetChecksum(d, r.Header, in.Checksum)
		if in.TrailingChecksum != client.ChecksumNone {
			if !opkit.CanTrail(d, o) {
				return client.NotSupported(d, "TrailingChecksum", "trailing checksums with this signer")
			}
			opkit.SetTrailingChecksum(d, r, in.TrailingChecksum, in.ContentEncoding)
		} else if in.PayloadSHA256 != nil {
			r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(in.PayloadSHA256))
		}
		if in.Retention != nil && d.Object.Retention.UploadChecksum {
			// IBM refuses retention headers without an integrity
			// header.
			return opkit.RequireChecksum(d, r.Header, r.Body)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutOutput) error {
		out.ETag = opkit.TrimETag(resp.Header.Get("ETag"))
		out.VersionID = httpheader.Get(resp.Header, d.HeaderPrefix, "version-id")
		out.CRC64, out.HasCRC64 = opkit.CRC64Header(d, resp.Header)
		out.Checksum, _ = opkit.ResponseChecksum(d, resp.Header)
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Put stores an object. A body of known length is sent in one request
// (up to the dialect's Limits.MaxPutSize); a body whose length cannot be
// found is buffered one part at a time and sent in one request or as a
// multipart upload (see PutInput.Size).
func (c *Client) Put(ctx context.Context, in *PutInput, optFns ...func(*client.Options)) (*PutOutput, error) {
	if in != nil && in.Size == 0 && !lengthKnown(in.Body) {
		return c.putStream(ctx, in, optFns)
	}
	return c.putOne(ctx, in, optFns)
}

// lengthKnown reports whether opkit.NewBody can find r's length.
func lengthKnown(r io.Reader) bool {
	switch v := r.(type) {
	case nil, *bytes.Reader, *strings.Reader, *bytes.Buffer:
		return true
	case io.Seeker:
		_, err := v.Seek(0, io.SeekCurrent)
		return err == nil
	}
	return false
}

// Conditions are the conditional-request headers of Get and Head, and of
// a copy's or move's source.
type Conditions struct {
	IfMatch           string    // ETag that must match (else 412 → ErrPreconditionFailed)
	IfNoneMatch       string    // ETag that must not match (304 → ErrNotModified)
	IfModifiedSince   time.Time // zero = unset
	IfUnmodifiedSince time.Time
}

// apply writes the conditions with the given header prefix: "" for
// If-Match and friends, or a copy-source prefix such as
// "x-amz-copy-source-".
func (cd *Conditions) apply(h http.Header, prefix string) {
	name := func(n string) string {
		if prefix == "" {
			return n
		}
		return prefix + strings.ToLower(n)
	}
	opkit.SetHeader(h, name("If-Match"), opkit.QuoteETag(cd.IfMatch))
	opkit.SetHeader(h, name("If-None-Match"), opkit.QuoteETag(cd.IfNoneMatch))
	if !cd.IfModifiedSince.IsZero() {
		h.Set(name("If-Modified-Since"), cd.IfModifiedSince.UTC().Format(http.TimeFormat))
	}
	if !cd.IfUnmodifiedSince.IsZero() {
		h.Set(name("If-Unmodified-Since"), cd.IfUnmodifiedSince.UTC().Format(http.TimeFormat))
	}
}

// ResponseHeaders override headers of a Get answer (the response-*
// query parameters), for instance to make a browser download a file.
type ResponseHeaders struct {
	ContentType        string
	ContentLanguage    string
	Expires            string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
}

func (rh *ResponseHeaders) apply(q interface{ Set(string, string) }) {
	for _, kv := range [...][2]string{
		{"response-content-type", rh.ContentType},
		{"response-content-language", rh.ContentLanguage},
		{"response-expires", rh.Expires},
		{"response-cache-control", rh.CacheControl},
		{"response-content-disposition", rh.ContentDisposition},
		{"response-content-encoding", rh.ContentEncoding},
	} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
}

// GetInput is the input of Get.
type GetInput struct {
	Bucket    string
	Key       string
	VersionID string
	// Offset and Length select a byte range; Length 0 means to the end.
	Offset, Length int64
	Conditions
	// Override replaces headers of the answer.
	Override ResponseHeaders
	// SSE is the customer key the object was written with, if any.
	SSE *client.SSECustomer
	// ChecksumMode asks for the object's stored additional checksum
	// (Attributes.Checksum), on dialects with client.FeatureChecksums. A
	// ranged read gets none: the checksum is of the whole object. A read
	// of the whole object asks for it anyway, to verify the body, unless
	// DisableVerification is set.
	ChecksumMode bool
	// DisableVerification turns off the check of a whole object's body
	// against the checksum its answer publishes (see Get): Body is then
	// the server's bytes as they come. Verification is on by default.
	DisableVerification bool

	// noChecksumMode: the server refuses x-amz-checksum-mode, so Get
	// does not ask for the checksum by default.
	noChecksumMode bool
}

// ObjectType says whether an object can be appended to.
type ObjectType string

// Object types.
const (
	ObjectTypeNormal     ObjectType = "normal"
	ObjectTypeAppendable ObjectType = "appendable"
)

// Values returns every object type.
func (ObjectType) Values() []ObjectType { return []ObjectType{ObjectTypeNormal, ObjectTypeAppendable} }

// Attributes are an object's stored properties, returned by Get and Head.
type Attributes struct {
	ContentLength      int64
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	ContentRange       string // for ranged reads
	ETag               string
	LastModified       time.Time
	VersionID          string
	// DeleteMarker is set when the version asked for is a delete marker.
	DeleteMarker bool
	StorageClass client.StorageClass // "" when the server does not say (standard)
	// ObjectType is appendable for objects written by Append, normal
	// otherwise; NextAppendPosition is an appendable object's length.
	ObjectType         ObjectType
	NextAppendPosition int64
	// CRC64 is the object's CRC-64/ECMA-182 when the dialect reports one
	// (COS); HasCRC64 says whether it did.
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the object's additional checksum, reported when the
	// request set ChecksumMode and the object was stored with one. For an
	// object assembled by a multipart upload it is composite (Parts > 0):
	// a checksum of the parts' checksums, not of the content.
	Checksum client.Checksum
	// Encryption is the server-side encryption the answer reports
	// ("AES256", "aws:kms", "cos/kms", "SSE-C", ...; see
	// client.Dialect.Encryption), or "".
	Encryption string
	// OpaqueETag says ETag has the form of an MD5 but is not the MD5 of
	// the content: the object is encrypted with a KMS or customer key
	// (client.Dialect.ETagIsMD5).
	OpaqueETag bool
	Metadata   map[string]string // names lowercased, prefix removed
	// RequestID identifies the answer for the vendor's support.
	RequestID string
}

// GetOutput is the result of Get. The caller must close Body.
type GetOutput struct {
	// Body is the content. It implements io.WriterTo: io.Copy from it
	// writes a body of more than 64 KiB in steps of up to 128 KiB,
	// however little each read of the connection returns (one 16 KiB
	// record over TLS).
	Body io.ReadCloser
	Attributes
	// Size is the object's size: the total of a ranged answer's
	// Content-Range, or ContentLength for the whole object; -1 when the
	// server did not say.
	Size int64
	// Verified names the check Body makes while it is read, against the
	// checksum the answer publishes: "crc64" (COS), "crc32c", "crc32",
	// "crc64nvme", "sha256", "sha1" (S3 and IBM additional checksums),
	// "crc32c-composite" (a multipart object polystore's transfer
	// manager uploaded to S3 or IBM), "md5" (the ETag of an unencrypted
	// single-PUT object). When Body makes no check, Verified is "" and
	// Unverified says why (a ranged read, DisableVerification, nothing
	// published, a body the transport decompressed).
	Verified   string
	Unverified string

	status       int
	uncompressed bool
}

var getOp = opkit.Op[GetInput, GetOutput]{
	Name:       "GetObject",
	Idempotent: true,
	KeepBody:   true,
	Validate: func(d *client.Dialect, in *GetInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if in.Offset < 0 {
			return client.InvalidArgument("Offset", "must not be negative")
		}
		if in.Length < 0 {
			return client.InvalidArgument("Length", "must not be negative")
		}
		if err := checkVersionID(d, "VersionID", in.VersionID); err != nil {
			return err
		}
		if err := checkChecksumMode(d, in.ChecksumMode); err != nil {
			return err
		}
		return opkit.CheckSSE(d, "SSE", in.SSE)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *GetInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodGet, in.Bucket, in.Key
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		switch {
		case in.Length > 0:
			r.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", in.Offset, in.Offset+in.Length-1))
		case in.Offset > 0:
			r.Header.Set("Range", fmt.Sprintf("bytes=%d-", in.Offset))
		}
		in.Conditions.apply(r.Header, "")
		in.Override.apply(r.Query)
		opkit.SetSSECustomer(d, r.Header, in.SSE, false)
		setChecksumMode(d, r.Header, in.ChecksumMode || in.defaultChecksumMode(d))
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetOutput) error {
		out.Body = resp.Body
		out.Attributes = attributes(d, resp)
		out.status, out.uncompressed = resp.StatusCode, resp.Uncompressed
		return nil
	},
}

// Get opens an object for reading; the body streams from the server. A
// failed If-None-Match or If-Modified-Since is an error matching
// client.ErrNotModified (status 304); a failed If-Match or
// If-Unmodified-Since matches client.ErrPreconditionFailed (412).
//
// Get returns no bytes the answer shows to be other than those asked
// for. A ranged read (Offset, Length) must come back as that range: a
// 206 whose Content-Range starts at Offset and ends where asked (or at
// the object's end), with a Content-Length to match; a 200 with the whole
// object only when the range asked for covers it. Anything else (a
// server that ignored the Range header, a shifted Content-Range) is an
// error matching client.ErrRangeMismatch (*client.RangeError). With
// IfMatch set, an answer carrying another ETag (a server that ignored
// the condition) is an error matching client.ErrPreconditionFailed.
//
// A read of the whole object is verified while Body is read, against
// the checksum the answer publishes: COS's x-cos-hash-crc64ecma, an S3
// or IBM additional checksum (asked for with x-amz-checksum-mode, as the
// AWS SDKs do by default), the CRC-32C in the ETag polystore's transfer
// manager gives QingStor multipart objects, or the MD5 ETag of a
// single-PUT object that is not encrypted with a KMS or customer key.
// When the bytes do not match, Body's Read returns an error matching
// client.ErrChecksumMismatch (*client.ChecksumMismatchError) instead of
// io.EOF: the bytes already read must then be thrown away. CRCs cost
// little; MD5 costs about a second per GiB read. GetOutput.Verified
// names the check, Unverified says why there is none; a ranged read
// cannot be checked (the published checksums are of the whole object).
// DisableVerification turns the check off.
func (c *Client) Get(ctx context.Context, in *GetInput, optFns ...func(*client.Options)) (*GetOutput, error) {
	out, in, err := c.getNegotiated(ctx, in, optFns) // put_integrity.go
	if err != nil {
		return nil, err
	}
	d := opkit.DialectOf(c.c)
	if err := checkGet(d, in, out); err != nil {
		out.Body.Close()
		return nil, err
	}
	verifyBody(d, in, out)
	return out, nil
}

// HeadInput is the input of Head.
type HeadInput struct {
	Bucket    string
	Key       string
	VersionID string
	Conditions
	// SSE is the customer key the object was written with, if any.
	SSE *client.SSECustomer
	// ChecksumMode asks for the object's stored additional checksum
	// (Attributes.Checksum), on dialects with client.FeatureChecksums.
	ChecksumMode bool
}

// HeadOutput is the result of Head.
type HeadOutput struct{ Attributes }

var headOp = opkit.Op[HeadInput, HeadOutput]{
	Name:       "HeadObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *HeadInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if err := checkVersionID(d, "VersionID", in.VersionID); err != nil {
			return err
		}
		if err := checkChecksumMode(d, in.ChecksumMode); err != nil {
			return err
		}
		return opkit.CheckSSE(d, "SSE", in.SSE)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *HeadInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodHead, in.Bucket, in.Key
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		in.Conditions.apply(r.Header, "")
		opkit.SetSSECustomer(d, r.Header, in.SSE, false)
		setChecksumMode(d, r.Header, in.ChecksumMode)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *HeadOutput) error {
		out.Attributes = attributes(d, resp)
		return nil
	},
}

// Head returns an object's attributes without its content. A missing
// object is an error matching client.ErrNotFound; conditions fail as in
// Get.
func (c *Client) Head(ctx context.Context, in *HeadInput, optFns ...func(*client.Options)) (*HeadOutput, error) {
	return opkit.Call(ctx, c.c, &headOp, in, optFns...)
}

// DeleteInput is the input of Delete.
type DeleteInput struct {
	Bucket string
	Key    string
	// VersionID deletes one version for good; without it, a versioned
	// bucket keeps the data and adds a delete marker.
	VersionID string
}

// DeleteOutput is the result of Delete.
type DeleteOutput struct {
	// VersionID is the version deleted, or the new delete marker's.
	VersionID string
	// DeleteMarker says a delete marker was created (or deleted).
	DeleteMarker bool
	RequestID    string
}

var deleteOp = opkit.Op[DeleteInput, DeleteOutput]{
	Name:       "DeleteObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *DeleteInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		return checkVersionID(d, "VersionID", in.VersionID)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *DeleteInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodDelete, in.Bucket, in.Key
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeleteOutput) error {
		out.VersionID = httpheader.Get(resp.Header, d.HeaderPrefix, "version-id")
		out.DeleteMarker = httpheader.Get(resp.Header, d.HeaderPrefix, "delete-marker") == "true"
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Delete removes an object (or one version of it). Deleting a missing key
// succeeds, as the services do.
func (c *Client) Delete(ctx context.Context, in *DeleteInput, optFns ...func(*client.Options)) (*DeleteOutput, error) {
	return opkit.Call(ctx, c.c, &deleteOp, in, optFns...)
}

// checkVersionID refuses a version id on a dialect without versioning.
func checkVersionID(d *client.Dialect, field, id string) error {
	if id != "" && !d.Has(client.FeatureVersioning) {
		return client.NotSupported(d, field, "object versions")
	}
	return nil
}

// checkChecksumMode refuses ChecksumMode on a dialect without additional
// checksums.
func checkChecksumMode(d *client.Dialect, on bool) error {
	if on && !d.Has(client.FeatureChecksums) {
		return client.NotSupported(d, "ChecksumMode", "additional checksums")
	}
	return nil
}

// setChecksumMode asks for the stored checksum (x-amz-checksum-mode).
func setChecksumMode(d *client.Dialect, h http.Header, on bool) {
	if on {
		h[httpheader.Key(d.HeaderPrefix, "checksum-mode")] = checksumModeEnabled[:1:1]
	}
}

// checksumModeEnabled is the value of every x-amz-checksum-mode header
// (shared: header values are replaced, never changed in place).
var checksumModeEnabled = []string{"ENABLED"}

func attributes(d *client.Dialect, resp *http.Response) Attributes {
	h := resp.Header
	a := Attributes{
		ContentLength:      resp.ContentLength,
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
		ContentRange:       h.Get("Content-Range"),
		ETag:               opkit.TrimETag(h.Get("ETag")),
		VersionID:          httpheader.Get(h, d.HeaderPrefix, "version-id"),
		DeleteMarker:       httpheader.Get(h, d.HeaderPrefix, "delete-marker") == "true",
		StorageClass:       client.StorageClass(httpheader.Get(h, d.Object.StorageClassHeader, "")),
		ObjectType:         ObjectTypeNormal,
		RequestID:          opkit.RequestID(d, h),
	}
	if a.ContentLength < 0 {
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			a.ContentLength = n
		}
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		a.LastModified = t
	}
	if w := &d.Object; w.ObjectTypeHeader != "" {
		if v := strings.ToLower(httpheader.Get(h, w.ObjectTypeHeader, "")); v != "" {
			a.ObjectType = ObjectType(v)
		}
		if n, err := strconv.ParseInt(httpheader.Get(h, w.NextAppendPositionHeader, ""), 10, 64); err == nil {
			a.NextAppendPosition = n
		}
	}
	a.CRC64, a.HasCRC64 = opkit.CRC64Header(d, h)
	a.Checksum, _ = opkit.ResponseChecksum(d, h)
	a.Encryption = opkit.Encryption(d, h)
	a.OpaqueETag = opkit.IsMD5Hex(a.ETag) && !opkit.ETagIsMD5(d, h)
	p := d.MetaPrefix
	for name, vals := range h {
		// Only a metadata header's name is lowered (a new string): the
		// prefix is compared in place.
		if len(name) > len(p) && len(vals) > 0 && strings.EqualFold(name[:len(p)], p) {
			if a.Metadata == nil {
				a.Metadata = make(map[string]string)
			}
			a.Metadata[strings.ToLower(name[len(p):])] = vals[0]
		}
	}
	return a
}
