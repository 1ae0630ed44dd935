package storagetest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is a misbehaviour the server applies to matching requests, in
// place of (or before) handling them. Faults are queued by InjectFault and
// tried in the order they were injected; a request gets the first one
// that matches, and each fault applies to at most Times requests.
//
// A fault acts in this order: Delay, then ResetAfterBytes, then Status. A
// fault with only a Delay delays the request, which is then handled
// normally; so is one with FlipBit, whose answer then has a corrupted
// body. Faults apply before signatures are checked.
type Fault struct {
	// Match selects requests. Nil matches any request except IAM token
	// requests, which a fault reaches only when its Match accepts them.
	// Match is called with the fault queue locked: it must not call
	// InjectFault, and it must not read the request body.
	Match func(*http.Request) bool
	// Times is how many matching requests the fault applies to; 0 means 1.
	Times int
	// Status, if not 0, answers with this HTTP status in the dialect's
	// error format after the body has been read (and recorded). A Code
	// without a Status answers 500.
	Status int
	// Code is the error code to send; empty means the dialect's usual code
	// for Status ("SlowDown" for an S3 503, "ServiceUnavailable" for COS,
	// "service_unavailable" for QingStor, ...).
	Code string
	// RetryAfter, if set, is sent as the Retry-After header.
	RetryAfter string
	// ErrorIn200 sends the error of Status and Code in the body of a
	// "200 OK" answer instead of with its own status, as S3 does when
	// CompleteMultipartUpload (or CopyObject) fails after it has started
	// answering: the status line says success, the body is an <Error>
	// document (a JSON error body for QingStor). Without a Status or a
	// Code, the error is the dialect's internal error.
	ErrorIn200 bool
	// ResetAfterBytes, if positive, reads that many body bytes (or the
	// whole body, if shorter) and then closes the connection abruptly: the
	// client sees a connection reset or an unexpected EOF. The request is
	// logged with Status 0.
	ResetAfterBytes int64
	// Delay waits this long before going on. The wait ends early, with no
	// answer, when the client gives up (its request context is canceled)
	// or the server is closed. Unless ResetAfterBytes is set, the request
	// body is received before the wait, so that a client going away is
	// noticed.
	Delay time.Duration
	// FlipBit, if set, has the request handled normally and flips the
	// lowest bit of one byte of its answer's body: the byte at
	// FlipOffset, or the last one of a shorter body. Only the body of a
	// successful answer (2xx) changes; status and headers (ETag,
	// checksums, Content-Length) are the ones the server meant, as when
	// a network or a disk corrupts bytes after the server's checksums
	// were computed. It serves every dialect: GET object bodies are how
	// a client learns whether it verifies what it downloads.
	FlipBit bool
	// FlipOffset is the body offset whose byte FlipBit changes.
	FlipOffset int64

	// The faults below act after Delay, ResetAfterBytes and Status.

	// CorruptRequestBody flips the lowest bit of the request body's byte
	// at CorruptRequestOffset (0: the first byte) as the server reads it,
	// and then handles the request normally: the server's checks (and
	// what it stores) see the bytes a corrupting network would deliver,
	// so a part sent with Content-MD5 or an additional checksum is
	// refused as the dialect refuses it (BadDigest, bad_digest), and one
	// sent without is stored corrupted (its CRC-64 on COS shows it).
	CorruptRequestBody   bool
	CorruptRequestOffset int64
	// BlankOK answers "200 OK" whose body is only whitespace, without
	// handling the request: what S3 sends while it works on a
	// CompleteMultipartUpload, with the result lost. The request log
	// shows status 200 and the operation the request named.
	BlankOK bool
	// Rewrite, if set, lets the request be handled normally and then
	// changes its answer before it is sent: it gets the status, the
	// headers (which it may edit) and the body, and returns the status
	// and body to send (Content-Length follows the body, but for HEAD).
	// The request took effect all the same: a Complete whose answer is
	// rewritten to an empty body did complete the upload. The request
	// log shows the status before the rewrite.
	Rewrite func(status int, header http.Header, body []byte) (int, []byte)
}

// InjectFault queues a fault. It is safe to call while requests are in
// flight.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Status == 0 && (f.Code != "" || f.ErrorIn200) {
		f.Status = http.StatusInternalServerError
	}
	s.faults.mu.Lock()
	s.faults.queue = append(s.faults.queue, &pendingFault{f: f, left: f.Times})
	s.faults.mu.Unlock()
}

// PendingFaults returns how many injected faults have not been used up.
func (s *Server) PendingFaults() int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return len(s.faults.queue)
}

type pendingFault struct {
	f    Fault
	left int
}

// faultQueue holds injected faults in injection order.
type faultQueue struct {
	mu    sync.Mutex
	queue []*pendingFault
}

// take returns the first fault matching r and uses up one of its times.
func (q *faultQueue) take(r *http.Request, iam bool) (Fault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.queue {
		if p.f.Match == nil {
			if iam {
				continue
			}
		} else if !p.f.Match(r) {
			continue
		}
		p.left--
		if p.left <= 0 {
			q.queue = append(q.queue[:i:i], q.queue[i+1:]...)
		}
		return p.f, true
	}
	return Fault{}, false
}

// applyFault applies f to the call. It reports whether the request has
// been dealt with (answered, or abandoned).
func (s *Server) applyFault(c *call, f Fault) bool {
	if f.Delay > 0 {
		if f.ResetAfterBytes <= 0 {
			data, _ := io.ReadAll(c.r.Body)
			c.r.Body = io.NopCloser(bytes.NewReader(data))
		}
		if s.hooks.delay != nil {
			s.hooks.delay(c.r)
		}
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.r.Context().Done():
			s.logf("storagetest: %s %s: client went away during an injected delay", c.r.Method, c.r.URL.Path)
			return true
		case <-s.closing:
			c.writeError(c.fail(errInternal, "server closed during an injected delay"))
			return true
		}
	}
	if f.FlipBit {
		c.w.flip = &bitFlip{at: f.FlipOffset}
	}
	if f.ResetAfterBytes > 0 {
		_, _ = io.CopyN(io.Discard, c.r.Body, f.ResetAfterBytes)
		c.finalize()
		conn, _, err := http.NewResponseController(c.w.ResponseWriter).Hijack()
		if err != nil {
			c.writeError(c.fail(errInternal, "storagetest: cannot reset the connection: "+err.Error()))
			return true
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // send RST, not FIN
		}
		_ = conn.Close()
		return true
	}
	if f.Status > 0 {
		code := f.Code
		if code == "" {
			code = defaultFaultCode(s.wire.fl, f.Status)
		}
		e := &apiError{
			Status:     f.Status,
			Code:       code,
			Message:    "Injected fault (storagetest).",
			RetryAfter: f.RetryAfter,
		}
		if f.ErrorIn200 {
			c.drainBody()
			c.code = e.Code
			s.wire.writeErrorIn200(c, e)
			return true
		}
		c.writeError(e)
		return true
	}
	return s.applyAnswerFault(c, f)
}

// bitFlip corrupts one byte of a response body as it is written.
type bitFlip struct {
	at, seen int64
	started  bool
	done     bool
}

// apply returns p, or a copy of it with the chosen byte's lowest bit
// flipped when p holds that byte. h is the answer's header, whose
// Content-Length moves the byte to the last one of a shorter body.
func (f *bitFlip) apply(p []byte, h http.Header) []byte {
	if !f.started {
		f.started = true
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil && n > 0 && f.at >= n {
			f.at = n - 1
		}
	}
	if !f.done && f.at >= f.seen && f.at < f.seen+int64(len(p)) {
		q := bytes.Clone(p) // p may be the stored object's data
		q[f.at-f.seen] ^= 1
		p, f.done = q, true
	}
	f.seen += int64(len(p))
	return p
}
