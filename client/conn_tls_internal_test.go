package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
)

// tlsTestTransport is the client's own transport trusting srv's
// certificate.
func tlsTestTransport(t *testing.T, srv *httptest.Server) *http.Transport {
	t.Helper()
	tr := newTransport(Timeouts{})
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// TestTLSBulkConn: over HTTPS (HTTP/1.1) the client's own transport sends
// a request body through a tlsBulkConn, whose ReadFrom reads the body in
// 256 KiB chunks, and every byte arrives, in order; the handshake is
// traced as net/http traces its own.
func TestTLSBulkConn(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer srv.Close()
	tr := tlsTestTransport(t, srv)

	data := bytes.Repeat([]byte("polystore"), 300_000) // 2.7 MB: eleven chunks
	src := &sizeRecorder{r: bytes.NewReader(data)}
	var (
		conn           net.Conn
		started, ended bool
	)
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn:           func(i httptrace.GotConnInfo) { conn = i.Conn },
		TLSHandshakeStart: func() { started = true },
		TLSHandshakeDone:  func(_ tls.ConnectionState, err error) { ended = err == nil },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, io.NopCloser(src))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(data))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("received %d bytes, not the %d sent", len(b), len(data))
	}
	tc, ok := conn.(*tlsBulkConn)
	if !ok {
		t.Fatalf("the connection is a %T, want *tlsBulkConn", conn)
	}
	if tc.raw.held != nil {
		t.Error("the raw connection still holds records after the body was sent")
	}
	if !started || !ended {
		t.Errorf("handshake traced: start %v, done %v", started, ended)
	}
	// net/http reads the first bytes into its header buffer; the rest
	// goes through ReadFrom in chunks.
	chunks := 0
	for _, n := range src.sizes {
		if n == tlsChunk {
			chunks++
		}
	}
	if chunks < len(data)/tlsChunk-1 || len(src.sizes) > len(data)/tlsChunk+4 {
		t.Errorf("reads of %v bytes, want %d-byte chunks", src.sizes, tlsChunk)
	}
}

// TestTLSBulkConnHTTP2: a server that chooses HTTP/2 gets the *tls.Conn
// itself, which net/http needs for HTTP/2.
func TestTLSBulkConnHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tr := tlsTestTransport(t, srv)
	tr.TLSClientConfig.NextProtos = []string{"h2", "http/1.1"}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "HTTP/2.0" || resp.TLS == nil {
		t.Errorf("the server saw %q (TLS state %v), want HTTP/2.0 over a *tls.Conn", b, resp.TLS != nil)
	}
}

// TestHeldWritesKeepOrder: writes between hold and flush are sent, at the
// flush, before any later write.
func TestHeldWritesKeepOrder(t *testing.T) {
	addr, got := listenOnce(t)
	conn, err := bulkDial(nil, 0)(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	bc := conn.(*bulkConn)
	bc.Write([]byte("a"))
	bc.hold()
	bc.Write([]byte("b"))
	bc.Write([]byte("c"))
	if err := bc.flush(); err != nil {
		t.Fatal(err)
	}
	bc.Write([]byte("d"))
	bc.Close()
	if b := <-got; string(b) != "abcd" {
		t.Fatalf("received %q, want abcd", b)
	}
}

// TestTLSReadAhead: over HTTPS a response body reaches the client intact
// through the readAheadConn under the TLS connection, and once the body
// is read the connection holds no read-ahead buffer.
func TestTLSReadAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 200_000) // 3.2 MB: about 200 records
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(data)
	}))
	defer srv.Close()
	tr := tlsTestTransport(t, srv)
	var conn net.Conn
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { conn = i.Conn },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(b, data) {
		t.Fatalf("received %d bytes (%v), not the %d sent", len(b), err, len(data))
	}
	tc, ok := conn.(*tlsBulkConn)
	if !ok {
		t.Fatalf("the connection is a %T, want *tlsBulkConn", conn)
	}
	ra, ok := tc.NetConn().(*readAheadConn)
	if !ok {
		t.Fatalf("under the TLS connection is a %T, want *readAheadConn", tc.NetConn())
	}
	if ra.buf != nil {
		t.Errorf("the idle connection holds %d read-ahead bytes", ra.w-ra.r)
	}
}

// TestReadAheadConn: small reads are served from one read of the socket,
// in order; a read as large as the buffer goes to the socket directly;
// the end of the stream comes after the last byte.
func TestReadAheadConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := bytes.Repeat([]byte("abcdefghij"), 30_000) // 300 kB
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write(data)
		c.Close()
	}()
	conn, err := bulkDial(nil, 0)(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ra := &readAheadConn{bulkConn: conn.(*bulkConn)}
	var got []byte
	small := make([]byte, 1000)
	large := make([]byte, readAheadSize)
	for i := 0; ; i++ {
		p := small
		if i%7 == 6 && ra.buf == nil {
			p = large
		}
		n, err := ra.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d sent (or out of order)", len(got), len(data))
	}
	if ra.buf != nil {
		t.Error("the buffer is held after the end of the stream")
	}
}
