package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// readACL reads GET ?acl of the bucket (key "") or an object, with the
// grants as "type:id-or-group:permission" strings.
func (e *env) readACL(key string) (owner string, grants []string) {
	e.t.Helper()
	r := e.do(http.MethodGet, e.bucket, key, q("acl", ""), nil, nil)
	mustStatus(e.t, r, http.StatusOK)
	if e.qs() {
		var j struct {
			Owner struct{ ID, Name string } `json:"owner"`
			ACL   []struct {
				Grantee struct {
					Type string `json:"type"`
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"grantee"`
				Permission string `json:"permission"`
			} `json:"acl"`
		}
		if err := json.Unmarshal(r.body, &j); err != nil {
			e.t.Fatal(err)
		}
		for _, g := range j.ACL {
			who := g.Grantee.ID
			if g.Grantee.Type == "group" {
				who = g.Grantee.Name
			}
			grants = append(grants, g.Grantee.Type+":"+who+":"+g.Permission)
		}
		return j.Owner.ID, grants
	}
	var x struct {
		XMLName xml.Name `xml:"AccessControlPolicy"`
		Owner   struct{ ID, DisplayName string }
		Grants  []struct {
			Grantee struct {
				Type string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
				ID   string
				URI  string
			}
			Permission string
		} `xml:"AccessControlList>Grant"`
	}
	if err := xml.Unmarshal(r.body, &x); err != nil {
		e.t.Fatal(err)
	}
	for _, g := range x.Grants {
		who := g.Grantee.ID
		if g.Grantee.Type == "Group" {
			who = g.Grantee.URI
		}
		grants = append(grants, g.Grantee.Type+":"+who+":"+g.Permission)
	}
	return x.Owner.ID, grants
}

func TestACL(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		allUsers := pick(e.d, "http://acs.amazonaws.com/groups/global/AllUsers", "http://cam.qcloud.com/groups/global/AllUsers", "QS_ALL_USERS")
		user, group := "CanonicalUser", "Group"
		if e.qs() {
			user, group = "user", "group"
		}
		owner, grants := e.readACL("")
		if owner == "" || !slices.Equal(grants, []string{user + ":" + owner + ":FULL_CONTROL"}) {
			t.Errorf("default bucket ACL: owner %q grants %v", owner, grants)
		}

		// Put with a body, read it back.
		var body []byte
		if e.qs() {
			body = []byte(`{"acl":[{"grantee":{"type":"user","id":"usr-other"},"permission":"READ"},{"grantee":{"type":"group","name":"QS_ALL_USERS"},"permission":"WRITE"}]}`)
		} else {
			body = []byte(`<AccessControlPolicy><Owner><ID>` + owner + `</ID></Owner><AccessControlList>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>other</ID></Grantee><Permission>READ</Permission></Grant>` +
				`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>` + allUsers + `</URI></Grantee><Permission>WRITE</Permission></Grant>` +
				`</AccessControlList></AccessControlPolicy>`)
		}
		mustStatus(t, e.do(http.MethodPut, e.bucket, "", q("acl", ""), h("Content-MD5", md5b64(body)), body), http.StatusOK)
		other := "other"
		if e.qs() {
			other = "usr-other"
		}
		if _, grants = e.readACL(""); !slices.Equal(grants, []string{user + ":" + other + ":READ", group + ":" + allUsers + ":WRITE"}) {
			t.Errorf("bucket ACL after put: %v", grants)
		}
		bad := []byte(`<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee><Permission>EVERYTHING</Permission></Grant></AccessControlList></AccessControlPolicy>`)
		if e.qs() {
			bad = []byte(`{"acl":[{"grantee":{"type":"user","id":"x"},"permission":"EVERYTHING"}]}`)
		}
		r := e.do(http.MethodPut, e.bucket, "", q("acl", ""), nil, bad)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "MalformedACLError", "", "invalid_request")

		// Objects: canned ACL on PUT, then PUT ?acl.
		if !e.qs() {
			e.put("k", []byte("x"), h(e.hdr("acl"), "public-read"))
			if _, grants = e.readACL("k"); !slices.Contains(grants, group+":"+allUsers+":READ") || len(grants) != 2 {
				t.Errorf("public-read object: %v", grants)
			}
			r = e.do(http.MethodPut, e.bucket, "k", q("acl", ""), h(e.hdr("grant-full-control"), `id="someone"`, e.hdr("grant-read"), `uri="`+allUsers+`"`), nil)
			mustStatus(t, r, http.StatusOK)
			if _, grants = e.readACL("k"); !slices.Equal(grants, []string{group + ":" + allUsers + ":READ", user + ":someone:FULL_CONTROL"}) {
				t.Errorf("object ACL from grant headers: %v", grants)
			}
			r = e.do(http.MethodPut, e.bucket, "k", q("acl", ""), h(e.hdr("acl"), "private", e.hdr("grant-read"), `id="x"`), nil)
			e.want(r, http.StatusBadRequest, 0, "InvalidRequest", "", "")
			r = e.do(http.MethodPut, e.bucket, "k", q("acl", ""), h(e.hdr("acl"), "world-writable"), nil)
			e.want(r, http.StatusBadRequest, 0, "InvalidArgument", "", "")
			r = e.do(http.MethodPut, pick(e.d, "acl-bucket", "acl-1250000000", ""), "", nil, h(e.hdr("acl"), "public-read-write"), nil)
			mustStatus(t, r, http.StatusOK)
		} else {
			e.put("k", []byte("x"), nil)
			body = []byte(`{"acl":[{"grantee":{"type":"group","name":"QS_ALL_USERS"},"permission":"READ"}]}`)
			mustStatus(t, e.do(http.MethodPut, e.bucket, "k", q("acl", ""), nil, body), http.StatusOK)
			if _, grants = e.readACL("k"); !slices.Equal(grants, []string{"group:QS_ALL_USERS:READ"}) {
				t.Errorf("object ACL: %v", grants)
			}
		}
		r = e.do(http.MethodGet, e.bucket, "missing", q("acl", ""), nil, nil)
		e.want(r, http.StatusNotFound, http.StatusNotFound, "NoSuchKey", "", "object_not_exists")
		ops := strings.Join(opsOf(e.srv), " ")
		for _, op := range []string{"GetBucketAcl", "PutBucketAcl", "GetObjectAcl", "PutObjectAcl"} {
			if !strings.Contains(ops, op) {
				t.Errorf("no %s in the log", op)
			}
		}
	})
}
