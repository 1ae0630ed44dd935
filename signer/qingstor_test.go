package signer

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/internal/testvectors"
)

// qsVector is one case of qingstor.json.
type qsVector struct {
	Name       string            `json:"name"`
	Mode       string            `json:"mode"`
	Style      string            `json:"style"`
	Bucket     string            `json:"bucket"`
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers"`
	Body       *string           `json:"body"`
	BodySHA256 string            `json:"body_sha256"`
	AccessKey  string            `json:"access_key"`
	SecretKey  string            `json:"secret_key"`
	Token      string            `json:"token"`
	Time       string            `json:"time"`
	TimeUnix   *int64            `json:"time_unix"`
	Expires    *int64            `json:"expires"`

	StringToSign            *string            `json:"string_to_sign"`
	Authorization           *string            `json:"authorization"`
	PresignedURL            *string            `json:"presigned_url"`
	QuerySignature          *string            `json:"query_signature"`
	AddedHeaders            *map[string]string `json:"added_headers"`
	Signature               *string            `json:"signature"`
	DeprecatedSignerOutput  *string            `json:"deprecated_signer_output"`
	DeprecatedSignerDiffers *bool              `json:"deprecated_signer_differs"`
	DeprecatedStringToSign  *string            `json:"deprecated_string_to_sign"`
	SDKCall                 string             `json:"sdk_call"`
	RequestBuiltBy          string             `json:"request_built_by"`
	Note                    string             `json:"note"`
}

var qsVectorFields = []string{
	"name", "mode", "style", "bucket", "method", "url", "headers", "body",
	"body_sha256", "access_key", "secret_key", "token", "time", "time_unix",
	"expires", "string_to_sign", "authorization", "presigned_url",
	"query_signature", "added_headers", "signature", "deprecated_signer_output",
	"deprecated_signer_differs", "deprecated_string_to_sign", "sdk_call",
	"request_built_by", "note",
}

func TestQingStorVectors(t *testing.T) {
	var f cosqsVectorFile
	testvectors.Load(t, "qingstor.json", &f)
	if len(f.Cases) == 0 {
		t.Fatal("qingstor.json: no cases")
	}
	n := 0
	for i, raw := range f.Cases {
		var c qsVector
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if c.Name == "" {
			c.Name = "case" + strconv.Itoa(i)
		}
		t.Run(c.Name, func(t *testing.T) {
			cosqsCheckFields(t, raw, qsVectorFields)
			runQingStorVector(t, c)
		})
		n++
	}
	t.Logf("qingstor.json: %d cases checked", n)
}

// qsVectorStyle returns the bucket detection the case's style calls for.
func qsVectorStyle(t *testing.T, c qsVector) func(string) (string, bool) {
	t.Helper()
	u, err := url.Parse(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	var fromHost func(string) (string, bool)
	switch c.Style {
	case "path":
		fromHost = func(string) (string, bool) { return "", false }
	case "vhost":
		if c.Bucket == "" {
			t.Fatal("vhost case has no bucket")
		}
		fromHost = func(string) (string, bool) { return c.Bucket, true }
	case "":
		return nil // the default detection
	default:
		t.Fatalf("unknown style %q", c.Style)
	}
	// The default detection must agree on QingStor's own hosts.
	if host := u.Hostname(); strings.HasSuffix(host, ".qingstor.com") || host == "qingstor.com" {
		gb, gok := QingStorBucketFromHost(host)
		wb, wok := fromHost(host)
		if gb != wb || gok != wok {
			t.Errorf("QingStorBucketFromHost(%q) = %q, %v; the case says %q, %v", host, gb, gok, wb, wok)
		}
	}
	return fromHost
}

// qsVectorNow is the signing time: time_unix, else time, else the
// request's date header.
func qsVectorNow(t *testing.T, c qsVector) (time.Time, bool) {
	t.Helper()
	if c.TimeUnix != nil {
		return time.Unix(*c.TimeUnix, 0).UTC(), true
	}
	for _, s := range []string{c.Time, qsHeaderFold(c.Headers, qsDateHeader), qsHeaderFold(c.Headers, "Date")} {
		if s == "" {
			continue
		}
		tm, err := http.ParseTime(s)
		if err != nil {
			t.Fatalf("bad time %q: %v", s, err)
		}
		return tm.UTC(), true
	}
	return time.Time{}, false
}

func qsHeaderFold(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func runQingStorVector(t *testing.T, c qsVector) {
	ctx := context.Background()
	fromHost := qsVectorStyle(t, c)
	s := NewQingStor(NewStaticCredentials(c.AccessKey, c.SecretKey, c.Token), func(o *QingStorOptions) { o.BucketFromHost = fromHost })
	verifier := QingStorVerifier{BucketFromHost: fromHost}
	req := cosqsNewRequest(t, c.Method, c.URL, c.Headers, c.Body, c.BodySHA256)
	now, haveNow := qsVectorNow(t, c)
	if c.Signature != nil {
		t.Errorf("signature output is not defined for QingStor cases")
	}

	var vreq *http.Request
	var sts []byte
	switch c.Mode {
	case "authorization_header":
		if c.Authorization == nil {
			t.Fatal("authorization_header case has no authorization")
		}
		if !haveNow {
			t.Fatal("case has no time, time_unix or date header")
		}
		before := req.Header.Clone()
		if err := s.Sign(ctx, req, now); err != nil {
			t.Fatalf("Sign: %v", err)
		}
		got := req.Header.Get("Authorization")
		if got != *c.Authorization {
			t.Errorf("authorization\n got %s\nwant %s", got, *c.Authorization)
		}
		if c.AddedHeaders != nil {
			cosqsCheckAdded(t, before, req.Header, *c.AddedHeaders)
		}
		qsCheckDeprecated(t, c, got)
		sts = qsStringToSign(req, qsDateLine(req.Header), qsBucket(req, fromHost))
		vreq = req
	case "query_signature":
		if c.PresignedURL == nil || c.Expires == nil {
			t.Fatal("query_signature case needs presigned_url and expires")
		}
		exp := time.Unix(*c.Expires, 0)
		if !haveNow {
			now = exp.Add(-time.Hour) // any time before expires gives the same URL
		}
		u, hdr, err := s.Presign(ctx, req, now, exp.Sub(now))
		if err != nil {
			t.Fatalf("Presign: %v", err)
		}
		if got := u.String(); got != *c.PresignedURL {
			t.Errorf("presigned URL\n got %s\nwant %s", got, *c.PresignedURL)
		}
		if c.QuerySignature != nil && u.RawQuery != *c.QuerySignature && !strings.HasSuffix(u.RawQuery, "&"+*c.QuerySignature) {
			t.Errorf("query %q does not end with the query signature %q", u.RawQuery, *c.QuerySignature)
		}
		if req.URL.String() != c.URL {
			t.Errorf("Presign modified the request URL: %s", req.URL)
		}
		qsCheckDeprecated(t, c, u.String())
		sts = qsStringToSign(req, strconv.FormatInt(*c.Expires, 10), qsBucket(req, fromHost))
		if vreq, err = http.NewRequest(c.Method, u.String(), nil); err != nil {
			t.Fatal(err)
		}
		vreq.Header = hdr.Clone()
	default:
		t.Fatalf("unknown mode %q", c.Mode)
	}
	if c.StringToSign != nil && string(sts) != *c.StringToSign {
		t.Errorf("string to sign\n got %q\nwant %q", sts, *c.StringToSign)
	}
	checkQingStorVerify(t, c, verifier, vreq, now)
}

// qsCheckDeprecated compares our output with the deprecated SDK signer's
// where the vector says the two SDK signers agree.
func qsCheckDeprecated(t *testing.T, c qsVector, got string) {
	t.Helper()
	if c.DeprecatedSignerOutput == nil {
		return
	}
	if c.DeprecatedSignerDiffers != nil && *c.DeprecatedSignerDiffers {
		t.Logf("deprecated signer differs (%q); polystore follows request/signer/v2", *c.DeprecatedSignerOutput)
		return
	}
	if got != *c.DeprecatedSignerOutput {
		t.Errorf("deprecated signer output %s, ours %s", *c.DeprecatedSignerOutput, got)
	}
}

func checkQingStorVerify(t *testing.T, c qsVector, v QingStorVerifier, vreq *http.Request, now time.Time) {
	t.Helper()
	secrets := []string{c.SecretKey, c.Token}
	lookup := func(id string) (string, bool) {
		if id == c.AccessKey {
			return c.SecretKey, true
		}
		return "", false
	}
	if err := v.Verify(vreq, lookup, now); err != nil {
		t.Errorf("Verify: %v", err)
	}

	tampered := vreq.Clone(context.Background())
	tampered.Method = cosqsOtherMethod(vreq.Method)
	cosqsWantCode(t, "method changed", v.Verify(tampered, lookup, now), VerifyMismatch, secrets)

	tampered = vreq.Clone(context.Background())
	tampered.URL.Path += "x"
	tampered.URL.RawPath = ""
	cosqsWantCode(t, "path changed", v.Verify(tampered, lookup, now), VerifyMismatch, secrets)

	tampered = vreq.Clone(context.Background())
	if c.Mode == "query_signature" {
		q := tampered.URL.Query()
		exp, _ := strconv.ParseInt(q.Get("expires"), 10, 64)
		tampered.URL.RawQuery = strings.Replace(tampered.URL.RawQuery, "expires="+q.Get("expires"), "expires="+strconv.FormatInt(exp+1, 10), 1)
		cosqsWantCode(t, "expires changed", v.Verify(tampered, lookup, now), VerifyMismatch, secrets)
		cosqsWantCode(t, "past expiry", v.Verify(vreq, lookup, time.Unix(exp+1, 0)), VerifyExpired, secrets)
	} else {
		tamperQingStorHeader(t, tampered)
		cosqsWantCode(t, "signed header changed", v.Verify(tampered, lookup, now), VerifyMismatch, secrets)
		cosqsWantCode(t, "date too old", v.Verify(vreq, lookup, now.Add(16*time.Minute)), VerifySkewed, secrets)
		cosqsWantCode(t, "date too new", v.Verify(vreq, lookup, now.Add(-16*time.Minute)), VerifySkewed, secrets)
	}
	cosqsWantCode(t, "unknown key", v.Verify(vreq, func(string) (string, bool) { return "", false }, now), VerifyUnknownKey, secrets)
	wrong := func(string) (string, bool) { return c.SecretKey + "x", true }
	cosqsWantCode(t, "wrong secret", v.Verify(vreq, wrong, now), VerifyMismatch, secrets)
}

// tamperQingStorHeader changes a signed header: Content-Type, Content-MD5,
// an x-qs-* header, else the date by one second.
func tamperQingStorHeader(t *testing.T, r *http.Request) {
	t.Helper()
	for _, name := range []string{"Content-Type", "Content-Md5"} {
		if v := r.Header.Get(name); v != "" {
			r.Header.Set(name, v+"x")
			return
		}
	}
	for k, vs := range r.Header {
		if len(k) > 5 && strings.EqualFold(k[:5], "x-qs-") && !strings.EqualFold(k, qsDateHeader) && len(vs) > 0 {
			vs[0] += "x"
			return
		}
	}
	name := qsDateHeader
	if r.Header.Get(name) == "" {
		name = "Date"
	}
	tm, err := http.ParseTime(r.Header.Get(name))
	if err != nil {
		t.Fatalf("no signed header to tamper with: %v", err)
	}
	r.Header.Set(name, tm.Add(time.Second).UTC().Format(http.TimeFormat))
}

const qsTestURL = "https://mybucket.pek3b.qingstor.com/dir/a%20b.txt?upload_id=u1&part_number=2&limit=5"

func TestQingStorSignSetsDate(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
	s := NewQingStor(NewStaticCredentials("QYAK", "secret", ""))
	r, _ := http.NewRequest(http.MethodPut, qsTestURL, nil)
	r.Header.Set("X-QS-Meta-A", " 1 ")
	if err := s.Sign(context.Background(), r, now); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get("Date"); got != "Fri, 01 Mar 2024 04:00:00 GMT" {
		t.Errorf("Date = %q", got)
	}
	want := "PUT\n\n\nFri, 01 Mar 2024 04:00:00 GMT\nx-qs-meta-a:1\n/mybucket/dir/a%20b.txt?part_number=2&upload_id=u1"
	if got := qsStringToSign(r, qsDateLine(r.Header), qsBucket(r, nil)); string(got) != want {
		t.Errorf("string to sign %q, want %q", got, want)
	}
	lookup := func(id string) (string, bool) { return "secret", id == "QYAK" }
	if err := VerifyQingStor(r, lookup, now.Add(10*time.Minute)); err != nil {
		t.Errorf("VerifyQingStor: %v", err)
	}
	// The prefix/limit style parameters are not signed; sub-resources are.
	tampered := r.Clone(context.Background())
	tampered.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=5", "limit=6", 1)
	if err := VerifyQingStor(tampered, lookup, now); err != nil {
		t.Errorf("unsigned parameter changed: %v", err)
	}
	tampered.URL.RawQuery = strings.Replace(r.URL.RawQuery, "part_number=2", "part_number=3", 1)
	cosqsWantCode(t, "sub-resource changed", VerifyQingStor(tampered, lookup, now), VerifyMismatch, []string{"secret"})

	// With X-QS-Date, Date is not added and its line is empty.
	r, _ = http.NewRequest(http.MethodGet, qsTestURL, nil)
	r.Header.Set("X-QS-Date", now.UTC().Format(http.TimeFormat))
	if err := s.Sign(context.Background(), r, now); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("Date") != "" {
		t.Errorf("Date set although X-QS-Date is")
	}
	if err := VerifyQingStor(r, lookup, now); err != nil {
		t.Errorf("VerifyQingStor with X-QS-Date: %v", err)
	}
}

func TestQingStorPresignRoundTrip(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := NewQingStor(NewStaticCredentials("QYAK", "secret", ""))
	r, _ := http.NewRequest(http.MethodPut, qsTestURL, nil)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("User-Agent", "x")
	u, hdr, err := s.Presign(context.Background(), r, now, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(hdr) != 1 || hdr.Get("Content-Type") != "text/plain" {
		t.Errorf("signed headers %v", hdr)
	}
	if !strings.Contains(u.RawQuery, "&access_key_id=QYAK&expires=1700000900&signature=") {
		t.Errorf("presigned URL %s", u)
	}
	v, _ := http.NewRequest(http.MethodPut, u.String(), nil)
	v.Header = hdr
	lookup := func(id string) (string, bool) { return "secret", id == "QYAK" }
	if err := VerifyQingStor(v, lookup, now.Add(15*time.Minute)); err != nil {
		t.Errorf("VerifyQingStor: %v", err)
	}
	cosqsWantCode(t, "expired", VerifyQingStor(v, lookup, now.Add(15*time.Minute+time.Second)), VerifyExpired, []string{"secret"})
	v.Header.Set("Content-Type", "text/html")
	cosqsWantCode(t, "content type changed", VerifyQingStor(v, lookup, now), VerifyMismatch, []string{"secret"})
}

func TestQingStorPresignExpiry(t *testing.T) {
	s := NewQingStor(NewStaticCredentials("QYAK", "secret", ""))
	r, _ := http.NewRequest(http.MethodGet, qsTestURL, nil)
	for _, d := range []time.Duration{0, -time.Minute} {
		_, _, err := s.Presign(context.Background(), r, time.Now(), d)
		var ee *ExpiryError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), "expires") {
			t.Errorf("Presign(%v) = %v, want *ExpiryError naming expires", d, err)
		}
	}
}

func TestQingStorCredentials(t *testing.T) {
	ctx := context.Background()
	r, _ := http.NewRequest(http.MethodGet, qsTestURL, nil)
	if err := NewQingStor(AnonymousCredentials{}).Sign(ctx, r, time.Now()); err != nil || len(r.Header) != 0 {
		t.Errorf("anonymous: err %v, headers %v", err, r.Header)
	}
	for _, p := range []CredentialsProvider{nil, StaticCredentials{}, StaticCredentials{Value: Credentials{SecretAccessKey: "s"}}} {
		if err := NewQingStor(p).Sign(ctx, r, time.Now()); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("Sign = %v, want ErrNoCredentials", err)
		}
		if _, _, err := NewQingStor(p).Presign(ctx, r, time.Now(), time.Minute); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("Presign = %v, want ErrNoCredentials", err)
		}
	}
}

func TestQingStorVerifyMalformed(t *testing.T) {
	lookup := func(string) (string, bool) { return "secret", true }
	now := time.Unix(1700000000, 0)
	r, _ := http.NewRequest(http.MethodGet, qsTestURL, nil)
	cosqsWantCode(t, "no signature", VerifyQingStor(r, lookup, now), VerifyMissing, nil)
	for _, h := range []string{"QS nocolon", "QS :sig", "AWS a:b", "QS ak:"} {
		r.Header.Set("Authorization", h)
		r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
		cosqsWantCode(t, h, VerifyQingStor(r, lookup, now), VerifyMalformed, []string{"secret"})
	}
	r.Header.Set("Authorization", "QS ak:sig")
	r.Header.Del("Date")
	cosqsWantCode(t, "no date", VerifyQingStor(r, lookup, now), VerifyMalformed, nil)
	r.Header.Set("Date", "yesterday")
	cosqsWantCode(t, "bad date", VerifyQingStor(r, lookup, now), VerifyMalformed, nil)

	q, _ := http.NewRequest(http.MethodGet, "https://pek3b.qingstor.com/b/k?access_key_id=ak&signature=s&expires=soon", nil)
	cosqsWantCode(t, "bad expires", VerifyQingStor(q, lookup, now), VerifyMalformed, nil)
}

func TestQingStorBucketFromHost(t *testing.T) {
	for host, want := range map[string]string{
		"mybucket.pek3b.qingstor.com": "mybucket",
		"MyBucket.sh1a.QingStor.com":  "MyBucket",
		"pek3b.qingstor.com":          "",
		"qingstor.com":                "",
		"a.b.c.qingstor.com":          "",
		".pek3b.qingstor.com":         "",
		"127.0.0.1":                   "",
		"bucket.s3.example.com":       "",
	} {
		got, ok := QingStorBucketFromHost(host)
		if got != want || ok != (want != "") {
			t.Errorf("QingStorBucketFromHost(%q) = %q, %v", host, got, ok)
		}
	}
}

func TestQingStorEscaping(t *testing.T) {
	if got := string(qsAppendEscaped(nil, "/a b+c=d&e~f!'()*;:@,$%ä")); got != "/a%20b%2Bc=d%26e~f%21%27%28%29%2A%3B%3A%40%2C%24%25%C3%A4" {
		t.Errorf("qsAppendEscaped = %s", got)
	}
}

func BenchmarkQingStorSign(b *testing.B) {
	s := NewQingStor(NewStaticCredentials("QYAK", "secret", ""))
	r, _ := http.NewRequest(http.MethodPut, qsTestURL, nil)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("X-QS-Meta-A", "1")
	now := time.Unix(1700000000, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sign(ctx, r, now); err != nil {
			b.Fatal(err)
		}
	}
}
