// Command otel shows polystore's tracing and metrics exported to
// OpenTelemetry, with no account: it starts an embedded storagetest
// server, makes the first PUT answer 503 SlowDown (so the call is
// retried), puts and gets an object, runs a transfer.Manager upload of a
// multipart object, and prints the spans and metrics the OpenTelemetry
// SDK collected in memory.
//
//	cd examples/otel && go run .
//
// polystore speaks smithy-go's tracing and metrics interfaces
// (client.Options.TracerProvider, MeterProvider); smithy-go's adapters
// (smithyoteltracing.Adapt, smithyotelmetrics.Adapt) turn OpenTelemetry
// providers into those. In a real program, give the SDK providers an
// OTLP exporter instead of the in-memory ones used here.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go/metrics/smithyotelmetrics"
	"github.com/aws/smithy-go/tracing/smithyoteltracing"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
	"github.com/polystore/polystore/transfer"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func main() {
	if _, err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "otel:", err)
		os.Exit(1)
	}
}

// report is what run collected, for the test.
type report struct {
	spans   tracetest.SpanStubs
	metrics metricdata.ResourceMetrics
}

func run(w io.Writer) (*report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// OpenTelemetry's SDK, with in-memory exporters.
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	d := client.S3
	d.Limits.MinPartSize = 64 << 10 // small parts, so the upload below has several
	srv := storagetest.NewServer(d)
	defer srv.Close()
	c, err := srv.Client(
		client.WithTracerProvider(smithyoteltracing.Adapt(tp)),
		client.WithMeterProvider(smithyotelmetrics.Adapt(mp)),
		client.WithRetry(client.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}),
	)
	if err != nil {
		return nil, err
	}

	const b = "otel-example"
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
		return nil, err
	}
	objects := object.NewClient(c)
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown"})
	content := []byte(strings.Repeat("hello, tracing\n", 100))
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: b, Key: "hello.txt", Body: bytes.NewReader(content)}); err != nil {
		return nil, err
	}
	out, err := objects.Get(ctx, &object.GetInput{Bucket: b, Key: "hello.txt"})
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, out.Body); err != nil {
		return nil, err
	}
	out.Body.Close()

	m, err := transfer.New(transfer.NewClientAPI(c), transfer.WithPartSize(64<<10))
	if err != nil {
		return nil, err
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*64<<10/16+10) // 4 parts
	task, err := m.Upload(ctx, &transfer.UploadInput{Bucket: b, Key: "big.bin", ReaderAt: bytes.NewReader(big), Size: int64(len(big))})
	if err != nil {
		return nil, err
	}
	if _, err := task.Wait(ctx); err != nil {
		return nil, err
	}

	rep := &report{spans: spans.GetSpans()}
	if err := reader.Collect(ctx, &rep.metrics); err != nil {
		return nil, err
	}
	printSpans(w, rep.spans)
	printMetrics(w, rep.metrics)
	return rep, nil
}

// printSpans prints the spans as a tree, with their attributes and
// events.
func printSpans(w io.Writer, spans tracetest.SpanStubs) {
	fmt.Fprintf(w, "%d spans:\n", len(spans))
	children := map[string][]int{}
	ids := map[string]bool{}
	for i, s := range spans {
		ids[s.SpanContext.SpanID().String()] = true
		p := s.Parent.SpanID().String()
		children[p] = append(children[p], i)
	}
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		idx := children[parent]
		sort.Slice(idx, func(a, b int) bool { return spans[idx[a]].StartTime.Before(spans[idx[b]].StartTime) })
		for _, i := range idx {
			s := spans[i]
			var attrs []string
			for _, kv := range s.Attributes {
				attrs = append(attrs, fmt.Sprintf("%s=%s", kv.Key, kv.Value.Emit()))
			}
			fmt.Fprintf(w, "%s%s [%s] %s\n", strings.Repeat("  ", depth+1), s.Name, s.Status.Code, strings.Join(attrs, " "))
			for _, ev := range s.Events {
				var ea []string
				for _, kv := range ev.Attributes {
					ea = append(ea, fmt.Sprintf("%s=%s", kv.Key, kv.Value.Emit()))
				}
				fmt.Fprintf(w, "%s  event %q %s\n", strings.Repeat("  ", depth+1), ev.Name, strings.Join(ea, " "))
			}
			walk(s.SpanContext.SpanID().String(), depth+1)
		}
	}
	// Roots: spans whose parent is not among the spans.
	for p := range children {
		if !ids[p] {
			walk(p, 0)
		}
	}
}

// printMetrics prints each metric's data points, summed by operation.
func printMetrics(w io.Writer, rm metricdata.ResourceMetrics) {
	fmt.Fprintln(w, "metrics:")
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					op, _ := dp.Attributes.Value(client.AttrOperation)
					fmt.Fprintf(w, "  %s %s = %d\n", m.Name, op.Emit(), dp.Value)
				}
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					op, _ := dp.Attributes.Value(client.AttrOperation)
					fmt.Fprintf(w, "  %s %s: %d calls, %.4f s in all\n", m.Name, op.Emit(), dp.Count, dp.Sum)
				}
			}
		}
	}
}
