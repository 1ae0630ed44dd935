package conformance

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// multipartBehaviours are the multipart behaviours (owned by the
// multipart package's author).
func multipartBehaviours() []Behaviour {
	return []Behaviour{
		{Name: "MultipartOutOfOrder", Run: multipartOutOfOrder},
		{Name: "MultipartListPartsPagination", Run: multipartListPartsPagination},
		{Name: "MultipartAbort", Run: multipartAbort},
		{Name: "MultipartCompleteErrors", Run: multipartCompleteErrors},
		{Name: "MultipartUploadPartCopy", Needs: client.FeatureMultipartCopy, Run: multipartUploadPartCopy, Unsupported: uploadPartCopyUnsupported},
	}
}

// initiate starts an upload and registers its abort (harmless once
// completed) for the end of the test.
func initiate(t *testing.T, e *Env, in *multipart.InitiateInput) string {
	t.Helper()
	uploads := multipart.NewClient(e.Client)
	out, err := uploads.Initiate(ctxFor(t), in)
	require.NoError(t, err, "initiate %.60q", in.Key)
	if out.UploadID == "" {
		t.Fatalf("initiate %.60q: no upload id", in.Key)
	}
	t.Cleanup(func() {
		_, _ = uploads.Abort(ctxFor(t), &multipart.AbortInput{Bucket: in.Bucket, Key: in.Key, UploadID: out.UploadID})
	})
	return out.UploadID
}

func uploadPart(t *testing.T, e *Env, key, uploadID string, number int, data []byte) multipart.CompletedPart {
	t.Helper()
	out, err := multipart.NewClient(e.Client).UploadPart(ctxFor(t), &multipart.UploadPartInput{
		Bucket: e.Bucket, Key: key, UploadID: uploadID, PartNumber: number, Body: bytes.NewReader(data),
	})
	require.NoError(t, err, "upload part %d of %.60q", number, key)
	if out.ETag == "" {
		t.Errorf("upload part %d: no etag", number)
	}
	return multipart.CompletedPart{PartNumber: number, ETag: out.ETag}
}

func multipartOutOfOrder(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	uploads := multipart.NewClient(e.Client)
	key := "big files/multi part+1 ü.bin"
	first := e.Dialect.Limits.FirstPartNumber
	size := int(e.MinPartSize())
	data := [][]byte{pattern(size, 10), pattern(size, 11), pattern(1234, 12)}
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key, ContentType: "application/x-multi",
		Metadata: map[string]string{"assembled": "yes"}})

	// Upload the last part first, then the first, then the middle one.
	order := []int{2, 0, 1}
	parts := make([]multipart.CompletedPart, len(data))
	for _, i := range order {
		parts[i] = uploadPart(t, e, key, id, first+i, data[i])
	}
	if obs := e.Harness.Observer; obs != nil {
		want := []int{first + 2, first, first + 1}
		if got := obs.PartNumbersUploaded(key); !slices.Equal(got, want) {
			t.Errorf("parts uploaded %v, want %v", got, want)
		}
	}
	// Uploading a part again replaces it.
	parts[1] = uploadPart(t, e, key, id, first+1, data[1])

	var listed []multipart.Part
	for p, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id}) {
		require.NoError(t, err, "list parts")
		listed = append(listed, p)
	}
	if len(listed) != 3 {
		t.Fatalf("listed %d parts, want 3", len(listed))
	}
	for i, p := range listed {
		if p.PartNumber != first+i || p.Size != int64(len(data[i])) || p.ETag != parts[i].ETag {
			t.Errorf("listed part %d: %+v, want number %d size %d etag %s", i, p, first+i, len(data[i]), parts[i].ETag)
		}
	}

	// Complete with the parts listed out of order: the client sorts them.
	done, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id,
		Parts: []multipart.CompletedPart{parts[2], parts[0], parts[1]}})
	require.NoError(t, err, "complete")
	if done.ETag == "" {
		t.Errorf("complete: no etag")
	}
	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key})
	if want := bytes.Join(data, nil); !bytes.Equal(got, want) {
		t.Errorf("assembled object: %d bytes, want %d", len(got), len(want))
	}
	if g.ContentType != "application/x-multi" || g.Metadata["assembled"] != "yes" {
		t.Errorf("assembled object: type %q, metadata %v", g.ContentType, g.Metadata)
	}
	if _, err := uploads.ListPartsPage(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("list parts of a completed upload: %v, want ErrNotFound", err)
	}
}

func multipartListPartsPagination(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	uploads := multipart.NewClient(e.Client)
	key := "paged"
	first := e.Dialect.Limits.FirstPartNumber
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key})
	const n = 7
	// Parts below the minimum size are accepted until Complete.
	for i := n - 1; i >= 0; i-- {
		uploadPart(t, e, key, id, first+i, []byte("part "+strconv.Itoa(i)))
	}

	// Page by page, two at a time.
	var numbers []int
	in := multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id, MaxParts: 2}
	pages := 0
	for {
		page, err := uploads.ListPartsPage(ctx, &in)
		require.NoError(t, err, "list parts page %d", pages)
		pages++
		if len(page.Parts) > 2 {
			t.Errorf("page %d has %d parts, more than MaxParts", pages, len(page.Parts))
		}
		for _, p := range page.Parts {
			numbers = append(numbers, p.PartNumber)
		}
		if !page.IsTruncated {
			break
		}
		if page.NextMarker == "" || pages > n {
			t.Fatalf("page %d: truncated with marker %q", pages, page.NextMarker)
		}
		in.Marker = page.NextMarker
	}
	want := make([]int, n)
	for i := range want {
		want[i] = first + i
	}
	if !slices.Equal(numbers, want) {
		t.Errorf("paged part numbers %v, want %v", numbers, want)
	}
	if pages < 4 {
		t.Errorf("%d parts in pages of 2 came in %d pages", n, pages)
	}

	// The iterator crosses the same page boundaries.
	numbers = numbers[:0]
	for p, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id, MaxParts: 3}) {
		require.NoError(t, err, "list parts")
		numbers = append(numbers, p.PartNumber)
	}
	if !slices.Equal(numbers, want) {
		t.Errorf("iterated part numbers %v, want %v", numbers, want)
	}

	// Resume after the third part.
	marker := strconv.Itoa(first + 2)
	numbers = numbers[:0]
	for p, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id, MaxParts: 2, Marker: marker}) {
		require.NoError(t, err, "list parts from %s", marker)
		numbers = append(numbers, p.PartNumber)
	}
	if !slices.Equal(numbers, want[3:]) {
		t.Errorf("part numbers after %s: %v, want %v", marker, numbers, want[3:])
	}

	// Stopping early stops fetching.
	count := 0
	for _, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id, MaxParts: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if count++; count == 3 {
			break
		}
	}
}

func multipartAbort(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	uploads := multipart.NewClient(e.Client)
	key := "aborted upload"
	first := e.Dialect.Limits.FirstPartNumber
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key})
	uploadPart(t, e, key, id, first, []byte("doomed"))
	if _, err := uploads.Abort(ctx, &multipart.AbortInput{Bucket: e.Bucket, Key: key, UploadID: id}); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if _, err := uploads.ListPartsPage(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("list parts after abort: %v, want ErrNotFound", err)
	}
	_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: key, UploadID: id, PartNumber: first, Body: bytes.NewReader([]byte("late"))})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("upload part after abort: %v, want ErrNotFound", err)
	}
	_, err = uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: []multipart.CompletedPart{{PartNumber: first, ETag: "00"}}})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("complete after abort: %v, want ErrNotFound", err)
	}
	if _, err := object.NewClient(e.Client).Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("an aborted upload left an object: %v", err)
	}
	_, err = uploads.Abort(ctx, &multipart.AbortInput{Bucket: e.Bucket, Key: key, UploadID: id})
	switch {
	case err == nil && e.Harness.Observer == nil:
		// MinIO answers 204 to any abort; S3, COS and QingStor document 404.
		t.Logf("%s: aborting an aborted upload succeeds", e.Harness.Name)
	case !errors.Is(err, client.ErrNotFound):
		t.Errorf("abort an aborted upload: %v, want ErrNotFound", err)
	}
}

func multipartCompleteErrors(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	uploads := multipart.NewClient(e.Client)
	first := e.Dialect.Limits.FirstPartNumber

	// A part below the minimum size that is not the last.
	key := "too small"
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key})
	p0 := uploadPart(t, e, key, id, first, []byte("tiny"))
	p1 := uploadPart(t, e, key, id, first+1, []byte("tail"))
	_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: []multipart.CompletedPart{p0, p1}})
	var re *client.ResponseError
	if !errors.Is(err, client.ErrInvalidArgument) || !errors.As(err, &re) {
		t.Errorf("complete with a small first part: %v, want an ErrInvalidArgument response", err)
	}

	// A part that was never uploaded, or whose etag is wrong.
	key = "wrong parts"
	id = initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key})
	p0 = uploadPart(t, e, key, id, first, []byte("only part"))
	_, err = uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id,
		Parts: []multipart.CompletedPart{{PartNumber: first, ETag: "0123456789abcdef0123456789abcdef"}}})
	if !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("complete with a wrong etag: %v, want ErrInvalidArgument", err)
	}
	_, err = uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id,
		Parts: []multipart.CompletedPart{p0, {PartNumber: first + 5, ETag: p0.ETag}}})
	if !errors.Is(err, client.ErrInvalidArgument) {
		t.Errorf("complete with a missing part: %v, want ErrInvalidArgument", err)
	}
	// The upload survives failed completions.
	if _, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: []multipart.CompletedPart{p0}}); err != nil {
		t.Errorf("complete after failed attempts: %v", err)
	}
	if got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key}); string(got) != "only part" {
		t.Errorf("single-part object: %q", got)
	}

	// An unknown upload id.
	_, err = uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: "no-such-upload",
		Parts: []multipart.CompletedPart{p0}})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("complete an unknown upload: %v, want ErrNotFound", err)
	}

	// Bad part numbers and too many parts never leave the client.
	last := first + e.Dialect.Limits.MaxParts - 1
	for _, n := range []int{first - 1, last + 1} {
		var err error
		sent := requestsSent(e, func() {
			_, err = uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: key, UploadID: id, PartNumber: n, Body: bytes.NewReader(nil)})
		})
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != "PartNumber" || sent > 0 {
			t.Errorf("part number %d: %v (%d requests)", n, err, sent)
		}
	}
	many := make([]multipart.CompletedPart, e.Dialect.Limits.MaxParts+1)
	for i := range many {
		many[i] = multipart.CompletedPart{PartNumber: first + i, ETag: "e"}
	}
	sent := requestsSent(e, func() {
		_, err = uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: many})
	})
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Parts" || sent > 0 {
		t.Errorf("%d parts: %v (%d requests)", len(many), err, sent)
	}
}

func multipartUploadPartCopy(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	uploads := multipart.NewClient(e.Client)
	first := e.Dialect.Limits.FirstPartNumber
	size := e.MinPartSize()
	source := pattern(int(size)+5000, 13)
	src := put(t, e, "copy source/src+1.bin", source)

	key := "copied parts"
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key})
	// Part 3 (uploaded first) is the source's tail, part 1 its first size
	// bytes, and part 2 comes from memory.
	c3, err := uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: e.Bucket, Key: key, UploadID: id, PartNumber: first + 2,
		SourceBucket: e.Bucket, SourceKey: "copy source/src+1.bin", SourceOffset: size, SourceLength: 5000})
	require.NoError(t, err, "upload part copy 3")
	c1, err := uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: e.Bucket, Key: key, UploadID: id, PartNumber: first,
		SourceBucket: e.Bucket, SourceKey: "copy source/src+1.bin", SourceOffset: 0, SourceLength: size, SourceIfMatch: src.ETag})
	require.NoError(t, err, "upload part copy 1")
	middle := pattern(int(size), 14)
	p2 := uploadPart(t, e, key, id, first+1, middle)
	if c1.ETag == "" || c3.ETag == "" {
		t.Errorf("copied parts without etags: %q %q", c1.ETag, c3.ETag)
	}
	_, err = uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: []multipart.CompletedPart{
		{PartNumber: first, ETag: c1.ETag}, p2, {PartNumber: first + 2, ETag: c3.ETag}}})
	require.NoError(t, err, "complete")
	got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key})
	want := slices.Concat(source[:size], middle, source[size:])
	if !bytes.Equal(got, want) {
		t.Errorf("object from copied parts: %d bytes, want %d", len(got), len(want))
	}

	// A failed source condition and a missing source.
	id = initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: "cond"})
	_, err = uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: e.Bucket, Key: "cond", UploadID: id, PartNumber: first,
		SourceBucket: e.Bucket, SourceKey: "copy source/src+1.bin", SourceIfMatch: "0123456789abcdef0123456789abcdef"})
	if !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("upload part copy with a failed condition: %v, want ErrPreconditionFailed", err)
	}
	_, err = uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: e.Bucket, Key: "cond", UploadID: id, PartNumber: first,
		SourceBucket: e.Bucket, SourceKey: "no such source"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("upload part copy from a missing source: %v, want ErrNotFound", err)
	}
}

func uploadPartCopyUnsupported(t *testing.T, e *Env) {
	var err error
	n := requestsSent(e, func() {
		_, err = multipart.NewClient(e.Client).UploadPartCopy(ctxFor(t), &multipart.UploadPartCopyInput{
			Bucket: e.Bucket, Key: "k", UploadID: "u", PartNumber: e.Dialect.Limits.FirstPartNumber,
			SourceBucket: e.Bucket, SourceKey: "s"})
	})
	wantNotSupported(t, "upload part copy", err, n)
}
