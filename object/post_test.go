package object_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// submission is how a page fills in a presigned form.
type submission struct {
	override map[string]string // field values the page changes (or adds)
	filename string
	fileType string // the file part's Content-Type
	content  []byte
}

// submit posts form with net/http and mime/multipart only, as a browser
// would: the form's fields in order, then the file.
func submit(t *testing.T, form *object.PostForm, s submission) answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	seen := map[string]bool{}
	write := func(name, value string) {
		if err := mw.WriteField(name, value); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range form.Fields {
		v := f.Value
		if o, ok := s.override[f.Name]; ok {
			v = o
		}
		seen[f.Name] = true
		write(f.Name, v)
	}
	for name, v := range s.override {
		if !seen[name] {
			write(name, v)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+form.FileField+`"; filename="`+s.filename+`"`)
	h.Set("Content-Type", s.fileType)
	part, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(s.content)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return sendRaw(t, http.MethodPost, form.URL, http.Header{"Content-Type": {mw.FormDataContentType()}}, &body)
}

// postCase is one dialect's form upload test.
type postCase struct {
	policy   object.PostPolicy // Bucket is filled in
	key      string            // the key the upload is stored under
	denied   string            // code of a form whose key was changed
	expired  string            // code of an expired form ("" if forms cannot expire)
	tooLarge string            // code of a file larger than the policy allows ("" if unbounded)
}

var s3PostCase = postCase{
	policy: object.PostPolicy{KeyPrefix: "uploads/", Expires: 10 * time.Minute, ContentLengthMin: 1, ContentLengthMax: 64,
		ContentType: "text/plain", Metadata: map[string]string{"Origin": "form"}},
	key: "uploads/note.txt", denied: "AccessDenied", expired: "AccessDenied", tooLarge: "EntityTooLarge",
}

var postCases = map[string]postCase{
	"s3":  s3PostCase,
	"cos": s3PostCase,
	"qingstor": {
		policy: object.PostPolicy{Key: "uploads/note.txt", ContentType: "text/plain", Metadata: map[string]string{"Origin": "form"},
			StorageClass: client.StorageClassStandardIA},
		key: "uploads/note.txt", denied: "permission_denied",
	},
}

// postRoundTrip presigns a form for pc on c, uploads through it with
// net/http, reads the object back and checks that forms breaking the
// policy are refused.
func postRoundTrip(t *testing.T, c *client.Client, bucketName string, pc postCase) {
	ctx := context.Background()
	d := c.Dialect()
	objects := object.NewClient(c)
	policy := pc.policy
	policy.Bucket = bucketName
	form, err := objects.PresignPost(ctx, &policy)
	if err != nil {
		t.Fatal(err)
	}
	if form.Fields[0].Name != "key" || form.FileField != "file" || (d.Object.PostForm.Expires && time.Until(form.Expires) <= 0) {
		t.Fatalf("form %+v", form)
	}
	content := []byte("a note posted from a browser")
	ok := submission{filename: "note.txt", fileType: "text/plain", content: content}
	a := submit(t, form, ok)
	if a.status != form.SuccessStatus {
		t.Fatalf("upload: %d %s, want %d", a.status, a.body, form.SuccessStatus)
	}
	out, err := objects.Get(ctx, &object.GetInput{Bucket: bucketName, Key: pc.key})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, content) || out.ContentType != "text/plain" || out.Metadata["origin"] != "form" {
		t.Errorf("stored %q, %s, %v", got, out.ContentType, out.Metadata)
	}
	if policy.StorageClass != "" && out.StorageClass != policy.StorageClass {
		t.Errorf("storage class %q", out.StorageClass)
	}

	// A page that changes the key.
	moved := ok
	moved.override = map[string]string{"key": "elsewhere/note.txt"}
	wantRefused(t, d, submit(t, form, moved), pc.denied, client.ErrAccessDenied)
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: "elsewhere/note.txt"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("the refused upload was stored: %v", err)
	}
	if pc.tooLarge != "" {
		big := ok
		big.content = bytes.Repeat([]byte("x"), int(policy.ContentLengthMax)+1)
		wantRefused(t, d, submit(t, form, big), pc.tooLarge, client.ErrInvalidArgument)
	}
	if pc.expired != "" {
		old, err := objects.PresignPost(ctx, &object.PostPolicy{Bucket: bucketName, KeyPrefix: "uploads/", Expires: time.Minute},
			client.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
		if err != nil {
			t.Fatal(err)
		}
		wantRefused(t, d, submit(t, old, ok), pc.expired, client.ErrAccessDenied)
	}
}

func TestPresignPostStoragetest(t *testing.T) {
	for _, d := range allDialects {
		pc, ok := postCases[d.Name]
		if !ok {
			continue
		}
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			b := bucketFor(d, "form-bucket")
			if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			postRoundTrip(t, c, b, pc)
			if d.Object.PostForm.StatusField != "" {
				postCreated(t, c, b)
			}
			if d.Object.PostForm.ACLField != "" {
				postACL(t, c, b)
			}
		})
	}
}

// postACL uploads a public-read object through a form.
func postACL(t *testing.T, c *client.Client, bucketName string) {
	ctx := context.Background()
	objects := object.NewClient(c)
	form, err := objects.PresignPost(ctx, &object.PostPolicy{Bucket: bucketName, Key: "public.txt", Expires: time.Minute, ACL: client.ACLPublicRead})
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("acl") != "public-read" {
		t.Errorf("acl field %q", form.Get("acl"))
	}
	if a := submit(t, form, submission{filename: "p.txt", fileType: "text/plain", content: []byte("p")}); a.status != form.SuccessStatus {
		t.Fatalf("status %d %s", a.status, a.body)
	}
	acl, err := objects.GetACL(ctx, &object.GetACLInput{Bucket: bucketName, Key: "public.txt"})
	if err != nil {
		t.Fatal(err)
	}
	allUsers := false
	for _, g := range acl.Grants {
		allUsers = allUsers || (g.Grantee.URI == c.Dialect().Object.AllUsersURI && g.Permission == client.PermissionRead)
	}
	if !allUsers {
		t.Errorf("grants %+v do not let everyone read", acl.Grants)
	}
}

// postCreated asks for 201: S3 answers with a PostResponse document.
func postCreated(t *testing.T, c *client.Client, bucketName string) {
	form, err := object.NewClient(c).PresignPost(context.Background(), &object.PostPolicy{
		Bucket: bucketName, Key: "created.txt", Expires: time.Minute, SuccessActionStatus: 201,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := submit(t, form, submission{filename: "c.txt", fileType: "text/plain", content: []byte("c")})
	if a.status != http.StatusCreated {
		t.Fatalf("status %d %s", a.status, a.body)
	}
	if !c.Dialect().Object.PostForm.CreatedBody {
		return
	}
	var pr struct {
		XMLName xml.Name `xml:"PostResponse"`
		Bucket  string
		Key     string
		ETag    string
	}
	if err := xml.Unmarshal(a.body, &pr); err != nil || pr.Bucket != bucketName || pr.Key != "created.txt" || pr.ETag == "" {
		t.Errorf("PostResponse %s: %+v %v", a.body, pr, err)
	}
}

func TestPresignPostMinIO(t *testing.T) {
	ctx := context.Background()
	for name, opts := range map[string][]func(*client.Options){
		"sigv4": nil,
		"sigv2": {func(o *client.Options) {
			srv := miniotest.Shared(t)
			o.Signer = signer.NewV2(signer.NewStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
		}},
	} {
		t.Run(name, func(t *testing.T) {
			c := minioClient(t, client.S3, opts...)
			b := "polystore-form-" + name
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			postRoundTrip(t, c, b, s3PostCase)
			postCreated(t, c, b)
		})
	}
}

// Bad policies are refused before anything is sent, with an error naming
// the field; what a dialect's forms cannot do is ErrNotSupported.
func TestPresignPostValidation(t *testing.T) {
	ctx := context.Background()
	type want struct {
		field string
		kind  error
	}
	ok := func(p object.PostPolicy) *object.PostPolicy {
		if p.Key == "" && p.KeyPrefix == "" {
			p.Key = "k"
		}
		return &p
	}
	for _, tc := range []struct {
		d      client.Dialect
		bucket string
		cases  map[*object.PostPolicy]want
	}{
		{client.S3, "b-bucket", map[*object.PostPolicy]want{
			nil:                                      {"PostPolicy", client.ErrInvalidArgument},
			{Key: "k", Expires: time.Hour}:           {"Bucket", client.ErrInvalidArgument},
			{Bucket: "b-bucket", Expires: time.Hour}: {"Key", client.ErrInvalidArgument},
			{Bucket: "b-bucket", Key: "k", KeyPrefix: "p/", Expires: time.Hour}:                                        {"KeyPrefix", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket"}):                                                                  {"Expires", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: -time.Second}):                                           {"Expires", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: 8 * 24 * time.Hour}):                                     {"Expires", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, ContentLengthMin: 9, ContentLengthMax: 5}):    {"ContentLengthMin", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, ContentLengthMax: -1}):                        {"ContentLengthMax", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, ContentLengthMax: 6 << 30}):                   {"ContentLengthMax", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, ContentType: "a/b", ContentTypePrefix: "a/"}): {"ContentTypePrefix", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, SuccessActionStatus: 302}):                    {"SuccessActionStatus", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, Metadata: map[string]string{"a b": "c"}}):     {"Metadata[a b]", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, StorageClass: "COLD"}):                        {"StorageClass", client.ErrInvalidArgument},
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour, ACL: "everyone"}):                             {"ACL", client.ErrInvalidArgument},
		}},
		{client.QingStor, "b-bucket", map[*object.PostPolicy]want{
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour}):          {"Expires", client.ErrNotSupported},
			{Bucket: "b-bucket", KeyPrefix: "p/"}:                                  {"KeyPrefix", client.ErrNotSupported},
			ok(object.PostPolicy{Bucket: "b-bucket", ContentLengthMax: 10}):        {"ContentLengthMax", client.ErrNotSupported},
			ok(object.PostPolicy{Bucket: "b-bucket", ContentTypePrefix: "image/"}): {"ContentTypePrefix", client.ErrNotSupported},
			ok(object.PostPolicy{Bucket: "b-bucket", SuccessActionStatus: 201}):    {"SuccessActionStatus", client.ErrNotSupported},
			ok(object.PostPolicy{Bucket: "b-bucket", ACL: client.ACLPublicRead}):   {"ACL", client.ErrNotSupported},
			{Bucket: "b-bucket", Key: "/abs"}:                                      {"Key", client.ErrInvalidArgument},
		}},
		{client.IBM, "b-bucket", map[*object.PostPolicy]want{
			ok(object.PostPolicy{Bucket: "b-bucket", Expires: time.Hour}): {"PostPolicy", client.ErrNotSupported},
		}},
	} {
		t.Run(tc.d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(tc.d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			objects := object.NewClient(c)
			for p, w := range tc.cases {
				_, err := objects.PresignPost(ctx, p)
				var ia *client.InvalidArgumentError
				if !errors.As(err, &ia) || ia.Field != w.field || ia.Op != "PostObject" || !errors.Is(err, w.kind) {
					t.Errorf("%+v: %v, want %v naming %s", p, err, w.kind, w.field)
				}
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests were sent", n)
			}
		})
	}

	// Signers that cannot sign forms, and missing credentials.
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, _ := srv.Client()
	objects := object.NewClient(c)
	p := &object.PostPolicy{Bucket: "b-bucket", Key: "k", Expires: time.Hour}
	tokens := signer.NewIAMTokenProvider(srv.APIKey(), func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
	_, err := objects.PresignPost(ctx, p, client.WithSigner(signer.NewBearer(tokens)))
	if !errors.Is(err, client.ErrNotSupported) || !errors.Is(err, signer.ErrPresignNotSupported) {
		t.Errorf("bearer: %v", err)
	}
	_, err = objects.PresignPost(ctx, p, client.WithCredentials(signer.AnonymousCredentials{}))
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Credentials" || !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("anonymous: %v", err)
	}
	if srv.TokenRequests() != 0 || len(srv.Requests()) != 0 {
		t.Errorf("requests were sent")
	}
}

// The form posts where the client would send requests: the vendor's
// virtual-host address, or the bucket's path on a custom endpoint.
func TestPresignPostURL(t *testing.T) {
	ctx := context.Background()
	creds := client.WithStaticCredentials("AKID", "SECRET", "")
	for _, tc := range []struct {
		d      client.Dialect
		bucket string
		opts   []func(*client.Options)
		want   string
	}{
		{client.S3, "b-bucket", nil, "https://b-bucket.s3.us-east-1.amazonaws.com/"},
		{client.S3, "b-bucket", []func(*client.Options){client.WithAddressing(client.PathStyle), client.WithRegion("eu-west-1")}, "https://s3.eu-west-1.amazonaws.com/b-bucket"},
		{client.COS, "ex-1250000000", []func(*client.Options){client.WithRegion("ap-beijing")}, "https://ex-1250000000.cos.ap-beijing.myqcloud.com/"},
		{client.QingStor, "b-bucket", []func(*client.Options){client.WithRegion("sh1a")}, "https://b-bucket.sh1a.qingstor.com/"},
		{client.S3, "b-bucket", []func(*client.Options){client.WithEndpoint("http://127.0.0.1:9000/")}, "http://127.0.0.1:9000/b-bucket"},
		{client.S3, "b-bucket", []func(*client.Options){client.WithEndpoint("https://storage.example/api"), client.WithAddressing(client.VirtualHost)}, "https://b-bucket.storage.example/api/"},
	} {
		c, err := client.New(tc.d, append([]func(*client.Options){creds}, tc.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		p := &object.PostPolicy{Bucket: tc.bucket, Key: "k"}
		if tc.d.Object.PostForm.Expires {
			p.Expires = time.Minute
		}
		form, err := object.NewClient(c).PresignPost(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if form.URL != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.d.Name, tc.opts, form.URL, tc.want)
		}
		if strings.Contains(strings.Join(fieldValues(form), " "), "SECRET") {
			t.Errorf("the secret is in the form")
		}
	}
}

func fieldValues(f *object.PostForm) []string {
	var out []string
	for _, x := range f.Fields {
		out = append(out, x.Value)
	}
	return out
}
