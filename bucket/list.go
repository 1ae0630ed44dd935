package bucket

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/polystore/polystore/internal/opkit"
	"io"
	"iter"
	"net/http"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
	"github.com/polystore/polystore/internal/xmlscan"
)

// ListAPI selects the object-listing API.
type ListAPI int

// Listing APIs.
const (
	// ListAPIAuto uses ListObjectsV2 on dialects with
	// client.FeatureListObjectsV2 (S3, IBM) and the dialect's own listing
	// otherwise (S3 v1 form for COS, GET Bucket JSON for QingStor).
	ListAPIAuto ListAPI = iota
	// ListAPIV1 uses the marker-based listing (S3 ListObjects v1, COS,
	// QingStor), which every dialect has.
	ListAPIV1
	// ListAPIV2 uses ListObjectsV2 (continuation tokens); dialects
	// without client.FeatureListObjectsV2 refuse it with
	// client.ErrNotSupported before sending anything.
	ListAPIV2
)

// String returns "auto", "v1" or "v2".
func (a ListAPI) String() string {
	switch a {
	case ListAPIV1:
		return "v1"
	case ListAPIV2:
		return "v2"
	}
	return "auto"
}

// ListObjectsInput is the input of ListObjects and ListObjectsPage.
type ListObjectsInput struct {
	// Bucket is the bucket to list.
	Bucket string
	// Prefix limits the listing to keys that start with it.
	Prefix string
	// Delimiter groups keys that contain it after Prefix into common
	// prefixes ("directories"), which the listing reports once each.
	Delimiter string
	// StartAfter lists keys after this one (exclusive), in every dialect:
	// it is sent as start-after (v2) or marker (v1, QingStor).
	StartAfter string
	// ContinuationToken resumes a listing where a page left off: pass
	// ObjectsPage.NextToken, with the same input otherwise. It is opaque:
	// a v2 continuation token, or a v1/QingStor marker. It takes
	// precedence over StartAfter.
	ContinuationToken string
	// PageSize is the most entries (keys plus common prefixes) one
	// request returns: S3's max-keys, QingStor's limit. 0 means the
	// server's default; values above the dialect's maximum (1000) are
	// clamped to it.
	PageSize int
	// API selects ListObjects v1 or v2; the zero value picks v2 where the
	// dialect has it.
	API ListAPI
	// FetchOwner asks for each object's owner. v1 listings always carry
	// it; QingStor listings never do, so it is refused there with
	// client.ErrNotSupported.
	FetchOwner bool
}

// ObjectSummary is one entry of an object listing: an object, or a common
// prefix when the listing has a Delimiter.
type ObjectSummary struct {
	// Key is the object key, or the common prefix when IsPrefix is set.
	// Names the server sent URL-encoded (encoding-type=url) are decoded.
	Key string
	// IsPrefix marks a common prefix ("directory"); the other fields are
	// then zero.
	IsPrefix bool
	// Size is the object size in bytes.
	Size int64
	// ETag is the entity tag, without quotes.
	ETag string
	// LastModified is when the object was last written.
	LastModified time.Time
	// StorageClass is the object's storage class, such as "STANDARD".
	StorageClass string
	// ContentType is the object's MIME type, where the listing carries it
	// (QingStor).
	ContentType string
	// Owner is the object's owner, when the listing carries it.
	Owner *Owner
}

// ObjectsPage is one page of an object listing.
type ObjectsPage struct {
	// Objects are the page's objects, in the server's order.
	Objects []ObjectSummary
	// CommonPrefixes are the page's common prefixes (with a Delimiter).
	CommonPrefixes []string
	// IsTruncated says there are more entries after this page.
	IsTruncated bool
	// NextToken resumes the listing after this page: set it as
	// ListObjectsInput.ContinuationToken. Empty when the listing is
	// complete.
	NextToken string
	// RequestID is the service's request id.
	RequestID string

	nextToken  string // v2 NextContinuationToken
	nextMarker string // v1 NextMarker, QingStor next_marker
}

// xmlListBucketResult is S3's ListBucketResult, v1 and v2.
type xmlListBucketResult struct {
	Prefix                string      `xml:"Prefix"`
	Delimiter             string      `xml:"Delimiter"`
	Marker                string      `xml:"Marker"`
	NextMarker            string      `xml:"NextMarker"`
	StartAfter            string      `xml:"StartAfter"`
	NextContinuationToken string      `xml:"NextContinuationToken"`
	EncodingType          string      `xml:"EncodingType"`
	IsTruncated           bool        `xml:"IsTruncated"`
	Contents              []xmlObject `xml:"Contents"`
	CommonPrefixes        []xmlPrefix `xml:"CommonPrefixes"`
}

type xmlObject struct {
	Key          string    `xml:"Key"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *xmlOwner `xml:"Owner"`
}

// maxListing caps how much of one listing page is read.
const maxListing = 64 << 20

// decodeListBucketResult reads a ListBucketResult. Listing is the hot
// path of large buckets, so it is not decoded by reflection nor with
// encoding/xml's tokenizer: the document is read whole and scanned by
// internal/xmlscan (scanListBucketResult), which handles what servers
// send; a document the scanner does not read (comments, CDATA, exotic
// names, or anything malformed) is decoded again from the same bytes by
// decodeListBucketResultTokens, encoding/xml's tokens, which decides.
//
// It decodes what xml.Unmarshal into xmlListBucketResult decodes,
// ignoring namespaces and unknown elements the same way, and refuses
// every document xml.Unmarshal refuses (mismatched or stray end tags,
// unclosed elements, bad syntax, numbers and booleans that do not parse),
// as FuzzListingDecoder checks. It is stricter than xml.Unmarshal in one
// way: the document must be exactly one element, with only white space,
// comments, processing instructions and directives around it, where
// xml.Unmarshal silently ignores whatever follows the first element (such
// as a second root element) and any text before it.
func decodeListBucketResult(r io.Reader, res *xmlListBucketResult) error {
	s, err := xmlscan.Read(r)
	if err != nil {
		return err
	}
	defer s.Release()
	// Room for the page's objects up front (a hint: prefixed names are
	// not counted), rather than growing the slice as they come.
	res.Contents = make([]xmlObject, 0, bytes.Count(s.Bytes(), []byte("<Contents>")))
	if scanListBucketResult(s, res) {
		if len(res.Contents) == 0 {
			res.Contents = nil // as xml.Unmarshal leaves it
		}
		return nil
	}
	*res = xmlListBucketResult{}
	return decodeListBucketResultTokens(bytes.NewReader(s.Bytes()), res)
}

// scanListBucketResult decodes the document s holds, and reports false
// (leaving res partly filled) if the scanner cannot decide it, or a value
// does not parse: the caller then decodes it with encoding/xml.
func scanListBucketResult(s *xmlscan.Scanner, res *xmlListBucketResult) bool {
	var cur *xmlObject // the Contents element being read
	for {
		switch s.Next() {
		case xmlscan.Start:
			cur = startListElement(res, cur, s.Depth(), s.Local(), s.Name(min(2, s.Depth())))
		case xmlscan.End:
			var parent, grand []byte
			if d := s.Depth(); d >= 3 {
				parent, grand = s.Name(2), s.Name(min(3, d-1))
			}
			if setListField(res, cur, s.Depth(), s.Local(), parent, grand, s.Text()) != nil {
				return false
			}
		case xmlscan.Done:
			return true
		default:
			return false
		}
	}
}

// startListElement notes an element that opened at depth (1 is the root)
// with local name name, below the depth-2 element parent: a Contents or
// CommonPrefixes entry, or an object's Owner. It returns the Contents
// element being read.
func startListElement(res *xmlListBucketResult, cur *xmlObject, depth int, name, parent []byte) *xmlObject {
	switch {
	case depth == 2 && string(name) == "Contents":
		res.Contents = append(res.Contents, xmlObject{})
		cur = &res.Contents[len(res.Contents)-1]
	case depth == 2 && string(name) == "CommonPrefixes":
		res.CommonPrefixes = append(res.CommonPrefixes, xmlPrefix{})
	case depth == 3 && string(parent) == "Contents" && string(name) == "Owner" && cur.Owner == nil:
		cur.Owner = &xmlOwner{}
	}
	return cur
}

// decodeListBucketResultTokens reads a ListBucketResult with encoding/xml's
// token loop: decodeListBucketResult's fallback, for documents the
// scanner does not read.
func decodeListBucketResultTokens(r io.Reader, res *xmlListBucketResult) error {
	d := xml.NewDecoder(r)
	var (
		stack = make([]listFrame, 0, 8) // the open elements, root first
		text  = make([]byte, 0, 512)    // the character data of the open elements, each after its parent's
		cur   *xmlObject                // the Contents element being read
		done  bool                      // the root element has ended
	)
	local := func(i int) []byte { return []byte(stack[i].name.Local) }
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			if len(stack) != 0 {
				return io.ErrUnexpectedEOF
			}
			if !done {
				return errors.New("the listing document has no root element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if done {
				return fmt.Errorf("a second root element <%s> follows the listing document", t.Name.Local)
			}
			stack = append(stack, listFrame{name: t.Name, text: len(text)})
			cur = startListElement(res, cur, len(stack), []byte(t.Name.Local), local(min(2, len(stack))-1))
		case xml.CharData:
			if len(stack) == 0 {
				if !blank(t) {
					return errors.New("text outside the listing document's root element")
				}
				continue
			}
			text = append(text, t...)
		case xml.EndElement:
			n := len(stack)
			if n == 0 {
				return fmt.Errorf("unexpected end element </%s>", t.Name.Local)
			}
			top := stack[n-1]
			if top.name != t.Name {
				return fmt.Errorf("element <%s> closed by </%s>", qualified(top.name), qualified(t.Name))
			}
			var parent, grand []byte
			if n >= 3 {
				parent, grand = local(1), local(min(3, n-1)-1)
			}
			if err := setListField(res, cur, n, local(n-1), parent, grand, text[top.text:]); err != nil {
				return err
			}
			text = text[:top.text]
			stack = stack[:n-1]
			done = n == 1
		}
	}
}

// listFrame is an open element of a listing document: its name as
// written (prefix in Space) and where its own character data starts.
type listFrame struct {
	name xml.Name
	text int
}

// qualified renders a raw element name as written.
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// blank reports whether b is only XML white space (and byte order marks),
// the text allowed around a document's root element.
func blank(b []byte) bool {
	return len(bytes.Trim(b, " \t\r\n\uFEFF")) == 0
}

// setListField stores the text of the element that just ended, found by
// its depth below the root (1 is the root), its local name, and for
// depth 3 and 4 the local names of its depth-2 ancestor (parent) and of
// its depth-3 one (grand; for depth 3, parent again). Like xml.Unmarshal,
// it takes an element's own character data (not its children's), reads
// empty numbers and booleans as zero, and lets a repeated element
// overwrite the one before.
func setListField(res *xmlListBucketResult, cur *xmlObject, depth int, name, parent, grand, text []byte) error {
	switch depth {
	case 2:
		switch string(name) {
		case "Prefix":
			res.Prefix = string(text)
		case "Delimiter":
			res.Delimiter = string(text)
		case "Marker":
			res.Marker = string(text)
		case "NextMarker":
			res.NextMarker = string(text)
		case "StartAfter":
			res.StartAfter = string(text)
		case "NextContinuationToken":
			res.NextContinuationToken = string(text)
		case "EncodingType":
			res.EncodingType = xmlscan.String(text)
		case "IsTruncated":
			v, err := parseBool(text)
			if err != nil {
				return fmt.Errorf("element IsTruncated: %w", err)
			}
			res.IsTruncated = v
		}
	case 3:
		switch string(parent) {
		case "Contents":
			switch string(name) {
			case "Key":
				cur.Key = string(text)
			case "LastModified":
				cur.LastModified = string(text)
			case "ETag":
				cur.ETag = string(text)
			case "StorageClass":
				cur.StorageClass = xmlscan.String(text)
			case "Size":
				n, err := parseInt(text)
				if err != nil {
					return fmt.Errorf("element Size: %w", err)
				}
				cur.Size = n
			}
		case "CommonPrefixes":
			if string(name) == "Prefix" {
				res.CommonPrefixes[len(res.CommonPrefixes)-1].Prefix = string(text)
			}
		}
	case 4:
		if string(parent) == "Contents" && string(grand) == "Owner" {
			switch string(name) {
			case "ID":
				cur.Owner.ID = string(text)
			case "DisplayName":
				cur.Owner.DisplayName = string(text)
			}
		}
	}
	return nil
}

// parseBool and parseInt read numbers and booleans as xml.Unmarshal does:
// empty is zero, surrounding white space is ignored.
func parseBool(b []byte) (bool, error) { return xmlscan.ParseBool(b) }

func parseInt(b []byte) (int64, error) { return xmlscan.ParseInt(b, 64) }

// jsonListObjects is QingStor's GET Bucket answer.
type jsonListObjects struct {
	Keys           []jsonKey `json:"keys"`
	CommonPrefixes []string  `json:"common_prefixes"`
	NextMarker     string    `json:"next_marker"`
	HasMore        *bool     `json:"has_more"`
}

type jsonKey struct {
	Key          string   `json:"key"`
	Size         int64    `json:"size"`
	Etag         string   `json:"etag"`
	Modified     flexTime `json:"modified"`
	Created      flexTime `json:"created"`
	MimeType     string   `json:"mime_type"`
	StorageClass string   `json:"storage_class"`
}

func validateList(d *client.Dialect, in *ListObjectsInput) error {
	if err := checkBucket(d, in.Bucket); err != nil {
		return err
	}
	if in.PageSize < 0 {
		return client.InvalidArgument("PageSize", "must not be negative, got %d", in.PageSize)
	}
	switch in.API {
	case ListAPIAuto, ListAPIV1, ListAPIV2:
	default:
		return client.InvalidArgument("API", "unknown listing API %d", int(in.API))
	}
	if in.FetchOwner && !d.Bucket.Objects.EntryOwner {
		return client.NotSupported(d, "FetchOwner", "listing object owners")
	}
	return nil
}

// listV1Op is S3 ListObjects (v1), COS GET Bucket and QingStor GET Bucket.
var listV1Op = opkit.Op[ListObjectsInput, ObjectsPage]{
	Name:       "ListObjects",
	Idempotent: true,
	Validate:   validateList,
	Serialize: func(d *client.Dialect, _ *client.Options, in *ListObjectsInput, r *opkit.Request) error {
		w := d.Bucket.Objects
		r.Method, r.Bucket = http.MethodGet, in.Bucket
		size, _ := pageSize("PageSize", in.PageSize, w.MaxPageSize)
		opkit.SetQuery(r.Query, "prefix", in.Prefix)
		opkit.SetQuery(r.Query, "delimiter", in.Delimiter)
		marker := in.StartAfter
		if in.ContinuationToken != "" {
			marker = in.ContinuationToken
		}
		opkit.SetQuery(r.Query, w.MarkerParam, marker)
		setSize(r.Query, w.SizeParam, size)
		if w.EncodingParam != "" {
			r.Query.Set(w.EncodingParam, "url")
		}
		return nil
	},
	Deserialize: decodeObjectsPage,
}

// listV2Op is S3 ListObjectsV2.
var listV2Op = opkit.Op[ListObjectsInput, ObjectsPage]{
	Name:       "ListObjectsV2",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *ListObjectsInput) error {
		if err := validateList(d, in); err != nil {
			return err
		}
		if !d.Has(client.FeatureListObjectsV2) {
			return client.NotSupported(d, "API", "ListObjectsV2")
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *ListObjectsInput, r *opkit.Request) error {
		w := d.Bucket.Objects
		r.Method, r.Bucket = http.MethodGet, in.Bucket
		r.Query.Set(w.ListTypeParam, "2")
		size, _ := pageSize("PageSize", in.PageSize, w.MaxPageSize)
		opkit.SetQuery(r.Query, "prefix", in.Prefix)
		opkit.SetQuery(r.Query, "delimiter", in.Delimiter)
		opkit.SetQuery(r.Query, w.StartAfterParam, in.StartAfter)
		opkit.SetQuery(r.Query, w.TokenParam, in.ContinuationToken)
		setSize(r.Query, w.SizeParam, size)
		if in.FetchOwner {
			r.Query.Set(w.FetchOwnerParam, "true")
		}
		if w.EncodingParam != "" {
			r.Query.Set(w.EncodingParam, "url")
		}
		return nil
	},
	Deserialize: decodeObjectsPage,
}

// decodeObjectsPage reads a listing in the dialect's shape. Where the page
// resumes is settled by ListObjectsPage, which knows the API used.
func decodeObjectsPage(d *client.Dialect, resp *http.Response, out *ObjectsPage) error {
	out.RequestID = requestID(d, resp)
	if isJSON(d) {
		var res jsonListObjects
		if err := opkit.DecodeBody(d, resp, &res); err != nil {
			return err
		}
		out.Objects = make([]ObjectSummary, 0, len(res.Keys))
		for i := range res.Keys {
			k := &res.Keys[i]
			mod := k.Modified.Time
			if mod.IsZero() {
				mod = k.Created.Time
			}
			out.Objects = append(out.Objects, ObjectSummary{
				Key: k.Key, Size: k.Size, ETag: opkit.TrimETag(k.Etag), LastModified: mod,
				StorageClass: k.StorageClass, ContentType: k.MimeType,
			})
		}
		out.CommonPrefixes = res.CommonPrefixes
		out.nextMarker = res.NextMarker
		if res.HasMore != nil {
			out.IsTruncated = *res.HasMore
		} else {
			// Before 2018-08-01 QingStor had no has_more: a page that
			// names where to go next is not the last.
			out.IsTruncated = res.NextMarker != "" && len(res.Keys)+len(res.CommonPrefixes) > 0
		}
		return nil
	}
	var res xmlListBucketResult
	if err := decodeListBucketResult(io.LimitReader(resp.Body, maxListing), &res); err != nil {
		return err
	}
	dec := newURLDecoder(res.EncodingType)
	out.Objects = make([]ObjectSummary, 0, len(res.Contents))
	for i := range res.Contents {
		o := &res.Contents[i]
		dec.s(&o.Key)
		out.Objects = append(out.Objects, ObjectSummary{
			Key: o.Key, Size: o.Size, ETag: opkit.TrimETag(o.ETag), LastModified: opkit.ParseTime(o.LastModified),
			StorageClass: o.StorageClass, Owner: o.Owner.owner(),
		})
	}
	if len(res.CommonPrefixes) > 0 {
		out.CommonPrefixes = make([]string, len(res.CommonPrefixes))
		for i := range res.CommonPrefixes {
			if !d.Bucket.Objects.RawCommonPrefixes {
				dec.s(&res.CommonPrefixes[i].Prefix)
			}
			out.CommonPrefixes[i] = res.CommonPrefixes[i].Prefix
		}
	}
	dec.s(&res.NextMarker)
	out.IsTruncated = res.IsTruncated
	out.nextMarker = res.NextMarker
	out.nextToken = res.NextContinuationToken
	return dec.err
}

// useV2 says which listing an input runs on d.
func useV2(d *client.Dialect, api ListAPI) bool {
	return api == ListAPIV2 || (api == ListAPIAuto && d.Has(client.FeatureListObjectsV2))
}

// ListObjectsPage lists one page of a bucket's objects and common
// prefixes. To read the next page, call it again with
// ContinuationToken set to the page's NextToken; ListObjects does this for
// you.
//
// Keys, prefixes and markers that the server URL-encodes
// (encoding-type=url, which polystore requests on every dialect that has
// it so that any key survives XML) are decoded before they are returned.
func (c *Client) ListObjectsPage(ctx context.Context, in *ListObjectsInput, optFns ...func(*client.Options)) (*ObjectsPage, error) {
	if in == nil {
		in = &ListObjectsInput{}
	}
	d := opkit.DialectOf(c.c)
	v2 := useV2(d, in.API)
	op := &listV1Op
	if v2 {
		op = &listV2Op
	}
	out, err := opkit.Call(ctx, c.c, op, in, optFns...)
	if err != nil {
		return nil, err
	}
	if out.IsTruncated {
		switch {
		case v2:
			out.NextToken = out.nextToken
		case out.nextMarker != "":
			out.NextToken = out.nextMarker
		default:
			// S3 v1 sends NextMarker only with a delimiter: the last
			// name of the page is the marker.
			last := ""
			if n := len(out.Objects); n > 0 {
				last = out.Objects[n-1].Key
			}
			out.NextToken = lastName(last, out.CommonPrefixes)
		}
	}
	return out, nil
}

// ListObjects lists a bucket's objects, and its common prefixes when
// Delimiter is set, as an iterator:
//
//	for obj, err := range buckets.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(obj.Key, obj.Size)
//	}
//
// Common prefixes come as entries with IsPrefix set, merged with the
// objects in name order within each page. The iterator fetches one page
// at a time (PageSize entries), so memory stays flat however many keys the
// bucket holds; breaking out of the loop sends no further request. Each
// range over the iterator starts again from the input's position.
//
// An error ends the iteration: a failed request, bad input (reported
// before anything is sent), or a server that does not advance
// (client.ErrListingStalled: a token or marker seen before, a marker
// before a key the page listed, the same page again, or 100 truncated
// empty pages in a row), which ends the listing before anything is
// yielded twice.
func (c *Client) ListObjects(ctx context.Context, in *ListObjectsInput, optFns ...func(*client.Options)) iter.Seq2[ObjectSummary, error] {
	var base ListObjectsInput
	if in != nil {
		base = *in
	}
	d := opkit.DialectOf(c.c)
	order, start := paging.Opaque, paging.Cursor{A: base.ContinuationToken}
	if !useV2(d, base.API) {
		// v1 and QingStor markers are keys, and StartAfter is the first
		// marker sent.
		order = paging.Keys
		if start.A == "" {
			start.A = base.StartAfter
		}
	}
	return paging.Pager[ObjectSummary]{
		Dialect: d.Name, Op: "ListObjects", Start: start, Order: order,
		Fetch: func(ctx context.Context, cur paging.Cursor) (paging.Page[ObjectSummary], error) {
			req := base
			req.ContinuationToken = cur.A
			p, err := c.ListObjectsPage(ctx, &req, optFns...)
			if err != nil {
				return paging.Page[ObjectSummary]{}, err
			}
			items := mergeNames(p.Objects, p.CommonPrefixes,
				func(o *ObjectSummary) string { return o.Key },
				func(s string) ObjectSummary { return ObjectSummary{Key: s, IsPrefix: true} })
			return paging.Page[ObjectSummary]{Items: items, Next: paging.Cursor{A: p.NextToken}, More: p.IsTruncated}, nil
		},
		Ident: func(o ObjectSummary) string {
			if o.IsPrefix {
				return "prefix\x00" + o.Key
			}
			return o.Key
		},
		Key: func(o ObjectSummary) string {
			if o.IsPrefix {
				return ""
			}
			return o.Key
		},
	}.Seq(ctx)
}
