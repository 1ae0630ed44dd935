package signer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/testvectors"
)

// cosqsVectorFile is the common shape of the shared vector files.
type cosqsVectorFile struct {
	Scheme string            `json:"scheme"`
	Source json.RawMessage   `json:"source"`
	Cases  []json.RawMessage `json:"cases"`
}

// cosVector is one case of cos_qsign.json.
type cosVector struct {
	Name       string                     `json:"name"`
	Mode       string                     `json:"mode"`
	Method     string                     `json:"method"`
	URL        string                     `json:"url"`
	Headers    map[string]string          `json:"headers"`
	Body       *string                    `json:"body"`
	BodySHA256 string                     `json:"body_sha256"`
	AccessKey  string                     `json:"access_key"`
	SecretKey  string                     `json:"secret_key"`
	Token      string                     `json:"token"`
	SignStart  *int64                     `json:"sign_start_unix"`
	SignEnd    *int64                     `json:"sign_end_unix"`
	KeyStart   *int64                     `json:"key_start_unix"`
	KeyEnd     *int64                     `json:"key_end_unix"`
	Time       string                     `json:"time"`
	Options    map[string]json.RawMessage `json:"options"`

	Authorization  *string            `json:"authorization"`
	PresignedURL   *string            `json:"presigned_url"`
	AddedHeaders   *map[string]string `json:"added_headers"`
	QSignTime      *string            `json:"q_sign_time"`
	QKeyTime       *string            `json:"q_key_time"`
	QHeaderList    *string            `json:"q_header_list"`
	QURLParamList  *string            `json:"q_url_param_list"`
	QSignature     *string            `json:"q_signature"`
	StringToSign   *string            `json:"string_to_sign"`
	Signature      *string            `json:"signature"`
	SDKFunction    string             `json:"sdk_function"`
	SDKCall        string             `json:"sdk_call"`
	RequestBuiltBy string             `json:"request_built_by"`
	Note           string             `json:"note"`
}

// cosVectorFields are the case fields the COS test understands; a case
// with any other field is a failure, so a new output is never ignored.
var cosVectorFields = []string{
	"name", "mode", "method", "url", "headers", "body", "body_sha256",
	"access_key", "secret_key", "token", "sign_start_unix", "sign_end_unix",
	"key_start_unix", "key_end_unix", "time", "options", "authorization",
	"presigned_url", "added_headers", "q_sign_time", "q_key_time",
	"q_header_list", "q_url_param_list", "q_signature", "string_to_sign",
	"signature", "sdk_function", "sdk_call", "request_built_by", "note",
}

func TestCOSVectors(t *testing.T) {
	var f cosqsVectorFile
	testvectors.Load(t, "cos_qsign.json", &f)
	if len(f.Cases) == 0 {
		t.Fatal("cos_qsign.json: no cases")
	}
	n := 0
	for i, raw := range f.Cases {
		var c cosVector
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if c.Name == "" {
			c.Name = "case" + strconv.Itoa(i)
		}
		t.Run(c.Name, func(t *testing.T) {
			cosqsCheckFields(t, raw, cosVectorFields)
			runCOSVector(t, c)
		})
		n++
	}
	t.Logf("cos_qsign.json: %d cases checked", n)
}

// cosqsCheckFields fails on a case field the test does not know.
func cosqsCheckFields(t *testing.T, raw json.RawMessage, known []string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if !slices.Contains(known, k) {
			t.Errorf("case field %q is not understood by this test", k)
		}
	}
}

// cosqsNoReadBody fails the test if the signer reads the body.
type cosqsNoReadBody struct {
	t    *testing.T
	name string
}

func (b cosqsNoReadBody) Read([]byte) (int, error) {
	b.t.Errorf("%s: the signer read the request body", b.name)
	return 0, io.EOF
}

// cosqsNewRequest builds a case's request: header names are set verbatim
// (not canonicalised), multi-values split on NUL, and a body that must not
// be read.
func cosqsNewRequest(t *testing.T, method, rawURL string, headers map[string]string, body *string, bodySHA string) *http.Request {
	t.Helper()
	if body != nil && bodySHA != "" {
		sum := sha256.Sum256([]byte(*body))
		if hex.EncodeToString(sum[:]) != bodySHA {
			t.Errorf("vector body does not match body_sha256")
		}
	}
	var rd io.Reader
	if body != nil && *body != "" {
		rd = cosqsNoReadBody{t: t, name: "body"}
	}
	r, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatalf("building request: %v", err)
	}
	for k, v := range headers {
		r.Header[k] = strings.Split(v, "\x00")
	}
	return r
}

// cosVectorOptions turns a case's options into signer options, checking
// the informational ones against the URL.
func cosVectorOptions(t *testing.T, c cosVector) (opts []func(*COSOptions), signed func(string) bool) {
	t.Helper()
	u, err := url.Parse(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.Options {
		switch k {
		case "SetNeedSignHeaders":
			var m map[string]bool
			if err := json.Unmarshal(v, &m); err != nil {
				t.Fatalf("options.%s: %v", k, err)
			}
			// As cos.SetNeedSignHeaders: the entry overrides the
			// allow-list; x-cos-* and x-ci-* stay signed.
			signed = func(name string) bool {
				if on, ok := m[name]; ok {
					return on || strings.HasPrefix(name, "x-cos-") || strings.HasPrefix(name, "x-ci-")
				}
				return COSDefaultSignedHeader(name)
			}
			opts = append(opts, func(o *COSOptions) { o.SignedHeaders = signed })
		case "signHost":
			// cos-go-sdk-v5's GetPresignedURL(..., signHost): false
			// leaves the host out of the signature.
			var on bool
			if err := json.Unmarshal(v, &on); err != nil {
				t.Fatalf("options.%s: %v", k, err)
			}
			opts = append(opts, func(o *COSOptions) { o.PresignUnsignedHost = !on })
		case "SignMerged":
			var on bool
			if err := json.Unmarshal(v, &on); err != nil {
				t.Fatalf("options.%s: %v", k, err)
			}
			opts = append(opts, func(o *COSOptions) { o.PresignMerged = on })
		case "key":
			var key string
			if err := json.Unmarshal(v, &key); err != nil {
				t.Fatalf("options.%s: %v", k, err)
			}
			if u.Path != "/"+key {
				t.Errorf("options.key %q does not match the URL path %q", key, u.Path)
			}
		case "query":
			var q url.Values
			if err := json.Unmarshal(v, &q); err != nil {
				t.Fatalf("options.%s: %v", k, err)
			}
			got := u.Query()
			for name, vals := range q {
				if !slices.Equal(got[name], vals) {
					t.Errorf("options.query %s=%q not in the URL", name, vals)
				}
			}
		default:
			t.Errorf("option %q is not understood by this test", k)
		}
	}
	return opts, signed
}

func cosUnix(t *testing.T, name string, p *int64) time.Time {
	t.Helper()
	if p == nil {
		t.Fatalf("case has no %s", name)
	}
	return time.Unix(*p, 0).UTC()
}

func runCOSVector(t *testing.T, c cosVector) {
	ctx := context.Background()
	times := COSTimes{
		SignStart: cosUnix(t, "sign_start_unix", c.SignStart),
		SignEnd:   cosUnix(t, "sign_end_unix", c.SignEnd),
		KeyStart:  cosUnix(t, "key_start_unix", c.KeyStart),
		KeyEnd:    cosUnix(t, "key_end_unix", c.KeyEnd),
	}
	if c.StringToSign != nil || c.Signature != nil {
		t.Errorf("string_to_sign/signature outputs are not defined for COS cases")
	}
	opts, signed := cosVectorOptions(t, c)
	sameWindow := times.SignStart.Equal(times.KeyStart) && times.SignEnd.Equal(times.KeyEnd)
	opts = append(opts, func(o *COSOptions) { o.SignDuration = times.SignEnd.Sub(times.SignStart) })
	s := NewCOS(NewStaticCredentials(c.AccessKey, c.SecretKey, c.Token), opts...)
	req := cosqsNewRequest(t, c.Method, c.URL, c.Headers, c.Body, c.BodySHA256)

	var vreq *http.Request // the request as the server receives it
	var auth COSAuth
	switch c.Mode {
	case "authorization_header":
		if c.Authorization == nil {
			t.Fatal("authorization_header case has no authorization")
		}
		before := req.Header.Clone()
		var err error
		if sameWindow {
			err = s.Sign(ctx, req, times.SignStart)
		} else {
			err = s.SignWithTimes(ctx, req, times)
		}
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		got := req.Header.Get("Authorization")
		sdk := got // what the SDK's rules give for this request
		if cosOuterSpace(before) {
			// The SDK signs header values with their outer white space,
			// which net/http does not send: the SDK's signature is
			// reproduced byte for byte by the canonicalisation with
			// trimming off, and Sign signs the values as sent.
			sdkAuth := cosSDKSignature(req, c, times, signed)
			sdk = sdkAuth.String()
			checkCOSTrimmed(t, c, req, times, signed, got)
		}
		if sdk != *c.Authorization {
			t.Errorf("authorization\n got %s\nwant %s", sdk, *c.Authorization)
		}
		if c.AddedHeaders != nil {
			cosqsCheckAdded(t, before, req.Header, *c.AddedHeaders)
		}
		fields, err := cosSplitAuth(sdk)
		if err != nil {
			t.Fatalf("parsing our authorization: %v", err)
		}
		auth, _, err = cosParseAuth(fields)
		if err != nil {
			t.Fatalf("parsing our authorization: %v", err)
		}
		if pure := COSSignature(req, c.AccessKey, c.SecretKey, times, signed).String(); pure != got {
			t.Errorf("COSSignature = %s, Sign wrote %s", pure, got)
		}
		vreq = req
	case "presigned_url":
		if c.PresignedURL == nil {
			t.Fatal("presigned_url case has no presigned_url")
		}
		if c.AddedHeaders != nil {
			t.Errorf("added_headers is not defined for presigned URLs")
		}
		var u *url.URL
		var hdr http.Header
		var err error
		if sameWindow {
			u, hdr, err = s.Presign(ctx, req, times.SignStart, times.SignEnd.Sub(times.SignStart))
		} else {
			u, hdr, err = s.PresignWithTimes(ctx, req, times)
		}
		if err != nil {
			t.Fatalf("Presign: %v", err)
		}
		if got := u.String(); got != *c.PresignedURL {
			t.Errorf("presigned URL\n got %s\nwant %s", got, *c.PresignedURL)
		}
		if req.URL.String() != c.URL {
			t.Errorf("Presign modified the request URL: %s", req.URL)
		}
		for k, vs := range hdr {
			if lk := strings.ToLower(k); lk == "host" || !slices.Equal(req.Header[k], vs) {
				t.Errorf("returned header %s=%q is not a signed request header", k, vs)
			}
		}
		vreq, err = http.NewRequest(c.Method, u.String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		vreq.Header = hdr.Clone()
		fields, err := cosAuthFields(vreq) // from the query: no Authorization header
		if err != nil || vreq.Header.Get("Authorization") != "" {
			t.Fatalf("parsing our presigned URL: %v", err)
		}
		if auth, _, err = cosParseAuth(fields); err != nil {
			t.Fatalf("parsing our presigned URL: %v", err)
		}
		if c.Authorization != nil && auth.String() != *c.Authorization {
			t.Errorf("authorization in the URL\n got %s\nwant %s", auth.String(), *c.Authorization)
		}
	default:
		t.Fatalf("unknown mode %q", c.Mode)
	}
	for _, f := range []struct {
		name      string
		got, want *string
	}{
		{"q_sign_time", &auth.SignTime, c.QSignTime},
		{"q_key_time", &auth.KeyTime, c.QKeyTime},
		{"q_header_list", &auth.HeaderList, c.QHeaderList},
		{"q_url_param_list", &auth.URLParamList, c.QURLParamList},
		{"q_signature", &auth.Signature, c.QSignature},
	} {
		if f.want != nil && *f.got != *f.want {
			t.Errorf("%s = %q, want %q", f.name, *f.got, *f.want)
		}
	}
	checkCOSVerify(t, c, vreq, times, auth)
}

// cosOuterSpace reports whether a header value has outer spaces or tabs,
// which net/http does not send.
func cosOuterSpace(h http.Header) bool {
	for _, vs := range h {
		for _, v := range vs {
			if textproto.TrimString(v) != v {
				return true
			}
		}
	}
	return false
}

// cosSDKSignature signs r as the COS SDKs do: header values untrimmed.
func cosSDKSignature(r *http.Request, c cosVector, t COSTimes, signed func(string) bool) COSAuth {
	in := cosInputOf(r)
	in.untrimmed = true
	canon := cosCanonicalize(in, cosHeaderFilter(signed), nil, false)
	return cosFinish(canon, c.AccessKey, c.SecretKey, cosWindow(t.SignStart, t.SignEnd), cosWindow(t.KeyStart, t.KeyEnd))
}

// checkCOSTrimmed checks, for a case whose header values have outer white
// space, that Sign's authorization (got) is the SDK's signature of the
// values net/http sends, that a server accepts it once the request has
// crossed the wire, and that it refuses the SDK's own authorization.
func checkCOSTrimmed(t *testing.T, c cosVector, signed *http.Request, times COSTimes, filter func(string) bool, got string) {
	t.Helper()
	trimmed := signed.Clone(context.Background())
	for k, vs := range trimmed.Header {
		for i := range vs {
			vs[i] = textproto.TrimString(vs[i])
		}
		trimmed.Header[k] = vs
	}
	if want := cosSDKSignature(trimmed, c, times, filter).String(); got != want {
		t.Errorf("Sign did not sign the values as sent:\n got %s\nwant %s", got, want)
	}
	lookup := func(id string) (string, bool) { return c.SecretKey, id == c.AccessKey }
	for _, tc := range []struct {
		auth string
		want error
	}{{got, nil}, {*c.Authorization, &VerifyError{Code: VerifyMismatch}}} {
		r := signed.Clone(context.Background())
		r.Body, r.ContentLength = nil, 0
		if c.Body != nil { // the signed Content-Length goes on the wire
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(*c.Body)), int64(len(*c.Body))
		}
		r.Header.Set("Authorization", tc.auth)
		var buf bytes.Buffer
		if err := r.Write(&buf); err != nil {
			t.Fatal(err)
		}
		received, err := http.ReadRequest(bufio.NewReader(&buf))
		if err != nil {
			t.Fatal(err)
		}
		err = VerifyCOS(received, lookup, times.SignStart)
		var ve *VerifyError
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("our signature, sent over HTTP, is refused: %v", err)
		case tc.want != nil && (!errors.As(err, &ve) || ve.Code != VerifyMismatch):
			t.Errorf("the SDK's untrimmed signature, sent over HTTP, gives %v; want a mismatch (else trimming is not needed)", err)
		}
	}
}

// cosqsCheckAdded compares the headers Sign added (Authorization aside)
// with want.
func cosqsCheckAdded(t *testing.T, before, after http.Header, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k, vs := range after {
		if k == "Authorization" || slices.Equal(before[k], vs) {
			continue
		}
		got[k] = strings.Join(vs, "\x00")
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("Sign removed header %s", k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("added headers %q, want %q", got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("added header %s = %q, want %q", k, got[k], v)
		}
	}
}

func checkCOSVerify(t *testing.T, c cosVector, vreq *http.Request, times COSTimes, auth COSAuth) {
	t.Helper()
	secrets := []string{c.SecretKey, c.Token}
	lookup := func(id string) (string, bool) {
		if id == c.AccessKey {
			return c.SecretKey, true
		}
		return "", false
	}
	now := times.SignStart
	if times.KeyStart.After(now) {
		now = times.KeyStart
	}
	if err := VerifyCOS(vreq, lookup, now); err != nil {
		t.Errorf("VerifyCOS: %v", err)
	}

	tampered := vreq.Clone(context.Background())
	tampered.Method = cosqsOtherMethod(vreq.Method)
	cosqsWantCode(t, "method changed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)

	tampered = vreq.Clone(context.Background())
	tampered.URL.Path += "x"
	tampered.URL.RawPath = ""
	cosqsWantCode(t, "path changed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)

	tampered = vreq.Clone(context.Background())
	switch {
	case tamperCOSHeader(tampered, auth.HeaderList):
		cosqsWantCode(t, "signed header changed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)
	case cosNameSet(auth.HeaderList)["host"]:
		tampered.Host = "tampered.example.com"
		cosqsWantCode(t, "signed host changed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)
	default:
		// The host is not signed (cos-go-sdk-v5's signHost false): the
		// URL holds under another host, a CDN's or a custom domain.
		tampered.Host = "cdn.example.com"
		if err := VerifyCOS(tampered, lookup, now); err != nil {
			t.Errorf("unsigned host changed: VerifyCOS = %v, want nil", err)
		}
	}
	if !cosNameSet(auth.HeaderList)["host"] {
		tampered = vreq.Clone(context.Background())
		tampered.Host = "cdn.example.com"
		if err := VerifyCOS(tampered, lookup, now); err != nil {
			t.Errorf("another host, host unsigned: VerifyCOS = %v, want nil", err)
		}
	}

	end := times.SignEnd
	if times.KeyEnd.Before(end) {
		end = times.KeyEnd
	}
	cosqsWantCode(t, "past expiry", VerifyCOS(vreq, lookup, end.Add(time.Second)), VerifyExpired, secrets)
	cosqsWantCode(t, "unknown key", VerifyCOS(vreq, func(string) (string, bool) { return "", false }, now), VerifyUnknownKey, secrets)
	wrong := func(string) (string, bool) { return c.SecretKey + "x", true }
	cosqsWantCode(t, "wrong secret", VerifyCOS(vreq, wrong, now), VerifyMismatch, secrets)
}

// tamperCOSHeader changes the value of a signed header other than host.
func tamperCOSHeader(r *http.Request, headerList string) bool {
	for _, name := range strings.Split(headerList, ";") {
		if name == "host" || name == "" {
			continue
		}
		for k, vs := range r.Header {
			if cosEncodeKey(strings.ToLower(k)) == name && len(vs) > 0 {
				vs[0] += "x"
				return true
			}
		}
	}
	return false
}

func cosqsOtherMethod(m string) string {
	if m == http.MethodPost {
		return http.MethodPut
	}
	return http.MethodPost
}

// cosqsWantCode checks err is a *VerifyError with code and that its text
// holds none of secrets.
func cosqsWantCode(t *testing.T, what string, err error, code VerifyCode, secrets []string) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Code != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
	}
	cosqsNoSecret(t, err, secrets)
}

func cosqsNoSecret(t *testing.T, err error, secrets []string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error text reveals a secret or token: %v", err)
		}
	}
}

var cosTestURL = "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/dir/obj.txt?versionId=v1"

func TestCOSSignVerifyRoundTrip(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	creds := NewStaticCredentials("AKIDtest", "secret-key", "tok+/=en")
	s := NewCOS(creds)
	r, _ := http.NewRequest(http.MethodPut, cosTestURL, nil)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("X-Cos-Meta-A", " spaced ")
	r.Header.Set("User-Agent", "polystore")
	if err := s.Sign(ctx, r, now); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get(cosTokenHeader); got != "tok+/=en" {
		t.Errorf("X-Cos-Security-Token = %q", got)
	}
	auth := r.Header.Get("Authorization")
	if !strings.Contains(auth, "q-sign-time=1709294400;1709298000&") ||
		!strings.Contains(auth, "q-header-list=content-type;host;x-cos-meta-a;x-cos-security-token&") ||
		!strings.Contains(auth, "q-url-param-list=versionid&") {
		t.Errorf("authorization %s", auth)
	}
	lookup := func(id string) (string, bool) { return "secret-key", id == "AKIDtest" }
	if err := VerifyCOS(r, lookup, now.Add(59*time.Minute)); err != nil {
		t.Errorf("VerifyCOS: %v", err)
	}
	secrets := []string{"secret-key", "tok+/=en"}
	cosqsWantCode(t, "after an hour", VerifyCOS(r, lookup, now.Add(61*time.Minute)), VerifyExpired, secrets)
	cosqsWantCode(t, "too early", VerifyCOS(r, lookup, now.Add(-16*time.Minute)), VerifySkewed, secrets)

	// The token header is signed: changing it is a mismatch that does not
	// quote the token.
	tampered := r.Clone(ctx)
	tampered.Header.Set(cosTokenHeader, "other-token")
	err := VerifyCOS(tampered, lookup, now)
	cosqsWantCode(t, "token changed", err, VerifyMismatch, append(secrets, "other-token"))

	// An unsigned query parameter is not covered, and accepted as COS
	// accepts it; a signed one changed or removed is a mismatch.
	tampered = r.Clone(ctx)
	tampered.URL.RawQuery += "&max-keys=10&marker=a%3Bb"
	if err := VerifyCOS(tampered, lookup, now); err != nil {
		t.Errorf("unsigned parameters added: %v", err)
	}
	tampered = r.Clone(ctx)
	tampered.URL.RawQuery = "versionId=v2"
	cosqsWantCode(t, "signed parameter changed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)
	tampered = r.Clone(ctx)
	tampered.URL.RawQuery = "max-keys=10"
	cosqsWantCode(t, "signed parameter removed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)

	// An unsigned header is allowed.
	tampered = r.Clone(ctx)
	tampered.Header.Set("User-Agent", "other")
	if err := VerifyCOS(tampered, lookup, now); err != nil {
		t.Errorf("unsigned header changed: %v", err)
	}
	// A signed header removed is a mismatch.
	tampered = r.Clone(ctx)
	tampered.Header.Del("Content-Type")
	cosqsWantCode(t, "signed header removed", VerifyCOS(tampered, lookup, now), VerifyMismatch, secrets)
}

func TestCOSPresignRoundTrip(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, merged := range []bool{false, true} {
		s := NewCOS(NewStaticCredentials("AKIDtest", "secret-key", "tok+/=en"), func(o *COSOptions) { o.PresignMerged = merged })
		r, _ := http.NewRequest(http.MethodGet, cosTestURL, nil)
		u, hdr, err := s.Presign(ctx, r, now, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(hdr) != 0 {
			t.Errorf("signed headers %v, want none", hdr)
		}
		if !strings.Contains(u.RawQuery, "x-cos-security-token=tok%2B%2F%3Den") {
			t.Errorf("presigned URL lacks the token: %s", u)
		}
		if r.URL.String() != cosTestURL || len(r.Header) != 0 {
			t.Errorf("Presign modified the request")
		}
		lookup := func(id string) (string, bool) { return "secret-key", id == "AKIDtest" }
		v, _ := http.NewRequest(http.MethodGet, u.String(), nil)
		if err := VerifyCOS(v, lookup, now.Add(5*time.Minute)); err != nil {
			t.Errorf("merged=%v: VerifyCOS: %v", merged, err)
		}
		cosqsWantCode(t, "expired", VerifyCOS(v, lookup, now.Add(11*time.Minute)), VerifyExpired, nil)
		// Presigning twice keeps a single token parameter.
		r2, _ := http.NewRequest(http.MethodGet, u.String(), nil)
		u2, _, err := s.Presign(ctx, r2, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(u2.RawQuery, "x-cos-security-token="); n != 1 {
			t.Errorf("token parameter appears %d times: %s", n, u2)
		}
	}
}

// Tencent's JavaScript and Python SDKs append the authorization to a
// presigned URL unescaped: q-sign-time=a;b, q-header-list=host;range.
// url.Values drops such pairs; VerifyCOS reads them as COS does.
func TestCOSVerifyRawSemicolons(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	lookup := func(id string) (string, bool) { return "secret-key", id == "AKIDtest" }
	s := NewCOS(NewStaticCredentials("AKIDtest", "secret-key", ""))
	r, _ := http.NewRequest(http.MethodGet, "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/dir/obj.txt?versionId=v1&response-content-type=text%2Fplain", nil)
	r.Header.Set("Range", "bytes=0-9")
	u, hdr, err := s.Presign(ctx, r, now, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.ReplaceAll(u.RawQuery, "%3B", ";")
	if !strings.Contains(raw, "q-sign-time=1709294400;1709295000&") || !strings.Contains(raw, "q-header-list=host;range&") {
		t.Fatalf("unexpected presigned query %s", raw)
	}
	if q, _ := url.ParseQuery(raw); q.Has("q-sign-time") {
		t.Fatalf("url.ParseQuery kept q-sign-time: the test would not show anything")
	}
	u.RawQuery = raw
	v, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	v.Header = hdr.Clone()
	if err := VerifyCOS(v, lookup, now.Add(time.Minute)); err != nil {
		t.Errorf("raw ';' in the presigned query: %v", err)
	}
	// Still verified: a changed signed parameter is a mismatch.
	v2, _ := http.NewRequest(http.MethodGet, strings.Replace(u.String(), "versionId=v1", "versionId=v2", 1), nil)
	v2.Header = hdr.Clone()
	cosqsWantCode(t, "changed parameter", VerifyCOS(v2, lookup, now.Add(time.Minute)), VerifyMismatch, []string{"secret-key"})
}

func TestCOSPresignExpiry(t *testing.T) {
	s := NewCOS(NewStaticCredentials("AKIDtest", "secret-key", ""))
	r, _ := http.NewRequest(http.MethodGet, cosTestURL, nil)
	for _, d := range []time.Duration{0, -time.Second} {
		_, _, err := s.Presign(context.Background(), r, time.Now(), d)
		var ee *ExpiryError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), "expires") {
			t.Errorf("Presign(%v) = %v, want *ExpiryError naming expires", d, err)
		}
	}
}

func TestCOSCredentials(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	r, _ := http.NewRequest(http.MethodGet, cosTestURL, nil)
	if err := NewCOS(AnonymousCredentials{}).Sign(ctx, r, now); err != nil || len(r.Header) != 0 {
		t.Errorf("anonymous: err %v, headers %v", err, r.Header)
	}
	for name, p := range map[string]CredentialsProvider{
		"nil":          nil,
		"empty":        StaticCredentials{},
		"no secret":    StaticCredentials{Value: Credentials{AccessKeyID: "AKID"}},
		"empty result": CredentialsFunc(func(context.Context) (Credentials, error) { return Credentials{}, nil }),
	} {
		if err := NewCOS(p).Sign(ctx, r, now); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("%s: Sign = %v, want ErrNoCredentials", name, err)
		}
		if _, _, err := NewCOS(p).Presign(ctx, r, now, time.Minute); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("%s: Presign = %v, want ErrNoCredentials", name, err)
		}
	}
	boom := errors.New("provider down")
	err := NewCOS(CredentialsFunc(func(context.Context) (Credentials, error) { return Credentials{}, boom })).Sign(ctx, r, now)
	if !errors.Is(err, boom) {
		t.Errorf("provider error = %v", err)
	}
	if _, _, err := NewCOS(AnonymousCredentials{}).Presign(ctx, r, now, time.Minute); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("anonymous Presign = %v, want ErrNoCredentials", err)
	}
}

func TestCOSVerifyMalformed(t *testing.T) {
	lookup := func(string) (string, bool) { return "secret", true }
	now := time.Unix(1700000000, 0)
	r, _ := http.NewRequest(http.MethodGet, cosTestURL, nil)
	cosqsWantCode(t, "no signature", VerifyCOS(r, lookup, now), VerifyMissing, nil)
	for _, h := range []string{
		"AWS4-HMAC-SHA256 Credential=x",
		"q-sign-algorithm=sha256&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=",
		"q-sign-algorithm=sha1&q-ak=a&q-sign-time=2;1&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00",
		"q-sign-algorithm=sha1&q-ak=a&q-ak=b&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00",
		"q-sign-algorithm=sha1&q-ak",
	} {
		r.Header.Set("Authorization", h)
		cosqsWantCode(t, h, VerifyCOS(r, lookup, now), VerifyMalformed, []string{"secret"})
	}
}

func TestCOSEscaping(t *testing.T) {
	if got := string(cosAppendEscaped(nil, "a b+c/~!*()'ä")); got != "a%20b%2Bc%2F~%21%2A%28%29%27%C3%A4" {
		t.Errorf("cosAppendEscaped = %s", got)
	}
	if got := cosEncodeKey("X-Cos-Meta-Ä b"); got != "x-cos-meta-%c3%84%20b" {
		t.Errorf("cosEncodeKey = %s", got)
	}
	if got := cosEncodeKey("versionid"); got != "versionid" {
		t.Errorf("cosEncodeKey = %s", got)
	}
	for name, want := range map[string]bool{
		"host": true, "content-type": true, "pic-operations": true, "x-cos-meta-a": true,
		"x-ci-a": true, "date": false, "user-agent": false, "content-language": false, "x-amz-meta-a": false,
	} {
		if COSDefaultSignedHeader(name) != want {
			t.Errorf("COSDefaultSignedHeader(%q) = %v", name, !want)
		}
	}
}

func BenchmarkCOSSign(b *testing.B) {
	s := NewCOS(NewStaticCredentials("AKIDtest", "secret-key", ""))
	r, _ := http.NewRequest(http.MethodPut, cosTestURL, nil)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Content-Length", "5")
	r.Header.Set("X-Cos-Meta-A", "1")
	now := time.Unix(1700000000, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sign(ctx, r, now); err != nil {
			b.Fatal(err)
		}
	}
}
