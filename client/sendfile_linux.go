package client

import (
	"errors"
	"io"
	"syscall"
)

// progressChunk is the most a sendfile call sends when the section
// reports its progress.
const progressChunk = 1 << 20

// sendFile sends lr.N bytes of the file section under lr to the socket
// with sendfile(2): the kernel moves them from the page cache, the
// process copies nothing. It reports handled=false, having sent nothing,
// if the connection or the file cannot do it; the caller then copies.
func (c *bulkConn) sendFile(lr *io.LimitedReader, fs *fileSection) (written int64, handled bool, err error) {
	sock, err := c.TCPConn.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	file, err := fs.f.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	if fs.watch != nil {
		fs.watch.sent() // from here, no byte moving for Timeouts.Stall is a stall
	}
	// With a progress callback the kernel is asked for at most
	// progressChunk bytes a call, so that a large section on a slow link
	// shows movement; each call still moves a socket buffer's worth.
	chunk := int64(1 << 30)
	if fs.progress != nil {
		chunk = progressChunk
	}
	var serr error
	cerr := file.Control(func(ffd uintptr) {
		werr := sock.Write(func(sfd uintptr) bool {
			for lr.N > 0 && fs.pos < fs.n {
				off := fs.off + fs.pos
				k, e := syscall.Sendfile(int(sfd), int(ffd), &off, int(min(lr.N, fs.n-fs.pos, chunk)))
				if k > 0 {
					fs.pos += int64(k)
					lr.N -= int64(k)
					written += int64(k)
					if fs.watch != nil {
						fs.watch.sent()
					}
					if fs.progress != nil {
						fs.progress(fs.pos)
					}
				}
				switch {
				case e == syscall.EAGAIN:
					return false // wait until the socket is writable
				case e == syscall.EINTR:
					continue
				case e != nil:
					serr = e
					return true
				case k == 0:
					serr = io.ErrUnexpectedEOF // the file is shorter than the section
					return true
				}
			}
			return true
		})
		if serr == nil {
			serr = werr
		}
	})
	if cerr != nil && serr == nil {
		serr = cerr
	}
	if written == 0 && (errors.Is(serr, syscall.EINVAL) || errors.Is(serr, syscall.ENOSYS)) {
		return 0, false, nil // no sendfile for this pair: copy instead
	}
	if fs.watch != nil && (serr != nil || fs.pos >= fs.n) {
		fs.watch.sendDone()
	}
	return written, true, serr
}
