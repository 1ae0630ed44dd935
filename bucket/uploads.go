package bucket

import (
	"context"
	"github.com/polystore/polystore/internal/opkit"
	"iter"
	"net/http"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
)

// ListMultipartUploadsInput is the input of ListMultipartUploads and
// ListMultipartUploadsPage.
type ListMultipartUploadsInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Prefix limits the listing to keys that start with it.
	Prefix string
	// Delimiter groups keys into common prefixes.
	Delimiter string
	// KeyMarker resumes a listing after this key: pass a page's
	// NextKeyMarker.
	KeyMarker string
	// UploadIDMarker, with KeyMarker, resumes among the uploads of
	// KeyMarker itself, after this upload: pass a page's
	// NextUploadIDMarker.
	UploadIDMarker string
	// PageSize is the most entries one request returns (max-uploads,
	// QingStor limit); 0 means the server's default, larger values than
	// the dialect's maximum (1000) are clamped.
	PageSize int
}

// MultipartUpload is one entry of an upload listing: an upload in
// progress, or a common prefix.
type MultipartUpload struct {
	// Key is the object key the upload will create, or the common prefix
	// when IsPrefix is set.
	Key string
	// UploadID identifies the upload.
	UploadID string
	// IsPrefix marks a common prefix; the other fields are then zero.
	IsPrefix bool
	// Initiated is when the upload started.
	Initiated time.Time
	// StorageClass is the storage class the object will have.
	StorageClass string
	// Owner is the upload's owner, where the listing says.
	Owner *Owner
	// Initiator is the account that started the upload, where the
	// listing says.
	Initiator *Owner
}

// UploadsPage is one page of an upload listing.
type UploadsPage struct {
	// Uploads are the page's uploads in progress, by key, then by the
	// time they started.
	Uploads []MultipartUpload
	// CommonPrefixes are the page's common prefixes (with a Delimiter).
	CommonPrefixes []string
	// IsTruncated says there are more entries after this page.
	IsTruncated bool
	// NextKeyMarker resumes the listing: set it as KeyMarker. Empty when
	// the listing is complete.
	NextKeyMarker string
	// NextUploadIDMarker goes with NextKeyMarker: set it as
	// UploadIDMarker.
	NextUploadIDMarker string
	// RequestID is the service's request id.
	RequestID string
}

type xmlListUploadsResult struct {
	EncodingType       string      `xml:"EncodingType"`
	IsTruncated        bool        `xml:"IsTruncated"`
	NextKeyMarker      string      `xml:"NextKeyMarker"`
	NextUploadIDMarker string      `xml:"NextUploadIdMarker"`
	Uploads            []xmlUpload `xml:"Upload"`
	CommonPrefixes     []xmlPrefix `xml:"CommonPrefixes"`
}

type xmlUpload struct {
	Key          string    `xml:"Key"`
	UploadID     string    `xml:"UploadId"`
	Initiated    string    `xml:"Initiated"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *xmlOwner `xml:"Owner"`
	Initiator    *xmlOwner `xml:"Initiator"`
}

type jsonListUploads struct {
	Uploads            []jsonUpload `json:"uploads"`
	CommonPrefixes     []string     `json:"common_prefixes"`
	HasMore            *bool        `json:"has_more"`
	NextKeyMarker      string       `json:"next_key_marker"`
	NextUploadIDMarker string       `json:"next_upload_id_marker"`
}

type jsonUpload struct {
	Key          string   `json:"key"`
	UploadID     string   `json:"upload_id"`
	Created      flexTime `json:"created"`
	StorageClass string   `json:"storage_class"`
}

var listUploadsOp = opkit.Op[ListMultipartUploadsInput, UploadsPage]{
	Name:       "ListMultipartUploads",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *ListMultipartUploadsInput) error {
		if err := checkBucket(d, in.Bucket); err != nil {
			return err
		}
		if in.UploadIDMarker != "" && in.KeyMarker == "" {
			return client.InvalidArgument("UploadIDMarker", "needs KeyMarker")
		}
		_, err := pageSize("PageSize", in.PageSize, 0)
		return err
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *ListMultipartUploadsInput, r *opkit.Request) error {
		markerQuery(d.Bucket.Uploads, r, in.Bucket, in.Prefix, in.Delimiter, in.KeyMarker, in.UploadIDMarker, in.PageSize)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *UploadsPage) error {
		out.RequestID = requestID(d, resp)
		if isJSON(d) {
			var res jsonListUploads
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			out.Uploads = make([]MultipartUpload, 0, len(res.Uploads))
			for _, u := range res.Uploads {
				out.Uploads = append(out.Uploads, MultipartUpload{
					Key: u.Key, UploadID: u.UploadID, Initiated: u.Created.Time, StorageClass: u.StorageClass,
				})
			}
			out.CommonPrefixes = res.CommonPrefixes
			out.NextKeyMarker, out.NextUploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
			if res.HasMore != nil {
				out.IsTruncated = *res.HasMore
			} else {
				// QingStor documents next_key_marker as empty once the
				// listing is complete.
				out.IsTruncated = res.NextKeyMarker != ""
			}
			return nil
		}
		var res xmlListUploadsResult
		if err := decodeListUploads(resp.Body, &res); err != nil {
			return err
		}
		dec := newURLDecoder(res.EncodingType)
		out.Uploads = make([]MultipartUpload, 0, len(res.Uploads))
		for i := range res.Uploads {
			u := &res.Uploads[i]
			dec.s(&u.Key)
			out.Uploads = append(out.Uploads, MultipartUpload{
				Key: u.Key, UploadID: u.UploadID, Initiated: opkit.ParseTime(u.Initiated),
				StorageClass: u.StorageClass, Owner: u.Owner.owner(), Initiator: u.Initiator.owner(),
			})
		}
		for i := range res.CommonPrefixes {
			dec.s(&res.CommonPrefixes[i].Prefix)
			out.CommonPrefixes = append(out.CommonPrefixes, res.CommonPrefixes[i].Prefix)
		}
		dec.s(&res.NextKeyMarker)
		out.IsTruncated = res.IsTruncated
		out.NextKeyMarker, out.NextUploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
		return dec.err
	},
}

// ListMultipartUploadsPage lists one page of a bucket's multipart uploads
// in progress (GET ?uploads, paged by key-marker/upload-id-marker;
// QingStor key_marker/upload_id_marker).
func (c *Client) ListMultipartUploadsPage(ctx context.Context, in *ListMultipartUploadsInput, optFns ...func(*client.Options)) (*UploadsPage, error) {
	out, err := opkit.Call(ctx, c.c, &listUploadsOp, in, optFns...)
	if err != nil {
		return nil, err
	}
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextUploadIDMarker = "", ""
	}
	return out, nil
}

// ListMultipartUploads lists a bucket's multipart uploads in progress and
// (with a Delimiter) common prefixes as an iterator, one page per request.
// Common prefixes come as entries with IsPrefix set, after the page's
// uploads. Memory holds one page at a time. A server that does not
// advance (markers seen before or before what a page listed, the same page again, 100
// truncated empty pages in a row) ends the listing with
// client.ErrListingStalled before anything is yielded twice.
func (c *Client) ListMultipartUploads(ctx context.Context, in *ListMultipartUploadsInput, optFns ...func(*client.Options)) iter.Seq2[MultipartUpload, error] {
	var base ListMultipartUploadsInput
	if in != nil {
		base = *in
	}
	return paging.Pager[MultipartUpload]{
		Dialect: opkit.DialectOf(c.c).Name, Op: "ListMultipartUploads", Order: paging.Keys,
		Start: paging.Cursor{A: base.KeyMarker, B: base.UploadIDMarker},
		Fetch: func(ctx context.Context, cur paging.Cursor) (paging.Page[MultipartUpload], error) {
			req := base
			req.KeyMarker, req.UploadIDMarker = cur.A, cur.B
			p, err := c.ListMultipartUploadsPage(ctx, &req, optFns...)
			if err != nil {
				return paging.Page[MultipartUpload]{}, err
			}
			items := p.Uploads
			for _, pre := range p.CommonPrefixes {
				items = append(items, MultipartUpload{Key: pre, IsPrefix: true})
			}
			return paging.Page[MultipartUpload]{
				Items: items, More: p.IsTruncated,
				Next: paging.Cursor{A: p.NextKeyMarker, B: p.NextUploadIDMarker},
			}, nil
		},
		Ident: func(u MultipartUpload) string { return u.Key + "\x00" + u.UploadID },
		Key: func(u MultipartUpload) string {
			if u.IsPrefix {
				return ""
			}
			return u.Key
		},
	}.Seq(ctx)
}
