package object

import (
	"context"
	"github.com/polystore/polystore/internal/opkit"
	"net/http"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
)

// OptionsInput is the input of Options: the CORS preflight request a
// browser would send before a cross-origin request.
type OptionsInput struct {
	Bucket string
	Key    string
	// Origin is the requesting origin, such as "https://example.com".
	Origin string
	// Method is the method of the actual request, such as "PUT".
	Method string
	// Headers are the request headers the actual request will carry.
	Headers []string
}

// OptionsOutput is the result of Options: what the bucket's CORS rules
// allow for the request.
type OptionsOutput struct {
	AllowOrigin   string
	AllowMethods  []string
	AllowHeaders  []string
	ExposeHeaders []string
	// MaxAge is how long (seconds) a browser may cache the answer; 0 if
	// the server did not say.
	MaxAge    int
	RequestID string
}

var optionsOp = opkit.Op[OptionsInput, OptionsOutput]{
	Name:       "OptionsObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *OptionsInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if in.Origin == "" {
			return client.InvalidArgument("Origin", "must not be empty")
		}
		if in.Method == "" || strings.ContainsAny(in.Method, " \t\r\n") {
			return client.InvalidArgument("Method", "%q is not an HTTP method", in.Method)
		}
		for _, h := range in.Headers {
			if h == "" || strings.ContainsAny(h, ", \t\r\n") {
				return client.InvalidArgument("Headers", "%q is not a header name", h)
			}
		}
		return nil
	},
	Serialize: func(_ *client.Dialect, _ *client.Options, in *OptionsInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodOptions, in.Bucket, in.Key
		r.Header.Set("Origin", in.Origin)
		r.Header.Set("Access-Control-Request-Method", strings.ToUpper(in.Method))
		if len(in.Headers) > 0 {
			r.Header.Set("Access-Control-Request-Headers", strings.Join(in.Headers, ","))
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *OptionsOutput) error {
		h := resp.Header
		out.AllowOrigin = h.Get("Access-Control-Allow-Origin")
		out.AllowMethods = splitList(h.Values("Access-Control-Allow-Methods"))
		out.AllowHeaders = splitList(h.Values("Access-Control-Allow-Headers"))
		out.ExposeHeaders = splitList(h.Values("Access-Control-Expose-Headers"))
		out.MaxAge, _ = strconv.Atoi(h.Get("Access-Control-Max-Age"))
		out.RequestID = opkit.RequestID(d, h)
		return nil
	},
}

// Options sends a CORS preflight request for an object and returns what
// the bucket's CORS configuration allows. A request the rules do not allow
// (or a bucket without CORS rules) is an error matching
// client.ErrAccessDenied (status 403).
func (c *Client) Options(ctx context.Context, in *OptionsInput, optFns ...func(*client.Options)) (*OptionsOutput, error) {
	return opkit.Call(ctx, c.c, &optionsOp, in, optFns...)
}

// splitList splits comma-separated header values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
