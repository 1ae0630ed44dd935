package gather

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// trickle returns at most 3 bytes per Read.
type trickle struct{ r io.Reader }

func (t trickle) Read(p []byte) (int, error) { return t.r.Read(p[:min(len(p), 3)]) }

// TestFill: a full buffer ends with nil; an end or an error before that
// comes back with the bytes read before it, the end as io.EOF itself.
func TestFill(t *testing.T) {
	src := []byte("0123456789")
	p := make([]byte, 8)
	if n, err := Fill(trickle{bytes.NewReader(src)}, p); n != 8 || err != nil || string(p) != "01234567" {
		t.Errorf("full: %d %v %q", n, err, p[:n])
	}
	p = make([]byte, 16)
	if n, err := Fill(trickle{bytes.NewReader(src)}, p); n != 10 || err != io.EOF || string(p[:n]) != string(src) {
		t.Errorf("end: %d %v %q, want 10 and io.EOF", n, err, p[:n])
	}
	errBroken := errors.New("broken")
	r := io.MultiReader(bytes.NewReader(src[:4]), errReader{errBroken})
	if n, err := Fill(r, p); n != 4 || !errors.Is(err, errBroken) {
		t.Errorf("error: %d %v, want 4 and the error", n, err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// body is a reader whose WriteTo is WriteTo, as the SDK's bodies are.
type body struct {
	r    io.Reader
	left int64
}

func (b *body) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *body) WriteTo(w io.Writer) (int64, error) { return WriteTo(w, b, b.left) }

// countWriter counts its writes.
type countWriter struct {
	bytes.Buffer
	writes int
}

func (c *countWriter) Write(p []byte) (int, error) { c.writes++; return c.Buffer.Write(p) }

// TestWriteTo: io.Copy from a body whose WriteTo is this one copies the
// bytes whole, in Step-sized writes above Small however small the reads
// (small bodies as io.Copy copies them), without calling the body's
// WriteTo again.
func TestWriteTo(t *testing.T) {
	data := bytes.Repeat([]byte("gathered "), (3*Step+100)/9)
	for _, tc := range []struct {
		name      string
		n         int
		left      int64
		maxWrites int // -1: not counted
	}{
		{"large, length known", len(data), int64(len(data)), 4},
		{"large, length unknown", len(data), -1, 4},
		{"small", Small - 1, Small - 1, -1}, // as io.Copy writes: not counted
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w countWriter
			n, err := io.Copy(&w, &body{r: trickle{bytes.NewReader(data[:tc.n])}, left: tc.left})
			if err != nil || n != int64(tc.n) || !bytes.Equal(w.Bytes(), data[:tc.n]) {
				t.Fatalf("copied %d bytes, %v; want %d", n, err, tc.n)
			}
			if tc.maxWrites >= 0 && w.writes > tc.maxWrites {
				t.Errorf("%d writes, want at most %d", w.writes, tc.maxWrites)
			}
		})
	}
}
