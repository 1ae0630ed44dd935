package h1

import (
	"net"
	"syscall"
	"unsafe"
)

// alive reports whether an idle connection is still open and silent: a
// peek at its socket finds neither an end (the server closed it) nor
// bytes (which an idle HTTP/1.1 connection must not receive; over TLS, a
// close_notify alert). It costs one non-blocking system call.
func (c *conn) alive() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	nc := c.nc
	if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
		nc = tc.NetConn() // under TLS: a close_notify is bytes too
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	if ra, ok := nc.(interface{ Buffered() int }); ok && ra.Buffered() > 0 { // a read-ahead buffer under TLS
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	p := peeker{}
	if err := rc.Read(p.peek); err != nil {
		return false
	}
	return p.alive
}

// peeker is the state of one peek, in a value whose method is the
// RawConn callback.
type peeker struct {
	buf   [1]byte
	alive bool
}

func (p *peeker) peek(fd uintptr) bool {
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&p.buf[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	// Nothing to read yet is the one answer of a live idle connection;
	// a byte, an end (0) or another error mean it cannot be used.
	p.alive = errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
	return true
}
