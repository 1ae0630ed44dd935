package object

import (
	"context"
	"github.com/polystore/polystore/internal/opkit"
	"net/http"
	"net/url"
	"time"

	"github.com/polystore/polystore/client"
)

// MetadataDirective says whether a copy keeps the source's metadata and
// content headers or replaces them with the request's. Each dialect spells
// the two values its own way (S3 COPY/REPLACE, COS Copy/Replaced).
type MetadataDirective string

// Metadata directives.
const (
	MetadataCopy    MetadataDirective = "COPY"
	MetadataReplace MetadataDirective = "REPLACE"
)

// Values returns every metadata directive.
func (MetadataDirective) Values() []MetadataDirective {
	return []MetadataDirective{MetadataCopy, MetadataReplace}
}

// CopyInput is the input of Copy.
type CopyInput struct {
	// Bucket and Key name the destination.
	Bucket string
	Key    string
	// SourceBucket, SourceKey and SourceVersionID name the object to copy
	// (in the client's region). Source and destination may be the same
	// object when MetadataDirective is MetadataReplace.
	SourceBucket    string
	SourceKey       string
	SourceVersionID string
	// SourceConditions must hold for the source, or the copy fails with
	// an error matching client.ErrPreconditionFailed.
	SourceConditions Conditions
	// SourceSSE is the source's customer key, if it was written with one.
	SourceSSE *client.SSECustomer
	// MetadataDirective is MetadataCopy (the default: keep the source's
	// metadata and content headers) or MetadataReplace (use the fields
	// below). Setting Metadata or a content header without
	// MetadataReplace is refused, as the service would ignore it.
	MetadataDirective  MetadataDirective
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	Metadata           map[string]string
	// StorageClass, ACL, Grants and SSE apply to the destination.
	StorageClass client.StorageClass
	ACL          client.CannedACL
	Grants       []client.Grant
	SSE          *client.SSECustomer
}

func (in *CopyInput) options() *opkit.ObjectOptions {
	return &opkit.ObjectOptions{
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage,
		CacheControl: in.CacheControl, Expires: in.Expires, Metadata: in.Metadata,
		StorageClass: in.StorageClass, ACL: in.ACL, Grants: in.Grants, SSE: in.SSE,
	}
}

// CopyOutput is the result of Copy.
type CopyOutput struct {
	ETag                string
	LastModified        time.Time
	VersionID           string // the new object's version
	CopySourceVersionID string // the version copied
	CRC64               uint64
	HasCRC64            bool
	RequestID           string
}

type copyResult struct {
	ETag         string `xml:"ETag" json:"etag"`
	LastModified string `xml:"LastModified" json:"last_modified"`
}

var copyOp = opkit.Op[CopyInput, CopyOutput]{
	Name:       "CopyObject",
	Idempotent: true,
	ErrorIn200: true,
	Validate: func(d *client.Dialect, in *CopyInput) error {
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if err := opkit.CheckBucket(d, in.SourceBucket); err != nil {
			return opkit.Rename(err, "SourceBucket")
		}
		if err := opkit.ValidateKey(d, in.SourceKey); err != nil {
			return opkit.Rename(err, "SourceKey")
		}
		if err := checkVersionID(d, "SourceVersionID", in.SourceVersionID); err != nil {
			return err
		}
		if in.SourceConditions != (Conditions{}) && d.Object.CopySourceConditionPrefix == "" {
			return client.NotSupported(d, "SourceConditions", "conditions on a copy source")
		}
		switch in.MetadataDirective {
		case "", MetadataCopy:
			o := in.options()
			if len(o.Metadata) > 0 || o.ContentType != "" || o.ContentEncoding != "" || o.ContentDisposition != "" ||
				o.ContentLanguage != "" || o.CacheControl != "" || o.Expires != "" {
				return client.InvalidArgument("MetadataDirective", "must be MetadataReplace to set metadata or content headers on a copy (they would be ignored)")
			}
		case MetadataReplace:
		default:
			return client.InvalidArgument("MetadataDirective", "%q is not one of %v", in.MetadataDirective, MetadataDirective("").Values())
		}
		if err := opkit.CheckObjectOptions(d, in.options()); err != nil {
			return err
		}
		return opkit.CheckCopySourceSSE(d, "SourceSSE", in.SourceSSE)
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *CopyInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
		w := &d.Object
		r.Header.Set(w.CopySourceHeader, opkit.CopySourceValue(d, o.Region, in.SourceBucket, in.SourceKey, in.SourceVersionID))
		if in.MetadataDirective == MetadataReplace {
			r.Header.Set(w.MetadataDirectiveHeader, w.MetadataDirectiveReplace)
		} else if in.MetadataDirective == MetadataCopy {
			r.Header.Set(w.MetadataDirectiveHeader, w.MetadataDirectiveCopy)
		}
		in.SourceConditions.apply(r.Header, w.CopySourceConditionPrefix)
		opkit.SetObjectOptions(d, r.Header, in.options())
		opkit.SetSSECustomer(d, r.Header, in.SourceSSE, true)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *CopyOutput) error {
		var res copyResult
		if err := opkit.DecodeResult(d, "CopyObject", resp, &res); err != nil {
			return err
		}
		out.ETag = opkit.TrimETag(res.ETag)
		if out.ETag == "" {
			out.ETag = opkit.TrimETag(resp.Header.Get("ETag"))
		}
		out.LastModified = opkit.ParseTime(res.LastModified)
		out.VersionID = resp.Header.Get(d.HeaderPrefix + "version-id")
		out.CopySourceVersionID = resp.Header.Get(d.HeaderPrefix + "copy-source-version-id")
		out.CRC64, out.HasCRC64 = opkit.CRC64Header(d, resp.Header)
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Copy copies an object server-side, within a bucket or across buckets,
// optionally from a given version. Objects larger than the dialect's
// single-copy limit (5 GiB) need multipart.UploadPartCopy. A failure the
// service reports inside a 200 answer is returned as a
// *client.ResponseError.
func (c *Client) Copy(ctx context.Context, in *CopyInput, optFns ...func(*client.Options)) (*CopyOutput, error) {
	return opkit.Invoke(ctx, c.c, &copyOp, in, optFns)
}

// MoveInput is the input of Move.
type MoveInput struct {
	// Bucket and Key name the destination.
	Bucket string
	Key    string
	// SourceBucket and SourceKey name the object to move.
	SourceBucket string
	SourceKey    string
	// SourceConditions must hold for the source.
	SourceConditions Conditions
}

// MoveOutput is the result of Move.
type MoveOutput struct{ RequestID string }

var moveOp = opkit.Op[MoveInput, MoveOutput]{
	Name:       "MoveObject",
	Idempotent: false, // a replayed move finds its source gone
	Validate: func(d *client.Dialect, in *MoveInput) error {
		if !d.Has(client.FeatureMove) || d.Object.MoveSourceHeader == "" {
			return client.NotSupported(d, "SourceKey", "moving objects")
		}
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if err := opkit.CheckBucket(d, in.SourceBucket); err != nil {
			return opkit.Rename(err, "SourceBucket")
		}
		if in.SourceConditions != (Conditions{}) && d.Object.MoveSourceConditionPrefix == "" {
			return client.NotSupported(d, "SourceConditions", "conditions on a move source")
		}
		return opkit.Rename(opkit.ValidateKey(d, in.SourceKey), "SourceKey")
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *MoveInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
		r.Header.Set(d.Object.MoveSourceHeader, opkit.CopySourceValue(d, o.Region, in.SourceBucket, in.SourceKey, ""))
		in.SourceConditions.apply(r.Header, d.Object.MoveSourceConditionPrefix)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *MoveOutput) error {
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Move moves (or renames) an object server-side, in one request: the
// source is gone afterwards. Only dialects with client.FeatureMove
// (QingStor) have it; others fail with client.ErrNotSupported before any
// request.
func (c *Client) Move(ctx context.Context, in *MoveInput, optFns ...func(*client.Options)) (*MoveOutput, error) {
	return opkit.Call(ctx, c.c, &moveOp, in, optFns...)
}

// FetchInput is the input of Fetch.
type FetchInput struct {
	// Bucket and Key name the object to create.
	Bucket string
	Key    string
	// SourceURL is the http(s) URL the service downloads the content from.
	SourceURL string
	// IfUnmodifiedSince, if set, fetches only a source not modified since.
	IfUnmodifiedSince time.Time
}

// FetchOutput is the result of Fetch.
type FetchOutput struct{ RequestID string }

var fetchOp = opkit.Op[FetchInput, FetchOutput]{
	Name:       "FetchObject",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *FetchInput) error {
		if !d.Has(client.FeatureFetch) || d.Object.FetchSourceHeader == "" {
			return client.NotSupported(d, "SourceURL", "fetching objects from a URL")
		}
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		u, err := url.Parse(in.SourceURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return client.InvalidArgument("SourceURL", "%q is not an http(s) URL", in.SourceURL)
		}
		if !in.IfUnmodifiedSince.IsZero() && d.Object.FetchIfUnmodifiedSinceHeader == "" {
			return client.NotSupported(d, "IfUnmodifiedSince", "a condition on the fetch source")
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *FetchInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
		r.Header.Set(d.Object.FetchSourceHeader, in.SourceURL)
		if !in.IfUnmodifiedSince.IsZero() {
			r.Header.Set(d.Object.FetchIfUnmodifiedSinceHeader, in.IfUnmodifiedSince.UTC().Format(http.TimeFormat))
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *FetchOutput) error {
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Fetch makes the service download SourceURL into an object. Only
// dialects with client.FeatureFetch (QingStor) have it; others fail with
// client.ErrNotSupported before any request.
func (c *Client) Fetch(ctx context.Context, in *FetchInput, optFns ...func(*client.Options)) (*FetchOutput, error) {
	return opkit.Call(ctx, c.c, &fetchOp, in, optFns...)
}
