// Package object holds polystore's typed object operations: put, get, head
// and delete, on every dialect. Build an object.Client from a client.Client:
//
//	objects := object.NewClient(c)
//	out, err := objects.Put(ctx, &object.PutInput{Bucket: "b", Key: "k", Body: f})
package object

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// Client runs object operations. It is cheap to create and safe for
// concurrent use.
type Client struct{ c *client.Client }

// NewClient returns an object client over c.
func NewClient(c *client.Client) *Client { return &Client{c: c} }

// PutInput is the input of Put.
type PutInput struct {
	Bucket string
	Key    string
	// Body is the content. An io.ReaderAt or io.Seeker (*os.File,
	// *bytes.Reader, *strings.Reader) is sent from its current offset and
	// can be replayed on a retry without buffering; a plain io.Reader is
	// streamed once and not retried after it has been read. Nil means an
	// empty object.
	Body io.Reader
	// Size is the number of bytes to send. 0 means "all of Body", which
	// needs a Body whose length can be found (a seeker, or a bytes or
	// strings reader); a plain io.Reader needs Size.
	Size int64
	// ContentType, ContentEncoding, ContentDisposition and CacheControl
	// are stored with the object and returned by Get and Head.
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	CacheControl       string
	// ContentMD5 is the raw 16-byte MD5 of the body; the server refuses a
	// body that does not match.
	ContentMD5 []byte
	// Metadata is user metadata, sent with the dialect's prefix
	// (x-amz-meta-, x-cos-meta-, x-qs-meta-). Names are case-insensitive.
	Metadata map[string]string
}

// PutOutput is the result of Put.
type PutOutput struct {
	ETag      string // as returned, with quotes stripped
	VersionID string // when versioning is on
	RequestID string
}

var putOp = client.Op[PutInput, PutOutput]{
	Name:       "PutObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *PutInput) error {
		if err := checkBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if in.Size < 0 {
			return client.InvalidArgument("Size", "must not be negative (0 means all of Body)")
		}
		if in.ContentMD5 != nil && len(in.ContentMD5) != 16 {
			return client.InvalidArgument("ContentMD5", "must be 16 bytes, got %d", len(in.ContentMD5))
		}
		return checkMetadata(d, in.Metadata)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *PutInput, r *client.Request) error {
		size := in.Size
		if size == 0 {
			size = -1
		}
		body, err := client.NewBody(in.Body, size)
		if err != nil {
			return err
		}
		if body.Size() > d.Limits.MaxPutSize && d.Limits.MaxPutSize > 0 {
			return client.InvalidArgument("Size", "%d bytes exceeds the %s single-PUT limit of %d; use a multipart upload", body.Size(), d.Name, d.Limits.MaxPutSize)
		}
		r.Method, r.Bucket, r.Key, r.Body = http.MethodPut, in.Bucket, in.Key, body
		setIf(r.Header, "Content-Type", in.ContentType)
		setIf(r.Header, "Content-Encoding", in.ContentEncoding)
		setIf(r.Header, "Content-Disposition", in.ContentDisposition)
		setIf(r.Header, "Cache-Control", in.CacheControl)
		if in.ContentMD5 != nil {
			r.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(in.ContentMD5))
		}
		for k, v := range in.Metadata {
			r.Header.Set(d.MetaPrefix+strings.ToLower(k), v)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutOutput) error {
		out.ETag = trimETag(resp.Header.Get("ETag"))
		out.VersionID = resp.Header.Get(d.HeaderPrefix + "version-id")
		out.RequestID = d.RequestID(resp.Header)
		return nil
	},
}

// Put stores an object in one request. Objects larger than the dialect's
// single-PUT limit need a multipart upload.
func (c *Client) Put(ctx context.Context, in *PutInput, optFns ...func(*client.Options)) (*PutOutput, error) {
	return client.Invoke(ctx, c.c, &putOp, in, optFns...)
}

// Conditions are the conditional-request headers of Get and Head.
type Conditions struct {
	IfMatch           string    // ETag that must match
	IfNoneMatch       string    // ETag that must not match (304 → ErrNotModified)
	IfModifiedSince   time.Time // zero = unset
	IfUnmodifiedSince time.Time
}

func (cd *Conditions) apply(h http.Header) {
	setIf(h, "If-Match", quoteETag(cd.IfMatch))
	setIf(h, "If-None-Match", quoteETag(cd.IfNoneMatch))
	if !cd.IfModifiedSince.IsZero() {
		h.Set("If-Modified-Since", cd.IfModifiedSince.UTC().Format(http.TimeFormat))
	}
	if !cd.IfUnmodifiedSince.IsZero() {
		h.Set("If-Unmodified-Since", cd.IfUnmodifiedSince.UTC().Format(http.TimeFormat))
	}
}

// GetInput is the input of Get.
type GetInput struct {
	Bucket    string
	Key       string
	VersionID string
	// Offset and Length select a byte range; Length 0 means to the end.
	Offset, Length int64
	Conditions
}

// Attributes are an object's stored properties, returned by Get and Head.
type Attributes struct {
	ContentLength      int64
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	CacheControl       string
	ContentRange       string // for ranged reads
	ETag               string
	LastModified       time.Time
	VersionID          string
	Metadata           map[string]string // names lowercased, prefix removed
	RequestID          string
}

// GetOutput is the result of Get. The caller must close Body.
type GetOutput struct {
	Body io.ReadCloser
	Attributes
}

var getOp = client.Op[GetInput, GetOutput]{
	Name:       "GetObject",
	Idempotent: true,
	KeepBody:   true,
	Validate: func(d *client.Dialect, in *GetInput) error {
		if err := checkBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if in.Offset < 0 {
			return client.InvalidArgument("Offset", "must not be negative")
		}
		if in.Length < 0 {
			return client.InvalidArgument("Length", "must not be negative")
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *GetInput, r *client.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodGet, in.Bucket, in.Key
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		switch {
		case in.Length > 0:
			r.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", in.Offset, in.Offset+in.Length-1))
		case in.Offset > 0:
			r.Header.Set("Range", fmt.Sprintf("bytes=%d-", in.Offset))
		}
		in.Conditions.apply(r.Header)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetOutput) error {
		out.Body = resp.Body
		out.Attributes = attributes(d, resp)
		return nil
	},
}

// Get opens an object for reading. A failed If-None-Match or
// If-Modified-Since is an error matching client.ErrNotModified; a failed
// If-Match or If-Unmodified-Since matches client.ErrPreconditionFailed.
func (c *Client) Get(ctx context.Context, in *GetInput, optFns ...func(*client.Options)) (*GetOutput, error) {
	return client.Invoke(ctx, c.c, &getOp, in, optFns...)
}

// HeadInput is the input of Head.
type HeadInput struct {
	Bucket    string
	Key       string
	VersionID string
	Conditions
}

// HeadOutput is the result of Head.
type HeadOutput struct{ Attributes }

var headOp = client.Op[HeadInput, HeadOutput]{
	Name:       "HeadObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *HeadInput) error {
		return checkBucketKey(d, in.Bucket, in.Key)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *HeadInput, r *client.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodHead, in.Bucket, in.Key
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		in.Conditions.apply(r.Header)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *HeadOutput) error {
		out.Attributes = attributes(d, resp)
		return nil
	},
}

// Head returns an object's attributes without its content.
func (c *Client) Head(ctx context.Context, in *HeadInput, optFns ...func(*client.Options)) (*HeadOutput, error) {
	return client.Invoke(ctx, c.c, &headOp, in, optFns...)
}

// DeleteInput is the input of Delete.
type DeleteInput struct {
	Bucket    string
	Key       string
	VersionID string
}

// DeleteOutput is the result of Delete.
type DeleteOutput struct {
	VersionID    string
	DeleteMarker bool
	RequestID    string
}

var deleteOp = client.Op[DeleteInput, DeleteOutput]{
	Name:       "DeleteObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *DeleteInput) error {
		return checkBucketKey(d, in.Bucket, in.Key)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *DeleteInput, r *client.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodDelete, in.Bucket, in.Key
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeleteOutput) error {
		out.VersionID = resp.Header.Get(d.HeaderPrefix + "version-id")
		out.DeleteMarker = resp.Header.Get(d.HeaderPrefix+"delete-marker") == "true"
		out.RequestID = d.RequestID(resp.Header)
		return nil
	},
}

// Delete removes an object (or one version of it). Deleting a missing key
// succeeds, as the services do.
func (c *Client) Delete(ctx context.Context, in *DeleteInput, optFns ...func(*client.Options)) (*DeleteOutput, error) {
	return client.Invoke(ctx, c.c, &deleteOp, in, optFns...)
}

func checkBucketKey(d *client.Dialect, bucket, key string) error {
	if err := d.CheckBucket(bucket); err != nil {
		return err
	}
	return d.ValidateKey(key)
}

// checkMetadata enforces header-safe names and the dialect's size limit.
func checkMetadata(d *client.Dialect, m map[string]string) error {
	total := 0
	for k, v := range m {
		if k == "" {
			return client.InvalidArgument("Metadata", "has an empty name")
		}
		for i := 0; i < len(k); i++ {
			if c := k[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
				return client.InvalidArgument("Metadata", "name %q has character %q, not allowed in a header name", k, c)
			}
		}
		for i := 0; i < len(v); i++ {
			if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
				return client.InvalidArgument("Metadata", "value of %q has a control character", k)
			}
		}
		total += len(k) + len(v)
	}
	if max := d.Limits.MaxMetadataSize; max > 0 && total > max {
		return client.InvalidArgument("Metadata", "is %d bytes; the %s limit is %d", total, d.Name, max)
	}
	return nil
}

func attributes(d *client.Dialect, resp *http.Response) Attributes {
	h := resp.Header
	a := Attributes{
		ContentLength:      resp.ContentLength,
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentDisposition: h.Get("Content-Disposition"),
		CacheControl:       h.Get("Cache-Control"),
		ContentRange:       h.Get("Content-Range"),
		ETag:               trimETag(h.Get("ETag")),
		VersionID:          h.Get(d.HeaderPrefix + "version-id"),
		RequestID:          d.RequestID(h),
	}
	if a.ContentLength < 0 {
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			a.ContentLength = n
		}
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		a.LastModified = t
	}
	for name, vals := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, d.MetaPrefix) && len(vals) > 0 {
			if a.Metadata == nil {
				a.Metadata = make(map[string]string)
			}
			a.Metadata[lower[len(d.MetaPrefix):]] = vals[0]
		}
	}
	return a
}

func setIf(h http.Header, k, v string) {
	if v != "" {
		h.Set(k, v)
	}
}

func trimETag(s string) string { return strings.Trim(s, `"`) }

func quoteETag(s string) string {
	if s == "" || s == "*" || strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `W/`) {
		return s
	}
	return `"` + s + `"`
}
