//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transfer

import "syscall"

// allocPart returns n bytes of anonymous private memory, outside the Go
// heap; it falls back to the heap if the mapping fails.
func allocPart(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n)
	}
	return b
}

// freePart unmaps a buffer from allocPart. Unmapping a heap buffer (the
// fallback) fails with EINVAL and leaves it to the collector.
func freePart(b []byte) {
	if cap(b) > 0 {
		_ = syscall.Munmap(b[:cap(b)])
	}
}
