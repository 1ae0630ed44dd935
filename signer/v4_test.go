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
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/testvectors"
)

// v4Case is one case of aws_sigv4.json.
type v4Case struct {
	Name                 string            `json:"name"`
	Mode                 string            `json:"mode"`
	Method               string            `json:"method"`
	URL                  string            `json:"url"`
	Headers              map[string]string `json:"headers"` // multiple values joined with NUL
	ContentLength        int64             `json:"content_length"`
	Body                 *string           `json:"body"`
	PayloadHash          string            `json:"payload_hash"`
	AccessKey            string            `json:"access_key"`
	SecretKey            string            `json:"secret_key"`
	Token                string            `json:"token"`
	Service              string            `json:"service"`
	Region               string            `json:"region"`
	TimeUnix             int64             `json:"time_unix"`
	AmzDate              string            `json:"amz_date"`
	SignerOptions        map[string]bool   `json:"signer_options"`
	CanonicalRequest     string            `json:"canonical_request"`
	StringToSign         string            `json:"string_to_sign"`
	Signature            string            `json:"signature"`
	Authorization        *string           `json:"authorization"`
	AddedHeaders         map[string]string `json:"added_headers"`
	Expires              int64             `json:"expires"`
	PresignedURL         *string           `json:"presigned_url"`
	PresignSignedHeaders map[string]string `json:"presign_signed_headers"`
}

// v4OptionsFromVector maps a case's signer_options (aws-sdk-go-v2 field
// names) onto V4Options.
func v4OptionsFromVector(service string, opts map[string]bool) (func(*V4Options), error) {
	for k := range opts {
		switch k {
		case "DisableHeaderHoisting", "DisableSessionToken", "DisableURIPathEscaping":
		default:
			return nil, errors.New("unknown signer option " + k)
		}
	}
	return func(o *V4Options) {
		o.Service = service
		o.DisableHeaderHoisting = opts["DisableHeaderHoisting"]
		o.DisableSessionToken = opts["DisableSessionToken"]
		o.DisableURIPathEscaping = opts["DisableURIPathEscaping"]
	}, nil
}

func (c *v4Case) request(t *testing.T) *http.Request {
	t.Helper()
	r, err := http.NewRequest(c.Method, c.URL, nil)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	for k, v := range c.Headers {
		r.Header[k] = strings.Split(v, "\x00") // keys verbatim, as the SDK saw them
	}
	r.ContentLength = c.ContentLength
	if c.Body != nil && c.ContentLength > 0 {
		body := *c.Body
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
		r.Body, _ = r.GetBody()
	}
	return r
}

func (c *v4Case) creds() Credentials {
	return Credentials{AccessKeyID: c.AccessKey, SecretAccessKey: c.SecretKey, SessionToken: c.Token}
}

func (c *v4Case) lookup() SecretLookup {
	return func(ak string) (string, bool) {
		if ak == c.AccessKey {
			return c.SecretKey, true
		}
		return "", false
	}
}

func TestSigV4Vectors(t *testing.T) {
	var file struct {
		Cases []v4Case `json:"cases"`
	}
	testvectors.Load(t, "aws_sigv4.json", &file)
	if len(file.Cases) == 0 {
		t.Fatal("aws_sigv4.json: no cases")
	}
	n := 0
	for i := range file.Cases {
		c := &file.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			optFn, err := v4OptionsFromVector(c.Service, c.SignerOptions)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			s := NewV4(NewStaticCredentials(c.AccessKey, c.SecretKey, c.Token), c.Region, optFn)
			now := time.Unix(c.TimeUnix, 0)
			switch c.Mode {
			case "authorization_header":
				checkV4HeaderCase(t, s, c, now)
			case "presigned_url":
				checkV4PresignCase(t, s, c, now)
			default:
				t.Fatalf("%s: unknown mode %q", c.Name, c.Mode)
			}
		})
		n++
	}
	t.Logf("aws_sigv4.json: %d cases checked", n)
}

func checkV4HeaderCase(t *testing.T, s *V4, c *v4Case, now time.Time) {
	if c.Authorization == nil {
		t.Fatalf("%s: header case without authorization", c.Name)
	}
	r := c.request(t)
	before := r.Header.Clone()
	res, err := s.signHeader(r, c.creds(), c.PayloadHash, now, true)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	awsEq(t, c.Name+" canonical request", res.canonicalRequest, c.CanonicalRequest)
	awsEq(t, c.Name+" string to sign", res.stringToSign, c.StringToSign)
	awsEq(t, c.Name+" signature", res.signature, c.Signature)
	awsEq(t, c.Name+" authorization", r.Header.Get("Authorization"), *c.Authorization)
	added := map[string]string{}
	for k, vs := range r.Header {
		if k != "Authorization" && !slices.Equal(before[k], vs) {
			added[k] = strings.Join(vs, "\x00")
		}
	}
	if c.AddedHeaders != nil && !maps.Equal(added, c.AddedHeaders) {
		t.Errorf("%s: added headers\n got %q\nwant %q", c.Name, added, c.AddedHeaders)
	}

	// Sign, the provider-based entry point, gives the same result when the
	// request carries its payload hash (Sign never reads the body).
	if hash := c.request(t).Header.Get(v4HdrSHA256); hash == c.PayloadHash {
		r2 := c.request(t)
		if err := s.Sign(context.Background(), r2, now); err != nil {
			t.Fatalf("%s: Sign: %v", c.Name, err)
		}
		awsEq(t, c.Name+" Sign authorization", r2.Header.Get("Authorization"), *c.Authorization)
	}

	// A server receiving the request verifies it; any change breaks it.
	sr := v4RoundTrip(t, r)
	if err := VerifyV4(sr, c.lookup(), now); err != nil {
		t.Fatalf("%s: VerifyV4: %v", c.Name, err)
	}
	awsWantCode(t, c.Name+" tampered signature", VerifyV4(v4TamperAuth(t, sr), c.lookup(), now), VerifyMismatch)
	tampered := v4RoundTrip(t, r)
	tampered.Host += "x"
	awsWantCode(t, c.Name+" tampered host", VerifyV4(tampered, c.lookup(), now), VerifyMismatch)
	tampered = v4RoundTrip(t, r)
	tampered.RequestURI = strings.Replace(tampered.RequestURI, "/", "/x", 1)
	awsWantCode(t, c.Name+" tampered path", VerifyV4(tampered, c.lookup(), now), VerifyMismatch)
}

func checkV4PresignCase(t *testing.T, s *V4, c *v4Case, now time.Time) {
	if c.PresignedURL == nil || c.Expires <= 0 {
		t.Fatalf("%s: presigned case without presigned_url or expires", c.Name)
	}
	expires := time.Duration(c.Expires) * time.Second
	r := c.request(t)
	res, err := s.presign(r, c.creds(), c.PayloadHash, now, expires, true)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	awsEq(t, c.Name+" canonical request", res.canonicalRequest, c.CanonicalRequest)
	awsEq(t, c.Name+" string to sign", res.stringToSign, c.StringToSign)
	awsEq(t, c.Name+" signature", res.signature, c.Signature)
	awsEq(t, c.Name+" presigned url", res.url.String(), *c.PresignedURL)
	// The vectors list Host among the signed headers; Presign's header
	// leaves Host out (it is in the URL).
	want := http.Header{}
	for k, v := range c.PresignSignedHeaders {
		if k != "Host" {
			want[k] = strings.Split(v, "\x00")
		}
	}
	if !reflect.DeepEqual(res.header, want) {
		t.Errorf("%s: presign headers\n got %q\nwant %q", c.Name, res.header, want)
	}
	if r.URL.String() != c.URL {
		t.Errorf("%s: Presign modified the request URL", c.Name)
	}

	if c.PayloadHash != V4UnsignedPayload {
		return // signed-payload presigning is only reachable with explicit hashes
	}
	u, h, err := s.Presign(context.Background(), c.request(t), now, expires)
	if err != nil {
		t.Fatalf("%s: Presign: %v", c.Name, err)
	}
	awsEq(t, c.Name+" Presign url", u.String(), *c.PresignedURL)

	// The holder of the URL sends it with the returned headers.
	hr, err := http.NewRequest(c.Method, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(hr.Header, h)
	sr := v4RoundTrip(t, hr)
	if err := VerifyV4(sr, c.lookup(), now); err != nil {
		t.Fatalf("%s: VerifyV4: %v", c.Name, err)
	}
	if err := VerifyV4(v4RoundTrip(t, hr), c.lookup(), now.Add(expires)); err != nil {
		t.Errorf("%s: VerifyV4 at expiry: %v", c.Name, err)
	}
	awsWantCode(t, c.Name+" expired", VerifyV4(sr, c.lookup(), now.Add(expires+time.Second)), VerifyExpired)
	tampered := v4RoundTrip(t, hr)
	sig, alt := res.signature, "0"
	if sig[0] == '0' {
		alt = "1"
	}
	tampered.RequestURI = strings.Replace(tampered.RequestURI, "X-Amz-Signature="+sig, "X-Amz-Signature="+alt+sig[1:], 1)
	if tampered.RequestURI == sr.RequestURI {
		t.Fatalf("%s: could not tamper with the signature", c.Name)
	}
	awsWantCode(t, c.Name+" tampered signature", VerifyV4(tampered, c.lookup(), now), VerifyMismatch)
	if len(h) > 0 {
		tampered = v4RoundTrip(t, hr)
		for k := range h {
			tampered.Header.Set(k, tampered.Header.Get(k)+"x")
			break
		}
		awsWantCode(t, c.Name+" tampered header", VerifyV4(tampered, c.lookup(), now), VerifyMismatch)
	}
}

// v4RoundTrip writes r as a client sends it and reads it back as a server
// receives it.
func v4RoundTrip(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	c := r.Clone(context.Background())
	if r.GetBody != nil {
		c.Body, _ = r.GetBody()
	}
	if c.Body == nil && c.ContentLength < 0 {
		c.ContentLength = 0 // unknown length, no body: nothing is sent
	}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatalf("writing request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("reading request: %v", err)
	}
	return sr
}

// v4TamperAuth returns a copy of r whose signature differs in one digit.
func v4TamperAuth(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	c := r.Clone(context.Background())
	a := []byte(c.Header.Get("Authorization"))
	if len(a) == 0 {
		t.Fatal("no Authorization header to tamper with")
	}
	if a[len(a)-1] == '0' {
		a[len(a)-1] = '1'
	} else {
		a[len(a)-1] = '0'
	}
	c.Header.Set("Authorization", string(a))
	return c
}

func awsEq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func awsWantCode(t *testing.T, what string, err error, code VerifyCode) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Code != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
	}
}

// --- the AWS SigV4 test suite ---

type v4SuiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	ExpirationInSeconds int64     `json:"expiration_in_seconds"`
	Normalize           bool      `json:"normalize"`
	Region              string    `json:"region"`
	Service             string    `json:"service"`
	SignBody            bool      `json:"sign_body"`
	Timestamp           time.Time `json:"timestamp"`
	OmitSessionToken    bool      `json:"omit_session_token"`
}

// v4RawRequest is a parsed request.txt / *-signed-request.txt.
type v4RawRequest struct {
	method, target string // target: path and query exactly as written
	headers        [][2]string
	body           string
}

// parseV4RawRequest parses the suite's raw HTTP requests: the path may hold
// spaces and raw UTF-8; header lines may be folded (obs-fold), and are
// unfolded with a single space.
func parseV4RawRequest(text string) (v4RawRequest, error) {
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	var rr v4RawRequest
	first := lines[0]
	sp1, sp2 := strings.IndexByte(first, ' '), strings.LastIndexByte(first, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		return rr, errors.New("bad request line " + first)
	}
	rr.method, rr.target, rr.body = first[:sp1], first[sp1+1:sp2], body
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(rr.headers) == 0 {
				return rr, errors.New("continuation without header")
			}
			last := &rr.headers[len(rr.headers)-1]
			last[1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return rr, errors.New("bad header line " + l)
		}
		rr.headers = append(rr.headers, [2]string{k, strings.TrimSpace(v)})
	}
	return rr, nil
}

// headerSet returns the headers as canonical name -> values.
func (rr v4RawRequest) headerSet() http.Header {
	h := http.Header{}
	for _, kv := range rr.headers {
		h.Add(kv[0], kv[1])
	}
	return h
}

func (rr v4RawRequest) httpRequest(t *testing.T) *http.Request {
	t.Helper()
	path, query, _ := strings.Cut(rr.target, "?")
	r := &http.Request{
		Method: rr.method,
		URL:    &url.URL{Scheme: "https", RawQuery: query},
		Header: http.Header{},
	}
	for _, kv := range rr.headers {
		switch http.CanonicalHeaderKey(kv[0]) {
		case "Host":
			r.Host = kv[1]
			r.URL.Host = kv[1]
			// "//host/path" in Opaque sends the path verbatim (the suite's
			// paths are not escaped and may start with "//").
			r.URL.Opaque = "//" + kv[1] + path
		case "Content-Length":
			// Go sends r.ContentLength, not the header.
		default:
			r.Header.Add(kv[0], kv[1])
		}
	}
	if rr.body != "" {
		r.Body = io.NopCloser(strings.NewReader(rr.body))
		r.ContentLength = int64(len(rr.body))
	}
	return r
}

func v4ReadSuiteFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(b)
}

func TestSigV4TestSuite(t *testing.T) {
	root := filepath.Join(testvectors.Dir(t), "aws_sigv4_testsuite", "v4")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("aws_sigv4_testsuite: %v", err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		t.Run(e.Name(), func(t *testing.T) { runV4SuiteCase(t, e.Name(), dir) })
		n++
	}
	if n == 0 {
		t.Fatal("aws_sigv4_testsuite: no cases")
	}
	t.Logf("aws_sigv4_testsuite: %d cases checked (header and query forms)", n)
}

func runV4SuiteCase(t *testing.T, name, dir string) {
	var ctx v4SuiteContext
	if err := json.Unmarshal([]byte(v4ReadSuiteFile(t, dir, "context.json")), &ctx); err != nil {
		t.Fatalf("%s: context.json: %v", name, err)
	}
	raw, err := parseV4RawRequest(v4ReadSuiteFile(t, dir, "request.txt"))
	if err != nil {
		t.Fatalf("%s: request.txt: %v", name, err)
	}
	// The suite is for non-S3 services: the path is escaped by the signer;
	// normalize says whether dot segments and duplicate slashes go.
	s := NewV4(NewStaticCredentials(ctx.Credentials.AccessKeyID, ctx.Credentials.SecretAccessKey, ctx.Credentials.Token),
		ctx.Region, func(o *V4Options) {
			o.Service = ctx.Service
			o.DisableURIPathEscaping = ctx.Service == "s3"
			o.NormalizeURIPath = ctx.Normalize
			o.UnsignedSessionToken = ctx.OmitSessionToken
		})
	creds := Credentials{AccessKeyID: ctx.Credentials.AccessKeyID, SecretAccessKey: ctx.Credentials.SecretAccessKey, SessionToken: ctx.Credentials.Token}
	sum := sha256.Sum256([]byte(raw.body))
	payload := hex.EncodeToString(sum[:])
	lookup := func(ak string) (string, bool) {
		return ctx.Credentials.SecretAccessKey, ak == ctx.Credentials.AccessKeyID
	}
	rules := &v4PathRules{disableEscaping: ctx.Service == "s3", normalize: ctx.Normalize}

	// Header form.
	r := raw.httpRequest(t)
	if ctx.SignBody {
		r.Header.Set(v4HdrSHA256, payload)
	}
	res, err := s.signHeader(r, creds, payload, ctx.Timestamp, true)
	if err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	awsEq(t, name+" header canonical request", res.canonicalRequest, v4ReadSuiteFile(t, dir, "header-canonical-request.txt"))
	awsEq(t, name+" header string to sign", res.stringToSign, v4ReadSuiteFile(t, dir, "header-string-to-sign.txt"))
	awsEq(t, name+" header signature", res.signature, v4ReadSuiteFile(t, dir, "header-signature.txt"))
	signed, err := parseV4RawRequest(v4ReadSuiteFile(t, dir, "header-signed-request.txt"))
	if err != nil {
		t.Fatalf("%s: header-signed-request.txt: %v", name, err)
	}
	got := r.Header.Clone()
	got.Set("Host", r.Host)
	if r.ContentLength > 0 {
		got.Set("Content-Length", "13")
	}
	if want := signed.headerSet(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: signed request headers\n got %q\nwant %q", name, got, want)
	}
	// A server verifies the request as it arrives (request-target verbatim).
	sr := r.Clone(context.Background())
	sr.RequestURI = raw.target
	if err := verifyV4(sr, lookup, ctx.Timestamp, rules); err != nil {
		t.Errorf("%s: verify header form: %v", name, err)
	}
	awsWantCode(t, name+" tampered", verifyV4(v4TamperAuth(t, sr), lookup, ctx.Timestamp, rules), VerifyMismatch)

	// Query (presigned) form: the suite signs the body's hash here too.
	r = raw.httpRequest(t)
	qres, err := s.presign(r, creds, payload, ctx.Timestamp, time.Duration(ctx.ExpirationInSeconds)*time.Second, true)
	if err != nil {
		t.Fatalf("%s: query: %v", name, err)
	}
	awsEq(t, name+" query canonical request", qres.canonicalRequest, v4ReadSuiteFile(t, dir, "query-canonical-request.txt"))
	awsEq(t, name+" query string to sign", qres.stringToSign, v4ReadSuiteFile(t, dir, "query-string-to-sign.txt"))
	awsEq(t, name+" query signature", qres.signature, v4ReadSuiteFile(t, dir, "query-signature.txt"))
	qsigned, err := parseV4RawRequest(v4ReadSuiteFile(t, dir, "query-signed-request.txt"))
	if err != nil {
		t.Fatalf("%s: query-signed-request.txt: %v", name, err)
	}
	wantPath, wantQuery, _ := strings.Cut(qsigned.target, "?")
	awsEq(t, name+" presigned path", awsWirePath(qres.url), wantPath)
	gotParams, err1 := awsParseQuery(qres.url.RawQuery)
	wantParams, err2 := awsParseQuery(wantQuery)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: query: %v %v", name, err1, err2)
	}
	cmp := func(a, b v4Param) int { return strings.Compare(a.k+"="+a.v, b.k+"="+b.v) }
	slices.SortFunc(gotParams, cmp)
	slices.SortFunc(wantParams, cmp)
	if !slices.Equal(gotParams, wantParams) {
		t.Errorf("%s: presigned query\n got %q\nwant %q", name, gotParams, wantParams)
	}
	wantHdr := qsigned.headerSet()
	wantHdr.Del("Host")
	if !reflect.DeepEqual(qres.header, wantHdr) {
		t.Errorf("%s: presign headers\n got %q\nwant %q", name, qres.header, wantHdr)
	}
}

// --- behaviour ---

var v4TestCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "SESSIONTOKENSECRETVALUE"}

func v4TestLookup(ak string) (string, bool) {
	return v4TestCreds.SecretAccessKey, ak == v4TestCreds.AccessKeyID
}

// v4FailReader fails the test if the signer reads the body.
type v4FailReader struct{ t *testing.T }

func (f v4FailReader) Read([]byte) (int, error) {
	f.t.Error("the signer read the body")
	return 0, io.EOF
}

func TestSigV4SignPayloadHash(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	ctx := context.Background()

	r, _ := http.NewRequest("GET", "https://b.s3.us-east-1.amazonaws.com/k", nil)
	if err := s.Sign(ctx, r, now); err != nil {
		t.Fatal(err)
	}
	awsEq(t, "empty body hash", r.Header.Get(v4HdrSHA256), V4EmptyPayloadHash)
	awsEq(t, "token", r.Header.Get(v4HdrToken), v4TestCreds.SessionToken)
	awsEq(t, "date", r.Header.Get(v4HdrDate), "20231114T221320Z")
	if err := VerifyV4(v4RoundTrip(t, r), v4TestLookup, now); err != nil {
		t.Errorf("verify empty body: %v", err)
	}

	r, _ = http.NewRequest("PUT", "https://b.s3.us-east-1.amazonaws.com/k", io.NopCloser(v4FailReader{t}))
	r.ContentLength = 5
	if err := s.Sign(ctx, r, now); err != nil {
		t.Fatal(err)
	}
	awsEq(t, "streamed body hash", r.Header.Get(v4HdrSHA256), V4UnsignedPayload)
	if !strings.Contains(r.Header.Get("Authorization"), "content-length;") {
		t.Errorf("content-length not signed: %s", r.Header.Get("Authorization"))
	}

	r, _ = http.NewRequest("PUT", "https://b.s3.us-east-1.amazonaws.com/k", io.NopCloser(v4FailReader{t}))
	r.Header.Set(v4HdrSHA256, strings.Repeat("a", 64))
	if err := s.Sign(ctx, r, now); err != nil {
		t.Fatal(err)
	}
	awsEq(t, "caller hash kept", r.Header.Get(v4HdrSHA256), strings.Repeat("a", 64))

	// The default port is not signed, and not sent either.
	r, _ = http.NewRequest("GET", "https://b.s3.us-east-1.amazonaws.com:443/k", nil)
	if err := s.Sign(ctx, r, now); err != nil {
		t.Fatal(err)
	}
	awsEq(t, "host without default port", r.Host, "b.s3.us-east-1.amazonaws.com")
	if err := VerifyV4(v4RoundTrip(t, r), v4TestLookup, now); err != nil {
		t.Errorf("verify default port: %v", err)
	}
}

func TestSigV4PathsAsSent(t *testing.T) {
	// Keys with spaces, '+', '%', unicode and dot segments verify as sent.
	now := time.Unix(1700000000, 0)
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	for _, u := range []string{
		"https://b.s3.amazonaws.com/a%20b+c%2Bd%25e/%E4%B8%AD.txt?versionId=a%2Bb&prefix=x+y",
		"https://b.s3.amazonaws.com/./a/../b//c",
		"https://b.s3.amazonaws.com/~user/!$&'()*,;=:@",
		"http://127.0.0.1:9000/bucket/%7Ekey?uploads",
	} {
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Sign(context.Background(), r, now); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if err := VerifyV4(v4RoundTrip(t, r), v4TestLookup, now); err != nil {
			t.Errorf("%s: %v", u, err)
		}
		r, _ = http.NewRequest("GET", u, nil)
		pu, h, err := s.Presign(context.Background(), r, now, time.Hour)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		pr, _ := http.NewRequest("GET", pu.String(), nil)
		maps.Copy(pr.Header, h)
		if err := VerifyV4(v4RoundTrip(t, pr), v4TestLookup, now); err != nil {
			t.Errorf("presigned %s: %v", pu, err)
		}
	}
}

func TestSigV4VerifyCodes(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	signed := func() *http.Request {
		r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
		if err := s.Sign(context.Background(), r, now); err != nil {
			t.Fatal(err)
		}
		return v4RoundTrip(t, r)
	}
	none := func(string) (string, bool) { return "", false }

	r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
	awsWantCode(t, "missing", VerifyV4(v4RoundTrip(t, r), v4TestLookup, now), VerifyMissing)
	awsWantCode(t, "unknown key", VerifyV4(signed(), none, now), VerifyUnknownKey)
	awsWantCode(t, "skewed", VerifyV4(signed(), v4TestLookup, now.Add(16*time.Minute)), VerifySkewed)
	awsWantCode(t, "skewed past", VerifyV4(signed(), v4TestLookup, now.Add(-16*time.Minute)), VerifySkewed)
	if err := VerifyV4(signed(), v4TestLookup, now.Add(14*time.Minute)); err != nil {
		t.Errorf("within skew: %v", err)
	}
	for _, auth := range []string{
		"AWS AKIDEXAMPLE:abc=",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/s3, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date, Signature=" + strings.Repeat("a", 64),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231113/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64),
	} {
		r := signed()
		r.Header.Set("Authorization", auth)
		awsWantCode(t, "malformed "+auth, VerifyV4(r, v4TestLookup, now), VerifyMalformed)
	}
	r = signed()
	r.Header.Del(v4HdrDate)
	awsWantCode(t, "no date", VerifyV4(r, v4TestLookup, now), VerifyMalformed)

	u, _, err := s.Presign(context.Background(), signed(), now, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := http.NewRequest("GET", u.String(), nil)
	awsWantCode(t, "expired", VerifyV4(v4RoundTrip(t, pr), v4TestLookup, now.Add(11*time.Minute)), VerifyExpired)
	pr, _ = http.NewRequest("GET", strings.Replace(u.String(), "X-Amz-Expires=600", "X-Amz-Expires=604801", 1), nil)
	awsWantCode(t, "expires too long", VerifyV4(v4RoundTrip(t, pr), v4TestLookup, now), VerifyMalformed)
	pr, _ = http.NewRequest("GET", strings.Replace(u.String(), "X-Amz-Expires=600", "X-Amz-Expires=6000", 1), nil)
	awsWantCode(t, "expires changed", VerifyV4(v4RoundTrip(t, pr), v4TestLookup, now), VerifyMismatch)
}

func TestSigV4PresignExpiry(t *testing.T) {
	// The expiry is checked before anything else: the provider is never asked.
	s := NewV4(CredentialsFunc(func(context.Context) (Credentials, error) {
		t.Error("credentials retrieved for an invalid expiry")
		return v4TestCreds, nil
	}), "us-east-1")
	r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
	for _, d := range []time.Duration{0, -time.Second, 7*24*time.Hour + time.Second, 30 * 24 * time.Hour} {
		_, _, err := s.Presign(context.Background(), r, time.Now(), d)
		var ee *ExpiryError
		if !errors.As(err, &ee) || ee.Expires != d {
			t.Errorf("expires %v: got %v, want *ExpiryError", d, err)
		}
		if err != nil && !strings.Contains(err.Error(), "expires") {
			t.Errorf("expires %v: message %q does not name the field", d, err)
		}
		_, _, err = s.PresignWithCredentials(r, v4TestCreds, "", time.Now(), d)
		if !errors.As(err, &ee) {
			t.Errorf("PresignWithCredentials expires %v: got %v", d, err)
		}
	}
	ok := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	u, _, err := ok.Presign(context.Background(), r, time.Unix(1700000000, 0), 7*24*time.Hour)
	if err != nil || !strings.Contains(u.RawQuery, "X-Amz-Expires=604800") {
		t.Errorf("seven days: %v %v", u, err)
	}
}

func TestSigV4CredentialErrors(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
	now := time.Now()
	if err := NewV4(StaticCredentials{}, "us-east-1").Sign(context.Background(), r, now); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("empty keys: %v", err)
	}
	boom := errors.New("boom")
	s := NewV4(CredentialsFunc(func(context.Context) (Credentials, error) { return Credentials{}, boom }), "us-east-1")
	if err := s.Sign(context.Background(), r, now); !errors.Is(err, boom) {
		t.Errorf("provider error: %v", err)
	}
	if err := NewV4(AnonymousCredentials{}, "us-east-1").Sign(context.Background(), r, now); err != nil || len(r.Header) != 0 {
		t.Errorf("anonymous: %v %v", err, r.Header)
	}
	u, _, err := NewV4(AnonymousCredentials{}, "us-east-1").Presign(context.Background(), r, now, time.Hour)
	if !errors.Is(err, ErrNoCredentials) || u != nil {
		t.Errorf("anonymous presign: %v %v, want ErrNoCredentials", u, err)
	}
}

func TestSigV4NoSecretsInErrors(t *testing.T) {
	secrets := []string{v4TestCreds.SecretAccessKey, v4TestCreds.SessionToken}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: expected an error", what)
			return
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s: error reveals a secret: %v", what, err)
			}
		}
	}
	now := time.Unix(1700000000, 0)
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
	r.URL.RawQuery = "a=%zz"
	check("malformed query", s.Sign(context.Background(), r, now))
	_, _, err := s.Presign(context.Background(), r, now, time.Hour)
	check("malformed query presign", err)

	r, _ = http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
	if err := s.Sign(context.Background(), r, now); err != nil {
		t.Fatal(err)
	}
	sr := v4RoundTrip(t, r)
	sr.Header.Set(v4HdrToken, sr.Header.Get(v4HdrToken)+"x")
	check("mismatch", VerifyV4(sr, v4TestLookup, now))
	check("skew", VerifyV4(v4RoundTrip(t, r), v4TestLookup, now.Add(time.Hour)))
	for _, str := range []string{s.String(), (&V2{creds: StaticCredentials{Value: v4TestCreds}}).String()} {
		for _, sec := range secrets {
			if strings.Contains(str, sec) {
				t.Errorf("String reveals a secret: %s", str)
			}
		}
	}
}

func TestSigV4SigningKeyCache(t *testing.T) {
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	a := s.signingKey("secret1", "20231114").key
	b := s.signingKey("secret2", "20231114").key
	c := s.signingKey("secret1", "20231114").key
	if a == b || a != c || a != v4DeriveKey("secret1", "20231114", "us-east-1", "s3") {
		t.Error("signing key cache returns a wrong key")
	}
}

func BenchmarkSigV4Sign(b *testing.B) {
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	now := time.Unix(1700000000, 0)
	r, _ := http.NewRequest("PUT", "https://bucket.s3.us-east-1.amazonaws.com/dir/key%20name.txt?partNumber=1&uploadId=abc", nil)
	r.Header.Set("Content-Type", "application/octet-stream")
	r.Header.Set("X-Amz-Meta-Owner", "bob")
	r.Header.Set(v4HdrSHA256, V4UnsignedPayload)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sign(context.Background(), r, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSigV4HeaderSpellingsAndServices(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1")
	r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/k", nil)
	r.Header["x-amz-date"] = []string{"stale"}
	r.Header["authorization"] = []string{"stale"}
	if err := s.Sign(context.Background(), r, now); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1008 the test plants non-canonical spellings on purpose
	if _, ok := r.Header["x-amz-date"]; ok {
		t.Error("a stale x-amz-date spelling survived signing")
	}
	//lint:ignore SA1008 the test plants non-canonical spellings on purpose
	if _, ok := r.Header["authorization"]; ok {
		t.Error("a stale authorization spelling survived signing")
	}
	if err := VerifyV4(v4RoundTrip(t, r), v4TestLookup, now); err != nil {
		t.Errorf("verify: %v", err)
	}

	// A non-S3 service: the path is escaped again and no
	// X-Amz-Content-Sha256 header is added.
	iam := NewV4(StaticCredentials{Value: v4TestCreds}, "us-east-1", func(o *V4Options) {
		o.Service = "iam"
		o.DisableURIPathEscaping = false
		o.OmitContentSHA256Header = true
	})
	r, _ = http.NewRequest("GET", "https://iam.amazonaws.com/a%20b?Action=ListUsers", nil)
	res, err := iam.signHeader(r, v4TestCreds, "", now, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.canonicalRequest, "GET\n/a%2520b\nAction=ListUsers\n") {
		t.Errorf("non-S3 canonical request: %q", res.canonicalRequest)
	}
	r, _ = http.NewRequest("GET", "https://iam.amazonaws.com/a%20b?Action=ListUsers", nil)
	if err := iam.Sign(context.Background(), r, now); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get(v4HdrSHA256) != "" {
		t.Error("OmitContentSHA256Header: header added")
	}
	if err := VerifyV4(v4RoundTrip(t, r), v4TestLookup, now); err != nil {
		t.Errorf("verify non-S3: %v", err)
	}
}
