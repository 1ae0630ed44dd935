package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/polystore/polystore/internal/protocol"
)

// request is what an operation's Serialize fills in (see
// protocol.Request).
type request = protocol.Request

// opDesc is an operation as the stack runs it: internal/opkit.Op
// describes itself as one (see protocol.Desc).
type opDesc = protocol.Desc[Dialect, Options]

// invoke runs the operation desc with in (a non-nil pointer to its input
// type) on c and returns its output. optFns edit a copy of the client's
// options for this call only. internal/opkit.Call is its typed front.
//
// The call runs through the operation's middleware stack (see StepRetry
// for its steps), which is built once per client and operation and
// reused; a call whose options carry APIOptions of its own builds a
// stack of its own.
func invoke(ctx context.Context, c *Client, desc *opDesc, in any, optFns []func(*Options)) (any, error) {
	cs, err := c.newCall(ctx, optFns)
	if err != nil {
		return nil, withOp(err, desc.Name)
	}
	st, err := stackFor(cs, desc, false)
	if err != nil {
		return nil, err
	}
	cs.setOp(&st.info)
	cs.begin()
	res, _, err := st.h.Handle(cs, in)
	cs.end(err)
	if err != nil {
		return nil, err
	}
	return res, nil
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
