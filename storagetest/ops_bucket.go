package storagetest

import (
	"bytes"
	"encoding/xml"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// requireServiceInstance enforces IBM's rule that bucket creation and
// listing with an IAM bearer token name the service instance.
func (c *call) requireServiceInstance() error {
	if c.s.wire.fl != flavorIBM || c.scheme != schemeBearer {
		return nil
	}
	id := c.r.Header.Get("ibm-service-instance-id")
	switch {
	case id == "":
		return c.fail(errMissingInstanceID, "")
	case c.s.opts.ServiceInstanceID != "" && id != c.s.opts.ServiceInstanceID:
		return c.fail(errAccessDenied, "The service instance "+id+" is not authorized.")
	}
	return nil
}

// opListBuckets is GET /. QingStor pages with offset and limit (and
// filters by the Location header); IBM's ?extended listing adds each
// bucket's LocationConstraint and pages with prefix, marker and max-keys.
func (s *Server) opListBuckets(c *call) error {
	if err := c.requireServiceInstance(); err != nil {
		return err
	}
	res := &listBucketsResult{
		buckets:  s.store.listBuckets(),
		baseURL:  s.URL,
		extended: c.query.Has("extended") && s.wire.fl == flavorIBM,
	}
	switch {
	case s.wire.fl == flavorQingStor:
		// A zone's host lists that zone's buckets; the global host
		// (the bare domain) every zone's.
		if zone, global := s.hostZone(c.r.Host); !global {
			res.buckets = slices.DeleteFunc(res.buckets, func(b bucketInfo) bool { return b.region != zone })
		}
		if loc := c.r.Header.Get("Location"); loc != "" {
			res.buckets = slices.DeleteFunc(res.buckets, func(b bucketInfo) bool { return b.region != loc })
		}
		res.total = len(res.buckets)
		offset, err := pageSize(c, "offset", 0, math.MaxInt)
		if err != nil {
			return err
		}
		limit, err := pageSize(c, "limit", qingstorDefaultLimit, qingstorMaxLimit)
		if err != nil {
			return err
		}
		res.buckets = res.buckets[min(offset, len(res.buckets)):]
		res.buckets = res.buckets[:min(limit, len(res.buckets))]
	case s.wire.fl == flavorS3 && (c.query.Has("max-buckets") || c.query.Has("continuation-token") || c.query.Has("prefix")):
		// S3's paged ListBuckets: max-buckets, continuation-token, prefix.
		max, err := pageSize(c, "max-buckets", s3MaxBuckets, s3MaxBuckets)
		if err != nil {
			return err
		}
		after := ""
		if tok := c.query.Get("continuation-token"); tok != "" {
			var ok bool
			if after, ok = decodeToken(tok); !ok {
				return c.fail(errInvalidArgument, "The continuation token provided is incorrect")
			}
		}
		prefix := c.query.Get("prefix")
		res.prefix, res.paged = prefix, true
		res.buckets = slices.DeleteFunc(res.buckets, func(b bucketInfo) bool {
			return !strings.HasPrefix(b.name, prefix) || b.name <= after
		})
		if len(res.buckets) > max {
			res.buckets = res.buckets[:max]
			res.token = encodeToken(res.buckets[max-1].name)
		}
	case res.extended:
		max, err := pageSize(c, "max-keys", s3DefaultMaxKeys, s3MaxMaxKeys)
		if err != nil {
			return err
		}
		res.prefix, res.marker, res.maxKeys = c.query.Get("prefix"), c.query.Get("marker"), max
		res.buckets = slices.DeleteFunc(res.buckets, func(b bucketInfo) bool {
			return !strings.HasPrefix(b.name, res.prefix) || b.name <= res.marker
		})
		if len(res.buckets) > max {
			res.buckets, res.truncated = res.buckets[:max], true
		}
	}
	c.result(http.StatusOK, res)
	return nil
}

// createBucketConfiguration is the optional body of CreateBucket.
type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

// opCreateBucket is PUT /bucket. S3, IBM and COS read a
// CreateBucketConfiguration body (IBM: its LocationConstraint is a
// provisioning code such as "us-south-standard"); ACL headers set the
// bucket ACL; IBM Key Protect headers and x-amz-bucket-object-lock-enabled
// are kept.
func (s *Server) opCreateBucket(c *call) error {
	if v := s.dialect.ValidateBucket; v != nil {
		if err := v(c.bucket); err != nil {
			return c.fail(errInvalidBucketName, "The specified bucket is not valid: "+err.Error())
		}
	}
	if err := c.requireServiceInstance(); err != nil {
		return err
	}
	cfg := bucketConfig{region: s.opts.Region}
	if s.wire.fl == flavorQingStor {
		if zone, global := s.hostZone(c.r.Host); !global {
			cfg.region = zone
		}
	}
	body, err := c.readConfigBody(false)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 && s.wire.fl != flavorQingStor {
		var in createBucketConfiguration
		if err := xml.Unmarshal(body, &in); err != nil {
			return kindError(errMalformedXML)
		}
		cfg.location = strings.TrimSpace(in.LocationConstraint)
	}
	if a, ok, err := c.aclFromHeaders(); err != nil {
		return err
	} else if ok {
		cfg.acl = a
	}
	h := c.r.Header
	if s.wire.fl == flavorIBM {
		cfg.keyProtect = keyProtect{algorithm: h.Get("ibm-sse-kp-encryption-algorithm"), rootKey: h.Get("ibm-sse-kp-customer-root-key-crn")}
		if (cfg.keyProtect.algorithm == "") != (cfg.keyProtect.rootKey == "") {
			return c.fail(errInvalidArgument, "Key Protect needs both ibm-sse-kp-encryption-algorithm and ibm-sse-kp-customer-root-key-crn.")
		}
		if alg := strings.Trim(cfg.keyProtect.algorithm, `"`); alg != "" && alg != sseAlgorithm {
			return c.fail(errInvalidArgument, "ibm-sse-kp-encryption-algorithm must be AES256.")
		}
	}
	if s.wire.fl == flavorS3 || s.wire.fl == flavorIBM {
		cfg.objectLock = strings.EqualFold(h.Get("x-amz-bucket-object-lock-enabled"), "true")
	}
	if err := s.store.createBucket(c.bucket, cfg, s.opts.Clock()); err != nil {
		return err
	}
	out := c.w.Header()
	out.Set("Content-Length", "0")
	if s.wire.fl == flavorQingStor {
		c.noContent(http.StatusCreated)
		return nil
	}
	if s.wire.fl != flavorCOS {
		out.Set("Location", "/"+c.bucket)
	}
	c.noContent(http.StatusOK)
	return nil
}

// opHeadBucket is HEAD /bucket. IBM reports Key Protect settings.
func (s *Server) opHeadBucket(c *call) error {
	info, err := s.store.headBucket(c.bucket)
	if err != nil {
		return err
	}
	h := c.w.Header()
	if s.wire.fl != flavorQingStor {
		h.Set(s.wire.vendorHeader("bucket-region"), info.region)
	}
	if s.wire.fl == flavorIBM && info.keyProtect.rootKey != "" {
		h.Set("ibm-sse-kp-enabled", "True")
		h.Set("ibm-sse-kp-crk-id", info.keyProtect.rootKey)
	}
	c.noContent(http.StatusOK)
	return nil
}

// opDeleteBucket is DELETE /bucket; the bucket must hold no object
// versions.
func (s *Server) opDeleteBucket(c *call) error {
	if err := s.store.deleteBucket(c.bucket); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// locationConstraint is what GET ?location and IBM's extended listing
// report: the constraint the bucket was created with, else the region
// (IBM: its "-standard" provisioning code; S3: empty for us-east-1).
func (w *wire) locationConstraint(b bucketInfo) string {
	if b.location != "" {
		return b.location
	}
	switch {
	case w.fl == flavorIBM:
		return b.region + "-standard"
	case w.fl == flavorS3 && b.region == "us-east-1":
		return ""
	}
	return b.region
}

// opGetBucketLocation is GET /bucket?location.
func (s *Server) opGetBucketLocation(c *call) error {
	info, err := s.store.headBucket(c.bucket)
	if err != nil {
		return err
	}
	c.result(http.StatusOK, &locationResult{value: s.wire.locationConstraint(info)})
	return nil
}

type locationResult struct{ value string }

type xmlLocationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Value   string   `xml:",chardata"`
}

func (r *locationResult) xmlForm(w *wire) any {
	return xmlLocationConstraint{Xmlns: w.xmlns(), Value: r.value}
}

func (r *locationResult) jsonForm(*wire) any {
	return struct {
		Location string `json:"location"`
	}{r.value}
}

// opListLocations is QingStor's GET /?location: the server's zones.
func (s *Server) opListLocations(c *call) error {
	c.result(http.StatusOK, &locationsResult{zones: s.zones()})
	return nil
}

type locationsResult struct{ zones []string }

func (r *locationsResult) xmlForm(*wire) any { return struct{}{} }

func (r *locationsResult) jsonForm(*wire) any {
	type location struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		Endpoint      string `json:"endpoint"`
		EngineVersion string `json:"engine_version"`
	}
	ls := make([]location, 0, len(r.zones))
	for _, z := range r.zones {
		ls = append(ls, location{ID: z, Name: z, Endpoint: z + ".qingstor.com", EngineVersion: "v2"})
	}
	return struct {
		Locations []location `json:"locations"`
	}{ls}
}

// opGetBucketStatistics is QingStor's GET /bucket?stats: the bucket's
// name, zone, URL, creation time, object count and size.
func (s *Server) opGetBucketStatistics(c *call) error {
	res := &statsResult{}
	err := s.store.readBucket(c.bucket, func(b *bucket) error {
		res.info = b.info()
		for _, e := range b.entries {
			if o := e.latest(); !o.deleteMarker {
				res.count++
				res.size += o.size()
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.url = s.URL + "/" + c.bucket
	c.result(http.StatusOK, res)
	return nil
}

type statsResult struct {
	info        bucketInfo
	url         string
	count, size int64
}

func (r *statsResult) xmlForm(*wire) any { return struct{}{} }

func (r *statsResult) jsonForm(*wire) any {
	return struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		URL      string `json:"url"`
		Created  string `json:"created"`
		Status   string `json:"status"`
		Count    int64  `json:"count"`
		Size     int64  `json:"size"`
	}{r.info.name, r.info.region, r.url, isoSeconds(r.info.created), "active", r.count, r.size}
}

// listBucketsResult is the answer to GET /.
type listBucketsResult struct {
	buckets   []bucketInfo
	baseURL   string
	extended  bool // IBM ?extended: add LocationConstraint, paging
	prefix    string
	marker    string
	maxKeys   int
	truncated bool
	total     int    // QingStor: buckets before paging
	paged     bool   // S3 paged listing: report Prefix and ContinuationToken
	token     string // S3: the continuation token of the next page
}

// s3MaxBuckets is the largest (and default) page of S3's paged
// ListBuckets.
const s3MaxBuckets = 10000

type xmlOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type xmlBucket struct {
	Name               string `xml:"Name"`
	Location           string `xml:"Location,omitempty"`
	CreationDate       string `xml:"CreationDate"`
	LocationConstraint string `xml:"LocationConstraint,omitempty"`
	BucketType         string `xml:"BucketType,omitempty"`
}

type xmlListAllMyBuckets struct {
	XMLName     xml.Name    `xml:"ListAllMyBucketsResult"`
	Xmlns       string      `xml:"xmlns,attr,omitempty"`
	Owner       xmlOwner    `xml:"Owner"`
	IsTruncated *bool       `xml:"IsTruncated,omitempty"`
	MaxKeys     *int        `xml:"MaxKeys,omitempty"`
	Prefix      *string     `xml:"Prefix,omitempty"`
	Marker      *string     `xml:"Marker,omitempty"`
	Buckets     []xmlBucket `xml:"Buckets>Bucket"`
	// ContinuationToken is S3's token of the next page.
	ContinuationToken string `xml:"ContinuationToken,omitempty"`
}

// owner is the account that owns every bucket and object.
func (w *wire) owner() xmlOwner {
	if w.fl == flavorCOS {
		return xmlOwner{ID: "qcs::cam::uin/100000000001:uin/100000000001", DisplayName: "100000000001"}
	}
	return xmlOwner{ID: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", DisplayName: "storagetest"}
}

func (r *listBucketsResult) xmlForm(w *wire) any {
	out := xmlListAllMyBuckets{Xmlns: w.xmlns(), Owner: w.owner(), Buckets: []xmlBucket{}}
	for _, b := range r.buckets {
		xb := xmlBucket{Name: b.name, CreationDate: isoTime(b.created)}
		switch {
		case w.fl == flavorCOS:
			xb.CreationDate = isoSeconds(b.created)
			xb.Location = b.region
			xb.BucketType = "cos"
		case r.extended:
			xb.LocationConstraint = w.locationConstraint(b)
		}
		out.Buckets = append(out.Buckets, xb)
	}
	if r.extended {
		out.IsTruncated, out.MaxKeys, out.Prefix, out.Marker = &r.truncated, &r.maxKeys, &r.prefix, &r.marker
	}
	if r.paged {
		out.ContinuationToken, out.Prefix = r.token, &r.prefix
	}
	return out
}

type jsonBucket struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	URL      string `json:"url"`
	Created  string `json:"created"`
}

type jsonListBuckets struct {
	Count   int          `json:"count"`
	Buckets []jsonBucket `json:"buckets"`
}

func (r *listBucketsResult) jsonForm(*wire) any {
	out := jsonListBuckets{Count: r.total, Buckets: []jsonBucket{}}
	for _, b := range r.buckets {
		out.Buckets = append(out.Buckets, jsonBucket{
			Name: b.name, Location: b.region, URL: r.baseURL + "/" + b.name,
			Created: b.created.UTC().Format(time.RFC3339),
		})
	}
	return out
}
