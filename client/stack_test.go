package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// attemptLog records what per-attempt steps saw.
type attemptLog struct {
	mu       sync.Mutex
	attempts []int // AttemptNumber in a Finalize step after Retry
	statuses []int // the raw answers a Deserialize step saw
}

func (l *attemptLog) add(p *[]int, v int) {
	l.mu.Lock()
	*p = append(*p, v)
	l.mu.Unlock()
}

func (l *attemptLog) get(p *[]int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), *p...)
}

// perAttempt installs a Finalize step (after the client's own, so once
// per attempt) that tags the request with its attempt number, and a
// Deserialize step that records each attempt's status.
func (l *attemptLog) perAttempt(s *middleware.Stack) error {
	if err := s.Finalize.Add(middleware.FinalizeMiddlewareFunc("TestAttemptTag",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			n := client.AttemptNumber(ctx)
			l.add(&l.attempts, n)
			in.Request.(*smithyhttp.Request).Header.Set("X-Test-Attempt", strconv.Itoa(n))
			return next.HandleFinalize(ctx, in)
		}), middleware.After); err != nil {
		return err
	}
	return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("TestAttemptStatus",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
				l.add(&l.statuses, resp.StatusCode)
			}
			return out, md, err
		}), middleware.After)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAPIOptionsStepRunsPerAttempt: a step a caller adds to Finalize runs
// once per attempt, sees each attempt's number, and what it sets on the
// request reaches the server on that attempt only; a Deserialize step
// sees every attempt's answer: 503, 503, 200.
func TestAPIOptionsStepRunsPerAttempt(t *testing.T) {
	log := &attemptLog{}
	srv, c := newServer(t, client.S3, client.WithAPIOptions(log.perAttempt))
	log.attempts, log.statuses = nil, nil // newServer's CreateBucket
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Times: 2})
	_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: bucketName(c), Key: "k", Body: stringsReader("per attempt")})
	if err != nil {
		t.Fatal(err)
	}
	if got := log.get(&log.attempts); !equalInts(got, []int{1, 2, 3}) {
		t.Errorf("attempts seen by the step: %v, want [1 2 3]", got)
	}
	if got := log.get(&log.statuses); !equalInts(got, []int{503, 503, 200}) {
		t.Errorf("statuses seen by the Deserialize step: %v, want [503 503 200]", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if got := r.Header.Values("X-Test-Attempt"); len(got) != 1 || got[0] != strconv.Itoa(i+1) {
			t.Errorf("request %d carried X-Test-Attempt %q, want just %d", i+1, got, i+1)
		}
	}
	// Outside an attempt there is no attempt number.
	if n := client.AttemptNumber(context.Background()); n != 0 {
		t.Errorf("AttemptNumber outside a call = %d", n)
	}
}

// errInjected is what failAttempt's step fails an attempt with.
var errInjected = errors.New("injected attempt failure")

// failAttempt installs a per-attempt step that fails the attempts for
// which fail returns true without sending them.
func failAttempt(fail func(n int) bool) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("TestFailAttempt",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if fail(client.AttemptNumber(ctx)) {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, errInjected
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

// TestStepFailsNthAttempt: a step that fails the second attempt has it
// retried like a connection error (the call is idempotent); one that
// fails every attempt ends the call after the policy's attempts with its
// error, in an *OperationError.
func TestStepFailsNthAttempt(t *testing.T) {
	srv, c := newServer(t, client.S3)
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable})
	objects := object.NewClient(c)
	ctx := context.Background()
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bucketName(c), Key: "k", Body: stringsReader("x")}); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable})
	_, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName(c), Key: "k"},
		client.WithAPIOptions(failAttempt(func(n int) bool { return n == 2 })))
	if err != nil {
		t.Fatalf("head with its second attempt failed: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Status != http.StatusServiceUnavailable || reqs[1].Status != http.StatusOK {
		t.Errorf("server saw %d requests (%+v), want attempts 1 (503) and 3 (200)", len(reqs), reqs)
	}

	srv.ResetLog()
	var tries atomic.Int32
	_, err = objects.Head(ctx, &object.HeadInput{Bucket: bucketName(c), Key: "k"},
		client.WithMaxAttempts(4), client.WithAPIOptions(failAttempt(func(int) bool { tries.Add(1); return true })))
	var oe *client.OperationError
	if !errors.Is(err, errInjected) || !errors.As(err, &oe) || oe.Op != "HeadObject" {
		t.Fatalf("err = %v, want the step's error in an *OperationError", err)
	}
	if n := tries.Load(); n != 4 {
		t.Errorf("%d attempts, want the policy's 4", n)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

// TestStackBuiltOncePerOperation: the client's APIOptions run once per
// operation, however many calls run it (and concurrently: the compiled
// stack is shared); a call with APIOptions of its own gets a stack of its
// own, built with the client's edits and its own.
func TestStackBuiltOncePerOperation(t *testing.T) {
	var builds atomic.Int32
	log := &attemptLog{}
	_, c := newServer(t, client.S3, client.WithAPIOptions(func(s *middleware.Stack) error {
		builds.Add(1)
		return log.perAttempt(s)
	}))
	objects := object.NewClient(c)
	ctx := context.Background()
	b := bucketName(c)
	if n := builds.Load(); n != 1 { // newServer created the bucket: one operation
		t.Fatalf("%d builds after one CreateBucket, want 1", n)
	}
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: b, Key: "k", Body: stringsReader("x")}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 8 {
				if _, err := objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "k"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := builds.Load(); n != 3 {
		t.Errorf("%d stack builds for CreateBucket, PutObject and 64 HeadObjects, want 3", n)
	}
	if got := len(log.get(&log.attempts)); got != 1+1+64 {
		t.Errorf("the per-attempt step ran %d times, want 66", got)
	}
	var own atomic.Int32
	for range 2 {
		_, err := objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "k"}, client.WithAPIOptions(func(*middleware.Stack) error {
			own.Add(1)
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
	if own.Load() != 2 || builds.Load() != 5 {
		t.Errorf("per-call APIOptions: %d own and %d client builds, want 2 and 5", own.Load(), builds.Load())
	}
	// A failing edit fails the call, every time.
	boom := errors.New("edit failed")
	for range 2 {
		_, err := objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "k"}, client.WithAPIOptions(func(*middleware.Stack) error { return boom }))
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the edit's error", err)
		}
	}
}

// TestStackSteps: the stack holds the documented steps in order, and a
// caller can insert relative to them.
func TestStackSteps(t *testing.T) {
	var ids []string
	_, c := newServer(t, client.S3)
	_, err := object.NewClient(c).Head(context.Background(), &object.HeadInput{Bucket: bucketName(c), Key: "missing"},
		client.WithAPIOptions(func(s *middleware.Stack) error {
			ids = append(ids, s.Initialize.List()...)
			ids = append(ids, s.Serialize.List()...)
			ids = append(ids, s.Build.List()...)
			ids = append(ids, s.Finalize.List()...)
			return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc("TestBeforeSigning",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					return next.HandleFinalize(ctx, in)
				}), client.StepSigning, middleware.Before)
		}))
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("head of a missing key: %v", err)
	}
	want := []string{client.StepValidate, client.StepSerialize, client.StepUserAgent, client.StepDecode, client.StepRetry,
		client.StepAttempt, client.StepBodyRewind, client.StepSigning, client.StepWatchdog}
	if len(ids) != len(want) {
		t.Fatalf("steps %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("steps %v, want %v", ids, want)
		}
	}
}

// TestPresignRunsTheCallersSteps: a presigned request runs the caller's
// Build and Finalize steps once, none of the sending ones.
func TestPresignRunsTheCallersSteps(t *testing.T) {
	var finalize atomic.Int32
	c, err := client.New(client.S3, client.WithRegion("us-east-1"), client.WithStaticCredentials("AKID", "SECRET", ""),
		client.WithAPIOptions(func(s *middleware.Stack) error {
			if err := s.Build.Add(middleware.BuildMiddlewareFunc("TestHeader",
				func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					in.Request.(*smithyhttp.Request).Header.Set("X-Test-Build", "yes")
					return next.HandleBuild(ctx, in)
				}), middleware.After); err != nil {
				return err
			}
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("TestFinalize",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					finalize.Add(1)
					if n := client.AttemptNumber(ctx); n != 0 {
						t.Errorf("attempt %d in a presign", n)
					}
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		}))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		p, err := object.NewClient(c).PresignGet(context.Background(), &object.GetInput{Bucket: "bucket", Key: "k"}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.Get("X-Test-Build") != "yes" || p.Header.Get("User-Agent") != "" {
			t.Errorf("presigned header %v: want the Build step's header and no User-Agent", p.Header)
		}
	}
	if n := finalize.Load(); n != 2 {
		t.Errorf("the Finalize step ran %d times for 2 presigns, want 2", n)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// passCounter is an io.ReaderAt that counts the passes over it (reads at
// offset 0), so a test sees how often a body was read.
type passCounter struct {
	data   []byte
	passes atomic.Int32
}

func (p *passCounter) ReadAt(b []byte, off int64) (int, error) {
	if off == 0 {
		p.passes.Add(1)
	}
	if off >= int64(len(p.data)) {
		return 0, io.EOF
	}
	n := copy(b, p.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// TestSignedPayloadHashedOncePerCall: over plain http a SigV4 request
// signs its body's SHA-256, computed once per call and not per attempt:
// a PUT answered 503, 503, 200 reads its body once to hash it and once
// per attempt to send it, whether the hash comes with the default
// CRC32C (PrepareBody) or alone (IntegrityOff, the Retry step), and
// every attempt carries the same, right, x-amz-content-sha256.
func TestSignedPayloadHashedOncePerCall(t *testing.T) {
	data := bytes.Repeat([]byte("hash me once "), 3000)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	for _, in := range []client.Integrity{client.IntegrityAuto, client.IntegrityOff} {
		t.Run(in.String(), func(t *testing.T) {
			srv, c := newServer(t, client.S3)
			if !opkit.SignsPayloads(c) {
				t.Fatal("a client of an http endpoint does not sign payloads")
			}
			srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, Times: 2})
			body := &passCounter{data: data}
			_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: bucketName(c), Key: "k",
				Body: io.NewSectionReader(body, 0, int64(len(data))), Integrity: in})
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(reqs) != 3 {
				t.Fatalf("server saw %d requests, want 3", len(reqs))
			}
			for i, r := range reqs {
				if got := r.Header.Get("X-Amz-Content-Sha256"); got != want {
					t.Errorf("attempt %d: x-amz-content-sha256 %q, want the body's %q", i+1, got, want)
				}
			}
			if got := body.passes.Load(); got != 1+3 {
				t.Errorf("the body was read %d times, want 4: once to hash it, once per attempt", got)
			}
		})
	}
}

// TestGzipObjectNotDecompressed: the client's transport asks for no
// transparent compression, so an object stored gzipped comes back as
// stored (net/http would otherwise ask for gzip and decompress it, and its
// length and checksums would no longer match).
func TestGzipObjectNotDecompressed(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	if _, err := zw.Write(bytes.Repeat([]byte("stored gzipped "), 500)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	srv, c := newServer(t, client.S3)
	objects := object.NewClient(c)
	ctx := context.Background()
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bucketName(c), Key: "z", Body: bytes.NewReader(zipped.Bytes()), ContentEncoding: "gzip"}); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	out, err := objects.Get(ctx, &object.GetInput{Bucket: bucketName(c), Key: "z"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, zipped.Bytes()) {
		t.Errorf("GET of a gzipped object: %d bytes, not the %d stored", len(got), zipped.Len())
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Header.Get("Accept-Encoding") != "" {
		t.Errorf("GET asked for Accept-Encoding %q", reqs[0].Header.Get("Accept-Encoding"))
	}
}
