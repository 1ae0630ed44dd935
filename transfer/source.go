package transfer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/polystore/polystore/client"
)

// UploadInput is the input of Manager.Upload. Set exactly one source:
// File, ReaderAt (with Size) or Reader.
type UploadInput struct {
	Bucket string
	Key    string
	// File is the path of a file to upload. It is read in sections
	// (io.SectionReader), never buffered whole, and can be resumed after
	// a crash with Options.CheckpointDir.
	File string
	// ReaderAt and Size are a source of known size, read in sections
	// concurrently.
	ReaderAt io.ReaderAt
	Size     int64
	// Reader is a source of unknown size, read once, in order, into
	// pooled part buffers.
	Reader io.Reader
	// UploadID, if set, continues that multipart upload (of a File or
	// ReaderAt source): its parts are listed, the ones that match the
	// source are kept, and only the rest is sent.
	UploadID string
	// ObjectOptions are the object's stored properties.
	ObjectOptions
}

func (in *UploadInput) check() error {
	if in.Bucket == "" {
		return client.InvalidArgument("Bucket", "must not be empty")
	}
	if in.Key == "" {
		return client.InvalidArgument("Key", "must not be empty")
	}
	n := 0
	if in.File != "" {
		n++
	}
	if in.ReaderAt != nil {
		n++
		if in.Size < 0 {
			return client.InvalidArgument("Size", "must not be negative")
		}
	}
	if in.Reader != nil {
		n++
	}
	switch {
	case n == 0:
		return client.InvalidArgument("File", "no source: set File, ReaderAt or Reader")
	case n > 1:
		return client.InvalidArgument("File", "more than one source: set only one of File, ReaderAt and Reader")
	}
	if in.ReaderAt == nil && in.Size != 0 {
		return client.InvalidArgument("Size", "is only for a ReaderAt source")
	}
	if in.Reader != nil && in.UploadID != "" {
		return client.InvalidArgument("UploadID", "cannot be resumed from a Reader source, which is read only once")
	}
	return nil
}

// source is an opened upload source.
type source struct {
	ra    io.ReaderAt // nil for a stream
	r     io.Reader   // a stream
	size  int64       // -1 for a stream
	file  *os.File    // owned
	ident *sourceIdent
}

func openSource(in *UploadInput) (*source, error) {
	switch {
	case in.ReaderAt != nil:
		return &source{ra: in.ReaderAt, size: in.Size}, nil
	case in.Reader != nil:
		return &source{r: in.Reader, size: -1}, nil
	}
	f, err := os.Open(in.File)
	if err != nil {
		return nil, err
	}
	ident, err := identify(f, in.File)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &source{ra: f, size: ident.Size, file: f, ident: ident}, nil
}

// identify describes an open file for the journal.
func identify(f *os.File, path string) (*sourceIdent, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("transfer: %s is not a regular file", path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	fp, err := fingerprint(f, st.Size())
	if err != nil {
		return nil, err
	}
	return &sourceIdent{Path: path, Size: st.Size(), ModTime: st.ModTime().UTC(), Fingerprint: fp}, nil
}

const fingerprintSpan = 64 << 10

// fingerprint hashes the size and the first and last 64 KiB of r.
func fingerprint(r io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(size))
	h.Write(n[:])
	head := min(size, fingerprintSpan)
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, head)); err != nil {
		return "", err
	}
	if tail := max(head, size-fingerprintSpan); tail < size {
		if _, err := io.Copy(h, io.NewSectionReader(r, tail, size-tail)); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// unchanged reports an error if a file source changed since it was
// opened (size or modification time).
func (s *source) unchanged() error {
	if s.file == nil || s.ident == nil {
		return nil
	}
	st, err := s.file.Stat()
	if err != nil {
		return err
	}
	if st.Size() != s.ident.Size || !st.ModTime().Equal(s.ident.ModTime) {
		return fmt.Errorf("%w: %s was modified while it was being uploaded", ErrSourceChanged, s.ident.Path)
	}
	return nil
}

func (s *source) close() {
	if s != nil && s.file != nil {
		s.file.Close()
	}
}
