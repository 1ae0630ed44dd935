package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Request is what an operation's Serialize fills in: the pieces of an HTTP
// request before the client turns them into a URL, signs and sends them.
type Request struct {
	Method string
	Bucket string // empty for service-level calls
	Key    string // empty for bucket-level calls
	Query  url.Values
	Header http.Header
	Body   *Body // nil for no body
}

// Op describes one operation as data. Invoke runs every Op through the same
// middleware stack; operations never touch HTTP plumbing themselves.
type Op[In, Out any] struct {
	// Name is the operation name used in errors and logs ("PutObject").
	Name string
	// Idempotent operations are retried after transient failures.
	Idempotent bool
	// Validate checks the input before anything is sent. It returns an
	// *InvalidArgumentError naming the field.
	Validate func(d *Dialect, in *In) error
	// Serialize fills r from the input.
	Serialize func(d *Dialect, o *Options, in *In, r *Request) error
	// Deserialize reads a successful response into out. It must not close
	// resp.Body when KeepBody is set; otherwise Invoke drains and closes it.
	Deserialize func(d *Dialect, resp *http.Response, out *Out) error
	// KeepBody hands the response body to the output (streaming GET).
	KeepBody bool
	// ErrorIn200 marks operations whose "200 OK" can carry an error
	// document (S3's CompleteMultipartUpload, CopyObject and
	// UploadPartCopy fail this way after they started answering). The
	// retry policy then reads such an answer and treats it as the error
	// it holds: an InternalError or SlowDown in a 200 is retried like a
	// 500 or a 503.
	ErrorIn200 bool
}

// Invoke runs op with in on c. optFns edit a copy of the client's options
// for this call only.
//
// The call runs through op's middleware stack (see StepRetry for its
// steps), which is built once per client and operation and reused; a
// call whose options carry APIOptions of its own builds a stack of its
// own.
func Invoke[In, Out any](ctx context.Context, c *Client, op *Op[In, Out], in *In, optFns ...func(*Options)) (*Out, error) {
	cs, err := c.newCall(ctx, optFns)
	if err != nil {
		return nil, withOp(err, op.Name)
	}
	st, err := stackFor(cs, op, false)
	if err != nil {
		return nil, err
	}
	if in == nil {
		in = new(In)
	}
	cs.setOp(&st.info)
	cs.begin()
	res, _, err := st.h.Handle(cs, in)
	cs.end(err)
	if err != nil {
		return nil, err
	}
	out, ok := res.(*Out)
	if !ok {
		return nil, &OperationError{Dialect: c.dialect.Name, Op: op.Name, Err: fmt.Errorf("a step of the stack returned a %T result, not a %T", res, out)}
	}
	return out, nil
}

// withOp records the operation name on input errors.
func withOp(err error, op string) error {
	var ia *InvalidArgumentError
	if errors.As(err, &ia) && ia.Op == "" {
		ia.Op = op
	}
	return err
}

func drainClose(rc io.ReadCloser) {
	if rc == http.NoBody { // a bodiless answer: nothing to read
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	rc.Close()
}

// unwrapURLError strips net/http's *url.Error, whose message repeats the
// URL, keeping the cause.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// envNames lists the environment variables the dialect reads keys from.
func envNames(d *Dialect) string {
	names := append(append([]string(nil), d.CredentialEnv.AccessKeyVars...), d.CredentialEnv.SecretVars...)
	return "(" + strings.Join(names, ", ") + ")"
}
