package storagetest

import (
	"encoding/xml"
	"net/http"
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

// opListBuckets is GET /.
func (s *Server) opListBuckets(c *call) error {
	if err := c.requireServiceInstance(); err != nil {
		return err
	}
	c.result(http.StatusOK, &listBucketsResult{
		buckets:  s.store.listBuckets(),
		baseURL:  s.URL,
		extended: c.query.Has("extended"),
	})
	return nil
}

// opCreateBucket is PUT /bucket. The body (a location configuration) is
// accepted and ignored.
func (s *Server) opCreateBucket(c *call) error {
	if v := s.dialect.ValidateBucket; v != nil {
		if err := v(c.bucket); err != nil {
			return c.fail(errInvalidBucketName, "The specified bucket is not valid: "+err.Error())
		}
	}
	if err := c.requireServiceInstance(); err != nil {
		return err
	}
	c.drainBody()
	if err := s.store.createBucket(c.bucket, s.opts.Region, s.opts.Clock()); err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("Content-Length", "0")
	if s.wire.fl == flavorQingStor {
		c.noContent(http.StatusCreated)
		return nil
	}
	if s.wire.fl != flavorCOS {
		h.Set("Location", "/"+c.bucket)
	}
	c.noContent(http.StatusOK)
	return nil
}

// opHeadBucket is HEAD /bucket.
func (s *Server) opHeadBucket(c *call) error {
	region, err := s.store.headBucket(c.bucket)
	if err != nil {
		return err
	}
	if s.wire.fl != flavorQingStor {
		c.w.Header().Set(s.wire.vendorHeader("bucket-region"), region)
	}
	c.noContent(http.StatusOK)
	return nil
}

// opDeleteBucket is DELETE /bucket; the bucket must be empty.
func (s *Server) opDeleteBucket(c *call) error {
	if err := s.store.deleteBucket(c.bucket); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// listBucketsResult is the answer to GET /.
type listBucketsResult struct {
	buckets  []bucketInfo
	baseURL  string
	extended bool // IBM ?extended: add LocationConstraint
}

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
	XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
	Xmlns   string      `xml:"xmlns,attr,omitempty"`
	Owner   xmlOwner    `xml:"Owner"`
	Buckets []xmlBucket `xml:"Buckets>Bucket"`
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
		case w.fl == flavorIBM && r.extended:
			xb.LocationConstraint = b.region + "-standard"
		}
		out.Buckets = append(out.Buckets, xb)
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
	out := jsonListBuckets{Count: len(r.buckets), Buckets: []jsonBucket{}}
	for _, b := range r.buckets {
		out.Buckets = append(out.Buckets, jsonBucket{
			Name: b.name, Location: b.region, URL: r.baseURL + "/" + b.name,
			Created: b.created.UTC().Format(time.RFC3339),
		})
	}
	return out
}
