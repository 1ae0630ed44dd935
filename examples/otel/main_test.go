package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestRun runs the example: OpenTelemetry gets the retried PUT's span
// with its two attempts, the transfer task's span with its part events
// and its requests' spans beneath, and the calls' metrics.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	rep, err := run(&out)
	if err != nil {
		t.Fatal(err)
	}
	childrenOf := func(parent tracetest.SpanStub, name string) int {
		n := 0
		for _, s := range rep.spans {
			if s.Name == name && s.Parent.SpanID() == parent.SpanContext.SpanID() {
				n++
			}
		}
		return n
	}
	find := func(name string) tracetest.SpanStub {
		t.Helper()
		for _, s := range rep.spans {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no %s span in %d", name, len(rep.spans))
		return tracetest.SpanStub{}
	}
	put := find("PutObject")
	if n := childrenOf(put, client.SpanAttempt); n != 2 {
		t.Errorf("PutObject has %d attempt spans, want 2", n)
	}
	up := find(transfer.SpanUpload)
	if n := childrenOf(up, "UploadPart"); n != 4 {
		t.Errorf("the upload task has %d UploadPart spans beneath, want 4", n)
	}
	done := 0
	for _, ev := range up.Events {
		if ev.Name == transfer.EventPartDone {
			done++
		}
	}
	if done != 4 {
		t.Errorf("the upload task has %d part-done events, want 4", done)
	}
	attempts := int64(-1)
	for _, sm := range rep.metrics.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == client.MetricCallAttempts {
				for _, dp := range sum.DataPoints {
					if v, _ := dp.Attributes.Value(client.AttrOperation); v.AsString() == "PutObject" {
						attempts = dp.Value
					}
				}
			}
		}
	}
	if attempts != 2 {
		t.Errorf("PutObject attempts metric = %d, want 2", attempts)
	}
	if !strings.Contains(out.String(), "transfer.upload [Ok]") {
		t.Errorf("output does not show the task span:\n%s", out.String())
	}
}
