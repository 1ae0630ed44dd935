package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/polystore/polystore/internal/gather"
	"github.com/polystore/polystore/internal/sendprogress"
)

// watchdog holds the settings of the watches of one call's attempts. The
// Watchdog step (StepWatchdog, per attempt, in Finalize, the last of the
// client's own steps before the request is sent) puts each attempt under
// a watch that enforces the timeouts polystore owns whatever the
// transport: Timeouts.ResponseHeader, Timeouts.Stall on the request and
// the response body, and HTTPClient.Timeout as a whole-attempt bound.
// When one fires it cancels the attempt's context with a *TimeoutError as
// the cause, which the transport turns into a closed connection, and
// reports that error in place of whatever the transport said. The
// caller's own context ending is reported as it is.
//
// Dial and TLSHandshake belong to the transport (the client's own one
// applies Timeouts); the watchdog only names a TLS handshake timeout that
// an *http.Transport reported, with that transport's limit.
type watchdog struct {
	t       Timeouts      // resolved: negative fields are off
	attempt time.Duration // HTTPClient.Timeout; 0 is none
	tls     time.Duration // the TLS handshake limit of the transport, if known; 0 if not
	dialect string
	op      string
}

// watchdogStep is the Watchdog step.
type watchdogStep struct{}

// ID returns StepWatchdog.
func (watchdogStep) ID() string { return StepWatchdog }

// HandleFinalize runs the rest of the attempt under a new watch. The
// transport hands the response to the watch (watch.response), which
// then watches its body until it ends or is closed.
func (watchdogStep) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	cs := callFrom(ctx)
	wd := &cs.wd
	actx, cancel := context.WithCancelCause(ctx)
	w := &watch{wd: wd, parent: ctx, cancel: cancel, tel: cs.tel}
	if wd.attempt > 0 {
		w.total = time.AfterFunc(wd.attempt, func() { w.fire(TimeoutAttempt, wd.attempt) })
	}
	w.ct.WroteRequest = w.traceWrote
	req, _ := in.Request.(*smithyhttp.Request)
	if wd.tls > 0 && (req == nil || req.URL == nil || req.URL.Scheme != "http") {
		w.ct.TLSHandshakeDone = w.traceTLS
	}
	actx = httptrace.WithClientTrace(actx, &w.ct)
	if req != nil && req.Body != nil && req.Body != http.NoBody {
		w.reqLen = req.ContentLength
		if cs.body == nil || !inMemorySmall(cs.body) {
			req.Body = w.watchRequestBody(req.Body, req.ContentLength)
		}
	}
	cs.watch = w
	out, md, err := next.HandleFinalize(actx, in)
	cs.watch = nil
	if err != nil {
		err = w.explain(err)
		w.finish()
	}
	return out, md, err
}

// response takes over a response of the watched attempt: its headers
// arrived, and its body, if any, is watched until it ends.
func (w *watch) response(resp *http.Response) {
	w.responded()
	if resp.Body == nil || resp.Body == http.NoBody {
		w.finish()
		return
	}
	resp.Body = &receiveBody{rc: resp.Body, w: w, left: resp.ContentLength}
}

// watch is the timeout state of one attempt. At most one phase timeout
// (send stall, response header, receive stall) is armed at a time; the
// attempt timeout runs beside it.
type watch struct {
	wd     *watchdog
	parent context.Context // the caller's context
	cancel context.CancelCauseFunc
	total  *time.Timer // HTTPClient.Timeout, if set

	mu       sync.Mutex
	kind     TimeoutKind // the armed phase; 0 is none
	limit    time.Duration
	deadline time.Time
	pending  *time.Timer // fires at fireAt, no later than deadline
	fireAt   time.Time
	gen      uint64 // generation of pending
	fired    *TimeoutError
	sentAll  bool // the request body is written
	gotResp  bool // the response headers arrived
	done     bool
	tlsTime  bool // a TLS handshake of this attempt timed out

	ct        httptrace.ClientTrace
	tel       *telemetry   // nil: no metrics
	reqLen    int64        // the request body's length
	recvBytes atomic.Int64 // response body bytes read
}

// armLocked arms the phase timeout kind with limit d, replacing the
// armed one. A disabled (non-positive) limit leaves nothing armed. Moving
// a deadline later does not touch the pending timer: when it fires early
// it reschedules itself, so re-arming on every read costs no timer
// operation.
func (w *watch) armLocked(kind TimeoutKind, d time.Duration) {
	if d <= 0 || w.done || w.fired != nil {
		w.kind = 0
		return
	}
	w.kind, w.limit, w.deadline = kind, d, time.Now().Add(d)
	w.scheduleLocked(true)
}

// scheduleLocked makes the pending timer fire no later than the
// deadline. A new timer made when a phase is armed fires after the
// shortest phase limit at the latest (the earliest deadline a later
// phase of the attempt can set), so that the phases that follow (the
// response header wait, then the body reads' stall limit) find it early
// enough and make no timer of their own: an attempt costs one timer, and
// one wake-up of the runtime's timer machinery, unless it outlasts that
// limit. A timer made when one fires early takes the whole remainder.
func (w *watch) scheduleLocked(arming bool) {
	if w.pending != nil && !w.fireAt.After(w.deadline) {
		return
	}
	if w.pending != nil {
		w.pending.Stop()
	}
	w.gen++
	gen := w.gen
	w.fireAt = w.deadline
	if m := w.wd.shortest(); arming && m > 0 {
		if early := time.Now().Add(m); early.Before(w.fireAt) {
			w.fireAt = early
		}
	}
	w.pending = time.AfterFunc(time.Until(w.fireAt), func() { w.expire(gen) })
}

// shortest returns the shortest enabled phase limit (Stall or
// ResponseHeader), or 0 if none is.
func (wd *watchdog) shortest() time.Duration {
	m := time.Duration(0)
	for _, d := range [...]time.Duration{wd.t.Stall, wd.t.ResponseHeader} {
		if d > 0 && (m == 0 || d < m) {
			m = d
		}
	}
	return m
}

// expire runs when the pending timer fires: the armed phase has timed out
// if its deadline has passed; otherwise it was re-armed since, and the
// timer is set again for the remainder.
func (w *watch) expire(gen uint64) {
	w.mu.Lock()
	if gen != w.gen {
		w.mu.Unlock()
		return
	}
	w.pending = nil
	if w.kind == 0 || w.done || w.fired != nil {
		w.mu.Unlock()
		return
	}
	if time.Until(w.deadline) > 0 {
		w.scheduleLocked(false)
		w.mu.Unlock()
		return
	}
	te := &TimeoutError{Kind: w.kind, After: w.limit}
	w.fired = te
	w.mu.Unlock()
	w.cancel(te)
}

// fire ends the attempt with a timeout of kind.
func (w *watch) fire(kind TimeoutKind, after time.Duration) {
	w.mu.Lock()
	if w.done || w.fired != nil {
		w.mu.Unlock()
		return
	}
	te := &TimeoutError{Kind: kind, After: after}
	w.fired = te
	w.mu.Unlock()
	w.cancel(te)
}

// finish ends the watch: the attempt failed, or its response body was
// read to the end or closed.
func (w *watch) finish() {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return
	}
	w.done, w.kind = true, 0
	if w.pending != nil {
		w.pending.Stop()
		w.pending = nil
	}
	w.mu.Unlock()
	if w.total != nil {
		w.total.Stop()
	}
	w.cancel(nil)
	if w.tel != nil {
		w.tel.received(w.parent, w.recvBytes.Load())
	}
}

// sendWaiting: the transport asks for more request body, so it is not
// stuck writing.
func (w *watch) sendWaiting() {
	w.mu.Lock()
	if w.kind == TimeoutSendStall {
		w.kind = 0
	}
	w.mu.Unlock()
}

// sent: the transport took body bytes and is writing them; unless it asks
// for more within Stall, the server has stopped reading.
func (w *watch) sent() {
	w.mu.Lock()
	if !w.sentAll && !w.gotResp {
		w.armLocked(TimeoutSendStall, w.wd.t.Stall)
	}
	w.mu.Unlock()
}

// sendDone: the whole request body was handed to the transport. The
// response header wait starts (again, more precisely, when httptrace
// reports the request written).
func (w *watch) sendDone() {
	w.mu.Lock()
	if !w.sentAll {
		w.sentAll = true
		if w.kind == TimeoutSendStall {
			w.kind = 0
		}
		if !w.gotResp {
			w.armLocked(TimeoutResponseHeader, w.wd.t.ResponseHeader)
		}
	}
	w.mu.Unlock()
}

// wroteRequest: the request, body included, is written and flushed.
func (w *watch) wroteRequest() {
	if w.tel != nil && w.reqLen > 0 {
		w.tel.sent(w.parent, w.reqLen)
	}
	w.mu.Lock()
	w.sentAll = true
	if !w.gotResp {
		w.armLocked(TimeoutResponseHeader, w.wd.t.ResponseHeader)
	}
	w.mu.Unlock()
}

// responded: the response headers arrived.
func (w *watch) responded() {
	w.mu.Lock()
	w.gotResp, w.kind = true, 0
	w.mu.Unlock()
}

// receiving: a read of the response body starts waiting for bytes.
func (w *watch) receiving() {
	w.mu.Lock()
	w.armLocked(TimeoutReceiveStall, w.wd.t.Stall)
	w.mu.Unlock()
}

// received: the read returned.
func (w *watch) received() {
	w.mu.Lock()
	if w.kind == TimeoutReceiveStall {
		w.kind = 0
	}
	w.mu.Unlock()
}

// timedOut returns the timeout that ended the attempt, unless the
// caller's own context ended (then that is the cause to report).
func (w *watch) timedOut() *TimeoutError {
	if w.parent.Err() != nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// explain replaces a transport error caused by one of the watch's
// timeouts with the *TimeoutError.
func (w *watch) explain(err error) error {
	if te := w.timedOut(); te != nil {
		return te
	}
	w.mu.Lock()
	tlsTime := w.tlsTime
	w.mu.Unlock()
	if tlsTime && w.wd.tls > 0 && w.parent.Err() == nil && isTimeout(err) {
		return &TimeoutError{Kind: TimeoutTLSHandshake, After: w.wd.tls}
	}
	return err
}

// traceWrote is the attempt's httptrace WroteRequest hook.
func (w *watch) traceWrote(info httptrace.WroteRequestInfo) {
	if info.Err == nil {
		w.wroteRequest()
	}
}

// traceTLS is the attempt's httptrace TLSHandshakeDone hook.
func (w *watch) traceTLS(_ tls.ConnectionState, err error) {
	if isTimeout(err) {
		w.mu.Lock()
		w.tlsTime = true
		w.mu.Unlock()
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// watchRequestBody returns body reporting its progress to w, and to the
// request context's sendprogress callback if it carries one. A file
// section is told about them instead of being wrapped, so the client's
// transport still recognises it and sends it with sendfile.
func (w *watch) watchRequestBody(body io.ReadCloser, size int64) io.ReadCloser {
	progress := sendprogress.From(w.parent)
	if fs, ok := body.(*fileSection); ok {
		fs.watch, fs.progress = w, progress
		return fs
	}
	if size <= 0 {
		size = -1 // unknown: only the end of the body tells
	}
	return &sendBody{rc: body, w: w, left: size, progress: progress}
}

// sendBody is a request body under a watch.
type sendBody struct {
	rc   io.ReadCloser
	w    *watch
	left int64 // bytes not yet read; negative if unknown
	// progress, if set, is told the bytes read so far (sent).
	progress func(int64)
	sent     int64
}

func (b *sendBody) Read(p []byte) (int, error) {
	b.w.sendWaiting()
	n, err := b.rc.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
	}
	if n > 0 && b.progress != nil {
		b.sent += int64(n)
		b.progress(b.sent)
	}
	switch {
	case err != nil || b.left == 0:
		b.w.sendDone()
	case n > 0:
		b.w.sent()
	}
	return n, err
}

func (b *sendBody) Close() error {
	b.w.sendDone()
	return b.rc.Close()
}

// receiveBody is a response body under a watch: a read that waits longer
// than Stall for bytes fails with the *TimeoutError (in an
// *OperationError), and the end of the body ends the watch.
type receiveBody struct {
	rc   io.ReadCloser
	w    *watch
	left int64 // bytes the body has left, if known (else -1)
}

func (b *receiveBody) Read(p []byte) (int, error) {
	b.w.receiving()
	n, err := b.rc.Read(p)
	b.w.received()
	if b.left >= 0 {
		b.left -= int64(n)
	}
	if b.w.tel != nil {
		b.w.recvBytes.Add(int64(n))
	}
	switch {
	case err == io.EOF:
		b.w.finish()
	case err != nil:
		if te := b.w.timedOut(); te != nil {
			return n, &OperationError{Dialect: b.w.wd.dialect, Op: b.w.wd.op, Err: te}
		}
	}
	return n, err
}

// WriteTo copies the body to w in steps of up to 128 KiB (package
// gather), so that io.Copy into a file makes one write per step rather
// than per TLS record. Each read is watched as Read watches it.
func (b *receiveBody) WriteTo(w io.Writer) (int64, error) {
	return gather.WriteTo(w, b, b.left)
}

func (b *receiveBody) Close() error {
	err := b.rc.Close()
	b.w.finish()
	return err
}
