package storagetest

import (
	"net/http"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// TestChecksumRequiredOperations: an operation the dialect's
// ChecksumRequired lists is refused without an integrity header and
// taken with one; an unlisted one goes without.
func TestChecksumRequiredOperations(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		acl := q("acl", "")
		cannedACL := h(e.hdr("acl"), "private")
		switch need := opkit.ChecksumNeedOf(&e.d, "PutBucketAcl"); {
		case e.qs():
			// QingStor lists only Delete Multiple Objects; its bucket
			// ACL is a JSON document sent without Content-MD5.
			if need != client.ChecksumOptional {
				t.Fatalf("QingStor's need for PutBucketAcl is %v", need)
			}
			doc := []byte(`{"acl":[{"grantee":{"type":"group","name":"QS_ALL_USERS"},"permission":"READ"}]}`)
			mustStatus(t, e.doNoMD5(http.MethodPut, e.bucket, "", acl, nil, doc), http.StatusOK)
		case need == client.ChecksumWithBody: // COS: a canned ACL has no body
			mustStatus(t, e.doNoMD5(http.MethodPut, e.bucket, "", acl, cannedACL, nil), http.StatusOK)
		case need == client.ChecksumRequired: // S3, IBM: the empty body too
			// Neither an unsigned payload nor the signed SHA-256 of
			// the empty body counts as an integrity check.
			unsigned := h(e.hdr("acl"), "private", "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			e.want(e.doNoMD5(http.MethodPut, e.bucket, "", acl, unsigned, nil), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
			e.want(e.doNoMD5(http.MethodPut, e.bucket, "", acl, cannedACL, nil), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
			mustStatus(t, e.do(http.MethodPut, e.bucket, "", acl, cannedACL, nil), http.StatusOK)
			crc := client.ComputeChecksum(client.ChecksumCRC32, nil).String()
			mustStatus(t, e.doNoMD5(http.MethodPut, e.bucket, "", acl, h(e.hdr("acl"), "private", "X-Amz-Checksum-Crc32", crc), nil), http.StatusOK)
		default:
			t.Fatalf("%s's need for PutBucketAcl is %v", e.d.Name, need)
		}

		// CompleteMultipartUpload: COS's documentation requires it, S3
		// does not; IBM's model lists it but IBM takes S3 SDKs' Completes
		// without (ChecksumIfReplayable: sent, not demanded).
		id := e.initiate("mp", nil)
		etag := e.uploadPart("mp", id, e.d.Limits.FirstPartNumber, []byte("only part"))
		body := e.completeBody([]int{e.d.Limits.FirstPartNumber}, []string{etag})
		var unsignedBody http.Header
		if e.d.Has(client.FeatureChecksums) {
			unsignedBody = h("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		}
		r := e.doNoMD5(http.MethodPost, e.bucket, "mp", q(e.d.Params.UploadID, id), unsignedBody, body)
		if need := opkit.ChecksumNeedOf(&e.d, "CompleteMultipartUpload"); need != client.ChecksumRequired && need != client.ChecksumWithBody {
			mustStatus(t, r, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[e.qs()])
			return
		}
		e.want(r, http.StatusBadRequest, 0, "MissingContentMD5", "", "")
		mustStatus(t, e.complete("mp", id, []int{e.d.Limits.FirstPartNumber}, []string{etag}), http.StatusOK)
	})
}

// TestProtectedBucketUploadsNeedChecksum: IBM refuses an upload without
// an integrity header to a bucket with a retention policy, and a PUT
// with retention headers anywhere; other uploads go without.
func TestProtectedBucketUploadsNeedChecksum(t *testing.T) {
	e := newEnv(t, dialectCases[1]) // IBM
	if !e.d.Object.Retention.UploadChecksum {
		t.Fatal("IBM's retention wire has no UploadChecksum")
	}
	data := []byte("protected data")

	// Unprotected: a PUT without Content-MD5 is stored; one with
	// retention headers is refused for the missing checksum first.
	mustStatus(t, e.doNoMD5(http.MethodPut, e.bucket, "plain", nil, h("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"), data), http.StatusOK)
	unsigned := "UNSIGNED-PAYLOAD"
	e.want(e.doNoMD5(http.MethodPut, e.bucket, "held", nil, h("Retention-Period", "0", "X-Amz-Content-Sha256", unsigned), data), http.StatusBadRequest, 0, "MissingContentMD5", "", "")

	e.protect(0, 1, 10)
	e.want(e.doNoMD5(http.MethodPut, e.bucket, "a", nil, h("X-Amz-Content-Sha256", unsigned), data), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
	e.want(e.doNoMD5(http.MethodPut, e.bucket, "b", nil, h("Retention-Period", "86400", "X-Amz-Content-Sha256", unsigned), data), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
	mustStatus(t, e.do(http.MethodPut, e.bucket, "b", nil, h("Retention-Period", "86400"), data), http.StatusOK)
	crc := client.ComputeChecksum(client.ChecksumCRC32C, data).String()
	mustStatus(t, e.doNoMD5(http.MethodPut, e.bucket, "c", nil, h("X-Amz-Checksum-Crc32c", crc), data), http.StatusOK)
	// A signed payload hash is no integrity header.
	e.want(e.doNoMD5(http.MethodPut, e.bucket, "d", nil, h("X-Amz-Content-Sha256", sha256hex(data)), data), http.StatusBadRequest, 0, "MissingContentMD5", "", "")

	// Parts too.
	id := e.initiate("mp", nil)
	r := e.doNoMD5(http.MethodPut, e.bucket, "mp", e.uploadQuery(id, 1), h("X-Amz-Content-Sha256", unsigned), data)
	e.want(r, http.StatusBadRequest, 0, "MissingContentMD5", "", "")
	e.uploadPart("mp", id, 1, data)
}
