package object

import (
	"context"
	"encoding/base64"
	"errors"
	"github.com/polystore/polystore/internal/opkit"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/polystore/polystore/client"
)

// Append errors. An Append refused because of its position or the
// object's type returns an *AppendError that matches one of these and
// client.ErrConflict with errors.Is, on every dialect, besides the
// service's own error (a *client.ResponseError, reachable with errors.As).
var (
	// ErrPositionMismatch: the position is not the object's length. Head
	// returns the right one in Attributes.NextAppendPosition.
	ErrPositionMismatch = errors.New("polystore: append position is not the object's length")
	// ErrNotAppendable: the object exists and was not created by Append.
	ErrNotAppendable = errors.New("polystore: object is not appendable")
)

// AppendError is an Append the service refused because of the position or
// the object's type.
type AppendError struct {
	// Reason is ErrPositionMismatch or ErrNotAppendable.
	Reason error
	// Err is the service's answer.
	Err *client.ResponseError
}

// Error describes the refusal and its reason.
func (e *AppendError) Error() string { return e.Err.Error() + " (" + e.Reason.Error() + ")" }

// Unwrap returns the reason and the service's error.
func (e *AppendError) Unwrap() []error { return []error{e.Reason, e.Err} }

// Is matches client.ErrConflict, whatever status the dialect answered.
func (e *AppendError) Is(target error) bool { return target == client.ErrConflict }

// AppendInput is the input of Append.
type AppendInput struct {
	Bucket string
	Key    string
	// Position is where the data goes: 0 creates the object (which must
	// not exist, or be appendable and empty), then each call passes the
	// previous AppendOutput.NextPosition (the object's length).
	Position int64
	// Body and Size are the data, as in PutInput (Size 0 means all of a
	// Body whose length can be found; a plain io.Reader needs Size).
	Body io.Reader
	Size int64
	// ContentMD5 is the raw 16-byte MD5 of this call's data.
	ContentMD5 []byte
	// ContentType, CacheControl, ContentDisposition, ContentEncoding,
	// Expires, Metadata, StorageClass, ACL and Grants take effect when the
	// object is created (Position 0).
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	CacheControl       string
	Expires            string
	Metadata           map[string]string
	StorageClass       client.StorageClass
	ACL                client.CannedACL
	Grants             []client.Grant
}

func (in *AppendInput) options() *opkit.ObjectOptions {
	return &opkit.ObjectOptions{
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, CacheControl: in.CacheControl, Expires: in.Expires,
		Metadata: in.Metadata, StorageClass: in.StorageClass, ACL: in.ACL, Grants: in.Grants,
	}
}

// AppendOutput is the result of Append.
type AppendOutput struct {
	// NextPosition is the object's length now: the Position of the next
	// Append.
	NextPosition int64
	ETag         string
	CRC64        uint64
	HasCRC64     bool
	RequestID    string
}

var appendOp = opkit.Op[AppendInput, AppendOutput]{
	Name: "AppendObject",
	// Not idempotent: a replayed append after a lost answer would fail
	// with a position mismatch (or, worse, append twice).
	Idempotent: false,
	Validate: func(d *client.Dialect, in *AppendInput) error {
		if !d.Has(client.FeatureAppend) || d.Object.NextAppendPositionHeader == "" {
			return client.NotSupported(d, "Position", "appending to objects")
		}
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if in.Position < 0 {
			return client.InvalidArgument("Position", "must not be negative, got %d", in.Position)
		}
		if in.Size < 0 {
			return client.InvalidArgument("Size", "must not be negative (0 means all of Body)")
		}
		if max := d.Limits.MaxPutSize; max > 0 && in.Size > max {
			return client.InvalidArgument("Size", "%d bytes exceeds the %s single-request limit of %d", in.Size, d.Name, max)
		}
		if in.ContentMD5 != nil && len(in.ContentMD5) != 16 {
			return client.InvalidArgument("ContentMD5", "must be 16 bytes, got %d", len(in.ContentMD5))
		}
		return opkit.CheckObjectOptions(d, in.options())
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *AppendInput, r *opkit.Request) error {
		size := in.Size
		if size == 0 {
			size = -1
		}
		body, err := opkit.NewBody(in.Body, size)
		if err != nil {
			return err
		}
		r.Method, r.Bucket, r.Key, r.Body = http.MethodPost, in.Bucket, in.Key, body
		r.Query.Set("append", "")
		r.Query.Set("position", strconv.FormatInt(in.Position, 10))
		opkit.SetObjectOptions(d, r.Header, in.options())
		if in.ContentMD5 != nil {
			r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(in.ContentMD5))
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *AppendOutput) error {
		v := resp.Header.Get(d.Object.NextAppendPositionHeader)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errors.New("the answer has no valid " + d.Object.NextAppendPositionHeader + " header")
		}
		out.NextPosition = n
		out.ETag = opkit.TrimETag(resp.Header.Get("ETag"))
		out.CRC64, out.HasCRC64 = opkit.CRC64Header(d, resp.Header)
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Append adds data at the end of an appendable object, creating it at
// Position 0, and returns the next position (from x-cos-/x-qs-next-append-
// position). A wrong position fails with an *AppendError matching
// ErrPositionMismatch, and an object not created by Append with one
// matching ErrNotAppendable (both also match client.ErrConflict). Only
// dialects with client.FeatureAppend (COS, QingStor) have it; others fail
// with client.ErrNotSupported before any request.
func (c *Client) Append(ctx context.Context, in *AppendInput, optFns ...func(*client.Options)) (*AppendOutput, error) {
	out, err := opkit.Call(ctx, c.c, &appendOp, in, optFns...)
	if err != nil {
		var re *client.ResponseError
		if errors.As(err, &re) {
			w := &opkit.DialectOf(c.c).Object
			switch {
			case slices.Contains(w.AppendPositionCodes, re.Code):
				return nil, &AppendError{Reason: ErrPositionMismatch, Err: re}
			case slices.Contains(w.NotAppendableCodes, re.Code):
				return nil, &AppendError{Reason: ErrNotAppendable, Err: re}
			}
		}
		return nil, err
	}
	return out, nil
}
