package storagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/protocol"
	"github.com/polystore/polystore/signer"
)

// What the vendors' own SDKs send, and the real services accept, is
// accepted here too: each test stands for one report of a vendor SDK that
// storagetest refused.

// postIAMForm sends a token request with an optional Authorization header.
func postIAMForm(t *testing.T, srv *Server, auth string, form url.Values) (int, map[string]any) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, srv.IAMEndpoint()+"/identity/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "application/json")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("IAM answer %q is not JSON: %v", b, err)
	}
	return res.StatusCode, body
}

// IBM's SDKs send "Authorization: Basic base64(bx:bx)" to the IAM token
// endpoint, and trade the refresh token for a new access token later.
func TestIAMAcceptsBasicClientCredentials(t *testing.T) {
	srv := start(t, client.IBM)
	basic := "Basic Yng6Yng=" // bx:bx
	form := url.Values{"grant_type": {iamGrantType}, "apikey": {srv.APIKey()}, "response_type": {"cloud_iam"}}
	status, body := postIAMForm(t, srv, basic, form)
	if status != http.StatusOK {
		t.Fatalf("Basic bx:bx: status %d, body %v", status, body)
	}
	token, _ := body["access_token"].(string)
	refresh, _ := body["refresh_token"].(string)
	if token == "" || refresh == "" {
		t.Fatalf("token answer without tokens: %v", body)
	}
	// The token authenticates storage requests.
	r := send(t, srv, req{method: http.MethodGet, header: http.Header{
		"Authorization":           {"Bearer " + token},
		"Ibm-Service-Instance-Id": {"instance"},
	}})
	mustStatus(t, r, http.StatusOK)

	// refresh_token grant: a new access token, also good.
	status, body = postIAMForm(t, srv, basic, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if status != http.StatusOK {
		t.Fatalf("refresh: status %d, body %v", status, body)
	}
	if tok2, _ := body["access_token"].(string); tok2 == "" || tok2 == token {
		t.Errorf("refresh gave access token %q (first was %q)", tok2, token)
	}
	status, body = postIAMForm(t, srv, basic, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"not-issued"}})
	if status != http.StatusBadRequest || body["errorCode"] == "" {
		t.Errorf("unknown refresh token: status %d, body %v", status, body)
	}

	// Still checked: the API key, and Basic credentials that are not id:secret.
	status, body = postIAMForm(t, srv, basic, url.Values{"grant_type": {iamGrantType}, "apikey": {"wrong"}})
	if status != http.StatusBadRequest || body["errorCode"] != "BXNIM0415E" {
		t.Errorf("wrong API key with Basic: status %d, body %v", status, body)
	}
	status, body = postIAMForm(t, srv, "Basic not-base64!", form)
	if status != http.StatusBadRequest || body["errorCode"] == nil {
		t.Errorf("malformed Basic: status %d, body %v", status, body)
	}
	if n := srv.TokenRequests(); n != 5 {
		t.Errorf("TokenRequests = %d, want 5", n)
	}
}

// A token request signed like a storage request is a storage request (to
// the object identity/token), as before.
func TestIAMPathWithStorageSignature(t *testing.T) {
	srv := start(t, client.IBM)
	createBucket(t, srv, "identity")
	r := send(t, srv, req{method: http.MethodPost, bucket: "identity", key: "token", query: url.Values{"uploads": {""}}, signer: goodSigner(srv)})
	mustStatus(t, r, http.StatusOK)
	if n := srv.TokenRequests(); n != 0 {
		t.Errorf("TokenRequests = %d, want 0", n)
	}
}

// ibm-cos-sdk 2.16 (like aws-sdk-go-v2 on S3) sends DeleteObjects with
// x-amz-checksum-crc32 instead of Content-MD5. On S3 and IBM any
// additional checksum stands in for Content-MD5, and is verified.
func TestDeleteObjectsTakesAdditionalChecksum(t *testing.T) {
	for _, dc := range dialectCases[:2] { // s3, ibm
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			e.put("a", []byte("x"), nil)
			body := e.deleteBody(false, "a")
			crc := client.ComputeChecksum(client.ChecksumCRC32, body).String()
			sha := client.ComputeChecksum(client.ChecksumSHA256, body).String()

			r := e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("X-Amz-Checksum-Crc32", crc), body)
			mustStatus(t, r, http.StatusOK)
			if got := e.decodeDelete(r); len(got.deleted) != 1 || len(got.errors) != 0 {
				t.Errorf("deleted %v, errors %v", got.deleted, got.errors)
			}
			r = e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("X-Amz-Checksum-Sha256", sha), body)
			mustStatus(t, r, http.StatusOK)

			// Verified: a checksum of other bytes is BadDigest.
			wrong := client.ComputeChecksum(client.ChecksumCRC32, []byte("other")).String()
			r = e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("X-Amz-Checksum-Crc32", wrong), body)
			wantError(t, e.d, r, http.StatusBadRequest, "BadDigest")
			r = e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("X-Amz-Checksum-Crc32", "not-base64"), body)
			wantError(t, e.d, r, http.StatusBadRequest, "InvalidRequest")
			// Neither Content-MD5 nor a checksum: refused as before.
			r = e.doNoMD5(http.MethodPost, e.bucket, "", q("delete", ""), nil, body)
			wantError(t, e.d, r, http.StatusBadRequest, "MissingContentMD5")
		})
	}
	// COS and QingStor know no additional checksums: Content-MD5 stays
	// required.
	for _, dc := range dialectCases[2:] {
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			body := e.deleteBody(false, "a")
			crc := client.ComputeChecksum(client.ChecksumCRC32, body).String()
			r := e.doNoMD5(http.MethodPost, e.bucket, "", q("delete", ""), h("X-Amz-Checksum-Crc32", crc), body)
			if r.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400 (Content-MD5 required)", r.status)
			}
		})
	}
}

// boto3 >= 1.36 and ibm-cos-sdk 2.16 add CRC32 to every UploadPart, also
// of uploads created without x-amz-checksum-algorithm. S3 takes such
// parts since early 2025 (see checkPartChecksumType): the checksum is
// verified and echoed, not stored; an upload created with an algorithm
// still demands it on every part.
func TestPartChecksumWithoutAlgorithm(t *testing.T) {
	for _, dc := range dialectCases[:2] { // s3, ibm: the dialects with additional checksums
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			id := e.initiate("obj", nil)
			p1, p2 := []byte("part one, long enough"), []byte("part two")
			crcHeader := e.hdr("checksum-crc32")
			var etags []string
			for n, p := range [][]byte{p1, p2} {
				crc := client.ComputeChecksum(client.ChecksumCRC32, p).String()
				r := e.do(http.MethodPut, e.bucket, "obj", e.uploadQuery(id, n+1), h(crcHeader, crc), p)
				mustStatus(t, r, http.StatusOK)
				if got := r.header.Get(crcHeader); got != crc {
					t.Errorf("part %d: echoed %s %q, want %q", n+1, crcHeader, got, crc)
				}
				etags = append(etags, r.header.Get("ETag"))
			}
			// Verified: a wrong value is BadDigest, a malformed one InvalidRequest.
			wrong := client.ComputeChecksum(client.ChecksumCRC32, []byte("other")).String()
			r := e.do(http.MethodPut, e.bucket, "obj", e.uploadQuery(id, 3), h(crcHeader, wrong), p2)
			wantError(t, e.d, r, http.StatusBadRequest, "BadDigest")
			r = e.do(http.MethodPut, e.bucket, "obj", e.uploadQuery(id, 3), h(crcHeader, "AAA"), p2)
			wantError(t, e.d, r, http.StatusBadRequest, "InvalidRequest")

			// Not kept: ListParts shows no checksum, the object has none.
			r = e.do(http.MethodGet, e.bucket, "obj", q(e.d.Params.UploadID, id), nil, nil)
			mustStatus(t, r, http.StatusOK)
			if strings.Contains(string(r.body), "<ChecksumCRC32>") || strings.Contains(string(r.body), "<ChecksumAlgorithm>") {
				t.Errorf("list parts shows checksums of an upload without an algorithm: %s", r.body)
			}
			r = e.complete("obj", id, []int{1, 2}, etags)
			mustStatus(t, r, http.StatusOK)
			r = e.do(http.MethodHead, e.bucket, "obj", nil, h(e.hdr("checksum-mode"), "ENABLED"), nil)
			mustStatus(t, r, http.StatusOK)
			if got := r.header.Get(crcHeader); got != "" {
				t.Errorf("assembled object reports %s %q", crcHeader, got)
			}

			// An upload created with an algorithm still refuses another one.
			withAlg := e.initiate("strict", h(e.hdr("checksum-algorithm"), "CRC32C"))
			crc := client.ComputeChecksum(client.ChecksumCRC32, p1).String()
			r = e.do(http.MethodPut, e.bucket, "strict", e.uploadQuery(withAlg, 1), h(crcHeader, crc), p1)
			if b := wantError(t, e.d, r, http.StatusBadRequest, "InvalidRequest"); !strings.Contains(b.Message, "expected checksum Type: crc32c, actual checksum Type: crc32") {
				t.Errorf("mismatch message %q", b.Message)
			}
		})
	}
}

// recordingConn keeps a copy of every byte read from the connection.
type recordingConn struct {
	net.Conn
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (c recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// rawHeaderNames sends rq and returns the response's header names as they
// were on the wire (Go's client canonicalizes them), with its status.
func rawHeaderNames(t *testing.T, srv *Server, rq req) (int, []string) {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return recordingConn{Conn: c, mu: &mu, buf: &buf}, nil
		},
	}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(rq.build(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	head, _, ok := strings.Cut(buf.String(), "\r\n\r\n")
	if !ok {
		t.Fatalf("no end of the response head in %q", buf.String())
	}
	var names []string
	for _, line := range strings.Split(head, "\r\n")[1:] {
		name, _, _ := strings.Cut(line, ":")
		names = append(names, name)
	}
	return res.StatusCode, names
}

// checkSpelling fails the test for a header name not spelled as the
// vendors' servers send it: ETag, vendor and metadata headers in lower
// case.
func checkSpelling(t *testing.T, what string, names []string) {
	t.Helper()
	for _, n := range names {
		ln := strings.ToLower(n)
		switch {
		case ln == "etag" && n != "ETag":
			t.Errorf("%s: header %q, want ETag", what, n)
		case strings.HasPrefix(ln, "x-amz-") || strings.HasPrefix(ln, "x-cos-") || strings.HasPrefix(ln, "x-qs-") ||
			strings.HasPrefix(ln, "x-clv-") || strings.HasPrefix(ln, "ibm-"):
			if n != ln {
				t.Errorf("%s: header %q, want %q", what, n, ln)
			}
		}
	}
}

// Response headers go out in the vendor's spelling on every dialect, on
// success and error answers: boto3 returns metadata keys as spelled (a key
// put as color came back as Color), and the COS Python SDK reads
// resp['ETag'] case-sensitively.
func TestResponseHeaderSpelling(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		meta := e.d.MetaPrefix + "color"
		status, names := rawHeaderNames(t, e.srv, req{method: http.MethodPut, bucket: e.bucket, key: "k", body: []byte("data"),
			header: h(meta, "blue"), signer: goodSigner(e.srv)})
		mustStatus(t, resp{status: status}, putStatus(e.d))
		checkSpelling(t, "put", names)
		if !slices.Contains(names, "ETag") {
			t.Errorf("put: no ETag in %q", names)
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			status, names = rawHeaderNames(t, e.srv, req{method: method, bucket: e.bucket, key: "k", signer: goodSigner(e.srv)})
			mustStatus(t, resp{status: status}, http.StatusOK)
			checkSpelling(t, method, names)
			if lm := strings.ToLower(meta); !slices.Contains(names, lm) || !slices.Contains(names, "ETag") {
				t.Errorf("%s: want ETag and %s among %q", method, lm, names)
			}
			if id := strings.ToLower(e.d.RequestIDHeaders[0]); !slices.Contains(names, id) {
				t.Errorf("%s: no %s among %q", method, id, names)
			}
		}
		status, names = rawHeaderNames(t, e.srv, req{method: http.MethodGet, bucket: e.bucket, key: "missing", signer: goodSigner(e.srv)})
		if status != http.StatusNotFound {
			t.Errorf("missing key: status %d", status)
		}
		checkSpelling(t, "error", names)

		id := e.initiate("mp", nil)
		status, names = rawHeaderNames(t, e.srv, req{method: http.MethodPut, bucket: e.bucket, key: "mp", query: e.uploadQuery(id, e.d.Limits.FirstPartNumber),
			body: []byte("part"), signer: goodSigner(e.srv)})
		mustStatus(t, resp{status: status}, putStatus(e.d))
		checkSpelling(t, "upload part", names)

		if e.d.Has(client.FeatureAppend) {
			status, names = rawHeaderNames(t, e.srv, req{method: http.MethodPost, bucket: e.bucket, key: "log", query: q("append", "", "position", "0"),
				body: []byte("abc"), signer: goodSigner(e.srv)})
			mustStatus(t, resp{status: status}, http.StatusOK)
			checkSpelling(t, "append", names)
			if next := strings.ToLower(e.hdr("next-append-position")); !slices.Contains(names, next) {
				t.Errorf("append: no %s among %q", next, names)
			}
		}
	})
}

// SigV2 signatures over x-amz-* values holding runs of spaces verify
// through the server as the AWS JavaScript SDK (value as sent) and
// botocore (trimmed) compute them; signer's tests cover the collapsed form.
func TestSigV2RunsOfSpaces(t *testing.T) {
	for _, dc := range dialectCases[:2] { // s3, ibm take SigV2
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			creds := signer.NewStaticCredentials(e.srv.opts.AccessKey, e.srv.opts.SecretKey, "")
			for name, flavor := range map[string]signer.V2Flavor{"javascript": signer.V2JavaScript, "botocore": signer.V2Botocore} {
				v2 := signer.NewV2(creds, func(o *signer.V2Options) { o.Flavor = flavor })
				r := send(t, e.srv, req{method: http.MethodPut, bucket: e.bucket, key: name, body: []byte("x"),
					header: h("X-Amz-Meta-Note", "two  spaces   three"), signer: v2})
				mustStatus(t, r, http.StatusOK)
				r = send(t, e.srv, req{method: http.MethodHead, bucket: e.bucket, key: name, signer: v2})
				mustStatus(t, r, http.StatusOK)
				if got := r.header.Get("X-Amz-Meta-Note"); got != "two  spaces   three" {
					t.Errorf("%s: stored metadata %q", name, got)
				}
			}
			if got := e.srv.Requests()[1].Scheme; got != "v2" {
				t.Errorf("scheme %q, want v2", got)
			}
		})
	}
}

// vhostSigner signs for the server's virtual hosts: V4 and COS sign the
// host as sent; V2 and QingStor need the bucket-from-host rule.
func vhostSigner(srv *Server, v2 bool) signer.Signer {
	creds := signer.NewStaticCredentials(srv.opts.AccessKey, srv.opts.SecretKey, "")
	switch {
	case v2:
		return signer.NewV2(creds, func(o *signer.V2Options) { o.BucketFromHost = srv.v2BucketFromHost })
	case srv.wire.fl == flavorQingStor:
		return signer.NewQingStor(creds, func(o *signer.QingStorOptions) { o.BucketFromHost = srv.qsBucketFromHost })
	}
	return goodSigner(srv)
}

// sendTo sends a signed request to an absolute URL through client.
func sendTo(t *testing.T, hc *http.Client, s signer.Signer, method, rawURL string, header http.Header, body []byte) resp {
	t.Helper()
	r, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		r.Body, r.ContentLength = nil, 0
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	if err := s.Sign(context.Background(), r, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := hc.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// Virtual-hosted-style requests (bucket in the Host header) reach the
// same buckets as path-style ones, on every dialect, signed with every
// scheme the dialect takes; the host names need no DNS (HTTPClient dials
// the server).
func TestVirtualHostedRequests(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		hc := e.srv.HTTPClient()
		defer hc.CloseIdleConnections()
		schemes := []bool{false}
		if dc.d.Name == client.S3.Name || dc.d.Name == client.IBM.Name {
			schemes = append(schemes, true) // and SigV2
		}
		base := e.srv.VirtualHostURL(e.bucket)
		if u, _ := url.Parse(base); u.Hostname() != e.bucket+".localhost" {
			t.Fatalf("VirtualHostURL = %s", base)
		}
		if dc.d.Name == client.QingStor.Name {
			// The QingStor SDK's form: bucket.zone.domain.
			base = strings.Replace(base, ".localhost", "."+e.srv.Region()+".localhost", 1)
		}
		for _, v2 := range schemes {
			s := vhostSigner(e.srv, v2)
			key := fmt.Sprintf("dir/key %v+1", v2)
			r := sendTo(t, hc, s, http.MethodPut, base+"/"+protocol.EscapePath(key), h(e.d.MetaPrefix+"a", "b"), []byte("vhost body"))
			mustStatus(t, r, putStatus(e.d))
			// Path-style sees the object the virtual host stored.
			got := e.get(key, nil, nil)
			if string(got.body) != "vhost body" {
				t.Errorf("v2=%v: path-style GET %q", v2, got.body)
			}
			r = sendTo(t, hc, s, http.MethodGet, base+"/"+protocol.EscapePath(key), nil, nil)
			mustStatus(t, r, http.StatusOK)
			if string(r.body) != "vhost body" || r.header.Get(e.d.MetaPrefix+"a") != "b" {
				t.Errorf("v2=%v: virtual-hosted GET %q %v", v2, r.body, r.header)
			}
			// Listing the bucket at its host's root.
			r = sendTo(t, hc, s, http.MethodGet, base+"/", nil, nil)
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.body), "dir/key") {
				t.Errorf("v2=%v: listing %s", v2, r.body)
			}
			r = sendTo(t, hc, s, http.MethodDelete, base+"/"+protocol.EscapePath(key), nil, nil)
			mustStatus(t, r, http.StatusNoContent)
		}
		// The log names the bucket and key of virtual-hosted requests.
		var found bool
		for _, rq := range e.srv.Requests() {
			if rq.Op == "PutObject" && rq.Bucket == e.bucket && strings.HasPrefix(rq.Key, "dir/key ") {
				found = true
			}
		}
		if !found {
			t.Errorf("no PutObject of %s/dir/key... in the log", e.bucket)
		}
		// A signature for another bucket's host does not verify here.
		other := strings.Replace(base, e.bucket+".", "other-1250000000.", 1)
		r := sendTo(t, hc, vhostSigner(e.srv, false), http.MethodGet, other+"/x", nil, nil)
		if r.status == http.StatusOK {
			t.Errorf("GET of a bucket that does not exist: %d", r.status)
		}
	})
}

// A COS copy source may name this server's virtual host, as cos-go-sdk-v5
// builds it from a bucket URL ("bucket.localhost:PORT/key").
func TestCopySourceVirtualHost(t *testing.T) {
	e := newEnv(t, dialectCases[2]) // cos
	e.put("src", []byte("copied"), nil)
	src := strings.TrimPrefix(e.srv.VirtualHostURL(e.bucket), "http://") + "/src"
	r := e.do(http.MethodPut, e.bucket, "dst", nil, h("x-cos-copy-source", src), nil)
	mustStatus(t, r, http.StatusOK)
	if got := e.get("dst", nil, nil); string(got.body) != "copied" {
		t.Errorf("copy: %q", got.body)
	}
}

// The zone's own host is path-style on QingStor (its SDKs send
// zone.domain/bucket/key); elsewhere vhostBucket reads the bucket.
func TestVirtualHostRules(t *testing.T) {
	qs := start(t, client.QingStor)
	s3 := start(t, client.S3, func(o *Options) { o.VirtualHostDomain = "s3.example.test." })
	for _, tc := range []struct {
		srv    *Server
		host   string
		bucket string
	}{
		{qs, "localhost:1234", ""},
		{qs, qs.Region() + ".localhost:1234", ""},
		{qs, "b." + qs.Region() + ".localhost:1234", "b"},
		{qs, "b.localhost", "b"},
		{qs, "127.0.0.1:1234", ""},
		{s3, "my.bucket.S3.Example.Test:80", "my.bucket"},
		{s3, "s3.example.test", ""},
		{s3, "b.localhost", ""},
		{s3, "xs3.example.test", ""},
	} {
		got, ok := tc.srv.vhostBucket(tc.host)
		if got != tc.bucket || ok != (tc.bucket != "") {
			t.Errorf("%s: vhostBucket(%q) = %q, %v; want %q", tc.srv.Dialect().Name, tc.host, got, ok, tc.bucket)
		}
	}
	if got := s3.VirtualHostEndpoint(); !strings.HasPrefix(got, "http://s3.example.test:") {
		t.Errorf("VirtualHostEndpoint = %s", got)
	}
}
