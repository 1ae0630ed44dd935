package bucket

import (
	"context"
	"github.com/polystore/polystore/internal/opkit"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
)

// ListBucketsInput is the input of ListBuckets and ListBucketsPage.
type ListBucketsInput struct {
	// Prefix limits the listing to bucket names that start with it
	// (S3, IBM). Other dialects refuse it with client.ErrNotSupported.
	Prefix string
	// Region limits the listing to buckets in one region (S3
	// bucket-region, COS region, QingStor zone). IBM refuses it with
	// client.ErrNotSupported.
	Region string
	// PageSize is the most buckets one request returns. 0 means the
	// server's default (QingStor: 1000, so that pages are known to be
	// full); larger values are clamped to the dialect's maximum.
	PageSize int
	// ContinuationToken resumes a listing after a page: pass
	// BucketsPage.NextToken with the same input otherwise.
	ContinuationToken string
}

// BucketSummary is one bucket of a listing.
type BucketSummary struct {
	// Name is the bucket name (COS: with its APPID suffix).
	Name string
	// CreationDate is when the bucket was created.
	CreationDate time.Time
	// Region is the bucket's region or zone, where the listing says (S3
	// BucketRegion, COS Location, QingStor location).
	Region string
	// LocationConstraint is IBM's provisioning code, such as
	// "us-south-standard" (GET /?extended).
	LocationConstraint string
	// CreationTemplateID is IBM's creation template, if any.
	CreationTemplateID string
	// URL is the bucket's URL, where the listing gives it (QingStor).
	URL string
}

// BucketsPage is one page of a bucket listing.
type BucketsPage struct {
	// Buckets are the page's buckets.
	Buckets []BucketSummary
	// Owner is the account that owns the buckets, where the listing says.
	Owner *Owner
	// IsTruncated says there are more buckets after this page.
	IsTruncated bool
	// NextToken resumes the listing after this page: set it as
	// ListBucketsInput.ContinuationToken. Empty when the listing is
	// complete.
	NextToken string
	// RequestID is the service's request id.
	RequestID string

	rawNext string // token or NextMarker as sent
	count   int    // QingStor "count"
}

type xmlListAllMyBuckets struct {
	Owner             *xmlOwner   `xml:"Owner"`
	Buckets           []xmlBucket `xml:"Buckets>Bucket"`
	ContinuationToken string      `xml:"ContinuationToken"`
	IsTruncated       bool        `xml:"IsTruncated"`
	NextMarker        string      `xml:"NextMarker"`
}

type xmlBucket struct {
	Name               string `xml:"Name"`
	CreationDate       string `xml:"CreationDate"`
	BucketRegion       string `xml:"BucketRegion"`
	Location           string `xml:"Location"`
	LocationConstraint string `xml:"LocationConstraint"`
	CreationTemplateID string `xml:"CreationTemplateId"`
}

type jsonListBuckets struct {
	Count   int          `json:"count"`
	Buckets []jsonBucket `json:"buckets"`
}

type jsonBucket struct {
	Name     string   `json:"name"`
	Location string   `json:"location"`
	URL      string   `json:"url"`
	Created  flexTime `json:"created"`
}

// offsetPageSize is the page size sent to offset-paginated dialects
// when the caller sets none: the page must have a known size to tell a
// full page from the last one.
func offsetPageSize(w client.ServiceListWire, n int) int {
	if n > 0 {
		return n
	}
	return w.MaxPageSize
}

var listBucketsOp = opkit.Op[ListBucketsInput, BucketsPage]{
	Name:       "ListBuckets",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *ListBucketsInput) error {
		w := d.Bucket.Service
		if _, err := pageSize("PageSize", in.PageSize, w.MaxPageSize); err != nil {
			return err
		}
		if in.Prefix != "" && w.PrefixParam == "" {
			return client.NotSupported(d, "Prefix", "filtering buckets by prefix")
		}
		if in.Region != "" && w.RegionParam == "" && w.RegionHeader == "" {
			return client.NotSupported(d, "Region", "filtering buckets by region")
		}
		if in.ContinuationToken != "" {
			switch w.Pagination {
			case client.PaginateNone:
				return client.NotSupported(d, "ContinuationToken", "paginated bucket listing")
			case client.PaginateOffset:
				if n, err := strconv.Atoi(in.ContinuationToken); err != nil || n < 0 {
					return client.InvalidArgument("ContinuationToken", "%q is not a token from this dialect's bucket listing", in.ContinuationToken)
				}
			}
		}
		return nil
	},
	Serialize: func(d *client.Dialect, o *client.Options, in *ListBucketsInput, r *opkit.Request) error {
		w := d.Bucket.Service
		r.Method = http.MethodGet
		for _, q := range w.Query {
			name, value, _ := strings.Cut(q, "=")
			r.Query.Set(name, value)
		}
		size, _ := pageSize("PageSize", in.PageSize, w.MaxPageSize)
		if w.Pagination == client.PaginateOffset {
			size = offsetPageSize(w, size)
		}
		setSize(r.Query, w.SizeParam, size)
		opkit.SetQuery(r.Query, w.CursorParam, in.ContinuationToken)
		opkit.SetQuery(r.Query, w.PrefixParam, in.Prefix)
		if in.Region != "" {
			if w.RegionParam != "" {
				r.Query.Set(w.RegionParam, in.Region)
			} else {
				r.Header.Set(w.RegionHeader, in.Region)
			}
		}
		if d.ServiceInstanceHeader != "" && o.ServiceInstanceID != "" {
			r.Header.Set(d.ServiceInstanceHeader, o.ServiceInstanceID)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *BucketsPage) error {
		out.RequestID = requestID(d, resp)
		if isJSON(d) {
			var res jsonListBuckets
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			out.count = res.Count
			out.Buckets = make([]BucketSummary, 0, len(res.Buckets))
			for _, b := range res.Buckets {
				out.Buckets = append(out.Buckets, BucketSummary{
					Name: b.Name, CreationDate: b.Created.Time, Region: b.Location, URL: b.URL,
				})
			}
			return nil
		}
		var res xmlListAllMyBuckets
		if err := opkit.DecodeBody(d, resp, &res); err != nil {
			return err
		}
		out.Owner = res.Owner.owner()
		out.Buckets = make([]BucketSummary, 0, len(res.Buckets))
		for _, b := range res.Buckets {
			region := b.BucketRegion
			if region == "" {
				region = b.Location
			}
			out.Buckets = append(out.Buckets, BucketSummary{
				Name: b.Name, CreationDate: opkit.ParseTime(b.CreationDate), Region: region,
				LocationConstraint: b.LocationConstraint, CreationTemplateID: b.CreationTemplateID,
			})
		}
		switch {
		case res.ContinuationToken != "":
			out.IsTruncated, out.rawNext = true, res.ContinuationToken
		case res.IsTruncated:
			out.IsTruncated, out.rawNext = true, res.NextMarker
		}
		return nil
	},
}

// ListBucketsPage lists one page of the account's buckets. Dialects page
// the listing differently (S3 continuation tokens, IBM and COS markers,
// QingStor offsets since 2019-09-04); NextToken hides the difference.
// On QingStor, whose zone endpoints list only their own zone's buckets,
// a client whose zone was not chosen (no WithRegion, no QINGSTOR_ZONE:
// Options.RegionDefaulted) lists on the global endpoint qingstor.com,
// which lists every zone's, as does a listing filtered by another zone
// than the client's; a custom endpoint is always used as it is.
// With IBM, Options.ServiceInstanceID is sent as ibm-service-instance-id
// and the extended listing (?extended) is requested, so each bucket
// carries its LocationConstraint.
func (c *Client) ListBucketsPage(ctx context.Context, in *ListBucketsInput, optFns ...func(*client.Options)) (*BucketsPage, error) {
	if in == nil {
		in = &ListBucketsInput{}
	}
	if ep := opkit.DialectOf(c.c).Bucket.Service.GlobalEndpoint; ep != "" {
		region := in.Region
		optFns = append(optFns[:len(optFns):len(optFns)], func(o *client.Options) {
			if o.Endpoint == "" && (o.RegionDefaulted() || region != "" && region != o.Region) {
				o.Endpoint = ep
				o.Addressing = client.PathStyle
			}
		})
	}
	out, err := opkit.Call(ctx, c.c, &listBucketsOp, in, optFns...)
	if err != nil {
		return nil, err
	}
	w := opkit.DialectOf(c.c).Bucket.Service
	n := len(out.Buckets)
	switch w.Pagination {
	case client.PaginateToken:
		out.NextToken = out.rawNext
	case client.PaginateMarker:
		if out.IsTruncated {
			out.NextToken = out.rawNext
			if out.NextToken == "" && n > 0 {
				out.NextToken = out.Buckets[n-1].Name
			}
		}
	case client.PaginateOffset:
		offset, _ := strconv.Atoi(in.ContinuationToken)
		size, _ := pageSize("PageSize", in.PageSize, w.MaxPageSize)
		size = offsetPageSize(w, size)
		// "count" is the number of buckets; a full page, or a count
		// beyond this page, means there may be more.
		if n > 0 && (n >= size || out.count > offset+n) {
			out.IsTruncated = true
			out.NextToken = strconv.Itoa(offset + n)
		}
	default:
		out.IsTruncated = false
	}
	if out.NextToken == "" {
		out.IsTruncated = false
	}
	return out, nil
}

// ListBuckets lists the account's buckets as an iterator, one page per
// request. Memory holds one page at a time; breaking out of the loop
// sends no further request. A server that does not advance (a token,
// marker or offset seen before, a marker before a name the page listed,
// an offset that does not grow, the same page again, 100 truncated empty
// pages in a row) ends the listing with client.ErrListingStalled before
// anything is yielded twice.
func (c *Client) ListBuckets(ctx context.Context, in *ListBucketsInput, optFns ...func(*client.Options)) iter.Seq2[BucketSummary, error] {
	var base ListBucketsInput
	if in != nil {
		base = *in
	}
	d := opkit.DialectOf(c.c)
	order := paging.Opaque
	switch d.Bucket.Service.Pagination {
	case client.PaginateMarker:
		order = paging.Keys // markers are bucket names
	case client.PaginateOffset:
		order = paging.Numbers
	}
	return paging.Pager[BucketSummary]{
		Dialect: d.Name, Op: "ListBuckets", Start: paging.Cursor{A: base.ContinuationToken}, Order: order,
		Fetch: func(ctx context.Context, cur paging.Cursor) (paging.Page[BucketSummary], error) {
			req := base
			req.ContinuationToken = cur.A
			p, err := c.ListBucketsPage(ctx, &req, optFns...)
			if err != nil {
				return paging.Page[BucketSummary]{}, err
			}
			return paging.Page[BucketSummary]{Items: p.Buckets, Next: paging.Cursor{A: p.NextToken}, More: p.IsTruncated}, nil
		},
		Ident: func(b BucketSummary) string { return b.Name },
		Key:   func(b BucketSummary) string { return b.Name },
	}.Seq(ctx)
}

// ListLocationsInput is the input of ListLocations.
type ListLocationsInput struct {
	// Lang is the language of the location names, such as "en-us" (the
	// default) or "zh-cn".
	Lang string
}

// Location is one region (QingStor: zone) of the service.
type Location struct {
	// ID is the zone id, such as "pek3b".
	ID string
	// Name is the zone's name in the requested language.
	Name string
	// Endpoint is the zone's endpoint, such as "pek3b.qingstor.com".
	Endpoint string
}

// ListLocationsOutput is the result of ListLocations.
type ListLocationsOutput struct {
	// Locations are the service's zones.
	Locations []Location
	// RequestID is the service's request id.
	RequestID string
}

type jsonLocations struct {
	Locations []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Endpoint string `json:"endpoint"`
	} `json:"locations"`
}

var listLocationsOp = opkit.Op[ListLocationsInput, ListLocationsOutput]{
	Name:       "ListLocations",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *ListLocationsInput) error {
		if !d.Bucket.Locations.Supported {
			return client.NotSupported(d, "Dialect", "listing the service's locations")
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *ListLocationsInput, r *opkit.Request) error {
		w := d.Bucket.Locations
		r.Method = http.MethodGet
		r.Query.Set(w.Subresource, "")
		opkit.SetQuery(r.Query, w.LangParam, in.Lang)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *ListLocationsOutput) error {
		out.RequestID = requestID(d, resp)
		var res jsonLocations
		if err := opkit.DecodeBody(d, resp, &res); err != nil {
			return err
		}
		out.Locations = make([]Location, 0, len(res.Locations))
		for _, l := range res.Locations {
			out.Locations = append(out.Locations, Location(l))
		}
		return nil
	},
}

// ListLocations lists the service's regions (QingStor's List Locations:
// GET /?location, sent to the global endpoint qingstor.com unless the
// client has a custom endpoint). Other dialects refuse it with
// client.ErrNotSupported before sending anything.
func (c *Client) ListLocations(ctx context.Context, in *ListLocationsInput, optFns ...func(*client.Options)) (*ListLocationsOutput, error) {
	if ep := opkit.DialectOf(c.c).Bucket.Locations.Endpoint; ep != "" {
		optFns = append(optFns[:len(optFns):len(optFns)], func(o *client.Options) {
			if o.Endpoint == "" {
				o.Endpoint = ep
				o.Addressing = client.PathStyle
			}
		})
	}
	return opkit.Call(ctx, c.c, &listLocationsOp, in, optFns...)
}
