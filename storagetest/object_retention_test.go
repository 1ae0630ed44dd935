package storagetest

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// retentionState is IBM's answer to GET ?legalHold.
type retentionState struct {
	XMLName                       xml.Name `xml:"RetentionState"`
	CreateTime                    string
	RetentionPeriod               int64
	RetentionPeriodExpirationDate string
	Holds                         []struct{ ID, Date string } `xml:"LegalHoldSet>LegalHold"`
}

func (e *env) retention(key string) retentionState {
	e.t.Helper()
	r := e.do(http.MethodGet, e.bucket, key, q("legalHold", ""), nil, nil)
	mustStatus(e.t, r, http.StatusOK)
	var st retentionState
	if err := xml.Unmarshal(r.body, &st); err != nil {
		e.t.Fatalf("retention state %s: %v", r.body, err)
	}
	return st
}

// hold sends POST ?legalHold&{op}={id} with the Content-MD5 IBM requires.
func (e *env) hold(key, op, id string) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.bucket, key, q("legalHold", "", op, id), h("Content-MD5", md5b64(nil)), nil)
}

func (e *env) protect(lo, def, hi int) {
	e.t.Helper()
	doc := "<ProtectionConfiguration><Status>Retention</Status><MinimumRetention><Days>" + strconv.Itoa(lo) + "</Days></MinimumRetention>" +
		"<MaximumRetention><Days>" + strconv.Itoa(hi) + "</Days></MaximumRetention><DefaultRetention><Days>" + strconv.Itoa(def) + "</Days></DefaultRetention></ProtectionConfiguration>"
	mustStatus(e.t, e.putDoc("protection", nil, doc), http.StatusOK)
}

func TestObjectRetentionAndLegalHolds(t *testing.T) {
	e := newEnv(t, dialectCases[1]) // IBM
	e.protect(0, 2, 10)
	day := int64(24 * 60 * 60)

	e.put("kept", []byte("data"), nil)
	st := e.retention("kept")
	if st.RetentionPeriod != 2*day || len(st.Holds) != 0 {
		t.Errorf("default retention: %+v", st)
	}
	created, err1 := time.Parse(ibmDate, st.CreateTime)
	expires, err2 := time.Parse(ibmDate, st.RetentionPeriodExpirationDate)
	if err1 != nil || err2 != nil || expires.Sub(created) != 48*time.Hour {
		t.Errorf("dates %q, %q", st.CreateTime, st.RetentionPeriodExpirationDate)
	}
	// Under retention: neither deleted nor overwritten.
	e.want(e.do(http.MethodDelete, e.bucket, "kept", nil, nil, nil), http.StatusForbidden, 0, "AccessDenied", "", "")
	e.want(e.do(http.MethodPut, e.bucket, "kept", nil, nil, []byte("other")), http.StatusForbidden, 0, "AccessDenied", "", "")

	// Extension: exactly one header, only ever longer, within the maximum.
	ext := func(kv ...string) resp {
		return e.do(http.MethodPost, e.bucket, "kept", q("extendRetention", ""), h(kv...), nil)
	}
	mustStatus(t, ext("Additional-Retention-Period", "86400"), http.StatusOK)
	if got := e.retention("kept").RetentionPeriod; got != 3*day {
		t.Errorf("after adding a day: period %d", got)
	}
	mustStatus(t, ext("New-Retention-Period", strconv.Itoa(int(4*day))), http.StatusOK)
	if got := e.retention("kept").RetentionPeriod; got != 4*day {
		t.Errorf("after a new period: %d", got)
	}
	e.want(ext("New-Retention-Period", strconv.Itoa(int(day))), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(ext("Additional-Retention-Period", "1", "Extend-Retention-From-Current-Time", "999999"), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(ext(), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(ext("Extend-Retention-From-Current-Time", strconv.Itoa(int(11*day))), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	far := time.Now().Add(5 * 24 * time.Hour).UTC().Format("20060102T150405Z")
	mustStatus(t, ext("New-Retention-Expiration-Date", far), http.StatusOK)

	// An object whose retention has ended is held by its legal holds.
	e.put("free", []byte("x"), h("Retention-Period", "0"))
	mustStatus(t, e.hold("free", "add", "case-1"), http.StatusOK)
	e.want(e.hold("free", "add", "case-1"), http.StatusConflict, 0, "LegalHoldAlreadyExists", "", "")
	mustStatus(t, e.hold("free", "add", "audit.2024"), http.StatusOK)
	st = e.retention("free")
	if len(st.Holds) != 2 || st.Holds[0].ID != "case-1" || st.Holds[1].ID != "audit.2024" || st.Holds[0].Date == "" {
		t.Errorf("holds %+v", st.Holds)
	}
	e.want(e.do(http.MethodDelete, e.bucket, "free", nil, nil, nil), http.StatusForbidden, 0, "AccessDenied", "", "")
	body := []byte(`<Delete><Quiet>true</Quiet><Object><Key>free</Key></Object></Delete>`)
	r := e.do(http.MethodPost, e.bucket, "", q("delete", ""), h("Content-MD5", md5b64(body)), body)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), "<Code>AccessDenied</Code>") {
		t.Errorf("delete multiple of a held object: %s", r.body)
	}
	mustStatus(t, e.hold("free", "remove", "case-1"), http.StatusOK)
	e.want(e.hold("free", "remove", "case-1"), http.StatusNotFound, 0, "NoSuchLegalHold", "", "")
	mustStatus(t, e.hold("free", "remove", "audit.2024"), http.StatusOK)
	mustStatus(t, e.do(http.MethodDelete, e.bucket, "free", nil, nil, nil), http.StatusNoContent)

	// Input the server refuses.
	e.want(e.doNoMD5(http.MethodPost, e.bucket, "kept", q("legalHold", "", "add", "x"), nil, nil), http.StatusBadRequest, 0, "MissingContentMD5", "", "")
	e.want(e.hold("kept", "add", strings.Repeat("h", 65)), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(e.hold("kept", "add", "a b"), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(e.do(http.MethodPut, e.bucket, "long", nil, h("Retention-Period", strconv.Itoa(int(11*day))), []byte("x")), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.want(e.do(http.MethodPut, e.bucket, "both", nil, h("Retention-Period", "60", "Retention-Expiration-Date", far), []byte("x")), http.StatusBadRequest, 0, "InvalidArgument", "", "")
	e.put("with-hold", []byte("x"), h("Retention-Period", "0", "Retention-Legal-Hold-ID", "put-hold"))
	if st := e.retention("with-hold"); len(st.Holds) != 1 || st.Holds[0].ID != "put-hold" {
		t.Errorf("hold from PUT: %+v", st)
	}
}

func TestObjectRetentionNeedsProtection(t *testing.T) {
	e := newEnv(t, dialectCases[1])
	e.put("plain", []byte("x"), nil)
	e.want(e.do(http.MethodGet, e.bucket, "plain", q("legalHold", ""), nil, nil), http.StatusNotFound, 0, "NoSuchObjectRetention", "", "")
	e.want(e.hold("plain", "add", "h"), http.StatusBadRequest, 0, "InvalidRequest", "", "")
	e.want(e.do(http.MethodPut, e.bucket, "asks", nil, h("Retention-Period", "60"), []byte("x")), http.StatusBadRequest, 0, "InvalidRequest", "", "")
	mustStatus(t, e.do(http.MethodDelete, e.bucket, "plain", nil, nil, nil), http.StatusNoContent)
}

// TestObjectRetentionOnlyIBM checks that the other dialects answer the
// IBM subresources as not implemented, not as plain object requests.
func TestObjectRetentionOnlyIBM(t *testing.T) {
	for _, dc := range []dialectCase{dialectCases[0], dialectCases[2], dialectCases[3]} {
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			e.put("k", []byte("x"), nil)
			for _, r := range []resp{
				e.do(http.MethodGet, e.bucket, "k", q("legalHold", ""), nil, nil),
				e.hold("k", "add", "h"),
				e.do(http.MethodPost, e.bucket, "k", q("extendRetention", ""), h("Additional-Retention-Period", "1"), nil),
			} {
				e.want(r, http.StatusNotImplemented, http.StatusNotImplemented, "NotImplemented", "", "not_implemented")
			}
		})
	}
}
