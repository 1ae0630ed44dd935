// Package bucket holds polystore's typed bucket and service operations on
// every dialect: create, head and delete buckets; list buckets (and
// QingStor's locations); list objects, object versions and multipart
// uploads; bucket ACLs, CORS, policies, versioning and location.
//
//	buckets := bucket.NewClient(c)
//	_, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: "photos"})
//	for obj, err := range buckets.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos"}) {
//		...
//	}
//
// Every listing comes two ways: an iterator (ListObjects, ListBuckets,
// ListObjectVersions, ListMultipartUploads) that fetches one page per
// request and holds one page in memory, and a page method (ListObjectsPage,
// ...) that returns one page and where to resume. Iterators always end:
// a server that does not advance (a token or marker the listing has
// already followed, a marker that goes back before what a page listed, the same page again, or
// 100 truncated empty pages in a row) ends them with an error matching
// client.ErrListingStalled (also bucket.ErrListingStalled), before any
// entry is yielded twice.
//
// The differences between dialects (QingStor's JSON documents and
// limit/marker/has_more paging, S3's v1 and v2 listings, COS's x-cos-grant-*
// headers, IBM's ?extended bucket listing and provisioning codes, ...) are
// data in the dialect table (client.Dialect.Bucket); nothing here compares
// dialect names. An option a dialect lacks is refused with an error
// matching client.ErrNotSupported before any request is sent, never
// silently dropped.
package bucket

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// Client runs bucket operations. It is cheap to create and safe for
// concurrent use.
type Client struct{ c *client.Client }

// NewClient returns a bucket client over c.
func NewClient(c *client.Client) *Client { return &Client{c: c} }

// BucketClass is the storage class an IBM bucket is provisioned with. It
// is sent as part of the location constraint's provisioning code
// ("{location}-{class}", such as "us-south-vault").
type BucketClass string

// IBM bucket storage classes.
const (
	BucketClassStandard      BucketClass = "standard"
	BucketClassVault         BucketClass = "vault"
	BucketClassCold          BucketClass = "cold"
	BucketClassSmart         BucketClass = "smart"
	BucketClassOneRateActive BucketClass = "onerate_active"
)

// Values returns the classes polystore knows.
func (BucketClass) Values() []BucketClass {
	return []BucketClass{BucketClassStandard, BucketClassVault, BucketClassCold, BucketClassSmart, BucketClassOneRateActive}
}

// KeyProtect asks IBM Cloud Object Storage to encrypt a new bucket with a
// root key managed by Key Protect or Hyper Protect Crypto Services
// (SSE-KP).
type KeyProtect struct {
	// RootKeyCRN is the full CRN of the root key
	// (ibm-sse-kp-customer-root-key-crn).
	RootKeyCRN string
	// Algorithm is the encryption algorithm
	// (ibm-sse-kp-encryption-algorithm); empty means "AES256", the only
	// value IBM accepts.
	Algorithm string
}

// CreateInput is the input of Create.
type CreateInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Location is the location constraint sent by dialects that take one
	// in the body (S3, IBM). Empty means the client's region (S3) or the
	// endpoint's default (IBM). For IBM it may be a whole provisioning
	// code such as "us-south-standard". Dialects that take the region
	// from the host name (COS, QingStor) refuse a Location other than the
	// client's region with client.ErrNotSupported.
	Location string
	// StorageClass provisions an IBM bucket with a storage class: the
	// location constraint becomes "{Location or region}-{class}". Other
	// dialects refuse it with client.ErrNotSupported.
	StorageClass BucketClass
	// ObjectLock creates the bucket with object lock enabled (which also
	// enables versioning): x-amz-bucket-object-lock-enabled. COS and
	// QingStor refuse it with client.ErrNotSupported.
	ObjectLock bool
	// KeyProtect encrypts the bucket with an IBM Key Protect root key.
	// Other dialects refuse it with client.ErrNotSupported.
	KeyProtect *KeyProtect
}

// CreateOutput is the result of Create.
type CreateOutput struct {
	Location string // the Location header, if any
	// RequestID is the service's request id.
	RequestID string
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	Xmlns              string   `xml:"xmlns,attr,omitempty"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

func validateCreate(d *client.Dialect, in *CreateInput) error {
	if err := opkit.CheckBucket(d, in.Bucket); err != nil {
		return err
	}
	w := d.Bucket.Create
	if in.StorageClass != "" {
		if !w.ProvisioningCode {
			return client.NotSupported(d, "StorageClass", "provisioning a bucket with a storage class")
		}
		if !slices.Contains(w.StorageClasses, string(in.StorageClass)) {
			return client.InvalidArgument("StorageClass", "%q is not one of %s", in.StorageClass, strings.Join(w.StorageClasses, ", "))
		}
		for _, class := range w.StorageClasses {
			if strings.HasSuffix(in.Location, "-"+class) {
				return client.InvalidArgument("Location", "%q already names storage class %q; leave StorageClass empty or give the location alone", in.Location, class)
			}
		}
	}
	if in.ObjectLock && w.ObjectLockHeader == "" {
		return client.NotSupported(d, "ObjectLock", "enabling object lock at bucket creation")
	}
	if kp := in.KeyProtect; kp != nil {
		if w.KeyProtectRootKeyHeader == "" {
			return client.NotSupported(d, "KeyProtect", "Key Protect encryption")
		}
		if !strings.HasPrefix(kp.RootKeyCRN, "crn:") {
			return client.InvalidArgument("KeyProtect.RootKeyCRN", "must be a CRN (crn:v1:...), got %q", kp.RootKeyCRN)
		}
		if kp.Algorithm != "" && kp.Algorithm != "AES256" {
			return client.InvalidArgument("KeyProtect.Algorithm", "must be AES256 (or empty), got %q", kp.Algorithm)
		}
	}
	return nil
}

var createOp = opkit.Op[CreateInput, CreateOutput]{
	Name:       "CreateBucket",
	Idempotent: true,
	Validate:   validateCreate,
	Serialize: func(d *client.Dialect, o *client.Options, in *CreateInput, r *opkit.Request) error {
		w := d.Bucket.Create
		r.Method, r.Bucket = http.MethodPut, in.Bucket
		if d.ServiceInstanceHeader != "" && o.ServiceInstanceID != "" {
			r.Header.Set(d.ServiceInstanceHeader, o.ServiceInstanceID)
		}
		if in.ObjectLock {
			r.Header.Set(w.ObjectLockHeader, "true")
		}
		if kp := in.KeyProtect; kp != nil {
			alg := kp.Algorithm
			if alg == "" {
				alg = "AES256"
			}
			r.Header.Set(w.KeyProtectAlgorithmHeader, alg)
			r.Header.Set(w.KeyProtectRootKeyHeader, kp.RootKeyCRN)
		}
		if !d.LocationConstraint {
			if in.Location != "" && in.Location != o.Region {
				return client.NotSupported(d, "Location", "a location other than the client's region ("+o.Region+")")
			}
			return nil
		}
		loc := in.Location
		switch {
		case in.StorageClass != "":
			if loc == "" {
				loc = o.Region
			}
			loc += "-" + string(in.StorageClass)
		case loc == "" && !w.ProvisioningCode:
			loc = o.Region
		}
		// The default location (S3's us-east-1) must not be named; with
		// no location IBM provisions the endpoint's default.
		if loc == "" || loc == w.DefaultLocation {
			return nil
		}
		body, err := xml.Marshal(createBucketConfiguration{Xmlns: d.Bucket.XMLNamespace, LocationConstraint: loc})
		if err != nil {
			return err
		}
		r.Body = opkit.BytesBody(body)
		r.Header.Set("Content-Type", "application/xml")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *CreateOutput) error {
		out.Location = resp.Header.Get("Location")
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Create creates a bucket. If it already exists the error matches
// client.ErrConflict. With IBM, Options.ServiceInstanceID is sent as
// ibm-service-instance-id, and StorageClass, ObjectLock and KeyProtect set
// the provisioning code and the ibm-sse-kp-* and object-lock headers.
func (c *Client) Create(ctx context.Context, in *CreateInput, optFns ...func(*client.Options)) (*CreateOutput, error) {
	return opkit.Call(ctx, c.c, &createOp, in, optFns...)
}

// HeadInput is the input of Head.
type HeadInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// HeadOutput is the result of Head.
type HeadOutput struct {
	Region string // the bucket's region, when the server says
	// RequestID is the service's request id.
	RequestID string
}

var headOp = opkit.Op[HeadInput, HeadOutput]{
	Name:       "HeadBucket",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *HeadInput) error { return opkit.CheckBucket(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *HeadInput, r *opkit.Request) error {
		r.Method, r.Bucket = http.MethodHead, in.Bucket
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *HeadOutput) error {
		out.Region = resp.Header.Get(d.HeaderPrefix + "bucket-region")
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Head checks that a bucket exists and is accessible: a missing bucket is
// an error matching client.ErrNotFound.
func (c *Client) Head(ctx context.Context, in *HeadInput, optFns ...func(*client.Options)) (*HeadOutput, error) {
	return opkit.Call(ctx, c.c, &headOp, in, optFns...)
}

// DeleteInput is the input of Delete.
type DeleteInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteOutput is the result of Delete.
type DeleteOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var deleteOp = opkit.Op[DeleteInput, DeleteOutput]{
	Name:       "DeleteBucket",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *DeleteInput) error { return opkit.CheckBucket(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *DeleteInput, r *opkit.Request) error {
		r.Method, r.Bucket = http.MethodDelete, in.Bucket
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeleteOutput) error {
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// Delete deletes an empty bucket. A bucket that still holds objects is an
// error matching client.ErrConflict.
func (c *Client) Delete(ctx context.Context, in *DeleteInput, optFns ...func(*client.Options)) (*DeleteOutput, error) {
	return opkit.Call(ctx, c.c, &deleteOp, in, optFns...)
}
