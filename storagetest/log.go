package storagetest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Request is one entry of a Server's request log. IAM token requests are
// not logged; TokenRequests counts them.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Host is the request's Host, port included ("127.0.0.1:PORT",
	// "bucket.localhost:PORT", ...).
	Host string
	// Bucket and Key are decoded from the request path; both are empty
	// for service requests, and Key is empty for bucket requests.
	Bucket, Key string
	// Op is the operation the request was routed to, named as AWS names
	// it where S3 has the operation: "PutObject", "CopyObject",
	// "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
	// "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts",
	// "ListMultipartUploads", "DeleteObjects", "PutBucketVersioning",
	// "ListObjectVersions", "GetObjectAcl", "PutBucketCors",
	// "OptionsObject", "GetBucketPolicy", "GetBucketLocation", ... and
	// for the others "AppendObject", "MoveObject", "FetchObject",
	// "ListLocations" and "GetBucketStatistics". A request answered by an
	// injected fault carries the operation it stood in for. Op is empty
	// if the request was refused before routing (a bad signature, an
	// unknown subresource).
	Op string
	// Query holds the query parameters, with signature values redacted.
	Query url.Values
	// Header holds the request headers. The Authorization value is cut to
	// its scheme ("AWS4-HMAC-SHA256", "QS", "Bearer", "q-sign-algorithm=sha1"),
	// and security-token headers are redacted.
	Header http.Header
	// BodySize is how many body bytes the server received.
	BodySize int64
	// BodyMD5 is the hex MD5 of the body bytes the server received (as
	// sent: for aws-chunked uploads, including the chunk framing).
	BodyMD5 string
	// Status is the HTTP status of the answer; 0 if none was sent (the
	// connection was reset by a fault, or the client went away).
	Status int
	// Code is the error code of an error answer, such as "NoSuchKey" or
	// "bucket_not_exists"; empty for successful answers.
	Code string
	// SignedAt is the signing time the request claims (X-Amz-Date, Date,
	// X-QS-Date or the start of q-sign-time). It is zero for unsigned
	// requests and schemes without one (bearer tokens, v2 and QingStor
	// presigned URLs).
	SignedAt time.Time
	// Scheme is how the request was authenticated: "v4", "v2", "cos",
	// "qingstor", "bearer" or "anonymous" ("unknown" for an Authorization
	// header the server does not recognise).
	Scheme string
}

// requestLog is the server's request log, in arrival order. Entries are
// created when a request arrives and completed before its answer is sent.
type requestLog struct {
	mu      sync.Mutex
	entries []*Request
}

func (l *requestLog) add(r Request) *Request {
	e := &r
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
	return e
}

// update edits e under the log's lock. e may have been dropped by ResetLog;
// editing it is then harmless.
func (l *requestLog) update(e *Request, fn func(*Request)) {
	l.mu.Lock()
	fn(e)
	l.mu.Unlock()
}

func (l *requestLog) snapshot(e *Request) Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return copyRequest(e)
}

func copyRequest(e *Request) Request {
	r := *e
	r.Query = cloneValues(e.Query)
	r.Header = e.Header.Clone()
	return r
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Requests returns a copy of the request log, in arrival order. Requests
// still in progress appear with Status 0.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	out := make([]Request, len(s.log.entries))
	for i, e := range s.log.entries {
		out[i] = copyRequest(e)
	}
	return out
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.log.mu.Lock()
	s.log.entries = nil
	s.log.mu.Unlock()
}

// redactHeader copies h, cutting Authorization to its scheme and hiding
// security tokens.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	if v := out.Get("Authorization"); v != "" {
		out.Set("Authorization", authScheme(v))
	}
	for _, name := range []string{"X-Amz-Security-Token", "X-Cos-Security-Token", "X-Qs-Security-Token"} {
		if out.Get(name) != "" {
			out.Set(name, "REDACTED")
		}
	}
	return out
}

// authScheme returns the scheme part of an Authorization value.
func authScheme(v string) string {
	if strings.HasPrefix(v, "q-sign-algorithm=") {
		scheme, _, _ := strings.Cut(v, "&")
		return scheme
	}
	scheme, _, _ := strings.Cut(v, " ")
	return scheme
}

// signatureParams are query parameters that hold signatures or tokens.
var signatureParams = []string{
	"X-Amz-Signature", "X-Amz-Security-Token", "Signature", "signature",
	"q-signature", "sign", "x-cos-security-token",
}

func redactQuery(q url.Values) url.Values {
	out := cloneValues(q)
	for _, k := range signatureParams {
		if _, ok := out[k]; ok {
			out[k] = []string{"REDACTED"}
		}
	}
	return out
}
