package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// badHeaderValues are values net/http refuses to send: every control
// character but tab, among them the CR LF of a header injection.
var badHeaderValues = []string{
	"text/plain\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", "\x01", "a\x7f", "\x1b[31m", "a\x0bb", "a\x1fb",
}

// headerCase is one way a bad value can reach a request header, and the
// input field the error must name.
type headerCase struct {
	name  string
	field string
	// feature gates the case; 0 means every dialect.
	feature client.Feature
	// skip reports whether the dialect lacks what the case needs.
	skip func(d *client.Dialect) bool
	call func(ctx context.Context, c *client.Client, bucketName, v string) error
}

func headerCases() []headerCase {
	put := func(field string, set func(in *object.PutInput, v string)) headerCase {
		return headerCase{name: "Put " + field, field: field, call: func(ctx context.Context, c *client.Client, b, v string) error {
			in := &object.PutInput{Bucket: b, Key: "k", Body: strings.NewReader("x")}
			set(in, v)
			_, err := object.NewClient(c).Put(ctx, in)
			return err
		}}
	}
	noCopyConditions := func(d *client.Dialect) bool { return d.Object.CopySourceConditionPrefix == "" }
	noGrants := func(d *client.Dialect) bool { return len(d.Object.GrantPermissions) == 0 }
	noKeyProtect := func(d *client.Dialect) bool { return d.Bucket.Create.KeyProtectRootKeyHeader == "" }
	noInstance := func(d *client.Dialect) bool { return d.ServiceInstanceHeader == "" }
	return []headerCase{
		put("ContentType", func(in *object.PutInput, v string) { in.ContentType = v }),
		put("CacheControl", func(in *object.PutInput, v string) { in.CacheControl = v }),
		put("ContentDisposition", func(in *object.PutInput, v string) { in.ContentDisposition = v }),
		put("ContentEncoding", func(in *object.PutInput, v string) { in.ContentEncoding = v }),
		put("ContentLanguage", func(in *object.PutInput, v string) { in.ContentLanguage = v }),
		put("Expires", func(in *object.PutInput, v string) { in.Expires = v }),
		put("Metadata[color]", func(in *object.PutInput, v string) { in.Metadata = map[string]string{"color": v} }),
		{name: "Put metadata key", field: `Metadata["co\nlor"]`, call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: b, Key: "k", Metadata: map[string]string{"co\nlor": "blue"}})
			return err
		}},
		{name: "Put grantee", field: "Grants[0].Grantee", skip: noGrants, call: func(ctx context.Context, c *client.Client, b, v string) error {
			g := client.Grant{Grantee: client.Grantee{Type: client.GranteeCanonicalUser, ID: "id" + v}, Permission: client.PermissionRead}
			_, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: b, Key: "k", Grants: []client.Grant{g}})
			return err
		}},
		{name: "PresignPut ContentType", field: "ContentType", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).PresignPut(ctx, &object.PutInput{Bucket: b, Key: "k", ContentType: v}, time.Hour)
			return err
		}},
		{name: "PresignPut metadata", field: "Metadata[color]", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).PresignPut(ctx, &object.PutInput{Bucket: b, Key: "k", Metadata: map[string]string{"color": v}}, time.Hour)
			return err
		}},
		{name: "Copy ContentType", field: "ContentType", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Copy(ctx, &object.CopyInput{Bucket: b, Key: "k2", SourceBucket: b, SourceKey: "k",
				MetadataDirective: object.MetadataReplace, ContentType: v})
			return err
		}},
		{name: "Initiate CacheControl", field: "CacheControl", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := multipart.NewClient(c).Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k", CacheControl: v})
			return err
		}},
		{name: "Append ContentDisposition", field: "ContentDisposition", feature: client.FeatureAppend, call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Append(ctx, &object.AppendInput{Bucket: b, Key: "k", Body: strings.NewReader("x"), ContentDisposition: v})
			return err
		}},

		// No operation's own validation looks at these: the client's
		// check of every built request refuses them.
		{name: "Get IfMatch", field: "IfMatch", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Get(ctx, &object.GetInput{Bucket: b, Key: "k", Conditions: object.Conditions{IfMatch: v}})
			return err
		}},
		{name: "PresignGet IfNoneMatch", field: "IfNoneMatch", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).PresignGet(ctx, &object.GetInput{Bucket: b, Key: "k", Conditions: object.Conditions{IfNoneMatch: v}}, time.Hour)
			return err
		}},
		{name: "Copy SourceConditions", field: "SourceConditions.IfMatch", skip: noCopyConditions, call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Copy(ctx, &object.CopyInput{Bucket: b, Key: "k2", SourceBucket: b, SourceKey: "k",
				SourceConditions: object.Conditions{IfMatch: v}})
			return err
		}},
		{name: "Options Origin", field: "Origin", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Options(ctx, &object.OptionsInput{Bucket: b, Key: "k", Origin: "https://example.com" + v, Method: "PUT"})
			return err
		}},
		{name: "Create KeyProtect", field: "KeyProtect.RootKeyCRN", skip: noKeyProtect, call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b, KeyProtect: &bucket.KeyProtect{RootKeyCRN: "crn:v1:" + v}})
			return err
		}},
		{name: "Create ServiceInstanceID", field: "ServiceInstanceID", skip: noInstance, call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}, func(o *client.Options) { o.ServiceInstanceID = "id" + v })
			return err
		}},
		{name: "Options.UserAgent", field: "UserAgent", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := bucket.NewClient(c).Head(ctx, &bucket.HeadInput{Bucket: b}, client.WithUserAgent("app/1"+v))
			return err
		}},
		{name: "a header set by a middleware", field: "XAppTrace", call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: b, Key: "k"}, client.WithAPIOptions(addHeader("X-App-Trace", v)))
			return err
		}},
		{name: "a header name set by a middleware", field: `Header["x-app trace"]`, call: func(ctx context.Context, c *client.Client, b, v string) error {
			_, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: b, Key: "k"}, client.WithAPIOptions(addHeader("X-App Trace", "ok")))
			return err
		}},
	}
}

// addHeader is a user's stack edit that sets a header after the
// operation serialized its request.
func addHeader(name, v string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("AddHeader",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				in.Request.(*smithyhttp.Request).Header[name] = []string{v}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// TestBadHeaderValuesRefusedBeforeSending puts every control character
// net/http refuses into every user-provided header value (content
// headers, metadata values and names, grants, conditions, CORS origin, IBM
// Key Protect and service instance, user agent, a middleware's header)
// through put, copy, multipart initiate, append, get, presign and bucket
// creation, on every dialect against storagetest. Each must be an
// *InvalidArgumentError naming the input field, matching
// ErrInvalidArgument, whose text does not repeat the value; and the server
// must log no request at all (no attempt, no retry).
func TestBadHeaderValuesRefusedBeforeSending(t *testing.T) {
	ctx := context.Background()
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client(client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			b := "hdr-bucket"
			if d.ValidateBucket(b) != nil {
				b += "-1250000000"
			}
			ran := 0
			for _, hc := range headerCases() {
				if hc.feature != 0 && !d.Has(hc.feature) || hc.skip != nil && hc.skip(&d) {
					continue
				}
				for _, v := range badHeaderValues {
					ran++
					err := hc.call(ctx, c, b, v)
					var ia *client.InvalidArgumentError
					switch {
					case !errors.As(err, &ia):
						t.Errorf("%s %q: err = %v, want an *InvalidArgumentError", hc.name, v, err)
					case ia.Field != hc.field || ia.Op == "" || !errors.Is(err, client.ErrInvalidArgument):
						t.Errorf("%s %q: err = %v (field %q, op %q), want one on %s", hc.name, v, err, ia.Field, ia.Op, hc.field)
					case strings.Contains(err.Error(), v) && len(v) > 1:
						t.Errorf("%s %q: the error repeats the value: %v", hc.name, v, err)
					}
				}
			}
			if ran < 20 {
				t.Fatalf("only %d cases ran", ran)
			}
			if reqs := srv.Requests(); len(reqs) != 0 {
				t.Errorf("bad header values reached the server: %d requests, first %s %s %s", len(reqs), reqs[0].Method, reqs[0].Op, reqs[0].Key)
			}
		})
	}
}

// TestOuterSpacesRoundTrip sends header values with outer spaces and tabs,
// which net/http trims on the wire, on every dialect (and with SigV2 in
// both flavours on S3): the signature must cover what the server
// receives, so Put, multipart Initiate and a presigned PUT succeed, and
// the object keeps the trimmed values.
func TestOuterSpacesRoundTrip(t *testing.T) {
	ctx := context.Background()
	const spaced, trimmed = "  text/plain ; charset=utf-8 \t", "text/plain ; charset=utf-8"
	type setup struct {
		name string
		d    client.Dialect
		opts []func(*client.Options)
	}
	setups := []setup{{"s3", client.S3, nil}, {"cos", client.COS, nil}, {"qingstor", client.QingStor, nil}, {"ibm", client.IBM, nil}}
	for _, flavor := range []signer.V2Flavor{signer.V2Botocore, signer.V2JavaScript} {
		setups = append(setups, setup{fmt.Sprintf("s3-v2-flavor%d", flavor), client.S3, []func(*client.Options){func(o *client.Options) {
			o.Signer = signer.NewV2(o.Credentials, func(v *signer.V2Options) { v.Flavor = flavor })
		}}})
	}
	for _, st := range setups {
		t.Run(st.name, func(t *testing.T) {
			srv := storagetest.NewServer(st.d)
			defer srv.Close()
			c, err := srv.Client(st.opts...)
			if err != nil {
				t.Fatal(err)
			}
			b := "space-bucket"
			if st.d.ValidateBucket(b) != nil {
				b += "-1250000000"
			}
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			objects := object.NewClient(c)
			_, err = objects.Put(ctx, &object.PutInput{Bucket: b, Key: "k", Body: strings.NewReader("x"),
				ContentType: spaced, CacheControl: "\tno-cache ", ContentDisposition: " inline", Metadata: map[string]string{"color": "  blue  "}})
			if err != nil {
				t.Fatalf("Put with outer spaces: %v", err)
			}
			head, err := objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if head.ContentType != trimmed || head.CacheControl != "no-cache" || head.ContentDisposition != "inline" || head.Metadata["color"] != "blue" {
				t.Errorf("stored %q %q %q %q, want the values as sent (trimmed)", head.ContentType, head.CacheControl, head.ContentDisposition, head.Metadata)
			}
			if _, err := multipart.NewClient(c).Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "m", ContentType: spaced}); err != nil {
				t.Errorf("Initiate with outer spaces: %v", err)
			}

			p, err := objects.PresignPut(ctx, &object.PutInput{Bucket: b, Key: "p", ContentType: spaced}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequestWithContext(ctx, p.Method, p.URL, strings.NewReader("presigned"))
			if err != nil {
				t.Fatal(err)
			}
			for k, vs := range p.Header {
				req.Header[k] = vs
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("presigned PUT with Content-Type %q: status %d", req.Header.Get("Content-Type"), resp.StatusCode)
			}
			head, err = objects.Head(ctx, &object.HeadInput{Bucket: b, Key: "p"})
			if err != nil || head.ContentType != trimmed {
				t.Errorf("presigned object: %v, Content-Type %q, want %q", err, head.ContentType, trimmed)
			}
		})
	}
}

// TestBadHeaderValueMessage pins the message: the field, the byte and its
// position, never the value.
func TestBadHeaderValueMessage(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	_, err = object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "b-bucket", Key: "k", ContentType: "text/plain\r\nX-Evil: 1"})
	want := "polystore: PutObject: invalid ContentType: has control character 0x0D at byte 10; a header value cannot hold CR, LF, NUL or other control characters (tab excepted)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	_, err = object.NewClient(c).Get(context.Background(), &object.GetInput{Bucket: "b-bucket", Key: "k", Conditions: object.Conditions{IfMatch: "\"e\"\x00"}})
	want = "polystore: GetObject: invalid IfMatch: has control character 0x00 at byte 3; a header value cannot hold CR, LF, NUL or other control characters (tab excepted)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
