package bucket

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// PutMirrorInput is the input of PutMirror.
type PutMirrorInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// SourceSite is the origin QingStor fetches missing objects from: an
	// http or https URL such as "https://images.example.com/static".
	// Required.
	SourceSite string
}

// PutMirrorOutput is the result of PutMirror.
type PutMirrorOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetMirrorInput is the input of GetMirror.
type GetMirrorInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetMirrorOutput is the result of GetMirror.
type GetMirrorOutput struct {
	// SourceSite is the bucket's mirror origin.
	SourceSite string
	// RequestID is the service's request id.
	RequestID string
}

// DeleteMirrorInput is the input of DeleteMirror.
type DeleteMirrorInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteMirrorOutput is the result of DeleteMirror.
type DeleteMirrorOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var mirrorFeature = feature{"external mirrors", func(w *client.BucketWire) bool { return w.Mirror.Supported }}

type jsonMirror struct {
	SourceSite string `json:"source_site"`
}

func validateSourceSite(site string) error {
	if site == "" {
		return client.InvalidArgument("SourceSite", "must not be empty")
	}
	u, err := url.Parse(site)
	switch {
	case err != nil:
		return client.InvalidArgument("SourceSite", "%q is not a URL: %v", site, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return client.InvalidArgument("SourceSite", "%q is not an http or https URL with a host", site)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return client.InvalidArgument("SourceSite", "%q must not carry a query, fragment or user info", site)
	}
	return nil
}

var putMirrorOp = configOp[PutMirrorInput, PutMirrorOutput]{
	name: "PutBucketExternalMirror", method: http.MethodPut, sub: "mirror", feature: mirrorFeature,
	bucket:   func(in *PutMirrorInput) string { return in.Bucket },
	validate: func(_ *client.Dialect, in *PutMirrorInput) error { return validateSourceSite(in.SourceSite) },
	serialize: func(d *client.Dialect, in *PutMirrorInput, r *opkit.Request) error {
		return setJSON(d, r, jsonMirror{SourceSite: in.SourceSite})
	},
	requestID: func(out *PutMirrorOutput) *string { return &out.RequestID },
}.op()

// PutMirror sets a QingStor bucket's external mirror: objects missing
// from the bucket are fetched from SourceSite on first access (PUT
// ?mirror). Other dialects refuse it with client.ErrNotSupported.
func (c *Client) PutMirror(ctx context.Context, in *PutMirrorInput, optFns ...func(*client.Options)) (*PutMirrorOutput, error) {
	return opkit.Call(ctx, c.c, &putMirrorOp, in, optFns...)
}

var getMirrorOp = configOp[GetMirrorInput, GetMirrorOutput]{
	name: "GetBucketExternalMirror", method: http.MethodGet, sub: "mirror", feature: mirrorFeature,
	bucket: func(in *GetMirrorInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetMirrorOutput) error {
		var doc jsonMirror
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.SourceSite = doc.SourceSite
		return nil
	},
	requestID: func(out *GetMirrorOutput) *string { return &out.RequestID },
}.op()

// GetMirror returns a QingStor bucket's external mirror. A bucket without
// one is an error matching client.ErrNotFound.
func (c *Client) GetMirror(ctx context.Context, in *GetMirrorInput, optFns ...func(*client.Options)) (*GetMirrorOutput, error) {
	return getConfig(ctx, c, &getMirrorOp, in, optFns,
		func(out *GetMirrorOutput) bool { return out.SourceSite == "" }, "external mirror")
}

var deleteMirrorOp = configOp[DeleteMirrorInput, DeleteMirrorOutput]{
	name: "DeleteBucketExternalMirror", method: http.MethodDelete, sub: "mirror", feature: mirrorFeature,
	bucket:    func(in *DeleteMirrorInput) string { return in.Bucket },
	requestID: func(out *DeleteMirrorOutput) *string { return &out.RequestID },
}.op()

// DeleteMirror removes a QingStor bucket's external mirror.
func (c *Client) DeleteMirror(ctx context.Context, in *DeleteMirrorInput, optFns ...func(*client.Options)) (*DeleteMirrorOutput, error) {
	return opkit.Call(ctx, c.c, &deleteMirrorOp, in, optFns...)
}

// GetStatsInput is the input of GetStats.
type GetStatsInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetStatsOutput is the result of GetStats: QingStor's bucket
// statistics.
type GetStatsOutput struct {
	// Name is the bucket's name.
	Name string
	// Location is the bucket's zone, such as "pek3b".
	Location string
	// URL is the bucket's URL.
	URL string
	// Created is when the bucket was created.
	Created time.Time
	// Status is the bucket's state: "active" or "suspended".
	Status string
	// Count is the number of objects.
	Count int64
	// Size is the bytes stored.
	Size int64
	// RequestID is the service's request id.
	RequestID string
}

var statsFeature = feature{"bucket statistics", func(w *client.BucketWire) bool { return w.Stats.Subresource != "" }}

type jsonBucketStats struct {
	Name     string   `json:"name"`
	Location string   `json:"location"`
	URL      string   `json:"url"`
	Created  flexTime `json:"created"`
	Status   string   `json:"status"`
	Count    int64    `json:"count"`
	Size     int64    `json:"size"`
}

var getStatsOp = opkit.Op[GetStatsInput, GetStatsOutput]{
	Name:       "GetBucketStatistics",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetStatsInput) error { return statsFeature.check(d, in.Bucket) },
	Serialize: func(d *client.Dialect, _ *client.Options, in *GetStatsInput, r *opkit.Request) error {
		subresource(r, http.MethodGet, in.Bucket, d.Bucket.Stats.Subresource)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetStatsOutput) error {
		out.RequestID = requestID(d, resp)
		var doc jsonBucketStats
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.Name, out.Location, out.URL, out.Created = doc.Name, doc.Location, doc.URL, doc.Created.Time
		out.Status, out.Count, out.Size = doc.Status, doc.Count, doc.Size
		return nil
	},
}

// GetStats returns a QingStor bucket's statistics (GET ?stats): zone,
// URL, creation time, state, object count and bytes stored. Other
// dialects refuse it with client.ErrNotSupported.
func (c *Client) GetStats(ctx context.Context, in *GetStatsInput, optFns ...func(*client.Options)) (*GetStatsOutput, error) {
	return opkit.Call(ctx, c.c, &getStatsOp, in, optFns...)
}
