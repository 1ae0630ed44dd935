package storagetest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestFaultCorruptRequestBody flips a bit of a PUT body carrying
// Content-MD5: the server refuses it with the dialect's digest code; the
// same PUT without a fault is stored. Without Content-MD5 the flipped
// bytes are what the server stores.
func TestFaultCorruptRequestBody(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		d := srv.Dialect()
		createBucket(t, srv, dc.bucket)
		body := bytes.Repeat([]byte("0123456789"), 100)
		withMD5 := http.Header{"Content-Md5": {md5b64(body)}}
		put := req{method: http.MethodPut, bucket: dc.bucket, key: "k", body: body, header: withMD5, signer: goodSigner(srv)}

		srv.InjectFault(Fault{CorruptRequestBody: true, CorruptRequestOffset: 500})
		r := send(t, srv, put)
		e := wantError(t, d, r, http.StatusBadRequest, pick(d, "BadDigest", "BadDigest", "bad_digest"))
		if !d.DigestMismatchCodes[e.Code] {
			t.Errorf("%s is not among the dialect's digest mismatch codes %v", e.Code, d.DigestMismatchCodes)
		}
		mustStatus(t, send(t, srv, put), putStatus(d))

		srv.InjectFault(Fault{CorruptRequestBody: true}) // the first byte
		put.header, put.noMD5 = nil, true
		mustStatus(t, send(t, srv, put), putStatus(d))
		got := send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "k", signer: goodSigner(srv)})
		want := append([]byte{body[0] ^ 1}, body[1:]...)
		if !bytes.Equal(got.body, want) {
			t.Errorf("stored %q..., want the first byte flipped", got.body[:8])
		}
	})
}

// TestFaultBlankOK answers a request with a whitespace-only 200 without
// handling it: the object is not stored.
func TestFaultBlankOK(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		createBucket(t, srv, dc.bucket)
		srv.InjectFault(Fault{BlankOK: true})
		r := send(t, srv, req{method: http.MethodPut, bucket: dc.bucket, key: "k", body: []byte("data"), signer: goodSigner(srv)})
		if r.status != http.StatusOK || len(r.body) == 0 || strings.TrimSpace(string(r.body)) != "" {
			t.Fatalf("answer %d %q, want 200 with only whitespace", r.status, r.body)
		}
		got := send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "k", signer: goodSigner(srv)})
		if got.status != http.StatusNotFound {
			t.Errorf("GET after a blank answer: %d, want 404 (the PUT was not handled)", got.status)
		}
		if log := srv.Requests(); log[len(log)-2].Status != http.StatusOK || log[len(log)-2].Op != "PutObject" {
			t.Errorf("log entry %+v", log[len(log)-2])
		}
	})
}

// TestFaultRewrite handles a PUT and rewrites its answer: the object is
// stored, the client sees the rewritten status, headers and body.
func TestFaultRewrite(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		createBucket(t, srv, dc.bucket)
		var seen int
		srv.InjectFault(Fault{Rewrite: func(status int, h http.Header, body []byte) (int, []byte) {
			seen = status
			h.Del("ETag")
			h.Set("X-Rewritten", "yes")
			return http.StatusOK, []byte("   ")
		}})
		r := send(t, srv, req{method: http.MethodPut, bucket: dc.bucket, key: "k", body: []byte("data"), signer: goodSigner(srv)})
		if r.status != http.StatusOK || string(r.body) != "   " || r.header.Get("ETag") != "" || r.header.Get("X-Rewritten") != "yes" {
			t.Fatalf("answer %d %q %v, want the rewritten one", r.status, r.body, r.header)
		}
		if seen != putStatus(srv.Dialect()) {
			t.Errorf("the rewrite saw status %d, want %d", seen, putStatus(srv.Dialect()))
		}
		got := send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, key: "k", signer: goodSigner(srv)})
		if got.status != http.StatusOK || string(got.body) != "data" {
			t.Errorf("GET after a rewritten answer: %d %q, want the stored object", got.status, got.body)
		}
		// HEAD keeps its Content-Length (the object's size).
		srv.InjectFault(Fault{Rewrite: func(status int, h http.Header, body []byte) (int, []byte) {
			h.Set("Content-Length", "3")
			return status, body
		}})
		head := send(t, srv, req{method: http.MethodHead, bucket: dc.bucket, key: "k", signer: goodSigner(srv)})
		if head.status != http.StatusOK || head.header.Get("Content-Length") != "3" {
			t.Errorf("HEAD %d Content-Length %q, want the rewritten 3", head.status, head.header.Get("Content-Length"))
		}
	})
}
