package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/polystore/polystore/signer"
)

func TestBucketNameRules(t *testing.T) {
	cases := []struct {
		d    *Dialect
		name string
		ok   bool
	}{
		{&S3, "my-bucket", true},
		{&S3, "my.bucket.1", true},
		{&S3, "ab", false},
		{&S3, strings.Repeat("a", 64), false},
		{&S3, "My-Bucket", false},
		{&S3, "-bucket", false},
		{&S3, "bucket-", false},
		{&S3, "my..bucket", false},
		{&S3, "my.-bucket", false},
		{&S3, "192.168.1.1", false},
		{&S3, "under_score", false},
		{&S3, "", false},
		{&IBM, "ibm-bucket", true},
		{&IBM, "IBM", false},
		{&COS, "examplebucket-1250000000", true},
		{&COS, "example-bucket-1250000000", true},
		{&COS, "examplebucket", false},
		{&COS, "examplebucket-12a", false},
		{&COS, "-1250000000", false},
		{&COS, "Example-1250000000", false},
		{&COS, "a.b-1250000000", false},
		{&COS, strings.Repeat("a", 40) + "-1250000000", false},
		{&QingStor, "qs-bucket", true},
		{&QingStor, "short", false},
		{&QingStor, "has.dot.bucket", false},
		{&QingStor, "qs-bucket-", false},
	}
	for _, c := range cases {
		err := c.d.checkBucket(c.name)
		if (err == nil) != c.ok {
			t.Errorf("%s %q: err = %v, want ok=%v", c.d.Name, c.name, err, c.ok)
			continue
		}
		if err != nil {
			var ia *InvalidArgumentError
			if !errors.As(err, &ia) || ia.Field != "Bucket" || !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("%s %q: want *InvalidArgumentError on Bucket, got %#v", c.d.Name, c.name, err)
			}
		}
	}
}

func TestKeyRules(t *testing.T) {
	for _, c := range []struct {
		key string
		ok  bool
	}{
		{"a", true}, {"dir/file name+%~.txt", true}, {"/leading", true}, {"日本語", true},
		{strings.Repeat("k", 1024), true}, {strings.Repeat("k", 1025), false}, {"", false}, {"bad\xffutf8", false},
	} {
		err := S3.validateKey(c.key)
		if (err == nil) != c.ok {
			t.Errorf("key %.20q: err = %v, want ok=%v", c.key, err, c.ok)
		}
		var ia *InvalidArgumentError
		if err != nil && (!errors.As(err, &ia) || ia.Field != "Key") {
			t.Errorf("key %.20q: want field Key, got %v", c.key, err)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	creds := WithStaticCredentials("AK", "SK", "")
	cases := []struct {
		name  string
		d     Dialect
		opts  []func(*Options)
		field string
	}{
		{"cos needs region", COS, []func(*Options){creds}, "Region"},
		{"bad s3 region", S3, []func(*Options){creds, WithRegion("US East")}, "Region"},
		{"bad zone", QingStor, []func(*Options){creds, WithRegion("pek-3b")}, "Zone"},
		{"bad endpoint", S3, []func(*Options){creds, WithEndpoint("127.0.0.1:9000")}, "Endpoint"},
		{"endpoint with query", S3, []func(*Options){creds, WithEndpoint("http://h/?a=b")}, "Endpoint"},
		{"missing key id", S3, []func(*Options){WithStaticCredentials("", "SK", "")}, "Credentials.AccessKeyID"},
		{"missing secret", S3, []func(*Options){WithStaticCredentials("AK", "", "")}, "Credentials.SecretAccessKey"},
	}
	for _, c := range cases {
		_, err := New(c.d, c.opts...)
		var ia *InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != c.field {
			t.Errorf("%s: got %v, want an InvalidArgumentError on %s", c.name, err, c.field)
		}
	}
	if _, err := New(COS, creds, WithRegion("ap-beijing")); err != nil {
		t.Errorf("valid COS client: %v", err)
	}
	if _, err := New(QingStor, creds, WithRegion("sh1a")); err != nil {
		t.Errorf("valid QingStor client: %v", err)
	}
}

func TestRequestURL(t *testing.T) {
	creds := WithStaticCredentials("AK", "SK", "")
	cases := []struct {
		d      Dialect
		opts   []func(*Options)
		bucket string
		key    string
		q      url.Values
		want   string
	}{
		{S3, nil, "b", "k", nil, "https://b.s3.us-east-1.amazonaws.com/k"},
		{S3, []func(*Options){WithAddressing(PathStyle)}, "b", "a b/c+d%e~f", nil, "https://s3.us-east-1.amazonaws.com/b/a%20b/c%2Bd%25e~f"},
		{S3, nil, "", "", nil, "https://s3.us-east-1.amazonaws.com/"},
		{S3, nil, "b", "", url.Values{"uploads": {""}}, "https://b.s3.us-east-1.amazonaws.com/?uploads"},
		{S3, []func(*Options){WithEndpoint("http://127.0.0.1:9000")}, "b", "/lead", nil, "http://127.0.0.1:9000/b//lead"},
		{S3, []func(*Options){WithEndpoint("http://127.0.0.1:9000/base/")}, "b", "k", nil, "http://127.0.0.1:9000/base/b/k"},
		{S3, []func(*Options){WithEndpoint("http://localhost:9000"), WithAddressing(VirtualHost)}, "b", "k", nil, "http://b.localhost:9000/k"},
		{IBM, nil, "b", "k", nil, "https://s3.us-south.cloud-object-storage.appdomain.cloud/b/k"},
		{COS, []func(*Options){WithRegion("ap-beijing")}, "b-1250000000", "日", nil, "https://b-1250000000.cos.ap-beijing.myqcloud.com/%E6%97%A5"},
		{QingStor, []func(*Options){WithRegion("sh1a")}, "bucket", "k", url.Values{"part_number": {"0"}, "upload_id": {"x y"}}, "https://bucket.sh1a.qingstor.com/k?part_number=0&upload_id=x%20y"},
	}
	for _, c := range cases {
		cl, err := New(c.d, append([]func(*Options){creds}, c.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		o := cl.Options()
		u := new(url.URL)
		err = cl.requestURL(u, &o, c.bucket, c.key, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.String(); got != c.want {
			t.Errorf("%s %q %q: got %s, want %s", c.d.Name, c.bucket, c.key, got, c.want)
		}
	}
}

func TestDecodeError(t *testing.T) {
	resp := func(status int, body string, h http.Header) *http.Response {
		if h == nil {
			h = http.Header{}
		}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
	}
	e := decodeError(&S3, "GetObject", resp(404, `<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>`, nil))
	if e.Code != "NoSuchKey" || e.Message != "gone" || e.RequestID != "R1" || e.HostID != "H1" || !errors.Is(e, ErrNotFound) || errors.Is(e, ErrConflict) {
		t.Errorf("xml: %+v", e)
	}
	var apiErr smithy.APIError
	if !errors.As(error(e), &apiErr) || apiErr.ErrorCode() != "NoSuchKey" || apiErr.ErrorFault() != smithy.FaultClient {
		t.Errorf("smithy.APIError: %v", apiErr)
	}
	q := decodeError(&QingStor, "PutObject", resp(401, `{"code":"signature_not_matched","message":"bad sig","request_id":"Q1","url":"https://docs"}`, nil))
	if q.Code != "signature_not_matched" || q.RequestID != "Q1" || !errors.Is(q, ErrAccessDenied) {
		t.Errorf("json: %+v", q)
	}
	h := http.Header{}
	h.Set("x-cos-request-id", "C1")
	b := decodeError(&COS, "HeadObject", resp(404, "", h))
	if b.Code != "" || b.RequestID != "C1" || !errors.Is(b, ErrNotFound) || b.ErrorCode() != "Not Found" {
		t.Errorf("bodiless: %+v", b)
	}
	s := decodeError(&S3, "PutObject", resp(503, `<Error><Code>SlowDown</Code></Error>`, nil))
	if !errors.Is(s, ErrThrottled) || s.ErrorFault() != smithy.FaultServer {
		t.Errorf("throttle: %+v", s)
	}
	counted := &countingReader{r: strings.NewReader("<Error><Code>InternalError</Code><Message>" + strings.Repeat("x", 1<<20) + "</Message></Error>")}
	big := decodeError(&S3, "X", &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(counted)})
	if counted.n > maxErrorBody {
		t.Errorf("decodeError read %d bytes of the error body; cap is %d", counted.n, maxErrorBody)
	}
	if !errors.Is(big, ErrInvalidArgument) && big.StatusCode != 500 {
		t.Errorf("oversized error: %+v", big)
	}
	if !strings.Contains(e.Error(), "NoSuchKey") || !strings.Contains(e.Error(), "R1") {
		t.Errorf("message lacks code or request id: %s", e.Error())
	}
}

func readAll(t *testing.T, b *payload) string {
	t.Helper()
	r, err := bodyReader(b)
	if err != nil {
		t.Fatal(err)
	}
	p, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

func TestBodies(t *testing.T) {
	// A bytes.Reader that was partly read is sent from its current offset.
	br := bytes.NewReader([]byte("0123456789"))
	br.Seek(3, io.SeekStart)
	b, err := newBody(br, -1)
	if err != nil || b.Size() != 7 || !b.Replayable() {
		t.Fatalf("bytes.Reader: %v %+v", err, b)
	}
	first, second := readAll(t, b), readAll(t, b)
	if first != "3456789" || second != first {
		t.Errorf("bytes.Reader body did not replay: %q then %q", first, second)
	}
	// A file is read through section readers.
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("hello file")
	f.Seek(6, io.SeekStart)
	b, err = newBody(f, -1)
	if err != nil || b.Size() != 4 {
		t.Fatalf("file body: %v", err)
	}
	if first, second := readAll(t, b), readAll(t, b); first != "file" || second != "file" {
		t.Errorf("file body: %q then %q", first, second)
	}
	// A plain reader is sent once and refuses to replay.
	pr := io.MultiReader(strings.NewReader("stream"))
	if _, err := newBody(pr, -1); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("stream without size: %v", err)
	}
	b, err = newBody(pr, 6)
	if err != nil || b.Replayable() {
		t.Fatalf("stream: %v", err)
	}
	if readAll(t, b) != "stream" {
		t.Error("stream content")
	}
	if _, err := bodyReader(b); !errors.Is(err, ErrBodyNotReplayable) {
		t.Errorf("second open: %v", err)
	}
	// A small in-memory body is given to net/http as the same in-memory
	// type (so that it writes it with the headers), positioned at its
	// start, on every attempt.
	small, err := newBody(strings.NewReader("0123456789"), -1)
	if err != nil || !inMemorySmall(small) {
		t.Fatalf("strings.Reader body: %v, in memory %v", err, inMemorySmall(small))
	}
	for range 2 {
		r, err := bodyReader(small)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.(*strings.Reader); !ok {
			t.Fatalf("reader %T, want a *strings.Reader", r)
		}
		if p, _ := io.ReadAll(r); string(p) != "0123456789" {
			t.Errorf("in-memory body read %q", p)
		}
	}
	// A section of one that does not reach its end is not.
	if part := sectionBody(bytes.NewReader([]byte("0123456789")), 2, 3); inMemorySmall(part) || readAll(t, part) != "234" {
		t.Errorf("a middle section of a bytes.Reader: in memory %v", inMemorySmall(part))
	}
}

func TestBackoff(t *testing.T) {
	rc := &retryClassifier{dialect: &S3, policy: RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond}.withDefaults()}
	for attempt := 0; attempt < 10; attempt++ {
		ceiling := min(10*time.Millisecond<<attempt, 80*time.Millisecond)
		for i := 0; i < 50; i++ {
			if d := rc.wait(attempt, nil); d < 0 || d > ceiling {
				t.Fatalf("attempt %d: backoff %v outside [0, %v]", attempt, d, ceiling)
			}
		}
	}
	h := http.Header{}
	h.Set("Retry-After", "7")
	if d := rc.wait(0, &http.Response{Header: h}); d != 7*time.Second {
		t.Errorf("Retry-After seconds: %v", d)
	}
	h.Set("Retry-After", "3600")
	if d := rc.wait(0, &http.Response{Header: h}); d != time.Minute {
		t.Errorf("Retry-After not capped: %v", d)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if d, ok := retryAfter(now.Add(5*time.Second).Format(http.TimeFormat), now, time.Minute); !ok || d != 5*time.Second {
		t.Errorf("Retry-After date: %v %v", d, ok)
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	c, err := New(S3, WithStaticCredentials("AKIDVISIBLE", "TOPSECRETVALUE", "SESSIONTOKENVALUE"))
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options()
	for _, s := range []string{c.String(), fmtAll(o.Credentials), fmtAll(o)} {
		if strings.Contains(s, "TOPSECRETVALUE") || strings.Contains(s, "SESSIONTOKENVALUE") {
			t.Errorf("secret printed: %s", s)
		}
	}
	if _, ok := o.Credentials.(signer.StaticCredentials); !ok {
		t.Fatalf("unexpected provider %T", o.Credentials)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestWithDerivesAValidatedClient(t *testing.T) {
	c, err := New(S3, WithStaticCredentials("AK", "SK", ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.With(WithRegion("Bad Region")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("With bad region: %v", err)
	}
	d, err := c.With(WithRegion("eu-west-1"), WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	if d.Options().Region != "eu-west-1" || d.Options().Retry.MaxAttempts != 1 {
		t.Errorf("derived options: %+v", d.Options())
	}
	if c.Options().Region != "us-east-1" || c.Options().Retry.MaxAttempts != 3 {
		t.Errorf("original changed: %+v", c.Options())
	}
	if d.signer == c.signer {
		t.Error("the derived client shares the original's signer, which is bound to the old region")
	}
}

func TestRegionFromEnvironment(t *testing.T) {
	creds := WithStaticCredentials("AK", "SK", "")
	t.Setenv("AWS_REGION", "eu-west-2")
	c, err := New(S3, creds)
	if err != nil || c.Options().Region != "eu-west-2" {
		t.Fatalf("AWS_REGION: %v %q", err, c.Options().Region)
	}
	if c, _ := New(S3, creds, WithRegion("ap-south-1")); c.Options().Region != "ap-south-1" {
		t.Errorf("an explicit region must win over the environment: %q", c.Options().Region)
	}
	t.Setenv("COS_REGION", "ap-chengdu")
	if c, err := New(COS, creds); err != nil || c.Options().Region != "ap-chengdu" {
		t.Errorf("COS_REGION: %v", err)
	}
	t.Setenv("QINGSTOR_ZONE", "Not A Zone")
	var ia *InvalidArgumentError
	if _, err := New(QingStor, creds); !errors.As(err, &ia) || ia.Field != "Zone" {
		t.Errorf("a bad zone from the environment is refused like any other: %v", err)
	}
}

func TestLookupDialect(t *testing.T) {
	for _, d := range Dialects() {
		got, err := LookupDialect(d.Name)
		if err != nil || got.Name != d.Name {
			t.Errorf("LookupDialect(%q) = %v, %v", d.Name, got.Name, err)
		}
	}
	_, err := LookupDialect("S3 ")
	var ia *InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Dialect" || !strings.Contains(err.Error(), "qingstor, cos, s3, ibm") {
		t.Errorf("unknown name: %v", err)
	}
}
