package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/object"
)

// createBucket makes a fresh bucket for a behaviour.
func createBucket(t *testing.T, e *Env) string {
	t.Helper()
	name := e.BucketName("conf")
	if _, err := bucket.NewClient(e.Client).Create(context.Background(), &bucket.CreateInput{Bucket: name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// bucketBehaviours are the bucket and service behaviours (owned by the
// bucket package's author).
func bucketBehaviours() []Behaviour {
	return []Behaviour{
		{Name: "BucketCreateHeadDelete", Run: bktCreateHeadDelete},
		{Name: "BucketNotFound", Run: bktNotFound},
		{Name: "BucketListBuckets", Run: bktListBuckets},
		{Name: "BucketListObjectsPagination", Run: bktListPagination},
		{Name: "BucketListObjectsDelimiter", Run: bktListDelimiter},
		{Name: "BucketListObjectsURLEncoding", Run: bktListURLEncoding},
		{Name: "BucketACLPrivate", Run: bktACLPrivate},
		{Name: "BucketACLGrants", Run: bktACLGrants},
		{Name: "BucketCORS", Run: bktCORS},
		{Name: "BucketLocation", Run: bktLocation},
		{Name: "BucketPolicy", Run: bktPolicy},
		{Name: "BucketVersioning", Needs: client.FeatureVersioning, Run: bktVersioning, Unsupported: bktVersioningUnsupported},
		{Name: "BucketListMultipartUploads", Run: bktListUploads},
		{Name: "ServiceListLocations", Run: bktListLocations},
	}
}

func bktCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// bktPut stores a small object.
func bktPut(t *testing.T, e *Env, bucketName, key, content string) *object.PutOutput {
	t.Helper()
	out, err := object.NewClient(e.Client).Put(bktCtx(t), &object.PutInput{Bucket: bucketName, Key: key, Body: strings.NewReader(content)})
	require.NoError(t, err, "put %q", key)
	return out
}

// bktWant fails the test unless err matches kind.
func bktWant(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got %v, want an error matching %v", what, err, kind)
	}
}

// bktServerGap skips the rest of a behaviour when a real server (not
// storagetest, which must implement every operation) answers that it
// does not implement a call. MinIO, for one, takes no ACL but "private".
func bktServerGap(t *testing.T, e *Env, what string, err error) {
	t.Helper()
	if e.Harness.Observer != nil || err == nil {
		return
	}
	var re *client.ResponseError
	if errors.As(err, &re) && (re.StatusCode == http.StatusNotImplemented || re.Code == "NotImplemented") {
		t.Skipf("%s: %s does not implement %s: %v", e.Harness.Name, e.Harness.Name, what, err)
	}
}

func bktCreateHeadDelete(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	name := e.BucketName("chd")

	_, err := b.Head(ctx, &bucket.HeadInput{Bucket: name})
	bktWant(t, "head before create", err, client.ErrNotFound)
	if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: name}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := b.Head(ctx, &bucket.HeadInput{Bucket: name}); err != nil {
		t.Fatalf("head: %v", err)
	}
	_, err = b.Create(ctx, &bucket.CreateInput{Bucket: name})
	bktWant(t, "create again", err, client.ErrConflict)

	bktPut(t, e, name, "keep", "x")
	_, err = b.Delete(ctx, &bucket.DeleteInput{Bucket: name})
	bktWant(t, "delete a bucket that holds an object", err, client.ErrConflict)
	if _, err := object.NewClient(e.Client).Delete(ctx, &object.DeleteInput{Bucket: name, Key: "keep"}); err != nil {
		t.Fatalf("delete object: %v", err)
	}
	if _, err := b.Delete(ctx, &bucket.DeleteInput{Bucket: name}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.Head(ctx, &bucket.HeadInput{Bucket: name})
	bktWant(t, "head after delete", err, client.ErrNotFound)
	_, err = b.Delete(ctx, &bucket.DeleteInput{Bucket: name})
	bktWant(t, "delete again", err, client.ErrNotFound)
}

func bktNotFound(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	missing := e.BucketName("missing")
	checks := map[string]func() error{
		"ListObjects": func() error {
			for _, err := range b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: missing}) {
				return err
			}
			return nil
		},
		"GetACL":      func() error { _, err := b.GetACL(ctx, &bucket.GetACLInput{Bucket: missing}); return err },
		"GetCORS":     func() error { _, err := b.GetCORS(ctx, &bucket.GetCORSInput{Bucket: missing}); return err },
		"GetLocation": func() error { _, err := b.GetLocation(ctx, &bucket.GetLocationInput{Bucket: missing}); return err },
		"ListMultipartUploads": func() error {
			_, err := b.ListMultipartUploadsPage(ctx, &bucket.ListMultipartUploadsInput{Bucket: missing})
			return err
		},
	}
	if e.Dialect.Bucket.Policy.Supported {
		checks["GetPolicy"] = func() error { _, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: missing}); return err }
	}
	if e.Dialect.Has(client.FeatureVersioning) {
		checks["GetVersioning"] = func() error {
			_, err := b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: missing})
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		if err := checks[name](); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("%s on a missing bucket: got %v, want ErrNotFound", name, err)
		}
	}
}

func bktListBuckets(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	other := createBucket(t, e)
	for _, size := range []int{0, 2} {
		found := map[string]bool{}
		seen := map[string]bool{}
		for bk, err := range b.ListBuckets(ctx, &bucket.ListBucketsInput{PageSize: size}) {
			require.NoError(t, err, "page size %d", size)
			if seen[bk.Name] {
				t.Fatalf("page size %d: bucket %s listed twice", size, bk.Name)
			}
			seen[bk.Name] = true
			if bk.Name == e.Bucket || bk.Name == other {
				found[bk.Name] = true
				if bk.CreationDate.IsZero() {
					t.Errorf("bucket %s has no creation date", bk.Name)
				}
			}
		}
		if !found[e.Bucket] || !found[other] {
			t.Errorf("page size %d: created buckets %s and %s missing from %d listed", size, e.Bucket, other, len(seen))
		}
	}
}

// bktOddKeys are keys that exercise URL and XML encoding and byte order.
var bktOddKeys = []string{
	"a b.txt", "a+b.txt", "a%b.txt", "a~b.txt", "a&b<c>.txt",
	"dir/one", "dir/sub/two", "雪/x.txt",
}

func bktPutKeys(t *testing.T, e *Env, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(keys))
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = object.NewClient(e.Client).Put(bktCtx(t), &object.PutInput{Bucket: e.Bucket, Key: k, Body: strings.NewReader(k)})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("put keys: %v", err)
	}
}

// bktCollect runs a listing to the end.
func bktCollect(t *testing.T, b *bucket.Client, in *bucket.ListObjectsInput, optFns ...func(*client.Options)) []string {
	t.Helper()
	var out []string
	for o, err := range b.ListObjects(bktCtx(t), in, optFns...) {
		require.NoError(t, err, "list %+v", *in)
		name := o.Key
		if o.IsPrefix {
			name = "prefix:" + o.Key
		} else if o.Size != int64(len(o.Key)) || o.LastModified.IsZero() {
			t.Errorf("summary of %q: size %d (want %d), modified %v", o.Key, o.Size, len(o.Key), o.LastModified)
		}
		out = append(out, name)
	}
	return out
}

func bktSameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// bktAPIs are the listing APIs the dialect has.
func bktAPIs(d *client.Dialect) []bucket.ListAPI {
	if d.Has(client.FeatureListObjectsV2) {
		return []bucket.ListAPI{bucket.ListAPIV1, bucket.ListAPIV2}
	}
	return []bucket.ListAPI{bucket.ListAPIV1}
}

func bktListPagination(t *testing.T, e *Env) {
	b := bucket.NewClient(e.Client)
	bktPutKeys(t, e, bktOddKeys)
	for _, api := range bktAPIs(e.Dialect) {
		// Seven keys, two per page: four requests, every key once.
		got := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, PageSize: 2, API: api})
		bktSameSet(t, "all keys, "+api.String(), got, bktOddKeys)

		// The same by hand with ListObjectsPage and NextToken.
		var manual []string
		in := &bucket.ListObjectsInput{Bucket: e.Bucket, PageSize: 3, API: api}
		for pages := 0; ; pages++ {
			if pages > len(bktOddKeys) {
				t.Fatalf("%s: more pages than keys", api)
			}
			p, err := b.ListObjectsPage(bktCtx(t), in)
			require.NoError(t, err, "%s page %d", api, pages)
			if len(p.Objects) > 3 {
				t.Errorf("%s page %d has %d keys, page size 3", api, pages, len(p.Objects))
			}
			for _, o := range p.Objects {
				manual = append(manual, o.Key)
			}
			if !p.IsTruncated {
				if p.NextToken != "" {
					t.Errorf("%s: last page has NextToken %q", api, p.NextToken)
				}
				break
			}
			in.ContinuationToken = p.NextToken
		}
		bktSameSet(t, "manual pages, "+api.String(), manual, bktOddKeys)

		// StartAfter skips keys up to and including the given one (byte
		// order).
		sorted := slices.Clone(bktOddKeys)
		slices.Sort(sorted)
		after := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, PageSize: 2, API: api, StartAfter: sorted[2]})
		bktSameSet(t, "start after "+sorted[2]+", "+api.String(), after, sorted[3:])
	}
	// Breaking out of the loop is clean.
	n := 0
	for _, err := range b.ListObjects(bktCtx(t), &bucket.ListObjectsInput{Bucket: e.Bucket, PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
}

func bktListDelimiter(t *testing.T, e *Env) {
	b := bucket.NewClient(e.Client)
	bktPutKeys(t, e, bktOddKeys)
	for _, api := range bktAPIs(e.Dialect) {
		top := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, Delimiter: "/", PageSize: 2, API: api})
		bktSameSet(t, "top level, "+api.String(), top,
			[]string{"a b.txt", "a+b.txt", "a%b.txt", "a~b.txt", "a&b<c>.txt", "prefix:dir/", "prefix:雪/"})
		dir := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, Prefix: "dir/", Delimiter: "/", PageSize: 1, API: api})
		bktSameSet(t, "dir/, "+api.String(), dir, []string{"dir/one", "prefix:dir/sub/"})
		deep := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, Prefix: "dir/", API: api})
		bktSameSet(t, "dir/ without delimiter, "+api.String(), deep, []string{"dir/one", "dir/sub/two"})
	}
}

// bktQueryRecorder is a middleware that records each request's query.
type bktQueryRecorder struct {
	mu      sync.Mutex
	queries []url.Values
}

func (r *bktQueryRecorder) option() func(*client.Options) {
	return client.WithAPIOptions(func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("bktRecordQuery",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					r.mu.Lock()
					r.queries = append(r.queries, req.URL.Query())
					r.mu.Unlock()
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	})
}

func bktListURLEncoding(t *testing.T, e *Env) {
	b := bucket.NewClient(e.Client)
	keys := []string{"sp ace/plus+%25~ü.txt", "amp&lt<gt>/'quote\"", "tab\there", "ctl\x01char"}
	bktPutKeys(t, e, keys)
	var rec bktQueryRecorder
	for _, api := range bktAPIs(e.Dialect) {
		got := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, PageSize: 2, API: api}, rec.option())
		bktSameSet(t, "keys, "+api.String(), got, keys)
		pre := bktCollect(t, b, &bucket.ListObjectsInput{Bucket: e.Bucket, Delimiter: "/", Prefix: "", API: api}, rec.option())
		bktSameSet(t, "prefixes, "+api.String(), pre, []string{"prefix:sp ace/", "prefix:amp&lt<gt>/", "tab\there", "ctl\x01char"})
	}
	if param := e.Dialect.Bucket.Objects.EncodingParam; param != "" {
		for _, q := range rec.queries {
			if q.Get(param) != "url" {
				t.Errorf("listing sent without %s=url: %v", param, q)
			}
		}
	}
}

// bktHasGrant reports whether grants give g.
func bktHasGrant(grants []bucket.Grant, ge bucket.Grantee, p bucket.Permission) bool {
	return slices.ContainsFunc(grants, func(g bucket.Grant) bool {
		return g.Permission == p && g.Grantee.ID == ge.ID && g.Grantee.Group == ge.Group && g.Grantee.Email == ge.Email
	})
}

// bktRealServerGap skips the rest of a behaviour on a real server (never
// on storagetest) when cond holds: a documented gap of that server.
func bktRealServerGap(t *testing.T, e *Env, cond bool, format string, args ...any) {
	t.Helper()
	if cond && e.Harness.Observer == nil {
		t.Skipf(e.Harness.Name+": "+format, args...)
	}
}

func bktACLPrivate(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: e.Bucket, ACL: bucket.ACLPrivate}); err != nil {
		t.Fatalf("put private: %v", err)
	}
	acl, err := b.GetACL(ctx, &bucket.GetACLInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	// Where the server expands canned ACLs itself, private means the
	// owner's full control; QingStor takes a grant list, in which the
	// owner's control is implicit.
	if e.Dialect.Bucket.ACL.CannedHeader != "" &&
		!slices.ContainsFunc(acl.Grants, func(g bucket.Grant) bool { return g.Permission == bucket.PermissionFullControl }) {
		t.Errorf("private ACL has no FULL_CONTROL grant for the owner: %+v", acl)
	}
	for _, g := range acl.Grants {
		if g.Grantee.Group != "" {
			t.Errorf("private bucket grants %s to group %s", g.Permission, g.Grantee.Group)
		}
	}
	// MinIO answers with an empty owner.
	bktRealServerGap(t, e, acl.Owner.ID == "", "GetBucketAcl names no owner")
	if acl.Owner.ID == "" {
		t.Errorf("no owner: %+v", acl)
	}
}

func bktACLGrants(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	all := bucket.Grantee{Group: bucket.GroupAllUsers}
	get := func(what string) *bucket.GetACLOutput {
		t.Helper()
		acl, err := b.GetACL(ctx, &bucket.GetACLInput{Bucket: e.Bucket})
		require.NoError(t, err, "get after %s", what)
		return acl
	}

	_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: e.Bucket, ACL: bucket.ACLPublicRead})
	bktServerGap(t, e, "canned ACLs other than private", err)
	require.NoError(t, err, "put public-read")
	if acl := get("public-read"); !bktHasGrant(acl.Grants, all, bucket.PermissionRead) {
		t.Errorf("public-read ACL does not grant AllUsers READ: %+v", acl.Grants)
	}
	if _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: e.Bucket, ACL: bucket.ACLPrivate}); err != nil {
		t.Fatalf("put private: %v", err)
	}
	acl := get("private")
	if bktHasGrant(acl.Grants, all, bucket.PermissionRead) {
		t.Errorf("private ACL still grants AllUsers READ: %+v", acl.Grants)
	}

	// Explicit grants: the owner keeps full control, everyone may read.
	bktRealServerGap(t, e, acl.Owner.ID == "", "GetBucketAcl names no owner to grant to")
	owner := bucket.Grantee{ID: acl.Owner.ID}
	_, err = b.PutACL(ctx, &bucket.PutACLInput{Bucket: e.Bucket, Grants: []bucket.Grant{
		{Grantee: owner, Permission: bucket.PermissionFullControl},
		{Grantee: all, Permission: bucket.PermissionRead},
	}})
	bktServerGap(t, e, "ACL grants", err)
	require.NoError(t, err, "put grants")
	acl = get("grants")
	if !bktHasGrant(acl.Grants, all, bucket.PermissionRead) || !bktHasGrant(acl.Grants, owner, bucket.PermissionFullControl) {
		t.Errorf("grants not read back: %+v", acl.Grants)
	}
}

func bktCORS(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	_, err := b.GetCORS(ctx, &bucket.GetCORSInput{Bucket: e.Bucket})
	bktServerGap(t, e, "bucket CORS", err)
	bktWant(t, "get before put", err, client.ErrNotFound)

	rules := []bucket.CORSRule{
		{AllowedOrigins: []string{"https://www.example.com"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: 600},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}
	if e.Dialect.Bucket.CORS.RuleIDs {
		rules[0].ID = "site"
	}
	_, err = b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: e.Bucket, Rules: rules})
	bktServerGap(t, e, "bucket CORS", err)
	require.NoError(t, err, "put")
	out, err := b.GetCORS(ctx, &bucket.GetCORSInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	if len(out.Rules) != len(rules) {
		t.Fatalf("got %d rules, want %d: %+v", len(out.Rules), len(rules), out.Rules)
	}
	for i, want := range rules {
		got := out.Rules[i]
		if got.ID != want.ID || !slices.Equal(got.AllowedOrigins, want.AllowedOrigins) ||
			!slices.Equal(got.AllowedMethods, want.AllowedMethods) || !slices.Equal(got.AllowedHeaders, want.AllowedHeaders) ||
			!slices.Equal(got.ExposeHeaders, want.ExposeHeaders) || got.MaxAgeSeconds != want.MaxAgeSeconds {
			t.Errorf("rule %d: got %+v, want %+v", i, got, want)
		}
	}
	if _, err := b.DeleteCORS(ctx, &bucket.DeleteCORSInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetCORS(ctx, &bucket.GetCORSInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)
}

func bktLocation(t *testing.T, e *Env) {
	out, err := bucket.NewClient(e.Client).GetLocation(bktCtx(t), &bucket.GetLocationInput{Bucket: e.Bucket})
	require.NoError(t, err, "get location")
	region := e.Client.Options().Region
	// IBM answers with a provisioning code: the region and a class.
	if out.Location != region && !strings.HasPrefix(out.Location, region+"-") {
		t.Errorf("location %q, want the client's region %q", out.Location, region)
	}
}

// bktPolicyFor returns a valid policy for the dialect's policy language
// granting anonymous reads of the bucket's objects.
func bktPolicyFor(e *Env) string {
	var doc any
	switch {
	case e.Dialect.Bucket.Shape == client.ShapeQingStorJSON:
		doc = map[string]any{"statement": []any{map[string]any{
			"id": "anonymous-read", "user": "*", "action": []string{"get_object"},
			"effect": "allow", "resource": []string{e.Bucket + "/*"},
		}}}
	case e.Dialect.HeaderPrefix == "x-cos-":
		appid := e.Bucket[strings.LastIndexByte(e.Bucket, '-')+1:]
		doc = map[string]any{"version": "2.0", "Statement": []any{map[string]any{
			"Principal": map[string]any{"qcs": []string{"qcs::cam::anyone:anyone"}},
			"Effect":    "Allow", "Action": []string{"name/cos:GetObject"},
			"Resource": []string{"qcs::cos:" + e.Client.Options().Region + ":uid/" + appid + ":" + e.Bucket + "/*"},
		}}}
	default:
		doc = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Sid": "AnonymousRead", "Effect": "Allow", "Principal": map[string]any{"AWS": []string{"*"}},
			"Action": []string{"s3:GetObject"}, "Resource": []string{"arn:aws:s3:::" + e.Bucket + "/*"},
		}}}
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func bktPolicy(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	if !e.Dialect.Bucket.Policy.Supported {
		// IBM: IAM policies, no bucket policies; refused before sending.
		_, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: e.Bucket})
		bktWant(t, "get", err, client.ErrNotSupported)
		_, err = b.PutPolicy(ctx, &bucket.PutPolicyInput{Bucket: e.Bucket, Policy: bktPolicyFor(e)})
		bktWant(t, "put", err, client.ErrNotSupported)
		_, err = b.DeletePolicy(ctx, &bucket.DeletePolicyInput{Bucket: e.Bucket})
		bktWant(t, "delete", err, client.ErrNotSupported)
		return
	}
	_, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: e.Bucket})
	bktServerGap(t, e, "bucket policies", err)
	bktWant(t, "get before put", err, client.ErrNotFound)
	policy := bktPolicyFor(e)
	if _, err := b.PutPolicy(ctx, &bucket.PutPolicyInput{Bucket: e.Bucket, Policy: policy}); err != nil {
		t.Fatalf("put %s: %v", policy, err)
	}
	out, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	// Servers may re-serialise the document: compare meaning, not bytes.
	if !json.Valid([]byte(out.Policy)) || !strings.Contains(out.Policy, e.Bucket) {
		t.Errorf("policy read back as %s; put %s", out.Policy, policy)
	}
	if _, err := b.DeletePolicy(ctx, &bucket.DeletePolicyInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)
}

func bktVersioning(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	st, err := b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: e.Bucket})
	require.NoError(t, err, "get on a new bucket")
	if st.Status != bucket.VersioningUnset {
		t.Errorf("new bucket: status %q, want unset", st.Status)
	}
	if _, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: e.Bucket, Status: bucket.VersioningEnabled}); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if st, err = b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: e.Bucket}); err != nil || st.Status != bucket.VersioningEnabled {
		t.Fatalf("after enable: %+v, %v", st, err)
	}

	// Two versions and a delete marker of "doc", one version of "other".
	v1 := bktPut(t, e, e.Bucket, "doc", "one")
	v2 := bktPut(t, e, e.Bucket, "doc", "two")
	bktPut(t, e, e.Bucket, "other", "x")
	del, err := object.NewClient(e.Client).Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: "doc"})
	require.NoError(t, err, "delete")
	if v1.VersionID == "" || v2.VersionID == "" || v1.VersionID == v2.VersionID {
		t.Errorf("put version ids %q and %q", v1.VersionID, v2.VersionID)
	}

	var docs []bucket.ObjectVersion
	n := 0
	for v, err := range b.ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: e.Bucket, PageSize: 1}) {
		require.NoError(t, err, "list versions")
		n++
		if v.Key == "doc" {
			docs = append(docs, v)
		}
	}
	if n != 4 || len(docs) != 3 {
		t.Fatalf("listed %d entries (%d of doc), want 4 (3 of doc): %+v", n, len(docs), docs)
	}
	latest, markers := 0, 0
	ids := map[string]bool{}
	for _, v := range docs {
		ids[v.VersionID] = true
		if v.IsLatest {
			latest++
			if !v.IsDeleteMarker {
				t.Errorf("latest version of a deleted key is not the delete marker: %+v", v)
			}
		}
		if v.IsDeleteMarker {
			markers++
			if del.VersionID != "" && v.VersionID != del.VersionID {
				t.Errorf("delete marker %q, delete returned %q", v.VersionID, del.VersionID)
			}
		}
	}
	if latest != 1 || markers != 1 || !ids[v1.VersionID] || !ids[v2.VersionID] {
		t.Errorf("versions of doc: %+v (want v1 %q, v2 %q, one latest delete marker)", docs, v1.VersionID, v2.VersionID)
	}
	// Newest first within a key.
	if !docs[0].IsDeleteMarker || docs[1].VersionID != v2.VersionID || docs[2].VersionID != v1.VersionID {
		t.Errorf("versions of doc not newest first: %+v", docs)
	}

	if _, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: e.Bucket, Status: bucket.VersioningSuspended}); err != nil {
		t.Fatalf("suspend: %v", err)
	}
	if st, err = b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: e.Bucket}); err != nil || st.Status != bucket.VersioningSuspended {
		t.Fatalf("after suspend: %+v, %v", st, err)
	}
}

func bktVersioningUnsupported(t *testing.T, e *Env) {
	b := bucket.NewClient(e.Client)
	_, err := b.PutVersioning(bktCtx(t), &bucket.PutVersioningInput{Bucket: e.Bucket, Status: bucket.VersioningEnabled})
	bktWant(t, "put versioning", err, client.ErrNotSupported)
	for _, err := range b.ListObjectVersions(bktCtx(t), &bucket.ListObjectVersionsInput{Bucket: e.Bucket}) {
		bktWant(t, "list versions", err, client.ErrNotSupported)
	}
}

// Multipart initiation and abort as local operations, so that this file
// does not depend on the multipart package.
type bktInitiateIn struct{ Bucket, Key string }

type bktInitiateOut struct {
	UploadID string `xml:"UploadId" json:"upload_id"`
}

var bktInitiateOp = opkit.Op[bktInitiateIn, bktInitiateOut]{
	Name: "InitiateMultipartUpload",
	Serialize: func(_ *client.Dialect, _ *client.Options, in *bktInitiateIn, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPost, in.Bucket, in.Key
		r.Query.Set("uploads", "")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *bktInitiateOut) error {
		return opkit.DecodeBody(d, resp, out)
	},
}

type bktAbortIn struct{ Bucket, Key, UploadID string }

var bktAbortOp = opkit.Op[bktAbortIn, struct{}]{
	Name:       "AbortMultipartUpload",
	Idempotent: true,
	Serialize: func(d *client.Dialect, _ *client.Options, in *bktAbortIn, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodDelete, in.Bucket, in.Key
		r.Query.Set(d.Params.UploadID, in.UploadID)
		return nil
	},
}

func bktListUploads(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	keys := []string{"up/a", "up/b", "up/b", "other x"}
	var ids []string
	for _, k := range keys {
		out, err := opkit.Call(ctx, e.Client, &bktInitiateOp, &bktInitiateIn{Bucket: e.Bucket, Key: k})
		require.NoError(t, err, "initiate %q", k)
		if out.UploadID == "" {
			t.Fatalf("initiate %q: no upload id", k)
		}
		ids = append(ids, out.UploadID)
		t.Cleanup(func() {
			_, _ = opkit.Call(context.Background(), e.Client, &bktAbortOp, &bktAbortIn{Bucket: e.Bucket, Key: k, UploadID: out.UploadID})
		})
	}
	collect := func(in *bucket.ListMultipartUploadsInput) []string {
		var got []string
		for u, err := range b.ListMultipartUploads(ctx, in) {
			require.NoError(t, err, "list %+v", *in)
			if u.IsPrefix {
				got = append(got, "prefix:"+u.Key)
				continue
			}
			if i := slices.Index(ids, u.UploadID); i < 0 || keys[i] != u.Key {
				t.Errorf("unknown upload %+v", u)
			}
			got = append(got, u.Key+"#"+u.UploadID)
		}
		return got
	}
	var all []string
	for i, k := range keys {
		all = append(all, k+"#"+ids[i])
	}
	bktSameSet(t, "all uploads, one per page", collect(&bucket.ListMultipartUploadsInput{Bucket: e.Bucket, PageSize: 1}), all)

	// Resuming by hand from the markers of a one-entry page.
	p, err := b.ListMultipartUploadsPage(ctx, &bucket.ListMultipartUploadsInput{Bucket: e.Bucket, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	// MinIO ignores max-uploads, prefix and delimiter: it lists the
	// uploads of one exact key, or all of them.
	bktRealServerGap(t, e, len(p.Uploads) > 1, "ListMultipartUploads ignores max-uploads (%d uploads in a page of 1)", len(p.Uploads))
	if len(p.Uploads) != 1 || !p.IsTruncated || p.NextKeyMarker == "" {
		t.Fatalf("first page: %+v", p)
	}
	rest := collect(&bucket.ListMultipartUploadsInput{Bucket: e.Bucket, KeyMarker: p.NextKeyMarker, UploadIDMarker: p.NextUploadIDMarker})
	if len(rest) != len(keys)-1 || slices.Contains(rest, p.Uploads[0].Key+"#"+p.Uploads[0].UploadID) {
		t.Errorf("after %s#%s: %q", p.NextKeyMarker, p.NextUploadIDMarker, rest)
	}
	bktSameSet(t, "prefix up/", collect(&bucket.ListMultipartUploadsInput{Bucket: e.Bucket, Prefix: "up/", PageSize: 2}), all[:3])
	bktSameSet(t, "delimiter /", collect(&bucket.ListMultipartUploadsInput{Bucket: e.Bucket, Delimiter: "/"}),
		[]string{"prefix:up/", all[3]})
}

func bktListLocations(t *testing.T, e *Env) {
	out, err := bucket.NewClient(e.Client).ListLocations(bktCtx(t), &bucket.ListLocationsInput{})
	if !e.Dialect.Bucket.Locations.Supported {
		bktWant(t, "list locations", err, client.ErrNotSupported)
		return
	}
	require.NoError(t, err, "list locations")
	region := e.Client.Options().Region
	if !slices.ContainsFunc(out.Locations, func(l bucket.Location) bool { return l.ID == region && l.Endpoint != "" }) {
		t.Errorf("locations %+v do not include the client's zone %q", out.Locations, region)
	}
}
