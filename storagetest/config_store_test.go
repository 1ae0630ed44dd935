package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
)

// putDoc sends a configuration document with its Content-MD5.
func (e *env) putDoc(sub string, query []string, body string) resp {
	e.t.Helper()
	return e.do(http.MethodPut, e.bucket, "", q(append([]string{sub, ""}, query...)...), h("Content-MD5", md5b64([]byte(body))), []byte(body))
}

// TestConfigRoutesFollowDialect checks that configurations are served
// where the dialect table says, and answered "not implemented" elsewhere
// (?protection included, which the router's list does not name).
func TestConfigRoutesFollowDialect(t *testing.T) {
	cases := []struct {
		dc     dialectCase
		served []string
		absent []string
	}{
		{dialectCases[0], []string{"lifecycle", "website", "publicAccessBlock", "object-lock", "inventory", "tagging", "encryption"},
			[]string{"protection", "mirror", "referer"}},
		{dialectCases[1], []string{"lifecycle", "website", "publicAccessBlock", "protection", "object-lock", "inventory"},
			[]string{"mirror", "tagging", "referer", "encryption"}},
		{dialectCases[2], []string{"lifecycle", "tagging", "referer", "encryption"},
			[]string{"website", "publicAccessBlock", "protection", "object-lock", "inventory", "mirror"}},
		{dialectCases[3], []string{"lifecycle", "mirror"},
			[]string{"website", "publicAccessBlock", "protection", "object-lock", "inventory", "tagging", "referer", "encryption"}},
	}
	for _, tc := range cases {
		t.Run(tc.dc.name, func(t *testing.T) {
			e := newEnv(t, tc.dc)
			for _, sub := range tc.absent {
				e.want(e.do(http.MethodGet, e.bucket, "", q(sub, ""), nil, nil), http.StatusNotImplemented, http.StatusNotImplemented, "NotImplemented", "", "not_implemented")
			}
			for _, sub := range tc.served {
				if r := e.do(http.MethodGet, e.bucket, "", q(sub, ""), nil, nil); r.status == http.StatusNotImplemented {
					t.Errorf("GET ?%s: not implemented; body %s", sub, r.body)
				}
			}
		})
	}

	// A dialect copied from S3 without lifecycle gets a server without it.
	d := client.S3
	d.Name = "s3-without-lifecycle"
	d.Bucket.Lifecycle = client.LifecycleWire{}
	e := newEnv(t, dialectCase{"custom", d, "test-bucket"})
	e.want(e.do(http.MethodGet, e.bucket, "", q("lifecycle", ""), nil, nil), http.StatusNotImplemented, 0, "NotImplemented", "", "")
}

func TestLifecycleServed(t *testing.T) {
	const s3Doc = `<LifecycleConfiguration><Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>` +
		`<Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>`
	const qsDoc = `{"rule":[{"id":"logs","status":"enabled","filter":{"prefix":"logs/"},"expiration":{"days":30}}]}`
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		r := e.do(http.MethodGet, e.bucket, "", q("lifecycle", ""), nil, nil)
		if e.qs() {
			mustStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.body), `"rule":[]`) {
				t.Errorf("empty lifecycle %s", r.body)
			}
		} else {
			e.want(r, http.StatusNotFound, 0, "NoSuchLifecycleConfiguration", "", "")
		}
		doc := s3Doc
		if e.qs() {
			doc = qsDoc
		} else {
			// S3, IBM and COS require Content-MD5.
			r := e.doNoMD5(http.MethodPut, e.bucket, "", q("lifecycle", ""), nil, []byte(doc))
			e.want(r, http.StatusBadRequest, 0, "MissingContentMD5", "", "")
		}
		mustStatus(t, e.putDoc("lifecycle", nil, doc), http.StatusOK)
		r = e.do(http.MethodGet, e.bucket, "", q("lifecycle", ""), nil, nil)
		mustStatus(t, r, http.StatusOK)
		var x struct {
			XMLName xml.Name `xml:"LifecycleConfiguration"`
			Xmlns   string   `xml:"xmlns,attr"`
			Rules   []struct {
				ID     string
				Prefix string `xml:"Filter>Prefix"`
				Days   int    `xml:"Expiration>Days"`
			} `xml:"Rule"`
		}
		var j struct {
			Rules []struct {
				ID     string `json:"id"`
				Filter struct {
					Prefix string `json:"prefix"`
				} `json:"filter"`
				Expiration struct {
					Days int `json:"days"`
				} `json:"expiration"`
			} `json:"rule"`
		}
		e.decode(r, &x, &j)
		if e.qs() {
			if len(j.Rules) != 1 || j.Rules[0].ID != "logs" || j.Rules[0].Filter.Prefix != "logs/" || j.Rules[0].Expiration.Days != 30 {
				t.Errorf("lifecycle %s", r.body)
			}
		} else if len(x.Rules) != 1 || x.Rules[0].ID != "logs" || x.Rules[0].Prefix != "logs/" || x.Rules[0].Days != 30 || (x.Xmlns == "") != e.cos() {
			t.Errorf("lifecycle %s", r.body)
		}
		mustStatus(t, e.do(http.MethodDelete, e.bucket, "", q("lifecycle", ""), nil, nil), http.StatusNoContent)
	})
}

func TestLifecycleServerChecks(t *testing.T) {
	e := newEnv(t, dialectCases[1]) // IBM
	rule := func(body string) string {
		return `<LifecycleConfiguration><Rule><ID>r</ID>` + body + `</Rule></LifecycleConfiguration>`
	}
	for _, tc := range []struct{ doc, code string }{
		{rule(`<Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>`), "InvalidRequest"},
		{rule(`<Filter><Prefix/></Filter><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>STANDARD_IA</StorageClass></Transition>`), "InvalidArgument"},
		{rule(`<Filter><Prefix/></Filter><Status>On</Status><Expiration><Days>1</Days></Expiration>`), "MalformedXML"},
		{rule(`<Filter><Prefix/></Filter><Status>Enabled</Status>`), "InvalidRequest"},
		{rule(`<Filter><Prefix/></Filter><Status>Enabled</Status><Expiration><Days>0</Days></Expiration>`), "InvalidArgument"},
		{rule(`<Filter><Prefix/></Filter><Status>Enabled</Status><Expiration><Date>2031-01-01T12:00:00Z</Date></Expiration>`), "InvalidArgument"},
		{`<LifecycleConfiguration></LifecycleConfiguration>`, "MalformedXML"},
	} {
		e.want(e.putDoc("lifecycle", nil, tc.doc), http.StatusBadRequest, 0, tc.code, "", "")
	}

	qs := newEnv(t, dialectCases[3])
	two := `{"rule":[{"id":"r","status":"enabled","filter":{"prefix":""},"expiration":{"days":3},"abort_incomplete_multipart_upload":{"days_after_initiation":1}}]}`
	qs.want(qs.putDoc("lifecycle", nil, two), 0, http.StatusBadRequest, "", "", "invalid_argument")
}

func TestObjectLockNeedsLockOrVersioning(t *testing.T) {
	e := newEnv(t, dialectCases[0])
	const doc = `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>` +
		`<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>2</Days></DefaultRetention></Rule></ObjectLockConfiguration>`
	e.want(e.do(http.MethodGet, e.bucket, "", q("object-lock", ""), nil, nil), http.StatusNotFound, 0, "ObjectLockConfigurationNotFoundError", "", "")
	e.want(e.putDoc("object-lock", nil, doc), http.StatusConflict, 0, "InvalidBucketState", "", "")

	ver := `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`
	mustStatus(t, e.putDoc("versioning", nil, ver), http.StatusOK)
	mustStatus(t, e.putDoc("object-lock", nil, doc), http.StatusOK)
	r := e.do(http.MethodGet, e.bucket, "", q("object-lock", ""), nil, nil)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), "<Days>2</Days><Mode>GOVERNANCE</Mode>") || !strings.Contains(string(r.body), "<ObjectLockEnabled>Enabled</ObjectLockEnabled>") {
		t.Errorf("object lock %s", r.body)
	}
	both := strings.Replace(doc, "<Days>2</Days>", "<Days>2</Days><Years>1</Years>", 1)
	e.want(e.putDoc("object-lock", nil, both), http.StatusBadRequest, 0, "MalformedXML", "", "")
}

func TestProtectionServed(t *testing.T) {
	e := newEnv(t, dialectCases[1])
	doc := func(lo, def, hi int) string {
		return fmt.Sprintf(`<ProtectionConfiguration><Status>Retention</Status><MinimumRetention><Days>%d</Days></MinimumRetention>`+
			`<MaximumRetention><Days>%d</Days></MaximumRetention><DefaultRetention><Days>%d</Days></DefaultRetention></ProtectionConfiguration>`, lo, hi, def)
	}
	r := e.do(http.MethodGet, e.bucket, "", q("protection", ""), nil, nil)
	mustStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.body), "<Status>") {
		t.Errorf("unprotected bucket answers %s", r.body)
	}
	body := doc(100, 2555, 10000)
	e.want(e.doNoMD5(http.MethodPut, e.bucket, "", q("protection", ""), nil, []byte(body)), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
	mustStatus(t, e.putDoc("protection", nil, body), http.StatusOK)
	r = e.do(http.MethodGet, e.bucket, "", q("protection", ""), nil, nil)
	if !strings.Contains(string(r.body), "<DefaultRetention><Days>2555</Days></DefaultRetention>") {
		t.Errorf("protection %s", r.body)
	}
	e.want(e.putDoc("protection", nil, doc(0, 0, 365244)), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(e.putDoc("protection", nil, doc(10, 5, 20)), http.StatusBadRequest, 0, "InvalidArgument", "", "")
}

func TestInventoryPaging(t *testing.T) {
	e := newEnv(t, dialectCases[0])
	inv := func(id string) string {
		return `<InventoryConfiguration><Id>` + id + `</Id><IsEnabled>true</IsEnabled><IncludedObjectVersions>All</IncludedObjectVersions>` +
			`<Schedule><Frequency>Weekly</Frequency></Schedule><Destination><S3BucketDestination><Bucket>arn:aws:s3:::reports</Bucket>` +
			`<Format>CSV</Format></S3BucketDestination></Destination></InventoryConfiguration>`
	}
	e.want(e.putDoc("inventory", []string{"id", "other"}, inv("one")), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	for i := range inventoryPageSize + 1 {
		id := fmt.Sprintf("inv-%03d", i)
		mustStatus(t, e.putDoc("inventory", []string{"id", id}, inv(id)), http.StatusOK)
	}
	type page struct {
		Configs   []string `xml:"InventoryConfiguration>Id"`
		Truncated bool     `xml:"IsTruncated"`
		Next      string   `xml:"NextContinuationToken"`
	}
	var p1, p2 page
	r := e.do(http.MethodGet, e.bucket, "", q("inventory", ""), nil, nil)
	mustStatus(t, r, http.StatusOK)
	e.decode(r, &p1, nil)
	if len(p1.Configs) != inventoryPageSize || !p1.Truncated || p1.Next == "" || p1.Configs[0] != "inv-000" {
		t.Fatalf("first page: %d configs, truncated %v, next %q", len(p1.Configs), p1.Truncated, p1.Next)
	}
	r = e.do(http.MethodGet, e.bucket, "", q("inventory", "", "continuation-token", p1.Next), nil, nil)
	e.decode(r, &p2, nil)
	if len(p2.Configs) != 1 || p2.Truncated || p2.Configs[0] != "inv-100" {
		t.Errorf("second page: %+v", p2)
	}
	e.want(e.do(http.MethodGet, e.bucket, "", q("inventory", "", "continuation-token", "bogus!"), nil, nil), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	mustStatus(t, e.do(http.MethodDelete, e.bucket, "", q("inventory", "", "id", "inv-050"), nil, nil), http.StatusNoContent)
	e.want(e.do(http.MethodDelete, e.bucket, "", q("inventory", "", "id", "inv-050"), nil, nil), http.StatusNotFound, 0, "NoSuchConfiguration", "", "")
	if ops := opsOf(e.srv); ops[len(ops)-1] != "DeleteBucketInventoryConfiguration" || ops[len(ops)-3] != "ListBucketInventoryConfigurations" {
		t.Errorf("ops %q", ops[len(ops)-4:])
	}
}

func TestConfigsResetWhenBucketIsRecreated(t *testing.T) {
	e := newEnv(t, dialectCases[2]) // COS
	tags := `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`
	e.want(e.doNoMD5(http.MethodPut, e.bucket, "", q("tagging", ""), nil, []byte(tags)), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
	mustStatus(t, e.putDoc("tagging", nil, tags), http.StatusNoContent)
	mustStatus(t, e.do(http.MethodGet, e.bucket, "", q("tagging", ""), nil, nil), http.StatusOK)
	mustStatus(t, e.do(http.MethodDelete, e.bucket, "", nil, nil, nil), http.StatusNoContent)
	e.want(e.do(http.MethodGet, e.bucket, "", q("tagging", ""), nil, nil), http.StatusNotFound, 0, "NoSuchBucket", "", "")
	createBucket(t, e.srv, e.bucket)
	e.want(e.do(http.MethodGet, e.bucket, "", q("tagging", ""), nil, nil), http.StatusNotFound, 0, "", "NoSuchTagSetError", "")
}

func TestPublicAccessBlockFlags(t *testing.T) {
	ibm := newEnv(t, dialectCases[1])
	policy := `<PublicAccessBlockConfiguration><BlockPublicAcls>True</BlockPublicAcls><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>`
	ibm.want(ibm.putDoc("publicAccessBlock", nil, policy), http.StatusBadRequest, 0, "MalformedXML", "", "")
	mustStatus(t, ibm.putDoc("publicAccessBlock", nil, `<PublicAccessBlockConfiguration><BlockPublicAcls>True</BlockPublicAcls></PublicAccessBlockConfiguration>`), http.StatusOK)
	r := ibm.do(http.MethodGet, ibm.bucket, "", q("publicAccessBlock", ""), nil, nil)
	if want := `<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls></PublicAccessBlockConfiguration>`; !strings.HasSuffix(string(r.body), want) {
		t.Errorf("IBM public access block %s", r.body)
	}
	s3 := newEnv(t, dialectCases[0])
	mustStatus(t, s3.putDoc("publicAccessBlock", nil, policy), http.StatusOK)
	r = s3.do(http.MethodGet, s3.bucket, "", q("publicAccessBlock", ""), nil, nil)
	if !strings.Contains(string(r.body), "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>") {
		t.Errorf("S3 public access block %s", r.body)
	}
}

// configAPI mounts ResourceConfigHandler beside srv.
func configAPI(t *testing.T, srv *Server) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/v1/buckets/", srv.ResourceConfigHandler())
	mux.Handle("/", srv)
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	return front.URL
}

// configCall sends a signed request to the configuration API.
func configCall(t *testing.T, srv *Server, base, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if err := goodSigner(srv).Sign(t.Context(), r, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestResourceConfigHandler(t *testing.T) {
	srv := start(t, client.IBM)
	createBucket(t, srv, "src-bucket")
	base := configAPI(t, srv)
	const policy = `{"policy_name":"nightly","initial_retention":{"delete_after_days":5},"backup_type":"continuous",` +
		`"target_backup_vault_crn":"crn:v1:bluemix:public:cloud-object-storage:global:a1:b2:backup-vault:v"}`
	errCode := func(b []byte) string {
		var e configAPIError
		if json.Unmarshal(b, &e) != nil || len(e.Errors) != 1 {
			t.Fatalf("error body %s", b)
		}
		return e.Errors[0].Code
	}

	status, b := configCall(t, srv, base, http.MethodPost, "/v1/buckets/src-bucket/backup_policies", policy)
	if status != http.StatusBadRequest || errCode(b) != "invalid_argument" {
		t.Fatalf("unversioned source: %d %s", status, b)
	}
	send(t, srv, req{method: http.MethodPut, bucket: "src-bucket", query: q("versioning", ""), signer: goodSigner(srv),
		body: []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)})
	status, b = configCall(t, srv, base, http.MethodPost, "/v1/buckets/src-bucket/backup_policies", policy)
	var created cfgBackupPolicy
	if status != http.StatusCreated || json.Unmarshal(b, &created) != nil || created.PolicyID == "" || created.PolicyStatus != "pending" {
		t.Fatalf("create: %d %s", status, b)
	}
	status, b = configCall(t, srv, base, http.MethodGet, "/v1/buckets/src-bucket/backup_policies", "")
	var list []cfgBackupPolicy
	if status != http.StatusOK || json.Unmarshal(b, &list) != nil || len(list) != 1 || list[0].PolicyStatus != "active" {
		t.Fatalf("list: %d %s", status, b)
	}
	status, _ = configCall(t, srv, base, http.MethodDelete, "/v1/buckets/src-bucket/backup_policies/"+created.PolicyID, "")
	if status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	status, b = configCall(t, srv, base, http.MethodGet, "/v1/buckets/src-bucket/backup_policies/"+created.PolicyID, "")
	if status != http.StatusNotFound || errCode(b) != "not_found" {
		t.Errorf("get after delete: %d %s", status, b)
	}
	status, b = configCall(t, srv, base, http.MethodGet, "/v1/buckets/src-bucket/other", "")
	if status != http.StatusNotFound || errCode(b) != "not_found" {
		t.Errorf("unknown path: %d %s", status, b)
	}
	status, _ = configCall(t, srv, base, http.MethodGet, "/v1/buckets/missing-bucket/backup_policies", "")
	if status != http.StatusNotFound {
		t.Errorf("missing bucket: %d", status)
	}

	// Unsigned requests are refused, and every request is logged.
	res, err := http.Get(base + "/v1/buckets/src-bucket/backup_policies")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned: %d", res.StatusCode)
	}
	ops := opsOf(srv)
	if !slices.Contains(ops, "CreateBackupPolicy") || !slices.Contains(ops, "DeleteBackupPolicy") {
		t.Errorf("log %q", ops)
	}

	// Dialects without backup policies answer 501.
	s3 := start(t, client.S3)
	status, _ = configCall(t, s3, configAPI(t, s3), http.MethodGet, "/v1/buckets/b/backup_policies", "")
	if status != http.StatusNotImplemented {
		t.Errorf("S3: %d", status)
	}
}
