package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/aws/smithy-go/tracing"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/telemetrytest"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestTracingAndMetricsOfARetriedCall: a PUT answered 503 SlowDown and
// then 200 has a span of its own with two attempt spans under it, and
// records one duration, two attempts, one throttle and the body twice in
// bytes sent; reading a GET's body counts it in bytes received.
func TestTracingAndMetricsOfARetriedCall(t *testing.T) {
	tp, mp := &telemetrytest.Tracer{}, &telemetrytest.Meter{}
	srv, c := newServer(t, client.S3, client.WithTracerProvider(tp), client.WithMeterProvider(mp))
	b := bucketName(c)
	body := bytes.Repeat([]byte("traced "), 300) // 2100 bytes
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown"})
	objects := object.NewClient(c)
	if _, err := objects.Put(context.Background(), &object.PutInput{Bucket: b, Key: "k", Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}

	puts := tp.Spans("PutObject")
	if len(puts) != 1 {
		t.Fatalf("%d PutObject spans, want 1", len(puts))
	}
	op := puts[0]
	for k, want := range map[string]any{
		client.AttrDialect: "s3", client.AttrOperation: "PutObject", client.AttrBucket: b,
		client.AttrStatus: 200, client.AttrAttempts: 2, client.AttrRetries: 1,
	} {
		if got := op.Prop(k); got != want {
			t.Errorf("operation span %s = %v, want %v", k, got, want)
		}
	}
	if id, _ := op.Prop(client.AttrRequestID).(string); id == "" || op.Status() != tracing.SpanStatusOK || !op.Ended() || op.Kind != tracing.SpanKindClient {
		t.Errorf("operation span: request id %q, status %v, ended %v, kind %v", id, op.Status(), op.Ended(), op.Kind)
	}
	var attempts []*telemetrytest.Span
	for _, s := range tp.Spans(client.SpanAttempt) {
		if s.Parent == op {
			attempts = append(attempts, s)
		}
	}
	if len(attempts) != 2 {
		t.Fatalf("%d attempt spans under the operation's, want 2", len(attempts))
	}
	first, second := attempts[0], attempts[1]
	if first.Prop(client.AttrAttempt) != 1 || first.Prop(client.AttrStatus) != 503 || first.Prop(client.AttrErrorKind) != "SlowDown" || first.Status() != tracing.SpanStatusError {
		t.Errorf("first attempt: attempt %v status %v error %v span status %v", first.Prop(client.AttrAttempt), first.Prop(client.AttrStatus), first.Prop(client.AttrErrorKind), first.Status())
	}
	if second.Prop(client.AttrAttempt) != 2 || second.Prop(client.AttrStatus) != 200 || second.Prop(client.AttrErrorKind) != nil || second.Status() != tracing.SpanStatusOK || !second.Ended() {
		t.Errorf("second attempt: attempt %v status %v error %v span status %v", second.Prop(client.AttrAttempt), second.Prop(client.AttrStatus), second.Prop(client.AttrErrorKind), second.Status())
	}

	putPoints := func(name string) (n int, sum float64) {
		for _, p := range mp.Points(name) {
			if p.Props[client.AttrOperation] == "PutObject" && p.Props[client.AttrDialect] == "s3" {
				n++
				sum += p.Value
			}
		}
		return n, sum
	}
	if n, secs := putPoints(client.MetricCallDuration); n != 1 || secs <= 0 {
		t.Errorf("%d PutObject durations (%v s), want 1", n, secs)
	}
	if _, n := putPoints(client.MetricCallAttempts); n != 2 {
		t.Errorf("%v PutObject attempts counted, want 2", n)
	}
	if _, n := putPoints(client.MetricCallThrottles); n != 1 {
		t.Errorf("%v throttles counted, want 1", n)
	}
	if _, n := putPoints(client.MetricBytesSent); n != float64(2*len(body)) {
		t.Errorf("%v bytes sent counted, want %d (the body, twice)", n, 2*len(body))
	}

	out, err := objects.Get(context.Background(), &object.GetInput{Bucket: b, Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("get: %v", err)
	}
	received := 0.0
	for _, p := range mp.Points(client.MetricBytesReceived) {
		if p.Props[client.AttrOperation] == "GetObject" {
			received += p.Value
		}
	}
	if received != float64(len(body)) {
		t.Errorf("%v bytes received counted for the GET, want %d", received, len(body))
	}

	// A failed call: its error kind on the span and the duration.
	_, err = objects.Head(context.Background(), &object.HeadInput{Bucket: b, Key: "missing"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("head of a missing key: %v", err)
	}
	heads := tp.Spans("HeadObject")
	if len(heads) != 1 || heads[0].Status() != tracing.SpanStatusError || heads[0].Prop(client.AttrErrorKind) != client.ErrorKindOf(err) || heads[0].Prop(client.AttrStatus) != 404 {
		t.Errorf("HeadObject span: %d spans, error kind %v, want %q", len(heads), heads[0].Prop(client.AttrErrorKind), client.ErrorKindOf(err))
	}
	kinds := 0
	for _, p := range mp.Points(client.MetricCallDuration) {
		if p.Props[client.AttrOperation] == "HeadObject" && p.Props[client.AttrErrorKind] == client.ErrorKindOf(err) {
			kinds++
		}
	}
	if kinds != 1 {
		t.Errorf("%d HeadObject durations with the error kind, want 1", kinds)
	}
}

// TestTelemetryPerCallProviders: without providers a call makes no
// span (the caller's context is passed on as it is) and the per-call
// providers are used when given per call.
func TestTelemetryPerCallProviders(t *testing.T) {
	_, c := newServer(t, client.S3)
	tp := &telemetrytest.Tracer{}
	ctx, parent := tp.StartSpan(context.Background(), "caller")
	objects := object.NewClient(c)
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName(c), Key: "missing"}); !errors.Is(err, client.ErrNotFound) {
		t.Fatal(err)
	}
	if n := len(tp.Spans("")); n != 1 {
		t.Fatalf("%d spans without a provider, want only the caller's", n)
	}
	_, _ = objects.Head(ctx, &object.HeadInput{Bucket: bucketName(c), Key: "missing"}, client.WithTracerProvider(tp))
	heads := tp.Spans("HeadObject")
	if len(heads) != 1 || heads[0].Parent != parent {
		t.Fatalf("per-call provider: %d HeadObject spans, want 1 under the caller's span", len(heads))
	}
}
