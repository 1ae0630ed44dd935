package storagetest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"testing"

	"github.com/polystore/polystore/client"
)

// env is a started server with a bucket, for operation tests.
type env struct {
	t      *testing.T
	srv    *Server
	d      client.Dialect
	bucket string
}

// newEnv starts a server for dc with a small minimum part size and
// creates dc's bucket.
func newEnv(t *testing.T, dc dialectCase, optFns ...func(*Options)) *env {
	t.Helper()
	opts := append([]func(*Options){func(o *Options) { o.MinPartSize = 8 }}, optFns...)
	srv := start(t, dc.d, opts...)
	createBucket(t, srv, dc.bucket)
	return &env{t: t, srv: srv, d: srv.Dialect(), bucket: dc.bucket}
}

// qs reports a QingStor-flavored server.
func (e *env) qs() bool { return e.d.Codec == client.JSON }

// cos reports a COS-flavored server.
func (e *env) cos() bool { return e.d.Name == client.COS.Name }

// hdr is the dialect's vendor header name+suffix ("x-amz-" + s).
func (e *env) hdr(s string) string { return e.d.HeaderPrefix + s }

// do sends a signed request.
func (e *env) do(method, bucket, key string, query url.Values, header http.Header, body []byte) resp {
	e.t.Helper()
	return send(e.t, e.srv, req{method: method, bucket: bucket, key: key, query: query, header: header, body: body, signer: goodSigner(e.srv)})
}

// doNoMD5 is do without the Content-MD5 send adds to a PUT or POST
// that has no integrity header: the request as a client that sends none.
func (e *env) doNoMD5(method, bucket, key string, query url.Values, header http.Header, body []byte) resp {
	e.t.Helper()
	return send(e.t, e.srv, req{method: method, bucket: bucket, key: key, query: query, header: header, body: body, signer: goodSigner(e.srv), noMD5: true})
}

// put stores an object and returns the answer.
func (e *env) put(key string, body []byte, header http.Header) resp {
	e.t.Helper()
	r := e.do(http.MethodPut, e.bucket, key, nil, header, body)
	mustStatus(e.t, r, putStatus(e.d))
	return r
}

// get reads an object (status 200 required) and returns the answer.
func (e *env) get(key string, query url.Values, header http.Header) resp {
	e.t.Helper()
	r := e.do(http.MethodGet, e.bucket, key, query, header, nil)
	mustStatus(e.t, r, http.StatusOK)
	return r
}

// want checks an error answer: s3 is the S3 (and IBM) code, cos the COS
// code when it differs, qs the QingStor code; statuses likewise.
func (e *env) want(r resp, status, qsStatus int, s3, cos, qs string) {
	e.t.Helper()
	if e.qs() {
		status = qsStatus
	}
	wantError(e.t, e.d, r, status, pick(e.d, s3, cos, qs))
}

// decode parses a success body in the dialect's codec into the XML or
// the JSON target.
func (e *env) decode(r resp, x, j any) {
	e.t.Helper()
	var err error
	if e.qs() {
		err = json.Unmarshal(r.body, j)
	} else {
		err = xml.Unmarshal(r.body, x)
	}
	if err != nil {
		e.t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// q builds a query from name, value pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// h builds a header from name, value pairs.
func h(kv ...string) http.Header {
	v := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// opsOf returns the Op names of the request log.
func opsOf(srv *Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Op)
	}
	return out
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
