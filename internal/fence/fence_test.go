package fence

import (
	"errors"
	"io"
	"sync"
	"testing"
)

func TestBufferReads(t *testing.T) {
	b := New([]byte("0123456789"))
	p := make([]byte, 4)
	if n, err := b.ReadAt(p, 8); n != 2 || err != io.EOF || string(p[:n]) != "89" {
		t.Fatalf("ReadAt(8) = %d, %v, %q", n, err, p[:n])
	}
	if _, err := b.ReadAt(p, -1); err == nil {
		t.Fatal("ReadAt(-1) succeeded")
	}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "0123456789" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if pos, err := b.Seek(-3, io.SeekEnd); pos != 7 || err != nil {
		t.Fatalf("Seek(-3, end) = %d, %v", pos, err)
	}
	if got, _ := io.ReadAll(b); string(got) != "789" {
		t.Fatalf("after Seek: %q", got)
	}
	if _, err := b.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("Seek(-1) succeeded")
	}
}

// TestBufferRelease: reads after Release fail with ErrReleased, and
// Release waits for a read in progress: the race detector reports the
// test's rewrite of the bytes after Release if a read could still copy
// them.
func TestBufferRelease(t *testing.T) {
	data := make([]byte, 1<<20)
	b := New(data)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := make([]byte, 64<<10)
			for off := int64(0); ; off = (off + int64(len(p))) % int64(len(data)) {
				if _, err := b.ReadAt(p, off); errors.Is(err, ErrReleased) {
					return
				} else if err != nil && err != io.EOF {
					t.Error(err)
					return
				}
			}
		}()
	}
	b.Release()
	for i := range data {
		data[i] = 1 // the caller's again
	}
	wg.Wait()
	if _, err := b.Read(make([]byte, 1)); !errors.Is(err, ErrReleased) {
		t.Fatalf("Read after Release: %v", err)
	}
	if b.Bytes() != nil {
		t.Fatal("Bytes after Release is not nil")
	}
	b.Release() // again: no panic
}
