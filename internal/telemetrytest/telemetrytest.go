// Package telemetrytest holds in-memory implementations of smithy-go's
// tracing and metrics interfaces for tests: a TracerProvider that keeps
// every span (name, kind, parent, properties, events, status) and a
// MeterProvider that keeps every Int64Counter addition and
// Float64Histogram record with its properties.
package telemetrytest

import (
	"context"
	"strconv"
	"sync"

	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/tracing"
)

// Tracer is a tracing.TracerProvider and tracing.Tracer that records
// spans. The zero value is ready.
type Tracer struct {
	mu    sync.Mutex
	spans []*Span
}

// Span is a recorded span.
type Span struct {
	t      *Tracer
	name   string
	id     string
	Kind   tracing.SpanKind
	Parent *Span // nil for a root span

	mu     sync.Mutex
	props  map[any]any
	events []Event
	status tracing.SpanStatus
	ended  bool
}

// Event is a recorded span event.
type Event struct {
	Name  string
	Props map[any]any
}

type spanKey struct{}

// Tracer returns t.
func (t *Tracer) Tracer(string, ...tracing.TracerOption) tracing.Tracer { return t }

// StartSpan starts a span, the child of the span of ctx if it has one.
func (t *Tracer) StartSpan(ctx context.Context, name string, opts ...tracing.SpanOption) (context.Context, tracing.Span) {
	var o tracing.SpanOptions
	for _, fn := range opts {
		fn(&o)
	}
	parent, _ := ctx.Value(spanKey{}).(*Span)
	t.mu.Lock()
	s := &Span{t: t, name: name, id: strconv.Itoa(len(t.spans) + 1), Kind: o.Kind, Parent: parent, props: map[any]any{}}
	t.spans = append(t.spans, s)
	t.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, s), s
}

// Spans returns the spans named name (all of them for ""), in the order
// they started.
func (t *Tracer) Spans(name string) []*Span {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*Span
	for _, s := range t.spans {
		if name == "" || s.name == name {
			out = append(out, s)
		}
	}
	return out
}

// Name returns the span's name.
func (s *Span) Name() string { return s.name }

// Context returns the span's identity.
func (s *Span) Context() tracing.SpanContext {
	return tracing.SpanContext{TraceID: "trace", SpanID: s.id}
}

// AddEvent records an event.
func (s *Span) AddEvent(name string, opts ...tracing.EventOption) {
	var o tracing.EventOptions
	for _, fn := range opts {
		fn(&o)
	}
	s.mu.Lock()
	s.events = append(s.events, Event{Name: name, Props: o.Properties.Values()})
	s.mu.Unlock()
}

// SetStatus records the status.
func (s *Span) SetStatus(st tracing.SpanStatus) {
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()
}

// SetProperty records a property.
func (s *Span) SetProperty(k, v any) {
	s.mu.Lock()
	s.props[k] = v
	s.mu.Unlock()
}

// End ends the span.
func (s *Span) End() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}

// Prop returns a property's value.
func (s *Span) Prop(k any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.props[k]
}

// Status returns the status set last.
func (s *Span) Status() tracing.SpanStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Ended reports whether End was called.
func (s *Span) Ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// Events returns the events recorded.
func (s *Span) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Meter is a metrics.MeterProvider and metrics.Meter that records
// Int64Counter additions and Float64Histogram records; its other
// instruments do nothing. The zero value is ready.
type Meter struct {
	metrics.NopMeter
	mu     sync.Mutex
	points []Point
}

// Point is one recorded value.
type Point struct {
	Name  string
	Value float64
	Props map[any]any
}

// Meter returns m.
func (m *Meter) Meter(string, ...metrics.MeterOption) metrics.Meter { return m }

// Int64Counter returns a counter recording into m.
func (m *Meter) Int64Counter(name string, _ ...metrics.InstrumentOption) (metrics.Int64Counter, error) {
	return instrument{m, name}, nil
}

// Float64Histogram returns a histogram recording into m.
func (m *Meter) Float64Histogram(name string, _ ...metrics.InstrumentOption) (metrics.Float64Histogram, error) {
	return instrument{m, name}, nil
}

// Points returns the values recorded under name.
func (m *Meter) Points(name string) []Point {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Point
	for _, p := range m.points {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// Sum returns the sum of the values recorded under name.
func (m *Meter) Sum(name string) float64 {
	var sum float64
	for _, p := range m.Points(name) {
		sum += p.Value
	}
	return sum
}

type instrument struct {
	m    *Meter
	name string
}

func (i instrument) record(v float64, opts []metrics.RecordMetricOption) {
	var o metrics.RecordMetricOptions
	for _, fn := range opts {
		fn(&o)
	}
	i.m.mu.Lock()
	i.m.points = append(i.m.points, Point{Name: i.name, Value: v, Props: o.Properties.Values()})
	i.m.mu.Unlock()
}

func (i instrument) Add(_ context.Context, v int64, opts ...metrics.RecordMetricOption) {
	i.record(float64(v), opts)
}

func (i instrument) Record(_ context.Context, v float64, opts ...metrics.RecordMetricOption) {
	i.record(v, opts)
}

var (
	_ tracing.TracerProvider = (*Tracer)(nil)
	_ metrics.MeterProvider  = (*Meter)(nil)
)
