package interop

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"

	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// polyPut stores w with one polystore PUT, metadata names in mixed case,
// and checks the ETag it returns.
func polyPut(t *testing.T, p *peers, bucketName string, w want) {
	t.Helper()
	out, err := p.objects.Put(t.Context(), &object.PutInput{
		Bucket: bucketName, Key: w.Key, Body: bytes.NewReader(w.Body),
		ContentType: w.ContentType, Metadata: mixedCase(w.Metadata),
	})
	if err != nil {
		t.Fatalf("polystore Put %q: %v", w.Key, err)
	}
	if out.ETag != w.ETag {
		t.Errorf("polystore Put %q: ETag %s, want %s", w.Key, out.ETag, w.ETag)
	}
}

// polyMultipart stores w with a polystore multipart upload in parts of
// partSize (the last one shorter), each sent with a Content-MD5 the server
// verifies, and checks the part and object ETags it gets back. It aborts
// the upload if the test fails before completing it.
func polyMultipart(t *testing.T, p *peers, bucketName string, w want) {
	t.Helper()
	ctx := t.Context()
	up, err := p.uploads.Initiate(ctx, &multipart.InitiateInput{
		Bucket: bucketName, Key: w.Key, ContentType: w.ContentType, Metadata: mixedCase(w.Metadata),
	})
	if err != nil {
		t.Fatalf("polystore Initiate %q: %v", w.Key, err)
	}
	completed := false
	defer func() {
		if completed {
			return
		}
		if _, err := p.uploads.Abort(context.Background(), &multipart.AbortInput{Bucket: bucketName, Key: w.Key, UploadID: up.UploadID}); err != nil {
			t.Errorf("polystore Abort %q: %v", w.Key, err)
		}
	}()

	var parts []multipart.CompletedPart
	number := p.poly.Dialect().Limits.FirstPartNumber
	for off := 0; off < len(w.Body); off += partSize {
		chunk := w.Body[off:min(off+partSize, len(w.Body))]
		out, err := p.uploads.UploadPart(ctx, &multipart.UploadPartInput{
			Bucket: bucketName, Key: w.Key, UploadID: up.UploadID, PartNumber: number,
			Body: io.NewSectionReader(bytes.NewReader(w.Body), int64(off), int64(len(chunk))), ComputeContentMD5: true,
		})
		if err != nil {
			t.Fatalf("polystore UploadPart %d of %q: %v", number, w.Key, err)
		}
		if want := singleETag(chunk); out.ETag != want {
			t.Errorf("polystore UploadPart %d of %q: ETag %s, want %s", number, w.Key, out.ETag, want)
		}
		parts = append(parts, multipart.CompletedPart{PartNumber: number, ETag: out.ETag})
		number++
	}
	done, err := p.uploads.Complete(ctx, &multipart.CompleteInput{Bucket: bucketName, Key: w.Key, UploadID: up.UploadID, Parts: parts})
	if err != nil {
		t.Fatalf("polystore Complete %q: %v", w.Key, err)
	}
	completed = true
	if done.ETag != w.ETag {
		t.Errorf("polystore Complete %q: ETag %s, want %s", w.Key, done.ETag, w.ETag)
	}
}

// TestPolystoreWritesPeersRead stores objects with polystore and reads them
// back with aws-sdk-go-v2 and minio-go: content (SHA-256), size, content
// type, user metadata and ETag from GET and HEAD, and the bucket listing.
func TestPolystoreWritesPeersRead(t *testing.T) {
	p := newPeers(t)
	bucketName := p.makeBucket(t, "interop-polystore-writes")

	single, odd, multi := payload(1, 1<<20+7), payload(2, 4099), multipartBody(3)
	wants := []want{
		{
			Key: "single/put.bin", Body: single, ContentType: "application/x-polystore-single",
			Metadata: map[string]string{"origin": "polystore", "case-mixed": "Value With Spaces, commas; and =", "n": "1"},
			ETag:     singleETag(single),
		},
		{
			Key: oddKey, Body: odd, ContentType: "text/plain; charset=utf-8",
			Metadata: map[string]string{"origin": "polystore", "kind": "odd-key"},
			ETag:     singleETag(odd),
		},
		{
			Key: "multipart/parts.bin", Body: multi, ContentType: "application/x-polystore-multipart",
			Metadata: map[string]string{"origin": "polystore", "kind": "multipart"},
			ETag:     multipartETag(multi, partSize),
		},
	}
	polyPut(t, p, bucketName, wants[0])
	polyPut(t, p, bucketName, wants[1])
	polyMultipart(t, p, bucketName, wants[2])

	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		for _, w := range wants {
			awsRead(t, p, bucketName, w)
		}
		checkListing(t, "aws ListObjectsV2", awsList(t, p, bucketName), wants)
	})
	t.Run("minio-go", func(t *testing.T) {
		for _, w := range wants {
			minioRead(t, p, bucketName, w)
		}
		checkListing(t, "minio ListObjects", minioList(t, p, bucketName), wants)
	})
	t.Run("ranged", func(t *testing.T) {
		// Ranges of the multipart object that straddle the first part boundary
		// and the boundary before the short last part, read by both peers.
		for _, boundary := range []int{partSize, 3 * partSize} {
			off, n := boundary-1000, 2000
			awsRange(t, p, bucketName, wants[2], off, n)
			minioRange(t, p, bucketName, wants[2], off, n)
		}
	})
	t.Run("polystore", func(t *testing.T) {
		// polystore reads its own objects back the same way: the baseline the
		// peers are compared against.
		for _, w := range wants {
			polyRead(t, p, bucketName, w)
		}
		checkPolyListings(t, p, bucketName, wants)
	})
}

// awsRange reads b[off:off+n] of w with an aws-sdk-go-v2 ranged GetObject.
func awsRange(t *testing.T, p *peers, bucketName string, w want, off, n int) {
	t.Helper()
	out, err := p.aws.GetObject(t.Context(), &s3.GetObjectInput{
		Bucket: aws.String(bucketName), Key: aws.String(w.Key), Range: aws.String(rangeOf(off, n)),
	})
	if err != nil {
		t.Fatalf("aws GetObject %s of %q: %v", rangeOf(off, n), w.Key, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("aws GetObject %s of %q: reading: %v", rangeOf(off, n), w.Key, err)
	}
	checkRange(t, "aws GetObject", w, off, n, got)
}

// minioRange reads b[off:off+n] of w with a minio-go ranged GetObject.
func minioRange(t *testing.T, p *peers, bucketName string, w want, off, n int) {
	t.Helper()
	var opts minio.GetObjectOptions
	if err := opts.SetRange(int64(off), int64(off+n-1)); err != nil {
		t.Fatal(err)
	}
	obj, err := p.minio.GetObject(t.Context(), bucketName, w.Key, opts)
	if err != nil {
		t.Fatalf("minio GetObject %s of %q: %v", rangeOf(off, n), w.Key, err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("minio GetObject %s of %q: reading: %v", rangeOf(off, n), w.Key, err)
	}
	checkRange(t, "minio GetObject", w, off, n, got)
}
