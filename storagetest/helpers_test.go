package storagetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/internal/protocol"
	"github.com/polystore/polystore/signer"
)

// dialectCase is one dialect under test, with a bucket name it accepts.
type dialectCase struct {
	name   string
	d      client.Dialect
	bucket string
}

var dialectCases = []dialectCase{
	{"s3", client.S3, "test-bucket"},
	{"ibm", client.IBM, "test-bucket"},
	{"cos", client.COS, "test-1250000000"},
	{"qingstor", client.QingStor, "test-bucket"},
}

// forEachDialect runs fn as a subtest per dialect.
func forEachDialect(t *testing.T, fn func(t *testing.T, dc dialectCase)) {
	t.Helper()
	for _, dc := range dialectCases {
		t.Run(dc.name, func(t *testing.T) { fn(t, dc) })
	}
}

// start starts a server and closes it when the test ends.
func start(t *testing.T, d client.Dialect, optFns ...func(*Options)) *Server {
	t.Helper()
	srv := NewServer(d, optFns...)
	t.Cleanup(srv.Close)
	return srv
}

// startHooked starts a server with test hooks.
func startHooked(t *testing.T, d client.Dialect, hooks testHooks, optFns ...func(*Options)) *Server {
	t.Helper()
	srv := newServer(d, hooks, optFns...)
	t.Cleanup(srv.Close)
	return srv
}

// keySigner returns the dialect's default signer with the given key pair.
func keySigner(srv *Server, ak, sk string) signer.Signer {
	d := srv.Dialect()
	return d.NewSigner(client.SignerConfig{
		Credentials: signer.NewStaticCredentials(ak, sk, ""),
		Region:      srv.Region(),
	})
}

// goodSigner signs with the server's own key pair.
func goodSigner(srv *Server) signer.Signer {
	return keySigner(srv, srv.opts.AccessKey, srv.opts.SecretKey)
}

// req describes a hand-built request.
type req struct {
	method string
	bucket string
	key    string
	query  url.Values
	header http.Header
	body   []byte
	signer signer.Signer // nil: unsigned
	now    time.Time     // signing time; zero means time.Now()
	ctx    context.Context
	// noMD5 sends a PUT or POST without the Content-MD5 build adds, as
	// the vendors' SDKs do, to one that has no integrity header.
	noMD5 bool
}

// resp is a response with its body read.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// requestURL builds the URL as the polystore client does for a custom
// endpoint: path style, keys escaped with protocol.EscapePath.
func requestURL(srv *Server, bucket, key string, query url.Values) string {
	u := srv.URL + "/"
	if bucket != "" {
		u += bucket
		if key != "" {
			u += "/" + protocol.EscapePath(key)
		}
	}
	if len(query) > 0 {
		u += "?" + protocol.EncodeQuery(query)
	}
	return u
}

func (rq req) build(t *testing.T, srv *Server) *http.Request {
	t.Helper()
	ctx := rq.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	r, err := http.NewRequestWithContext(ctx, rq.method, requestURL(srv, rq.bucket, rq.key, rq.query), body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, vs := range rq.header {
		r.Header[k] = append([]string(nil), vs...)
	}
	chunked := strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") || strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked")
	if (rq.method == http.MethodPut || rq.method == http.MethodPost) && !rq.noMD5 && !chunked && !opkit.HasIntegrityHeader(&srv.dialect, r.Header) {
		r.Header.Set("Content-MD5", md5b64(rq.body))
	}
	if rq.signer != nil {
		now := rq.now
		if now.IsZero() {
			now = time.Now()
		}
		if err := rq.signer.Sign(context.Background(), r, now); err != nil {
			t.Fatalf("sign: %v", err)
		}
	}
	return r
}

// send sends rq and reads the whole response.
func send(t *testing.T, srv *Server, rq req) resp {
	t.Helper()
	r := rq.build(t, srv)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, r.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// errBody is the union of the XML and JSON error bodies.
type errBody struct {
	Code      string `xml:"Code" json:"code"`
	Message   string `xml:"Message" json:"message"`
	Resource  string `xml:"Resource"`
	RequestID string `xml:"RequestId" json:"request_id"`
	HostID    string `xml:"HostId"`
	TraceID   string `xml:"TraceId"`
	URL       string `json:"url"`
}

// decodeError parses an error body in the dialect's codec, failing the
// test if it is not one.
func decodeError(t *testing.T, d client.Dialect, r resp) errBody {
	t.Helper()
	var e errBody
	var err error
	if d.Codec == client.JSON {
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("error Content-Type = %q, want application/json", ct)
		}
		err = json.Unmarshal(r.body, &e)
	} else {
		if ct := r.header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("error Content-Type = %q, want application/xml", ct)
		}
		var x struct {
			XMLName xml.Name `xml:"Error"`
			errBody
		}
		err = xml.Unmarshal(r.body, &x)
		e = x.errBody
	}
	if err != nil {
		t.Fatalf("error body %q does not parse: %v", r.body, err)
	}
	return e
}

// wantError checks an error answer's status and code.
func wantError(t *testing.T, d client.Dialect, r resp, status int, code string) errBody {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	e := decodeError(t, d, r)
	if e.Code != code {
		t.Fatalf("code = %q, want %q (message %q)", e.Code, code, e.Message)
	}
	if e.RequestID == "" || e.RequestID != opkit.RequestID(&d, r.header) {
		t.Errorf("body request id %q, header request id %q", e.RequestID, opkit.RequestID(&d, r.header))
	}
	return e
}

// pick returns qs for QingStor, cos for COS (when set) and s3 otherwise.
func pick(d client.Dialect, s3, cos, qs string) string {
	switch d.Name {
	case client.QingStor.Name:
		return qs
	case client.COS.Name:
		if cos != "" {
			return cos
		}
	}
	return s3
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func md5b64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// putStatus is the status a successful PUT (bucket or object) answers with.
func putStatus(d client.Dialect) int {
	if d.Name == client.QingStor.Name {
		return http.StatusCreated
	}
	return http.StatusOK
}

// mustStatus fails the test unless r has the status.
func mustStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, strings.TrimSpace(string(r.body)))
	}
}

// createBucket creates a bucket with a signed request.
func createBucket(t *testing.T, srv *Server, bucket string) {
	t.Helper()
	r := send(t, srv, req{method: http.MethodPut, bucket: bucket, signer: goodSigner(srv)})
	mustStatus(t, r, putStatus(srv.Dialect()))
}

// putObject stores an object with a signed request.
func putObject(t *testing.T, srv *Server, bucket, key string, body []byte) {
	t.Helper()
	r := send(t, srv, req{method: http.MethodPut, bucket: bucket, key: key, body: body, signer: goodSigner(srv)})
	mustStatus(t, r, putStatus(srv.Dialect()))
}
