package client

import (
	"io"
	"os"
)

// fileSection is one attempt's reader over n bytes of a file from off.
// It reads with pread (ReadAt), so attempts and parts share the file
// without a shared offset. Over a plain-TCP connection of the client's
// transport the section is not read at all: bulkConn.ReadFrom recognises
// it and has the kernel send the bytes from the page cache (sendfile),
// without copying them through the process.
type fileSection struct {
	f   *os.File
	off int64 // the section's start in the file
	n   int64 // its length
	pos int64 // bytes consumed

	// watch, if set, is told of progress: the section is sent under the
	// client's stall timeout (watchdog.go).
	watch *watch
	// progress, if set, is told how many bytes of the section have been
	// sent so far (sendprogress, from the request's context).
	progress func(int64)
}

func (s *fileSection) Read(p []byte) (int, error) {
	if s.watch != nil {
		s.watch.sendWaiting()
	}
	k, err := s.read(p)
	if k > 0 && s.progress != nil {
		s.progress(s.pos)
	}
	if s.watch != nil {
		switch {
		case err != nil || s.pos >= s.n:
			s.watch.sendDone()
		case k > 0:
			s.watch.sent()
		}
	}
	return k, err
}

func (s *fileSection) read(p []byte) (int, error) {
	if s.pos >= s.n {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n-s.pos {
		p = p[:s.n-s.pos]
	}
	k, err := s.f.ReadAt(p, s.off+s.pos)
	s.pos += int64(k)
	if err == io.EOF && s.pos < s.n {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return k, err
}

// fileSectionBody returns a replayable body of n bytes of f from off.
func fileSectionBody(f *os.File, off, n int64) *payload {
	return &payload{File: f, Off: off, Len: n, Replay: true}
}

// Close does nothing: the file belongs to the caller. Being an
// io.ReadCloser keeps net/http from wrapping the section, so the
// transport's connection sees it.
func (s *fileSection) Close() error { return nil }
