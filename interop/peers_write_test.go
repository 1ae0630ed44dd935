package interop

import (
	"bytes"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"

	"github.com/polystore/polystore/object"
)

// multipartBody is the content of the peers' multipart uploads: three full
// 5 MiB parts and a short tail, so the upload has four parts of two sizes.
func multipartBody(seed uint64) []byte { return payload(seed, 3*partSize+12345) }

// TestAWSWritesPolystoreReads stores objects with aws-sdk-go-v2 (PutObject,
// and manager.Uploader for a multipart upload) and reads them back with
// polystore: content (SHA-256), size, content type, user metadata and ETag
// from Get and Head, ranged Gets across part boundaries, and size and ETag
// from its ListObjects (v2 and v1).
func TestAWSWritesPolystoreReads(t *testing.T) {
	p := newPeers(t)
	bucketName := p.makeBucket(t, "interop-aws-writes")
	ctx := t.Context()

	single, odd, multi := payload(11, 1<<20+13), payload(12, 777), multipartBody(13)
	wants := []want{
		{
			Key: "single/put.bin", Body: single, ContentType: "application/x-aws-single",
			Metadata: map[string]string{"origin": "aws-sdk-go-v2", "case-mixed": "Value With Spaces, commas; and ="},
			ETag:     singleETag(single),
		},
		{
			Key: oddKey, Body: odd, ContentType: "text/plain; charset=utf-8",
			Metadata: map[string]string{"origin": "aws-sdk-go-v2", "kind": "odd-key"},
			ETag:     singleETag(odd),
		},
		{
			Key: "multipart/uploader.bin", Body: multi, ContentType: "application/x-aws-multipart",
			Metadata: map[string]string{"origin": "aws-sdk-go-v2", "kind": "multipart"},
			ETag:     multipartETag(multi, partSize),
		},
	}

	for _, w := range wants[:2] {
		out, err := p.aws.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucketName), Key: aws.String(w.Key), Body: bytes.NewReader(w.Body),
			ContentType: aws.String(w.ContentType), Metadata: mixedCase(w.Metadata),
		})
		if err != nil {
			t.Fatalf("aws PutObject %q: %v", w.Key, err)
		}
		if got := trimETag(aws.ToString(out.ETag)); got != w.ETag {
			t.Errorf("aws PutObject %q: ETag %s, want %s", w.Key, got, w.ETag)
		}
	}

	w := wants[2]
	//lint:ignore SA1019 manager (stable v1) is deprecated in favour of the pre-1.0 feature/s3/transfermanager; it is still the uploader most aws-sdk-go-v2 code runs.
	uploader := manager.NewUploader(p.aws, func(u *manager.Uploader) {
		u.PartSize = partSize
		u.Concurrency = 2
	})
	//lint:ignore SA1019 see NewUploader above.
	up, err := uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucketName), Key: aws.String(w.Key), Body: bytes.NewReader(w.Body),
		ContentType: aws.String(w.ContentType), Metadata: mixedCase(w.Metadata),
	})
	if err != nil {
		t.Fatalf("aws Uploader %q: %v", w.Key, err)
	}
	if up.UploadID == "" {
		t.Errorf("aws Uploader %q: no upload ID, so it was not a multipart upload", w.Key)
	}
	if got := trimETag(aws.ToString(up.ETag)); got != w.ETag {
		t.Errorf("aws Uploader %q: ETag %s, want %s", w.Key, got, w.ETag)
	}

	for _, w := range wants {
		polyRead(t, p, bucketName, w)
	}
	polyRanges(t, p, bucketName, wants[2])
	checkPolyListings(t, p, bucketName, wants)
}

// TestMinioWritesPolystoreReads stores objects with minio-go (PutObject,
// single and, by part size, multipart) and reads them back with polystore:
// content (SHA-256), size, content type, user metadata and ETag from Get
// and Head, ranged Gets across part boundaries, and size and ETag from its
// ListObjects (v2 and v1).
func TestMinioWritesPolystoreReads(t *testing.T) {
	p := newPeers(t)
	bucketName := p.makeBucket(t, "interop-minio-writes")
	ctx := t.Context()

	single, odd, multi := payload(21, 1<<20+17), payload(22, 1), multipartBody(23)
	wants := []want{
		{
			Key: "single/put.bin", Body: single, ContentType: "application/x-minio-single",
			Metadata: map[string]string{"origin": "minio-go", "case-mixed": "Value With Spaces, commas; and ="},
			ETag:     singleETag(single),
		},
		{
			Key: oddKey, Body: odd, ContentType: "text/plain; charset=utf-8",
			Metadata: map[string]string{"origin": "minio-go", "kind": "odd-key"},
			ETag:     singleETag(odd),
		},
		{
			Key: "multipart/put-object.bin", Body: multi, ContentType: "application/x-minio-multipart",
			Metadata: map[string]string{"origin": "minio-go", "kind": "multipart"},
			ETag:     multipartETag(multi, partSize),
		},
	}

	for _, w := range wants {
		// minio-go uploads in parts when the size exceeds PartSize.
		info, err := p.minio.PutObject(ctx, bucketName, w.Key, bytes.NewReader(w.Body), int64(len(w.Body)), minio.PutObjectOptions{
			ContentType: w.ContentType, UserMetadata: mixedCase(w.Metadata), PartSize: partSize,
		})
		if err != nil {
			t.Fatalf("minio PutObject %q: %v", w.Key, err)
		}
		if got := trimETag(info.ETag); got != w.ETag {
			t.Errorf("minio PutObject %q: ETag %s, want %s", w.Key, got, w.ETag)
		}
	}

	for _, w := range wants {
		polyRead(t, p, bucketName, w)
	}
	polyRanges(t, p, bucketName, wants[2])
	checkPolyListings(t, p, bucketName, wants)
}

// polyRanges reads ranges of a multipart object w with polystore's ranged
// Get: across the first part boundary, across the boundary before the short
// last part, and from there to the end (Length 0).
func polyRanges(t *testing.T, p *peers, bucketName string, w want) {
	t.Helper()
	for _, r := range []struct{ off, n int }{
		{partSize - 1000, 2000},
		{3*partSize - 1000, 2000},
		{3*partSize - 1000, len(w.Body) - (3*partSize - 1000)},
	} {
		in := &object.GetInput{Bucket: bucketName, Key: w.Key, Offset: int64(r.off), Length: int64(r.n)}
		if r.off+r.n == len(w.Body) {
			in.Length = 0 // to the end
		}
		out, err := p.objects.Get(t.Context(), in)
		if err != nil {
			t.Fatalf("polystore Get %s of %q: %v", rangeOf(r.off, r.n), w.Key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatalf("polystore Get %s of %q: reading: %v", rangeOf(r.off, r.n), w.Key, err)
		}
		checkRange(t, "polystore Get", w, r.off, r.n, got)
	}
}

// mixedCase returns m with each name's first letter upper-cased, so writers
// send names whose case differs from what polystore reports (lowercase).
func mixedCase(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != "" && k[0] >= 'a' && k[0] <= 'z' {
			k = string(k[0]-'a'+'A') + k[1:]
		}
		out[k] = v
	}
	return out
}
