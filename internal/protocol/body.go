package protocol

import "io"

// BodyInput describes the body of a write (a single PUT, an UploadPart)
// and the integrity its call asked for: the input of
// internal/opkit.PrepareBody. I, C and A are the client's Integrity,
// Checksum and ChecksumAlgorithm (generic only because this package
// cannot import client; opkit.BodyInput is the instance).
type BodyInput[I, C, A any] struct {
	// Op names the operation ("PutObject"), for errors and log records.
	Op string
	// Body and Size are as the operation takes them (see opkit.NewBody):
	// Size 0 means all of a Body whose length can be found.
	Body io.Reader
	Size int64
	// Integrity is the call's choice; IntegrityDefault takes the
	// client's Options.Integrity.
	Integrity I
	// ContentMD5, Checksum and TrailingChecksum are checksums the call
	// names itself. They are sent as they are, and no default is added.
	ContentMD5       []byte
	Checksum         C
	TrailingChecksum A
	// PayloadSHA256 is the body's raw SHA-256 when the caller has it
	// (computed with its other digests). Without it, the SHA-256 is
	// computed in the read that computes the checksum, when the payload
	// is signed (PayloadSigning).
	PayloadSHA256 []byte
	// ContentEncoding is the object's own Content-Encoding, which a
	// trailer's aws-chunked encoding precedes.
	ContentEncoding string
}

// BodyAnswer is what a successful answer to a write reports of the body
// it stored. C is the client's Checksum.
type BodyAnswer[C any] struct {
	// ETag is the answer's ETag, without quotes.
	ETag string
	// Checksum is the additional checksum the answer echoes, if any.
	Checksum C
	// CRC64 is the answer's CRC-64 (COS), when HasCRC64.
	CRC64    uint64
	HasCRC64 bool
}

// ObjectOptions are the settings shared by requests that write an object
// (put, copy, initiate multipart, append). Operation packages fill one
// (as opkit.ObjectOptions, the instance with the client's types: SC
// StorageClass, ACL CannedACL, G Grant, SSE SSECustomer, R Retention)
// and call opkit.CheckObjectOptions and opkit.SetObjectOptions; only the
// client knows their header names.
type ObjectOptions[SC, ACL, G, SSE, R any] struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string // an HTTP date, as stored
	Metadata           map[string]string
	StorageClass       SC
	ACL                ACL
	Grants             []G
	SSE                *SSE
	// Retention protects the object as it is written (IBM); nil sends
	// no retention headers.
	Retention *R
}
