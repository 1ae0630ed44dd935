package client

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
)

// sizeRecorder is a source that records how much each Read asks for.
type sizeRecorder struct {
	r     io.Reader
	sizes []int
}

func (s *sizeRecorder) Read(p []byte) (int, error) {
	s.sizes = append(s.sizes, len(p))
	return s.r.Read(p)
}

// listenOnce listens on 127.0.0.1 and sends on got everything the first
// connection writes, once it closes.
func listenOnce(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()
	return ln.Addr().String(), got
}

// TestBulkConn: the client's own transport dials bulkConns, whose
// ReadFrom (net/http's path for a body of known length) reads the body in
// 256 KiB chunks and delivers every byte.
func TestBulkConn(t *testing.T) {
	addr, got := listenOnce(t)
	conn, err := bulkDial(nil, 0)(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	bc, ok := conn.(*bulkConn)
	if !ok {
		t.Fatalf("dialed %T, want *bulkConn", conn)
	}
	data := bytes.Repeat([]byte("polystore"), 300_000) // 2.7 MB
	src := &sizeRecorder{r: bytes.NewReader(data)}
	n, err := bc.ReadFrom(&io.LimitedReader{R: src, N: int64(len(data))})
	if err != nil || n != int64(len(data)) {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	bc.Close()
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("received %d bytes, not the %d sent", len(b), len(data))
	}
	if src.sizes[0] != bulkBufSize {
		t.Errorf("reads of %d bytes, want %d", src.sizes[0], bulkBufSize)
	}
	if len(src.sizes) > len(data)/bulkBufSize+2 {
		t.Errorf("%d reads for %d bytes", len(src.sizes), len(data))
	}
}

// TestBulkConnFileSection: a section of a file reaches the peer intact
// through bulkConn.ReadFrom — by sendfile where the platform has it —
// starting at the section's offset and stopping at its end, even from the
// middle of the section (as net/http continues after its first 4 KiB).
func TestBulkConnFileSection(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdefghij"), 200_000) // 4 MB
	f, err := os.CreateTemp(t.TempDir(), "section")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	addr, got := listenOnce(t)
	conn, err := bulkDial(nil, 0)(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	bc := conn.(*bulkConn)
	const off, n = 1000, 3_000_000
	body := sectionBody(f, off, n)
	r, err := bodyReader(body)
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := r.(*fileSection)
	if !ok {
		t.Fatalf("a file's section body reads through %T, want *fileSection", r)
	}
	head := make([]byte, 4096) // what net/http's bufio takes first
	if _, err := io.ReadFull(fs, head); err != nil {
		t.Fatal(err)
	}
	lr := &io.LimitedReader{R: fs, N: n - 4096}
	if _, err := bc.Write(head); err != nil {
		t.Fatal(err)
	}
	half := &io.LimitedReader{R: fs, N: lr.N / 2}
	w, err := bc.ReadFrom(half) // the path net/http takes
	if err != nil || w != n/2-2048 || half.N != 0 {
		t.Fatalf("ReadFrom = %d, %v (%d left)", w, err, half.N)
	}
	lr.N -= w
	if runtime.GOOS == "linux" { // the kernel sends the rest, nothing is copied
		w, handled, err := bc.sendFile(lr, fs)
		if !handled || err != nil || w != n-4096-n/2+2048 {
			t.Fatalf("sendFile = %d, %v, %v; want the rest sent by sendfile", w, handled, err)
		}
	} else if _, err := bc.ReadFrom(lr); err != nil {
		t.Fatal(err)
	}
	if lr.N != 0 {
		t.Fatalf("%d bytes not sent", lr.N)
	}
	if k, err := fs.Read(head); k != 0 || err != io.EOF {
		t.Errorf("the section reads on past its end: %d, %v", k, err)
	}
	bc.Close()
	if b := <-got; !bytes.Equal(b, data[off:off+n]) {
		t.Fatalf("received %d bytes, not the %d-byte section", len(b), n)
	}
}
