package storagetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// opPutBucketPolicy is PUT /bucket?policy with a JSON policy document (S3
// and COS: {"Statement":[...]}, QingStor: {"statement":[...]}). The
// document is checked to be a JSON object and kept as sent.
func (s *Server) opPutBucketPolicy(c *call) error {
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	body, err := c.readConfigBody(false)
	if err != nil {
		return err
	}
	var doc map[string]json.RawMessage
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &doc) != nil {
		return kindError(errMalformedPolicy)
	}
	if s.wire.fl == flavorQingStor {
		if _, ok := doc["statement"]; !ok {
			return c.fail(errInvalidRequest, "The policy has no statement.")
		}
	}
	policy := bytes.Clone(trimmed)
	if err := s.store.withBucket(c.bucket, func(b *bucket) error { b.policy = policy; return nil }); err != nil {
		return err
	}
	if s.wire.fl == flavorS3 || s.wire.fl == flavorIBM {
		c.noContent(http.StatusNoContent)
		return nil
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// opGetBucketPolicy is GET /bucket?policy: the document as it was put;
// without one, 404 NoSuchBucketPolicy (QingStor: an empty statement list).
func (s *Server) opGetBucketPolicy(c *call) error {
	var policy []byte
	if err := s.store.readBucket(c.bucket, func(b *bucket) error { policy = b.policy; return nil }); err != nil {
		return err
	}
	if policy == nil {
		if s.wire.fl != flavorQingStor {
			return kindError(errNoSuchPolicy)
		}
		policy = []byte(`{"statement":[]}`)
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(policy)))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(policy)
	return nil
}

// opDeleteBucketPolicy is DELETE /bucket?policy.
func (s *Server) opDeleteBucketPolicy(c *call) error {
	if err := s.store.withBucket(c.bucket, func(b *bucket) error { b.policy = nil; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}
