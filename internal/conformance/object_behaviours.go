package conformance

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/protocol"
	"github.com/polystore/polystore/object"
)

// objectBehaviours are the object behaviours (owned by the object
// package's author).
func objectBehaviours() []Behaviour {
	return []Behaviour{
		{Name: "ObjectRoundTrip", Run: objectRoundTrip},
		{Name: "ObjectOddKeys", Run: objectOddKeys},
		{Name: "ObjectConditions", Run: objectConditions},
		{Name: "ObjectNotFound", Run: objectNotFound},
		{Name: "ObjectPutUnknownSize", Run: objectPutUnknownSize},
		{Name: "ObjectCopy", Run: objectCopy},
		{Name: "ObjectDeleteMany", Run: objectDeleteMany},
		{Name: "ObjectACL", Run: objectACL},
		{Name: "ObjectOptionsPreflight", Run: objectOptionsPreflight},
		{Name: "ObjectVersions", Needs: client.FeatureVersioning, Run: objectVersions, Unsupported: versionsUnsupported},
		{Name: "ObjectAppend", Needs: client.FeatureAppend, Run: objectAppend, Unsupported: appendUnsupported},
		{Name: "ObjectMove", Needs: client.FeatureMove, Run: objectMove, Unsupported: moveUnsupported},
		{Name: "ObjectFetch", Needs: client.FeatureFetch, Run: objectFetch, Unsupported: fetchUnsupported},
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// put stores content at key and fails the test on error.
func put(t *testing.T, e *Env, key string, content []byte, edit ...func(*object.PutInput)) *object.PutOutput {
	t.Helper()
	in := &object.PutInput{Bucket: e.Bucket, Key: key, Body: bytes.NewReader(content)}
	for _, fn := range edit {
		fn(in)
	}
	out, err := object.NewClient(e.Client).Put(ctxFor(t), in)
	require.NoError(t, err, "put %.60q", key)
	return out
}

// read returns the content of bucket/key.
func read(t *testing.T, e *Env, in *object.GetInput) ([]byte, *object.GetOutput) {
	t.Helper()
	out, err := object.NewClient(e.Client).Get(ctxFor(t), in)
	require.NoError(t, err, "get %.60q", in.Key)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err, "read %.60q", in.Key)
	return b, out
}

func md5hex(b []byte) string { return fmt.Sprintf("%x", md5.Sum(b)) }

// pattern returns n bytes that differ with seed, so misplaced ranges show.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed + byte(i>>10)
	}
	return b
}

// requestsSent runs fn and returns how many requests the server received
// meanwhile, or -1 without an observer.
func requestsSent(e *Env, fn func()) int {
	if e.Harness.Observer == nil {
		fn()
		return -1
	}
	before := e.Harness.Observer.RequestCount()
	fn()
	return e.Harness.Observer.RequestCount() - before
}

// wantNotSupported checks err matches ErrNotSupported and that no request
// was sent (n from requestsSent).
func wantNotSupported(t *testing.T, what string, err error, n int) {
	t.Helper()
	if !errors.Is(err, client.ErrNotSupported) {
		t.Errorf("%s: err = %v, want ErrNotSupported", what, err)
	}
	if n > 0 {
		t.Errorf("%s: %d requests reached the server, want none", what, n)
	}
}

func objectRoundTrip(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	content := pattern(3000, 1)
	out := put(t, e, "docs/report.txt", content, func(in *object.PutInput) {
		in.ContentType = "text/plain"
		in.ContentDisposition = `attachment; filename="report.txt"`
		in.CacheControl = "max-age=60"
		in.ContentLanguage = "en"
		in.Metadata = map[string]string{"Author": "polystore", "n": "1"}
		in.StorageClass = client.StorageClassStandard
	})
	if out.ETag != md5hex(content) {
		t.Errorf("put etag %q, want %q", out.ETag, md5hex(content))
	}
	head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "docs/report.txt"})
	require.NoError(t, err, "head")
	a := head.Attributes
	if a.ContentLength != int64(len(content)) || a.ContentType != "text/plain" || a.CacheControl != "max-age=60" ||
		a.ContentDisposition != `attachment; filename="report.txt"` || a.ContentLanguage != "en" ||
		a.Metadata["author"] != "polystore" || a.Metadata["n"] != "1" || a.ETag != out.ETag ||
		a.ObjectType != object.ObjectTypeNormal || a.LastModified.IsZero() {
		t.Errorf("head attributes: %+v", a)
	}
	if a.StorageClass != "" && a.StorageClass != client.StorageClassStandard {
		t.Errorf("storage class %q", a.StorageClass)
	}
	got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "docs/report.txt"})
	if !bytes.Equal(got, content) {
		t.Errorf("get: content differs")
	}
	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "docs/report.txt", Offset: 1000, Length: 24})
	if !bytes.Equal(got, content[1000:1024]) || g.ContentLength != 24 || !strings.HasPrefix(g.ContentRange, "bytes 1000-1023/") {
		t.Errorf("ranged get: %d bytes, range %q", len(got), g.ContentRange)
	}
	got, _ = read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "docs/report.txt", Offset: 2990})
	if !bytes.Equal(got, content[2990:]) {
		t.Errorf("get from offset: %d bytes", len(got))
	}
	_, g = read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "docs/report.txt", Override: object.ResponseHeaders{
		ContentType: "application/x-override", ContentDisposition: "inline", CacheControl: "no-cache",
	}})
	if g.ContentType != "application/x-override" || g.ContentDisposition != "inline" || g.CacheControl != "no-cache" {
		t.Errorf("response overrides: type %q disposition %q cache %q", g.ContentType, g.ContentDisposition, g.CacheControl)
	}
	// An empty object and a streamed body of known size.
	put(t, e, "empty", nil)
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "empty"}); len(got) != 0 {
		t.Errorf("empty object has %d bytes", len(got))
	}
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "stream", Body: io.MultiReader(strings.NewReader("streamed")), Size: 8}); err != nil {
		t.Fatalf("put stream: %v", err)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "stream"}); string(got) != "streamed" {
		t.Errorf("stream: %q", got)
	}
	// Overwrite, then delete twice (deleting a missing key succeeds).
	put(t, e, "docs/report.txt", []byte("v2"))
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "docs/report.txt"}); string(got) != "v2" {
		t.Errorf("overwrite: %q", got)
	}
	for i := 0; i < 2; i++ {
		if _, err := objects.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: "docs/report.txt"}); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "docs/report.txt"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head after delete: %v, want ErrNotFound", err)
	}
}

// maxKey is a key of exactly n bytes, with a '/' every 200 bytes: MinIO
// stores objects as files and refuses path segments over 255 bytes.
func maxKey(n int) string {
	b := []byte(strings.Repeat("k", n))
	for i := 200; i < n-1; i += 200 {
		b[i] = '/'
	}
	return string(b)
}

// oddKeys stress path escaping and signing.
func oddKeys(d *client.Dialect) []string {
	return []string{
		"with space.txt",
		"plus+sign",
		"percent%20literal",
		"tilde~and-dash_under.score",
		"/leading-slash",
		"unicode/日本語/ключ/ü.bin",
		"semi;colon,comma=equals&amp@at'quote(paren)!bang*star$dollar",
		maxKey(d.Limits.MaxKeyLength),
	}
}

func objectOddKeys(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	for i, key := range oddKeys(e.Dialect) {
		content := []byte(fmt.Sprintf("%d:%s", i, key))
		put(t, e, key, content, func(in *object.PutInput) { in.Metadata = map[string]string{"i": fmt.Sprint(i)} })
		head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key})
		if err != nil {
			t.Errorf("head %.60q: %v", key, err)
			continue
		}
		if head.ContentLength != int64(len(content)) || head.Metadata["i"] != fmt.Sprint(i) {
			t.Errorf("head %.60q: length %d, metadata %v", key, head.ContentLength, head.Metadata)
		}
		if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key}); !bytes.Equal(got, content) {
			t.Errorf("get %.60q: %q", key, got)
		}
		if _, err := objects.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key}); err != nil {
			t.Errorf("delete %.60q: %v", key, err)
		}
		if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key}); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("head %.60q after delete: %v", key, err)
		}
	}
}

func objectConditions(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	out := put(t, e, "cond", []byte("v1"))
	past, future := time.Now().Add(-24*time.Hour), time.Now().Add(24*time.Hour)
	for _, tc := range []struct {
		name string
		cond object.Conditions
		want error // nil: success
	}{
		{"if-match same", object.Conditions{IfMatch: out.ETag}, nil},
		{"if-match other", object.Conditions{IfMatch: "0123456789abcdef0123456789abcdef"}, client.ErrPreconditionFailed},
		{"if-none-match same", object.Conditions{IfNoneMatch: out.ETag}, client.ErrNotModified},
		{"if-none-match other", object.Conditions{IfNoneMatch: "0123456789abcdef0123456789abcdef"}, nil},
		{"if-modified-since future", object.Conditions{IfModifiedSince: future}, client.ErrNotModified},
		{"if-modified-since past", object.Conditions{IfModifiedSince: past}, nil},
		{"if-unmodified-since past", object.Conditions{IfUnmodifiedSince: past}, client.ErrPreconditionFailed},
		{"if-unmodified-since future", object.Conditions{IfUnmodifiedSince: future}, nil},
	} {
		g, err := objects.Get(ctx, &object.GetInput{Bucket: e.Bucket, Key: "cond", Conditions: tc.cond})
		if err == nil {
			b, _ := io.ReadAll(g.Body)
			g.Body.Close()
			if string(b) != "v1" {
				t.Errorf("get %s: %q", tc.name, b)
			}
		}
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("get %s: err = %v, want %v", tc.name, err, tc.want)
		}
		_, err = objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "cond", Conditions: tc.cond})
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("head %s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func objectNotFound(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	var re *client.ResponseError
	_, err := objects.Get(ctx, &object.GetInput{Bucket: e.Bucket, Key: "no/such/key"})
	if !errors.Is(err, client.ErrNotFound) || !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || re.RequestID == "" {
		t.Errorf("get missing key: %v (want ErrNotFound with status and request id)", err)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "no/such/key"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head missing key: %v", err)
	}
	missing := e.BucketName("missing")
	if _, err := objects.Get(ctx, &object.GetInput{Bucket: missing, Key: "k"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("get in missing bucket: %v", err)
	}
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: missing, Key: "k", Body: strings.NewReader("x")}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("put in missing bucket: %v", err)
	}
	_, err = objects.Copy(ctx, &object.CopyInput{Bucket: e.Bucket, Key: "dst", SourceBucket: e.Bucket, SourceKey: "no/such/key"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("copy from missing key: %v", err)
	}
}

func objectPutUnknownSize(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	partSize := e.MinPartSize()

	// Shorter than a part: one PUT.
	small := pattern(1000, 2)
	n := requestsSent(e, func() {
		out, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "small stream", Body: io.MultiReader(bytes.NewReader(small)), PartSize: partSize})
		require.NoError(t, err, "put small stream")
		if out.UploadID != "" || out.ETag != md5hex(small) {
			t.Errorf("small stream: upload id %q, etag %q", out.UploadID, out.ETag)
		}
	})
	if n > 1 {
		t.Errorf("small stream sent %d requests, want 1", n)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "small stream"}); !bytes.Equal(got, small) {
		t.Errorf("small stream: content differs")
	}

	// Exactly one part: still one PUT.
	exact := pattern(int(partSize), 3)
	out, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "exact", Body: io.MultiReader(bytes.NewReader(exact)), PartSize: partSize})
	require.NoError(t, err, "put one-part stream")
	if out.UploadID != "" {
		t.Errorf("a one-part stream went multipart")
	}

	// Two and a half parts: a multipart upload of three parts.
	large := pattern(int(partSize*5/2), 4)
	out, err = objects.Put(ctx, &object.PutInput{
		Bucket: e.Bucket, Key: "large stream", Body: io.MultiReader(bytes.NewReader(large)), PartSize: partSize,
		ContentType: "application/x-large", Metadata: map[string]string{"kind": "stream"},
	})
	require.NoError(t, err, "put large stream")
	if out.UploadID == "" || out.ETag == "" {
		t.Errorf("large stream: upload id %q, etag %q", out.UploadID, out.ETag)
	}
	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "large stream"})
	if !bytes.Equal(got, large) {
		t.Errorf("large stream: content differs (%d vs %d bytes)", len(got), len(large))
	}
	if g.ContentType != "application/x-large" || g.Metadata["kind"] != "stream" {
		t.Errorf("large stream attributes: type %q, metadata %v", g.ContentType, g.Metadata)
	}
	if obs := e.Harness.Observer; obs != nil {
		first := e.Dialect.Limits.FirstPartNumber
		if parts := obs.PartNumbersUploaded("large stream"); !slices.Equal(parts, []int{first, first + 1, first + 2}) {
			t.Errorf("parts uploaded: %v", parts)
		}
	}
}

func objectCopy(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	content := pattern(5000, 5)
	src := put(t, e, "src dir/original+1.bin", content, func(in *object.PutInput) {
		in.ContentType = "application/x-original"
		in.Metadata = map[string]string{"origin": "source"}
	})

	// Same bucket, metadata copied.
	out, err := objects.Copy(ctx, &object.CopyInput{Bucket: e.Bucket, Key: "copies/same bucket", SourceBucket: e.Bucket, SourceKey: "src dir/original+1.bin"})
	require.NoError(t, err, "copy")
	if out.ETag != src.ETag {
		t.Errorf("copy etag %q, want %q", out.ETag, src.ETag)
	}
	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "copies/same bucket"})
	if !bytes.Equal(got, content) || g.ContentType != "application/x-original" || g.Metadata["origin"] != "source" {
		t.Errorf("copy: %d bytes, type %q, metadata %v", len(got), g.ContentType, g.Metadata)
	}

	// Metadata replaced.
	_, err = objects.Copy(ctx, &object.CopyInput{
		Bucket: e.Bucket, Key: "copies/replaced", SourceBucket: e.Bucket, SourceKey: "src dir/original+1.bin",
		MetadataDirective: object.MetadataReplace, ContentType: "text/replaced", Metadata: map[string]string{"new": "yes"},
	})
	require.NoError(t, err, "copy replacing metadata")
	head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "copies/replaced"})
	require.NoError(t, err, "head replaced")
	if head.ContentType != "text/replaced" || head.Metadata["new"] != "yes" || head.Metadata["origin"] != "" {
		t.Errorf("replaced: type %q, metadata %v", head.ContentType, head.Metadata)
	}

	// Onto itself, replacing metadata.
	_, err = objects.Copy(ctx, &object.CopyInput{
		Bucket: e.Bucket, Key: "copies/replaced", SourceBucket: e.Bucket, SourceKey: "copies/replaced",
		MetadataDirective: object.MetadataReplace, Metadata: map[string]string{"edited": "in place"},
	})
	require.NoError(t, err, "copy onto itself")
	if head, err = objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "copies/replaced"}); err != nil || head.Metadata["edited"] != "in place" {
		t.Errorf("in-place metadata edit: %v, %v", err, head)
	}

	// Across buckets.
	other := createBucket(t, e)
	if _, err := objects.Copy(ctx, &object.CopyInput{Bucket: other, Key: "cross", SourceBucket: e.Bucket, SourceKey: "src dir/original+1.bin"}); err != nil {
		t.Fatalf("cross-bucket copy: %v", err)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: other, Key: "cross"}); !bytes.Equal(got, content) {
		t.Errorf("cross-bucket copy: content differs")
	}

	// Conditional copy sources.
	_, err = objects.Copy(ctx, &object.CopyInput{Bucket: e.Bucket, Key: "copies/cond", SourceBucket: e.Bucket, SourceKey: "src dir/original+1.bin",
		SourceConditions: object.Conditions{IfMatch: src.ETag}})
	if err != nil {
		t.Errorf("copy if-match same etag: %v", err)
	}
	_, err = objects.Copy(ctx, &object.CopyInput{Bucket: e.Bucket, Key: "copies/cond2", SourceBucket: e.Bucket, SourceKey: "src dir/original+1.bin",
		SourceConditions: object.Conditions{IfMatch: "0123456789abcdef0123456789abcdef"}})
	if !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("copy if-match other etag: %v, want ErrPreconditionFailed", err)
	}
	_, err = objects.Copy(ctx, &object.CopyInput{Bucket: e.Bucket, Key: "copies/cond3", SourceBucket: e.Bucket, SourceKey: "src dir/original+1.bin",
		SourceConditions: object.Conditions{IfNoneMatch: src.ETag}})
	if !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("copy if-none-match same etag: %v, want ErrPreconditionFailed", err)
	}
}

func objectDeleteMany(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	batch := e.Dialect.Limits.MaxDeleteKeys
	var ids []object.ObjectID
	existing := map[string]bool{}
	for i := 0; i < 12; i++ {
		key := fmt.Sprintf("del/%03d odd+key", i)
		put(t, e, key, []byte{byte(i)})
		existing[key] = true
		ids = append(ids, object.ObjectID{Key: key})
	}
	for i := len(ids); i < batch+5; i++ {
		ids = append(ids, object.ObjectID{Key: fmt.Sprintf("del/missing-%04d", i)})
	}
	out, err := objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: e.Bucket, Objects: ids})
	require.NoError(t, err, "delete many")
	if len(out.RequestIDs) != 2 {
		t.Errorf("%d keys took %d requests, want 2", len(ids), len(out.RequestIDs))
	}
	if len(out.Errors) != 0 {
		t.Errorf("per-key errors: %v", out.Errors[0])
	}
	deleted := map[string]bool{}
	for _, d := range out.Deleted {
		deleted[d.Key] = true
	}
	if len(deleted) != len(ids) {
		t.Errorf("%d keys reported deleted, want %d", len(deleted), len(ids))
	}
	for key := range existing {
		if !deleted[key] {
			t.Errorf("%q not reported deleted", key)
		}
		if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key}); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("%q after delete many: %v", key, err)
		}
	}

	// Quiet mode reports nothing for successes.
	put(t, e, "quiet/a", []byte("a"))
	put(t, e, "quiet/b", []byte("b"))
	out, err = objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: e.Bucket, Quiet: true,
		Objects: []object.ObjectID{{Key: "quiet/a"}, {Key: "quiet/b"}}})
	require.NoError(t, err, "quiet delete")
	if len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("quiet delete: %d deleted, %d errors reported", len(out.Deleted), len(out.Errors))
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "quiet/a"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("quiet/a after quiet delete: %v", err)
	}

	// No keys: refused before any request.
	n := requestsSent(e, func() {
		_, err = objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: e.Bucket})
	})
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Objects" || n > 0 {
		t.Errorf("delete no keys: %v (%d requests)", err, n)
	}
}

func objectACL(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	if len(e.Dialect.Object.CannedACLs) == 0 {
		var err error
		n := requestsSent(e, func() { _, err = objects.GetACL(ctx, &object.GetACLInput{Bucket: e.Bucket, Key: "k"}) })
		wantNotSupported(t, "get acl", err, n)
		n = requestsSent(e, func() {
			_, err = objects.PutACL(ctx, &object.PutACLInput{Bucket: e.Bucket, Key: "k", ACL: client.ACLPrivate})
		})
		wantNotSupported(t, "put acl", err, n)
		n = requestsSent(e, func() {
			_, err = objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "k", ACL: client.ACLPrivate})
		})
		wantNotSupported(t, "put with acl", err, n)
		return
	}
	put(t, e, "acl object", []byte("x"), func(in *object.PutInput) { in.ACL = client.ACLPrivate })
	if _, err := objects.PutACL(ctx, &object.PutACLInput{Bucket: e.Bucket, Key: "acl object", ACL: client.ACLPrivate}); err != nil {
		t.Fatalf("put acl private: %v", err)
	}
	acl, err := objects.GetACL(ctx, &object.GetACLInput{Bucket: e.Bucket, Key: "acl object"})
	require.NoError(t, err, "get acl")
	ownerFull := false
	for _, g := range acl.Grants {
		// MinIO leaves both IDs empty; real services fill them.
		if g.Permission == client.PermissionFullControl && g.Grantee.ID == acl.Owner.ID {
			ownerFull = true
		}
		if g.Grantee.URI == e.Dialect.Object.AllUsersURI {
			t.Errorf("private object grants %s to everyone", g.Permission)
		}
	}
	if !ownerFull {
		t.Errorf("private acl: owner %+v, grants %+v", acl.Owner, acl.Grants)
	}

	_, err = objects.PutACL(ctx, &object.PutACLInput{Bucket: e.Bucket, Key: "acl object", ACL: client.ACLPublicRead})
	if e.Harness.Observer == nil && errors.Is(err, client.ErrNotSupported) {
		t.Skipf("%s accepts only the private canned ACL: %v", e.Harness.Name, err)
	}
	require.NoError(t, err, "put acl public-read")
	acl, err = objects.GetACL(ctx, &object.GetACLInput{Bucket: e.Bucket, Key: "acl object"})
	require.NoError(t, err, "get acl")
	publicRead := false
	for _, g := range acl.Grants {
		publicRead = publicRead || g.Grantee.URI == e.Dialect.Object.AllUsersURI && g.Permission == client.PermissionRead
	}
	if !publicRead {
		t.Errorf("public-read acl grants: %+v", acl.Grants)
	}
	if _, err := objects.GetACL(ctx, &object.GetACLInput{Bucket: e.Bucket, Key: "no such object"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("get acl of a missing object: %v", err)
	}
}

func objectAppend(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	key := "logs/app log+1.txt"
	var want []byte
	pos := int64(0)
	for i, chunk := range []string{"first line\n", "second line\n", strings.Repeat("third ", 1000) + "\n"} {
		out, err := objects.Append(ctx, &object.AppendInput{Bucket: e.Bucket, Key: key, Position: pos, Body: strings.NewReader(chunk),
			ContentType: "text/plain"})
		require.NoError(t, err, "append %d at %d", i, pos)
		want = append(want, chunk...)
		if out.NextPosition != int64(len(want)) {
			t.Errorf("append %d: next position %d, want %d", i, out.NextPosition, len(want))
		}
		pos = out.NextPosition
	}
	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key})
	if !bytes.Equal(got, want) {
		t.Errorf("appended content differs: %d vs %d bytes", len(got), len(want))
	}
	if g.ObjectType != object.ObjectTypeAppendable || g.ContentType != "text/plain" {
		t.Errorf("get: object type %q, content type %q", g.ObjectType, g.ContentType)
	}
	head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key})
	require.NoError(t, err, "head")
	if head.ObjectType != object.ObjectTypeAppendable || head.NextAppendPosition != pos {
		t.Errorf("head: object type %q, next position %d, want appendable at %d", head.ObjectType, head.NextAppendPosition, pos)
	}

	// Wrong positions.
	for _, wrong := range []int64{0, pos - 1, pos + 1} {
		_, err := objects.Append(ctx, &object.AppendInput{Bucket: e.Bucket, Key: key, Position: wrong, Body: strings.NewReader("x")})
		if !errors.Is(err, object.ErrPositionMismatch) || !errors.Is(err, client.ErrConflict) {
			t.Errorf("append at %d (length %d): %v, want ErrPositionMismatch", wrong, pos, err)
		}
	}
	// A normal object is not appendable.
	put(t, e, "normal", []byte("normal"))
	_, err = objects.Append(ctx, &object.AppendInput{Bucket: e.Bucket, Key: "normal", Position: 6, Body: strings.NewReader("x")})
	if !errors.Is(err, object.ErrNotAppendable) || !errors.Is(err, client.ErrConflict) {
		t.Errorf("append to a normal object: %v, want ErrNotAppendable", err)
	}
	// Putting over an appendable object makes it normal.
	put(t, e, key, []byte("replaced"))
	if head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key}); err != nil || head.ObjectType != object.ObjectTypeNormal {
		t.Errorf("after put: %v, object type %v", err, head)
	}
	// A negative position never leaves the client.
	n := requestsSent(e, func() {
		_, err = objects.Append(ctx, &object.AppendInput{Bucket: e.Bucket, Key: key, Position: -1, Body: strings.NewReader("x")})
	})
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Position" || n > 0 {
		t.Errorf("negative position: %v (%d requests)", err, n)
	}
}

func appendUnsupported(t *testing.T, e *Env) {
	var err error
	n := requestsSent(e, func() {
		_, err = object.NewClient(e.Client).Append(ctxFor(t), &object.AppendInput{Bucket: e.Bucket, Key: "k", Body: strings.NewReader("x")})
	})
	wantNotSupported(t, "append", err, n)
}

func objectMove(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	content := pattern(777, 6)
	put(t, e, "before move", content, func(in *object.PutInput) { in.Metadata = map[string]string{"kept": "yes"} })
	if _, err := objects.Move(ctx, &object.MoveInput{Bucket: e.Bucket, Key: "after/move", SourceBucket: e.Bucket, SourceKey: "before move"}); err != nil {
		t.Fatalf("move: %v", err)
	}
	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "after/move"})
	if !bytes.Equal(got, content) || g.Metadata["kept"] != "yes" {
		t.Errorf("moved object: %d bytes, metadata %v", len(got), g.Metadata)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "before move"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("source after move: %v, want ErrNotFound", err)
	}
	other := createBucket(t, e)
	if _, err := objects.Move(ctx, &object.MoveInput{Bucket: other, Key: "moved", SourceBucket: e.Bucket, SourceKey: "after/move"}); err != nil {
		t.Fatalf("cross-bucket move: %v", err)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: other, Key: "moved"}); !bytes.Equal(got, content) {
		t.Errorf("cross-bucket move: content differs")
	}
	if _, err := objects.Move(ctx, &object.MoveInput{Bucket: e.Bucket, Key: "x", SourceBucket: e.Bucket, SourceKey: "no such key"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("move a missing object: %v, want ErrNotFound", err)
	}
}

func moveUnsupported(t *testing.T, e *Env) {
	var err error
	n := requestsSent(e, func() {
		_, err = object.NewClient(e.Client).Move(ctxFor(t), &object.MoveInput{Bucket: e.Bucket, Key: "a", SourceBucket: e.Bucket, SourceKey: "b"})
	})
	wantNotSupported(t, "move", err, n)
}

func objectFetch(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	content := pattern(4096, 7)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/files/source.bin" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-fetched")
		_, _ = w.Write(content)
	}))
	t.Cleanup(src.Close)
	objects := object.NewClient(e.Client)
	source, missing := src.URL+"/files/source.bin", src.URL+"/nothing"
	if e.Harness.Observer != nil {
		// storagetest fetches only from itself: serve the source from there.
		put(t, e, "fetch source/a+b.bin", content)
		base := e.Client.Options().Endpoint + "/" + e.Bucket + "/"
		source, missing = base+protocol.EscapePath("fetch source/a+b.bin"), base+"nothing"
	}
	if _, err := objects.Fetch(ctx, &object.FetchInput{Bucket: e.Bucket, Key: "fetched", SourceURL: source}); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "fetched"}); !bytes.Equal(got, content) {
		t.Errorf("fetched content differs (%d bytes)", len(got))
	}
	if _, err := objects.Fetch(ctx, &object.FetchInput{Bucket: e.Bucket, Key: "missing", SourceURL: missing}); err == nil {
		t.Errorf("fetching a missing URL succeeded")
	}
}

func fetchUnsupported(t *testing.T, e *Env) {
	var err error
	n := requestsSent(e, func() {
		_, err = object.NewClient(e.Client).Fetch(ctxFor(t), &object.FetchInput{Bucket: e.Bucket, Key: "k", SourceURL: "http://example.com/x"})
	})
	wantNotSupported(t, "fetch", err, n)
}

func objectVersions(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	if _, err := bucket.NewClient(e.Client).PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: e.Bucket, Status: bucket.VersioningEnabled}); err != nil {
		t.Fatalf("enable versioning: %v", err)
	}
	key := "versioned doc+1.txt"
	v1 := put(t, e, key, []byte("version one"))
	v2 := put(t, e, key, []byte("version two"))
	if v1.VersionID == "" || v2.VersionID == "" || v1.VersionID == v2.VersionID {
		t.Fatalf("version ids %q and %q", v1.VersionID, v2.VersionID)
	}
	if got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key, VersionID: v1.VersionID}); string(got) != "version one" || g.VersionID != v1.VersionID {
		t.Errorf("get version one: %q (version %q)", got, g.VersionID)
	}
	if got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key}); string(got) != "version two" || g.VersionID != v2.VersionID {
		t.Errorf("get latest: %q (version %q)", got, g.VersionID)
	}
	head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key, VersionID: v1.VersionID})
	if err != nil || head.VersionID != v1.VersionID || head.ContentLength != int64(len("version one")) {
		t.Errorf("head version one: %v %+v", err, head)
	}

	// Restore an old version by copying it over the current one.
	cp, err := objects.Copy(ctx, &object.CopyInput{Bucket: e.Bucket, Key: key, SourceBucket: e.Bucket, SourceKey: key, SourceVersionID: v1.VersionID})
	require.NoError(t, err, "copy version one")
	if cp.VersionID == "" || cp.VersionID == v1.VersionID || cp.VersionID == v2.VersionID {
		t.Errorf("restored copy has version %q", cp.VersionID)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key}); string(got) != "version one" {
		t.Errorf("after restoring version one: %q", got)
	}

	// A plain delete leaves a delete marker; the versions stay.
	del, err := objects.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key})
	require.NoError(t, err, "delete")
	if !del.DeleteMarker || del.VersionID == "" {
		t.Errorf("delete: marker %v, version %q", del.DeleteMarker, del.VersionID)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head after delete: %v, want ErrNotFound", err)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key, VersionID: v2.VersionID}); string(got) != "version two" {
		t.Errorf("version two after delete: %q", got)
	}
	// Deleting the marker brings the object back.
	undo, err := objects.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key, VersionID: del.VersionID})
	require.NoError(t, err, "delete the marker")
	if !undo.DeleteMarker || undo.VersionID != del.VersionID {
		t.Errorf("delete the marker: marker %v, version %q", undo.DeleteMarker, undo.VersionID)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key}); string(got) != "version one" {
		t.Errorf("after removing the marker: %q", got)
	}
	// Deleting a version removes it for good.
	if _, err := objects.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key, VersionID: v2.VersionID}); err != nil {
		t.Fatalf("delete version two: %v", err)
	}
	if _, err := objects.Get(ctx, &object.GetInput{Bucket: e.Bucket, Key: key, VersionID: v2.VersionID}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("get a deleted version: %v, want ErrNotFound", err)
	}
	// Delete many, by version.
	out, err := objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: e.Bucket, Objects: []object.ObjectID{
		{Key: key, VersionID: v1.VersionID}, {Key: key, VersionID: cp.VersionID}}})
	require.NoError(t, err, "delete versions")
	if len(out.Deleted) != 2 || len(out.Errors) != 0 {
		t.Errorf("delete versions: %+v, errors %v", out.Deleted, out.Errors)
	}
	for _, d := range out.Deleted {
		if d.VersionID != v1.VersionID && d.VersionID != cp.VersionID {
			t.Errorf("deleted version %q", d.VersionID)
		}
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("head after deleting every version: %v", err)
	}
}

func versionsUnsupported(t *testing.T, e *Env) {
	var err error
	n := requestsSent(e, func() {
		_, err = object.NewClient(e.Client).Get(ctxFor(t), &object.GetInput{Bucket: e.Bucket, Key: "k", VersionID: "v"})
	})
	wantNotSupported(t, "get a version", err, n)
}

func objectOptionsPreflight(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	put(t, e, "cors object", []byte("x"))
	_, err := bucket.NewClient(e.Client).PutCORS(ctx, &bucket.PutCORSInput{Bucket: e.Bucket, Rules: []bucket.CORSRule{{
		AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"content-type"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: 600,
	}}})
	serverWide := false
	switch {
	case err == nil:
	case e.Harness.Observer == nil && errors.Is(err, client.ErrNotSupported):
		// MinIO has no bucket CORS rules; it answers preflights with its
		// server-wide settings (every origin allowed by default).
		t.Logf("%s: no bucket CORS (%v); checking its server-wide answer", e.Harness.Name, err)
		serverWide = true
	default:
		t.Fatalf("put bucket cors: %v", err)
	}
	out, err := objects.Options(ctx, &object.OptionsInput{Bucket: e.Bucket, Key: "cors object",
		Origin: "https://app.example.com", Method: "PUT", Headers: []string{"content-type"}})
	require.NoError(t, err, "preflight an allowed request")
	if out.AllowOrigin != "https://app.example.com" && out.AllowOrigin != "*" {
		t.Errorf("allowed origin %q", out.AllowOrigin)
	}
	if !slices.ContainsFunc(out.AllowMethods, func(m string) bool { return strings.EqualFold(m, "PUT") }) {
		t.Errorf("allowed methods %v lack PUT", out.AllowMethods)
	}
	if serverWide {
		return
	}
	if !slices.ContainsFunc(out.AllowHeaders, func(h string) bool { return strings.EqualFold(h, "content-type") }) {
		t.Errorf("allowed headers %v lack content-type", out.AllowHeaders)
	}
	if out.MaxAge != 600 {
		t.Errorf("max age %d, want 600", out.MaxAge)
	}
	for name, in := range map[string]*object.OptionsInput{
		"other origin": {Origin: "https://evil.example.net", Method: "GET"},
		"other method": {Origin: "https://app.example.com", Method: "DELETE"},
	} {
		in.Bucket, in.Key = e.Bucket, "cors object"
		if _, err := objects.Options(ctx, in); !errors.Is(err, client.ErrAccessDenied) {
			t.Errorf("preflight %s: %v, want ErrAccessDenied", name, err)
		}
	}
}
