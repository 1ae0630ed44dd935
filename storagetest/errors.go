package storagetest

import (
	"net/http"
	"strings"
)

// apiError is an error answer, already in the server's dialect: the status
// and code the client sees.
type apiError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter string // Retry-After header, if any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errKind names an error independently of the dialect. Operations return
// kinds; the wire layer turns them into each dialect's status and code.
type errKind int

// Error kinds.
const (
	errInternal errKind = iota
	errAccessDenied
	errSignatureMismatch
	errInvalidAccessKey
	errRequestExpired
	errTimeSkewed
	errAuthMalformed
	errAuthUnsupported
	errInvalidToken
	errExpiredToken
	errMissingInstanceID
	errNoSuchBucket
	errNoSuchKey
	errBucketExists
	errBucketNotEmpty
	errBadDigest
	errInvalidDigest
	errSHA256Mismatch
	errIncompleteBody
	errInvalidArgument
	errInvalidBucketName
	errKeyTooLong
	errInvalidRange
	errPreconditionFailed
	errNotModified
	errMethodNotAllowed
	errNotImplemented
	errInvalidURI
	errNoSuchUpload
	errNoSuchVersion
	errInvalidPart
	errInvalidPartOrder
	errEntityTooSmall
	errMalformedXML
	errInvalidRequest
	errMissingContentMD5
	errMissingContentLength
	errTooManyKeys
	errMaxMessageLength
	errPositionNotEqual
	errNotAppendable
	errNoSuchCORS
	errNoSuchPolicy
	errMalformedPolicy
	errCORSForbidden
	errPreflightIncomplete
	errMetadataTooLarge
	errSSEMissing
	errSSEWrongKey
	errSSENotApplicable
	errSSEAlgorithm
	errSSEBadKey
	errSSEKeyMD5
	errInvalidCopySource
	errCopyToItself
	errIllegalVersioning
	errMalformedACL
	errDeleteMarker
	errInvalidBucketState
)

// errDef is an error kind's wire form: S3 (and IBM), with COS and QingStor
// differences.
type errDef struct {
	status   int
	code     string // S3, IBM and, unless cos is set, COS
	msg      string
	cos      string // COS code, when it differs from S3
	qsStatus int    // QingStor status, when it differs from status
	qs       string // QingStor code
}

var errDefs = map[errKind]errDef{
	errInternal:          {status: 500, code: "InternalError", msg: "We encountered an internal error. Please try again.", qs: "internal_server_error"},
	errAccessDenied:      {status: 403, code: "AccessDenied", msg: "Access Denied", qs: "permission_denied"},
	errSignatureMismatch: {status: 403, code: "SignatureDoesNotMatch", msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", qsStatus: 401, qs: "signature_not_matched"},
	errInvalidAccessKey:  {status: 403, code: "InvalidAccessKeyId", msg: "The access key Id you provided does not exist in our records.", qsStatus: 401, qs: "invalid_access_key_id"},
	errRequestExpired:    {status: 403, code: "AccessDenied", msg: "Request has expired", qs: "request_expired"},
	errTimeSkewed:        {status: 403, code: "RequestTimeTooSkewed", msg: "The difference between the request time and the current time is too large.", qs: "request_expired"},
	errAuthMalformed:     {status: 400, code: "AuthorizationHeaderMalformed", msg: "The authorization header or query parameters are malformed.", qs: "invalid_request"},
	errAuthUnsupported:   {status: 400, code: "InvalidArgument", msg: "Unsupported Authorization Type", qs: "invalid_request"},
	errInvalidToken:      {status: 403, code: "AccessDenied", msg: "The bearer token is not valid.", qs: "permission_denied"},
	errExpiredToken:      {status: 403, code: "AccessDenied", msg: "The bearer token has expired.", qs: "permission_denied"},
	errMissingInstanceID: {status: 400, code: "InvalidArgument", msg: "Missing required header: ibm-service-instance-id.", qs: "invalid_argument"},
	errNoSuchBucket:      {status: 404, code: "NoSuchBucket", msg: "The specified bucket does not exist.", qs: "bucket_not_exists"},
	errNoSuchKey:         {status: 404, code: "NoSuchKey", msg: "The specified key does not exist.", qs: "object_not_exists"},
	errBucketExists:      {status: 409, code: "BucketAlreadyOwnedByYou", msg: "Your previous request to create the named bucket succeeded and you already own it.", cos: "BucketAlreadyExists", qs: "bucket_already_exists"},
	errBucketNotEmpty:    {status: 409, code: "BucketNotEmpty", msg: "The bucket you tried to delete is not empty.", qs: "bucket_not_empty"},
	errBadDigest:         {status: 400, code: "BadDigest", msg: "The Content-MD5 you specified did not match what we received.", qs: "bad_digest"},
	errInvalidDigest:     {status: 400, code: "InvalidDigest", msg: "The Content-MD5 you specified is not valid.", qs: "bad_digest"},
	errSHA256Mismatch:    {status: 400, code: "XAmzContentSHA256Mismatch", msg: "The provided 'x-amz-content-sha256' header does not match what was computed.", qs: "bad_digest"},
	errIncompleteBody:    {status: 400, code: "IncompleteBody", msg: "You did not provide the number of bytes specified by the Content-Length HTTP header.", qs: "invalid_request"},
	errInvalidArgument:   {status: 400, code: "InvalidArgument", msg: "Invalid Argument", qs: "invalid_argument"},
	errInvalidBucketName: {status: 400, code: "InvalidBucketName", msg: "The specified bucket is not valid.", qs: "invalid_bucket_name"},
	errKeyTooLong:        {status: 400, code: "KeyTooLongError", msg: "Your key is too long.", qs: "invalid_object_name"},
	errInvalidRange:      {status: 416, code: "InvalidRange", msg: "The requested range is not satisfiable.", qs: "invalid_range"},
	errPreconditionFailed: {status: 412, code: "PreconditionFailed", msg: "At least one of the pre-conditions you specified did not hold.",
		qs: "precondition_failed"},
	errNotModified:      {status: 304, code: "NotModified", msg: "Not Modified", qs: "not_modified"},
	errMethodNotAllowed: {status: 405, code: "MethodNotAllowed", msg: "The specified method is not allowed against this resource.", qs: "method_not_allowed"},
	errNotImplemented:   {status: 501, code: "NotImplemented", msg: "A header or query parameter you provided implies functionality that is not implemented.", qs: "not_implemented"},
	errInvalidURI:       {status: 400, code: "InvalidURI", msg: "Couldn't parse the specified URI.", qs: "invalid_request"},

	// QingStor documents upload_not_exists with status 400.
	errNoSuchUpload: {status: 404, code: "NoSuchUpload", msg: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		qsStatus: 400, qs: "upload_not_exists"},
	errNoSuchVersion: {status: 404, code: "NoSuchVersion", msg: "The specified version does not exist.", qs: "object_not_exists"},
	errInvalidPart: {status: 400, code: "InvalidPart", msg: "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
		qs: "invalid_request"},
	errInvalidPartOrder:     {status: 400, code: "InvalidPartOrder", msg: "The list of parts was not in ascending order. Parts must be ordered by part number.", qs: "invalid_request"},
	errEntityTooSmall:       {status: 400, code: "EntityTooSmall", msg: "Your proposed upload is smaller than the minimum allowed object size.", qs: "entity_too_small"},
	errMalformedXML:         {status: 400, code: "MalformedXML", msg: "The XML you provided was not well-formed or did not validate against our published schema.", qs: "invalid_json"},
	errInvalidRequest:       {status: 400, code: "InvalidRequest", msg: "Invalid Request", qs: "invalid_request"},
	errMissingContentMD5:    {status: 400, code: "MissingContentMD5", msg: "Missing required header for this request: Content-MD5", qs: "invalid_request"},
	errMissingContentLength: {status: 411, code: "MissingContentLength", msg: "You must provide the Content-Length HTTP header.", qs: "invalid_request"},
	errTooManyKeys:          {status: 400, code: "MalformedXML", msg: "The request names more keys than one request may delete.", qs: "too_many_objects"},
	errMaxMessageLength:     {status: 400, code: "MaxMessageLengthExceeded", msg: "Your request was too big.", qs: "invalid_request"},
	// QingStor answers a wrong append position with 400 invalid_argument
	// (API reference, Append Object).
	errPositionNotEqual: {status: 409, code: "PositionNotEqualToLength", msg: "Position is not equal to the length of the object.", qsStatus: 400, qs: "invalid_argument"},
	errNotAppendable:    {status: 409, code: "ObjectNotAppendable", msg: "The operation is not valid for the current state of the object.", qsStatus: 400, qs: "invalid_object_state"},
	errNoSuchCORS:       {status: 404, code: "NoSuchCORSConfiguration", msg: "The CORS configuration does not exist.", qs: "object_not_exists"},
	errNoSuchPolicy:     {status: 404, code: "NoSuchBucketPolicy", msg: "The bucket policy does not exist.", qs: "object_not_exists"},
	errMalformedPolicy:  {status: 400, code: "MalformedPolicy", msg: "Policies must be valid JSON and the first byte must be '{'.", qs: "invalid_json"},
	errCORSForbidden: {status: 403, code: "AccessForbidden", msg: "CORSResponse: This CORS request is not allowed. The Origin, the request method or the request headers are not allowed by the bucket's CORS rules.",
		qs: "permission_denied"},
	errPreflightIncomplete: {status: 400, code: "BadRequest", msg: "Insufficient information. Origin and Access-Control-Request-Method request headers needed.", qs: "invalid_request"},
	errMetadataTooLarge:    {status: 400, code: "MetadataTooLarge", msg: "Your metadata headers exceed the maximum allowed metadata size.", qs: "metadata_too_large"},
	errSSEMissing: {status: 400, code: "InvalidRequest", msg: "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
		qs: "invalid_request"},
	errSSEWrongKey:       {status: 403, code: "AccessDenied", msg: "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.", qs: "permission_denied"},
	errSSENotApplicable:  {status: 400, code: "InvalidRequest", msg: "The encryption parameters are not applicable to this object.", qs: "invalid_request"},
	errSSEAlgorithm:      {status: 400, code: "InvalidEncryptionAlgorithmError", msg: "The encryption request you specified is not valid. The valid value is AES256.", qs: "invalid_argument"},
	errSSEBadKey:         {status: 400, code: "InvalidArgument", msg: "The secret key was invalid for the specified algorithm.", qs: "invalid_argument"},
	errSSEKeyMD5:         {status: 400, code: "InvalidArgument", msg: "The calculated MD5 hash of the key did not match the hash that was provided.", qs: "invalid_argument"},
	errInvalidCopySource: {status: 400, code: "InvalidArgument", msg: "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.", qs: "invalid_argument"},
	errCopyToItself: {status: 400, code: "InvalidRequest", msg: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
		qs: "invalid_request"},
	errIllegalVersioning: {status: 400, code: "IllegalVersioningConfigurationException", msg: "The versioning configuration specified in the request is invalid.", qs: "invalid_argument"},
	errMalformedACL:      {status: 400, code: "MalformedACLError", msg: "The XML you provided was not well-formed or did not validate against our published schema.", qs: "invalid_json"},
	errInvalidBucketState: {status: 409, code: "InvalidBucketState", msg: "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
		qs: "invalid_request"},
	errDeleteMarker: {status: 405, code: "MethodNotAllowed", msg: "The specified method is not allowed against this resource.", qs: "method_not_allowed"},
}

// defaultFaultCode is the code of an injected error whose Fault.Code is
// empty: the dialect's usual code for that status.
func defaultFaultCode(f flavor, status int) string {
	if f == flavorQingStor {
		switch status {
		case http.StatusTooManyRequests:
			return "too_many_requests"
		case http.StatusInternalServerError:
			return "internal_server_error"
		}
		return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	}
	switch status {
	case http.StatusServiceUnavailable:
		if f == flavorCOS {
			return "ServiceUnavailable"
		}
		return "SlowDown"
	case http.StatusInternalServerError:
		return "InternalError"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusConflict:
		return "OperationAborted"
	case http.StatusBadRequest:
		return "InvalidRequest"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}
