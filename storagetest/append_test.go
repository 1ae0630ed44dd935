package storagetest

import (
	"hash/crc64"
	"net/http"
	"strconv"
	"testing"
)

// appendAt sends an append of data at pos.
func (e *env) appendAt(key string, pos int, data []byte, header http.Header) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.bucket, key, q("append", "", "position", strconv.Itoa(pos)), header, data)
}

func TestAppendObject(t *testing.T) {
	for _, dc := range []dialectCase{dialectCases[2], dialectCases[3]} { // COS, QingStor
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			next := e.hdr("next-append-position")
			var whole []byte
			for _, chunk := range []string{"hello", ", ", "appendable world"} {
				r := e.appendAt("log", len(whole), []byte(chunk), h("Content-Type", "text/plain", "Content-MD5", md5b64([]byte(chunk))))
				mustStatus(t, r, http.StatusOK)
				whole = append(whole, chunk...)
				if r.header.Get(next) != strconv.Itoa(len(whole)) || r.header.Get("ETag") != `"`+md5hex(whole)+`"` {
					t.Errorf("after %q: %s %q, ETag %q", chunk, next, r.header.Get(next), r.header.Get("ETag"))
				}
				// COS: the MD5 of this append's bytes, in x-cos-content-sha1
				// (what cos-go-sdk-v5 checks).
				if e.cos() && r.header.Get("x-cos-content-sha1") != md5hex([]byte(chunk)) {
					t.Errorf("after %q: x-cos-content-sha1 %q, want %s", chunk, r.header.Get("x-cos-content-sha1"), md5hex([]byte(chunk)))
				}
			}
			g := e.get("log", nil, nil)
			if string(g.body) != string(whole) || g.header.Get("Content-Type") != "text/plain" {
				t.Errorf("appended object %q %v", g.body, g.header)
			}
			if g.header.Get(e.hdr("object-type")) != "appendable" || g.header.Get(next) != strconv.Itoa(len(whole)) {
				t.Errorf("object type headers: %v", g.header)
			}
			if e.cos() && g.header.Get("x-cos-hash-crc64ecma") != strconv.FormatUint(crc64.Checksum(whole, crc64.MakeTable(crc64.ECMA)), 10) {
				t.Errorf("crc64 of the appended object %q", g.header.Get("x-cos-hash-crc64ecma"))
			}

			for _, pos := range []int{0, len(whole) - 1, len(whole) + 1} {
				r := e.appendAt("log", pos, []byte("x"), nil)
				e.want(r, http.StatusConflict, http.StatusBadRequest, "", "PositionNotEqualToLength", "invalid_argument")
				if r.header.Get(next) != strconv.Itoa(len(whole)) {
					t.Errorf("wrong position %d: %s %q", pos, next, r.header.Get(next))
				}
			}
			e.want(e.appendAt("new", 3, []byte("x"), nil), http.StatusConflict, http.StatusBadRequest, "", "PositionNotEqualToLength", "invalid_argument")
			e.want(e.do(http.MethodPost, e.bucket, "log", q("append", ""), nil, []byte("x")),
				http.StatusBadRequest, http.StatusBadRequest, "", "InvalidArgument", "invalid_argument")

			e.put("normal", []byte("abc"), nil)
			e.want(e.appendAt("normal", 3, []byte("x"), nil), http.StatusConflict, http.StatusBadRequest, "", "ObjectNotAppendable", "invalid_object_state")
			g = e.get("normal", nil, nil)
			if e.cos() && g.header.Get("x-cos-object-type") != "normal" {
				t.Errorf("COS normal object type %q", g.header.Get("x-cos-object-type"))
			}
			if e.qs() && g.header.Get("x-qs-object-type") != "" {
				t.Errorf("QingStor reports the type of a normal object: %q", g.header.Get("x-qs-object-type"))
			}
			// A PUT over an appendable object makes it normal.
			e.put("log", []byte("reset"), nil)
			e.want(e.appendAt("log", 5, []byte("x"), nil), http.StatusConflict, http.StatusBadRequest, "", "ObjectNotAppendable", "invalid_object_state")
			if n := countOf(opsOf(e.srv), "AppendObject"); n != 10 {
				t.Errorf("%d AppendObject entries", n)
			}
		})
	}
}

func TestAppendNotS3(t *testing.T) {
	for _, dc := range dialectCases[:2] {
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			r := e.appendAt("k", 0, []byte("x"), nil)
			wantError(t, e.d, r, http.StatusNotImplemented, "NotImplemented")
		})
	}
}

// TestAppendKeepsOldReaders checks that growing an appendable object in
// place leaves what earlier readers hold intact.
func TestAppendKeepsOldReaders(t *testing.T) {
	e := newEnv(t, dialectCases[2])
	mustStatus(t, e.appendAt("k", 0, []byte("abc"), nil), http.StatusOK)
	before, err := e.srv.store.getObject(e.bucket, "k", "")
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.appendAt("k", 3, []byte("def"), nil), http.StatusOK)
	if string(before.data) != "abc" || before.size() != 3 {
		t.Errorf("old version changed: %q", before.data)
	}
	if g := e.get("k", nil, nil); string(g.body) != "abcdef" {
		t.Errorf("object %q", g.body)
	}
}
