package transfer

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/tracing"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/telemetrytest"
	"github.com/polystore/polystore/storagetest"
)

// TestTaskSpans: an upload task has a span with an event per part done
// and one for the part sent again because it arrived corrupted; the
// requests' spans are its children (the part answered 503 first with two
// attempts); a download whose range breaks off has a "part resent"
// event; a failed task's span says so.
func TestTaskSpans(t *testing.T) {
	d := smallParts(client.S3)
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	tp := &telemetrytest.Tracer{}
	c, err := srv.Client(client.WithTracerProvider(tp), client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	b := testBucket(d)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	m, err := New(NewClientAPI(c), WithPartSize(stPartSize), WithPartParallelism(1))
	if err != nil {
		t.Fatal(err)
	}
	data := randomData(91, 4*stPartSize+7) // 5 parts
	first := d.Limits.FirstPartNumber
	srv.InjectFault(storagetest.Fault{Match: isPartNumber(d, first+1), Status: http.StatusServiceUnavailable})
	srv.InjectFault(storagetest.Fault{Match: isPartNumber(d, first+3), CorruptRequestBody: true, CorruptRequestOffset: 5})
	task, err := m.Upload(ctxT(t), &UploadInput{Bucket: b, Key: "traced", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	res := mustWait(t, task)

	ups := tp.Spans(SpanUpload)
	if len(ups) != 1 {
		t.Fatalf("%d upload spans, want 1", len(ups))
	}
	up := ups[0]
	if !up.Ended() || up.Status() != tracing.SpanStatusOK || up.Prop(client.AttrBucket) != b || up.Prop(AttrKey) != "traced" || up.Prop(AttrTaskID) != task.ID() {
		t.Errorf("upload span: ended %v status %v bucket %v key %v id %v", up.Ended(), up.Status(), up.Prop(client.AttrBucket), up.Prop(AttrKey), up.Prop(AttrTaskID))
	}
	if up.Prop(AttrBytes) != int64(len(data)) || up.Prop(AttrParts) != 5 || up.Prop(AttrResentParts) != 1 || res.ResentParts != 1 {
		t.Errorf("upload span: bytes %v parts %v resent %v (result resent %d)", up.Prop(AttrBytes), up.Prop(AttrParts), up.Prop(AttrResentParts), res.ResentParts)
	}
	done, resent := map[any]any{}, 0
	for _, ev := range up.Events() {
		switch ev.Name {
		case EventPartDone:
			done[ev.Props[AttrPart]] = ev.Props[AttrPartSize]
		case EventPartResent:
			resent++
			if ev.Props[client.AttrErrorKind] == nil {
				t.Errorf("resent event without an error kind: %v", ev.Props)
			}
		case EventPartFailed:
			t.Errorf("a part failed: %v", ev.Props)
		}
	}
	if len(done) != 5 || done[first] != int64(stPartSize) || done[first+4] != int64(7) || resent != 1 {
		t.Errorf("part events: done %v, %d resent; want 5 parts done, 1 resent", done, resent)
	}
	var partSpans, attempts int
	for _, s := range tp.Spans("UploadPart") {
		if s.Parent != up {
			t.Errorf("an UploadPart span is not the task's child")
		}
		partSpans++
		if s.Prop(client.AttrAttempts) == 2 {
			attempts++
		}
	}
	if partSpans != 6 || attempts != 1 { // 5 parts, one sent again; one retried after its 503
		t.Errorf("%d UploadPart spans (%d with 2 attempts), want 6 (1)", partSpans, attempts)
	}

	// A download whose second range breaks off is asked again.
	flaky := &breakingAPI{ClientAPI: NewClientAPI(c), at: stPartSize}
	dm, err := New(flaky, WithPartSize(stPartSize), WithPartParallelism(1))
	if err != nil {
		t.Fatal(err)
	}
	dtask, err := dm.Download(ctxT(t), &DownloadInput{Bucket: b, Key: "traced", File: t.TempDir() + "/out"})
	if err != nil {
		t.Fatal(err)
	}
	mustWait(t, dtask)
	downs := tp.Spans(SpanDownload)
	if len(downs) != 1 || downs[0].Status() != tracing.SpanStatusOK {
		t.Fatalf("%d download spans", len(downs))
	}
	var rangesDone, rangesResent int
	for _, ev := range downs[0].Events() {
		switch ev.Name {
		case EventPartDone:
			rangesDone++
		case EventPartResent:
			if _, ok := ev.Props[AttrPart].(int); ok {
				rangesResent++
			}
		}
	}
	if rangesDone != 5 || rangesResent != 1 {
		t.Errorf("download events: %d ranges done, %d resent; want 5 and 1", rangesDone, rangesResent)
	}

	// A task that fails.
	ftask, err := dm.Download(ctxT(t), &DownloadInput{Bucket: b, Key: "missing", File: t.TempDir() + "/missing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ftask.Wait(context.Background()); err == nil {
		t.Fatal("download of a missing object succeeded")
	}
	downs = tp.Spans(SpanDownload)
	if len(downs) != 2 || downs[1].Status() != tracing.SpanStatusError || downs[1].Prop(client.AttrErrorKind) == nil {
		t.Errorf("failed download span: status %v error kind %v", downs[1].Status(), downs[1].Prop(client.AttrErrorKind))
	}
}

// breakingAPI is a ClientAPI (with its TracerProvider) whose first read
// of the range at offset at breaks off after a few bytes.
type breakingAPI struct {
	*ClientAPI
	at    int64
	broke atomic.Bool
}

func (a *breakingAPI) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	body, err := a.ClientAPI.GetObjectRange(ctx, in)
	if err != nil || in.Offset != a.at || a.broke.Swap(true) {
		return body, err
	}
	return breakingBody{io.LimitReader(body, 10), body}, nil
}

type breakingBody struct {
	r io.Reader
	io.Closer
}

func (b breakingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
