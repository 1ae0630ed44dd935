package vendortest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// oddKey exercises key encoding in every SDK: spaces, '+', '%', '&', '=',
// '~', parentheses and non-ASCII letters.
const oddKey = "dir/odd key+plus 100% & a=b ~(x) ünïcödé-日本語.txt"

// minPart is the part size of the tests' small multipart uploads; the
// servers accept it because their MinPartSize is lowered to it.
const minPart = 64 << 10

// startServer starts a storagetest server for d, with parts of minPart
// bytes accepted. It is closed when the test ends; what the server logged
// (refused signatures, one line per request) is printed if the test
// failed.
func startServer(t *testing.T, d client.Dialect, optFns ...func(*storagetest.Options)) *storagetest.Server {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	opts := append([]func(*storagetest.Options){func(o *storagetest.Options) {
		o.MinPartSize = minPart
		o.Logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		}
	}}, optFns...)
	srv := storagetest.NewServer(d, opts...)
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("server log:\n%s", strings.Join(lines, "\n"))
		}
	})
	return srv
}

// randomData returns n pseudo-random bytes, the same for the same seed.
func randomData(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(key).Read(b) // never fails
	return b
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// opCount counts the server's log entries for op that got status.
func opCount(srv *storagetest.Server, op string, status int) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Op == op && r.Status == status {
			n++
		}
	}
	return n
}

// lastRequest returns the last log entry for op, failing the test if
// there is none.
func lastRequest(t *testing.T, srv *storagetest.Server, op string) storagetest.Request {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Op == op {
			return reqs[i]
		}
	}
	t.Fatalf("no %s request in the server log", op)
	return storagetest.Request{}
}

// wire records the response heads a client received, as they were on the
// wire (Go's HTTP client canonicalizes header names, so the spelling the
// server used is only visible here). Its transport sends every connection
// to the server and uses each for one request.
type wire struct {
	mu    sync.Mutex
	conns []*bytes.Buffer
}

// transport returns an HTTP transport that records into w.
func (w *wire) transport(srv *storagetest.Server) *http.Transport {
	return &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := srv.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			buf := new(bytes.Buffer)
			w.mu.Lock()
			w.conns = append(w.conns, buf)
			w.mu.Unlock()
			return &recordingConn{Conn: c, w: w, buf: buf}, nil
		},
	}
}

// headerNames returns the header names of every response recorded so
// far, one list per response.
func (w *wire) headerNames() [][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out [][]string
	for _, b := range w.conns {
		head, _, ok := strings.Cut(b.String(), "\r\n\r\n")
		if !ok {
			continue
		}
		var names []string
		for _, line := range strings.Split(head, "\r\n")[1:] {
			name, _, _ := strings.Cut(line, ":")
			names = append(names, name)
		}
		out = append(out, names)
	}
	return out
}

type recordingConn struct {
	net.Conn
	w   *wire
	buf *bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.mu.Lock()
	c.buf.Write(p[:n])
	c.w.mu.Unlock()
	return n, err
}

// checkSpelling fails the test for a response header not spelled as the
// vendors' servers send it (ETag; x-amz-*, x-cos-*, x-qs-*, ibm-* in
// lower case), and returns every name seen.
func checkSpelling(t *testing.T, w *wire) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, names := range w.headerNames() {
		for _, n := range names {
			seen[n] = true
			ln := strings.ToLower(n)
			switch {
			case ln == "etag" && n != "ETag":
				t.Errorf("response header %q, want ETag", n)
			case (strings.HasPrefix(ln, "x-amz-") || strings.HasPrefix(ln, "x-cos-") || strings.HasPrefix(ln, "x-qs-") || strings.HasPrefix(ln, "ibm-")) && n != ln:
				t.Errorf("response header %q, want %q", n, ln)
			}
		}
	}
	return seen
}
