// Package bucket holds polystore's typed bucket operations on every dialect.
//
//	buckets := bucket.NewClient(c)
//	_, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: "photos"})
package bucket

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/polystore/polystore/client"
)

// Client runs bucket operations. It is cheap to create and safe for
// concurrent use.
type Client struct{ c *client.Client }

// NewClient returns a bucket client over c.
func NewClient(c *client.Client) *Client { return &Client{c: c} }

// CreateInput is the input of Create.
type CreateInput struct {
	Bucket string
	// Location is the location constraint sent by dialects that take one
	// in the body (S3, IBM). Empty means the client's region; for IBM it
	// may name a storage-class provisioning code such as "us-south-standard".
	Location string
}

// CreateOutput is the result of Create.
type CreateOutput struct {
	Location  string // the Location header, if any
	RequestID string
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	Xmlns              string   `xml:"xmlns,attr,omitempty"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

var createOp = client.Op[CreateInput, CreateOutput]{
	Name:       "CreateBucket",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *CreateInput) error {
		return d.CheckBucket(in.Bucket)
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *CreateInput, r *client.Request) error {
		r.Method, r.Bucket = http.MethodPut, in.Bucket
		if d.ServiceInstanceHeader != "" && o.ServiceInstanceID != "" {
			r.Header.Set(d.ServiceInstanceHeader, o.ServiceInstanceID)
		}
		loc := in.Location
		if loc == "" {
			loc = o.Region
		}
		// us-east-1 is S3's default location and must not be named.
		if d.LocationConstraint && loc != "" && loc != "us-east-1" {
			body, err := xml.Marshal(createBucketConfiguration{
				Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", LocationConstraint: loc,
			})
			if err != nil {
				return err
			}
			r.Body = client.BytesBody(body)
			r.Header.Set("Content-Type", "application/xml")
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *CreateOutput) error {
		out.Location = resp.Header.Get("Location")
		out.RequestID = d.RequestID(resp.Header)
		return nil
	},
}

// Create creates a bucket. If it already exists the error matches
// client.ErrConflict.
func (c *Client) Create(ctx context.Context, in *CreateInput, optFns ...func(*client.Options)) (*CreateOutput, error) {
	return client.Invoke(ctx, c.c, &createOp, in, optFns...)
}

// HeadInput is the input of Head.
type HeadInput struct{ Bucket string }

// HeadOutput is the result of Head.
type HeadOutput struct {
	Region    string // the bucket's region, when the server says
	RequestID string
}

var headOp = client.Op[HeadInput, HeadOutput]{
	Name:       "HeadBucket",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *HeadInput) error { return d.CheckBucket(in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *HeadInput, r *client.Request) error {
		r.Method, r.Bucket = http.MethodHead, in.Bucket
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *HeadOutput) error {
		out.Region = resp.Header.Get(d.HeaderPrefix + "bucket-region")
		out.RequestID = d.RequestID(resp.Header)
		return nil
	},
}

// Head checks that a bucket exists and is accessible: a missing bucket is
// an error matching client.ErrNotFound.
func (c *Client) Head(ctx context.Context, in *HeadInput, optFns ...func(*client.Options)) (*HeadOutput, error) {
	return client.Invoke(ctx, c.c, &headOp, in, optFns...)
}

// DeleteInput is the input of Delete.
type DeleteInput struct{ Bucket string }

// DeleteOutput is the result of Delete.
type DeleteOutput struct{ RequestID string }

var deleteOp = client.Op[DeleteInput, DeleteOutput]{
	Name:       "DeleteBucket",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *DeleteInput) error { return d.CheckBucket(in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *DeleteInput, r *client.Request) error {
		r.Method, r.Bucket = http.MethodDelete, in.Bucket
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeleteOutput) error {
		out.RequestID = d.RequestID(resp.Header)
		return nil
	},
}

// Delete deletes an empty bucket. A bucket that still holds objects is an
// error matching client.ErrConflict.
func (c *Client) Delete(ctx context.Context, in *DeleteInput, optFns ...func(*client.Options)) (*DeleteOutput, error) {
	return client.Invoke(ctx, c.c, &deleteOp, in, optFns...)
}
