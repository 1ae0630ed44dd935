package storagetest

import (
	"crypto/md5"
	"encoding/hex"
	"hash/crc64"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// upload is a multipart upload in progress. Its parts are kept once,
// as received; completing concatenates them into the object.
type upload struct {
	id        string
	key       string
	initiated time.Time
	proto     *object // the attributes of the object to be, without data
	parts     map[int]*part
	// checksum is the algorithm of the parts' additional checksums
	// (x-amz-checksum-algorithm), ChecksumNone if the upload has none.
	checksum client.ChecksumAlgorithm
}

// part is one uploaded part.
type part struct {
	number   int
	data     []byte
	md5      string // hex
	crc      uint64
	checksum client.Checksum // in the upload's algorithm, if it has one
	modified time.Time
}

func (p *part) etag() string { return `"` + p.md5 + `"` }

// createUpload starts a multipart upload of proto.key whose parts carry
// additional checksums in algorithm sum (none: ChecksumNone).
func (st *store) createUpload(bucketName string, proto *object, sum client.ChecksumAlgorithm, now time.Time) (*upload, error) {
	var u *upload
	err := st.withBucket(bucketName, func(b *bucket) error {
		u = &upload{id: st.newID(), key: proto.key, initiated: now, proto: proto, parts: map[int]*part{}, checksum: sum}
		b.uploads[u.id] = u
		return nil
	})
	return u, err
}

// findUpload returns the upload with id for key; the caller holds st.mu.
func (b *bucket) findUpload(key, id string) (*upload, error) {
	u, ok := b.uploads[id]
	if !ok || u.key != key {
		return nil, kindError(errNoSuchUpload)
	}
	return u, nil
}

// uploadProto returns the object attributes an upload was started with,
// and the algorithm of its parts' checksums.
func (st *store) uploadProto(bucketName, key, id string) (*object, client.ChecksumAlgorithm, error) {
	var proto *object
	var sum client.ChecksumAlgorithm
	err := st.readBucket(bucketName, func(b *bucket) error {
		u, err := b.findUpload(key, id)
		if err == nil {
			proto, sum = u.proto, u.checksum
		}
		return err
	})
	return proto, sum, err
}

// putPart stores a part, replacing one with the same number.
func (st *store) putPart(bucketName, key, id string, p *part) error {
	return st.withBucket(bucketName, func(b *bucket) error {
		u, err := b.findUpload(key, id)
		if err != nil {
			return err
		}
		u.parts[p.number] = p
		return nil
	})
}

// uploadSnapshot is a consistent copy of an upload's state.
type uploadSnapshot struct {
	upload upload // parts map cloned
	sorted []*part
}

// snapshotUpload copies an upload's state, with its parts in order.
func (st *store) snapshotUpload(bucketName, key, id string) (uploadSnapshot, error) {
	var snap uploadSnapshot
	err := st.readBucket(bucketName, func(b *bucket) error {
		u, err := b.findUpload(key, id)
		if err != nil {
			return err
		}
		snap.upload = *u
		snap.upload.parts = maps.Clone(u.parts)
		return nil
	})
	if err != nil {
		return snap, err
	}
	for _, p := range snap.upload.parts {
		snap.sorted = append(snap.sorted, p)
	}
	slices.SortFunc(snap.sorted, func(a, b *part) int { return a.number - b.number })
	return snap, nil
}

// abortUpload discards an upload and its parts.
func (st *store) abortUpload(bucketName, key, id string) error {
	return st.withBucket(bucketName, func(b *bucket) error {
		if _, err := b.findUpload(key, id); err != nil {
			return err
		}
		delete(b.uploads, id)
		return nil
	})
}

// completedPart is one entry of a CompleteMultipartUpload request.
type completedPart struct {
	number    int
	etag      string        // as sent, quotes and all
	checksums []xmlChecksum // checksum elements, as sent
}

// assemble checks the part list of a CompleteMultipartUpload against the
// upload and builds the object: parts in ascending order (with
// consecutive set, without gaps, as COS documents), each uploaded with
// that ETag (an empty ETag is not checked) and, in an upload with
// additional checksums, listed with its checksum, each but the last at
// least minPart bytes. The ETag is S3's multipart form: the MD5 of the
// concatenated part MD5s, a dash and the part count; the additional
// checksum is the composite of the parts'.
func assemble(snap uploadSnapshot, list []completedPart, minPart int64, consecutive bool) (*object, error) {
	if len(list) == 0 {
		return nil, kindError(errMalformedXML)
	}
	chosen := make([]*part, 0, len(list))
	for i, cp := range list {
		if i > 0 && cp.number <= list[i-1].number {
			return nil, kindError(errInvalidPartOrder)
		}
		if i > 0 && consecutive && cp.number != list[i-1].number+1 {
			return nil, kindError(errInvalidPart)
		}
		p, ok := snap.upload.parts[cp.number]
		if !ok {
			return nil, kindError(errInvalidPart)
		}
		if cp.etag != "" && !strings.EqualFold(strings.Trim(strings.TrimSpace(cp.etag), `"`), p.md5) {
			return nil, kindError(errInvalidPart)
		}
		if a := snap.upload.checksum; a != client.ChecksumNone {
			v, ok := elementValue(cp.checksums, a)
			if !ok {
				return nil, kindError(errInvalidPart)
			}
			if sum, err := client.ParseChecksum(a, v); err != nil || !sum.Equal(p.checksum) {
				return nil, kindError(errInvalidPart)
			}
		}
		chosen = append(chosen, p)
	}
	var total int64
	for i, p := range chosen {
		if i < len(chosen)-1 && int64(len(p.data)) < minPart {
			return nil, kindError(errEntityTooSmall)
		}
		total += int64(len(p.data))
	}
	data := make([]byte, 0, total)
	sums := md5.New()
	var crc uint64
	for _, p := range chosen {
		data = append(data, p.data...)
		raw, _ := hex.DecodeString(p.md5) // stored by us: always valid hex
		sums.Write(raw)
		crc = crc64.Update(crc, crc64Table, p.data)
	}
	o := snap.upload.proto.clone()
	o.data = data
	whole := md5.Sum(data)
	o.md5 = hex.EncodeToString(whole[:])
	o.tag = hex.EncodeToString(sums.Sum(nil)) + "-" + strconv.Itoa(len(chosen))
	o.crc64 = crc
	if snap.upload.checksum != client.ChecksumNone {
		sums := make([]client.Checksum, len(chosen))
		for i, p := range chosen {
			sums[i] = p.checksum
		}
		composite, err := client.CompositeChecksum(sums)
		if err != nil { // every part was checked to have one in the upload's algorithm
			return nil, err
		}
		o.checksum = composite
	}
	return o, nil
}

// finishUpload stores the assembled object and removes the upload, if
// the upload still exists (a concurrent complete or abort may have won).
func (st *store) finishUpload(bucketName, key, id string, o *object) error {
	return st.withBucket(bucketName, func(b *bucket) error {
		if _, err := b.findUpload(key, id); err != nil {
			return err
		}
		delete(b.uploads, id)
		st.put(b, o)
		return nil
	})
}

// uploadListParams select one page of ListMultipartUploads.
type uploadListParams struct {
	prefix, delimiter   string
	keyMarker, idMarker string
	max                 int
}

// uploadEntry is an upload in a listing.
type uploadEntry struct {
	key, id      string
	initiated    time.Time
	storageClass string
}

// uploadPage is one page of ListMultipartUploads.
type uploadPage struct {
	uploads   []uploadEntry
	prefixes  []string
	truncated bool
	nextKey   string
	nextID    string
}

// listUploads returns one page of a bucket's uploads in progress, by key
// and then by initiation.
func (st *store) listUploads(bucketName string, p uploadListParams) (uploadPage, error) {
	var all []uploadEntry
	err := st.readBucket(bucketName, func(b *bucket) error {
		for _, u := range b.uploads {
			if strings.HasPrefix(u.key, p.prefix) {
				all = append(all, uploadEntry{key: u.key, id: u.id, initiated: u.initiated, storageClass: u.proto.storageClass})
			}
		}
		return nil
	})
	if err != nil {
		return uploadPage{}, err
	}
	slices.SortFunc(all, func(a, b uploadEntry) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	var page uploadPage
	count := 0
	for i := 0; i < len(all); i++ {
		u := all[i]
		if p.keyMarker != "" {
			if u.key < p.keyMarker || (u.key == p.keyMarker && (p.idMarker == "" || u.id <= p.idMarker)) {
				continue
			}
		}
		group := ""
		if p.delimiter != "" {
			if j := strings.Index(u.key[len(p.prefix):], p.delimiter); j >= 0 {
				group = u.key[:len(p.prefix)+j+len(p.delimiter)]
			}
		}
		if group != "" && p.keyMarker != "" && group <= p.keyMarker {
			continue // the marker is this group, reported already
		}
		if count == p.max {
			page.truncated = true
			break
		}
		count++
		if group != "" {
			page.prefixes = append(page.prefixes, group)
			page.nextKey, page.nextID = group, ""
			for i+1 < len(all) && strings.HasPrefix(all[i+1].key, group) {
				i++
			}
			continue
		}
		page.uploads = append(page.uploads, u)
		page.nextKey, page.nextID = u.key, u.id
	}
	if !page.truncated {
		page.nextKey, page.nextID = "", ""
	}
	return page, nil
}
