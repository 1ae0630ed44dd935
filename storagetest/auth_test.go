package storagetest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/signer"
)

// authStatus is the status of a refused signature: 401 for QingStor's
// signature and key errors, 403 elsewhere.
func authStatus(d client.Dialect) int {
	if d.Codec == client.JSON {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

// nativeScheme is the scheme a dialect's default signer produces.
func nativeScheme(d client.Dialect) string {
	return pick(d, schemeV4, schemeCOS, schemeQingStor)
}

func TestSignatureRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		d := srv.Dialect()
		get := req{method: http.MethodGet, bucket: dc.bucket, key: "k"}

		rq := get
		rq.signer = keySigner(srv, DefaultAccessKey, "wrong-secret")
		wantError(t, d, send(t, srv, rq), authStatus(d), pick(d, "SignatureDoesNotMatch", "", "signature_not_matched"))
		e := srv.Requests()[0]
		if e.Scheme != nativeScheme(d) || e.Status != authStatus(d) || e.Code == "" || e.Op != "" {
			t.Errorf("log entry of a refused request: %+v", e)
		}
		if got := e.Header.Get("Authorization"); strings.Contains(got, DefaultAccessKey) || got == "" {
			t.Errorf("logged Authorization %q is not redacted to its scheme", got)
		}

		rq.signer = keySigner(srv, "UNKNOWNKEY", DefaultSecretKey)
		wantError(t, d, send(t, srv, rq), authStatus(d), pick(d, "InvalidAccessKeyId", "", "invalid_access_key_id"))

		wantError(t, d, send(t, srv, get), http.StatusForbidden, pick(d, "AccessDenied", "", "permission_denied"))
		if e := srv.Requests()[2]; e.Scheme != schemeAnonymous || !e.SignedAt.IsZero() {
			t.Errorf("unsigned request logged as %q at %v", e.Scheme, e.SignedAt)
		}

		// Signed two hours ago: too old for a header signature.
		rq.signer = goodSigner(srv)
		rq.now = time.Now().Add(-2 * time.Hour)
		r := send(t, srv, rq)
		switch d.Name {
		case client.QingStor.Name:
			wantError(t, d, r, http.StatusForbidden, "request_expired")
		case client.COS.Name: // q-sign-time ended an hour ago
			e := wantError(t, d, r, http.StatusForbidden, "AccessDenied")
			if e.Message != "Request has expired" {
				t.Errorf("message %q", e.Message)
			}
		default:
			wantError(t, d, r, http.StatusForbidden, "RequestTimeTooSkewed")
		}
	})
}

func TestSignedRequestLogged(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		signedAt := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
		srv := start(t, dc.d, func(o *Options) { o.Clock = func() time.Time { return signedAt.Add(time.Minute) } })
		r := send(t, srv, req{method: http.MethodPut, bucket: dc.bucket, signer: goodSigner(srv), now: signedAt})
		mustStatus(t, r, putStatus(srv.Dialect()))
		body := []byte("logged body")
		r = send(t, srv, req{method: http.MethodPut, bucket: dc.bucket, key: "dir/obj", body: body,
			signer: goodSigner(srv), now: signedAt})
		mustStatus(t, r, putStatus(srv.Dialect()))
		log := srv.Requests()
		if len(log) != 2 {
			t.Fatalf("%d log entries, want 2", len(log))
		}
		e := log[1]
		if e.Method != http.MethodPut || e.Bucket != dc.bucket || e.Key != "dir/obj" || e.Op != "PutObject" ||
			e.Status != putStatus(srv.Dialect()) || e.Code != "" {
			t.Errorf("entry: %+v", e)
		}
		if e.BodySize != int64(len(body)) || e.BodyMD5 != md5hex(body) {
			t.Errorf("body size %d md5 %s; want %d %s", e.BodySize, e.BodyMD5, len(body), md5hex(body))
		}
		if e.Scheme != nativeScheme(srv.Dialect()) || !e.SignedAt.Equal(signedAt) {
			t.Errorf("scheme %q signed at %v; want %q %v", e.Scheme, e.SignedAt, nativeScheme(srv.Dialect()), signedAt)
		}
		srv.ResetLog()
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d entries after ResetLog", n)
		}
	})
}

func TestPresigned(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d)
		d := srv.Dialect()
		createBucket(t, srv, dc.bucket)
		putObject(t, srv, dc.bucket, "shared file", []byte("shared"))
		p, ok := goodSigner(srv).(signer.Presigner)
		if !ok {
			t.Skipf("the %s signer cannot presign", d.Name)
		}
		presign := func(now time.Time) string {
			r := req{method: http.MethodGet, bucket: dc.bucket, key: "shared file"}.build(t, srv)
			u, _, err := p.Presign(context.Background(), r, now, 10*time.Minute)
			if err != nil {
				t.Fatalf("presign: %v", err)
			}
			return u.String()
		}
		res, err := http.Get(presign(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("presigned GET: %d", res.StatusCode)
		}
		e := srv.Requests()[2]
		if e.Scheme != nativeScheme(d) {
			t.Errorf("presigned request logged with scheme %q", e.Scheme)
		}
		for _, k := range signatureParams {
			if v, ok := e.Query[k]; ok && v[0] != "REDACTED" {
				t.Errorf("query %s=%q not redacted", k, v[0])
			}
		}

		expired, err := http.Get(presign(time.Now().Add(-time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		defer expired.Body.Close()
		r := readResp(t, expired)
		wantError(t, d, r, http.StatusForbidden, pick(d, "AccessDenied", "", "request_expired"))
	})
}

func readResp(t *testing.T, res *http.Response) resp {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func TestSchemeNotAcceptedByDialect(t *testing.T) {
	srv := start(t, client.S3)
	cos := signer.NewCOS(signer.NewStaticCredentials(DefaultAccessKey, DefaultSecretKey, ""))
	r := send(t, srv, req{method: http.MethodGet, bucket: "b", signer: cos})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")

	r = send(t, srv, req{method: http.MethodGet, bucket: "b", header: http.Header{"Authorization": {"Bearer abc"}}})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")

	r = send(t, srv, req{method: http.MethodGet, bucket: "b", header: http.Header{"Authorization": {"Digest xyz"}}})
	wantError(t, srv.Dialect(), r, http.StatusBadRequest, "InvalidArgument")
	if s := srv.Requests()[2].Scheme; s != schemeUnknown {
		t.Errorf("scheme %q, want unknown", s)
	}
}

func TestSigV2Accepted(t *testing.T) {
	srv := start(t, client.S3)
	v2 := signer.NewV2(signer.NewStaticCredentials(DefaultAccessKey, DefaultSecretKey, ""))
	r := send(t, srv, req{method: http.MethodPut, bucket: "v2-bucket", signer: v2})
	mustStatus(t, r, http.StatusOK)
	r = send(t, srv, req{method: http.MethodPut, bucket: "v2-bucket", key: "a b", body: []byte("x"), signer: v2})
	mustStatus(t, r, http.StatusOK)
	if e := srv.Requests()[1]; e.Scheme != schemeV2 || e.SignedAt.IsZero() {
		t.Errorf("v2 request logged as %q at %v", e.Scheme, e.SignedAt)
	}
	r = send(t, srv, req{method: http.MethodGet, bucket: "v2-bucket", key: "a b",
		signer: signer.NewV2(signer.NewStaticCredentials(DefaultAccessKey, "bad", ""))})
	wantError(t, srv.Dialect(), r, http.StatusForbidden, "SignatureDoesNotMatch")
}

func TestAllowAnonymous(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		srv := start(t, dc.d, func(o *Options) { o.AllowAnonymous = true })
		r := send(t, srv, req{method: http.MethodPut, bucket: dc.bucket})
		mustStatus(t, r, putStatus(srv.Dialect()))
		// Signed requests are still checked.
		r = send(t, srv, req{method: http.MethodGet, bucket: dc.bucket, query: url.Values{},
			signer: keySigner(srv, DefaultAccessKey, "wrong")})
		wantError(t, srv.Dialect(), r, authStatus(srv.Dialect()), pick(srv.Dialect(), "SignatureDoesNotMatch", "", "signature_not_matched"))
	})
}
