package storagetest

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/signer"
)

// formUpload is a hand-built form upload.
type formUpload struct {
	bucket   string
	fields   []signer.PostField
	after    []signer.PostField // fields after the file, which servers ignore
	filename string
	fileType string // the file part's Content-Type; "" for none
	content  []byte
	noFile   bool
}

// postUpload sends u as multipart/form-data and reads the answer.
func postUpload(t *testing.T, srv *Server, u formUpload) resp {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range u.fields {
		if err := mw.WriteField(f.Name, f.Value); err != nil {
			t.Fatal(err)
		}
	}
	if !u.noFile {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+u.filename+`"`)
		if u.fileType != "" {
			h.Set("Content-Type", u.fileType)
		}
		part, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(u.content)
	}
	for _, f := range u.after {
		mw.WriteField(f.Name, f.Value)
	}
	mw.Close()
	r, err := http.NewRequest(http.MethodPost, srv.URL+"/"+u.bucket, &body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// formSigner is the server's key pair as a form signer of the dialect's
// default scheme.
func formSigner(srv *Server) signer.PostSigner {
	return goodSigner(srv).(signer.PostSigner)
}

// s3Policy is an S3-style policy for bucket and key (exact) plus extra
// conditions, with the given fields.
func s3Policy(bucket, key string, exp time.Time, extra []signer.PostCondition, fields ...signer.PostField) signer.PostPolicy {
	conds := append([]signer.PostCondition{
		{Match: signer.PostEq, Field: "bucket", Value: bucket},
		{Match: signer.PostEq, Field: "key", Value: key},
	}, extra...)
	for _, f := range fields {
		conds = append(conds, signer.PostCondition{Match: signer.PostEq, Field: f.Name, Value: f.Value})
	}
	return signer.PostPolicy{Expiration: exp, Conditions: conds, Fields: append([]signer.PostField{{Name: "key", Value: key}}, fields...)}
}

func signForm(t *testing.T, s signer.PostSigner, p signer.PostPolicy, now time.Time) []signer.PostField {
	t.Helper()
	fields, err := s.SignPost(context.Background(), p, now)
	if err != nil {
		t.Fatal(err)
	}
	return fields
}

// lastEntry returns the server's most recent log entry.
func lastEntry(t *testing.T, srv *Server) Request {
	t.Helper()
	log := srv.Requests()
	if len(log) == 0 {
		t.Fatal("empty request log")
	}
	return log[len(log)-1]
}

func getObjectResp(t *testing.T, srv *Server, bucket, key string) resp {
	t.Helper()
	return send(t, srv, req{method: http.MethodGet, bucket: bucket, key: key, signer: goodSigner(srv)})
}

// Form uploads signed with each scheme a dialect accepts are stored as
// PutObject stores objects, and answered with the dialect's status.
func TestFormUploadStores(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name   string
		d      client.Dialect
		bucket string
		sign   func(srv *Server) signer.PostSigner
		scheme string
	}{
		{"s3-v4", client.S3, "form-bucket", formSigner, "v4"},
		{"s3-v2", client.S3, "form-bucket", func(srv *Server) signer.PostSigner {
			return signer.NewV2(signer.NewStaticCredentials(DefaultAccessKey, DefaultSecretKey, ""))
		}, "v2"},
		{"cos", client.COS, "form-1250000000", formSigner, "cos"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.d)
			createBucket(t, srv, tc.bucket)
			w := tc.d.Object.PostForm
			meta := tc.d.MetaPrefix + "origin"
			p := s3Policy(tc.bucket, "dir/${filename}", now.Add(time.Hour), []signer.PostCondition{
				{Match: signer.PostContentLengthRange, Min: 1, Max: 100},
			}, signer.PostField{Name: w.ContentTypeField, Value: "text/plain"}, signer.PostField{Name: meta, Value: "form"})
			// The key condition is on the key as stored (${filename} replaced).
			p.Conditions[1] = signer.PostCondition{Match: signer.PostStartsWith, Field: "key", Value: "dir/"}
			fields := signForm(t, tc.sign(srv), p, now)
			r := postUpload(t, srv, formUpload{bucket: tc.bucket, fields: fields, filename: "hello.txt", fileType: "application/octet-stream",
				content: []byte("hello form"), after: []signer.PostField{{Name: "submit", Value: "Upload"}}})
			mustStatus(t, r, http.StatusNoContent)
			if r.header.Get("ETag") != `"`+md5hex([]byte("hello form"))+`"` || !strings.HasSuffix(r.header.Get("Location"), "/"+tc.bucket+"/dir/hello.txt") {
				t.Errorf("answer headers %v", r.header)
			}
			got := getObjectResp(t, srv, tc.bucket, "dir/hello.txt")
			mustStatus(t, got, http.StatusOK)
			if string(got.body) != "hello form" || got.header.Get("Content-Type") != "text/plain" || got.header.Get(meta) != "form" {
				t.Errorf("stored %q %v", got.body, got.header)
			}
			log := srv.Requests()
			if e := log[len(log)-2]; e.Op != formOp || e.Scheme != tc.scheme || e.Status != http.StatusNoContent || e.Key != "" {
				t.Errorf("log entry %+v", e)
			}
		})
	}
}

func TestFormUploadQingStor(t *testing.T) {
	srv := start(t, client.QingStor)
	createBucket(t, srv, "form-bucket")
	p := signer.PostPolicy{Fields: []signer.PostField{
		{Name: "key", Value: "photos/${filename}"},
		{Name: "content-type", Value: "image/png"},
		{Name: "x-qs-meta-origin", Value: "form"},
	}}
	fields := signForm(t, formSigner(srv), p, time.Now())
	up := formUpload{bucket: "form-bucket", fields: fields, filename: "a.png", fileType: "image/png", content: []byte("png")}
	r := postUpload(t, srv, up)
	mustStatus(t, r, http.StatusCreated)
	got := getObjectResp(t, srv, "form-bucket", "photos/a.png")
	mustStatus(t, got, http.StatusOK)
	if got.header.Get("Content-Type") != "image/png" || got.header.Get("x-qs-meta-origin") != "form" {
		t.Errorf("stored %v", got.header)
	}
	if e := lastEntry(t, srv); e.Scheme != "qingstor" {
		t.Errorf("scheme %q", e.Scheme)
	}

	// The file part's own type must match the content-type field.
	up.fileType = "text/plain"
	wantError(t, client.QingStor, postUpload(t, srv, up), 400, "invalid_request")

	// A field the policy does not fix, or fixes to another value.
	extra := append(append([]signer.PostField(nil), fields...), signer.PostField{Name: "x-qs-meta-extra", Value: "1"})
	wantError(t, client.QingStor, postUpload(t, srv, formUpload{bucket: "form-bucket", fields: extra, filename: "a.png", fileType: "image/png"}), 403, "permission_denied")
	changed := append([]signer.PostField(nil), fields...)
	changed[0].Value = "elsewhere/${filename}"
	wantError(t, client.QingStor, postUpload(t, srv, formUpload{bucket: "form-bucket", fields: changed, filename: "a.png", fileType: "image/png"}), 403, "permission_denied")

	// A key that starts with '/'.
	slash := signForm(t, formSigner(srv), signer.PostPolicy{Fields: []signer.PostField{{Name: "key", Value: "/abs"}}}, time.Now())
	wantError(t, client.QingStor, postUpload(t, srv, formUpload{bucket: "form-bucket", fields: slash, filename: "x"}), 400, "invalid_request")
}

// S3 answers 201 with a PostResponse document; COS with no body.
func TestFormUploadCreatedStatus(t *testing.T) {
	now := time.Now()
	for _, dc := range []dialectCase{{"s3", client.S3, "form-bucket"}, {"cos", client.COS, "form-1250000000"}} {
		t.Run(dc.name, func(t *testing.T) {
			srv := start(t, dc.d)
			createBucket(t, srv, dc.bucket)
			fields := signForm(t, formSigner(srv), s3Policy(dc.bucket, "k", now.Add(time.Minute), nil,
				signer.PostField{Name: "success_action_status", Value: "201"}), now)
			r := postUpload(t, srv, formUpload{bucket: dc.bucket, fields: fields, filename: "f", content: []byte("x")})
			mustStatus(t, r, http.StatusCreated)
			if !dc.d.Object.PostForm.CreatedBody {
				if len(r.body) != 0 {
					t.Errorf("body %q", r.body)
				}
				return
			}
			var pr struct {
				XMLName  xml.Name `xml:"PostResponse"`
				Location string
				Bucket   string
				Key      string
				ETag     string
			}
			if err := xml.Unmarshal(r.body, &pr); err != nil || pr.Bucket != dc.bucket || pr.Key != "k" || pr.ETag != `"`+md5hex([]byte("x"))+`"` || pr.Location == "" {
				t.Errorf("PostResponse %s: %+v %v", r.body, pr, err)
			}
		})
	}
}

// Forms that break their policy or signature are refused in the dialect's
// words, and nothing is stored.
func TestFormUploadRefusals(t *testing.T) {
	now := time.Now()
	for _, dc := range []dialectCase{{"s3", client.S3, "form-bucket"}, {"cos", client.COS, "form-1250000000"}} {
		t.Run(dc.name, func(t *testing.T) {
			srv := start(t, dc.d)
			createBucket(t, srv, dc.bucket)
			sg := formSigner(srv)
			prefix := s3Policy(dc.bucket, "", now.Add(time.Hour), []signer.PostCondition{{Match: signer.PostContentLengthRange, Min: 2, Max: 4}})
			prefix.Conditions[1] = signer.PostCondition{Match: signer.PostStartsWith, Field: "key", Value: "uploads/"}
			prefix.Fields[0].Value = "uploads/ok"
			good := signForm(t, sg, prefix, now)
			with := func(name, value string) []signer.PostField {
				out := append([]signer.PostField(nil), good...)
				for i := range out {
					if out[i].Name == name {
						out[i].Value = value
						return out
					}
				}
				return append(out, signer.PostField{Name: name, Value: value})
			}
			send := func(fields []signer.PostField, content string) resp {
				return postUpload(t, srv, formUpload{bucket: dc.bucket, fields: fields, filename: "f", content: []byte(content)})
			}
			mustStatus(t, send(good, "abc"), http.StatusNoContent)

			wantError(t, dc.d, send(with("key", "elsewhere/x"), "abc"), 403, "AccessDenied")
			wantError(t, dc.d, send(good, "abcdefgh"), 400, "EntityTooLarge")
			wantError(t, dc.d, send(good, "a"), 400, "EntityTooSmall")
			old := prefix
			old.Expiration = now.Add(-time.Hour)
			expired := signForm(t, sg, old, now.Add(-2*time.Hour))
			if dc.d.Name == client.COS.Name {
				// The COS key time has ended too; the signature check says so first.
				wantError(t, dc.d, send(expired, "abc"), 403, "AccessDenied")
			} else {
				e := wantError(t, dc.d, send(expired, "abc"), 403, "AccessDenied")
				if !strings.Contains(e.Message, "Policy expired") {
					t.Errorf("message %q", e.Message)
				}
			}
			sigField := map[string]string{"s3": "x-amz-signature", "cos": "q-signature"}[dc.name]
			wantError(t, dc.d, send(with(sigField, strings.Repeat("0", len(fieldValue(good, sigField)))), "abc"), 403, "SignatureDoesNotMatch")
			other := signForm(t, signer.NewV4(signer.NewStaticCredentials("OTHER", "secret", ""), srv.Region()), prefix, now)
			if dc.d.Name == client.COS.Name {
				wantError(t, dc.d, send(other, "abc"), 400, "InvalidArgument") // a SigV4 form on COS
			} else {
				wantError(t, dc.d, send(other, "abc"), 403, "InvalidAccessKeyId")
			}
			extra := with("x-"+strings.TrimPrefix(dc.d.MetaPrefix, "x-")+"unlisted", "1")
			if dc.d.Object.PostForm.AllFieldsInPolicy {
				e := wantError(t, dc.d, send(extra, "abc"), 403, "AccessDenied")
				if !strings.Contains(e.Message, "Extra input fields") {
					t.Errorf("message %q", e.Message)
				}
			} else {
				mustStatus(t, send(extra, "abc"), http.StatusNoContent)
			}

			// Not a form, no file, no key, unsigned.
			r := send(nil, "abc")
			wantError(t, dc.d, r, 403, "AccessDenied")
			wantError(t, dc.d, postUpload(t, srv, formUpload{bucket: dc.bucket, fields: good, noFile: true}), 400, "IncorrectNumberOfFilesInPostRequest")
			var noKey []signer.PostField
			for _, f := range good {
				if f.Name != "key" {
					noKey = append(noKey, f)
				}
			}
			wantError(t, dc.d, send(noKey, "abc"), 400, "InvalidArgument")
			plain := send0(t, srv, dc.bucket)
			wantError(t, dc.d, plain, 412, "PreconditionFailed")

			if got := getObjectResp(t, srv, dc.bucket, "elsewhere/x"); got.status != 404 {
				t.Errorf("refused upload was stored: %d", got.status)
			}
		})
	}
}

// send0 posts a body that is not a form to the bucket.
func send0(t *testing.T, srv *Server, bucket string) resp {
	t.Helper()
	r := send(t, srv, req{method: http.MethodPost, bucket: bucket, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte("x")})
	return r
}

func fieldValue(fields []signer.PostField, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Unsigned forms are uploads to a publicly writable bucket: refused
// unless the server allows anonymous requests. IBM has no form uploads.
func TestFormUploadAnonymousAndUnsupported(t *testing.T) {
	srv := start(t, client.S3, func(o *Options) { o.AllowAnonymous = true })
	createBucket(t, srv, "public-bucket")
	r := postUpload(t, srv, formUpload{bucket: "public-bucket", fields: []signer.PostField{{Name: "key", Value: "anon/${filename}"}}, filename: "n.txt", content: []byte("x")})
	mustStatus(t, r, http.StatusNoContent)
	if e := lastEntry(t, srv); e.Op != formOp || e.Scheme != "anonymous" {
		t.Errorf("log entry %+v", e)
	}
	mustStatus(t, getObjectResp(t, srv, "public-bucket", "anon/n.txt"), http.StatusOK)

	ibm := start(t, client.IBM)
	createBucket(t, ibm, "test-bucket")
	fields := signForm(t, formSigner(ibm), s3Policy("test-bucket", "k", time.Now().Add(time.Hour), nil), time.Now())
	r = postUpload(t, ibm, formUpload{bucket: "test-bucket", fields: fields, filename: "f", content: []byte("x")})
	if r.status < 400 {
		t.Fatalf("IBM accepted a form upload: %d", r.status)
	}
	if got := getObjectResp(t, ibm, "test-bucket", "k"); got.status != 404 {
		t.Errorf("IBM stored a form upload")
	}
}
