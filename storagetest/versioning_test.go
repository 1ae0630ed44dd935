package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// setVersioning puts the bucket's versioning status (Enabled or
// Suspended) in the dialect's document.
func (e *env) setVersioning(status string) {
	e.t.Helper()
	body := `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>` + status + `</Status></VersioningConfiguration>`
	if e.qs() {
		body = `{"status":"` + strings.ToUpper(status) + `"}`
	}
	r := e.do(http.MethodPut, e.bucket, "", q("versioning", ""), nil, []byte(body))
	mustStatus(e.t, r, http.StatusOK)
}

// versioning reads the bucket's versioning status as sent.
func (e *env) versioning() string {
	e.t.Helper()
	r := e.do(http.MethodGet, e.bucket, "", q("versioning", ""), nil, nil)
	mustStatus(e.t, r, http.StatusOK)
	var x struct {
		XMLName xml.Name `xml:"VersioningConfiguration"`
		Status  string
	}
	var j struct {
		Status string `json:"status"`
	}
	e.decode(r, &x, &j)
	if e.qs() {
		return j.Status
	}
	return x.Status
}

// version is an entry of ListObjectVersions.
type listedVersion struct {
	key, id        string
	latest, marker bool
	size           int64
}

type listedVersions struct {
	entries         []listedVersion
	prefixes        []string
	truncated       bool
	nextKey, nextID string
}

func (e *env) listVersions(query map[string][]string) listedVersions {
	e.t.Helper()
	r := e.do(http.MethodGet, e.bucket, "", query, nil, nil)
	mustStatus(e.t, r, http.StatusOK)
	var p listedVersions
	if e.qs() {
		var j struct {
			Keys []struct {
				Key          string `json:"key"`
				VersionID    string `json:"version_id"`
				IsLatest     bool   `json:"is_latest"`
				DeleteMarker bool   `json:"delete_marker"`
				Size         int64  `json:"size"`
			} `json:"keys"`
			CommonPrefixes      []string `json:"common_prefixes"`
			HasMore             bool     `json:"has_more"`
			NextKeyMarker       string   `json:"next_key_marker"`
			NextVersionIDMarker string   `json:"next_version_id_marker"`
		}
		if err := json.Unmarshal(r.body, &j); err != nil {
			e.t.Fatal(err)
		}
		for _, k := range j.Keys {
			p.entries = append(p.entries, listedVersion{k.Key, k.VersionID, k.IsLatest, k.DeleteMarker, k.Size})
		}
		p.prefixes, p.truncated, p.nextKey, p.nextID = j.CommonPrefixes, j.HasMore, j.NextKeyMarker, j.NextVersionIDMarker
		return p
	}
	var x struct {
		XMLName             xml.Name `xml:"ListVersionsResult"`
		IsTruncated         bool
		NextKeyMarker       string
		NextVersionIDMarker string `xml:"NextVersionIdMarker"`
		Entries             []struct {
			XMLName   xml.Name
			Key       string
			VersionID string `xml:"VersionId"`
			IsLatest  bool
			Size      int64
		} `xml:",any"`
		CommonPrefixes []struct{ Prefix string }
	}
	if err := xml.Unmarshal(r.body, &x); err != nil {
		e.t.Fatal(err)
	}
	for _, en := range x.Entries {
		switch en.XMLName.Local {
		case "Version", "DeleteMarker":
			p.entries = append(p.entries, listedVersion{en.Key, en.VersionID, en.IsLatest, en.XMLName.Local == "DeleteMarker", en.Size})
		}
	}
	for _, c := range x.CommonPrefixes {
		p.prefixes = append(p.prefixes, c.Prefix)
	}
	p.truncated, p.nextKey, p.nextID = x.IsTruncated, x.NextKeyMarker, x.NextVersionIDMarker
	return p
}

func TestVersioning(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		vid := e.hdr("version-id")
		marker := e.hdr("delete-marker")
		if got := e.versioning(); got != "" && got != "DISABLED" {
			t.Errorf("new bucket versioning %q", got)
		}
		// Before versioning: no version header, the null version.
		if r := e.put("k", []byte("v0"), nil); r.header.Get(vid) != "" {
			t.Errorf("unversioned PUT has %s %q", vid, r.header.Get(vid))
		}
		e.setVersioning("Enabled")
		if got := e.versioning(); !strings.EqualFold(got, "Enabled") {
			t.Errorf("versioning %q after enabling", got)
		}
		v1 := e.put("k", []byte("v1"), nil).header.Get(vid)
		v2 := e.put("k", []byte("v2"), nil).header.Get(vid)
		if v1 == "" || v2 == "" || v1 == v2 {
			t.Fatalf("version ids %q %q", v1, v2)
		}
		vparam := e.d.Params.VersionID
		for v, want := range map[string]string{v1: "v1", v2: "v2", "null": "v0", "": "v2"} {
			query := q(vparam, v)
			if v == "" {
				query = nil
			}
			g := e.get("k", query, nil)
			if string(g.body) != want || (v != "" && g.header.Get(vid) != v) {
				t.Errorf("GET version %q: %q, %s %q", v, g.body, vid, g.header.Get(vid))
			}
		}
		r := e.do(http.MethodHead, e.bucket, "k", q(vparam, v1), nil, nil)
		if r.status != http.StatusOK || r.header.Get("Content-Length") != "2" || r.header.Get(vid) != v1 {
			t.Errorf("HEAD version: %d %v", r.status, r.header)
		}
		e.want(e.do(http.MethodGet, e.bucket, "k", q(vparam, "nope"), nil, nil), http.StatusNotFound, http.StatusNotFound, "NoSuchVersion", "", "object_not_exists")

		// A plain delete adds a delete marker.
		r = e.do(http.MethodDelete, e.bucket, "k", nil, nil, nil)
		mustStatus(t, r, http.StatusNoContent)
		dm := r.header.Get(vid)
		if r.header.Get(marker) != "true" || dm == "" {
			t.Fatalf("delete: %v", r.header)
		}
		r = e.do(http.MethodGet, e.bucket, "k", nil, nil, nil)
		e.want(r, http.StatusNotFound, http.StatusNotFound, "NoSuchKey", "", "object_not_exists")
		if r.header.Get(marker) != "true" || r.header.Get(vid) != dm {
			t.Errorf("GET behind a delete marker: %v", r.header)
		}
		r = e.do(http.MethodGet, e.bucket, "k", q(vparam, dm), nil, nil)
		e.want(r, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "MethodNotAllowed", "", "method_not_allowed")
		if g := e.get("k", q(vparam, v1), nil); string(g.body) != "v1" {
			t.Errorf("old version after delete: %q", g.body)
		}
		// Not listed, but its versions are.
		if got := listAll(t, e.srv, e.bucket, q(), 10); len(got) != 0 {
			t.Errorf("listing shows %v", got)
		}
		p := e.listVersions(q("versions", ""))
		want := []listedVersion{{"k", dm, true, true, 0}, {"k", v2, false, false, 2}, {"k", v1, false, false, 2}, {"k", "null", false, false, 2}}
		if !slices.Equal(p.entries, want) || p.truncated {
			t.Errorf("versions %+v\nwant %+v", p.entries, want)
		}
		// Removing the marker by id brings v2 back.
		r = e.do(http.MethodDelete, e.bucket, "k", q(vparam, dm), nil, nil)
		mustStatus(t, r, http.StatusNoContent)
		if r.header.Get(marker) != "true" || r.header.Get(vid) != dm {
			t.Errorf("delete of the marker: %v", r.header)
		}
		if g := e.get("k", nil, nil); string(g.body) != "v2" {
			t.Errorf("after removing the marker: %q", g.body)
		}
		// Deleting a version removes it for good.
		mustStatus(t, e.do(http.MethodDelete, e.bucket, "k", q(vparam, v2), nil, nil), http.StatusNoContent)
		if g := e.get("k", nil, nil); string(g.body) != "v1" {
			t.Errorf("after deleting v2: %q", g.body)
		}
		// Restoring a version by copying it over the key.
		r = e.copyObject(e.bucket, "k", "k", "null")
		e.copyETag(r)
		if r.header.Get(vid) == "" || r.header.Get(e.hdr("copy-source-version-id")) != "null" {
			t.Errorf("restore copy headers: %v", r.header)
		}
		if g := e.get("k", nil, nil); string(g.body) != "v0" {
			t.Errorf("after restoring the null version: %q", g.body)
		}

		// Suspended: writes replace the null version.
		e.setVersioning("Suspended")
		if got := e.versioning(); !strings.EqualFold(got, "Suspended") {
			t.Errorf("versioning %q after suspending", got)
		}
		e.put("k", []byte("s1"), nil)
		e.put("k", []byte("s2"), nil)
		p = e.listVersions(q("versions", "", "prefix", "k"))
		nulls := 0
		for _, en := range p.entries {
			if en.id == "null" {
				nulls++
			}
		}
		if nulls != 1 || !p.entries[0].latest || p.entries[0].id != "null" {
			t.Errorf("suspended versions %+v", p.entries)
		}
		bad := `<VersioningConfiguration><Status>Maybe</Status></VersioningConfiguration>`
		if e.qs() {
			bad = `{"status":"MAYBE"}`
		}
		r = e.do(http.MethodPut, e.bucket, "", q("versioning", ""), nil, []byte(bad))
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "IllegalVersioningConfigurationException", "", "invalid_argument")
		ops := opsOf(e.srv)
		for _, op := range []string{"PutBucketVersioning", "GetBucketVersioning", "ListObjectVersions"} {
			if !slices.Contains(ops, op) {
				t.Errorf("no %s in %v", op, ops)
			}
		}
	})
}

func TestListObjectVersionsPaging(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		e.setVersioning("Enabled")
		var want []listedVersion
		for _, k := range []string{"a", "b/1", "b/2", "c"} {
			var ids []string
			for i := range 3 {
				ids = append(ids, e.put(k, []byte(strconv.Itoa(i)), nil).header.Get(e.hdr("version-id")))
			}
			for i := 2; i >= 0; i-- {
				want = append(want, listedVersion{k, ids[i], i == 2, false, 1})
			}
		}
		sizeParam, keyParam, idParam := "max-keys", "key-marker", "version-id-marker"
		if e.qs() {
			sizeParam, keyParam, idParam = "limit", "key_marker", "version_id_marker"
		}
		var got []listedVersion
		query := q("versions", "", sizeParam, "5")
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			p := e.listVersions(query)
			got = append(got, p.entries...)
			if !p.truncated {
				break
			}
			query = q("versions", "", sizeParam, "5", keyParam, p.nextKey, idParam, p.nextID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged versions\n%+v\nwant\n%+v", got, want)
		}
		p := e.listVersions(q("versions", "", "delimiter", "/", sizeParam, "4"))
		if !slices.Equal(p.prefixes, []string{"b/"}) || len(p.entries) != 3 || !p.truncated || p.nextKey != "b/" {
			t.Errorf("delimited page: %+v", p)
		}
		p = e.listVersions(q("versions", "", "delimiter", "/", keyParam, "b/"))
		if len(p.prefixes) != 0 || len(p.entries) != 3 || p.entries[0].key != "c" {
			t.Errorf("after the b/ group: %+v", p)
		}
		r := e.do(http.MethodGet, e.bucket, "", q("versions", "", idParam, want[0].id), nil, nil)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "", "invalid_argument")
	})
}
