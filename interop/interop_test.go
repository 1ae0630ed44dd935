package interop

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// partSize is the part size of every multipart upload in these tests: S3's
// minimum for all parts but the last, so a few parts make a small object.
const partSize = 5 << 20

// oddKey stresses key encoding in every client: spaces, '+' (a space in
// form encoding), literal "%20" and "%25" (which a client that unescapes
// twice would turn into " " and "%"), '&' and '=' (query syntax), '~',
// parentheses, and non-ASCII letters in two scripts.
const oddKey = "odd dir/with space+plus 100%25 & a=b ~tilde (paren) %20not-a-space ünïcödé-日本語.bin"

// peers holds one client of each SDK, all talking to the same MinIO server.
type peers struct {
	srv     *miniotest.Server
	poly    *client.Client
	objects *object.Client    // polystore
	buckets *bucket.Client    // polystore
	uploads *multipart.Client // polystore
	aws     *s3.Client
	minio   *minio.Client
}

// newPeers connects polystore, aws-sdk-go-v2 and minio-go to the process's
// shared MinIO server.
func newPeers(t *testing.T) *peers {
	t.Helper()
	srv := miniotest.Shared(t)

	pc, err := client.New(client.S3,
		client.WithEndpoint(srv.URL),
		client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatalf("polystore client: %v", err)
	}

	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("MinIO URL %q: %v", srv.URL, err)
	}
	mc, err := minio.New(u.Host, &minio.Options{
		Creds:        miniocreds.NewStaticV4(srv.AccessKey, srv.SecretKey, ""),
		Secure:       false,
		Region:       srv.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatalf("minio-go client: %v", err)
	}

	return &peers{
		srv:     srv,
		poly:    pc,
		objects: object.NewClient(pc),
		buckets: bucket.NewClient(pc),
		uploads: multipart.NewClient(pc),
		aws:     newAWSClient(srv),
		minio:   mc,
	}
}

// newAWSClient returns an aws-sdk-go-v2 S3 client for srv: path-style
// addressing (MinIO on 127.0.0.1 has no per-bucket host names), static
// credentials, and no shared config files or environment read, so the test
// behaves the same on every machine.
//
// The SDK's checksum defaults are kept on purpose, because they are what its
// users run: since service/s3 v1.73 the SDK adds CRC32 checksums to uploads
// (the Uploader's multipart upload in these tests is stored with a
// COMPOSITE CRC32 that MinIO reports back), which polystore must simply
// ignore, and every download asks for the stored checksum
// (x-amz-checksum-mode: ENABLED) and verifies it when there is one; objects
// polystore writes carry none and must read back all the same. If a future
// SDK or MinIO release made these defaults fail for reasons unrelated to
// polystore, setting RequestChecksumCalculation and
// ResponseChecksumValidation to their WhenRequired values here (and
// RequestChecksumCalculation on the Uploader) restores the plain S3
// exchange these tests are about.
func newAWSClient(srv *miniotest.Server) *s3.Client {
	return s3.New(s3.Options{
		Region:       srv.Region,
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  awscreds.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
}

// makeBucket creates a bucket with polystore and, when the test ends,
// deletes it together with every object left in it (through minio-go, so
// cleanup does not depend on the API under test).
func (p *peers) makeBucket(t *testing.T, name string) string {
	t.Helper()
	if _, err := p.buckets.Create(t.Context(), &bucket.CreateInput{Bucket: name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled while cleanups run.
		ctx := context.Background()
		for info := range p.minio.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true}) {
			if info.Err != nil {
				t.Errorf("cleanup: list %s: %v", name, info.Err)
				return
			}
			if err := p.minio.RemoveObject(ctx, name, info.Key, minio.RemoveObjectOptions{}); err != nil {
				t.Errorf("cleanup: remove %s/%q: %v", name, info.Key, err)
			}
		}
		if err := p.minio.RemoveBucket(ctx, name); err != nil {
			t.Errorf("cleanup: remove bucket %s: %v", name, err)
		}
	})
	return name
}

// payload returns n pseudo-random bytes that depend only on seed (ChaCha8
// from math/rand/v2), so every run writes the same content and a mismatch
// reproduces.
func payload(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b) // never fails
	return b
}

// sha256Hex is the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// singleETag is the ETag S3 gives an object stored by one PUT: the hex MD5
// of its content.
func singleETag(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// multipartETag is the ETag S3 gives an object uploaded in parts of size
// (the last part holding the rest): the hex MD5 of the concatenated binary
// MD5s of the parts, then "-" and the number of parts.
func multipartETag(b []byte, size int) string {
	var sums []byte
	parts := 0
	for off := 0; off < len(b); off += size {
		sum := md5.Sum(b[off:min(off+size, len(b))])
		sums = append(sums, sum[:]...)
		parts++
	}
	total := md5.Sum(sums)
	return fmt.Sprintf("%s-%d", hex.EncodeToString(total[:]), parts)
}

// want is an object as its writer stored it: what every reader must see.
type want struct {
	Key         string
	Body        []byte
	ContentType string
	Metadata    map[string]string // names lowercased
	ETag        string            // without quotes
}

// observed is what one reader reported for an object. SHA256 and Read are
// set only by reads that fetched the content (GET, not HEAD).
type observed struct {
	Size        int64
	ContentType string
	Metadata    map[string]string
	ETag        string
	SHA256      string
	Read        int64 // bytes actually read from the body
}

// check compares what a reader observed with what the writer stored.
// withBody says whether o comes from a read of the content.
func check(t *testing.T, what string, o observed, w want, withBody bool) {
	t.Helper()
	if o.Size != int64(len(w.Body)) {
		t.Errorf("%s %q: size %d, want %d", what, w.Key, o.Size, len(w.Body))
	}
	if withBody {
		if o.Read != int64(len(w.Body)) || o.SHA256 != sha256Hex(w.Body) {
			t.Errorf("%s %q: content differs: read %d bytes with SHA-256 %s, want %d bytes with %s",
				what, w.Key, o.Read, o.SHA256, len(w.Body), sha256Hex(w.Body))
		}
	}
	if o.ContentType != w.ContentType {
		t.Errorf("%s %q: content type %q, want %q", what, w.Key, o.ContentType, w.ContentType)
	}
	if got := lowerKeys(o.Metadata); !maps.Equal(got, w.Metadata) {
		t.Errorf("%s %q: metadata %v, want %v", what, w.Key, got, w.Metadata)
	}
	if got := trimETag(o.ETag); got != w.ETag {
		t.Errorf("%s %q: ETag %s, want %s", what, w.Key, got, w.ETag)
	}
}

// drain reads r to the end and returns the number of bytes and their hex
// SHA-256, without holding the content in memory.
func drain(t *testing.T, what string, r io.Reader) (int64, string) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatalf("%s: reading body after %d bytes: %v", what, n, err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

// lowerKeys returns m with its names lowercased (SDKs differ in the case
// they report metadata names in; S3 treats them case-insensitively). A nil
// or empty m gives an empty, non-nil map, so "no metadata" compares equal
// however a client says it.
func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// trimETag removes the quotes S3 puts around ETags.
func trimETag(s string) string { return strings.Trim(s, `"`) }

// listed is one entry of a bucket listing.
type listed struct {
	Size int64
	ETag string // without quotes
}

// checkListing requires a listing to hold exactly the objects in wants,
// with their sizes and ETags.
func checkListing(t *testing.T, who string, got map[string]listed, wants []want) {
	t.Helper()
	expected := make(map[string]listed, len(wants))
	for _, w := range wants {
		expected[w.Key] = listed{Size: int64(len(w.Body)), ETag: w.ETag}
	}
	for _, key := range slices.Sorted(maps.Keys(expected)) {
		e := expected[key]
		g, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s listing misses %q", who, key)
		case g != e:
			t.Errorf("%s listing %q: size %d ETag %s, want size %d ETag %s", who, key, g.Size, g.ETag, e.Size, e.ETag)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(got)) {
		if _, ok := expected[key]; !ok {
			t.Errorf("%s listing has unexpected key %q", who, key)
		}
	}
}

// polyRead reads an object with polystore's Get and Head and checks both.
func polyRead(t *testing.T, p *peers, bucketName string, w want) {
	t.Helper()
	ctx := t.Context()
	out, err := p.objects.Get(ctx, &object.GetInput{Bucket: bucketName, Key: w.Key})
	if err != nil {
		t.Fatalf("polystore Get %q: %v", w.Key, err)
	}
	n, sum := drain(t, "polystore Get", out.Body)
	if err := out.Body.Close(); err != nil {
		t.Errorf("polystore Get %q: closing body: %v", w.Key, err)
	}
	check(t, "polystore Get", observed{
		Size: out.ContentLength, ContentType: out.ContentType, Metadata: out.Metadata, ETag: out.ETag,
		SHA256: sum, Read: n,
	}, w, true)

	head, err := p.objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: w.Key})
	if err != nil {
		t.Fatalf("polystore Head %q: %v", w.Key, err)
	}
	check(t, "polystore Head", observed{
		Size: head.ContentLength, ContentType: head.ContentType, Metadata: head.Metadata, ETag: head.ETag,
	}, w, false)
}

// awsRead reads an object with aws-sdk-go-v2's GetObject and HeadObject and
// checks both.
func awsRead(t *testing.T, p *peers, bucketName string, w want) {
	t.Helper()
	ctx := t.Context()
	out, err := p.aws.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucketName), Key: aws.String(w.Key)})
	if err != nil {
		t.Fatalf("aws GetObject %q: %v", w.Key, err)
	}
	n, sum := drain(t, "aws GetObject", out.Body)
	if err := out.Body.Close(); err != nil {
		t.Errorf("aws GetObject %q: closing body: %v", w.Key, err)
	}
	check(t, "aws GetObject", observed{
		Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType), Metadata: out.Metadata,
		ETag: aws.ToString(out.ETag), SHA256: sum, Read: n,
	}, w, true)

	head, err := p.aws.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucketName), Key: aws.String(w.Key)})
	if err != nil {
		t.Fatalf("aws HeadObject %q: %v", w.Key, err)
	}
	check(t, "aws HeadObject", observed{
		Size: aws.ToInt64(head.ContentLength), ContentType: aws.ToString(head.ContentType), Metadata: head.Metadata,
		ETag: aws.ToString(head.ETag),
	}, w, false)
}

// minioRead reads an object with minio-go's GetObject and StatObject and
// checks both.
func minioRead(t *testing.T, p *peers, bucketName string, w want) {
	t.Helper()
	ctx := t.Context()
	obj, err := p.minio.GetObject(ctx, bucketName, w.Key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("minio GetObject %q: %v", w.Key, err)
	}
	n, sum := drain(t, "minio GetObject", obj)
	// The object's Stat is the response to the GET that was just read.
	info, err := obj.Stat()
	if err != nil {
		t.Fatalf("minio GetObject %q: Stat: %v", w.Key, err)
	}
	if err := obj.Close(); err != nil {
		t.Errorf("minio GetObject %q: closing: %v", w.Key, err)
	}
	check(t, "minio GetObject", observed{
		Size: info.Size, ContentType: info.ContentType, Metadata: info.UserMetadata, ETag: info.ETag,
		SHA256: sum, Read: n,
	}, w, true)

	stat, err := p.minio.StatObject(ctx, bucketName, w.Key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("minio StatObject %q: %v", w.Key, err)
	}
	check(t, "minio StatObject", observed{
		Size: stat.Size, ContentType: stat.ContentType, Metadata: stat.UserMetadata, ETag: stat.ETag,
	}, w, false)
}

// awsList lists a whole bucket with aws-sdk-go-v2's ListObjectsV2, page by
// page (small pages, so the continuation token is exercised too).
func awsList(t *testing.T, p *peers, bucketName string) map[string]listed {
	t.Helper()
	got := map[string]listed{}
	pages := s3.NewListObjectsV2Paginator(p.aws, &s3.ListObjectsV2Input{Bucket: aws.String(bucketName), MaxKeys: aws.Int32(2)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatalf("aws ListObjectsV2 %s: %v", bucketName, err)
		}
		for _, o := range page.Contents {
			got[aws.ToString(o.Key)] = listed{Size: aws.ToInt64(o.Size), ETag: trimETag(aws.ToString(o.ETag))}
		}
	}
	return got
}

// minioList lists a whole bucket with minio-go's ListObjects (ListObjectsV2
// on the wire), recursively and in small pages.
func minioList(t *testing.T, p *peers, bucketName string) map[string]listed {
	t.Helper()
	got := map[string]listed{}
	for info := range p.minio.ListObjects(t.Context(), bucketName, minio.ListObjectsOptions{Recursive: true, MaxKeys: 2}) {
		if info.Err != nil {
			t.Fatalf("minio ListObjects %s: %v", bucketName, info.Err)
		}
		got[info.Key] = listed{Size: info.Size, ETag: trimETag(info.ETag)}
	}
	return got
}

// polyList lists a whole bucket with polystore's ListObjects iterator on
// the given listing API, in small pages so that continuation (token or
// marker) is exercised.
func polyList(t *testing.T, p *peers, bucketName string, api bucket.ListAPI) map[string]listed {
	t.Helper()
	got := map[string]listed{}
	for o, err := range p.buckets.ListObjects(t.Context(), &bucket.ListObjectsInput{Bucket: bucketName, PageSize: 2, API: api}) {
		if err != nil {
			t.Fatalf("polystore ListObjects (%s) %s: %v", api, bucketName, err)
		}
		if o.IsPrefix {
			t.Errorf("polystore ListObjects (%s) %s: common prefix %q in a listing without a delimiter", api, bucketName, o.Key)
			continue
		}
		if _, dup := got[o.Key]; dup {
			t.Errorf("polystore ListObjects (%s) %s: key %q listed twice", api, bucketName, o.Key)
		}
		got[o.Key] = listed{Size: o.Size, ETag: o.ETag}
	}
	return got
}

// checkPolyListings requires polystore's listings of a bucket, with
// ListObjectsV2 and with ListObjects v1, to hold exactly wants.
func checkPolyListings(t *testing.T, p *peers, bucketName string, wants []want) {
	t.Helper()
	for _, api := range []bucket.ListAPI{bucket.ListAPIV2, bucket.ListAPIV1} {
		checkListing(t, fmt.Sprintf("polystore ListObjects (%s)", api), polyList(t, p, bucketName, api), wants)
	}
}

// rangeOf returns the inclusive HTTP byte range header value for b[off:off+n].
func rangeOf(off, n int) string { return fmt.Sprintf("bytes=%d-%d", off, off+n-1) }

// checkRange compares a ranged read with the slice of the body it names.
func checkRange(t *testing.T, who string, w want, off, n int, got []byte) {
	t.Helper()
	if !bytes.Equal(got, w.Body[off:off+n]) {
		t.Errorf("%s %s of %q: got %d bytes (SHA-256 %s), want %d (SHA-256 %s)",
			who, rangeOf(off, n), w.Key, len(got), sha256Hex(got), n, sha256Hex(w.Body[off:off+n]))
	}
}
