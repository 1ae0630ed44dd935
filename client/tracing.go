package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Tracing and metrics go through smithy-go's interfaces
// (tracing.TracerProvider, metrics.MeterProvider): Options.TracerProvider
// and Options.MeterProvider, nil by default, when nothing is traced or
// recorded and nothing is spent on it. The names below are the spans',
// attributes' and instruments'.
const (
	// TracerScope is the scope of polystore's tracer and meter.
	TracerScope = "github.com/polystore/polystore"

	// SpanAttempt names the span of one attempt of a call. The call's
	// own span is named after its operation ("PutObject").
	SpanAttempt = "Attempt"

	// Span and metric attributes.
	AttrDialect   = "polystore.dialect" // the dialect's name
	AttrOperation = "rpc.method"        // the operation ("PutObject")
	AttrBucket    = "polystore.bucket"  // the bucket, if any
	AttrStatus    = "http.response.status_code"
	AttrRequestID = "polystore.request_id" // the service's request id
	AttrAttempt   = "polystore.attempt"    // an attempt's number, from 1
	AttrAttempts  = "polystore.attempts"   // a call's attempts
	AttrRetries   = "polystore.retries"    // a call's retries: attempts - 1
	AttrErrorKind = "error.type"           // what failed (see ErrorKindOf)

	// Metric instruments, one of each per client and meter.
	MetricCallDuration  = "polystore.client.call.duration"  // Float64Histogram, s, per call
	MetricCallAttempts  = "polystore.client.call.attempts"  // Int64Counter, attempts of calls
	MetricCallThrottles = "polystore.client.call.throttles" // Int64Counter, throttling answers
	MetricBytesSent     = "polystore.client.bytes_sent"     // Int64Counter, By: request body bytes written
	MetricBytesReceived = "polystore.client.bytes_received" // Int64Counter, By: response body bytes read
)

// ErrorKindOf names the kind of a call's error, as the error.type
// attribute of spans and metrics gives it: the service's error code for
// a *ResponseError (its HTTP status when it has none), "InvalidArgument",
// "Timeout", "Canceled", "DeadlineExceeded", or "Transport" for any
// other failure to get an answer; "" for nil.
func ErrorKindOf(err error) string {
	if err == nil {
		return ""
	}
	var re *ResponseError
	var ia *InvalidArgumentError
	switch {
	case errors.As(err, &re):
		if re.Code != "" {
			return re.Code
		}
		return strconv.Itoa(re.StatusCode)
	case errors.As(err, &ia):
		return "InvalidArgument"
	case errors.Is(err, ErrTimeout):
		return "Timeout"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	}
	return "Transport"
}

// telemetrySource is a client's tracer and instruments, made once from
// its options.
type telemetrySource struct {
	tracer tracing.Tracer // nil: no TracerProvider
	inst   *instruments   // nil: no MeterProvider
}

func newTelemetrySource(o *Options) telemetrySource {
	var s telemetrySource
	if o.TracerProvider != nil {
		s.tracer = o.TracerProvider.Tracer(TracerScope)
	}
	if o.MeterProvider != nil {
		s.inst = newInstruments(o.MeterProvider.Meter(TracerScope))
	}
	return s
}

// telemetry is the tracing and metrics state of one call; a call has
// none (nil) when neither provider is set, and every method is then a
// no-op.
type telemetry struct {
	telemetrySource
	span    tracing.Span // the call's
	start   time.Time
	attrs   metrics.RecordMetricOption // dialect and operation
	status  int                        // the last answer's status
	reqID   string                     // and request id
	dialect string
	op      string
}

// begin starts the call's telemetry, if any: its span (its context is
// then the call's) and clock.
func (cs *call) begin() {
	src := cs.c.tel
	if cs.o != &cs.c.opts && (cs.o.TracerProvider != nil || cs.o.MeterProvider != nil) {
		src = newTelemetrySource(cs.o) // per-call providers (rare)
	} else if cs.o != &cs.c.opts {
		src = telemetrySource{}
	}
	if src.tracer == nil && src.inst == nil {
		return
	}
	t := &telemetry{telemetrySource: src, start: time.Now(), dialect: cs.c.dialect.Name, op: cs.op.name}
	if t.inst != nil {
		dialect, op := t.dialect, t.op
		t.attrs = func(o *metrics.RecordMetricOptions) {
			o.Properties.Set(AttrDialect, dialect)
			o.Properties.Set(AttrOperation, op)
		}
	}
	if t.tracer != nil {
		ctx, span := t.tracer.StartSpan(cs.Context, t.op, func(o *tracing.SpanOptions) { o.Kind = tracing.SpanKindClient })
		span.SetProperty(AttrDialect, t.dialect)
		span.SetProperty(AttrOperation, t.op)
		cs.Context, t.span = ctx, span
	}
	cs.tel = t
}

// serialized records what the call's request addresses.
func (t *telemetry) serialized(cs *call) {
	if t == nil || t.span == nil || cs.bucket == "" {
		return
	}
	t.span.SetProperty(AttrBucket, cs.bucket)
}

// end ends the call's telemetry with its outcome.
func (cs *call) end(err error) {
	t := cs.tel
	if t == nil {
		return
	}
	kind := ErrorKindOf(err)
	if t.span != nil {
		if t.status != 0 {
			t.span.SetProperty(AttrStatus, t.status)
		}
		if t.reqID != "" {
			t.span.SetProperty(AttrRequestID, t.reqID)
		}
		t.span.SetProperty(AttrAttempts, cs.attempt)
		t.span.SetProperty(AttrRetries, max(cs.attempt-1, 0))
		if err != nil {
			t.span.SetProperty(AttrErrorKind, kind)
			t.span.SetStatus(tracing.SpanStatusError)
		} else {
			t.span.SetStatus(tracing.SpanStatusOK)
		}
		t.span.End()
	}
	if in := t.inst; in != nil {
		ctx := cs.Context
		if err != nil {
			in.duration.Record(ctx, time.Since(t.start).Seconds(), t.attrs, func(o *metrics.RecordMetricOptions) {
				o.Properties.Set(AttrErrorKind, kind)
			})
		} else {
			in.duration.Record(ctx, time.Since(t.start).Seconds(), t.attrs)
		}
		if cs.attempt > 0 {
			in.attempts.Add(ctx, int64(cs.attempt), t.attrs)
		}
	}
}

// throttled counts a throttling answer.
func (t *telemetry) throttled(ctx context.Context) {
	if t == nil || t.inst == nil {
		return
	}
	t.inst.throttles.Add(ctx, 1, t.attrs)
}

// sent counts request body bytes written.
func (t *telemetry) sent(ctx context.Context, n int64) {
	if t == nil || t.inst == nil {
		return
	}
	t.inst.sent.Add(ctx, n, t.attrs)
}

// received counts response body bytes read.
func (t *telemetry) received(ctx context.Context, n int64) {
	if t == nil || t.inst == nil || n <= 0 {
		return
	}
	t.inst.received.Add(ctx, n, t.attrs)
}

// attemptStep is the Attempt step: the attempt's span, and its debug log
// record (never headers, never the query, which may carry presigned
// credentials, never bodies).
type attemptStep struct{}

// ID returns StepAttempt.
func (attemptStep) ID() string { return StepAttempt }

// HandleFinalize records the attempt around the rest of it.
func (attemptStep) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	cs := callFrom(ctx)
	log, t := cs.o.Logger, cs.tel
	if log == nil && t == nil {
		return next.HandleFinalize(ctx, in)
	}
	start := time.Now()
	var span tracing.Span
	if t != nil && t.tracer != nil {
		ctx, span = t.tracer.StartSpan(ctx, SpanAttempt)
		span.SetProperty(AttrDialect, t.dialect)
		span.SetProperty(AttrOperation, t.op)
		span.SetProperty(AttrAttempt, cs.attempt)
	}
	out, md, err := next.HandleFinalize(ctx, in)
	var resp *http.Response
	if sr, ok := out.Result.(*smithyhttp.Response); ok && sr != nil {
		resp = sr.Response
	}
	d := &cs.c.dialect
	reqID := ""
	if resp != nil {
		reqID = d.requestID(resp.Header)
	}
	if log != nil {
		req, _ := in.Request.(*smithyhttp.Request)
		logAttempt(ctx, log, d, cs.op.name, req, resp, err, time.Since(start), reqID)
	}
	if t != nil {
		if resp != nil {
			t.status, t.reqID = resp.StatusCode, reqID
		}
		if span != nil {
			switch {
			case err != nil:
				span.SetProperty(AttrErrorKind, ErrorKindOf(err))
				span.SetStatus(tracing.SpanStatusError)
			case resp != nil:
				span.SetProperty(AttrStatus, resp.StatusCode)
				if reqID != "" {
					span.SetProperty(AttrRequestID, reqID)
				}
				if resp.StatusCode >= 300 {
					span.SetProperty(AttrErrorKind, attemptErrorKind(d, resp))
					span.SetStatus(tracing.SpanStatusError)
				} else {
					span.SetStatus(tracing.SpanStatusOK)
				}
			}
			span.End()
		}
	}
	return out, md, err
}

// attemptErrorKind is the error.type of an attempt answered with an
// error: the code the body gives, or the status.
func attemptErrorKind(d *Dialect, resp *http.Response) string {
	if code := peekErrorCode(d, resp); code != "" {
		return code
	}
	return strconv.Itoa(resp.StatusCode)
}

// logAttempt logs an attempt at debug level.
func logAttempt(ctx context.Context, l *slog.Logger, d *Dialect, op string, req *smithyhttp.Request, resp *http.Response, err error, elapsed time.Duration, reqID string) {
	attrs := []any{"dialect", d.Name, "op", op}
	if req != nil && req.Request != nil && req.URL != nil {
		attrs = append(attrs, "method", req.Method, "host", req.URL.Host, "path", req.URL.EscapedPath())
	}
	attrs = append(attrs, "elapsed", elapsed)
	if err != nil {
		l.LogAttrs(ctx, slog.LevelDebug, "polystore attempt failed", slog.Group("", attrs...), slog.String("error", err.Error()))
		return
	}
	if resp == nil {
		return
	}
	l.LogAttrs(ctx, slog.LevelDebug, "polystore attempt", slog.Group("", attrs...),
		slog.Int("status", resp.StatusCode), slog.String("request_id", reqID))
}
