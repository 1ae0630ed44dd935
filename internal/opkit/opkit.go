// Package opkit holds the small helpers the operation packages (object,
// multipart, bucket) share: one definition of each, so their rules cannot
// drift apart. Nothing here is part of polystore's public API.
package opkit

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/httpheader"
)

// CheckBucketKey validates a bucket name and an object key by the
// dialect's rules.
func CheckBucketKey(d *client.Dialect, bucket, key string) error {
	if err := CheckBucket(d, bucket); err != nil {
		return err
	}
	return ValidateKey(d, key)
}

// CheckSSE validates a customer-provided encryption key given in the
// input field named field: the dialect must support SSE-C and the key must
// be 32 bytes. A nil key is valid.
func CheckSSE(d *client.Dialect, field string, k *client.SSECustomer) error {
	if k == nil {
		return nil
	}
	return Rename(CheckObjectOptions(d, &ObjectOptions{SSE: k}), field)
}

// Rename gives an input error another field name (SourceBucket for a
// bucket check, say). Other errors, and nil, come back unchanged.
func Rename(err error, field string) error {
	var ia *client.InvalidArgumentError
	if errors.As(err, &ia) {
		ia.Field = field
	}
	return err
}

// CRC64Header reads the dialect's whole-object CRC-64 header (COS's
// x-cos-hash-crc64ecma). It reports false when the dialect has none, the
// answer carries none, or the value is not a decimal uint64.
func CRC64Header(d *client.Dialect, h http.Header) (uint64, bool) {
	if d.Object.CRC64Header == "" {
		return 0, false
	}
	v := httpheader.Get(h, d.Object.CRC64Header, "")
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

// SetHeader sets a header when the value is not empty.
func SetHeader(h http.Header, k, v string) {
	if v != "" {
		h.Set(k, v)
	}
}

// SetQuery sets a query parameter when the value is not empty.
func SetQuery(q url.Values, param, v string) {
	if v != "" {
		q.Set(param, v)
	}
}

// TrimETag removes the quotes (and any surrounding blanks) services put
// around ETags: `"abc"` and ` "abc" ` are both abc. A weak validator's W/
// stays.
func TrimETag(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }

// QuoteETag quotes an ETag for a request header or body; an empty value,
// "*", a value already quoted and a weak validator (W/"...") stay as they
// are.
func QuoteETag(s string) string {
	if s == "" || s == "*" || strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `W/`) {
		return s
	}
	return `"` + s + `"`
}

// ParseTime reads the timestamps services put in response bodies: RFC 3339
// with or without fractions (S3, COS, IBM, QingStor's JSON), or an HTTP
// date in any of the forms http.ParseTime accepts. Blanks around the value
// are ignored. Anything else is the zero time: a timestamp is information,
// not evidence, and one a server spells oddly must not fail the call.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := http.ParseTime(s); err == nil {
		return t
	}
	return time.Time{}
}
