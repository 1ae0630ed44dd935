package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// opGetBucketVersioning is GET /bucket?versioning. A bucket that was
// never versioned answers with no status.
func (s *Server) opGetBucketVersioning(c *call) error {
	var status string
	if err := s.store.readBucket(c.bucket, func(b *bucket) error { status = b.versioning; return nil }); err != nil {
		return err
	}
	c.result(http.StatusOK, &versioningResult{status: status})
	return nil
}

type versioningResult struct{ status string }

type xmlVersioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status,omitempty"`
}

func (r *versioningResult) xmlForm(w *wire) any {
	return xmlVersioningConfiguration{Xmlns: w.xmlns(), Status: r.status}
}

// jsonVersioning is QingStor's versioning document, {"status":"ENABLED"}.
type jsonVersioning struct {
	Status string `json:"status"`
}

// qingstorNeverVersioned is QingStor's status of a bucket that was never
// versioned.
const qingstorNeverVersioned = "DISABLED"

func (r *versioningResult) jsonForm(*wire) any {
	if r.status == "" {
		return jsonVersioning{Status: qingstorNeverVersioned}
	}
	return jsonVersioning{Status: strings.ToUpper(r.status)}
}

// opPutBucketVersioning is PUT /bucket?versioning with
// <VersioningConfiguration><Status>Enabled|Suspended</Status>..., or
// QingStor's {"status":"ENABLED"|"SUSPENDED"} (any case is accepted).
func (s *Server) opPutBucketVersioning(c *call) error {
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	body, err := c.readConfigBody(false)
	if err != nil {
		return err
	}
	var status string
	if s.wire.fl == flavorQingStor {
		var in jsonVersioning
		if err := json.Unmarshal(body, &in); err != nil {
			return c.fail(errMalformedXML, "The request body is not valid JSON: "+err.Error())
		}
		status = in.Status
	} else {
		var in xmlVersioningConfiguration
		if err := xml.Unmarshal(body, &in); err != nil {
			return kindError(errMalformedXML)
		}
		status = in.Status
	}
	switch {
	case strings.EqualFold(status, versioningEnabled):
		status = versioningEnabled
	case strings.EqualFold(status, versioningSuspended):
		status = versioningSuspended
	default:
		return c.fail(errIllegalVersioning, "The versioning status must be Enabled or Suspended, not "+status+".")
	}
	err = s.store.withBucket(c.bucket, func(b *bucket) error {
		if b.objectLock && status != versioningEnabled {
			return kindError(errInvalidBucketState)
		}
		b.versioning = status
		return nil
	})
	if err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// versionListParams select one page of ListObjectVersions.
type versionListParams struct {
	prefix, delimiter        string
	keyMarker, versionMarker string
	max                      int
}

// versionItem is one version or delete marker in a listing.
type versionItem struct {
	o      *object
	latest bool
}

// versionPage is one page of ListObjectVersions.
type versionPage struct {
	items       []versionItem
	prefixes    []string
	truncated   bool
	nextKey     string
	nextVersion string
}

// listVersions walks the bucket's keys from the markers, newest version
// first within a key, grouping keys by the delimiter.
func (b *bucket) listVersions(p versionListParams) versionPage {
	var page versionPage
	from := p.prefix
	if p.keyMarker > from {
		from = p.keyMarker
	}
	count := 0
	cur := b.keys.seek(from)
walk:
	for cur.valid() {
		k := cur.key()
		if !strings.HasPrefix(k, p.prefix) {
			break
		}
		start := 0
		if p.keyMarker != "" && k == p.keyMarker {
			if p.versionMarker == "" {
				cur.next()
				continue
			}
			start = b.entries[k].find(p.versionMarker) + 1
			if start == 0 { // unknown marker: nothing left of this key
				cur.next()
				continue
			}
		}
		if p.delimiter != "" {
			if i := strings.Index(k[len(p.prefix):], p.delimiter); i >= 0 {
				group := k[:len(p.prefix)+i+len(p.delimiter)]
				if group > p.keyMarker || p.keyMarker == "" {
					if count == p.max {
						page.truncated = true
						break
					}
					count++
					page.prefixes = append(page.prefixes, group)
					page.nextKey, page.nextVersion = group, ""
				}
				if !seekPast(&cur, b, group) {
					break
				}
				continue
			}
		}
		e := b.entries[k]
		for i := start; i < len(e.versions); i++ {
			if count == p.max {
				page.truncated = true
				break walk
			}
			count++
			page.items = append(page.items, versionItem{o: e.versions[i], latest: i == 0})
			page.nextKey, page.nextVersion = k, e.versions[i].versionID
		}
		cur.next()
	}
	if !page.truncated {
		page.nextKey, page.nextVersion = "", ""
	}
	return page
}

// opListObjectVersions is GET /bucket?versions: S3's prefix, delimiter,
// key-marker, version-id-marker and max-keys; QingStor's key_marker,
// version_id_marker and limit.
func (s *Server) opListObjectVersions(c *call) error {
	q := c.query
	qs := s.wire.fl == flavorQingStor
	sizeParam, keyParam, versionParam := "max-keys", "key-marker", "version-id-marker"
	def, most := s3DefaultMaxKeys, s3MaxMaxKeys
	if qs {
		sizeParam, keyParam, versionParam = "limit", "key_marker", "version_id_marker"
		def, most = qingstorDefaultLimit, qingstorMaxLimit
	}
	max, err := pageSize(c, sizeParam, def, most)
	if err != nil {
		return err
	}
	res := &versionsResult{bucket: c.bucket, params: versionListParams{
		prefix: q.Get("prefix"), delimiter: q.Get("delimiter"),
		keyMarker: q.Get(keyParam), versionMarker: q.Get(versionParam), max: max,
	}}
	if res.params.versionMarker != "" && res.params.keyMarker == "" {
		return c.fail(errInvalidArgument, "A version-id marker cannot be specified without a key marker.")
	}
	if !qs {
		switch enc := q.Get("encoding-type"); enc {
		case "", "url":
			res.encodingType = enc
		default:
			return c.fail(errInvalidArgument, "Invalid Encoding Method specified in Request")
		}
	}
	err = s.store.readBucket(c.bucket, func(b *bucket) error {
		res.page = b.listVersions(res.params)
		return nil
	})
	if err != nil {
		return err
	}
	c.result(http.StatusOK, res)
	return nil
}

type versionsResult struct {
	bucket       string
	params       versionListParams
	encodingType string
	page         versionPage
}

// xmlVersionEntry is a <Version> or a <DeleteMarker>, kept in one list
// so that they come out in listing order.
type xmlVersionEntry struct {
	XMLName      xml.Name
	Key          string    `xml:"Key"`
	VersionID    string    `xml:"VersionId"`
	IsLatest     bool      `xml:"IsLatest"`
	LastModified string    `xml:"LastModified"`
	ETag         string    `xml:"ETag,omitempty"`
	Size         *int64    `xml:"Size,omitempty"`
	Owner        *xmlOwner `xml:"Owner,omitempty"`
	StorageClass string    `xml:"StorageClass,omitempty"`
}

type xmlListVersionsResult struct {
	XMLName             xml.Name          `xml:"ListVersionsResult"`
	Xmlns               string            `xml:"xmlns,attr,omitempty"`
	Name                string            `xml:"Name"`
	Prefix              string            `xml:"Prefix"`
	KeyMarker           string            `xml:"KeyMarker"`
	VersionIDMarker     string            `xml:"VersionIdMarker"`
	NextKeyMarker       string            `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string            `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int               `xml:"MaxKeys"`
	Delimiter           string            `xml:"Delimiter,omitempty"`
	EncodingType        string            `xml:"EncodingType,omitempty"`
	IsTruncated         bool              `xml:"IsTruncated"`
	Entries             []xmlVersionEntry `xml:",any"`
	CommonPrefixes      []xmlCommonPrefix `xml:"CommonPrefixes"`
}

func (r *versionsResult) xmlForm(w *wire) any {
	enc := func(s string) string { return s }
	if r.encodingType == "url" {
		enc = s3KeyEncode
	}
	p := r.params
	out := xmlListVersionsResult{
		Xmlns: w.xmlns(), Name: r.bucket, Prefix: enc(p.prefix), KeyMarker: enc(p.keyMarker), VersionIDMarker: p.versionMarker,
		NextKeyMarker: enc(r.page.nextKey), NextVersionIDMarker: r.page.nextVersion, MaxKeys: p.max,
		Delimiter: enc(p.delimiter), EncodingType: r.encodingType, IsTruncated: r.page.truncated,
	}
	owner := w.owner()
	for _, it := range r.page.items {
		o := it.o
		e := xmlVersionEntry{Key: enc(o.key), VersionID: o.versionID, IsLatest: it.latest, LastModified: isoTime(o.modified), Owner: &owner}
		if o.deleteMarker {
			e.XMLName.Local = "DeleteMarker"
		} else {
			size := o.size()
			e.XMLName.Local = "Version"
			e.ETag, e.Size, e.StorageClass = o.etag(), &size, o.storageClass
		}
		out.Entries = append(out.Entries, e)
	}
	for _, pfx := range r.page.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, xmlCommonPrefix{Prefix: enc(pfx)})
	}
	return out
}

type jsonVersionKey struct {
	Key            string `json:"key"`
	VersionID      string `json:"version_id"`
	IsLatest       bool   `json:"is_latest"`
	IsDeleteMarker bool   `json:"delete_marker"`
	Size           int64  `json:"size"`
	Etag           string `json:"etag,omitempty"`
	Modified       int64  `json:"modified"`
	Created        string `json:"created"`
	MimeType       string `json:"mime_type,omitempty"`
	StorageClass   string `json:"storage_class,omitempty"`
}

func (r *versionsResult) jsonForm(*wire) any {
	p := r.params
	out := struct {
		Name                string           `json:"name"`
		Prefix              string           `json:"prefix"`
		Delimiter           string           `json:"delimiter"`
		Limit               int              `json:"limit"`
		KeyMarker           string           `json:"key_marker"`
		VersionIDMarker     string           `json:"version_id_marker"`
		NextKeyMarker       string           `json:"next_key_marker"`
		NextVersionIDMarker string           `json:"next_version_id_marker"`
		HasMore             bool             `json:"has_more"`
		Keys                []jsonVersionKey `json:"keys"`
		CommonPrefixes      []string         `json:"common_prefixes"`
		Owner               jsonOwner        `json:"owner"`
	}{
		Name: r.bucket, Prefix: p.prefix, Delimiter: p.delimiter, Limit: p.max,
		KeyMarker: p.keyMarker, VersionIDMarker: p.versionMarker,
		NextKeyMarker: r.page.nextKey, NextVersionIDMarker: r.page.nextVersion, HasMore: r.page.truncated,
		Keys: []jsonVersionKey{}, CommonPrefixes: []string{}, Owner: qingstorOwner,
	}
	for _, it := range r.page.items {
		o := it.o
		k := jsonVersionKey{
			Key: o.key, VersionID: o.versionID, IsLatest: it.latest, IsDeleteMarker: o.deleteMarker,
			Modified: o.modified.Unix(), Created: isoTime(o.modified),
		}
		if !o.deleteMarker {
			k.Size, k.Etag, k.MimeType, k.StorageClass = o.size(), o.etag(), o.contentType, o.storageClass
		}
		out.Keys = append(out.Keys, k)
	}
	out.CommonPrefixes = append(out.CommonPrefixes, r.page.prefixes...)
	return out
}
