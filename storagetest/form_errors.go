package storagetest

// formErrKind is an error particular to browser form uploads. Errors that
// other operations share (signatures, NoSuchBucket, EntityTooSmall, ...)
// use the server's common kinds.
type formErrKind int

const (
	formNotMultipart formErrKind = iota
	formMalformed
	formFieldsTooLarge
	formNoFile
	formNoKey
	formBadKey
	formBadPolicy
	formPolicyExpired
	formConditionFailed
	formExtraField
	formTooLarge
	formContentTypeMismatch
	formRedirect
)

// formErrDefs are the wire forms of form errors: S3's codes and messages
// (which COS is taken to share), and QingStor's codes. A message is
// followed by the detail of the failure.
var formErrDefs = map[formErrKind]errDef{
	formNotMultipart:   {status: 412, code: "PreconditionFailed", msg: "Bucket POST must be of the enclosure-type multipart/form-data", qsStatus: 400, qs: "invalid_request"},
	formMalformed:      {status: 400, code: "MalformedPOSTRequest", msg: "The body of your POST request is not well-formed multipart/form-data.", qs: "invalid_request"},
	formFieldsTooLarge: {status: 400, code: "MaxPostPreDataLengthExceededError", msg: "Your POST request fields preceding the upload file were too large.", qs: "invalid_request"},
	formNoFile:         {status: 400, code: "IncorrectNumberOfFilesInPostRequest", msg: "POST requires exactly one file upload per request.", qs: "invalid_request"},
	formNoKey:          {status: 400, code: "InvalidArgument", msg: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", qs: "invalid_request"},
	formBadKey:         {status: 400, code: "InvalidArgument", msg: "The key is not valid: ", qs: "invalid_request"},
	formBadPolicy:      {status: 400, code: "InvalidPolicyDocument", msg: "Invalid Policy: ", qs: "invalid_request"},
	formPolicyExpired:  {status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy expired.", qs: "permission_denied"},
	formConditionFailed: {status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Policy Condition failed: ",
		qs: "permission_denied"},
	formExtraField:          {status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Extra input fields: ", qs: "permission_denied"},
	formTooLarge:            {status: 400, code: "EntityTooLarge", msg: "Your proposed upload exceeds the maximum allowed size", qs: "entity_too_large"},
	formContentTypeMismatch: {status: 400, code: "InvalidArgument", msg: "The file's Content-Type does not match the content-type field: ", qs: "invalid_request"},
	formRedirect:            {status: 501, code: "NotImplemented", msg: "storagetest does not implement redirects after form uploads: ", qs: "not_implemented"},
}

// formFail returns the form error k in the server's dialect, its message
// followed by detail.
func (c *call) formFail(k formErrKind, detail string) *apiError {
	def := formErrDefs[k]
	e := &apiError{Status: def.status, Code: def.code, Message: def.msg + detail}
	switch c.s.wire.fl {
	case flavorCOS:
		if def.cos != "" {
			e.Code = def.cos
		}
	case flavorQingStor:
		e.Code = def.qs
		if def.qsStatus != 0 {
			e.Status = def.qsStatus
		}
	}
	return e
}
