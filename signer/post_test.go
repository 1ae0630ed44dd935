package signer

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// postForm is a form as a case-insensitive field lookup, as S3 reads it.
type postForm map[string]string

func (f postForm) get(name string) string { return http.Header(f.header()).Get(name) }

func (f postForm) header() http.Header {
	h := http.Header{}
	for k, v := range f {
		h.Set(k, v)
	}
	return h
}

func formOf(fields []PostField) postForm {
	f := postForm{}
	for _, x := range fields {
		f[x.Name] = x.Value
	}
	return f
}

func lookupOf(ak, secret string) SecretLookup {
	return func(id string) (string, bool) {
		if id == ak {
			return secret, true
		}
		return "", false
	}
}

func wantVerifyCode(t *testing.T, err error, code VerifyCode) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Code != code {
		t.Fatalf("err = %v, want a VerifyError %s", err, code)
	}
}

// The vendors' published examples: AWS "Example: Browser-Based Upload
// using HTTP POST (Using AWS Signature Version 4)" and the SigV2 POST form
// example, COS's POST Object "签名保护实际案例", and the QingStor form
// upload example (policy {"key": "test_key"}, secret test_secret_key).
var postVectors = []struct {
	name   string
	form   postForm
	ak, sk string
	now    time.Time
	scheme PostScheme
}{
	{
		name: "aws-sigv4",
		form: postForm{
			"x-amz-algorithm":  "AWS4-HMAC-SHA256",
			"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
			"x-amz-date":       "20151229T000000Z",
			"policy":           "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9",
			"x-amz-signature":  "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e",
		},
		ak: "AKIAIOSFODNN7EXAMPLE", sk: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		now:    time.Date(2015, 12, 29, 1, 0, 0, 0, time.UTC),
		scheme: PostSchemeV4,
	},
	{
		name: "aws-sigv2",
		form: postForm{
			"AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
			"policy":         "eyAiZXhwaXJhdGlvbiI6ICIyMDA3LTEyLTAxVDEyOjAwOjAwLjAwMFoiLAogICJjb25kaXRpb25zIjogWwogICAgeyJidWNrZXQiOiAiam9obnNtaXRoIn0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci9lcmljLyJdLAogICAgeyJhY2wiOiAicHVibGljLXJlYWQifSwKICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL2pvaG5zbWl0aC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwKICAgIFsic3RhcnRzLXdpdGgiLCAiJENvbnRlbnQtVHlwZSIsICJpbWFnZS8iXSwKICAgIHsieC1hbXotbWV0YS11dWlkIjogIjE0MzY1MTIzNjUxMjc0In0sCiAgICBbInN0YXJ0cy13aXRoIiwgIiR4LWFtei1tZXRhLXRhZyIsICIiXQogIF0KfQo=",
			"signature":      "0RavWzkygo6QX9caELEqKi9kDbU=",
		},
		ak: "AKIAIOSFODNN7EXAMPLE", sk: "uV3F3YluFJax1cknvbcGwgjvx4QpvB+leU8dUj2o",
		now:    time.Date(2007, 11, 30, 0, 0, 0, 0, time.UTC),
		scheme: PostSchemeV2,
	},
	{
		name: "cos",
		form: postForm{
			"policy":           "ewogICAgImV4cGlyYXRpb24iOiAiMjAxOS0wOC0zMFQwOTozODoxMi40MTRaIiwKICAgICJjb25kaXRpb25zIjogWwogICAgICAgIHsgImFjbCI6ICJkZWZhdWx0IiB9LAogICAgICAgIHsgImJ1Y2tldCI6ICJleGFtcGxlYnVja2V0LTEyNTAwMDAwMDAiIH0sCiAgICAgICAgWyAic3RhcnRzLXdpdGgiLCAiJGtleSIsICJmb2xkZXIvc3ViZm9sZGVyLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkQ29udGVudC1UeXBlIiwgImltYWdlLyIgXSwKICAgICAgICBbICJzdGFydHMtd2l0aCIsICIkc3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiLCAiaHR0cHM6Ly9teS53ZWJzaXRlLyIgXSwKICAgICAgICBbICJlcSIsICIkeC1jb3Mtc2VydmVyLXNpZGUtZW5jcnlwdGlvbiIsICJBRVMyNTYiIF0sCiAgICAgICAgeyAicS1zaWduLWFsZ29yaXRobSI6ICJzaGExIiB9LAogICAgICAgIHsgInEtYWsiOiAiQUtJRFFqejNsdG9tcFZqQm5pNUxpdGtXSEZsRnB3a245VTVxIiB9LAogICAgICAgIHsgInEtc2lnbi10aW1lIjogIjE1NjcxNTA2OTI7MTU2NzE1Nzg5MiIgfQogICAgXQp9",
			"q-sign-algorithm": "sha1",
			"q-ak":             "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
			"q-key-time":       "1567150692;1567157892",
			"q-signature":      "7758dc9a832e9d301dca704cacbf9d9f8172fdef",
		},
		ak: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", sk: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
		now:    time.Unix(1567150700, 0),
		scheme: PostSchemeCOS,
	},
	{
		name: "qingstor",
		form: postForm{
			"access_key_id": "EXAMPLEKEY",
			"policy":        "eyJrZXkiOiAidGVzdF9rZXkifQ==",
			"signature":     "HfMhlYYA4bgyoq3SDMWqiJ1XWm1/TORTfkZk+WODxag=",
		},
		ak: "EXAMPLEKEY", sk: "test_secret_key",
		now:    time.Now(),
		scheme: PostSchemeQingStor,
	},
}

func TestVerifyPostVendorExamples(t *testing.T) {
	for _, v := range postVectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := VerifyPost(v.form.get, lookupOf(v.ak, v.sk), v.now)
			if err != nil {
				t.Fatalf("VerifyPost: %v", err)
			}
			want, _ := base64.StdEncoding.DecodeString(v.form["policy"])
			if got.Scheme != v.scheme || got.AccessKeyID != v.ak || string(got.Policy) != string(want) {
				t.Errorf("got %+v", got)
			}
			if v.scheme == PostSchemeV4 || v.scheme == PostSchemeV2 || v.scheme == PostSchemeCOS {
				if _, err := ParsePostPolicy(got.Policy); err != nil {
					t.Errorf("ParsePostPolicy of the vendor's document: %v", err)
				}
			}

			// Another secret, another policy or another signature: refused.
			_, err = VerifyPost(v.form.get, lookupOf(v.ak, v.sk+"x"), v.now)
			wantVerifyCode(t, err, VerifyMismatch)
			_, err = VerifyPost(v.form.get, lookupOf("someone-else", v.sk), v.now)
			wantVerifyCode(t, err, VerifyUnknownKey)
			tampered := postForm{}
			for k, val := range v.form {
				tampered[k] = val
			}
			tampered["policy"] = base64.StdEncoding.EncodeToString([]byte(`{"key": "other"}`))
			_, err = VerifyPost(tampered.get, lookupOf(v.ak, v.sk), v.now)
			wantVerifyCode(t, err, VerifyMismatch)
		})
	}
}

func TestVerifyPostRefusals(t *testing.T) {
	_, err := VerifyPost(postForm{"key": "k"}.get, lookupOf("a", "b"), time.Now())
	wantVerifyCode(t, err, VerifyMissing)

	cos := postVectors[2]
	_, err = VerifyPost(cos.form.get, lookupOf(cos.ak, cos.sk), time.Unix(1567157893, 0))
	wantVerifyCode(t, err, VerifyExpired)
	_, err = VerifyPost(cos.form.get, lookupOf(cos.ak, cos.sk), time.Unix(1567150692-3600, 0))
	wantVerifyCode(t, err, VerifyExpired)

	v4 := postVectors[0]
	for field, value := range map[string]string{
		"x-amz-algorithm":  "AWS4-HMAC-SHA1",
		"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3",
		"x-amz-date":       "20151230T000000Z",
		"x-amz-signature":  "XYZ",
		"policy":           "%%%",
	} {
		bad := postForm{}
		for k, val := range v4.form {
			bad[k] = val
		}
		bad[field] = value
		_, err := VerifyPost(bad.get, lookupOf(v4.ak, v4.sk), v4.now)
		wantVerifyCode(t, err, VerifyMalformed)
	}
}

// Each scheme signs a form that its verifier accepts, and the policy
// carries the scheme's conditions (and the session token) after the
// caller's.
func TestSignPostRoundTrip(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	creds := NewStaticCredentials("AKID", "SECRET", "TOKEN")
	base := PostPolicy{
		Expiration: now.Add(time.Hour),
		Conditions: []PostCondition{
			{Match: PostEq, Field: "bucket", Value: "b"},
			{Match: PostStartsWith, Field: "key", Value: "user/"},
			{Match: PostContentLengthRange, Min: 1, Max: 1024},
		},
		Fields: []PostField{{"key", "user/${filename}"}},
	}
	cases := []struct {
		name   string
		s      PostSigner
		scheme PostScheme
		extra  []PostCondition
	}{
		{"v4", NewV4(creds, "us-east-1"), PostSchemeV4, []PostCondition{
			{Match: PostEq, Field: "x-amz-algorithm", Value: "AWS4-HMAC-SHA256"},
			{Match: PostEq, Field: "x-amz-credential", Value: "AKID/20260304/us-east-1/s3/aws4_request"},
			{Match: PostEq, Field: "x-amz-date", Value: "20260304T050607Z"},
			{Match: PostEq, Field: "x-amz-security-token", Value: "TOKEN"},
		}},
		{"v2", NewV2(creds), PostSchemeV2, []PostCondition{
			{Match: PostEq, Field: "x-amz-security-token", Value: "TOKEN"},
		}},
		{"cos", NewCOS(creds), PostSchemeCOS, []PostCondition{
			{Match: PostEq, Field: "q-sign-algorithm", Value: "sha1"},
			{Match: PostEq, Field: "q-ak", Value: "AKID"},
			{Match: PostEq, Field: "q-sign-time", Value: "1772600767;1772604367"},
			{Match: PostEq, Field: "x-cos-security-token", Value: "TOKEN"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fields, err := tc.s.SignPost(ctx, base, now)
			if err != nil {
				t.Fatal(err)
			}
			if fields[0] != base.Fields[0] {
				t.Errorf("the caller's fields come first: %v", fields)
			}
			form := formOf(fields)
			got, err := VerifyPost(form.get, lookupOf("AKID", "SECRET"), now)
			if err != nil {
				t.Fatalf("VerifyPost: %v", err)
			}
			if got.Scheme != tc.scheme {
				t.Errorf("scheme %s", got.Scheme)
			}
			p, err := ParsePostPolicy(got.Policy)
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]PostCondition(nil), base.Conditions...), tc.extra...)
			if !p.Expiration.Equal(base.Expiration) || !reflect.DeepEqual(p.Conditions, want) {
				t.Errorf("policy %s\nparsed %+v\nwant   %+v", got.Policy, p.Conditions, want)
			}
			again, _ := tc.s.SignPost(ctx, base, now)
			if !reflect.DeepEqual(again, fields) {
				t.Errorf("signing is not deterministic")
			}
			for _, name := range PostAuthFields(tc.scheme) {
				if form.get(name) == "" {
					t.Errorf("auth field %q missing from %v", name, fields)
				}
			}
		})
	}

	t.Run("qingstor", func(t *testing.T) {
		q := PostPolicy{Fields: []PostField{{"key", "k"}, {"content-type", "text/plain"}}}
		fields, err := NewQingStor(creds).SignPost(ctx, q, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyPost(formOf(fields).get, lookupOf("AKID", "SECRET"), now)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Policy) != `{"content-type":"text/plain","key":"k"}` {
			t.Errorf("policy %s", got.Policy)
		}
		if _, err := SignPostQingStor(base, creds.Value); err == nil {
			t.Error("a QingStor policy with conditions and an expiration was signed")
		}
		dup := PostPolicy{Fields: []PostField{{"key", "a"}, {"key", "b"}}}
		if _, err := SignPostQingStor(dup, creds.Value); err == nil {
			t.Error("a QingStor policy with a repeated field was signed")
		}
	})
}

// The document is plain JSON in a fixed shape: the caller's conditions in
// order, then the scheme's; no HTML escaping.
func TestPostDocumentShape(t *testing.T) {
	p := PostPolicy{
		Expiration: time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC),
		Conditions: []PostCondition{
			{Match: PostEq, Field: "bucket", Value: "b"},
			{Match: PostStartsWith, Field: "Content-Type", Value: "image/"},
			{Match: PostContentLengthRange, Min: 0, Max: 10},
			{Match: PostEq, Field: "x-amz-meta-note", Value: "<a&b>"},
		},
	}
	doc, err := postDocument(p, []PostField{{"q-ak", "AK"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"expiration":"2026-01-02T03:04:05.600Z","conditions":[{"bucket":"b"},["starts-with","$Content-Type","image/"],["content-length-range",0,10],{"x-amz-meta-note":"<a&b>"},{"q-ak":"AK"}]}`
	if string(doc) != want {
		t.Errorf("document\n%s\nwant\n%s", doc, want)
	}
	for _, bad := range []PostPolicy{
		{Conditions: p.Conditions},
		{Expiration: p.Expiration, Conditions: []PostCondition{{Match: PostEq}}},
		{Expiration: p.Expiration, Conditions: []PostCondition{{Match: PostContentLengthRange, Min: 5, Max: 1}}},
		{Expiration: p.Expiration, Conditions: []PostCondition{{Match: "in", Field: "key"}}},
	} {
		if _, err := postDocument(bad, nil); err == nil {
			t.Errorf("%+v was encoded", bad)
		}
	}
}

func TestSignPostRefusals(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	creds := NewStaticCredentials("AKID", "SECRET", "")
	week := PostPolicy{Expiration: now.Add(7*24*time.Hour + time.Second)}
	var ee *ExpiryError
	if _, err := NewV4(creds, "us-east-1").SignPost(ctx, week, now); !errors.As(err, &ee) || ee.Max != 7*24*time.Hour {
		t.Errorf("v4 beyond seven days: %v", err)
	}
	past := PostPolicy{Expiration: now.Add(-time.Second)}
	for _, s := range []PostSigner{NewV4(creds, "us-east-1"), NewV2(creds), NewCOS(creds)} {
		if _, err := s.SignPost(ctx, past, now); !errors.As(err, &ee) {
			t.Errorf("%T with a past expiration: %v", s, err)
		}
	}
	anon := PostPolicy{Expiration: now.Add(time.Hour)}
	for _, s := range []PostSigner{NewV4(AnonymousCredentials{}, "us-east-1"), NewV2(AnonymousCredentials{}), NewCOS(AnonymousCredentials{}), NewQingStor(AnonymousCredentials{})} {
		if _, err := s.SignPost(ctx, anon, now); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("%T with anonymous credentials: %v", s, err)
		}
	}
	if _, err := SignPostV4(anon, creds.Value, "", "s3", now); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("v4 without region: %v", err)
	}
}

func TestParsePostPolicy(t *testing.T) {
	p, err := ParsePostPolicy([]byte(`{"expiration":"2026-01-02T03:04:05Z","conditions":[
		{"b":"2","a":"1"}, ["EQ","$key","k"], ["starts-with","$Content-Type",""], ["content-length-range","1",2]]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []PostCondition{
		{Match: PostEq, Field: "a", Value: "1"},
		{Match: PostEq, Field: "b", Value: "2"},
		{Match: PostEq, Field: "key", Value: "k"},
		{Match: PostStartsWith, Field: "Content-Type"},
		{Match: PostContentLengthRange, Min: 1, Max: 2},
	}
	if !reflect.DeepEqual(p.Conditions, want) {
		t.Errorf("conditions %+v", p.Conditions)
	}
	for _, bad := range []string{
		`{"conditions":[]}`,
		`{"expiration":"tomorrow","conditions":[]}`,
		`{"expiration":"2026-01-02T03:04:05Z","conditions":[],"extra":1}`,
		`{"expiration":"2026-01-02T03:04:05Z","conditions":[{"a":1}]}`,
		`{"expiration":"2026-01-02T03:04:05Z","conditions":[["eq","key","k"]]}`,
		`{"expiration":"2026-01-02T03:04:05Z","conditions":[["in","$key","k"]]}`,
		`{"expiration":"2026-01-02T03:04:05Z","conditions":[["content-length-range",5,1]]}`,
		`{"expiration":"2026-01-02T03:04:05Z","conditions":["key"]}`,
		`not json`,
	} {
		if _, err := ParsePostPolicy([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
