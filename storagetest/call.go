package storagetest

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/polystore/polystore/internal/rawquery"
)

// call is one request being handled: the parsed request, the response
// writer and what gets recorded in the request log.
type call struct {
	s       *Server
	r       *http.Request
	w       *recorder
	reqID   string
	bucket  string // decoded bucket name, "" for service requests
	key     string // decoded object key, "" for bucket requests
	pathErr error
	query   url.Values
	tap     *bodyTap
	iam     bool // an IAM token request
	vhost   bool // virtual-hosted style: the bucket is in the Host header

	op       string    // operation name, once routed
	scheme   string    // authentication scheme, once authenticated
	signedAt time.Time // signing time, once authenticated
	code     string    // error code sent, if any

	entry     *Request // log entry; nil for IAM requests
	finalized bool
}

func (s *Server) newCall(w http.ResponseWriter, r *http.Request) *call {
	c := &call{s: s, r: r, reqID: s.newRequestID()}
	c.w = &recorder{ResponseWriter: w, c: c}
	c.tap = &bodyTap{rc: r.Body, md5: md5.New()}
	r.Body = c.tap
	c.query = parseQuery(r.URL.RawQuery)
	c.bucket, c.key, c.vhost, c.pathErr = s.splitTarget(r)
	c.iam = !c.vhost && isIAMTokenRequest(r)
	if c.iam {
		w.Header().Set("Transaction-Id", c.reqID)
		return c
	}
	s.wire.setRequestIDs(w.Header(), c.reqID)
	c.entry = s.log.add(Request{
		Method: r.Method,
		Host:   r.Host,
		Bucket: c.bucket,
		Key:    c.key,
		Query:  redactQuery(c.query),
		Header: redactHeader(r.Header),
	})
	return c
}

// splitPath decodes a raw (escaped) request path exactly once and splits it
// into bucket and key. "/b//k" is key "/k" in bucket "b".
func splitPath(escaped string) (bucket, key string, err error) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return "", "", err
	}
	p = strings.TrimPrefix(p, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key, nil
}

// parseQuery parses a raw query like url.ParseQuery, but keeps pairs that
// contain ';' (COS signs with q-sign-time=start;end) and keeps a value that
// does not unescape as it is (see internal/rawquery, which the signature
// verifiers share).
func parseQuery(raw string) url.Values { return rawquery.Parse(raw) }

// finalize records the outcome of the call in its log entry, once. It runs
// before the response status goes out, so a client that has its answer can
// rely on the log.
func (c *call) finalize() {
	if c.finalized {
		return
	}
	c.finalized = true
	if c.entry == nil {
		return
	}
	c.s.log.update(c.entry, func(e *Request) {
		e.Op = c.op
		e.Status = c.w.status
		e.Code = c.code
		e.BodySize = c.tap.n
		e.BodyMD5 = c.tap.sum()
		e.Scheme = c.scheme
		e.SignedAt = c.signedAt
	})
}

// drainBody reads what is left of the request body, so that the log
// records every byte the client sent.
func (c *call) drainBody() {
	_, _ = io.Copy(io.Discard, c.r.Body)
}

// fail returns the error of kind k in the server's dialect. detail, if
// not empty, replaces the standard message.
func (c *call) fail(k errKind, detail string) *apiError {
	return c.s.wire.errorFor(k, detail)
}

// writeError answers with err in the dialect's error format: an
// *apiError as it is, a kindError in the dialect's words, anything else
// as an internal error.
func (c *call) writeError(err error) {
	var e *apiError
	var k kindError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &k):
		e = c.fail(errKind(k), "")
	default:
		e = c.fail(errInternal, err.Error())
	}
	c.code = e.Code
	if c.iam {
		writeIAMError(c, e)
		return
	}
	c.s.wire.writeError(c, e)
}

// result answers with status and the dialect's encoding of v.
func (c *call) result(status int, v encoder) {
	c.s.wire.writeResult(c, status, v)
}

// noContent answers with status and no body.
func (c *call) noContent(status int) {
	c.w.WriteHeader(status)
}

// bodyTap counts and hashes the request body as the handler reads it.
type bodyTap struct {
	rc  io.ReadCloser
	n   int64
	md5 hash.Hash
}

func (t *bodyTap) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.n += int64(n)
	t.md5.Write(p[:n])
	return n, err
}

func (t *bodyTap) Close() error { return t.rc.Close() }

func (t *bodyTap) sum() string { return hex.EncodeToString(t.md5.Sum(nil)) }

// recorder is the response writer handlers see. It finalizes the log
// entry before the status line is sent.
type recorder struct {
	http.ResponseWriter
	c      *call
	status int
	wrote  bool
	flip   *bitFlip // a FlipBit fault, or nil
}

func (w *recorder) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.status = code
	w.c.drainBody()
	w.c.finalize()
	w.c.s.wire.respell(w.Header())
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.flip != nil && w.status/100 == 2 {
		p = w.flip.apply(p, w.Header())
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (Hijack, Flush).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends buffered response data.
func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
