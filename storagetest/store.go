package storagetest

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// kindError is an error of a given kind, returned by the store and by
// operation helpers; call.writeError turns it into the dialect's answer.
type kindError errKind

func (k kindError) Error() string { return errDefs[errKind(k)].code }

// store is the server's in-memory state. Objects are immutable once
// stored: a put replaces the *object, so readers may use one after
// releasing the lock.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
}

type bucket struct {
	name    string
	created time.Time
	region  string
	objects map[string]*object
	keys    keyIndex
}

// object is one stored object.
type object struct {
	key                string
	data               []byte
	md5                string // hex
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
}

// metaPair is one user metadata entry; name is lower case, without the
// dialect's prefix.
type metaPair struct{ name, value string }

// etag is the object's quoted ETag.
func (o *object) etag() string { return `"` + o.md5 + `"` }

func (st *store) init() { st.buckets = map[string]*bucket{} }

// createBucket adds a bucket, failing if it exists.
func (st *store) createBucket(name, region string, now time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.buckets[name]; ok {
		return kindError(errBucketExists)
	}
	st.buckets[name] = &bucket{name: name, region: region, created: now, objects: map[string]*object{}}
	return nil
}

// headBucket reports whether a bucket exists, with its region.
func (st *store) headBucket(name string) (region string, err error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, ok := st.buckets[name]
	if !ok {
		return "", kindError(errNoSuchBucket)
	}
	return b.region, nil
}

// deleteBucket removes an empty bucket.
func (st *store) deleteBucket(name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buckets[name]
	switch {
	case !ok:
		return kindError(errNoSuchBucket)
	case len(b.objects) > 0:
		return kindError(errBucketNotEmpty)
	}
	delete(st.buckets, name)
	return nil
}

// bucketInfo describes a bucket in a listing.
type bucketInfo struct {
	name    string
	region  string
	created time.Time
}

// listBuckets returns every bucket, by name.
func (st *store) listBuckets() []bucketInfo {
	st.mu.RLock()
	out := make([]bucketInfo, 0, len(st.buckets))
	for _, b := range st.buckets {
		out = append(out, bucketInfo{name: b.name, region: b.region, created: b.created})
	}
	st.mu.RUnlock()
	slices.SortFunc(out, func(a, b bucketInfo) int { return strings.Compare(a.name, b.name) })
	return out
}

// putObject stores o in bucket, replacing any object with its key.
func (st *store) putObject(bucketName string, o *object) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buckets[bucketName]
	if !ok {
		return kindError(errNoSuchBucket)
	}
	if _, exists := b.objects[o.key]; !exists {
		b.keys.insert(o.key)
	}
	b.objects[o.key] = o
	return nil
}

// getObject returns the object at key.
func (st *store) getObject(bucketName, key string) (*object, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	b, ok := st.buckets[bucketName]
	if !ok {
		return nil, kindError(errNoSuchBucket)
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, kindError(errNoSuchKey)
	}
	return o, nil
}

// bucketExists reports whether a bucket exists.
func (st *store) bucketExists(name string) bool {
	st.mu.RLock()
	defer st.mu.RUnlock()
	_, ok := st.buckets[name]
	return ok
}

// deleteObject removes the object at key; a missing key is not an error.
func (st *store) deleteObject(bucketName, key string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buckets[bucketName]
	if !ok {
		return kindError(errNoSuchBucket)
	}
	if _, ok := b.objects[key]; ok {
		delete(b.objects, key)
		b.keys.remove(key)
	}
	return nil
}
