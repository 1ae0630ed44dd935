package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

// corsBody is a two-rule CORS configuration in the dialect's codec.
func (e *env) corsBody() []byte {
	if e.qs() {
		return []byte(`{"cors_rules":[` +
			`{"allowed_origin":"https://*.example.com","allowed_methods":["GET","PUT"],"allowed_headers":["x-qs-*","content-type"],"expose_headers":["ETag"],"max_age_seconds":300},` +
			`{"allowed_origin":"*","allowed_methods":["HEAD"]}]}`)
	}
	return []byte(`<CORSConfiguration>` +
		`<CORSRule><ID>web</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>` +
		`<AllowedHeader>` + e.d.HeaderPrefix + `*</AllowedHeader><AllowedHeader>content-type</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule>` +
		`<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>` +
		`</CORSConfiguration>`)
}

func TestCORS(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		preflight := func(origin, method, headers string) resp {
			hd := h("Origin", origin, "Access-Control-Request-Method", method)
			if headers != "" {
				hd.Set("Access-Control-Request-Headers", headers)
			}
			// Preflight requests are unsigned.
			return send(t, e.srv, req{method: http.MethodOptions, bucket: e.bucket, key: "any/key", header: hd})
		}
		e.want(preflight("https://a.example.com", "GET", ""), http.StatusForbidden, http.StatusForbidden, "AccessForbidden", "", "permission_denied")
		r := e.do(http.MethodGet, e.bucket, "", q("cors", ""), nil, nil)
		if e.qs() {
			mustStatus(t, r, http.StatusOK)
		} else {
			e.want(r, http.StatusNotFound, 0, "NoSuchCORSConfiguration", "", "")
		}

		body := e.corsBody()
		if !e.qs() { // S3, IBM and COS require Content-MD5
			r = e.doNoMD5(http.MethodPut, e.bucket, "", q("cors", ""), nil, body)
			e.want(r, http.StatusBadRequest, 0, "MissingContentMD5", "", "")
		}
		mustStatus(t, e.do(http.MethodPut, e.bucket, "", q("cors", ""), h("Content-MD5", md5b64(body)), body), http.StatusOK)

		r = e.do(http.MethodGet, e.bucket, "", q("cors", ""), nil, nil)
		mustStatus(t, r, http.StatusOK)
		var x struct {
			XMLName xml.Name `xml:"CORSConfiguration"`
			Rules   []struct {
				ID            string
				AllowedOrigin []string
				AllowedMethod []string
				AllowedHeader []string
				ExposeHeader  []string
				MaxAgeSeconds int
			} `xml:"CORSRule"`
		}
		var j struct {
			Rules []struct {
				AllowedOrigin  string   `json:"allowed_origin"`
				AllowedMethods []string `json:"allowed_methods"`
				MaxAgeSeconds  int      `json:"max_age_seconds"`
			} `json:"cors_rules"`
		}
		e.decode(r, &x, &j)
		if e.qs() {
			if len(j.Rules) != 2 || j.Rules[0].AllowedOrigin != "https://*.example.com" || j.Rules[0].MaxAgeSeconds != 300 || !slices.Equal(j.Rules[1].AllowedMethods, []string{"HEAD"}) {
				t.Errorf("cors rules %s", r.body)
			}
		} else if len(x.Rules) != 2 || x.Rules[0].ID != "web" || !slices.Equal(x.Rules[0].AllowedMethod, []string{"GET", "PUT"}) || x.Rules[0].MaxAgeSeconds != 300 {
			t.Errorf("cors rules %s", r.body)
		}

		r = preflight("https://a.example.com", "PUT", "Content-Type, "+e.d.HeaderPrefix+"meta-x")
		mustStatus(t, r, http.StatusOK)
		if r.header.Get("Access-Control-Allow-Origin") != "https://a.example.com" || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "PUT") ||
			r.header.Get("Access-Control-Max-Age") != "300" || r.header.Get("Access-Control-Expose-Headers") != "ETag" ||
			!strings.Contains(strings.ToLower(r.header.Get("Access-Control-Allow-Headers")), "content-type") {
			t.Errorf("allowed preflight headers: %v", r.header)
		}
		r = preflight("https://other.org", "HEAD", "")
		mustStatus(t, r, http.StatusOK)
		if r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("wildcard origin: %v", r.header)
		}
		for _, bad := range [][3]string{
			{"https://other.org", "GET", ""},                  // origin only in the HEAD rule
			{"https://a.example.com", "DELETE", ""},           // method
			{"https://a.example.com", "GET", "authorization"}, // header
			{"http://a.example.com", "GET", ""},               // scheme
		} {
			e.want(preflight(bad[0], bad[1], bad[2]), http.StatusForbidden, http.StatusForbidden, "AccessForbidden", "", "permission_denied")
		}
		r = send(t, e.srv, req{method: http.MethodOptions, bucket: e.bucket, key: "k", header: h("Origin", "https://a.example.com")})
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "BadRequest", "", "invalid_request")

		bad := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>`)
		if e.qs() {
			bad = []byte(`{"cors_rules":[{"allowed_origin":"*","allowed_methods":["PATCH"]}]}`)
		}
		r = e.do(http.MethodPut, e.bucket, "", q("cors", ""), h("Content-MD5", md5b64(bad)), bad)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidRequest", "", "invalid_request")

		mustStatus(t, e.do(http.MethodDelete, e.bucket, "", q("cors", ""), nil, nil), http.StatusNoContent)
		if !e.qs() {
			e.want(e.do(http.MethodGet, e.bucket, "", q("cors", ""), nil, nil), http.StatusNotFound, 0, "NoSuchCORSConfiguration", "", "")
		}
		ops := opsOf(e.srv)
		for _, op := range []string{"PutBucketCors", "GetBucketCors", "DeleteBucketCors", "OptionsObject"} {
			if !slices.Contains(ops, op) {
				t.Errorf("no %s in %v", op, ops)
			}
		}
	})
}

func TestBucketPolicy(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		r := e.do(http.MethodGet, e.bucket, "", q("policy", ""), nil, nil)
		if !e.d.Bucket.Policy.Supported { // IBM: IAM policies only
			e.want(r, http.StatusNotImplemented, 0, "NotImplemented", "", "")
			return
		}
		if e.qs() {
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.body), `"statement":[]`) {
				t.Errorf("QingStor empty policy %s", r.body)
			}
		} else {
			e.want(r, http.StatusNotFound, 0, "NoSuchBucketPolicy", "", "")
		}
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
		if e.qs() {
			policy = `{"statement":[{"id":"allow-all","user":["*"],"action":["get_object"],"effect":"allow","resource":["` + e.bucket + `/*"]}]}`
		}
		r = e.do(http.MethodPut, e.bucket, "", q("policy", ""), nil, []byte(policy))
		if r.status/100 != 2 {
			t.Fatalf("put policy: %d %s", r.status, r.body)
		}
		r = e.get("", q("policy", ""), nil)
		if string(r.body) != policy || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("policy read back: %s", r.body)
		}
		r = e.do(http.MethodPut, e.bucket, "", q("policy", ""), nil, []byte("not json"))
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "MalformedPolicy", "", "invalid_json")
		mustStatus(t, e.do(http.MethodDelete, e.bucket, "", q("policy", ""), nil, nil), http.StatusNoContent)
		if !e.qs() {
			e.want(e.do(http.MethodGet, e.bucket, "", q("policy", ""), nil, nil), http.StatusNotFound, 0, "NoSuchBucketPolicy", "", "")
		}
	})
}

func TestBucketLocation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		if e.qs() {
			var j struct {
				Name, Location, URL, Status string
				Count                       int
			}
			e.put("k", []byte("x"), nil)
			r := e.get("", q("stats", ""), nil)
			if err := json.Unmarshal(r.body, &j); err != nil || j.Location != e.srv.Region() || j.Name != e.bucket || j.Count != 1 {
				t.Errorf("stats %s", r.body)
			}
			r = e.do(http.MethodGet, "", "", q("location", ""), nil, nil)
			var locs struct {
				Locations []struct{ ID, Name, Endpoint string } `json:"locations"`
			}
			if err := json.Unmarshal(r.body, &locs); err != nil || len(locs.Locations) != 1 || locs.Locations[0].ID != e.srv.Region() {
				t.Errorf("locations %s", r.body)
			}
			return
		}
		var loc struct {
			XMLName xml.Name `xml:"LocationConstraint"`
			Value   string   `xml:",chardata"`
		}
		r := e.get("", q("location", ""), nil)
		if err := xml.Unmarshal(r.body, &loc); err != nil {
			t.Fatal(err)
		}
		want := pick(e.d, "", e.srv.Region(), "")
		if e.d.Name == client.IBM.Name {
			want = e.srv.Region() + "-standard"
		}
		if loc.Value != want {
			t.Errorf("location %q, want %q (%s)", loc.Value, want, r.body)
		}
		// A CreateBucketConfiguration's constraint is kept.
		name := pick(e.d, "vault-bucket", "vault-1250000000", "")
		body := []byte("<CreateBucketConfiguration><LocationConstraint>us-south-vault</LocationConstraint></CreateBucketConfiguration>")
		mustStatus(t, e.do(http.MethodPut, name, "", nil, nil, body), http.StatusOK)
		r = e.do(http.MethodGet, name, "", q("location", ""), nil, nil)
		if !strings.Contains(string(r.body), ">us-south-vault<") {
			t.Errorf("kept constraint: %s", r.body)
		}
		e.want(e.do(http.MethodGet, "missing-1250000000", "", q("location", ""), nil, nil), http.StatusNotFound, 0, "NoSuchBucket", "", "")
	})
}

func TestIBMBucketExtras(t *testing.T) {
	e := newEnv(t, dialectCases[1])
	crn := "crn:v1:bluemix:public:kms:us-south:a/1:key:2"
	r := e.do(http.MethodPut, "secure", "", nil, h("ibm-sse-kp-encryption-algorithm", "AES256", "ibm-sse-kp-customer-root-key-crn", crn), nil)
	mustStatus(t, r, http.StatusOK)
	r = e.do(http.MethodHead, "secure", "", nil, nil, nil)
	if r.status != http.StatusOK || r.header.Get("ibm-sse-kp-enabled") != "True" || r.header.Get("ibm-sse-kp-crk-id") != crn {
		t.Errorf("HEAD of a Key Protect bucket: %d %v", r.status, r.header)
	}
	r = e.do(http.MethodPut, "half", "", nil, h("ibm-sse-kp-customer-root-key-crn", crn), nil)
	wantError(t, e.d, r, http.StatusBadRequest, "InvalidArgument")

	mustStatus(t, e.do(http.MethodPut, "locked", "", nil, h("x-amz-bucket-object-lock-enabled", "true"), nil), http.StatusOK)
	e2 := &env{t: t, srv: e.srv, d: e.d, bucket: "locked"}
	if got := e2.versioning(); got != "Enabled" {
		t.Errorf("object-lock bucket versioning %q", got)
	}
	body := []byte(`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`)
	wantError(t, e.d, e.do(http.MethodPut, "locked", "", q("versioning", ""), nil, body), http.StatusConflict, "InvalidBucketState")

	// ?extended: LocationConstraint per bucket, marker paging.
	var names []string
	query := q("extended", "", "max-keys", "2")
	for range 5 {
		r = e.do(http.MethodGet, "", "", query, nil, nil)
		var x struct {
			XMLName     xml.Name `xml:"ListAllMyBucketsResult"`
			IsTruncated bool
			MaxKeys     int
			Buckets     []struct{ Name, LocationConstraint string } `xml:"Buckets>Bucket"`
		}
		if err := xml.Unmarshal(r.body, &x); err != nil || x.MaxKeys != 2 {
			t.Fatalf("extended listing %s: %v", r.body, err)
		}
		for _, b := range x.Buckets {
			names = append(names, b.Name)
			if b.LocationConstraint != e.srv.Region()+"-standard" {
				t.Errorf("bucket %s LocationConstraint %q", b.Name, b.LocationConstraint)
			}
		}
		if !x.IsTruncated {
			break
		}
		query = q("extended", "", "max-keys", "2", "marker", names[len(names)-1])
	}
	if !slices.Equal(names, []string{"locked", "secure", e.bucket}) {
		t.Errorf("extended listing names %v", names)
	}
}

func TestQingStorListBucketsPaging(t *testing.T) {
	e := newEnv(t, dialectCases[3])
	for _, n := range []string{"bucket-2", "bucket-3", "bucket-4"} {
		createBucket(t, e.srv, n)
	}
	var names []string
	for offset := 0; offset < 4; offset += 2 {
		r := e.do(http.MethodGet, "", "", q("offset", strconv.Itoa(offset), "limit", "2"), nil, nil)
		var j struct {
			Count   int `json:"count"`
			Buckets []struct {
				Name string `json:"name"`
			} `json:"buckets"`
		}
		if err := json.Unmarshal(r.body, &j); err != nil || j.Count != 4 || len(j.Buckets) != 2 {
			t.Fatalf("page at %d: %s", offset, r.body)
		}
		for _, b := range j.Buckets {
			names = append(names, b.Name)
		}
	}
	if !slices.Equal(names, []string{"bucket-2", "bucket-3", "bucket-4", e.bucket}) {
		t.Errorf("paged buckets %v", names)
	}
	r := e.do(http.MethodGet, "", "", nil, h("Location", "sh1a"), nil)
	if !strings.Contains(string(r.body), `"count":0`) {
		t.Errorf("Location filter: %s", r.body)
	}
}

func TestObjectLimitsAndAttributes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		meta := e.d.MetaPrefix
		big := strings.Repeat("v", e.d.Limits.MaxMetadataSize)
		r := e.do(http.MethodPut, e.bucket, "k", nil, h(meta+"big", big), []byte("x"))
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "MetadataTooLarge", "", "metadata_too_large")
		r = e.do(http.MethodPost, e.bucket, "k", q("uploads", ""), h(meta+"big", big), nil)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "MetadataTooLarge", "", "metadata_too_large")
		long := strings.Repeat("k", e.d.Limits.MaxKeyLength+1)
		r = e.do(http.MethodPost, e.bucket, long, q("uploads", ""), nil, nil)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "KeyTooLongError", "", "invalid_object_name")
		r = e.copyObject(e.bucket, long, "k", "")
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "KeyTooLongError", "", "invalid_object_name")

		e.put("k", []byte("x"), h(e.hdr("storage-class"), "STANDARD_IA", meta+"ok", strings.Repeat("v", 100)))
		g := e.get("k", q("response-content-type", "text/csv", "response-cache-control", "no-store", "response-content-disposition", "inline"), nil)
		if g.header.Get(e.hdr("storage-class")) != "STANDARD_IA" || g.header.Get("Content-Type") != "text/csv" ||
			g.header.Get("Cache-Control") != "no-store" || g.header.Get("Content-Disposition") != "inline" {
			t.Errorf("GET headers %v", g.header)
		}
		l := listPageOf(t, e.srv, e.bucket, q())
		if len(l.keys) != 1 {
			t.Fatalf("listing %v", l.keys)
		}
	})
}

func TestSSEC(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("fedcba9876543210fedcba9876543210")
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		names := func(copySource bool) (string, string, string) {
			base := e.hdr("server-side-encryption-customer-")
			if e.qs() {
				base = "x-qs-encryption-customer-"
			}
			if copySource {
				base = strings.Replace(base, e.d.HeaderPrefix, e.d.HeaderPrefix+"copy-source-", 1)
			}
			return base + "algorithm", base + "key", base + "key-MD5"
		}
		sse := func(k []byte, copySource bool) []string {
			a, kk, m := names(copySource)
			sum := md5b64(k)
			return []string{a, "AES256", kk, b64(k), m, sum}
		}
		r := e.do(http.MethodPut, e.bucket, "secret", nil, h(sse(key, false)...), []byte("classified"))
		mustStatus(t, r, putStatus(e.d))
		algName, _, md5Name := names(false)
		if r.header.Get(algName) != "AES256" || r.header.Get(md5Name) != md5b64(key) {
			t.Errorf("PUT SSE-C answer headers %v", r.header)
		}
		g := e.get("secret", nil, h(sse(key, false)...))
		if string(g.body) != "classified" || g.header.Get(md5Name) != md5b64(key) {
			t.Errorf("GET with the key: %q %v", g.body, g.header)
		}
		e.want(e.do(http.MethodGet, e.bucket, "secret", nil, nil, nil), http.StatusBadRequest, http.StatusBadRequest, "InvalidRequest", "", "invalid_request")
		mustStatus(t, e.do(http.MethodHead, e.bucket, "secret", nil, nil, nil), http.StatusBadRequest)
		e.want(e.do(http.MethodGet, e.bucket, "secret", nil, h(sse(other, false)...), nil), http.StatusForbidden, http.StatusForbidden, "AccessDenied", "", "permission_denied")

		bad := sse(key, false)
		bad[5] = md5b64(other)
		e.want(e.do(http.MethodPut, e.bucket, "x", nil, h(bad...), []byte("x")), http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "", "invalid_argument")
		bad = sse(key, false)
		bad[1] = "DES"
		e.want(e.do(http.MethodPut, e.bucket, "x", nil, h(bad...), []byte("x")), http.StatusBadRequest, http.StatusBadRequest, "InvalidEncryptionAlgorithmError", "", "invalid_argument")
		bad = sse([]byte("short"), false)
		e.want(e.do(http.MethodPut, e.bucket, "x", nil, h(bad...), []byte("x")), http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "", "invalid_argument")

		// Copies need the source key.
		r = e.copyObject(e.bucket, "copy", "secret", "")
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidRequest", "", "invalid_request")
		e.copyETag(e.copyObject(e.bucket, "copy", "secret", "", sse(key, true)...))
		if g := e.get("copy", nil, nil); string(g.body) != "classified" {
			t.Errorf("copy of an SSE-C object, stored without a key: %q", g.body)
		}

		// Multipart: the parts carry the key too.
		id := e.initiate("mp", h(sse(key, false)...))
		first := e.d.Limits.FirstPartNumber
		r = e.do(http.MethodPut, e.bucket, "mp", e.uploadQuery(id, first), nil, []byte("part"))
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidRequest", "", "invalid_request")
		r = e.do(http.MethodPut, e.bucket, "mp", e.uploadQuery(id, first), h(sse(key, false)...), []byte("part"))
		mustStatus(t, r, putStatus(e.d))
		if c := e.complete("mp", id, []int{first}, []string{r.header.Get("ETag")}); c.status/100 != 2 {
			t.Fatalf("complete: %d %s", c.status, c.body)
		}
		e.want(e.do(http.MethodGet, e.bucket, "mp", nil, nil, nil), http.StatusBadRequest, http.StatusBadRequest, "InvalidRequest", "", "invalid_request")
		if g := e.get("mp", nil, h(sse(key, false)...)); string(g.body) != "part" {
			t.Errorf("multipart SSE-C object %q", g.body)
		}
	})
}

func TestS3ListBucketsPaging(t *testing.T) {
	e := newEnv(t, dialectCases[0])
	for _, n := range []string{"bucket-2", "bucket-3", "other"} {
		createBucket(t, e.srv, n)
	}
	var names []string
	query := q("max-buckets", "2", "prefix", "bucket")
	for range 4 {
		r := e.do(http.MethodGet, "", "", query, nil, nil)
		mustStatus(t, r, http.StatusOK)
		var x struct {
			XMLName           xml.Name `xml:"ListAllMyBucketsResult"`
			ContinuationToken string
			Prefix            string
			Buckets           []struct{ Name string } `xml:"Buckets>Bucket"`
		}
		if err := xml.Unmarshal(r.body, &x); err != nil || x.Prefix != "bucket" {
			t.Fatalf("paged ListBuckets %s: %v", r.body, err)
		}
		for _, b := range x.Buckets {
			names = append(names, b.Name)
		}
		if x.ContinuationToken == "" {
			break
		}
		query = q("max-buckets", "2", "prefix", "bucket", "continuation-token", x.ContinuationToken)
	}
	if !slices.Equal(names, []string{"bucket-2", "bucket-3"}) {
		t.Errorf("paged buckets %v", names)
	}
}

// TestSubresourcesOfOtherLevels checks that a subresource served at one
// level (or by another dialect) is not served as the plain operation
// elsewhere.
func TestSubresourcesOfOtherLevels(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		e.put("k", []byte("x"), nil)
		other := "stats" // QingStor only
		if e.qs() {
			other = "location" // a zone listing at the service level only
		}
		e.want(e.do(http.MethodGet, e.bucket, "", q(other, ""), nil, nil), http.StatusNotImplemented, http.StatusNotImplemented, "NotImplemented", "", "not_implemented")
		e.want(e.do(http.MethodGet, e.bucket, "k", q("uploads", ""), nil, nil), http.StatusNotImplemented, http.StatusNotImplemented, "NotImplemented", "", "not_implemented")
		e.want(e.do(http.MethodGet, e.bucket, "k", q(e.d.Params.PartNumber, "1"), nil, nil), http.StatusNotImplemented, http.StatusNotImplemented, "NotImplemented", "", "not_implemented")
	})
}
