package h1

import (
	"bufio"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// socketPair returns the two ends of a connected Unix stream socket: a
// write to one is in the other's receive queue when the write returns,
// and a close is seen at once, so the peeks below need no waiting.
func socketPair(t *testing.T) (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	ends := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		ends[i] = c
	}
	return ends[0], ends[1]
}

// TestAlive: a silent idle connection is alive, peek after peek (the
// peek's state is kept on the connection); one that received a byte, or
// whose peer closed it, is not; and peeking allocates nothing after the
// first.
func TestAlive(t *testing.T) {
	local, peer := socketPair(t)
	c := &conn{nc: local, br: bufio.NewReader(local)}
	require.True(t, c.alive(), "a silent connection")
	require.True(t, c.alive(), "the same, peeked again")
	require.Zero(t, testing.AllocsPerRun(100, func() { c.alive() }), "allocations per peek")
	_, err := peer.Write([]byte("x"))
	require.NoError(t, err)
	require.False(t, c.alive(), "a connection with an unsolicited byte")

	local, peer = socketPair(t)
	c = &conn{nc: local, br: bufio.NewReader(local)}
	require.True(t, c.alive())
	require.NoError(t, peer.Close())
	require.False(t, c.alive(), "a connection its peer closed")
}
