package storagetest

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/protocol"
)

// copySourceValue is the copy-source header naming bucket/key (and a
// version) as the dialect's clients write it.
func copySourceValue(e *env, bucket, key, version string) string {
	v := "/" + bucket + "/" + protocol.EscapePath(key)
	if e.cos() {
		v = bucket + ".cos." + e.srv.Region() + ".myqcloud.com/" + protocol.EscapePath(key)
	}
	if version != "" {
		v += "?" + e.d.Params.VersionID + "=" + version
	}
	return v
}

// copyObject sends a copy request with extra headers.
func (e *env) copyObject(dstBucket, dstKey, srcKey, version string, kv ...string) resp {
	e.t.Helper()
	hd := h(kv...)
	hd.Set(e.hdr("copy-source"), copySourceValue(e, e.bucket, srcKey, version))
	return e.do(http.MethodPut, dstBucket, dstKey, nil, hd, nil)
}

// copyETag checks a successful copy answer and returns the new ETag.
func (e *env) copyETag(r resp) string {
	e.t.Helper()
	mustStatus(e.t, r, putStatus(e.d))
	if e.qs() {
		return r.header.Get("ETag")
	}
	var res struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		ETag         string
		LastModified string
		CRC64        string
	}
	if err := xml.Unmarshal(r.body, &res); err != nil || res.LastModified == "" {
		e.t.Fatalf("CopyObjectResult %s: %v", r.body, err)
	}
	if e.cos() && res.CRC64 == "" {
		e.t.Errorf("COS CopyObjectResult without CRC64: %s", r.body)
	}
	return res.ETag
}

func TestCopyObject(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		data := []byte("copy me")
		meta := e.d.MetaPrefix
		e.put("src key+1", data, h("Content-Type", "text/plain", meta+"a", "1", "Cache-Control", "no-cache"))

		if etag := e.copyETag(e.copyObject(e.bucket, "dst", "src key+1", "")); etag != `"`+md5hex(data)+`"` {
			t.Errorf("copy ETag %q", etag)
		}
		g := e.get("dst", nil, nil)
		if !bytes.Equal(g.body, data) || g.header.Get("Content-Type") != "text/plain" || g.header.Get(meta+"a") != "1" || g.header.Get("Cache-Control") != "no-cache" {
			t.Errorf("copied with COPY: %q %v", g.body, g.header)
		}

		replace := "REPLACE"
		if e.cos() {
			replace = "Replaced"
		}
		e.copyETag(e.copyObject(e.bucket, "dst2", "src key+1", "", e.hdr("metadata-directive"), replace,
			"Content-Type", "application/json", meta+"b", "2"))
		g = e.get("dst2", nil, nil)
		if g.header.Get("Content-Type") != "application/json" || g.header.Get(meta+"b") != "2" || g.header.Get(meta+"a") != "" {
			t.Errorf("copied with %s: %v", replace, g.header)
		}
		r := e.copyObject(e.bucket, "dst3", "src key+1", "", e.hdr("metadata-directive"), "SOMETIMES")
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "", "invalid_argument")

		other := pick(e.d, "other-bucket", "other-1250000000", "other-bucket")
		createBucket(t, e.srv, other)
		e.copyETag(e.copyObject(other, "x", "src key+1", ""))
		if r := e.do(http.MethodGet, other, "x", nil, nil, nil); !bytes.Equal(r.body, data) {
			t.Errorf("cross-bucket copy: %d %q", r.status, r.body)
		}

		r = e.copyObject(e.bucket, "src key+1", "src key+1", "")
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidRequest", "", "invalid_request")
		e.copyETag(e.copyObject(e.bucket, "src key+1", "src key+1", "", e.hdr("metadata-directive"), replace, meta+"c", "3"))

		past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
		future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
		etag := `"` + md5hex(data) + `"`
		for _, cond := range [][2]string{
			{"copy-source-if-match", `"0000"`},
			{"copy-source-if-none-match", etag},
			{"copy-source-if-modified-since", future},
			{"copy-source-if-unmodified-since", past},
		} {
			r := e.copyObject(e.bucket, "cond", "src key+1", "", e.hdr(cond[0]), cond[1])
			e.want(r, http.StatusPreconditionFailed, http.StatusPreconditionFailed, "PreconditionFailed", "", "precondition_failed")
		}
		e.copyETag(e.copyObject(e.bucket, "cond", "src key+1", "", e.hdr("copy-source-if-match"), etag, e.hdr("copy-source-if-unmodified-since"), past))

		r = e.copyObject(e.bucket, "dst4", "missing", "")
		e.want(r, http.StatusNotFound, http.StatusNotFound, "NoSuchKey", "", "object_not_exists")
		if n := countOf(opsOf(e.srv), "CopyObject"); n < 8 {
			t.Errorf("%d CopyObject entries in the log", n)
		}
	})
}

func TestQingStorMoveAndFetch(t *testing.T) {
	e := newEnv(t, dialectCases[3])
	data := []byte("move me")
	e.put("src", data, h("Content-Type", "text/plain"))
	r := e.do(http.MethodPut, e.bucket, "moved", nil, h("x-qs-move-source", "/"+e.bucket+"/src"), nil)
	mustStatus(t, r, http.StatusCreated)
	if g := e.get("moved", nil, nil); !bytes.Equal(g.body, data) || g.header.Get("Content-Type") != "text/plain" {
		t.Errorf("moved object %q %v", g.body, g.header)
	}
	e.want(e.do(http.MethodGet, e.bucket, "src", nil, nil, nil), 0, http.StatusNotFound, "", "", "object_not_exists")
	r = e.do(http.MethodPut, e.bucket, "moved2", nil, h("x-qs-move-source", "/"+e.bucket+"/src"), nil)
	e.want(r, 0, http.StatusNotFound, "", "", "object_not_exists")

	r = e.do(http.MethodPut, e.bucket, "fetched", nil, h("x-qs-fetch-source", e.srv.URL+"/"+e.bucket+"/moved"), nil)
	mustStatus(t, r, http.StatusCreated)
	if g := e.get("fetched", nil, nil); !bytes.Equal(g.body, data) {
		t.Errorf("fetched object %q", g.body)
	}
	r = e.do(http.MethodPut, e.bucket, "remote", nil, h("x-qs-fetch-source", "http://example.invalid/x"), nil)
	e.want(r, 0, http.StatusBadRequest, "", "", "invalid_argument")
	ops := opsOf(e.srv)
	if !slices.Contains(ops, "MoveObject") || !slices.Contains(ops, "FetchObject") {
		t.Errorf("log ops %v", ops)
	}
}

func TestMoveFetchNotS3(t *testing.T) {
	e := newEnv(t, dialectCases[0])
	for _, name := range []string{"x-amz-move-source", "x-amz-fetch-source"} {
		r := e.do(http.MethodPut, e.bucket, "k", nil, h(name, "/"+e.bucket+"/src"), nil)
		wantError(t, e.d, r, http.StatusNotImplemented, "NotImplemented")
	}
}
