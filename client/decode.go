package client

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
)

// maxResponseBody caps how much of a successful XML/JSON response a
// decoder reads.
const maxResponseBody = 64 << 20

// xmlError is the S3 / COS / IBM error body.
type xmlError struct {
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
	Resource  string `xml:"Resource"`
	TraceID   string `xml:"TraceId"`
}

// jsonError is the QingStor error body.
type jsonError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	URL       string `json:"url"`
}

// parseErrorBody extracts the error fields from a body in the dialect's codec.
func parseErrorBody(d *Dialect, b []byte) (code, msg, reqID, hostID, resource string) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return
	}
	switch d.Codec {
	case JSON:
		var e jsonError
		if json.Unmarshal(b, &e) == nil {
			return e.Code, e.Message, e.RequestID, "", e.URL
		}
	default:
		var e xmlError
		if xml.Unmarshal(b, &e) == nil {
			host := e.HostID
			if host == "" {
				host = e.TraceID
			}
			return e.Code, e.Message, e.RequestID, host, e.Resource
		}
	}
	return
}

// decodeError turns a failed response into a *ResponseError. Bodiless
// errors (HEAD, or an empty body) fall back to the status and the request
// id header. The body is read with a size cap.
func decodeError(d *Dialect, op string, resp *http.Response) *ResponseError {
	var b []byte
	if resp.Body != nil {
		b, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	}
	e := &ResponseError{Dialect: d.Name, Op: op, StatusCode: resp.StatusCode}
	e.Code, e.Message, e.RequestID, e.HostID, e.Resource = parseErrorBody(d, b)
	if e.RequestID == "" {
		e.RequestID = d.requestID(resp.Header)
	}
	if e.HostID == "" && d.HostIDHeader != "" {
		e.HostID = resp.Header.Get(d.HostIDHeader)
	}
	if e.Message == "" && e.Code == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.kind = errorKind(d, e.Code, resp.StatusCode)
	return e
}

// errorKind maps a code (or, failing that, a status) to a kind sentinel.
func errorKind(d *Dialect, code string, status int) error {
	if d.ThrottleCodes[code] {
		return ErrThrottled
	}
	if k, ok := d.ErrorKinds[code]; ok {
		return k
	}
	if k, ok := statusKinds[status]; ok {
		return k
	}
	if status == http.StatusServiceUnavailable {
		return ErrThrottled
	}
	return nil
}

// decodeBody decodes a successful response body in the dialect's codec
// (XML or JSON) into v, reading at most 64 MiB.
func decodeBody(d *Dialect, resp *http.Response, v any) error {
	r := io.LimitReader(resp.Body, maxResponseBody)
	if d.Codec == JSON {
		return json.NewDecoder(r).Decode(v)
	}
	return xml.NewDecoder(r).Decode(v)
}
