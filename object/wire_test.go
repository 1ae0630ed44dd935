package object_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestWireHeaders checks, through storagetest's request log, the headers
// and query each dialect sends for the object operations, whatever the
// server answers: they are the dialect table's wire facts.
func TestWireHeaders(t *testing.T) {
	ctx := context.Background()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	keySum := md5.Sum(key)
	when := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, tc := range []struct {
		d          client.Dialect
		copySource string // for source bucket "src", key "dir/a b+c", version "v1"
		directive  string
		ssePrefix  string
		copySSE    string
	}{
		{client.S3, "/src-bucket/dir/a%20b%2Bc?versionId=v1", "REPLACE", "x-amz-server-side-encryption-customer-", "x-amz-copy-source-server-side-encryption-customer-"},
		{client.IBM, "/src-bucket/dir/a%20b%2Bc?versionId=v1", "REPLACE", "x-amz-server-side-encryption-customer-", "x-amz-copy-source-server-side-encryption-customer-"},
		{client.COS, "src-bucket-1250000000.cos.ap-beijing.myqcloud.com/dir/a%20b%2Bc?versionId=v1", "Replaced", "x-cos-server-side-encryption-customer-", "x-cos-copy-source-server-side-encryption-customer-"},
		{client.QingStor, "/src-bucket/dir/a%20b%2Bc?version_id=v1", "REPLACE", "x-qs-encryption-customer-", "x-qs-copy-source-encryption-customer-"},
	} {
		d := tc.d
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d) // COS: region ap-beijing

			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			objects := object.NewClient(c)
			dst, src := bucketFor(d, "dst-bucket"), bucketFor(d, "src-bucket")
			_, _ = bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: dst})
			sse := &client.SSECustomer{Key: key}

			_, _ = objects.Copy(ctx, &object.CopyInput{
				Bucket: dst, Key: "copy", SourceBucket: src, SourceKey: "dir/a b+c", SourceVersionID: "v1",
				SourceConditions:  object.Conditions{IfMatch: "abc", IfUnmodifiedSince: when},
				MetadataDirective: object.MetadataReplace, Metadata: map[string]string{"Color": "blue"},
				StorageClass: client.StorageClassStandardIA, SSE: sse, SourceSSE: sse,
			})
			h := lastRequest(t, srv).Header
			p := d.HeaderPrefix
			want := map[string]string{
				p + "copy-source":                     tc.copySource,
				p + "metadata-directive":              tc.directive,
				p + "copy-source-if-match":            `"abc"`,
				p + "copy-source-if-unmodified-since": "Sat, 03 Feb 2024 04:05:06 GMT",
				d.MetaPrefix + "color":                "blue",
				p + "storage-class":                   "STANDARD_IA",
				tc.ssePrefix + "algorithm":            "AES256",
				tc.ssePrefix + "key":                  base64.StdEncoding.EncodeToString(key),
				tc.ssePrefix + "key-MD5":              base64.StdEncoding.EncodeToString(keySum[:]),
				tc.copySSE + "algorithm":              "AES256",
				tc.copySSE + "key-MD5":                base64.StdEncoding.EncodeToString(keySum[:]),
			}
			for name, v := range want {
				if got := h.Get(name); got != v {
					t.Errorf("copy: %s = %q, want %q", name, got, v)
				}
			}

			_, _ = objects.Get(ctx, &object.GetInput{Bucket: dst, Key: "k", VersionID: "v9",
				Override: object.ResponseHeaders{ContentType: "text/x", ContentDisposition: "inline"}})
			r := lastRequest(t, srv)
			if r.Query.Get(d.Params.VersionID) != "v9" || r.Query.Get("response-content-type") != "text/x" ||
				r.Query.Get("response-content-disposition") != "inline" {
				t.Errorf("get query: %v", r.Query)
			}

			if len(d.Object.GrantPermissions) > 0 {
				_, _ = objects.Put(ctx, &object.PutInput{Bucket: dst, Key: "k", ACL: client.ACLPrivate, Grants: []client.Grant{
					{Grantee: client.Grantee{ID: "user-1"}, Permission: client.PermissionRead},
					{Grantee: client.Grantee{ID: "user-2"}, Permission: client.PermissionRead},
					{Grantee: client.Grantee{URI: d.Object.AllUsersURI}, Permission: client.PermissionReadACP},
				}})
				h := lastRequest(t, srv).Header
				if h.Get(p+"acl") != "private" || h.Get(p+"grant-read") != `id="user-1", id="user-2"` ||
					h.Get(p+"grant-read-acp") != `uri="`+d.Object.AllUsersURI+`"` {
					t.Errorf("put acl headers: %v", h)
				}
			}

			if d.Has(client.FeatureAppend) {
				_, _ = objects.Append(ctx, &object.AppendInput{Bucket: dst, Key: "log", Position: 42, Body: strings.NewReader("x")})
				r := lastRequest(t, srv)
				if r.Method != http.MethodPost || !r.Query.Has("append") || r.Query.Get("position") != "42" {
					t.Errorf("append: %s %v", r.Method, r.Query)
				}
			}
			if d.Has(client.FeatureMove) {
				_, _ = objects.Move(ctx, &object.MoveInput{Bucket: dst, Key: "moved", SourceBucket: src, SourceKey: "dir/a b+c"})
				if got := lastRequest(t, srv).Header.Get(p + "move-source"); got != "/src-bucket/dir/a%20b%2Bc" {
					t.Errorf("move source %q", got)
				}
			}
			if d.Has(client.FeatureFetch) {
				_, _ = objects.Fetch(ctx, &object.FetchInput{Bucket: dst, Key: "f", SourceURL: "https://example.com/x?y=1"})
				if got := lastRequest(t, srv).Header.Get(p + "fetch-source"); got != "https://example.com/x?y=1" {
					t.Errorf("fetch source %q", got)
				}
			}

			_, _ = objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: dst, Objects: []object.ObjectID{{Key: "a"}}})
			r = lastRequest(t, srv)
			if r.Method != http.MethodPost || !r.Query.Has("delete") || r.Header.Get("Content-MD5") == "" {
				t.Errorf("delete multiple: %s %v, Content-MD5 %q", r.Method, r.Query, r.Header.Get("Content-MD5"))
			}

			_, _ = objects.Options(ctx, &object.OptionsInput{Bucket: dst, Key: "k", Origin: "https://a.example", Method: "put", Headers: []string{"x-a", "x-b"}})
			r = lastRequest(t, srv)
			if r.Method != http.MethodOptions || r.Header.Get("Origin") != "https://a.example" ||
				r.Header.Get("Access-Control-Request-Method") != "PUT" || r.Header.Get("Access-Control-Request-Headers") != "x-a,x-b" {
				t.Errorf("preflight: %s %v", r.Method, r.Header)
			}
		})
	}
}

func lastRequest(t *testing.T, srv *storagetest.Server) storagetest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	return reqs[len(reqs)-1]
}
