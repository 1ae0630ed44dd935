package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// configStore holds the bucket configurations the configuration routes
// serve (lifecycle, website, public access block, protection, object
// lock, inventory, backup policies, mirror, tags, referer, encryption).
// It is guarded by the server's store lock: handlers reach it only
// through update (write lock) and view (read lock).
type configStore struct {
	s       *Server
	buckets map[string]*configSet
}

func newConfigStore(s *Server) *configStore {
	return &configStore{s: s, buckets: map[string]*configSet{}}
}

// configSet is one bucket's configurations; nil (or empty) means absent.
type configSet struct {
	// owner is the bucket the set belongs to: a bucket deleted and
	// created again under the same name starts with no configuration.
	owner       *bucket
	lifecycle   *cfgLifecycle
	lifecycleQS *cfgQSLifecycle
	website     *cfgWebsite
	pab         *cfgPublicAccessBlock
	protection  *cfgProtection
	lockRule    *cfgObjectLockRule // object lock's default retention
	inventory   map[string]*cfgInventory
	mirror      string
	tagging     *cfgTagging
	referer     *cfgReferer
	encryption  *cfgEncryption
	backups     []*cfgBackupPolicy // in creation order
}

// update runs fn with a bucket's configurations under the store's write
// lock, creating (or resetting) the set as needed.
func (cs *configStore) update(name string, fn func(b *bucket, set *configSet) error) error {
	return cs.s.store.withBucket(name, func(b *bucket) error {
		set := cs.buckets[name]
		if set == nil || set.owner != b {
			set = &configSet{owner: b, inventory: map[string]*cfgInventory{}}
			cs.buckets[name] = set
		}
		return fn(b, set)
	})
}

// view runs fn with a bucket's configurations under the store's read
// lock; fn must not change anything.
func (cs *configStore) view(name string, fn func(b *bucket, set *configSet) error) error {
	return cs.s.store.readBucket(name, func(b *bucket) error {
		set := cs.buckets[name]
		if set == nil || set.owner != b {
			set = &configSet{}
		}
		return fn(b, set)
	})
}

// document is a configuration answered as it was stored: x for XML
// dialects, j for QingStor's JSON.
type document struct{ x, j any }

func (d document) xmlForm(*wire) any  { return d.x }
func (d document) jsonForm(*wire) any { return d.j }

// readXML reads the request's configuration document into v. requireMD5
// makes Content-MD5 mandatory, as the vendors do for some operations.
func (c *call) readXML(requireMD5 bool, v any) error {
	if !c.s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	body, err := c.readConfigBody(requireMD5)
	if err != nil {
		return err
	}
	if xml.Unmarshal(body, v) != nil {
		return kindError(errMalformedXML)
	}
	return nil
}

// readJSON reads the request's JSON document (QingStor, IBM's
// configuration API) into v.
func (c *call) readJSON(v any) error {
	if !c.s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	body, err := c.readConfigBody(false)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return c.fail(errMalformedXML, "The request body is not valid JSON: "+err.Error())
	}
	return nil
}

// noSuchConfig answers a read of a configuration the bucket does not
// have: 404 with the vendor's code for it.
func noSuchConfig(code, msg string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: code, Message: msg}
}

// cosOr picks the COS spelling of an error code where it differs.
func (c *call) cosOr(s3, cos string) string {
	if c.s.wire.fl == flavorCOS {
		return cos
	}
	return s3
}
