package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
)

// kindError is an error of a given kind, returned by the store and by
// operation helpers; call.writeError turns it into the dialect's answer.
type kindError errKind

func (k kindError) Error() string { return errDefs[errKind(k)].code }

// Bucket versioning states, as S3 spells them.
const (
	versioningEnabled   = "Enabled"
	versioningSuspended = "Suspended"
)

// nullVersion is the version id of objects written while a bucket's
// versioning is off or suspended.
const nullVersion = "null"

// store is the server's in-memory state. Objects are immutable once
// stored: a put replaces the *object, so readers may use one after
// releasing the lock.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
	seq     uint64 // last id handed out by newID, under mu
	salt    string // random suffix of ids, unique per server
}

type bucket struct {
	name       string
	created    time.Time
	region     string
	location   string // LocationConstraint given at creation; "" if none
	keyProtect keyProtect
	objectLock bool
	versioning string // "", versioningEnabled or versioningSuspended
	acl        acl
	cors       []corsRule // nil: no CORS configuration
	policy     []byte     // nil: no policy
	entries    map[string]*entry
	keys       keyIndex // keys with at least one version
	uploads    map[string]*upload
}

// keyProtect is the IBM Key Protect (SSE-KP) setting of a bucket.
type keyProtect struct {
	algorithm string // ibm-sse-kp-encryption-algorithm
	rootKey   string // ibm-sse-kp-customer-root-key-crn
}

// entry is the version history of one key, newest first. It is never
// empty; an unversioned bucket keeps one "null" version per key.
type entry struct {
	versions []*object
	one      [1]*object // backs versions while there is one, saving an allocation
}

// newEntry returns the history of a key with one version.
func newEntry(o *object) *entry {
	e := &entry{one: [1]*object{o}}
	e.versions = e.one[:]
	return e
}

func (e *entry) latest() *object { return e.versions[0] }

// find returns the index of the version with the given id, or -1.
func (e *entry) find(versionID string) int {
	return slices.IndexFunc(e.versions, func(o *object) bool { return o.versionID == versionID })
}

// object is one stored object version, or a delete marker.
type object struct {
	key                string
	data               []byte
	md5                string // hex MD5 of data
	tag                string // entity tag without quotes when it is not md5 (multipart)
	crc64              uint64 // CRC-64/ECMA-182, as COS reports it
	contentType        string
	contentEncoding    string
	cacheControl       string
	contentDisposition string
	contentLanguage    string
	expires            string
	meta               []metaPair // sorted by name
	storageClass       string
	modified           time.Time
	versionID          string
	deleteMarker       bool
	appendable         bool
	md5State           []byte // appendable objects: the marshaled MD5 state of data
	acl                acl
	sse                sseInfo
	checksum           client.Checksum // additional checksum; composite (Parts > 0) for multipart objects
	retention          *objRetention   // IBM immutable storage; nil if none
}

// metaPair is one user metadata entry; name is lower case, without the
// dialect's prefix.
type metaPair struct{ name, value string }

// entityTag is the object's entity tag without quotes.
func (o *object) entityTag() string {
	if o.tag != "" {
		return o.tag
	}
	return o.md5
}

// etag is the object's quoted ETag.
func (o *object) etag() string { return `"` + o.entityTag() + `"` }

// size is the length of the object's data.
func (o *object) size() int64 { return int64(len(o.data)) }

// clone returns a shallow copy of o, for a new version or changed
// attributes; the data is shared, and never written through either copy.
func (o *object) clone() *object {
	c := *o
	c.data = o.data[:len(o.data):len(o.data)]
	c.meta = slices.Clone(o.meta)
	c.acl.grants = slices.Clone(o.acl.grants)
	c.md5State = nil
	c.appendable = false
	return &c
}

func (st *store) init() {
	st.buckets = map[string]*bucket{}
	st.salt = strings.ToLower(randomHex(8))
}

// newID returns a new version or upload id. Ids sort in the order they
// were handed out. The caller holds st.mu for writing.
func (st *store) newID() string {
	st.seq++
	return fmt.Sprintf("%016x%s", st.seq, st.salt)
}

// bucketConfig is what a bucket is created with.
type bucketConfig struct {
	region     string
	location   string
	keyProtect keyProtect
	objectLock bool
	acl        acl
}

// createBucket adds a bucket, failing if it exists.
func (st *store) createBucket(name string, cfg bucketConfig, now time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.buckets[name]; ok {
		return kindError(errBucketExists)
	}
	b := &bucket{
		name: name, region: cfg.region, location: cfg.location, created: now,
		keyProtect: cfg.keyProtect, objectLock: cfg.objectLock, acl: cfg.acl,
		entries: map[string]*entry{}, uploads: map[string]*upload{},
	}
	if cfg.objectLock {
		b.versioning = versioningEnabled // object lock turns versioning on
	}
	st.buckets[name] = b
	return nil
}

// withBucket runs fn with the named bucket, holding the store's lock for
// writing.
func (st *store) withBucket(name string, fn func(b *bucket) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buckets[name]
	if !ok {
		return kindError(errNoSuchBucket)
	}
	return fn(b)
}

// readBucket runs fn with the named bucket, holding the store's lock for
// reading. fn must not change anything.
func (st *store) readBucket(name string, fn func(b *bucket) error) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, ok := st.buckets[name]
	if !ok {
		return kindError(errNoSuchBucket)
	}
	return fn(b)
}

// bucketInfo describes a bucket in a listing and to HEAD Bucket.
type bucketInfo struct {
	name       string
	region     string
	location   string
	created    time.Time
	keyProtect keyProtect
}

func (b *bucket) info() bucketInfo {
	return bucketInfo{name: b.name, region: b.region, location: b.location, created: b.created, keyProtect: b.keyProtect}
}

// headBucket describes a bucket.
func (st *store) headBucket(name string) (bucketInfo, error) {
	var info bucketInfo
	err := st.readBucket(name, func(b *bucket) error {
		info = b.info()
		return nil
	})
	return info, err
}

// deleteBucket removes a bucket that holds no object versions.
func (st *store) deleteBucket(name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buckets[name]
	switch {
	case !ok:
		return kindError(errNoSuchBucket)
	case len(b.entries) > 0:
		return kindError(errBucketNotEmpty)
	}
	delete(st.buckets, name)
	return nil
}

// listBuckets returns every bucket, by name.
func (st *store) listBuckets() []bucketInfo {
	st.mu.RLock()
	out := make([]bucketInfo, 0, len(st.buckets))
	for _, b := range st.buckets {
		out = append(out, b.info())
	}
	st.mu.RUnlock()
	slices.SortFunc(out, func(a, b bucketInfo) int { return strings.Compare(a.name, b.name) })
	return out
}

// bucketExists reports whether a bucket exists.
func (st *store) bucketExists(name string) bool {
	st.mu.RLock()
	defer st.mu.RUnlock()
	_, ok := st.buckets[name]
	return ok
}

// current returns the object a plain GET of key serves: the latest
// version unless that is a delete marker. Nil if there is none.
func (b *bucket) current(key string) *object {
	e := b.entries[key]
	if e == nil || e.latest().deleteMarker {
		return nil
	}
	return e.latest()
}

// putObject stores o in bucket as the key's newest version, giving it a
// version id by the bucket's versioning state.
func (st *store) putObject(bucketName string, o *object) error {
	return st.withBucket(bucketName, func(b *bucket) error {
		st.put(b, o)
		return nil
	})
}

// put adds o as the newest version of its key. With versioning enabled
// it gets a new id; otherwise it is the "null" version and replaces any
// earlier null version. The caller holds st.mu for writing.
func (st *store) put(b *bucket, o *object) {
	if b.versioning == versioningEnabled {
		o.versionID = st.newID()
	} else {
		o.versionID = nullVersion
	}
	e := b.entries[o.key]
	if e == nil {
		b.entries[o.key] = newEntry(o)
		b.keys.insert(o.key)
		return
	}
	if o.versionID == nullVersion {
		if i := e.find(nullVersion); i >= 0 {
			e.versions = slices.Delete(e.versions, i, i+1)
		}
	}
	e.versions = slices.Insert(e.versions, 0, o)
}

// replaceVersion swaps the stored version o for n (same key and version
// id), for changes of attributes such as the ACL. It reports whether o
// was still stored.
func (b *bucket) replaceVersion(o, n *object) bool {
	e := b.entries[o.key]
	if e == nil {
		return false
	}
	i := slices.Index(e.versions, o)
	if i < 0 {
		return false
	}
	e.versions[i] = n
	return true
}

// lookup finds the version a request names: the latest, or versionID.
// When the latest version is a delete marker, or versionID names one, it
// returns the marker with an error (errNoSuchKey or errDeleteMarker), so
// that the caller can report it.
func (b *bucket) lookup(key, versionID string) (*object, error) {
	e := b.entries[key]
	if versionID == "" {
		if e == nil {
			return nil, kindError(errNoSuchKey)
		}
		if o := e.latest(); o.deleteMarker {
			return o, kindError(errNoSuchKey)
		}
		return e.latest(), nil
	}
	if e == nil {
		return nil, kindError(errNoSuchVersion)
	}
	i := e.find(versionID)
	if i < 0 {
		return nil, kindError(errNoSuchVersion)
	}
	if o := e.versions[i]; o.deleteMarker {
		return o, kindError(errDeleteMarker)
	}
	return e.versions[i], nil
}

// getObject returns the version of key that versionID names ("" for the
// latest); see bucket.lookup.
func (st *store) getObject(bucketName, key, versionID string) (*object, error) {
	var o *object
	err := st.readBucket(bucketName, func(b *bucket) error {
		var err error
		o, err = b.lookup(key, versionID)
		return err
	})
	return o, err
}

// deleteResult describes what a delete did.
type deleteResult struct {
	versionID    string // the version removed or the marker added; "" if none
	deleteMarker bool   // a delete marker was added or removed
}

// delete deletes key as DELETE Object does: without a version id, it
// removes the object (unversioned bucket) or adds a delete marker; with
// one, it removes that version. Missing keys and versions are not errors.
// The caller holds st.mu for writing.
func (st *store) delete(b *bucket, key, versionID string, now time.Time) deleteResult {
	e := b.entries[key]
	if versionID != "" {
		if e == nil {
			return deleteResult{versionID: versionID}
		}
		i := e.find(versionID)
		if i < 0 {
			return deleteResult{versionID: versionID}
		}
		marker := e.versions[i].deleteMarker
		e.versions = slices.Delete(e.versions, i, i+1)
		if len(e.versions) == 0 {
			delete(b.entries, key)
			b.keys.remove(key)
		}
		return deleteResult{versionID: versionID, deleteMarker: marker}
	}
	if b.versioning == "" {
		if e != nil {
			delete(b.entries, key)
			b.keys.remove(key)
		}
		return deleteResult{}
	}
	m := &object{key: key, deleteMarker: true, modified: now}
	st.put(b, m)
	return deleteResult{versionID: m.versionID, deleteMarker: true}
}
