package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// Known secrets the printing tests plant in every secret-holding value.
const (
	fmtSecret = "SECRETKEY-fmt-0123456789abcdef"
	fmtToken  = "SESSIONTOKEN-fmt-0123456789abcdef"
	fmtBearer = "BEARERTOKEN-fmt-0123456789abcdef"
	fmtAuth   = "AUTHORIZATION-fmt-0123456789abcdef"
	fmtSSEKey = "SSE-C-KEY-fmt-must-not-be-shown!" // 32 bytes
)

// secretCase is one value that holds secrets, and the secrets it holds.
type secretCase struct {
	name    string
	value   any
	secrets []string
	// jsonExempt says why the value is not redacted when it is encoded as
	// JSON inside another struct ("" means it must be).
	jsonExempt string
}

// secretCases builds every secret-holding type of client, signer and
// object (the list TestSecretTypesAreListed checks against the source)
// with known secrets. Add a case for every new type that holds a secret.
func secretCases(t *testing.T) []secretCase {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	creds := signer.Credentials{AccessKeyID: "AKIDFMT", SecretAccessKey: fmtSecret, SessionToken: fmtToken, Expires: now.Add(time.Hour)}
	static := signer.NewStaticCredentials("AKIDFMT", fmtSecret, fmtToken)

	cache := signer.TemporaryCredentials(func(context.Context) (signer.Credentials, error) { return creds, nil },
		func(o *signer.CacheOptions) { o.Now = func() time.Time { return now } })
	if _, err := cache.Retrieve(ctx); err != nil { // the cache now holds the secret
		t.Fatal(err)
	}

	srv := storagetest.NewServer(client.IBM)
	t.Cleanup(srv.Close)
	iam := signer.NewIAMTokenProvider(srv.APIKey(), func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
	tok, err := iam.Token(ctx) // the provider now caches a token
	if err != nil {
		t.Fatal(err)
	}
	bearer := signer.NewBearer(signer.TokenFunc(func(context.Context) (signer.Token, error) {
		return signer.Token{Value: fmtBearer, Type: "Bearer"}, nil
	}))

	c, err := client.New(client.S3, client.WithEndpoint("http://127.0.0.1:1"), client.WithRegion("us-east-1"),
		client.WithStaticCredentials("AKIDFMT", fmtSecret, fmtToken))
	if err != nil {
		t.Fatal(err)
	}
	sse := &client.SSECustomer{Key: []byte(fmtSSEKey)}
	presigned, err := object.NewClient(c).PresignPut(ctx, &object.PutInput{Bucket: "fmt-bucket", Key: "k", ContentType: "text/plain", SSE: sse}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sig := queryValue(t, presigned.URL, "X-Amz-Signature")
	if !strings.Contains(presigned.URL, url.QueryEscape(fmtToken)) || presigned.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key") == "" {
		t.Fatalf("the presigned request carries no token or SSE-C key; the test would prove nothing: %s %v", presigned.URL, presigned.Header)
	}
	cosClient, err := client.New(client.COS, client.WithEndpoint("http://127.0.0.1:1"), client.WithRegion("ap-beijing"),
		client.WithStaticCredentials("AKIDFMT", fmtSecret, fmtToken))
	if err != nil {
		t.Fatal(err)
	}
	cosPresigned, err := object.NewClient(cosClient).PresignGet(ctx, &object.GetInput{Bucket: "fmt-1250000000", Key: "k"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	form, err := object.NewClient(c).PresignPost(ctx, &object.PostPolicy{Bucket: "fmt-bucket", Key: "k", Expires: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("x-amz-security-token") != fmtToken {
		t.Fatalf("the form carries no session token; the test would prove nothing: %v", form.Fields)
	}
	var tokenField object.FormField
	for _, f := range form.Fields {
		if f.Name == "x-amz-security-token" {
			tokenField = f
		}
	}
	signed, err := signer.SignPostV4(signer.PostPolicy{Expiration: now.Add(time.Hour)}, creds, "us-east-1", "s3", now)
	if err != nil {
		t.Fatal(err)
	}
	var postField, postPolicy signer.PostField
	for _, f := range signed {
		switch {
		case f.Value == fmtToken:
			postField = f
		case f.Name == "policy":
			postPolicy = f
		}
	}
	if postField.Name == "" || postPolicy.Name == "" {
		t.Fatal("SignPostV4 returned no session token or policy field")
	}

	all := []string{fmtSecret, fmtToken}
	presignExempt := "a presigned request or form is handed to its sender, often as JSON: only fmt and slog redact it"
	return []secretCase{
		{name: "signer.Credentials", value: creds, secrets: all},
		{name: "*signer.Credentials", value: &creds, secrets: all},
		{name: "signer.StaticCredentials", value: static, secrets: all},
		{name: "*signer.CredentialsCache", value: cache, secrets: all},
		{name: "signer.Token", value: tok, secrets: []string{tok.Value}},
		{name: "*signer.IAMTokenProvider", value: iam, secrets: []string{srv.APIKey(), tok.Value}},
		{name: "signer.Authorization", value: signer.Authorization{Authorization: fmtAuth, SecurityToken: fmtToken, SecurityTokenHeader: "x-cos-security-token"},
			secrets: []string{fmtAuth, fmtToken}},
		{name: "*signer.Bearer", value: bearer, secrets: []string{fmtBearer}},
		{name: "*signer.V4", value: signer.NewV4(static, "us-east-1"), secrets: all},
		{name: "*signer.V2", value: signer.NewV2(static), secrets: all},
		{name: "*signer.COS", value: signer.NewCOS(static), secrets: all},
		{name: "*signer.QingStor", value: signer.NewQingStor(static), secrets: all},
		{name: "signer.PostField", value: postField, secrets: []string{fmtToken}, jsonExempt: presignExempt},
		{name: "signer.PostField (policy)", value: postPolicy, secrets: []string{fmtToken}, jsonExempt: presignExempt},
		{name: "*signer.Transport", value: &signer.Transport{Signer: signer.NewV4(static, "us-east-1")}, secrets: all},
		{name: "*client.Client", value: c, secrets: all},
		{name: "client.Options", value: c.Options(), secrets: all},
		{name: "client.SignerConfig", value: client.SignerConfig{Credentials: static, Region: "us-east-1"}, secrets: all},
		{name: "*client.PresignedRequest", value: presigned, secrets: []string{fmtSecret, fmtToken, fmtSSEKey, sig}, jsonExempt: presignExempt},
		{name: "*client.PresignedRequest (COS)", value: cosPresigned,
			secrets: []string{fmtSecret, fmtToken, queryValue(t, cosPresigned.URL, "q-signature")}, jsonExempt: presignExempt},
		{name: "*client.SSECustomer", value: sse, secrets: []string{fmtSSEKey}},
		{name: "client.SSECustomer", value: *sse, secrets: []string{fmtSSEKey}},
		{name: "*object.PutInput", value: &object.PutInput{Bucket: "b", Key: "k", SSE: sse}, secrets: []string{fmtSSEKey}},
		{name: "*object.PostForm", value: form, secrets: []string{fmtSecret, fmtToken}, jsonExempt: presignExempt},
		{name: "object.FormField", value: tokenField, secrets: []string{fmtToken}, jsonExempt: presignExempt},
	}
}

func queryValue(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(name)
	if v == "" {
		t.Fatalf("%s has no %s parameter", raw, name)
	}
	return v
}

// leakForms are the ways a secret could show in output: as is, quoted or
// escaped, hex (either case) and base64 (every alphabet), and a fragment
// (a truncated or split secret).
func leakForms(s string) []string {
	b := []byte(s)
	forms := []string{s, fmt.Sprintf("%q", s)[1 : len(s)+1], url.QueryEscape(s),
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
	if len(s) >= 20 {
		forms = append(forms, s[4:16], s[len(s)-12:])
	}
	return forms
}

// fmtVerbs are the directives every secret-holding value is printed with.
//
// Two are missing because no method can cover them: fmt prints %p of a
// non-pointer, and %w outside fmt.Errorf or of a non-error, through its
// bad-verb path, which shows the fields without calling Format. go vet's
// printf check (run by go test) refuses both uses at build time. %p of a
// pointer prints the address, and is checked.
var fmtVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T",
	"%40v", "%-40s", "%+q", "%#q", "% x", "%#x", "% X", "%.60s", "%08d", "%10.300v", "%#+v",
	"%t", "%f", "%U", "%c", "%o", "%b", "%e", "%g", "%z",
}

func checkNoLeak(t *testing.T, what, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range leakForms(s) {
			if strings.Contains(out, form) {
				t.Errorf("%s reveals a secret (as %q):\n%s", what, form, out)
				return
			}
		}
		for _, dec := range decodedRuns(out) {
			if strings.Contains(dec, s) {
				t.Errorf("%s reveals a secret inside base64 or hex text:\n%s", what, out)
				return
			}
		}
	}
}

var encodedRun = regexp.MustCompile(`[A-Za-z0-9+/_=-]{16,}`)

// decodedRuns decodes every run of base64 or hex text in out (a secret
// inside an encoded document, such as a POST policy, is not found by
// encoding the secret alone).
func decodedRuns(out string) []string {
	var decs []string
	for _, run := range encodedRun.FindAllString(out, -1) {
		if b, err := hex.DecodeString(run[:len(run)&^1]); err == nil {
			decs = append(decs, string(b))
		}
		run = strings.TrimRight(run, "=")
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			for off := 0; off < 4 && off < len(run); off++ {
				r := run[off:]
				if b, err := enc.DecodeString(r[:len(r)-len(r)%4]); err == nil {
					decs = append(decs, string(b))
				}
			}
		}
	}
	return decs
}

// TestSecretsNeverPrinted prints every secret-holding value with every fmt
// verb (and widths and flags), alone, behind a pointer and inside slices,
// maps and structs, and logs it with slog's text and JSON handlers as a
// value and as a field of a struct; no secret may show in any form.
func TestSecretsNeverPrinted(t *testing.T) {
	for _, sc := range secretCases(t) {
		t.Run(sc.name, func(t *testing.T) {
			v := sc.value
			type wrapper struct {
				Name  string
				Inner any
			}
			containers := map[string]any{
				"value":  v,
				"slice":  []any{v},
				"map":    map[string]any{"k": v},
				"struct": wrapper{"w", v},
				"ptr":    &wrapper{"w", v},
			}
			if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer {
				p := reflect.New(rv.Type())
				p.Elem().Set(rv)
				containers["pointer"] = p.Interface()
			}
			for cname, cv := range containers {
				for _, verb := range fmtVerbs {
					checkNoLeak(t, fmt.Sprintf("Sprintf(%q) of %s", verb, cname), fmt.Sprintf(verb, cv), sc.secrets)
				}
				checkNoLeak(t, "Sprint of "+cname, fmt.Sprint(cv), sc.secrets)
				checkNoLeak(t, "Sprintln of "+cname, fmt.Sprintln(cv, cv), sc.secrets)
			}
			if reflect.ValueOf(v).Kind() == reflect.Pointer {
				checkNoLeak(t, "%p", fmt.Sprintf("%p", v), sc.secrets)
			}

			var buf bytes.Buffer
			handlers := map[string]slog.Handler{
				"text": slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
				"json": slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
			}
			for hname, h := range handlers {
				l := slog.New(h)
				buf.Reset()
				l.Info("value", "v", v)
				l.Debug("group", slog.Group("g", slog.Any("v", v)))
				l.With("with", v).Warn("with")
				checkNoLeak(t, "slog "+hname+" handler", buf.String(), sc.secrets)
				if !strings.Contains(buf.String(), "value") {
					t.Fatalf("slog wrote nothing: %q", buf.String())
				}

				buf.Reset()
				l.Info("nested", "w", wrapper{"w", v}, "p", &wrapper{"p", v}, "list", []any{v})
				if hname == "json" && sc.jsonExempt != "" {
					continue // see jsonExempt
				}
				checkNoLeak(t, "slog "+hname+" handler, nested in a struct", buf.String(), sc.secrets)
			}
		})
	}
}

// TestRedactedFormsFollowVerbs checks that the redacted descriptions still
// obey the directive: %q quotes, %x hex-encodes, width pads, %#v is Go
// syntax (GoString).
func TestRedactedFormsFollowVerbs(t *testing.T) {
	creds := signer.Credentials{AccessKeyID: "AKID", SecretAccessKey: fmtSecret}
	s := creds.String()
	for verb, want := range map[string]string{
		"%v":    s,
		"%s":    s,
		"%+v":   s,
		"%#v":   creds.GoString(),
		"%q":    fmt.Sprintf("%q", s),
		"%x":    hex.EncodeToString([]byte(s)),
		"%X":    strings.ToUpper(hex.EncodeToString([]byte(s))),
		"%80s":  fmt.Sprintf("%80s", s),
		"%-80v": fmt.Sprintf("%-80s", s),
		"%.5s":  s[:5],
		"%d":    s,
	} {
		if got := fmt.Sprintf(verb, creds); got != want {
			t.Errorf("Sprintf(%q) = %q, want %q", verb, got, want)
		}
	}
	if !strings.Contains(s, "AKID") || !strings.Contains(s, "[redacted]") {
		t.Errorf("String() = %q, want the access key id shown and the secret redacted", s)
	}
	p := &client.PresignedRequest{Method: "GET", URL: "https://h/b/k?X-Amz-Credential=AKID%2F20240501&X-Amz-Signature=abc123&x-id=GetObject"}
	if got := p.String(); !strings.Contains(got, "X-Amz-Credential=AKID%2F20240501") || !strings.Contains(got, "X-Amz-Signature=REDACTED") ||
		!strings.Contains(got, "x-id=GetObject") || strings.Contains(got, "abc123") {
		t.Errorf("PresignedRequest.String() = %s, want the signature alone redacted", got)
	}
}
