package client

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/polystore/polystore/internal/httpheader"
	"github.com/polystore/polystore/internal/protocol"
)

// ObjectWire holds the wire facts of object and multipart operations that
// differ between dialects (copy-source form, metadata-directive values,
// SSE-C header names, storage classes, multipart body shapes, ...).
// Operation code reads these fields; it never compares dialect names.
//
// Header names are complete (prefix included) so that a copy of a dialect
// can change one without touching the others.
type ObjectWire struct {
	// CopySource is the template of a copy-source header value. {bucket}
	// is the source bucket, {key} the source key escaped like a URL path
	// (EscapePath), and {host} the host of the dialect's Endpoint template
	// expanded for the source bucket and the client's region (used even
	// when requests go to a custom endpoint). A version is appended as
	// "?<Params.VersionID>=<id>".
	//
	//	S3, IBM:  "/{bucket}/{key}"
	//	COS:      "{host}/{key}"  (examplebucket-1250000000.cos.ap-beijing.myqcloud.com/key)
	//	QingStor: "/{bucket}/{key}"
	CopySource string
	// CopySourceHeader carries the copy source on Copy and UploadPartCopy.
	CopySourceHeader string
	// CopySourceConditionPrefix prefixes the conditional headers of the
	// copy source: "if-match", "if-none-match", "if-modified-since" and
	// "if-unmodified-since" follow.
	CopySourceConditionPrefix string
	// CopyRangeHeader carries the source byte range of UploadPartCopy
	// ("bytes=first-last").
	CopyRangeHeader string
	// MetadataDirectiveHeader and its two values say whether Copy keeps
	// the source's metadata or replaces it with the request's.
	MetadataDirectiveHeader  string
	MetadataDirectiveCopy    string // S3 "COPY", COS "Copy", QingStor "COPY"
	MetadataDirectiveReplace string // S3 "REPLACE", COS "Replaced", QingStor "REPLACE"
	// SSECustomerPrefix prefixes the SSE-C request and response headers;
	// "algorithm", "key" and "key-MD5" follow.
	SSECustomerPrefix string
	// CopySourceSSECustomerPrefix is the same for the copy source of Copy
	// and UploadPartCopy; "" means the dialect cannot copy from an SSE-C
	// encrypted source.
	CopySourceSSECustomerPrefix string
	// StorageClassHeader carries the storage class on writes and reads.
	StorageClassHeader string
	// StorageClasses lists the storage classes the dialect accepts.
	StorageClasses []StorageClass
	// ACLHeader carries a canned ACL; GrantHeaderPrefix prefixes the grant
	// headers ("read", "write", "read-acp", "write-acp", "full-control").
	ACLHeader         string
	GrantHeaderPrefix string
	// CannedACLs lists the canned ACLs objects accept. Empty means the
	// dialect has no object ACLs: PutACL, GetACL and ACL fields are
	// refused with ErrNotSupported.
	CannedACLs []CannedACL
	// GrantPermissions lists the permissions object grants may give;
	// empty means grants are refused with ErrNotSupported (IBM).
	GrantPermissions []Permission
	// AllUsersURI is the grantee URI of the group of everyone (anonymous
	// included), as ACL documents name it.
	AllUsersURI string
	// NextAppendPositionHeader carries the length of an appendable object
	// (its next append position) on Append, Get and Head answers.
	NextAppendPositionHeader string
	// ObjectTypeHeader says whether an object is "appendable" or "normal".
	ObjectTypeHeader string
	// AppendPositionCodes are the error codes that, in answer to Append,
	// mean the position is not the object's length. COS answers 409
	// PositionNotEqualToLength; QingStor documents 400 invalid_argument.
	AppendPositionCodes []string
	// NotAppendableCodes are the error codes that, in answer to Append,
	// mean the object is not appendable. COS answers 409
	// ObjectNotAppendable; QingStor's docs do not name the code, so both
	// its generic "invalid_object_state" and "object_not_appendable" are
	// listed.
	NotAppendableCodes []string
	// CRC64Header carries the CRC-64/ECMA-182 of an object or part, as a
	// decimal number (COS "x-cos-hash-crc64ecma"); "" if none.
	CRC64Header string
	// MoveSourceHeader names the source of a QingStor-style move ("" if
	// none); MoveSourceConditionPrefix prefixes its conditional headers.
	MoveSourceHeader          string
	MoveSourceConditionPrefix string
	// FetchSourceHeader names the URL a fetch copies from;
	// FetchIfUnmodifiedSinceHeader is its condition.
	FetchSourceHeader            string
	FetchIfUnmodifiedSinceHeader string
	// ListPartsMaxParam and ListPartsMarkerParam are the page-size and
	// marker query parameters of ListParts; MaxListParts is the largest
	// page the dialect serves.
	ListPartsMaxParam    string
	ListPartsMarkerParam string
	MaxListParts         int
	// ListPartsUntruncated says ListParts answers carry no truncation
	// flag or next marker: a page as full as the limit asked for means
	// "ask again from its last part", so the limit is always sent
	// (MaxListParts when the caller set none). QingStor's list parts
	// document has only a count.
	ListPartsUntruncated bool
	// Bodies is the family of request and response bodies: initiate and
	// complete multipart, list parts, copy results, delete multiple and
	// ACL documents.
	Bodies BodyShapes
	// What operations decide from the body shapes, each a fact of its own
	// (S3Bodies dialects have them all; QingStor none):
	//
	// ACLDocuments says object ACLs are read and written as
	// AccessControlPolicy documents (GetObjectAcl, PutObjectAcl); without
	// it object.Client.GetACL and PutACL are ErrNotSupported.
	ACLDocuments bool
	// CopyPartETag says an UploadPartCopy answer always names the copied
	// part's ETag (CopyPartResult or the ETag header): one without is a
	// *MalformedResponseError, as the copy may or may not have happened.
	CopyPartETag bool
	// CompletePartETags says a CompleteMultipartUpload request must list
	// each part's ETag: an empty CompletedPart.ETag is an
	// *InvalidArgumentError before anything is sent.
	CompletePartETags bool
	// CompletePartChecksums says a CompleteMultipartUpload request can
	// carry each part's additional checksum; without it a part checksum
	// is ErrNotSupported.
	CompletePartChecksums bool
	// ResultDocuments says a 200 answer to an operation that can fail
	// inside one (CompleteMultipartUpload, CopyObject, UploadPartCopy)
	// always carries a document, a result or an <Error>: one whose body
	// is empty or only whitespace was cut off (retried where the
	// operation is, a *MalformedResponseError otherwise). QingStor
	// answers complete with a 201 and copy with an empty body.
	ResultDocuments bool
	// MultipartETag says the ETag of an object assembled by
	// CompleteMultipartUpload is S3's: the hex MD5 of the parts' binary
	// MD5 ETags, "-" and the part count (S3, IBM). The transfer manager
	// then checks it after completing an upload. COS and QingStor do not
	// document theirs: objects there are confirmed by size, and by CRC-64
	// or checksum where the service publishes one.
	MultipartETag bool
	// PostForm holds the facts of browser form uploads (POST Object), on
	// dialects with FeaturePostPolicy.
	PostForm PostFormWire
	// Retention holds the facts of IBM's object retention and legal
	// holds, on dialects with FeatureRetention.
	Retention RetentionWire
	// EncryptionHeader names the server-side encryption of an object in
	// GET and HEAD answers ("x-amz-server-side-encryption",
	// "x-cos-server-side-encryption"); "" if the dialect reports none
	// but SSE-C (SSECustomerPrefix).
	EncryptionHeader string
	// MD5ETagEncryptions are the EncryptionHeader values under which an
	// object stored by one PUT still has the MD5 of its content as ETag
	// ("AES256": keys the service manages). Under any other value (S3
	// "aws:kms" and "aws:kms:dsse", COS "cos/kms") and with a customer
	// key the ETag is not an MD5. See Dialect.ETagIsMD5.
	MD5ETagEncryptions []string
	// CompleteETagHeader, if set, is the header of a Complete Multipart
	// Upload request that gives the assembled object its ETag: QingStor
	// computes no ETag for such an object ("reading a large object takes
	// long") and keeps the one the request carries, returning it on
	// HEAD and GET ("ETag"). "" where the server computes the ETag.
	CompleteETagHeader string
}

// PostPolicyStyle is the shape of the policy document that a browser form
// upload (POST Object) carries, base64-encoded, in its "policy" field.
type PostPolicyStyle int

// Policy document styles.
const (
	// PostPolicyConditions is S3's document, which COS shares:
	//
	//	{"expiration": "2006-01-02T15:04:05.000Z",
	//	 "conditions": [{"bucket": "b"}, ["starts-with", "$key", "user/"],
	//	                ["content-length-range", 1, 1048576], ...]}
	//
	// Conditions match a field exactly ({"field": "value"} or
	// ["eq", "$field", "value"]), by prefix (["starts-with", "$field",
	// "prefix"]) or bound the file's size.
	PostPolicyConditions PostPolicyStyle = iota
	// PostPolicyFields is QingStor's document: a JSON object that gives
	// every form field before the file (access_key_id, policy and
	// signature excepted) its exact value, such as {"key": "k"}. It has no
	// expiry, no prefix match and no size range.
	PostPolicyFields
)

// PostFormWire holds a dialect's facts about browser form uploads: a
// multipart/form-data POST to the bucket whose fields carry the key, the
// object's attributes, a signed policy and, last, the file. The signature
// fields themselves (x-amz-*, q-*, access_key_id, ...) belong to the
// signing scheme and are the signer package's business.
type PostFormWire struct {
	// Policy is the policy document style.
	Policy PostPolicyStyle
	// Expires says the policy carries an expiry. Without one (QingStor) a
	// signed form stays valid for as long as the access key does.
	Expires bool
	// StartsWith says a condition can match a field by prefix, so that a
	// policy can leave the key (or the Content-Type) partly open.
	StartsWith bool
	// ContentLengthRange says a policy can bound the file's size.
	ContentLengthRange bool
	// KeyField names the object key field and FileField the file, which
	// must be the form's last field ("key" and "file" everywhere).
	KeyField  string
	FileField string
	// ContentTypeField sets the stored object's Content-Type: S3 and COS
	// spell it "Content-Type", QingStor "content-type".
	ContentTypeField string
	// FileContentTypeMatch says the file part's own Content-Type header
	// must equal ContentTypeField's value (QingStor); elsewhere the
	// service ignores the file part's type.
	FileContentTypeMatch bool
	// ACLField carries a canned ACL ("acl"); "" if forms cannot set one.
	ACLField string
	// StatusField picks the status of a successful upload
	// ("success_action_status"); "" if the status is fixed.
	StatusField string
	// Statuses are the values StatusField accepts.
	Statuses []int
	// DefaultStatus answers a successful upload that does not ask for
	// another: 204 (S3, COS) or 201 (QingStor).
	DefaultStatus int
	// CreatedBody says a 201 answer carries an XML PostResponse document
	// (Location, Bucket, Key, ETag), as S3's does; otherwise successful
	// answers have no body.
	CreatedBody bool
	// AllFieldsInPolicy says the service refuses a form field that no
	// policy condition names (S3: every field but the signature, file,
	// policy and x-ignore-* ones). COS only requires the fields the
	// policy names to be present.
	AllFieldsInPolicy bool
	// NoLeadingSlash says the key may not start with '/' (QingStor).
	NoLeadingSlash bool
}

// BodyShapes names a family of object and multipart body shapes.
type BodyShapes int

// Body shape families.
const (
	// S3Bodies are S3's XML documents: InitiateMultipartUploadResult,
	// CompleteMultipartUpload with <Part><PartNumber/><ETag/></Part>,
	// ListPartsResult (IsTruncated, NextPartNumberMarker), Delete and
	// DeleteResult, CopyObjectResult, CopyPartResult and
	// AccessControlPolicy. A 200 answer to CompleteMultipartUpload,
	// CopyObject or UploadPartCopy may carry an <Error> document.
	S3Bodies BodyShapes = iota
	// QingStorBodies are QingStor's JSON documents: {"upload_id"},
	// {"object_parts":[{"part_number","etag"}]} to complete (answered 201
	// with no body), list parts as
	// {"count","object_parts":[{"part_number","size","etag","created"}]}
	// with no truncation flag (a full page means "ask again"), delete
	// multiple as {"objects":[{"key"}],"quiet"} answered by
	// {"deleted":[{"key"}],"errors":[{"key","code","message"}]}, and copy,
	// move and fetch answered with an empty body.
	QingStorBodies
)

// StorageClass is an object's storage class. The dialect's
// ObjectWire.StorageClasses lists the ones it accepts.
type StorageClass string

// Storage classes.
const (
	StorageClassStandard           StorageClass = "STANDARD"
	StorageClassStandardIA         StorageClass = "STANDARD_IA"
	StorageClassReducedRedundancy  StorageClass = "REDUCED_REDUNDANCY"
	StorageClassOneZoneIA          StorageClass = "ONEZONE_IA"
	StorageClassIntelligentTiering StorageClass = "INTELLIGENT_TIERING"
	StorageClassGlacier            StorageClass = "GLACIER"
	StorageClassGlacierIR          StorageClass = "GLACIER_IR"
	StorageClassDeepArchive        StorageClass = "DEEP_ARCHIVE"
	StorageClassArchive            StorageClass = "ARCHIVE"         // COS
	StorageClassMAZStandard        StorageClass = "MAZ_STANDARD"    // COS multi-AZ
	StorageClassMAZStandardIA      StorageClass = "MAZ_STANDARD_IA" // COS multi-AZ
)

// Values returns every storage class polystore names, for any dialect.
func (StorageClass) Values() []StorageClass {
	return []StorageClass{
		StorageClassStandard, StorageClassStandardIA, StorageClassReducedRedundancy,
		StorageClassOneZoneIA, StorageClassIntelligentTiering, StorageClassGlacier,
		StorageClassGlacierIR, StorageClassDeepArchive, StorageClassArchive,
		StorageClassMAZStandard, StorageClassMAZStandardIA,
	}
}

// CannedACL is a predefined object ACL. The dialect's
// ObjectWire.CannedACLs lists the ones it accepts.
type CannedACL string

// Canned ACLs.
const (
	ACLPrivate                CannedACL = "private"
	ACLPublicRead             CannedACL = "public-read"
	ACLPublicReadWrite        CannedACL = "public-read-write"
	ACLAuthenticatedRead      CannedACL = "authenticated-read"
	ACLBucketOwnerRead        CannedACL = "bucket-owner-read"
	ACLBucketOwnerFullControl CannedACL = "bucket-owner-full-control"
	ACLDefault                CannedACL = "default" // COS: inherit the bucket's ACL
)

// Values returns every canned ACL polystore names, for any dialect.
func (CannedACL) Values() []CannedACL {
	return []CannedACL{ACLPrivate, ACLPublicRead, ACLPublicReadWrite, ACLAuthenticatedRead,
		ACLBucketOwnerRead, ACLBucketOwnerFullControl, ACLDefault}
}

// Permission is what an ACL grant allows.
type Permission string

// Permissions.
const (
	PermissionRead        Permission = "READ"
	PermissionWrite       Permission = "WRITE"
	PermissionReadACP     Permission = "READ_ACP"
	PermissionWriteACP    Permission = "WRITE_ACP"
	PermissionFullControl Permission = "FULL_CONTROL"
)

// Values returns every permission.
func (Permission) Values() []Permission {
	return []Permission{PermissionRead, PermissionWrite, PermissionReadACP, PermissionWriteACP, PermissionFullControl}
}

// GranteeType says how a grantee is identified.
type GranteeType string

// Grantee types.
const (
	GranteeCanonicalUser GranteeType = "CanonicalUser" // by ID
	GranteeGroup         GranteeType = "Group"         // by URI
	GranteeEmail         GranteeType = "AmazonCustomerByEmail"
)

// Grantee is who a grant applies to.
type Grantee struct {
	Type         GranteeType
	ID           string // CanonicalUser (COS: "qcs::cam::uin/100000000001:uin/100000000001")
	DisplayName  string
	URI          string // Group, such as the dialect's ObjectWire.AllUsersURI
	EmailAddress string
}

// Grant gives Permission to Grantee.
type Grant struct {
	Grantee    Grantee
	Permission Permission
}

// SSECustomer is a server-side-encryption key the caller provides (SSE-C).
// The service encrypts with it and keeps only its MD5; the same key must be
// sent to read the object back. Servers refuse SSE-C over plain HTTP.
type SSECustomer struct {
	// Key is the 256-bit key.
	Key []byte
	// Algorithm defaults to "AES256".
	Algorithm string
}

// checkSSE validates an SSE-C key.
func (k *SSECustomer) check(field string) error {
	if k == nil {
		return nil
	}
	if len(k.Key) != 32 {
		return InvalidArgument(field, "key must be 32 bytes (AES-256), got %d", len(k.Key))
	}
	return nil
}

// objectOptions are the settings shared by requests that write an
// object (see protocol.ObjectOptions; opkit.ObjectOptions is the same
// type): this is the only code that knows their header names.
type objectOptions = protocol.ObjectOptions[StorageClass, CannedACL, Grant, SSECustomer, Retention]

// checkObjectOptions validates o for the dialect: content headers that
// net/http could send (no control characters), metadata names, values and
// total size, storage class, ACL and grants, SSE-C key. Errors name the
// input field ("ContentType", "Metadata[color]", ...).
func (d *Dialect) checkObjectOptions(o *objectOptions) error {
	for _, f := range [...]struct{ field, v string }{
		{"ContentType", o.ContentType}, {"ContentEncoding", o.ContentEncoding},
		{"ContentDisposition", o.ContentDisposition}, {"ContentLanguage", o.ContentLanguage},
		{"CacheControl", o.CacheControl}, {"Expires", o.Expires},
	} {
		if err := checkHeaderValue(f.field, f.v); err != nil {
			return err
		}
	}
	if err := d.checkMetadata(o.Metadata); err != nil {
		return err
	}
	if err := d.checkStorageClass(o.StorageClass); err != nil {
		return err
	}
	if err := d.checkACL(o.ACL, o.Grants); err != nil {
		return err
	}
	if o.SSE != nil && d.Object.SSECustomerPrefix == "" {
		return NotSupported(d, "SSE", "customer-provided encryption keys")
	}
	if err := d.checkRetention("Retention", o.Retention); err != nil {
		return err
	}
	return o.SSE.check("SSE")
}

// setObjectOptions writes o into request headers h.
func (d *Dialect) setObjectOptions(h http.Header, o *objectOptions) {
	setHeader(h, "Content-Type", o.ContentType)
	setHeader(h, "Content-Encoding", o.ContentEncoding)
	setHeader(h, "Content-Disposition", o.ContentDisposition)
	setHeader(h, "Content-Language", o.ContentLanguage)
	setHeader(h, "Cache-Control", o.CacheControl)
	setHeader(h, "Expires", o.Expires)
	for k, v := range o.Metadata {
		h.Set(d.MetaPrefix+strings.ToLower(k), v)
	}
	if o.StorageClass != "" {
		h.Set(d.Object.StorageClassHeader, string(o.StorageClass))
	}
	d.setACL(h, o.ACL, o.Grants)
	d.setSSECustomer(h, o.SSE, false)
	d.setRetention(h, o.Retention)
}

// checkMetadata enforces header-safe names and values and the dialect's
// total size limit (Limits.MaxMetadataSize, names plus values). An error
// about one entry names it: "Metadata[color]".
func (d *Dialect) checkMetadata(m map[string]string) error {
	total := 0
	for k, v := range m {
		if k == "" {
			return InvalidArgument("Metadata", "has an empty name")
		}
		if i := httpheader.BadNameByte(k); i >= 0 {
			return InvalidArgument(metadataField(k), "the name has %q, which a header name cannot hold (a name is letters, digits and !#$%%&'*+-.^_`|~)", k[i])
		}
		if err := checkHeaderValue(metadataField(k), v); err != nil {
			return err
		}
		total += len(k) + len(v)
	}
	if max := d.Limits.MaxMetadataSize; max > 0 && total > max {
		return InvalidArgument("Metadata", "is %d bytes; the %s limit is %d", total, d.Name, max)
	}
	return nil
}

// checkStorageClass accepts "" and the dialect's storage classes.
func (d *Dialect) checkStorageClass(sc StorageClass) error {
	if sc == "" {
		return nil
	}
	for _, ok := range d.Object.StorageClasses {
		if sc == ok {
			return nil
		}
	}
	if len(d.Object.StorageClasses) == 0 {
		return NotSupported(d, "StorageClass", "setting a storage class")
	}
	return InvalidArgument("StorageClass", "%q is not one of the %s storage classes %v", sc, d.Name, d.Object.StorageClasses)
}

// checkACL accepts an empty ACL and no grants, or the dialect's canned
// ACLs and grant permissions. A dialect without object ACLs refuses any.
func (d *Dialect) checkACL(acl CannedACL, grants []Grant) error {
	if acl == "" && len(grants) == 0 {
		return nil
	}
	if len(d.Object.CannedACLs) == 0 {
		field := "ACL"
		if acl == "" {
			field = "Grants"
		}
		return NotSupported(d, field, "object ACLs")
	}
	if acl != "" {
		found := false
		for _, ok := range d.Object.CannedACLs {
			found = found || acl == ok
		}
		if !found {
			return InvalidArgument("ACL", "%q is not one of the %s canned ACLs %v", acl, d.Name, d.Object.CannedACLs)
		}
	}
	if len(grants) > 0 && len(d.Object.GrantPermissions) == 0 {
		return NotSupported(d, "Grants", "object ACL grants")
	}
	for i, g := range grants {
		found := false
		for _, ok := range d.Object.GrantPermissions {
			found = found || g.Permission == ok
		}
		if !found {
			return InvalidArgument(fmt.Sprintf("Grants[%d].Permission", i), "%q is not one of the %s grant permissions %v", g.Permission, d.Name, d.Object.GrantPermissions)
		}
		if _, err := granteeHeaderValue(g.Grantee); err != nil {
			return InvalidArgument(fmt.Sprintf("Grants[%d].Grantee", i), "%v", err)
		}
	}
	return nil
}

// granteeHeaderValue renders a grantee for a grant header: id="...",
// uri="..." or emailAddress="...".
func granteeHeaderValue(g Grantee) (string, error) {
	var name, v string
	switch {
	case g.ID != "":
		name, v = "id", g.ID
	case g.URI != "":
		name, v = "uri", g.URI
	case g.EmailAddress != "":
		name, v = "emailAddress", g.EmailAddress
	default:
		return "", errors.New("needs an ID, URI or EmailAddress")
	}
	if strings.Contains(v, `"`) || httpheader.BadValueByte(v) >= 0 {
		return "", fmt.Errorf("%s %q has a quote or a control character", name, v)
	}
	return name + `="` + v + `"`, nil
}

// setACL writes a canned ACL and grant headers.
func (d *Dialect) setACL(h http.Header, acl CannedACL, grants []Grant) {
	if acl != "" {
		h.Set(d.Object.ACLHeader, string(acl))
	}
	by := map[Permission][]string{}
	var order []Permission
	for _, g := range grants {
		v, err := granteeHeaderValue(g.Grantee)
		if err != nil {
			continue // refused by CheckACL
		}
		if _, seen := by[g.Permission]; !seen {
			order = append(order, g.Permission)
		}
		by[g.Permission] = append(by[g.Permission], v)
	}
	for _, p := range order {
		name := d.Object.GrantHeaderPrefix + strings.ReplaceAll(strings.ToLower(string(p)), "_", "-")
		h.Set(name, strings.Join(by[p], ", "))
	}
}

// setSSECustomer writes the SSE-C headers for k (nil writes none). With
// copySource set it writes the copy-source variants.
func (d *Dialect) setSSECustomer(h http.Header, k *SSECustomer, copySource bool) {
	if k == nil {
		return
	}
	prefix := d.Object.SSECustomerPrefix
	if copySource {
		prefix = d.Object.CopySourceSSECustomerPrefix
	}
	alg := k.Algorithm
	if alg == "" {
		alg = "AES256"
	}
	sum := md5.Sum(k.Key)
	h.Set(prefix+"algorithm", alg)
	h.Set(prefix+"key", base64.StdEncoding.EncodeToString(k.Key))
	h.Set(prefix+"key-MD5", base64.StdEncoding.EncodeToString(sum[:]))
}

// checkCopySourceSSE validates the SSE-C key of a copy source.
func (d *Dialect) checkCopySourceSSE(field string, k *SSECustomer) error {
	if k != nil && d.Object.CopySourceSSECustomerPrefix == "" {
		return NotSupported(d, field, "copying from an SSE-C encrypted source")
	}
	return k.check(field)
}

// copySourceValue renders the copy-source header value for bucket, key and
// (optionally) versionID in region, from ObjectWire.CopySource.
func (d *Dialect) copySourceValue(region, bucket, key, versionID string) string {
	host := ""
	if u, err := url.Parse(expand(d.Endpoint, bucket, region)); err == nil {
		host = u.Host
	}
	v := strings.NewReplacer("{host}", host, "{bucket}", bucket, "{key}", protocol.EscapePath(key)).Replace(d.Object.CopySource)
	if versionID != "" {
		v += "?" + d.Params.VersionID + "=" + url.QueryEscape(versionID)
	}
	return v
}

// checkPartNumber checks n against the dialect's part numbering:
// FirstPartNumber (0 for QingStor, 1 elsewhere) up to MaxParts numbers.
func (d *Dialect) checkPartNumber(field string, n int) error {
	first, max := d.Limits.FirstPartNumber, d.Limits.MaxParts
	if n < first || (max > 0 && n > first+max-1) {
		return InvalidArgument(field, "%d is outside the %s part numbers %d to %d", n, d.Name, first, first+max-1)
	}
	return nil
}

// decodeResult decodes a successful answer's body into v in the dialect's
// codec, reading at most 64 MiB. Some operations (CompleteMultipartUpload,
// CopyObject and UploadPartCopy on S3 and COS) answer 200 and report a
// failure in the body; decodeResult returns such a body as a
// *ResponseError for op, with the answer's status, that matches its
// code's kind. An empty body (whitespace only) leaves v untouched.
func decodeResult(d *Dialect, op string, resp *http.Response, v any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return err
	}
	b = bytes.TrimSpace(b) // COS and S3 send spaces while they work
	if len(b) == 0 {
		return nil
	}
	if isErrorDocument(d, b) {
		e := &ResponseError{Dialect: d.Name, Op: op, StatusCode: resp.StatusCode}
		e.Code, e.Message, e.RequestID, e.HostID, e.Resource = parseErrorBody(d, b)
		if e.RequestID == "" {
			e.RequestID = d.requestID(resp.Header)
		}
		e.kind = errorKind(d, e.Code, 0)
		return e
	}
	if v == nil {
		return nil
	}
	if d.Codec == JSON {
		return json.Unmarshal(b, v)
	}
	return xml.Unmarshal(b, v)
}

// isErrorDocument reports whether b is an error body: an XML document whose
// root is <Error>, or a JSON object with a non-empty "code".
func isErrorDocument(d *Dialect, b []byte) bool {
	if d.Codec == JSON {
		var e struct {
			Code string `json:"code"`
		}
		return json.Unmarshal(b, &e) == nil && e.Code != ""
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "Error"
		}
	}
}

func setHeader(h http.Header, k, v string) {
	if v != "" {
		h.Set(k, v)
	}
}

var s3StorageClasses = []StorageClass{
	StorageClassStandard, StorageClassReducedRedundancy, StorageClassStandardIA, StorageClassOneZoneIA,
	StorageClassIntelligentTiering, StorageClassGlacier, StorageClassGlacierIR, StorageClassDeepArchive,
}

var (
	s3ObjectWire = ObjectWire{
		CopySource:                  "/{bucket}/{key}",
		CopySourceHeader:            "x-amz-copy-source",
		CopySourceConditionPrefix:   "x-amz-copy-source-",
		CopyRangeHeader:             "x-amz-copy-source-range",
		MetadataDirectiveHeader:     "x-amz-metadata-directive",
		MetadataDirectiveCopy:       "COPY",
		MetadataDirectiveReplace:    "REPLACE",
		SSECustomerPrefix:           "x-amz-server-side-encryption-customer-",
		CopySourceSSECustomerPrefix: "x-amz-copy-source-server-side-encryption-customer-",
		StorageClassHeader:          "x-amz-storage-class",
		StorageClasses:              s3StorageClasses,
		ACLHeader:                   "x-amz-acl",
		GrantHeaderPrefix:           "x-amz-grant-",
		CannedACLs: []CannedACL{ACLPrivate, ACLPublicRead, ACLPublicReadWrite, ACLAuthenticatedRead,
			ACLBucketOwnerRead, ACLBucketOwnerFullControl},
		GrantPermissions:      []Permission{PermissionRead, PermissionReadACP, PermissionWriteACP, PermissionFullControl},
		AllUsersURI:           "http://acs.amazonaws.com/groups/global/AllUsers",
		ListPartsMaxParam:     "max-parts",
		ListPartsMarkerParam:  "part-number-marker",
		MaxListParts:          1000,
		Bodies:                S3Bodies,
		MultipartETag:         true,
		ACLDocuments:          true,
		CopyPartETag:          true,
		CompletePartETags:     true,
		CompletePartChecksums: true,
		ResultDocuments:       true,
		PostForm: PostFormWire{
			Policy:             PostPolicyConditions,
			Expires:            true,
			StartsWith:         true,
			ContentLengthRange: true,
			KeyField:           "key",
			FileField:          "file",
			ContentTypeField:   "Content-Type",
			ACLField:           "acl",
			StatusField:        "success_action_status",
			Statuses:           []int{200, 201, 204},
			DefaultStatus:      204,
			CreatedBody:        true,
			AllFieldsInPolicy:  true,
		},
		EncryptionHeader:   "x-amz-server-side-encryption",
		MD5ETagEncryptions: []string{"AES256"},
	}
	ibmObjectWire = func() ObjectWire {
		w := s3ObjectWire
		w.Retention = ibmRetentionWire
		// IBM documents object ACLs as x-amz-acl: public-read (on PUT
		// and PUT ?acl) and private again, and says "ACLs (other than
		// public-read) are unsupported" (public-access.md,
		// credentials.md): no grants, no other canned ACL.
		w.CannedACLs = []CannedACL{ACLPrivate, ACLPublicRead}
		w.GrantPermissions = nil
		return w
	}()
	cosObjectWire = ObjectWire{
		CopySource:                  "{host}/{key}",
		CopySourceHeader:            "x-cos-copy-source",
		CopySourceConditionPrefix:   "x-cos-copy-source-",
		CopyRangeHeader:             "x-cos-copy-source-range",
		MetadataDirectiveHeader:     "x-cos-metadata-directive",
		MetadataDirectiveCopy:       "Copy",
		MetadataDirectiveReplace:    "Replaced",
		SSECustomerPrefix:           "x-cos-server-side-encryption-customer-",
		CopySourceSSECustomerPrefix: "x-cos-copy-source-server-side-encryption-customer-",
		StorageClassHeader:          "x-cos-storage-class",
		StorageClasses: []StorageClass{StorageClassStandard, StorageClassStandardIA, StorageClassIntelligentTiering,
			StorageClassArchive, StorageClassDeepArchive, StorageClassMAZStandard, StorageClassMAZStandardIA},
		ACLHeader:                "x-cos-acl",
		GrantHeaderPrefix:        "x-cos-grant-",
		CannedACLs:               []CannedACL{ACLDefault, ACLPrivate, ACLPublicRead, ACLPublicReadWrite},
		GrantPermissions:         []Permission{PermissionRead, PermissionReadACP, PermissionWriteACP, PermissionFullControl},
		AllUsersURI:              "http://cam.qcloud.com/groups/global/AllUsers",
		NextAppendPositionHeader: "x-cos-next-append-position",
		ObjectTypeHeader:         "x-cos-object-type",
		AppendPositionCodes:      []string{"PositionNotEqualToLength"},
		NotAppendableCodes:       []string{"ObjectNotAppendable"},
		CRC64Header:              "x-cos-hash-crc64ecma",
		ListPartsMaxParam:        "max-parts",
		ListPartsMarkerParam:     "part-number-marker",
		MaxListParts:             1000,
		Bodies:                   S3Bodies,
		ACLDocuments:             true,
		CopyPartETag:             true,
		CompletePartETags:        true,
		CompletePartChecksums:    true,
		ResultDocuments:          true,
		PostForm: PostFormWire{
			Policy:             PostPolicyConditions,
			Expires:            true,
			StartsWith:         true,
			ContentLengthRange: true,
			KeyField:           "key",
			FileField:          "file",
			ContentTypeField:   "Content-Type",
			ACLField:           "acl",
			StatusField:        "success_action_status",
			Statuses:           []int{200, 201, 204},
			DefaultStatus:      204,
		},
		EncryptionHeader:   "x-cos-server-side-encryption",
		MD5ETagEncryptions: []string{"AES256"},
	}
	qingstorObjectWire = ObjectWire{
		CopySource:                   "/{bucket}/{key}",
		CopySourceHeader:             "x-qs-copy-source",
		CopySourceConditionPrefix:    "x-qs-copy-source-",
		CopyRangeHeader:              "x-qs-copy-range",
		MetadataDirectiveHeader:      "x-qs-metadata-directive",
		MetadataDirectiveCopy:        "COPY",
		MetadataDirectiveReplace:     "REPLACE",
		SSECustomerPrefix:            "x-qs-encryption-customer-",
		CopySourceSSECustomerPrefix:  "x-qs-copy-source-encryption-customer-",
		StorageClassHeader:           "x-qs-storage-class",
		StorageClasses:               []StorageClass{StorageClassStandard, StorageClassStandardIA},
		NextAppendPositionHeader:     "x-qs-next-append-position",
		ObjectTypeHeader:             "x-qs-object-type",
		AppendPositionCodes:          []string{"invalid_append_position", "invalid_argument"},
		NotAppendableCodes:           []string{"object_not_appendable", "invalid_object_state"},
		MoveSourceHeader:             "x-qs-move-source",
		MoveSourceConditionPrefix:    "x-qs-move-source-",
		FetchSourceHeader:            "x-qs-fetch-source",
		FetchIfUnmodifiedSinceHeader: "x-qs-fetch-if-unmodified-since",
		ListPartsMaxParam:            "limit",
		ListPartsMarkerParam:         "part_number_marker",
		MaxListParts:                 1000,
		ListPartsUntruncated:         true,
		Bodies:                       QingStorBodies,
		PostForm: PostFormWire{
			Policy:               PostPolicyFields,
			KeyField:             "key",
			FileField:            "file",
			ContentTypeField:     "content-type",
			FileContentTypeMatch: true,
			DefaultStatus:        201,
			NoLeadingSlash:       true,
		},
		CompleteETagHeader: "ETag",
	}
)
