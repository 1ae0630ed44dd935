package client

import (
	"bytes"
	"context"
	"io"
	"net"
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

// TestBulkConn: the client's own transport dials bulkConns, whose
// ReadFrom (net/http's path for a body of known length) reads the body in
// 256 KiB chunks and delivers every byte.
func TestBulkConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
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
	conn, err := bulkDial(nil)(context.Background(), "tcp", ln.Addr().String())
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
