package h1

import (
	"net"
	"syscall"
	"unsafe"
)

// connPeek is what a connection keeps for its liveness peeks: its raw
// socket and the peek callback, made at the first peek, so that a
// pooled connection's reuse costs no allocation.
type connPeek struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool // pk.peek, bound once
	buf   [1]byte
	alive bool
}

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
	pk := &c.pk
	if pk.rc == nil {
		rc, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		pk.rc, pk.fn = rc, pk.peek
	}
	pk.alive = false
	if err := pk.rc.Read(pk.fn); err != nil {
		return false
	}
	return pk.alive
}

func (pk *connPeek) peek(fd uintptr) bool {
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&pk.buf[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	// Nothing to read yet is the one answer of a live idle connection;
	// a byte, an end (0) or another error mean it cannot be used.
	pk.alive = errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
	return true
}
