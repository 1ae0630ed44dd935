package opkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/protocol"
)

// Op describes one operation as data. Call, Invoke and Presign run every
// Op through the client's middleware stack; operations never touch HTTP
// plumbing themselves. An Op is declared once, as a package variable,
// and used by address.
type Op[In, Out any] struct {
	// Name is the operation name used in errors and logs ("PutObject").
	Name string
	// Idempotent operations are retried after transient failures.
	Idempotent bool
	// Validate checks the input before anything is sent. It returns an
	// *client.InvalidArgumentError naming the field.
	Validate func(d *client.Dialect, in *In) error
	// Serialize fills r from the input.
	Serialize func(d *client.Dialect, o *client.Options, in *In, r *Request) error
	// Deserialize reads a successful response into out. It must not close
	// resp.Body when KeepBody is set; otherwise the client drains and
	// closes it.
	Deserialize func(d *client.Dialect, resp *http.Response, out *Out) error
	// KeepBody hands the response body to the output (streaming GET).
	KeepBody bool
	// ErrorIn200 marks operations whose "200 OK" can carry an error
	// document (S3's CompleteMultipartUpload, CopyObject and
	// UploadPartCopy fail this way after they started answering). The
	// retry policy then reads such an answer and treats it as the error
	// it holds: an InternalError or SlowDown in a 200 is retried like a
	// 500 or a 503.
	ErrorIn200 bool

	once sync.Once
	desc *desc
}

// desc is an Op as the client's stack runs it.
type desc = protocol.Desc[client.Dialect, client.Options]

// The client's pipeline (client/export.go).
var (
	invoke  = protocol.Import[func(context.Context, *client.Client, *desc, any, []func(*client.Options)) (any, error)]("invoke")
	presign = protocol.Import[func(context.Context, *client.Client, *desc, any, time.Duration, []func(*client.Options)) (*client.PresignedRequest, error)]("presign")
)

// describe returns op's descriptor, built on first use. The client caches
// an operation's compiled stack by its descriptor, so op keeps one.
func (op *Op[In, Out]) describe() *desc {
	op.once.Do(func() {
		d := &desc{Name: op.Name, Idempotent: op.Idempotent, KeepBody: op.KeepBody, ErrorIn200: op.ErrorIn200}
		if v := op.Validate; v != nil {
			d.Validate = func(dl *client.Dialect, in any) error { return v(dl, in.(*In)) }
		}
		if s := op.Serialize; s != nil {
			d.Serialize = func(dl *client.Dialect, o *client.Options, in any, r *Request) error {
				return s(dl, o, in.(*In), r)
			}
		}
		des := op.Deserialize
		d.Deserialize = func(dl *client.Dialect, resp *http.Response) (any, error) {
			out := new(Out)
			if des == nil {
				return out, nil
			}
			return out, des(dl, resp, out)
		}
		op.desc = d
	})
	return op.desc
}

// Call runs op with in on c. optFns edit a copy of the client's options
// for this call only. A nil in is the zero input.
//
// The call runs through op's middleware stack (see client.StepRetry for
// its steps), which is built once per client and operation and reused; a
// call whose options carry APIOptions of its own builds a stack of its
// own.
func Call[In, Out any](ctx context.Context, c *client.Client, op *Op[In, Out], in *In, optFns ...func(*client.Options)) (*Out, error) {
	if in == nil {
		in = new(In)
	}
	res, err := invoke(ctx, c, op.describe(), in, optFns)
	if err != nil {
		return nil, err
	}
	out, ok := res.(*Out)
	if !ok {
		return nil, &client.OperationError{Dialect: c.Dialect().Name, Op: op.Name, Err: fmt.Errorf("a step of the stack returned a %T result, not a %T", res, out)}
	}
	return out, nil
}

// Invoke is Call that returns a failure reported in a successful answer's
// body (S3's CopyObject or CompleteMultipartUpload answering 200 with an
// <Error>) as the *client.ResponseError itself rather than wrapped in the
// *client.OperationError, and so an answer that cannot be used
// (*client.MalformedResponseError), which names the operation already.
// Every other error comes back as Call returned it.
func Invoke[In, Out any](ctx context.Context, c *client.Client, op *Op[In, Out], in *In, optFns []func(*client.Options)) (*Out, error) {
	out, err := Call(ctx, c, op, in, optFns...)
	if err == nil {
		return out, nil
	}
	var oe *client.OperationError
	if !errors.As(err, &oe) {
		return nil, err
	}
	var re *client.ResponseError
	if errors.As(oe.Err, &re) {
		return nil, re
	}
	var me *client.MalformedResponseError
	if errors.As(oe.Err, &me) {
		return nil, me
	}
	return nil, err
}

// Presign serializes op with in exactly as Call would, then signs the
// request in its URL instead of sending it. Nothing goes over the network
// (except, for token-based credentials, a credentials refresh).
//
// expires must be positive and within the scheme's limit (SigV4: 7 days);
// otherwise the error is an *client.InvalidArgumentError on "Expires". A
// signer that cannot presign (IBM IAM bearer tokens) gives an error
// matching client.ErrNotSupported and signer.ErrPresignNotSupported.
func Presign[In, Out any](ctx context.Context, c *client.Client, op *Op[In, Out], in *In, expires time.Duration, optFns ...func(*client.Options)) (*client.PresignedRequest, error) {
	if in == nil {
		in = new(In)
	}
	return presign(ctx, c, op.describe(), in, expires, optFns)
}
