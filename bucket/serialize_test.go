package bucket_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

// seen is one request as the server received it.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
}

// recorder answers 200 with a body chosen per request and records what
// it saw.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rec *recorder) start(t *testing.T, answer func(r *http.Request) (int, string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(b)})
		rec.mu.Unlock()
		status, body := http.StatusOK, ""
		if answer != nil {
			status, body = answer(r)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (rec *recorder) last() seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.reqs[len(rec.reqs)-1]
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestPutACLWire(t *testing.T) {
	ctx := context.Background()
	grants := []bucket.Grant{
		{Grantee: bucket.Grantee{ID: "owner-id"}, Permission: bucket.PermissionFullControl},
		{Grantee: bucket.Grantee{Group: bucket.GroupAllUsers}, Permission: bucket.PermissionRead},
		{Grantee: bucket.Grantee{ID: "friend"}, Permission: bucket.PermissionRead},
	}
	t.Run("s3 headers", func(t *testing.T) {
		var rec recorder
		b := newClient(t, client.S3, rec.start(t, nil))
		if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: "photos", Grants: grants}); err != nil {
			t.Fatal(err)
		}
		r := rec.last()
		if r.method != http.MethodPut || r.query != "acl" || r.body != "" {
			t.Errorf("request %s ?%s body %q", r.method, r.query, r.body)
		}
		if got := r.header.Get("x-amz-grant-full-control"); got != `id="owner-id"` {
			t.Errorf("full control %q", got)
		}
		if got := r.header.Get("x-amz-grant-read"); got != `uri="http://acs.amazonaws.com/groups/global/AllUsers", id="friend"` {
			t.Errorf("read %q", got)
		}
		if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: "photos", ACL: bucket.ACLPublicRead}); err != nil {
			t.Fatal(err)
		}
		if got := rec.last().header.Get("x-amz-acl"); got != "public-read" {
			t.Errorf("canned %q", got)
		}
	})
	t.Run("cos headers", func(t *testing.T) {
		var rec recorder
		b := newClient(t, client.COS, rec.start(t, nil))
		if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: "photos-1250000000", Grants: grants[1:2]}); err != nil {
			t.Fatal(err)
		}
		if got := rec.last().header.Get("x-cos-grant-read"); got != `uri="http://cam.qcloud.com/groups/global/AllUsers"` {
			t.Errorf("read %q", got)
		}
	})
	t.Run("qingstor body", func(t *testing.T) {
		var rec recorder
		b := newClient(t, client.QingStor, rec.start(t, nil))
		if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: "photos-2024", ACL: bucket.ACLPublicReadWrite}); err != nil {
			t.Fatal(err)
		}
		want := `{"acl":[{"grantee":{"type":"group","name":"QS_ALL_USERS"},"permission":"READ"},{"grantee":{"type":"group","name":"QS_ALL_USERS"},"permission":"WRITE"}]}`
		if r := rec.last(); r.body != want || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("body %s (%s)", r.body, r.header.Get("Content-Type"))
		}
		if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: "photos-2024", ACL: bucket.ACLPrivate}); err != nil {
			t.Fatal(err)
		}
		if r := rec.last(); r.body != `{"acl":[]}` {
			t.Errorf("private body %s", r.body)
		}
	})
}

func TestGetACLDecodes(t *testing.T) {
	ctx := context.Background()
	var rec recorder
	ep := rec.start(t, func(*http.Request) (int, string) {
		return 200, `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o1</ID><DisplayName>me</DisplayName></Owner>
		<AccessControlList>
		<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o1</ID><DisplayName>me</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>
		<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
		<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://example.com/other</URI></Grantee><Permission>WRITE</Permission></Grant>
		</AccessControlList></AccessControlPolicy>`
	})
	out, err := newClient(t, client.S3, ep).GetACL(ctx, &bucket.GetACLInput{Bucket: "photos"})
	if err != nil {
		t.Fatal(err)
	}
	want := []bucket.Grant{
		{Grantee: bucket.Grantee{ID: "o1", DisplayName: "me"}, Permission: bucket.PermissionFullControl},
		{Grantee: bucket.Grantee{Group: bucket.GroupAllUsers}, Permission: bucket.PermissionRead},
		{Grantee: bucket.Grantee{Group: "http://example.com/other"}, Permission: bucket.PermissionWrite},
	}
	if out.Owner != (bucket.Owner{ID: "o1", DisplayName: "me"}) || !slices.Equal(out.Grants, want) {
		t.Errorf("got %+v", out)
	}

	var qrec recorder
	qep := qrec.start(t, func(*http.Request) (int, string) {
		return 200, `{"owner":{"id":"usr-1","name":"W"},"acl":[{"grantee":{"type":"user","id":"usr-1","name":"W"},"permission":"FULL_CONTROL"},{"grantee":{"type":"group","name":"QS_ALL_USERS"},"permission":"READ"}]}`
	})
	qout, err := newClient(t, client.QingStor, qep).GetACL(ctx, &bucket.GetACLInput{Bucket: "photos-2024"})
	if err != nil {
		t.Fatal(err)
	}
	qwant := []bucket.Grant{
		{Grantee: bucket.Grantee{ID: "usr-1", DisplayName: "W"}, Permission: bucket.PermissionFullControl},
		{Grantee: bucket.Grantee{Group: bucket.GroupAllUsers}, Permission: bucket.PermissionRead},
	}
	if qout.Owner.ID != "usr-1" || !slices.Equal(qout.Grants, qwant) {
		t.Errorf("got %+v", qout)
	}
}

func TestCORSWire(t *testing.T) {
	ctx := context.Background()
	rules := []bucket.CORSRule{{
		ID: "", AllowedOrigins: []string{"https://a.example", "https://b.example"}, AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: 300,
	}}
	t.Run("s3", func(t *testing.T) {
		var rec recorder
		b := newClient(t, client.S3, rec.start(t, nil))
		if _, err := b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: "photos", Rules: rules}); err != nil {
			t.Fatal(err)
		}
		r := rec.last()
		want := `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedOrigin>https://b.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>`
		if r.body != want || r.query != "cors" {
			t.Errorf("body %s", r.body)
		}
		if r.header.Get("Content-Md5") != md5b64(r.body) {
			t.Errorf("Content-MD5 %q", r.header.Get("Content-Md5"))
		}
	})
	t.Run("qingstor one origin per rule", func(t *testing.T) {
		var rec recorder
		ep := rec.start(t, func(r *http.Request) (int, string) {
			if r.Method == http.MethodGet {
				return 200, `{"cors_rules":[{"allowed_origin":"https://a.example","allowed_methods":["GET"],"max_age_seconds":200}]}`
			}
			return 200, ""
		})
		b := newClient(t, client.QingStor, ep)
		if _, err := b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: "photos-2024", Rules: rules}); err != nil {
			t.Fatal(err)
		}
		r := rec.last()
		want := `{"cors_rules":[{"allowed_origin":"https://a.example","allowed_methods":["GET","PUT"],"allowed_headers":["*"],"expose_headers":["ETag"],"max_age_seconds":300},{"allowed_origin":"https://b.example","allowed_methods":["GET","PUT"],"allowed_headers":["*"],"expose_headers":["ETag"],"max_age_seconds":300}]}`
		if r.body != want {
			t.Errorf("body %s", r.body)
		}
		out, err := b.GetCORS(ctx, &bucket.GetCORSInput{Bucket: "photos-2024"})
		if err != nil || len(out.Rules) != 1 || out.Rules[0].AllowedOrigins[0] != "https://a.example" || out.Rules[0].MaxAgeSeconds != 200 {
			t.Errorf("get %+v %v", out, err)
		}
	})
	t.Run("empty configuration is not found", func(t *testing.T) {
		var rec recorder
		ep := rec.start(t, func(*http.Request) (int, string) { return 200, `{"cors_rules":[]}` })
		_, err := newClient(t, client.QingStor, ep).GetCORS(ctx, &bucket.GetCORSInput{Bucket: "photos-2024"})
		if !errors.Is(err, client.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}

func TestVersioningWire(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		d           client.Dialect
		bucket      string
		putBody     string
		getBody     string
		wantStatus  bucket.VersioningStatus
		unsetBody   string
		contentType string
	}{
		{client.S3, "photos",
			`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`,
			`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>`,
			bucket.VersioningSuspended, `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`, "application/xml"},
		{client.COS, "photos-1250000000",
			`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`,
			`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`,
			bucket.VersioningEnabled, `<VersioningConfiguration/>`, "application/xml"},
		{client.QingStor, "photos-2024", `{"status":"ENABLED"}`, `{"status":"SUSPENDED"}`,
			bucket.VersioningSuspended, `{"status":"DISABLED"}`, "application/json"},
	}
	for _, tc := range cases {
		t.Run(tc.d.Name, func(t *testing.T) {
			var rec recorder
			getBody := tc.getBody
			ep := rec.start(t, func(r *http.Request) (int, string) {
				if r.Method == http.MethodGet {
					return 200, getBody
				}
				return 200, ""
			})
			b := newClient(t, tc.d, ep)
			if _, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: tc.bucket, Status: bucket.VersioningEnabled}); err != nil {
				t.Fatal(err)
			}
			if r := rec.last(); r.body != tc.putBody || r.query != "versioning" || !strings.HasPrefix(r.header.Get("Content-Type"), tc.contentType) {
				t.Errorf("put %s ?%s %s", r.body, r.query, r.header.Get("Content-Type"))
			}
			out, err := b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: tc.bucket})
			if err != nil || out.Status != tc.wantStatus {
				t.Errorf("get %+v %v", out, err)
			}
			getBody = tc.unsetBody
			out, err = b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: tc.bucket})
			if err != nil || out.Status != bucket.VersioningUnset {
				t.Errorf("unset: %+v %v", out, err)
			}
		})
	}
}

func TestCreateWire(t *testing.T) {
	ctx := context.Background()
	t.Run("ibm provisioning code and key protect", func(t *testing.T) {
		var rec recorder
		c, err := client.New(client.IBM, client.WithEndpoint(rec.start(t, nil)), client.WithStaticCredentials("a", "b", ""),
			client.WithServiceInstanceID("crn:instance"))
		if err != nil {
			t.Fatal(err)
		}
		b := bucket.NewClient(c)
		_, err = b.Create(ctx, &bucket.CreateInput{Bucket: "vault-images", StorageClass: bucket.BucketClassVault,
			KeyProtect: &bucket.KeyProtect{RootKeyCRN: "crn:v1:bluemix:public:kms:us-south:a/1:key:2"}, ObjectLock: true})
		if err != nil {
			t.Fatal(err)
		}
		r := rec.last()
		if want := `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-south-vault</LocationConstraint></CreateBucketConfiguration>`; r.body != want {
			t.Errorf("body %s", r.body)
		}
		for h, want := range map[string]string{
			"ibm-service-instance-id":          "crn:instance",
			"ibm-sse-kp-encryption-algorithm":  "AES256",
			"ibm-sse-kp-customer-root-key-crn": "crn:v1:bluemix:public:kms:us-south:a/1:key:2",
			"x-amz-bucket-object-lock-enabled": "true",
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		// No location and no class: IBM provisions the endpoint's default.
		if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: "images"}); err != nil {
			t.Fatal(err)
		}
		if r := rec.last(); r.body != "" {
			t.Errorf("default create sent %s", r.body)
		}
	})
	t.Run("s3 region", func(t *testing.T) {
		var rec recorder
		b := newClient(t, client.S3, rec.start(t, nil))
		if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: "photos"}); err != nil {
			t.Fatal(err)
		}
		if r := rec.last(); r.body != "" {
			t.Errorf("us-east-1 must not be named: %s", r.body)
		}
		if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: "photos", Location: "eu-west-1"}); err != nil {
			t.Fatal(err)
		}
		if r := rec.last(); !strings.Contains(r.body, "<LocationConstraint>eu-west-1</LocationConstraint>") {
			t.Errorf("body %s", r.body)
		}
	})
}

func TestLocationAndPolicy(t *testing.T) {
	ctx := context.Background()
	answers := map[string]string{
		client.S3.Name:       `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`,
		client.IBM.Name:      "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n  us-south-standard\n</LocationConstraint>",
		client.COS.Name:      `<LocationConstraint>ap-beijing</LocationConstraint>`,
		client.QingStor.Name: `{"count":10,"status":"active","name":"mybucket","location":"pek3a"}`,
	}
	wants := map[string]string{client.S3.Name: "us-east-1", client.IBM.Name: "us-south-standard", client.COS.Name: "ap-beijing", client.QingStor.Name: "pek3a"}
	queries := map[string]string{client.S3.Name: "location", client.IBM.Name: "location", client.COS.Name: "location", client.QingStor.Name: "stats"}
	for _, d := range allDialects {
		var rec recorder
		ep := rec.start(t, func(*http.Request) (int, string) { return 200, answers[d.Name] })
		out, err := newClient(t, d, ep).GetLocation(ctx, &bucket.GetLocationInput{Bucket: validBucket(d)})
		if err != nil || out.Location != wants[d.Name] || rec.last().query != queries[d.Name] {
			t.Errorf("%s: %+v %v (query %q)", d.Name, out, err, rec.last().query)
		}
	}

	var rec recorder
	policy := `{"statement":[]}`
	ep := rec.start(t, func(r *http.Request) (int, string) { return 200, policy })
	b := newClient(t, client.QingStor, ep)
	if _, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: "photos-2024"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("empty statement: %v, want ErrNotFound", err)
	}
	policy = `{"statement":[{"id":"s1","user":"*","action":["get_object"],"effect":"allow","resource":["photos-2024/*"]}]}`
	out, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: "photos-2024"})
	if err != nil || out.Policy != policy {
		t.Errorf("get %+v %v", out, err)
	}
	if _, err := b.PutPolicy(ctx, &bucket.PutPolicyInput{Bucket: "photos-2024", Policy: policy}); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(); r.body != policy || r.query != "policy" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("put %+v", r)
	}
}

func TestListLocations(t *testing.T) {
	var rec recorder
	ep := rec.start(t, func(*http.Request) (int, string) {
		return 200, `{"locations":[{"endpoint":"pek3a.qingstor.com","id":"pek3a","name":"\u5317\u4eac3\u533a"},{"endpoint":"sh1a.qingstor.com","id":"sh1a","name":"sh"}]}`
	})
	out, err := newClient(t, client.QingStor, ep).ListLocations(context.Background(), &bucket.ListLocationsInput{Lang: "zh-cn"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Locations) != 2 || out.Locations[0] != (bucket.Location{ID: "pek3a", Name: "北京3区", Endpoint: "pek3a.qingstor.com"}) {
		t.Errorf("got %+v", out.Locations)
	}
	if r := rec.last(); r.path != "/" || r.query != "lang=zh-cn&location" {
		t.Errorf("request %s?%s", r.path, r.query)
	}
}
