package bucket

import (
	"context"
	"github.com/polystore/polystore/internal/opkit"
	"net/http"
	"strconv"
	"time"

	"github.com/polystore/polystore/client"
)

// feature is one optional bucket configuration: its name in errors and
// the dialect fact that says whether a dialect has it.
type feature struct {
	what string
	has  func(w *client.BucketWire) bool
}

// check validates the bucket name and that the dialect has f; a dialect
// without it is refused with an error matching client.ErrNotSupported.
func (f feature) check(d *client.Dialect, bucket string) error {
	if err := checkBucket(d, bucket); err != nil {
		return err
	}
	if !f.has(&d.Bucket) {
		return client.NotSupported(d, "Dialect", f.what)
	}
	return nil
}

// configOp describes a bucket-level operation on a configuration
// subresource ("?lifecycle"); op turns it into a client.Op. Only what
// differs between configurations is spelled out per operation.
type configOp[In, Out any] struct {
	name    string
	method  string
	sub     string
	feature feature
	// bucket names the input's bucket.
	bucket func(in *In) string
	// validate, if set, checks the input beyond its bucket.
	validate func(d *client.Dialect, in *In) error
	// serialize, if set, adds to the request (query, body) after the
	// method, bucket and subresource are set.
	serialize func(d *client.Dialect, in *In, r *opkit.Request) error
	// deserialize, if set, reads the answer's body.
	deserialize func(d *client.Dialect, resp *http.Response, out *Out) error
	// requestID points at the output's RequestID.
	requestID func(out *Out) *string
}

func (s configOp[In, Out]) op() opkit.Op[In, Out] {
	return opkit.Op[In, Out]{
		Name:       s.name,
		Idempotent: true,
		Validate: func(d *client.Dialect, in *In) error {
			if err := s.feature.check(d, s.bucket(in)); err != nil {
				return err
			}
			if s.validate != nil {
				return s.validate(d, in)
			}
			return nil
		},
		Serialize: func(d *client.Dialect, _ *client.Options, in *In, r *opkit.Request) error {
			subresource(r, s.method, s.bucket(in), s.sub)
			if s.serialize != nil {
				return s.serialize(d, in, r)
			}
			return nil
		},
		Deserialize: func(d *client.Dialect, resp *http.Response, out *Out) error {
			*s.requestID(out) = requestID(d, resp)
			if s.deserialize != nil {
				return s.deserialize(d, resp, out)
			}
			return nil
		},
	}
}

// getConfig runs a configuration read and reports an answer that holds
// no configuration (some services answer 200 with an empty document) as
// an error matching client.ErrNotFound, as the services that answer 404
// do.
func getConfig[In, Out any](ctx context.Context, c *Client, op *opkit.Op[In, Out], in *In, optFns []func(*client.Options), empty func(*Out) bool, what string) (*Out, error) {
	out, err := opkit.Call(ctx, c.c, op, in, optFns...)
	if err != nil {
		return nil, err
	}
	if empty(out) {
		return nil, notFound(c.c, op.Name, what)
	}
	return out, nil
}

// field names an element of an input list: "Rules[2].ID".
func field(list string, i int, name string) string {
	f := list + "[" + strconv.Itoa(i) + "]"
	if name != "" {
		f += "." + name
	}
	return f
}

// nonNegative checks a count of days (or years) that may be 0.
func nonNegative(field string, n int) error {
	if n < 0 {
		return client.InvalidArgument(field, "must not be negative, got %d", n)
	}
	return nil
}

// positive checks a count of days (or years) that must be at least 1.
func positive(field string, n int) error {
	if n < 1 {
		return client.InvalidArgument(field, "must be at least 1, got %d", n)
	}
	return nil
}

// isoDate is how configuration documents spell a date: midnight UTC in
// ISO 8601.
const isoDate = "2006-01-02T00:00:00Z"

// midnightUTC checks that t is a whole day in UTC, as lifecycle dates
// must be.
func midnightUTC(field string, t time.Time) error {
	if u := t.UTC(); u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 {
		return client.InvalidArgument(field, "must be midnight UTC (a whole day), got %s", t.Format(time.RFC3339Nano))
	}
	return nil
}

// formatDate renders a date for a document; "" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(isoDate)
}

// parseDate reads a document's date; the zero time for "" or an
// unreadable value.
func parseDate(s string) time.Time {
	t := opkit.ParseTime(s)
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// xmlDays is a container holding one count of days (<Days>30</Days>).
type xmlDays struct {
	Days int `xml:"Days"`
}
