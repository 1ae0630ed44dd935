package storagetest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// flavor is the family of wire conventions a dialect follows. It is read
// from the dialect's data, never from its name, so a copy of client.S3
// named "ceph" gets S3's wire and a copy of client.IBM for another region
// gets IBM's.
type flavor int

const (
	flavorS3 flavor = iota
	flavorIBM
	flavorCOS
	flavorQingStor
)

func flavorOf(d client.Dialect) flavor {
	switch {
	case d.Codec == client.JSON:
		// QingStor's native API is the one JSON dialect.
		return flavorQingStor
	case strings.EqualFold(d.HeaderPrefix, "x-cos-"):
		return flavorCOS
	case d.ServiceInstanceHeader != "":
		// IBM's resource-instance header (bucket creation and listing
		// under an IAM service instance) is IBM's alone.
		return flavorIBM
	}
	return flavorS3
}

// s3Namespace is the XML namespace of S3 (and IBM) response bodies.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// qingstorErrorDocs is the "url" of QingStor error bodies.
const qingstorErrorDocs = "https://docs.qingcloud.com/qingstor/api/common/error_code.html"

// wire is the per-dialect layer that turns operation results and error
// kinds into bytes, headers and statuses. Operations are written once
// against it.
type wire struct {
	d          client.Dialect
	fl         flavor
	prefix     string // vendor header prefix, lower case: "x-amz-"
	metaPrefix string // user metadata prefix, lower case: "x-amz-meta-"
	// lowerPrefixes are the prefixes of response headers sent in lower
	// case: lowerCasePrefixes, prefix and metaPrefix.
	lowerPrefixes []string
}

func newWire(d client.Dialect) *wire {
	w := &wire{
		d:          d,
		fl:         flavorOf(d),
		prefix:     strings.ToLower(d.HeaderPrefix),
		metaPrefix: strings.ToLower(d.MetaPrefix),
	}
	if w.prefix == "" {
		w.prefix = "x-amz-"
	}
	if w.metaPrefix == "" {
		w.metaPrefix = w.prefix + "meta-"
	}
	w.lowerPrefixes = append(slices.Clone(lowerCasePrefixes), w.prefix, w.metaPrefix)
	return w
}

// encoder is an operation result that knows its body in both codecs.
// xmlForm and jsonForm return values for encoding/xml and encoding/json.
type encoder interface {
	xmlForm(w *wire) any
	jsonForm(w *wire) any
}

// vendorHeader returns the dialect's spelling of a vendor header, such as
// "x-amz-storage-class" for "storage-class".
func (w *wire) vendorHeader(name string) string { return w.prefix + name }

// xmlns is the namespace of XML result bodies ("" for COS).
func (w *wire) xmlns() string {
	if w.fl == flavorCOS {
		return ""
	}
	return s3Namespace
}

// setRequestIDs sets the dialect's request-id headers (and host id, if
// the dialect has one) and the Server header.
func (w *wire) setRequestIDs(h http.Header, id string) {
	names := w.d.RequestIDHeaders
	if len(names) == 0 {
		names = []string{"x-amz-request-id"}
	}
	for _, name := range names {
		h.Set(name, id)
	}
	if w.d.HostIDHeader != "" {
		h.Set(w.d.HostIDHeader, hostID(id))
	}
	switch w.fl {
	case flavorCOS:
		h.Set("Server", "tencent-cos")
	case flavorQingStor:
		h.Set("Server", "QingStor")
	default:
		h.Set("Server", "AmazonS3")
	}
}

// respell renames the response headers h holds to the spelling the
// vendor's servers send, just before they go out: ETag, and vendor
// headers (x-amz-*, x-cos-*, x-qs-*, IBM's x-clv-* and ibm-*) in lower
// case, user metadata as stored (x-amz-meta-color). Handlers set headers
// with http.Header.Set, which writes Go's canonical form (Etag,
// X-Amz-Meta-Color); clients that read headers case-sensitively (the
// COS Python SDK's resp['ETag']) or keep the case of metadata keys
// (boto3) need the vendor's. Header names are case-insensitive in HTTP,
// so Go clients see no difference.
func (w *wire) respell(h http.Header) {
	var rename []string
	for k := range h {
		if spelled := w.spelling(k); spelled != k {
			rename = append(rename, k)
		}
	}
	for _, k := range rename {
		spelled := w.spelling(k)
		h[spelled] = append(h[spelled], h[k]...)
		delete(h, k)
	}
}

// lowerCasePrefixes are the header prefixes the services send in lower
// case.
var lowerCasePrefixes = []string{"x-amz-", "x-cos-", "x-qs-", "x-clv-", "ibm-"}

// spelling is the vendor's spelling of response header name k.
func (w *wire) spelling(k string) string {
	if strings.EqualFold(k, "ETag") {
		return "ETag"
	}
	lk := strings.ToLower(k)
	for _, p := range w.lowerPrefixes {
		if strings.HasPrefix(lk, p) {
			return lk
		}
	}
	return k
}

// hostID derives an opaque, base64 "extended request id" from a request id.
func hostID(id string) string {
	sum := sha256.Sum256([]byte("storagetest/" + id))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// errorFor returns error kind k in this dialect; detail, if not empty,
// replaces the standard message.
func (w *wire) errorFor(k errKind, detail string) *apiError {
	def, ok := errDefs[k]
	if !ok {
		def = errDefs[errInternal]
	}
	e := &apiError{Status: def.status, Code: def.code, Message: def.msg}
	switch w.fl {
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
	if detail != "" {
		e.Message = detail
	}
	return e
}

// xmlErrorBody is the S3, IBM and COS error body. COS sends TraceId where
// S3 sends HostId.
type xmlErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId,omitempty"`
	TraceID   string   `xml:"TraceId,omitempty"`
}

// jsonErrorBody is the QingStor error body.
type jsonErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	URL       string `json:"url"`
}

// writeError sends e in the dialect's format. HEAD requests and 304
// answers carry no body.
func (w *wire) writeError(c *call, e *apiError) {
	h := c.w.Header()
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	if c.r.Method == http.MethodHead || e.Status == http.StatusNotModified {
		c.w.WriteHeader(e.Status)
		return
	}
	w.writeErrorBody(c, e, e.Status)
}

// writeErrorIn200 sends e's body with status 200, as S3 does when an
// operation fails after it has started answering.
func (w *wire) writeErrorIn200(c *call, e *apiError) {
	w.writeErrorBody(c, e, http.StatusOK)
}

// writeErrorBody sends status and e's body in the dialect's format.
func (w *wire) writeErrorBody(c *call, e *apiError, status int) {
	h := c.w.Header()
	var body []byte
	var err error
	if w.d.Codec == client.JSON {
		body, err = json.Marshal(jsonErrorBody{
			Code: e.Code, Message: e.Message, RequestID: c.reqID,
			URL: qingstorErrorDocs + "#" + e.Code,
		})
		h.Set("Content-Type", "application/json")
	} else {
		x := xmlErrorBody{Code: e.Code, Message: e.Message, Resource: c.r.URL.EscapedPath(), RequestID: c.reqID}
		if w.fl == flavorCOS {
			x.Resource = c.r.Host + x.Resource
			x.TraceID = hostID(c.reqID)
		} else {
			x.HostID = hostID(c.reqID)
		}
		body, err = xml.Marshal(x)
		body = append([]byte(xml.Header), body...)
		h.Set("Content-Type", "application/xml")
	}
	if err != nil { // cannot happen with these plain structs
		c.w.WriteHeader(status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// writeResult sends status and v encoded in the dialect's codec.
func (w *wire) writeResult(c *call, status int, v encoder) {
	var body []byte
	var err error
	h := c.w.Header()
	if w.d.Codec == client.JSON {
		body, err = json.Marshal(v.jsonForm(w))
		h.Set("Content-Type", "application/json")
	} else {
		body, err = xml.Marshal(v.xmlForm(w))
		body = append([]byte(xml.Header), body...)
		h.Set("Content-Type", "application/xml")
	}
	if err != nil {
		h.Del("Content-Type")
		c.writeError(c.fail(errInternal, "encoding the response: "+err.Error()))
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(body)
	}
}

// isoTime formats t as S3 does in XML bodies: 2006-01-02T15:04:05.000Z.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// isoSeconds formats t without fractions, as QingStor does.
func isoSeconds(t time.Time) string { return t.UTC().Format(time.RFC3339) }
