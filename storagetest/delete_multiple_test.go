package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

// deleteBody is a DeleteObjects body for keys (key or key@version).
func (e *env) deleteBody(quiet bool, keys ...string) []byte {
	if e.qs() {
		type obj struct {
			Key       string `json:"key"`
			VersionID string `json:"version_id,omitempty"`
		}
		var in struct {
			Objects []obj `json:"objects"`
			Quiet   bool  `json:"quiet"`
		}
		in.Quiet = quiet
		for _, k := range keys {
			key, v, _ := strings.Cut(k, "@")
			in.Objects = append(in.Objects, obj{key, v})
		}
		b, _ := json.Marshal(in)
		return b
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "<Delete><Quiet>%v</Quiet>", quiet)
	for _, k := range keys {
		key, v, _ := strings.Cut(k, "@")
		sb.WriteString("<Object><Key>")
		_ = xml.EscapeText(&sb, []byte(key))
		sb.WriteString("</Key>")
		if v != "" {
			sb.WriteString("<VersionId>" + v + "</VersionId>")
		}
		sb.WriteString("</Object>")
	}
	sb.WriteString("</Delete>")
	return []byte(sb.String())
}

// deleteObjects sends a DeleteObjects request with Content-MD5.
func (e *env) deleteObjects(body []byte) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("Content-MD5", md5b64(body)), body)
}

type deleteAnswer struct {
	deleted []string // key or key@version, "+marker" when a marker was involved
	errors  []string // key:code
}

func (e *env) decodeDelete(r resp) deleteAnswer {
	e.t.Helper()
	mustStatus(e.t, r, http.StatusOK)
	var a deleteAnswer
	var x struct {
		XMLName xml.Name `xml:"DeleteResult"`
		Deleted []struct {
			Key                   string
			VersionID             string `xml:"VersionId"`
			DeleteMarker          bool
			DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId"`
		} `xml:"Deleted"`
		Errors []struct{ Key, Code, Message string } `xml:"Error"`
	}
	var j struct {
		Deleted []struct {
			Key string `json:"key"`
		} `json:"deleted"`
		Errors []struct {
			Key     string `json:"key"`
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	e.decode(r, &x, &j)
	if e.qs() {
		for _, d := range j.Deleted {
			a.deleted = append(a.deleted, d.Key)
		}
		for _, er := range j.Errors {
			a.errors = append(a.errors, er.Key+":"+er.Code)
		}
		return a
	}
	for _, d := range x.Deleted {
		s := d.Key
		if d.VersionID != "" {
			s += "@" + d.VersionID
		}
		if d.DeleteMarker {
			s += "+marker"
			if d.VersionID == "" && d.DeleteMarkerVersionID == "" {
				e.t.Errorf("added delete marker without its version id: %s", r.body)
			}
		}
		a.deleted = append(a.deleted, s)
	}
	for _, er := range x.Errors {
		a.errors = append(a.errors, er.Key+":"+er.Code)
	}
	return a
}

func TestDeleteObjects(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		for _, k := range []string{"a", "b", "c & d", "e"} {
			e.put(k, []byte(k), nil)
		}
		long := strings.Repeat("x", e.d.Limits.MaxKeyLength+1)
		body := e.deleteBody(false, "a", "c & d", "missing", long)
		a := e.decodeDelete(e.deleteObjects(body))
		if !slices.Equal(a.deleted, []string{"a", "c & d", "missing"}) || len(a.errors) != 1 || !strings.HasPrefix(a.errors[0], long+":") {
			t.Errorf("verbose: %+v", a)
		}
		a = e.decodeDelete(e.deleteObjects(e.deleteBody(true, "b", long)))
		if len(a.deleted) != 0 || len(a.errors) != 1 {
			t.Errorf("quiet: %+v", a)
		}
		if got := listAll(t, e.srv, e.bucket, q(), 10); !slices.Equal(got, []string{"e"}) {
			t.Errorf("left %v", got)
		}

		// Content-MD5 is required, and checked.
		body = e.deleteBody(false, "e")
		r := e.doNoMD5(http.MethodPost, e.bucket, "", q("delete", ""), nil, body)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "MissingContentMD5", "", "invalid_request")
		r = e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("Content-MD5", md5b64([]byte("other"))), body)
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "BadDigest", "", "bad_digest")

		keys := make([]string, e.d.Limits.MaxDeleteKeys+1)
		for i := range keys {
			keys[i] = fmt.Sprintf("k%d", i)
		}
		r = e.deleteObjects(e.deleteBody(true, keys...))
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "MalformedXML", "", "too_many_objects")
		e.want(e.deleteObjects([]byte("<Delete><Obj")), http.StatusBadRequest, http.StatusBadRequest, "MalformedXML", "", "invalid_json")

		// Versions: a plain key adds a marker, key@version removes one.
		e.setVersioning("Enabled")
		v := e.put("e", []byte("e2"), nil).header.Get(e.hdr("version-id"))
		a = e.decodeDelete(e.deleteObjects(e.deleteBody(false, "e", "e@"+v)))
		if !e.qs() && (len(a.deleted) != 2 || a.deleted[0] != "e+marker" || a.deleted[1] != "e@"+v) {
			t.Errorf("versioned delete: %+v", a.deleted)
		}
		if n := len(e.listVersions(q("versions", "")).entries); n != 2 { // the null version and the marker
			t.Errorf("%d versions left", n)
		}
		if n := countOf(opsOf(e.srv), "DeleteObjects"); n != 7 {
			t.Errorf("%d DeleteObjects entries", n)
		}
	})
}

func TestDeleteObjectsS3AcceptsChecksum(t *testing.T) {
	e := newEnv(t, dialectCases[0])
	e.put("a", []byte("a"), nil)
	body := e.deleteBody(true, "a")
	crc := client.ComputeChecksum(client.ChecksumCRC32, body).String() // verified since it stands in for Content-MD5
	r := e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("x-amz-checksum-crc32", crc), body)
	mustStatus(t, r, http.StatusOK)
}
