package storagetest

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/polystore/polystore/client"
)

// opAppendObject is POST /bucket/key?append&position=N (COS, QingStor).
// The first append, at position 0, creates an appendable object; each
// later one must give the object's current length as position. Appending
// to a normal object fails: 409 ObjectNotAppendable for COS, 400
// invalid_object_state for QingStor; a wrong position fails with 409
// PositionNotEqualToLength (COS) or 400 invalid_argument (QingStor).
func (s *Server) opAppendObject(c *call) error {
	pos, err := strconv.ParseInt(c.query.Get("position"), 10, 64)
	if err != nil || pos < 0 {
		return c.fail(errInvalidArgument, "The position parameter must be a non-negative integer.")
	}
	if c.r.ContentLength < 0 && !hasToken(c.r.Header.Get("Content-Encoding"), "aws-chunked") {
		return kindError(errMissingContentLength)
	}
	attrs, err := c.objectFromHeaders()
	if err != nil {
		return err
	}
	if attrs.sse.algorithm != "" {
		return c.fail(errInvalidRequest, "Appendable objects cannot be encrypted with a customer-provided key.")
	}
	// The body is read against the object as it is now; the store
	// checks under its lock that nothing changed in between.
	var base *object
	err = s.store.readBucket(c.bucket, func(b *bucket) error {
		base = b.current(c.key)
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.checkAppend(c, base, pos); err != nil {
		return err
	}
	var resume []byte
	var crc0 uint64
	if base != nil {
		resume, crc0 = base.md5State, base.crc64
	}
	d, err := c.readData(resume, crc0, client.Checksum{})
	if err != nil {
		return err
	}
	var stored *object
	err = s.store.withBucket(c.bucket, func(b *bucket) error {
		cur := b.current(c.key)
		if err := s.checkAppend(c, cur, pos); err != nil {
			return err
		}
		if cur != base { // changed while the body was read: digests are stale
			return kindError(errPositionNotEqual)
		}
		n := attrs
		if cur != nil {
			n = cur.clone()
			n.versionID = cur.versionID
			// Grow in place: the old version keeps seeing its own
			// length, and only the current version is ever appended to.
			n.data = append(cur.data, d.data...)
		} else {
			n.data = d.data
		}
		n.appendable = true
		n.md5, n.md5State, n.crc64, n.tag = d.md5, d.md5State, d.crc, ""
		n.checksum = client.Checksum{} // of content the object has outgrown
		n.modified = s.opts.Clock()
		if cur != nil {
			b.replaceVersion(cur, n)
		} else {
			s.store.put(b, n)
		}
		stored = n
		return nil
	})
	if err != nil {
		return err
	}
	h := c.w.Header()
	h.Set(s.wire.vendorHeader("next-append-position"), strconv.FormatInt(stored.size(), 10))
	h.Set("ETag", stored.etag())
	if s.wire.fl == flavorCOS {
		h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(stored.crc64, 10))
		// Despite its name, COS sends the hex MD5 of the bytes this
		// append added, which cos-go-sdk-v5 checks ("append verification
		// failed" without it).
		sum := md5.Sum(d.data)
		h.Set("x-cos-content-sha1", hex.EncodeToString(sum[:]))
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// checkAppend checks an append at pos to cur (nil if the key has no
// object). On a wrong position it reports the right one in the
// next-append-position header.
func (s *Server) checkAppend(c *call, cur *object, pos int64) error {
	switch {
	case cur == nil && pos != 0:
		c.w.Header().Set(s.wire.vendorHeader("next-append-position"), "0")
		return kindError(errPositionNotEqual)
	case cur == nil:
		return nil
	case !cur.appendable:
		return kindError(errNotAppendable)
	case cur.size() != pos:
		c.w.Header().Set(s.wire.vendorHeader("next-append-position"), strconv.FormatInt(cur.size(), 10))
		return kindError(errPositionNotEqual)
	}
	return nil
}
