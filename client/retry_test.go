package client_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// recorder is a slog handler that keeps records and can react to them.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
	onLog   func(slog.Record)
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.records = append(r.records, rec.Clone())
	f := r.onLog
	r.mu.Unlock()
	if f != nil {
		f(rec)
	}
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) find(msg string) []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []slog.Record
	for _, rec := range r.records {
		if rec.Message == msg {
			out = append(out, rec)
		}
	}
	return out
}

func attr(rec slog.Record, key string) slog.Value {
	var v slog.Value
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// steppingClock advances one second per reading, starting now, so every
// signature has a distinct date.
func steppingClock() func() time.Time {
	var n atomic.Int64
	start := time.Now().Truncate(time.Second)
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

func newServer(t *testing.T, d client.Dialect, opts ...func(*client.Options)) (*storagetest.Server, *client.Client) {
	t.Helper()
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	c, err := srv.Client(append([]func(*client.Options){client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	b := "retry-bucket"
	if d.ValidateBucket(b) != nil {
		b += "-1250000000"
	}
	if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	return srv, c
}

func bucketName(c *client.Client) string {
	if c.Dialect().ValidateBucket("retry-bucket") != nil {
		return "retry-bucket-1250000000"
	}
	return "retry-bucket"
}

func TestRetryAfter503ReplaysBodyAndResigns(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d, client.WithClock(steppingClock()))
			content := bytes.Repeat([]byte("replay me "), 10000)
			srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown", Times: 1})
			_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{
				Bucket: bucketName(c), Key: "k", Body: bytes.NewReader(content),
			})
			if err != nil {
				t.Fatalf("put: %v", err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(reqs))
			}
			want := fmt.Sprintf("%x", md5.Sum(content))
			for i, r := range reqs {
				if r.BodyMD5 != want || r.BodySize != int64(len(content)) {
					t.Errorf("attempt %d: body md5 %s size %d, want %s %d", i+1, r.BodyMD5, r.BodySize, want, len(content))
				}
			}
			if reqs[0].Status != http.StatusServiceUnavailable || reqs[1].Status >= 300 {
				t.Errorf("statuses %d, %d", reqs[0].Status, reqs[1].Status)
			}
			if !reqs[1].SignedAt.After(reqs[0].SignedAt) {
				t.Errorf("second attempt signed at %v, not after first %v", reqs[1].SignedAt, reqs[0].SignedAt)
			}
		})
	}
}

func TestStreamBodyIsNotBuffered(t *testing.T) {
	srv, c := newServer(t, client.S3)
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown", Times: 1})
	stream := io.MultiReader(strings.NewReader("a one-shot stream"))
	_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: bucketName(c), Key: "k", Body: stream, Size: 17})
	if !errors.Is(err, client.ErrBodyNotReplayable) {
		t.Fatalf("err = %v, want ErrBodyNotReplayable", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	rec := &recorder{}
	srv, c := newServer(t, client.S3, client.WithLogger(slog.New(rec)),
		client.WithRetry(client.RetryPolicy{MaxAttempts: 10, MaxRetryAfter: time.Hour}))
	// The server asks for an hour's wait; cancelling while the client waits
	// must return at once (the test would otherwise hit its deadline).
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown", RetryAfter: "3600", Times: 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec.onLog = func(r slog.Record) {
		if r.Message == "polystore retry" {
			cancel()
		}
	}
	_, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: bucketName(c), Key: "k"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server saw %d requests after cancel, want 1", n)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	rec := &recorder{}
	srv, c := newServer(t, client.S3, client.WithLogger(slog.New(rec)),
		client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}))
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown", RetryAfter: "1", Times: 1})
	if _, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: bucketName(c), Key: "k", Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	retries := rec.find("polystore retry")
	if len(retries) != 1 {
		t.Fatalf("%d retry records, want 1", len(retries))
	}
	if wait := attr(retries[0], "wait").Duration(); wait != time.Second {
		t.Errorf("waited %v, want the server's Retry-After of 1s (backoff alone is at most 2ms)", wait)
	}
}

// pokeOp is a non-idempotent operation defined the way operation packages
// define theirs.
var pokeOp = opkit.Op[struct{ Bucket string }, struct{}]{
	Name: "Poke",
	Serialize: func(_ *client.Dialect, _ *client.Options, in *struct{ Bucket string }, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPost, in.Bucket, "poke"
		r.Body = opkit.BytesBody([]byte("once"))
		return nil
	},
}

func TestNonIdempotentRetriedOnlyWhenRefused(t *testing.T) {
	srv, c := newServer(t, client.S3)
	in := &struct{ Bucket string }{bucketName(c)}

	// A 500 may have been applied: a non-idempotent call is not resent.
	srv.InjectFault(storagetest.Fault{Status: http.StatusInternalServerError, Code: "InternalError", Times: 1})
	_, err := opkit.Call(context.Background(), c, &pokeOp, in)
	var re *client.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusInternalServerError {
		t.Fatalf("err = %v, want the 500", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("non-idempotent call after a 500: %d requests, want 1", n)
	}

	// A throttling 503 means the server refused it: safe to resend.
	srv.ResetLog()
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "SlowDown", Times: 1})
	_, _ = opkit.Call(context.Background(), c, &pokeOp, in)
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("non-idempotent call after a 503 SlowDown: %d requests, want 2", n)
	}

	// An idempotent Put is retried after 500s.
	srv.ResetLog()
	srv.InjectFault(storagetest.Fault{Status: http.StatusInternalServerError, Code: "InternalError", Times: 2})
	if _, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: in.Bucket, Key: "k", Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("idempotent put after two 500s: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("idempotent put: %d requests, want 3", n)
	}
}

func TestRetriesExhaustedReturnLastError(t *testing.T) {
	srv, c := newServer(t, client.QingStor, client.WithMaxAttempts(2))
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", Times: 5})
	_, err := object.NewClient(c).Head(context.Background(), &object.HeadInput{Bucket: bucketName(c), Key: "k"})
	var re *client.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want the last 503", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server saw %d requests, want 2 (MaxAttempts)", n)
	}
}

func TestConnectionResetIsRetried(t *testing.T) {
	srv, c := newServer(t, client.S3)
	content := bytes.Repeat([]byte("0123456789"), 50000)
	srv.InjectFault(storagetest.Fault{ResetAfterBytes: 1000, Times: 1})
	if _, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: bucketName(c), Key: "k", Body: bytes.NewReader(content)}); err != nil {
		t.Fatalf("put after reset: %v", err)
	}
	out, err := object.NewClient(c).Get(context.Background(), &object.GetInput{Bucket: bucketName(c), Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	got, _ := io.ReadAll(out.Body)
	if !bytes.Equal(got, content) {
		t.Errorf("content corrupted after a reset: %d bytes", len(got))
	}
}
