package storagetest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
)

// sseInfo is what the server keeps of a customer-provided encryption key
// (SSE-C): the algorithm and the key's MD5. The key itself is checked
// and forgotten; objects are not really encrypted.
type sseInfo struct {
	algorithm string
	keyMD5    string // base64
	// managed is the encryption with keys the service holds, as the
	// request named it in x-amz-server-side-encryption (S3, IBM) or
	// x-cos-server-side-encryption (COS): "AES256", or a KMS key
	// ("aws:kms", "aws:kms:dsse", "cos/kms"), which makes the ETag of a
	// single-PUT object something other than its MD5, as on S3. Objects
	// are not really encrypted.
	managed string
}

// kms reports whether the object is encrypted with a KMS key.
func (i sseInfo) kms() bool { return i.managed != "" && i.managed != sseAlgorithm }

// managedEncryptions are the values of the encryption header each
// flavor accepts.
var managedEncryptions = map[flavor][]string{
	flavorS3:  {sseAlgorithm, "aws:kms", "aws:kms:dsse"},
	flavorIBM: {sseAlgorithm, "aws:kms", "aws:kms:dsse"},
	flavorCOS: {sseAlgorithm, "cos/kms"},
}

// readManagedSSE reads the encryption header of a write: "" if none.
func (c *call) readManagedSSE() (string, error) {
	name := c.s.dialect.Object.EncryptionHeader
	if name == "" {
		return "", nil
	}
	v := c.r.Header.Get(name)
	if v == "" {
		return "", nil
	}
	for _, ok := range managedEncryptions[c.s.wire.fl] {
		if v == ok {
			return v, nil
		}
	}
	return "", c.fail(errInvalidArgument, "The encryption method specified in "+name+" is not supported: "+v+".")
}

// opaqueTag is the entity tag of a KMS-encrypted single-PUT object: 32
// hex digits, as S3's, but not the MD5 of the content.
func opaqueTag(md5hex string) string {
	sum := md5.Sum([]byte("storagetest kms " + md5hex))
	return hex.EncodeToString(sum[:])
}

// sseAlgorithm is the only SSE-C algorithm the vendors accept.
const sseAlgorithm = "AES256"

// sseHeaderNames returns the dialect's SSE-C header names, for the
// object itself or (copySource) for the source of a copy:
//
//	S3, IBM: x-amz-server-side-encryption-customer-algorithm / -key / -key-MD5
//	COS:     x-cos-server-side-encryption-customer-algorithm / -key / -key-MD5
//	QingStor: x-qs-encryption-customer-algorithm / -key / -key-md5
//
// and x-amz-copy-source-server-side-encryption-customer-*,
// x-qs-copy-source-encryption-customer-* for copy sources.
func (w *wire) sseHeaderNames(copySource bool) (alg, key, keyMD5 string) {
	base := "server-side-encryption-customer-"
	if w.fl == flavorQingStor {
		base = "encryption-customer-"
	}
	if copySource {
		base = "copy-source-" + base
	}
	base = w.vendorHeader(base)
	return base + "algorithm", base + "key", base + "key-md5"
}

// readSSE reads and checks SSE-C request headers. present is false when
// the request has none.
func (c *call) readSSE(copySource bool) (info sseInfo, present bool, err error) {
	algName, keyName, md5Name := c.s.wire.sseHeaderNames(copySource)
	h := c.r.Header
	alg, key, keyMD5 := h.Get(algName), h.Get(keyName), h.Get(md5Name)
	if alg == "" && key == "" && keyMD5 == "" {
		return sseInfo{}, false, nil
	}
	if alg == "" || key == "" || keyMD5 == "" {
		return sseInfo{}, false, c.fail(errInvalidArgument, "Requests specifying Server Side Encryption with Customer provided keys must provide "+
			algName+", "+keyName+" and "+md5Name+".")
	}
	if alg != sseAlgorithm {
		return sseInfo{}, false, kindError(errSSEAlgorithm)
	}
	raw, derr := base64.StdEncoding.DecodeString(key)
	if derr != nil || len(raw) != 32 {
		return sseInfo{}, false, kindError(errSSEBadKey)
	}
	sum := md5.Sum(raw)
	if base64.StdEncoding.EncodeToString(sum[:]) != keyMD5 {
		return sseInfo{}, false, kindError(errSSEKeyMD5)
	}
	return sseInfo{algorithm: alg, keyMD5: keyMD5}, true, nil
}

// checkSSE checks that a request reading o (or, with copySource, copying
// from o) carries o's SSE-C key, as the vendors require: 400 when the
// key is missing, 403 when it is not the one the object was written with.
func (c *call) checkSSE(o *object, copySource bool) error {
	info, present, err := c.readSSE(copySource)
	if err != nil {
		return err
	}
	switch {
	case o.sse.algorithm == "" && present:
		return kindError(errSSENotApplicable)
	case o.sse.algorithm == "":
		return nil
	case !present:
		return kindError(errSSEMissing)
	case info.keyMD5 != o.sse.keyMD5:
		return kindError(errSSEWrongKey)
	}
	return nil
}

// setSSEHeaders echoes the SSE-C algorithm and key MD5 of an object.
func (c *call) setSSEHeaders(info sseInfo) {
	h := c.w.Header()
	if info.managed != "" {
		h.Set(c.s.dialect.Object.EncryptionHeader, info.managed)
	}
	if info.algorithm == "" {
		return
	}
	algName, _, md5Name := c.s.wire.sseHeaderNames(false)
	h.Set(algName, info.algorithm)
	h.Set(md5Name, info.keyMD5)
}
