package protocol

import (
	"io"
	"net/http"
	"net/url"
	"os"
)

// Request is what an operation's Serialize fills in: the pieces of an
// HTTP request before the client turns them into a URL, signs and sends
// them.
type Request struct {
	Method string
	Bucket string // empty for service-level calls
	Key    string // empty for bucket-level calls
	Query  url.Values
	Header http.Header
	Body   *Body // nil for no body
}

// Body is a request payload. Bodies built from []byte, io.ReaderAt or
// io.ReadSeeker can be sent again on a retry without being buffered; a
// plain io.Reader is sent once and never read into memory, so a request
// that needs a retry after its body was consumed fails with
// client.ErrBodyNotReplayable. Build one with internal/opkit's NewBody,
// BytesBody, SectionBody or StreamBody; its fields are the client's.
type Body struct {
	// Len is the body's length in bytes.
	Len int64
	// Replay says the body can be sent more than once.
	Replay bool
	// IntegrityOff: the call turned integrity checks off
	// (IntegrityOff), which a ChecksumIfReplayable need respects.
	IntegrityOff bool

	// One of these gives each attempt its reader: a section of RA from
	// Off, a copy of an in-memory reader (Mem, from Off, to its end), a
	// file section (File, from Off), or Open.
	RA   io.ReaderAt
	Mem  InMemory
	File *os.File
	Off  int64
	Open func() (io.Reader, error)
}

// InMemory is a reader net/http recognises as in memory (*bytes.Reader
// or *strings.Reader).
type InMemory interface {
	io.Reader
	io.Seeker
	Size() int64
}

// Size returns the body length in bytes.
func (b *Body) Size() int64 { return b.Len }

// Replayable reports whether the body can be sent more than once.
func (b *Body) Replayable() bool { return b.Replay }
