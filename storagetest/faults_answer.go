package storagetest

import (
	"io"
	"net/http"
	"strconv"
)

// applyAnswerFault applies the faults that corrupt the request body or
// change the answer (Fault.CorruptRequestBody, BlankOK and Rewrite). It
// reports whether the request has been dealt with.
func (s *Server) applyAnswerFault(c *call, f Fault) bool {
	if f.BlankOK {
		c.drainBody()
		c.w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(c.w, "\n    \n    \n")
		return true
	}
	if f.CorruptRequestBody {
		c.r.Body = &bitFlipper{rc: c.r.Body, at: f.CorruptRequestOffset}
	}
	if f.Rewrite != nil {
		c.w.ResponseWriter = &rewriter{dst: c.w.ResponseWriter, fn: f.Rewrite, head: c.r.Method == http.MethodHead}
	}
	return false
}

// bitFlipper flips the lowest bit of the byte at offset at of what it
// reads.
type bitFlipper struct {
	rc  io.ReadCloser
	at  int64
	off int64
}

func (b *bitFlipper) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if i := b.at - b.off; i >= 0 && i < int64(n) {
		p[i] ^= 1
	}
	b.off += int64(n)
	return n, err
}

func (b *bitFlipper) Close() error { return b.rc.Close() }

// rewriter holds a handler's answer back (the headers go to dst's own
// map, unsent) until sendRewritten passes it through fn.
type rewriter struct {
	dst    http.ResponseWriter
	fn     func(int, http.Header, []byte) (int, []byte)
	head   bool
	status int
	body   []byte
	sent   bool
}

func (w *rewriter) Header() http.Header { return w.dst.Header() }

func (w *rewriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *rewriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *rewriter) Unwrap() http.ResponseWriter { return w.dst }

// sendRewritten sends the answer a Rewrite fault held back, rewritten.
func sendRewritten(c *call) {
	w, ok := c.w.ResponseWriter.(*rewriter)
	if !ok || w.sent {
		return
	}
	w.sent = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// The recorder gave the headers the vendor's spelling (ETag,
	// x-amz-meta-color); the rewrite edits them with http.Header's
	// methods, which expect Go's canonical form, so they go back to it
	// for the rewrite and are spelled again after.
	h := w.dst.Header()
	canonicalHeader(h)
	status, body := w.fn(w.status, h, w.body)
	if !w.head && status != http.StatusNoContent && status != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	c.s.wire.respell(h)
	w.dst.WriteHeader(status)
	if !w.head && len(body) > 0 {
		_, _ = w.dst.Write(body)
	}
}

// canonicalHeader renames h's keys to Go's canonical form, merging
// spellings of one name.
func canonicalHeader(h http.Header) {
	for k, v := range h {
		if ck := http.CanonicalHeaderKey(k); ck != k {
			delete(h, k)
			h[ck] = append(h[ck], v...)
		}
	}
}
