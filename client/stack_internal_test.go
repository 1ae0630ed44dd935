package client

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/smithy-go/middleware"
	"github.com/polystore/polystore/internal/benchserver"
)

// writeCounter counts the writes to its connections.
type writeCounter struct {
	net.Conn
	n *atomic.Int32
}

func (c writeCounter) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// opaqueReaderAt is an io.ReaderAt net/http does not know to be in memory.
type opaqueReaderAt struct{ r *bytes.Reader }

func (o opaqueReaderAt) ReadAt(p []byte, off int64) (int, error) { return o.r.ReadAt(p, off) }

// TestSmallBodyOneWrite: through the client's own transport a request
// and a body of up to 64 KiB leave in one write (one TCP segment, when
// small), whatever reader holds the body; a larger one takes more. Through
// the net/http transport (for proxied endpoints) a small body held in
// memory leaves with its request's headers in one write, and a body
// net/http does not know to be in memory is written after the headers
// are flushed.
func TestSmallBodyOneWrite(t *testing.T) {
	srv, err := benchserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(S3, WithEndpoint(srv.URL), WithRegion("us-east-1"), WithStaticCredentials("AKID", "SECRET", ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.base.(*ownTransport); !ok {
		t.Fatalf("the client's transport is a %T, want its own", c.base)
	}
	var writes atomic.Int32
	counting := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return writeCounter{conn, &writes}, nil
	}
	own := newOwnTransport(c.opts.Timeouts, nil, counting)
	std := newTransport(c.opts.Timeouts)
	std.DialContext = counting
	put := &opDesc{
		Name: "PutObject", Idempotent: true,
		Serialize: func(_ *Dialect, _ *Options, in any, r *request) error {
			r.Method, r.Bucket, r.Key, r.Body = http.MethodPut, "bucket", "bench-4096", in.(*payload)
			return nil
		},
		Deserialize: noOutput,
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 256) // 4 KiB
	big := bytes.Repeat(data, 64)                         // 256 KiB
	for _, c2 := range []struct {
		name   string
		base   http.RoundTripper
		body   *payload
		writes func(n int32) bool
		want   string
	}{
		{"own, bytes.Reader", own, sectionBody(bytes.NewReader(data), 0, int64(len(data))), func(n int32) bool { return n == 1 }, "1"},
		{"own, BytesBody", own, bytesBody(data), func(n int32) bool { return n == 1 }, "1"},
		{"own, opaque ReaderAt", own, sectionBody(opaqueReaderAt{bytes.NewReader(data)}, 0, int64(len(data))), func(n int32) bool { return n == 1 }, "1"},
		{"own, 64 KiB", own, bytesBody(big[:64<<10]), func(n int32) bool { return n == 1 }, "1"},
		{"own, 256 KiB", own, bytesBody(big), func(n int32) bool { return n > 1 }, "more than 1"},
		{"net/http, bytes.Reader", std, sectionBody(bytes.NewReader(data), 0, int64(len(data))), func(n int32) bool { return n == 1 }, "1"},
		{"net/http, BytesBody", std, bytesBody(data), func(n int32) bool { return n == 1 }, "1"},
		{"net/http, opaque ReaderAt", std, sectionBody(opaqueReaderAt{bytes.NewReader(data)}, 0, int64(len(data))), func(n int32) bool { return n == 2 }, "2"},
	} {
		c.base = c2.base
		writes.Store(0)
		if _, err := invoke(context.Background(), c, put, c2.body, nil); err != nil {
			t.Fatal(err)
		}
		if n := writes.Load(); !c2.writes(n) {
			t.Errorf("%s: the request took %d writes, want %s", c2.name, n, c2.want)
		}
	}
}

// TestCompiledStackMatchesSmithy: the compiled chain runs a stack's steps
// in smithy-go's order, passing inputs and outputs between the steps as
// Stack.HandleMiddleware does.
func TestCompiledStackMatchesSmithy(t *testing.T) {
	build := func(trace *[]string) *middleware.Stack {
		s := middleware.NewStack("t", func() any { return "request" })
		note := func(step string) { *trace = append(*trace, step) }
		s.Initialize.Add(middleware.InitializeMiddlewareFunc("i", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			note("initialize " + in.Parameters.(string))
			out, md, err := next.HandleInitialize(ctx, in)
			note("initialize got " + out.Result.(string))
			return out, md, err
		}), middleware.After)
		s.Serialize.Add(middleware.SerializeMiddlewareFunc("s", func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			note("serialize " + in.Parameters.(string))
			in.Request = "built"
			return next.HandleSerialize(ctx, in)
		}), middleware.After)
		s.Build.Add(middleware.BuildMiddlewareFunc("b", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			note("build " + in.Request.(string))
			return next.HandleBuild(ctx, in)
		}), middleware.After)
		for _, id := range []string{"f1", "f2"} {
			s.Finalize.Add(middleware.FinalizeMiddlewareFunc(id, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				note(id + " " + in.Request.(string))
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
		}
		s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("d", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			note("deserialize " + out.RawResponse.(string))
			out.Result = "result"
			return out, md, err
		}), middleware.After)
		return s
	}
	end := middleware.HandlerFunc(func(_ context.Context, in any) (any, middleware.Metadata, error) {
		return "raw of " + in.(string), middleware.Metadata{}, nil
	})
	var want, got []string
	wres, _, werr := build(&want).HandleMiddleware(context.Background(), "params", end)
	s := build(&got)
	cs := &call{Context: context.Background()}
	gres, _, gerr := compile(s, end).Handle(cs, "params")
	if werr != nil || gerr != nil || wres != gres {
		t.Fatalf("smithy: %v %v; compiled: %v %v", wres, werr, gres, gerr)
	}
	// (The compiled chain hands Serialize the call's request, not one of
	// the stack's newRequest; the Serialize step here replaces it, so the
	// traces are comparable.)
	if len(want) != len(got) {
		t.Fatalf("trace %q, want %q", got, want)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("trace %q, want %q", got, want)
		}
	}
}

// noOutput is the Deserialize of a test operation without output.
func noOutput(*Dialect, *http.Response) (any, error) { return &struct{}{}, nil }
