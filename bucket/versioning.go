package bucket

import (
	"context"
	"encoding/xml"
	"github.com/polystore/polystore/internal/opkit"
	"iter"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
)

// VersioningStatus is a bucket's versioning state.
type VersioningStatus string

// Versioning states. A bucket starts unset; once enabled it can only be
// suspended, never unset again.
const (
	// VersioningUnset: versioning was never enabled on the bucket
	// (QingStor reports "DISABLED").
	VersioningUnset VersioningStatus = ""
	// VersioningEnabled keeps every version of every object.
	VersioningEnabled VersioningStatus = "Enabled"
	// VersioningSuspended stops creating versions; existing ones stay.
	VersioningSuspended VersioningStatus = "Suspended"
)

// Values returns the states a bucket can be put in.
func (VersioningStatus) Values() []VersioningStatus {
	return []VersioningStatus{VersioningEnabled, VersioningSuspended}
}

// PutVersioningInput is the input of PutVersioning.
type PutVersioningInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Status is VersioningEnabled or VersioningSuspended.
	Status VersioningStatus
}

// PutVersioningOutput is the result of PutVersioning.
type PutVersioningOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetVersioningInput is the input of GetVersioning.
type GetVersioningInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetVersioningOutput is the result of GetVersioning.
type GetVersioningOutput struct {
	// Status is the bucket's state; VersioningUnset if versioning was
	// never enabled.
	Status VersioningStatus
	// RequestID is the service's request id.
	RequestID string
}

type xmlVersioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status,omitempty"`
}

type jsonVersioning struct {
	Status string `json:"status"`
}

// needVersioning checks the bucket name and that the dialect has
// versioning; field names the input field reported when it has not.
func needVersioning(d *client.Dialect, bucket, field string) error {
	if err := checkBucket(d, bucket); err != nil {
		return err
	}
	if !d.Has(client.FeatureVersioning) {
		return client.NotSupported(d, field, "bucket versioning")
	}
	return nil
}

var putVersioningOp = opkit.Op[PutVersioningInput, PutVersioningOutput]{
	Name:       "PutBucketVersioning",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *PutVersioningInput) error {
		if err := needVersioning(d, in.Bucket, "Status"); err != nil {
			return err
		}
		if in.Status != VersioningEnabled && in.Status != VersioningSuspended {
			return client.InvalidArgument("Status", "must be VersioningEnabled or VersioningSuspended, got %q", in.Status)
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *PutVersioningInput, r *opkit.Request) error {
		w := d.Bucket.Versioning
		subresource(r, http.MethodPut, in.Bucket, "versioning")
		status := w.Enabled
		if in.Status == VersioningSuspended {
			status = w.Suspended
		}
		if isJSON(d) {
			return setJSON(d, r, jsonVersioning{Status: status})
		}
		return setXML(d, r, xmlVersioningConfiguration{Xmlns: d.Bucket.XMLNamespace, Status: status})
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutVersioningOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// PutVersioning enables or suspends versioning on a bucket.
func (c *Client) PutVersioning(ctx context.Context, in *PutVersioningInput, optFns ...func(*client.Options)) (*PutVersioningOutput, error) {
	return opkit.Call(ctx, c.c, &putVersioningOp, in, optFns...)
}

var getVersioningOp = opkit.Op[GetVersioningInput, GetVersioningOutput]{
	Name:       "GetBucketVersioning",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetVersioningInput) error { return needVersioning(d, in.Bucket, "Dialect") },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *GetVersioningInput, r *opkit.Request) error {
		subresource(r, http.MethodGet, in.Bucket, "versioning")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetVersioningOutput) error {
		out.RequestID = requestID(d, resp)
		var status string
		if isJSON(d) {
			var res jsonVersioning
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			status = res.Status
		} else {
			var res xmlVersioningConfiguration
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			status = res.Status
		}
		out.Status = versioningStatus(&d.Bucket.Versioning, status)
		return nil
	},
}

// versioningStatus maps a wire value to a VersioningStatus. Case is
// ignored: QingStor documents "ENABLED" but servers vary.
func versioningStatus(w *client.VersioningWire, status string) VersioningStatus {
	status = strings.TrimSpace(status)
	switch {
	case strings.EqualFold(status, w.Enabled):
		return VersioningEnabled
	case strings.EqualFold(status, w.Suspended):
		return VersioningSuspended
	case status == "" || slices.ContainsFunc(w.Unset, func(u string) bool { return strings.EqualFold(u, status) }):
		return VersioningUnset
	}
	return VersioningStatus(status)
}

// GetVersioning returns a bucket's versioning state.
func (c *Client) GetVersioning(ctx context.Context, in *GetVersioningInput, optFns ...func(*client.Options)) (*GetVersioningOutput, error) {
	return opkit.Call(ctx, c.c, &getVersioningOp, in, optFns...)
}

// ListObjectVersionsInput is the input of ListObjectVersions and
// ListObjectVersionsPage.
type ListObjectVersionsInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Prefix limits the listing to keys that start with it.
	Prefix string
	// Delimiter groups keys into common prefixes.
	Delimiter string
	// KeyMarker resumes a listing after this key: pass a page's
	// NextKeyMarker.
	KeyMarker string
	// VersionIDMarker, with KeyMarker, resumes among the versions of
	// KeyMarker itself, after this one: pass a page's
	// NextVersionIDMarker.
	VersionIDMarker string
	// PageSize is the most entries one request returns; 0 means the
	// server's default, and larger values than the dialect's maximum
	// (1000) are clamped.
	PageSize int
}

// ObjectVersion is one entry of a version listing: a version of an
// object, a delete marker, or a common prefix.
type ObjectVersion struct {
	// Key is the object key, or the common prefix when IsPrefix is set.
	Key string
	// VersionID is the version's id (S3 versionId, QingStor version_id).
	VersionID string
	// IsLatest marks the object's current version.
	IsLatest bool
	// IsDeleteMarker marks a delete marker, which has no content.
	IsDeleteMarker bool
	// IsPrefix marks a common prefix; the other fields are then zero.
	IsPrefix bool
	// Size is the version's size in bytes (0 for a delete marker).
	Size int64
	// ETag is the version's entity tag, without quotes.
	ETag string
	// LastModified is when the version was written.
	LastModified time.Time
	// StorageClass is the version's storage class.
	StorageClass string
	// Owner is the version's owner, where the listing says.
	Owner *Owner
}

// VersionsPage is one page of a version listing.
type VersionsPage struct {
	// Versions are the page's versions and delete markers, in the
	// server's order: by key, newest version first.
	Versions []ObjectVersion
	// CommonPrefixes are the page's common prefixes.
	CommonPrefixes []string
	// IsTruncated says there are more entries after this page.
	IsTruncated bool
	// NextKeyMarker resumes the listing: set it as KeyMarker. Empty when
	// the listing is complete.
	NextKeyMarker string
	// NextVersionIDMarker goes with NextKeyMarker: set it as
	// VersionIDMarker.
	NextVersionIDMarker string
	// RequestID is the service's request id.
	RequestID string
}

// xmlListVersionsResult is S3's ListVersionsResult. Versions and delete
// markers come interleaved; ",any" keeps their order.
type xmlListVersionsResult struct {
	EncodingType        string            `xml:"EncodingType"`
	IsTruncated         bool              `xml:"IsTruncated"`
	NextKeyMarker       string            `xml:"NextKeyMarker"`
	NextVersionIDMarker string            `xml:"NextVersionIdMarker"`
	CommonPrefixes      []xmlPrefix       `xml:"CommonPrefixes"`
	Entries             []xmlVersionEntry `xml:",any"`
}

type xmlVersionEntry struct {
	XMLName      xml.Name
	Key          string    `xml:"Key"`
	VersionID    string    `xml:"VersionId"`
	IsLatest     bool      `xml:"IsLatest"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *xmlOwner `xml:"Owner"`
}

type jsonListVersions struct {
	Keys                []jsonVersion `json:"keys"`
	CommonPrefixes      []string      `json:"common_prefixes"`
	HasMore             *bool         `json:"has_more"`
	NextKeyMarker       string        `json:"next_key_marker"`
	NextVersionIDMarker string        `json:"next_version_id_marker"`
}

type jsonVersion struct {
	Key          string   `json:"key"`
	VersionID    string   `json:"version_id"`
	IsLatest     bool     `json:"is_latest"`
	DeleteMarker bool     `json:"delete_marker"`
	Size         int64    `json:"size"`
	Etag         string   `json:"etag"`
	StorageClass string   `json:"storage_class"`
	Created      flexTime `json:"created"`
	Modified     flexTime `json:"modified"`
}

// markerQuery fills the query of a listing paged by two markers.
func markerQuery(w client.MarkerListWire, r *opkit.Request, bucket, prefix, delimiter, keyMarker, idMarker string, size int) {
	subresource(r, http.MethodGet, bucket, w.Subresource)
	opkit.SetQuery(r.Query, "prefix", prefix)
	opkit.SetQuery(r.Query, "delimiter", delimiter)
	opkit.SetQuery(r.Query, w.KeyMarkerParam, keyMarker)
	opkit.SetQuery(r.Query, w.IDMarkerParam, idMarker)
	size, _ = pageSize("PageSize", size, w.MaxPageSize)
	setSize(r.Query, w.SizeParam, size)
	if w.EncodingParam != "" {
		r.Query.Set(w.EncodingParam, "url")
	}
}

var listVersionsOp = opkit.Op[ListObjectVersionsInput, VersionsPage]{
	Name:       "ListObjectVersions",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *ListObjectVersionsInput) error {
		if err := needVersioning(d, in.Bucket, "Dialect"); err != nil {
			return err
		}
		if in.VersionIDMarker != "" && in.KeyMarker == "" {
			return client.InvalidArgument("VersionIDMarker", "needs KeyMarker")
		}
		_, err := pageSize("PageSize", in.PageSize, 0)
		return err
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *ListObjectVersionsInput, r *opkit.Request) error {
		markerQuery(d.Bucket.Versions, r, in.Bucket, in.Prefix, in.Delimiter, in.KeyMarker, in.VersionIDMarker, in.PageSize)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *VersionsPage) error {
		out.RequestID = requestID(d, resp)
		if isJSON(d) {
			var res jsonListVersions
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			out.Versions = make([]ObjectVersion, 0, len(res.Keys))
			for _, k := range res.Keys {
				mod := k.Modified.Time
				if mod.IsZero() {
					mod = k.Created.Time
				}
				out.Versions = append(out.Versions, ObjectVersion{
					Key: k.Key, VersionID: k.VersionID, IsLatest: k.IsLatest, IsDeleteMarker: k.DeleteMarker,
					Size: k.Size, ETag: opkit.TrimETag(k.Etag), LastModified: mod, StorageClass: k.StorageClass,
				})
			}
			out.CommonPrefixes = res.CommonPrefixes
			out.NextKeyMarker, out.NextVersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
			if res.HasMore != nil {
				out.IsTruncated = *res.HasMore
			} else {
				out.IsTruncated = res.NextKeyMarker != ""
			}
			return nil
		}
		var res xmlListVersionsResult
		if err := decodeListVersions(resp.Body, &res); err != nil {
			return err
		}
		dec := newURLDecoder(res.EncodingType)
		out.Versions = make([]ObjectVersion, 0, len(res.Entries))
		for i := range res.Entries {
			e := &res.Entries[i]
			var marker bool
			switch e.XMLName.Local {
			case "Version":
			case "DeleteMarker":
				marker = true
			default:
				continue // Name, Prefix, KeyMarker, MaxKeys, ...
			}
			dec.s(&e.Key)
			out.Versions = append(out.Versions, ObjectVersion{
				Key: e.Key, VersionID: e.VersionID, IsLatest: e.IsLatest, IsDeleteMarker: marker,
				Size: e.Size, ETag: opkit.TrimETag(e.ETag), LastModified: opkit.ParseTime(e.LastModified),
				StorageClass: e.StorageClass, Owner: e.Owner.owner(),
			})
		}
		for i := range res.CommonPrefixes {
			dec.s(&res.CommonPrefixes[i].Prefix)
			out.CommonPrefixes = append(out.CommonPrefixes, res.CommonPrefixes[i].Prefix)
		}
		dec.s(&res.NextKeyMarker)
		out.IsTruncated = res.IsTruncated
		out.NextKeyMarker, out.NextVersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
		return dec.err
	},
}

// ListObjectVersionsPage lists one page of a bucket's object versions and
// delete markers (S3 GET ?versions with key-marker/version-id-marker,
// QingStor GET ?versions with version_id). Dialects without
// client.FeatureVersioning refuse it with client.ErrNotSupported.
func (c *Client) ListObjectVersionsPage(ctx context.Context, in *ListObjectVersionsInput, optFns ...func(*client.Options)) (*VersionsPage, error) {
	out, err := opkit.Call(ctx, c.c, &listVersionsOp, in, optFns...)
	if err != nil {
		return nil, err
	}
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = "", ""
	}
	return out, nil
}

// ListObjectVersions lists a bucket's object versions, delete markers and
// (with a Delimiter) common prefixes as an iterator, one page per request.
// Common prefixes come as entries with IsPrefix set, after the page's
// versions. Memory holds one page at a time. A server that does not
// advance (markers seen before or before what a page listed, the same page again, 100
// truncated empty pages in a row) ends the listing with
// client.ErrListingStalled before anything is yielded twice.
func (c *Client) ListObjectVersions(ctx context.Context, in *ListObjectVersionsInput, optFns ...func(*client.Options)) iter.Seq2[ObjectVersion, error] {
	var base ListObjectVersionsInput
	if in != nil {
		base = *in
	}
	return paging.Pager[ObjectVersion]{
		Dialect: opkit.DialectOf(c.c).Name, Op: "ListObjectVersions", Order: paging.Keys,
		Start: paging.Cursor{A: base.KeyMarker, B: base.VersionIDMarker},
		Fetch: func(ctx context.Context, cur paging.Cursor) (paging.Page[ObjectVersion], error) {
			req := base
			req.KeyMarker, req.VersionIDMarker = cur.A, cur.B
			p, err := c.ListObjectVersionsPage(ctx, &req, optFns...)
			if err != nil {
				return paging.Page[ObjectVersion]{}, err
			}
			items := p.Versions
			for _, pre := range p.CommonPrefixes {
				items = append(items, ObjectVersion{Key: pre, IsPrefix: true})
			}
			return paging.Page[ObjectVersion]{
				Items: items, More: p.IsTruncated,
				Next: paging.Cursor{A: p.NextKeyMarker, B: p.NextVersionIDMarker},
			}, nil
		},
		Ident: func(v ObjectVersion) string {
			if v.IsPrefix {
				return "prefix\x00" + v.Key
			}
			return v.Key + "\x00" + v.VersionID
		},
		Key: func(v ObjectVersion) string {
			if v.IsPrefix {
				return ""
			}
			return v.Key
		},
	}.Seq(ctx)
}
