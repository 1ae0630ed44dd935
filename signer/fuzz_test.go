package signer

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/httpheader"
)

// Sign-then-verify fuzzing: each target builds a request from fuzzed
// method, path, query and headers, keeps it only if net/http would send it
// (a valid method, header names that are tokens, values without control
// characters), signs it, sends it through net/http's own wire format
// (Request.Write, then http.ReadRequest, as a server receives it: outer
// spaces of header values trimmed, spellings of a name merged, the path
// and query as sent) and verifies it with the scheme's verifier, which
// must accept it. Presigned URLs are sent the same way, with the returned
// headers.

const (
	fuzzAK     = "AKIDFUZZ"
	fuzzSecret = "fuzz-secret-key"
)

var fuzzNow = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func fuzzLookup(ak string) (string, bool) { return fuzzSecret, ak == fuzzAK }

// fuzzHosts are the hosts a fuzzed request goes to: path style, virtual
// host style for each vendor, with and without a port.
var fuzzHosts = []string{
	"127.0.0.1:9000",
	"examplebucket.s3.us-east-1.amazonaws.com",
	"examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
	"examplebucket.pek3b.qingstor.com",
	"localhost",
}

// fuzzManaged are headers the fuzzer leaves alone: net/http sets them
// itself (Host, Content-Length, Transfer-Encoding, Trailer, User-Agent)
// or the signers do (Authorization, dates, tokens, the payload hash).
var fuzzManaged = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "trailer": true, "user-agent": true,
	"authorization": true, "date": true, "x-amz-date": true, "x-qs-date": true, "x-amz-content-sha256": true,
	"x-amz-security-token": true, "x-cos-security-token": true,
}

// fuzzManagedParam reports query parameters the signers own.
func fuzzManagedParam(k string) bool {
	lk := strings.ToLower(k)
	switch lk {
	case "signature", "awsaccesskeyid", "expires", "sign", "access_key_id", "x-cos-security-token":
		return true
	}
	return strings.HasPrefix(lk, "x-amz-") || strings.HasPrefix(lk, "q-")
}

// fuzzRequest builds the request, or returns nil when net/http would not
// send it as given. headers holds "Name: value" lines.
func fuzzRequest(method string, hostIdx uint8, path, rawQuery, headers string) *http.Request {
	if method == "" || httpheader.BadNameByte(method) >= 0 {
		return nil
	}
	u := &url.URL{Scheme: "http", Host: fuzzHosts[int(hostIdx)%len(fuzzHosts)], Path: "/" + strings.TrimPrefix(path, "/"), RawQuery: rawQuery}
	for seg := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(seg, "=")
		dk, err := url.QueryUnescape(k)
		if _, verr := url.QueryUnescape(v); err != nil || verr != nil || fuzzManagedParam(dk) {
			return nil // a malformed escape: the server answers 400
		}
	}
	r := &http.Request{Method: method, URL: u, Host: u.Host, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	for line := range strings.SplitSeq(headers, "\n") {
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !httpheader.ValidName(name) || httpheader.BadValueByte(value) >= 0 || fuzzManaged[strings.ToLower(name)] {
			return nil
		}
		r.Header[name] = append(r.Header[name], value) // as given: any spelling
	}
	return r
}

// fuzzWire sends r through net/http's wire format and returns the request
// a server reads, or nil when the server would not read back the target
// that was sent (a query or path net/http writes as is but no server
// parses, such as one with a space).
func fuzzWire(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return nil
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		return nil
	}
	if got.URL.RawQuery != r.URL.RawQuery {
		return nil
	}
	return got
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []struct {
		method        string
		host          uint8
		path, query   string
		headers       string
		token, merged bool
	}{
		{"GET", 0, "bucket/key", "", "", false, false},
		{"PUT", 1, "dir/a b+c~d%2F", "versionId=v1&acl", "Content-Type:  text/plain ; charset=utf-8 \nx-amz-meta-color:\tblue\t", true, false},
		{"PUT", 2, "exampleobject", "response-content-type=a%2Fb", "content-TYPE: text/plain \nX-Cos-Meta-Spaced:   spaced   value  \nx-cos-meta-spaced: second", false, true},
		{"POST", 3, "obj", "uploads", "Content-Md5: 1B2M2Y8AsgTpgAmY7PhCfg== \nX-QS-Meta-Data: a\nx-qs-meta-data: b", true, false},
		{"DELETE", 4, "", "delete=", "Cache-Control: no-cache\nContent-Disposition: attachment; filename=\"x y.txt\"", false, false},
		{"GET", 0, "k/\u00e9\u00e8", "a=1&a=2&b", "Range: bytes=0-9\nIf-Match: \"etag\"\nX-Amz-Meta-Utf8: \u00e9t\u00e9 ", true, true},
		{"HEAD", 1, "a//b/./c/../d", "", "Expect: 100-continue\nOrigin: https://example.com", false, false},
	} {
		f.Add(s.method, s.host, s.path, s.query, s.headers, s.token, s.merged)
	}
}

func fuzzCreds(token bool) CredentialsProvider {
	tok := ""
	if token {
		tok = "fuzz/session+token=="
	}
	return NewStaticCredentials(fuzzAK, fuzzSecret, tok)
}

// fuzzCheck signs r with sign, sends it and verifies it.
func fuzzCheck(t *testing.T, r *http.Request, sign func(*http.Request) error, verify func(*http.Request, SecretLookup, time.Time) error) {
	t.Helper()
	signed := r.Clone(context.Background())
	if err := sign(signed); err != nil {
		t.Fatalf("Sign %s %s: %v", r.Method, r.URL, err)
	}
	got := fuzzWire(t, signed)
	if got == nil {
		t.Skip("net/http does not carry this request target as sent")
	}
	if err := verify(got, fuzzLookup, fuzzNow); err != nil {
		t.Fatalf("%s %s with %q: signed, sent and refused: %v", r.Method, r.URL, r.Header, err)
	}
}

// fuzzCheckPresign presigns r, sends the URL with the returned headers
// and verifies it.
func fuzzCheckPresign(t *testing.T, r *http.Request, ps Presigner, verify func(*http.Request, SecretLookup, time.Time) error) {
	t.Helper()
	u, h, err := ps.Presign(context.Background(), r.Clone(context.Background()), fuzzNow, time.Hour)
	if err != nil {
		t.Fatalf("Presign %s %s: %v", r.Method, r.URL, err)
	}
	holder := &http.Request{Method: r.Method, URL: u, Host: u.Host, Header: h.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	if holder.Header == nil {
		holder.Header = http.Header{}
	}
	got := fuzzWire(t, holder)
	if got == nil {
		t.Skip("net/http does not carry this request target as sent")
	}
	if err := verify(got, fuzzLookup, fuzzNow.Add(time.Minute)); err != nil {
		t.Fatalf("%s %s with %q: presigned as %s, sent with %q and refused: %v", r.Method, r.URL, r.Header, u, h, err)
	}
}

func FuzzV4SignVerify(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method string, host uint8, path, query, headers string, token, _ bool) {
		r := fuzzRequest(method, host, path, query, headers)
		if r == nil {
			t.Skip()
		}
		s := NewV4(fuzzCreds(token), "us-east-1")
		fuzzCheck(t, r, func(r *http.Request) error { return s.Sign(context.Background(), r, fuzzNow) }, VerifyV4)
	})
}

func FuzzV4PresignVerify(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method string, host uint8, path, query, headers string, token, noHoist bool) {
		r := fuzzRequest(method, host, path, query, headers)
		if r == nil {
			t.Skip()
		}
		s := NewV4(fuzzCreds(token), "us-east-1", func(o *V4Options) { o.DisableHeaderHoisting = noHoist })
		fuzzCheckPresign(t, r, s, VerifyV4)
	})
}

func FuzzV2SignVerify(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method string, host uint8, path, query, headers string, token, js bool) {
		r := fuzzRequest(method, host, path, query, headers)
		if r == nil {
			t.Skip()
		}
		flavor := V2Botocore
		if js {
			flavor = V2JavaScript
		}
		s := NewV2(fuzzCreds(token), func(o *V2Options) { o.Flavor = flavor })
		fuzzCheck(t, r, func(r *http.Request) error { return s.Sign(context.Background(), r, fuzzNow) }, VerifyV2)
		fuzzCheckPresign(t, r, s, VerifyV2)
	})
}

func FuzzCOSSignVerify(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method string, host uint8, path, query, headers string, token, merged bool) {
		r := fuzzRequest(method, host, path, query, headers)
		if r == nil {
			t.Skip()
		}
		s := NewCOS(fuzzCreds(token), func(o *COSOptions) { o.PresignMerged = merged })
		fuzzCheck(t, r, func(r *http.Request) error { return s.Sign(context.Background(), r, fuzzNow) }, VerifyCOS)
		fuzzCheckPresign(t, r, s, VerifyCOS)
	})
}

func FuzzQingStorSignVerify(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method string, host uint8, path, query, headers string, _, _ bool) {
		r := fuzzRequest(method, host, path, query, headers)
		if r == nil {
			t.Skip()
		}
		s := NewQingStor(fuzzCreds(false))
		fuzzCheck(t, r, func(r *http.Request) error { return s.Sign(context.Background(), r, fuzzNow) }, VerifyQingStor)
		fuzzCheckPresign(t, r, s, VerifyQingStor)
	})
}
