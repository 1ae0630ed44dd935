//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package transfer

// allocPart returns n bytes from the Go heap (this platform has no
// anonymous mappings the transfer manager uses).
func allocPart(n int) []byte { return make([]byte, n) }

// freePart leaves the buffer to the garbage collector.
func freePart([]byte) {}
