package storagetest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"hash/crc64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

func TestRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		d := srv.Dialect()
		s := goodSigner(srv)
		ids := map[string]bool{}
		do := func(rq req) resp {
			t.Helper()
			rq.signer = s
			r := send(t, srv, rq)
			id := opkit.RequestID(&d, r.header)
			if id == "" {
				t.Fatalf("%s: no request id header in %v", rq.method, r.header)
			}
			if ids[id] {
				t.Fatalf("request id %q repeated", id)
			}
			ids[id] = true
			return r
		}

		r := do(req{method: http.MethodPut, bucket: dc.bucket})
		mustStatus(t, r, putStatus(d))
		r = do(req{method: http.MethodPut, bucket: dc.bucket})
		wantError(t, d, r, http.StatusConflict, pick(d, "BucketAlreadyOwnedByYou", "BucketAlreadyExists", "bucket_already_exists"))
		r = do(req{method: http.MethodHead, bucket: dc.bucket})
		mustStatus(t, r, http.StatusOK)

		key := "dir/hello world+%~.txt"
		body := []byte("hello, storagetest")
		meta := d.MetaPrefix + "color"
		hdr := http.Header{
			"Content-Type":                {"text/plain"},
			"Content-Md5":                 {md5b64(body)},
			"Cache-Control":               {"max-age=60"},
			"Content-Disposition":         {`attachment; filename="a.txt"`},
			http.CanonicalHeaderKey(meta): {"blue"},
		}
		if d.HeaderPrefix == "x-amz-" {
			hdr.Set("X-Amz-Content-Sha256", sha256hex(body))
		}
		r = do(req{method: http.MethodPut, bucket: dc.bucket, key: key, body: body, header: hdr})
		mustStatus(t, r, putStatus(d))
		wantETag := `"` + md5hex(body) + `"`
		if got := r.header.Get("ETag"); got != wantETag {
			t.Errorf("PUT ETag = %q, want %q", got, wantETag)
		}
		wantCRC := strconv.FormatUint(crc64.Checksum(body, crc64.MakeTable(crc64.ECMA)), 10)
		if d.Name == client.COS.Name {
			if got := r.header.Get("x-cos-hash-crc64ecma"); got != wantCRC {
				t.Errorf("PUT crc64 = %q, want %q", got, wantCRC)
			}
		}

		r = do(req{method: http.MethodGet, bucket: dc.bucket, key: key})
		mustStatus(t, r, http.StatusOK)
		if !bytes.Equal(r.body, body) {
			t.Errorf("GET body = %q, want %q", r.body, body)
		}
		for name, want := range map[string]string{
			"Content-Type":        "text/plain",
			"ETag":                wantETag,
			"Content-Length":      strconv.Itoa(len(body)),
			"Cache-Control":       "max-age=60",
			"Content-Disposition": `attachment; filename="a.txt"`,
			meta:                  "blue",
		} {
			if got := r.header.Get(name); got != want {
				t.Errorf("GET %s = %q, want %q", name, got, want)
			}
		}
		if _, err := http.ParseTime(r.header.Get("Last-Modified")); err != nil {
			t.Errorf("Last-Modified %q: %v", r.header.Get("Last-Modified"), err)
		}
		if d.Name == client.COS.Name && r.header.Get("x-cos-hash-crc64ecma") != wantCRC {
			t.Errorf("GET crc64 = %q, want %q", r.header.Get("x-cos-hash-crc64ecma"), wantCRC)
		}

		r = do(req{method: http.MethodGet, bucket: dc.bucket, key: key, header: http.Header{"Range": {"bytes=7-10"}}})
		mustStatus(t, r, http.StatusPartialContent)
		if string(r.body) != "stor" || r.header.Get("Content-Range") != "bytes 7-10/"+strconv.Itoa(len(body)) {
			t.Errorf("range GET = %q, Content-Range %q", r.body, r.header.Get("Content-Range"))
		}

		r = do(req{method: http.MethodHead, bucket: dc.bucket, key: key})
		mustStatus(t, r, http.StatusOK)
		if len(r.body) != 0 || r.header.Get("Content-Length") != strconv.Itoa(len(body)) || r.header.Get("ETag") != wantETag {
			t.Errorf("HEAD: body %q, Content-Length %q, ETag %q", r.body, r.header.Get("Content-Length"), r.header.Get("ETag"))
		}

		r = do(req{method: http.MethodGet, bucket: dc.bucket})
		mustStatus(t, r, http.StatusOK)
		if !bytes.Contains(r.body, []byte(key)) {
			t.Errorf("listing does not name %q: %s", key, r.body)
		}

		r = do(req{method: http.MethodDelete, bucket: dc.bucket})
		wantError(t, d, r, http.StatusConflict, pick(d, "BucketNotEmpty", "", "bucket_not_empty"))

		r = do(req{method: http.MethodDelete, bucket: dc.bucket, key: key})
		mustStatus(t, r, http.StatusNoContent)
		r = do(req{method: http.MethodDelete, bucket: dc.bucket, key: key})
		mustStatus(t, r, http.StatusNoContent)

		r = do(req{method: http.MethodGet, bucket: dc.bucket, key: key})
		wantError(t, d, r, http.StatusNotFound, pick(d, "NoSuchKey", "", "object_not_exists"))
		r = do(req{method: http.MethodHead, bucket: dc.bucket, key: key})
		mustStatus(t, r, http.StatusNotFound)
		if len(r.body) != 0 {
			t.Errorf("HEAD 404 has a body: %q", r.body)
		}

		r = do(req{method: http.MethodDelete, bucket: dc.bucket})
		mustStatus(t, r, http.StatusNoContent)
		r = do(req{method: http.MethodHead, bucket: dc.bucket})
		mustStatus(t, r, http.StatusNotFound)
		r = do(req{method: http.MethodGet, bucket: dc.bucket, key: key})
		wantError(t, d, r, http.StatusNotFound, pick(d, "NoSuchBucket", "", "bucket_not_exists"))
	})
}

func TestErrorFormats(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		d := srv.Dialect()
		r := send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "missing", signer: goodSigner(srv)})
		e := wantError(t, d, r, http.StatusNotFound, pick(d, "NoSuchBucket", "", "bucket_not_exists"))
		if e.Message == "" {
			t.Error("error has no message")
		}
		switch d.Name {
		case client.QingStor.Name:
			if !strings.HasPrefix(string(r.body), "{") || e.URL == "" {
				t.Errorf("QingStor error is not the JSON shape: %s", r.body)
			}
		case client.COS.Name:
			if e.TraceID == "" || e.HostID != "" || !strings.Contains(e.Resource, "/"+dc.bucket+"/missing") {
				t.Errorf("COS error shape: %+v", e)
			}
		default:
			if e.HostID == "" || e.Resource != "/"+dc.bucket+"/missing" {
				t.Errorf("S3 error shape: %+v", e)
			}
			if d.HostIDHeader != "" && r.header.Get(d.HostIDHeader) == "" {
				t.Errorf("no %s header", d.HostIDHeader)
			}
		}

		r = send(t, srv, req{method: http.MethodPost, bucket: dc.bucket, key: "k", signer: goodSigner(srv)})
		wantError(t, d, r, http.StatusMethodNotAllowed, pick(d, "MethodNotAllowed", "", "method_not_allowed"))

		createBucket(t, srv, dc.bucket)
		r = send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, query: url.Values{"replication": {""}}, signer: goodSigner(srv)})
		wantError(t, d, r, http.StatusNotImplemented, pick(d, "NotImplemented", "", "not_implemented"))

		body := []byte("payload")
		r = send(t, srv, req{method: http.MethodPut, bucket: dc.bucket, key: "k", body: body,
			header: http.Header{"Content-Md5": {md5b64([]byte("other"))}}, signer: goodSigner(srv)})
		wantError(t, d, r, http.StatusBadRequest, pick(d, "BadDigest", "", "bad_digest"))

		putObject(t, srv, dc.bucket, "k", body)
		r = send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "k",
			header: http.Header{"Range": {"bytes=100-"}}, signer: goodSigner(srv)})
		wantError(t, d, r, http.StatusRequestedRangeNotSatisfiable, pick(d, "InvalidRange", "", "invalid_range"))

		r = send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "k",
			header: http.Header{"If-None-Match": {`"` + md5hex(body) + `"`}}, signer: goodSigner(srv)})
		mustStatus(t, r, http.StatusNotModified)
		r = send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "k",
			header: http.Header{"If-Match": {`"0123"`}}, signer: goodSigner(srv)})
		wantError(t, d, r, http.StatusPreconditionFailed, pick(d, "PreconditionFailed", "", "precondition_failed"))
	})
}

func TestBucketNameValidated(t *testing.T) {
	srv := start(t, client.COS)
	r := send(t, srv, req{method: http.MethodPut, bucket: "no-appid-suffix", signer: goodSigner(srv)})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidBucketName")
}

func TestContentSHA256Checked(t *testing.T) {
	srv := start(t, client.S3)
	createBucket(t, srv, "b-sha")
	body := []byte("data")
	r := send(t, srv, req{method: http.MethodPut, bucket: "b-sha", key: "k", body: body,
		header: http.Header{"X-Amz-Content-Sha256": {sha256hex([]byte("not the data"))}}, signer: goodSigner(srv)})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "XAmzContentSHA256Mismatch")
}

func TestAWSChunkedUpload(t *testing.T) {
	srv := start(t, client.S3, func(o *Options) { o.AllowAnonymous = true })
	createBucketAnon(t, srv, "chunks")
	framed := "5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n0;chunk-signature=cccc\r\n\r\n"
	r := send(t, srv, req{method: http.MethodPut, bucket: "chunks", key: "k", body: []byte(framed), header: http.Header{
		"Content-Encoding":             {"aws-chunked"},
		"X-Amz-Decoded-Content-Length": {"11"},
	}})
	mustStatus(t, r, http.StatusOK)
	r = send(t, srv, req{method: http.MethodGet, bucket: "chunks", key: "k"})
	mustStatus(t, r, http.StatusOK)
	if string(r.body) != "hello world" || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("decoded body %q, Content-Encoding %q", r.body, r.header.Get("Content-Encoding"))
	}
	if got := srv.Requests()[1].BodyMD5; got != md5hex([]byte(framed)) {
		t.Errorf("logged BodyMD5 %s is not the MD5 of the framed body", got)
	}
}

func createBucketAnon(t *testing.T, srv *Server, bucket string) {
	t.Helper()
	mustStatus(t, send(t, srv, req{method: http.MethodPut, bucket: bucket}), putStatus(srv.Dialect()))
}

// TestKeys stores keys that are awkward in URLs and checks that each is
// decoded exactly once, listed verbatim and served back.
func TestKeys(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		createBucket(t, srv, dc.bucket)
		keys := []string{
			"with space", "plus+sign", "100%", "%2F-literal", "tilde~", "/leading-slash",
			"//double", "unicode-日本語-ünï", "a?b#c&d=e", "trailing/",
		}
		maxLen := dc.d.Limits.MaxKeyLength
		keys = append(keys, strings.Repeat("k", maxLen))
		for _, k := range keys {
			putObject(t, srv, dc.bucket, k, []byte("v:"+k))
		}
		for _, k := range keys {
			r := send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: k, signer: goodSigner(srv)})
			mustStatus(t, r, http.StatusOK)
			if string(r.body) != "v:"+k {
				t.Errorf("GET %q = %q", k, r.body)
			}
		}
		logged := map[string]bool{}
		for _, e := range srv.Requests() {
			logged[e.Key] = true
		}
		for _, k := range keys {
			if !logged[k] {
				t.Errorf("request log has no entry with key %q", k)
			}
		}
		got := listAll(t, srv, dc.bucket, url.Values{}, 1000)
		want := append([]string(nil), keys...)
		sortStrings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("listed keys\n%q\nwant\n%q", got, want)
		}
		r := send(t, srv, req{method: http.MethodPut, bucket: dc.bucket, key: strings.Repeat("k", maxLen+1), body: []byte("x"), signer: goodSigner(srv)})
		wantError(t, srv.Dialect(), r, http.StatusBadRequest, pick(srv.Dialect(), "KeyTooLongError", "", "invalid_object_name"))
	})
}

func TestListBuckets(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		clock := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
		srv := start(t, dc.d, func(o *Options) { o.Clock = func() time.Time { return clock } })
		d := srv.Dialect()
		names := []string{"zeta-1250000000", "alpha-1250000000"}
		for _, n := range names {
			mustStatus(t, send(t, srv, req{method: http.MethodPut, bucket: n, signer: goodSigner(srv), now: clock}), putStatus(d))
		}
		r := send(t, srv, req{method: http.MethodGet, signer: goodSigner(srv), now: clock})
		mustStatus(t, r, http.StatusOK)
		if d.Codec == client.JSON {
			var out struct {
				Count   int `json:"count"`
				Buckets []struct {
					Name, Location, URL, Created string
				} `json:"buckets"`
			}
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			if out.Count != 2 || out.Buckets[0].Name != names[1] || out.Buckets[0].Location != srv.Region() ||
				out.Buckets[0].URL != srv.URL+"/"+names[1] || out.Buckets[0].Created != "2024-05-06T07:08:09Z" {
				t.Fatalf("QingStor bucket list: %s", r.body)
			}
			return
		}
		var out struct {
			Owner   struct{ ID, DisplayName string }
			Buckets []struct {
				Name, CreationDate, Location string
			} `xml:"Buckets>Bucket"`
		}
		if err := xml.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Buckets) != 2 || out.Buckets[0].Name != names[1] || out.Owner.ID == "" ||
			!strings.HasPrefix(out.Buckets[0].CreationDate, "2024-05-06T07:08:09") {
			t.Fatalf("bucket list: %s", r.body)
		}
		if d.Name == client.COS.Name && out.Buckets[0].Location != srv.Region() {
			t.Errorf("COS bucket Location = %q, want %q", out.Buckets[0].Location, srv.Region())
		}
	})
}

func TestClientOptions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d, func(o *Options) { o.ServiceInstanceID = "inst-1" })
		c, err := srv.Client()
		if err != nil {
			t.Fatalf("Client: %v", err)
		}
		o := c.Options()
		if o.Endpoint != srv.URL || o.Region != srv.Region() {
			t.Errorf("client endpoint %q region %q; server %q %q", o.Endpoint, o.Region, srv.URL, srv.Region())
		}
		if dc.name == "cos" && srv.Region() != "ap-beijing" {
			t.Errorf("COS default region = %q", srv.Region())
		}
		if o.ServiceInstanceID != "inst-1" {
			t.Errorf("ServiceInstanceID = %q", o.ServiceInstanceID)
		}
	})
}
