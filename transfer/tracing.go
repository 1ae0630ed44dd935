package transfer

import (
	"context"
	"errors"

	"github.com/aws/smithy-go/tracing"
	"github.com/polystore/polystore/client"
)

// Task tracing. A Manager whose API has a TracerProvider method (ClientAPI
// does: the client's Options.TracerProvider) traces each task in a span
// of its own, "transfer.upload" or "transfer.download", whose context is
// the task's, so the spans of the task's requests are its children. The
// span carries the bucket, key and task id, and at its end the bytes and
// parts done, the parts resumed and resent, and the error kind; an event
// marks each part done, failed or resent. Without a provider nothing is
// traced and nothing is spent on it.
const (
	// SpanUpload and SpanDownload name the task spans.
	SpanUpload   = "transfer.upload"
	SpanDownload = "transfer.download"

	// EventPartDone, EventPartFailed and EventPartResent name the part
	// events of a task span. Their properties: AttrPart (the part
	// number, as Part.Number; absent when a resent upload part's number
	// is not known), AttrPartSize (done parts), client.AttrErrorKind
	// (failed and resent parts).
	EventPartDone   = "part done"
	EventPartFailed = "part failed"
	EventPartResent = "part resent"

	// Task span and event attributes (besides client.AttrBucket and
	// client.AttrErrorKind).
	AttrKey          = "polystore.key"
	AttrTaskID       = "polystore.task_id"
	AttrPart         = "polystore.part"
	AttrPartSize     = "polystore.part_size"
	AttrBytes        = "polystore.bytes" // bytes done (Progress.Bytes)
	AttrParts        = "polystore.parts" // parts done (Progress.Parts)
	AttrResumedParts = "polystore.resumed_parts"
	AttrResentParts  = "polystore.resent_parts"
)

// TracerProvider returns the client's Options.TracerProvider, which the
// Manager traces tasks with (see SpanUpload).
func (a *ClientAPI) TracerProvider() tracing.TracerProvider {
	return a.c.Options().TracerProvider
}

// taskSpan is a task's span; its zero value traces nothing.
type taskSpan struct{ span tracing.Span }

// startSpan starts t's span, if the manager's API has a tracer, and
// returns the context the task runs in.
func (t *Task) startSpan(ctx context.Context) context.Context {
	tp, ok := t.m.api.(interface{ TracerProvider() tracing.TracerProvider })
	if !ok {
		return ctx
	}
	p := tp.TracerProvider()
	if p == nil {
		return ctx
	}
	name := SpanUpload
	if t.op == "download" {
		name = SpanDownload
	}
	ctx, span := p.Tracer(client.TracerScope).StartSpan(ctx, name)
	span.SetProperty(client.AttrBucket, t.bucket)
	span.SetProperty(AttrKey, t.key)
	span.SetProperty(AttrTaskID, t.id)
	t.span.span = span
	return ctx
}

// partEvent marks a part done, failed or resent on the task's span.
// number < 0 leaves the part number out.
func (t *Task) partEvent(name string, number int, size int64, err error) {
	span := t.span.span
	if span == nil {
		return
	}
	span.AddEvent(name, func(o *tracing.EventOptions) {
		if number >= 0 {
			o.Properties.Set(AttrPart, number)
		}
		if name == EventPartDone {
			o.Properties.Set(AttrPartSize, size)
		}
		if err != nil {
			o.Properties.Set(client.AttrErrorKind, client.ErrorKindOf(err))
		}
	})
}

// tracedParts wraps a runParts function so that a part that fails (not
// one stopped by the task's cancellation) is marked on the task's span.
func (t *Task) tracedParts(fn func(context.Context, int) error) func(context.Context, int) error {
	if t.span.span == nil {
		return fn
	}
	return func(ctx context.Context, i int) error {
		err := fn(ctx, i)
		if err != nil && ctx.Err() == nil {
			number := i
			var pe *partError
			if errors.As(err, &pe) {
				number = pe.number
			}
			t.partEvent(EventPartFailed, number, 0, err)
		}
		return err
	}
}

// endSpan ends the task's span with its outcome.
func (t *Task) endSpan(res *Result, err error) {
	span := t.span.span
	if span == nil {
		return
	}
	p := t.Progress()
	span.SetProperty(AttrBytes, p.Bytes)
	span.SetProperty(AttrParts, p.Parts)
	if res != nil {
		span.SetProperty(AttrResumedParts, res.ResumedParts)
		span.SetProperty(AttrResentParts, res.ResentParts)
	}
	if err != nil {
		span.SetProperty(client.AttrErrorKind, client.ErrorKindOf(err))
		span.SetStatus(tracing.SpanStatusError)
	} else {
		span.SetStatus(tracing.SpanStatusOK)
	}
	span.End()
}
