package conformance

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// checksumBehaviours are the additional-checksum behaviours (S3's
// "flexible checksums", x-amz-checksum-*): dialects with
// client.FeatureChecksums verify and keep them; the others refuse them
// before any request.
func checksumBehaviours() []Behaviour {
	return []Behaviour{
		{Name: "ChecksumPutHead", Needs: client.FeatureChecksums, Run: checksumPutHead, Unsupported: checksumsUnsupported},
		{Name: "ChecksumMismatch", Needs: client.FeatureChecksums, Run: checksumMismatch, Unsupported: checksumsUnsupported},
		{Name: "ChecksumMultipart", Needs: client.FeatureChecksums, Run: checksumMultipart, Unsupported: checksumsUnsupported},
		{Name: "ChecksumValidation", Needs: client.FeatureChecksums, Run: checksumValidation, Unsupported: checksumsUnsupported},
		{Name: "ChecksumTrailing", Needs: client.FeatureTrailingChecksums, Run: checksumTrailing, Unsupported: trailingUnsupported},
	}
}

// checksumTrailing sends checksums computed while sending, as aws-chunked
// trailers: the server decodes the framing (the stored bytes are the
// content), checks the trailer and echoes it; a multipart upload built
// from such parts completes with the parts' composite.
func checksumTrailing(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	uploads := multipart.NewClient(e.Client)
	for _, size := range []int{0, 1, 65536, 65537, 200000, 1<<20 + 1} { // one chunk, and two
		content := pattern(size, 25)
		key := "sums/trailing-" + string(rune('a'+size%26))
		out := put(t, e, key, content, func(in *object.PutInput) { in.TrailingChecksum = client.ChecksumCRC32C })
		sum := client.ComputeChecksum(client.ChecksumCRC32C, content)
		wantChecksum(t, "put answer", out.Checksum, sum)
		got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key, ChecksumMode: true})
		if !bytes.Equal(got, content) {
			t.Fatalf("%d bytes put with a trailer read back as %d different bytes", size, len(got))
		}
		wantChecksum(t, "get with checksum mode", g.Checksum, sum)
	}

	key := "sums/trailing parts.bin"
	first := e.Dialect.Limits.FirstPartNumber
	data := [][]byte{pattern(int(e.MinPartSize()), 26), pattern(4444, 27)}
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key, ChecksumAlgorithm: client.ChecksumCRC32C})
	parts := make([]multipart.CompletedPart, len(data))
	sums := make([]client.Checksum, len(data))
	for i := range data {
		sums[i] = client.ComputeChecksum(client.ChecksumCRC32C, data[i])
		out, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: key, UploadID: id, PartNumber: first + i,
			Body: bytes.NewReader(data[i]), TrailingChecksum: client.ChecksumCRC32C})
		require.NoError(t, err, "upload part %d with a trailer", i)
		wantChecksum(t, "upload part answer", out.Checksum, sums[i])
		parts[i] = multipart.CompletedPart{PartNumber: first + i, ETag: out.ETag, Checksum: out.Checksum}
	}
	done, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: parts})
	require.NoError(t, err, "complete")
	composite, _ := client.CompositeChecksum(sums)
	wantChecksum(t, "complete answer", done.Checksum, composite)
	got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key})
	if !bytes.Equal(got, bytes.Join(data, nil)) {
		t.Errorf("assembled object: %d bytes, want %d", len(got), len(data[0])+len(data[1]))
	}

	// Refused before any request: with a given checksum, and presigned.
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"put with both a checksum and a trailer", func() error {
			_, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "k", Body: bytes.NewReader([]byte("x")),
				Checksum: client.ComputeChecksum(client.ChecksumCRC32C, []byte("x")), TrailingChecksum: client.ChecksumCRC32C})
			return err
		}},
		{"presigned put with a trailer", func() error {
			_, err := objects.PresignPut(ctx, &object.PutInput{Bucket: e.Bucket, Key: "k", TrailingChecksum: client.ChecksumCRC32C}, time.Minute)
			return err
		}},
	} {
		var err error
		n := requestsSent(e, func() { err = tc.call() })
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != "TrailingChecksum" {
			t.Errorf("%s: err = %v, want an InvalidArgumentError on TrailingChecksum", tc.name, err)
		}
		if n > 0 {
			t.Errorf("%s: %d requests reached the server, want none", tc.name, n)
		}
	}
}

// trailingUnsupported: without the feature, a trailer is refused before
// any request.
func trailingUnsupported(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	var err error
	n := requestsSent(e, func() {
		_, err = object.NewClient(e.Client).Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "k", Body: bytes.NewReader([]byte("x")),
			TrailingChecksum: client.ChecksumCRC32C})
	})
	wantNotSupported(t, "put with a trailing checksum", err, n)
	n = requestsSent(e, func() {
		_, err = multipart.NewClient(e.Client).UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: "k", UploadID: "u",
			PartNumber: e.Dialect.Limits.FirstPartNumber, Body: bytes.NewReader([]byte("x")), TrailingChecksum: client.ChecksumCRC32C})
	})
	wantNotSupported(t, "upload part with a trailing checksum", err, n)
}

// wantChecksum compares a reported checksum with the expected one.
func wantChecksum(t *testing.T, what string, got, want client.Checksum) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: checksum %v %q (parts %d), want %v %q (parts %d)", what, got.Algorithm, got, got.Parts, want.Algorithm, want, want.Parts)
	}
}

// wantRefused checks that err is the server's 400 answer; on storagetest
// (which has an observer) also that its code is code. Real servers word
// some of these differently (MinIO, for one, has codes of its own), so
// only the status is common ground.
func wantRefused(t *testing.T, e *Env, what string, err error, code string) {
	t.Helper()
	var re *client.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest {
		t.Errorf("%s: err = %v, want a 400 *client.ResponseError", what, err)
		return
	}
	if e.Harness.Observer != nil && re.Code != code {
		t.Errorf("%s: code %q, want %q", what, re.Code, code)
	}
}

func checksumPutHead(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	content := pattern(70000, 21)
	sum := client.ComputeChecksum(client.ChecksumCRC32C, content)
	out := put(t, e, "sums/crc32c.bin", content, func(in *object.PutInput) { in.Checksum = sum })
	wantChecksum(t, "put answer", out.Checksum, sum)

	head, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "sums/crc32c.bin", ChecksumMode: true})
	require.NoError(t, err, "head with checksum mode")
	wantChecksum(t, "head with checksum mode", head.Checksum, sum)

	got, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "sums/crc32c.bin", ChecksumMode: true})
	if !bytes.Equal(got, content) {
		t.Errorf("get: %d bytes, want %d", len(got), len(content))
	}
	wantChecksum(t, "get with checksum mode", g.Checksum, sum)

	// Another algorithm, on an empty object.
	empty := client.ComputeChecksum(client.ChecksumSHA256, nil)
	put(t, e, "sums/empty", nil, func(in *object.PutInput) { in.Checksum = empty })
	head, err = objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "sums/empty", ChecksumMode: true})
	require.NoError(t, err, "head empty")
	wantChecksum(t, "head of an empty object", head.Checksum, empty)

	// A range is not the object: its answer carries no checksum of it.
	part, g := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: "sums/crc32c.bin", Offset: 10, Length: 100, ChecksumMode: true})
	if !bytes.Equal(part, content[10:110]) {
		t.Errorf("ranged get: wrong bytes")
	}
	if !g.Checksum.IsZero() {
		t.Errorf("ranged get reported checksum %v %q, want none", g.Checksum.Algorithm, g.Checksum)
	}
}

func checksumMismatch(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	content := pattern(5000, 22)
	wrong := client.ComputeChecksum(client.ChecksumCRC32C, []byte("something else"))
	_, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "corrupt", Body: bytes.NewReader(content), Checksum: wrong})
	wantRefused(t, e, "put with a wrong CRC32C", err, "BadDigest")
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "corrupt"}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("a refused put left an object: %v", err)
	}

	// A part that does not match its checksum is refused too, and one in
	// another algorithm than the upload's.
	uploads := multipart.NewClient(e.Client)
	first := e.Dialect.Limits.FirstPartNumber
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: "corrupt parts", ChecksumAlgorithm: client.ChecksumCRC32C})
	_, err = uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: "corrupt parts", UploadID: id, PartNumber: first,
		Body: bytes.NewReader(content), Checksum: wrong})
	wantRefused(t, e, "upload part with a wrong CRC32C", err, "BadDigest")
	_, err = uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: "corrupt parts", UploadID: id, PartNumber: first,
		Body: bytes.NewReader(content), Checksum: client.ComputeChecksum(client.ChecksumSHA1, content)})
	wantRefused(t, e, "upload part with a SHA1 checksum in a CRC32C upload", err, "InvalidRequest")
	var listed int
	for _, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: "corrupt parts", UploadID: id}) {
		require.NoError(t, err, "list parts")
		listed++
	}
	if listed != 0 {
		t.Errorf("refused parts were kept: %d listed", listed)
	}
}

func checksumMultipart(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	uploads := multipart.NewClient(e.Client)
	key := "sums/multi part.bin"
	first := e.Dialect.Limits.FirstPartNumber
	data := [][]byte{pattern(int(e.MinPartSize()), 23), pattern(3333, 24)}
	id := initiate(t, e, &multipart.InitiateInput{Bucket: e.Bucket, Key: key, ChecksumAlgorithm: client.ChecksumCRC32C})

	sums := make([]client.Checksum, len(data))
	parts := make([]multipart.CompletedPart, len(data))
	for i := len(data) - 1; i >= 0; i-- {
		sums[i] = client.ComputeChecksum(client.ChecksumCRC32C, data[i])
		out, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: key, UploadID: id, PartNumber: first + i,
			Body: bytes.NewReader(data[i]), Checksum: sums[i]})
		require.NoError(t, err, "upload part %d", i)
		wantChecksum(t, "upload part answer", out.Checksum, sums[i])
		parts[i] = multipart.CompletedPart{PartNumber: first + i, ETag: out.ETag, Checksum: out.Checksum}
	}

	var listed []multipart.Part
	for p, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: e.Bucket, Key: key, UploadID: id}) {
		require.NoError(t, err, "list parts")
		listed = append(listed, p)
	}
	if len(listed) != len(data) {
		t.Fatalf("listed %d parts, want %d", len(listed), len(data))
	}
	for i, p := range listed {
		wantChecksum(t, "listed part", p.Checksum, sums[i])
	}

	// Parts listed without their checksums do not complete the upload.
	bare := []multipart.CompletedPart{{PartNumber: first, ETag: parts[0].ETag}, {PartNumber: first + 1, ETag: parts[1].ETag}}
	_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: bare})
	wantRefused(t, e, "complete without the part checksums", err, "InvalidPart")

	done, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: key, UploadID: id, Parts: parts})
	require.NoError(t, err, "complete")
	composite, err := client.CompositeChecksum(sums)
	if err != nil {
		t.Fatal(err)
	}
	wantChecksum(t, "complete answer", done.Checksum, composite)

	head, err := object.NewClient(e.Client).Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: key, ChecksumMode: true})
	require.NoError(t, err, "head")
	wantChecksum(t, "head of the assembled object", head.Checksum, composite)
	got, _ := read(t, e, &object.GetInput{Bucket: e.Bucket, Key: key})
	if !bytes.Equal(got, bytes.Join(data, nil)) {
		t.Errorf("assembled object: %d bytes, want %d", len(got), len(data[0])+len(data[1]))
	}
}

func checksumValidation(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	uploads := multipart.NewClient(e.Client)
	first := e.Dialect.Limits.FirstPartNumber
	short := client.Checksum{Algorithm: client.ChecksumCRC32C, Value: []byte{1, 2, 3}}
	good := client.ComputeChecksum(client.ChecksumCRC32C, []byte("x"))
	for _, tc := range []struct {
		name, field string
		call        func() error
	}{
		{"put with a 3-byte CRC32C", "Checksum.Value", func() error {
			_, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "k", Body: bytes.NewReader([]byte("x")), Checksum: short})
			return err
		}},
		{"upload part with a 3-byte CRC32C", "Checksum.Value", func() error {
			_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: "k", UploadID: "u", PartNumber: first,
				Body: bytes.NewReader([]byte("x")), Checksum: short})
			return err
		}},
		{"initiate with CRC64NVME parts", "ChecksumAlgorithm", func() error {
			_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: e.Bucket, Key: "k", ChecksumAlgorithm: client.ChecksumCRC64NVME})
			return err
		}},
		{"complete with one part's checksum missing", "Parts[1].Checksum", func() error {
			_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: "k", UploadID: "u", Parts: []multipart.CompletedPart{
				{PartNumber: first, ETag: "e", Checksum: good}, {PartNumber: first + 1, ETag: "e"}}})
			return err
		}},
		{"complete with a composite part checksum", "Parts[0].Checksum.Parts", func() error {
			composite := good
			composite.Parts = 2
			_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: "k", UploadID: "u", Parts: []multipart.CompletedPart{
				{PartNumber: first, ETag: "e", Checksum: composite}}})
			return err
		}},
	} {
		var err error
		n := requestsSent(e, func() { err = tc.call() })
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want an InvalidArgumentError on %s", tc.name, err, tc.field)
		}
		if n > 0 {
			t.Errorf("%s: %d requests reached the server, want none", tc.name, n)
		}
	}
}

// checksumsUnsupported checks that every way of asking for an additional
// checksum is refused with ErrNotSupported before any request.
func checksumsUnsupported(t *testing.T, e *Env) {
	ctx := ctxFor(t)
	objects := object.NewClient(e.Client)
	uploads := multipart.NewClient(e.Client)
	first := e.Dialect.Limits.FirstPartNumber
	sum := client.ComputeChecksum(client.ChecksumCRC32C, []byte("x"))
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"put with a checksum", func() error {
			_, err := objects.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "k", Body: bytes.NewReader([]byte("x")), Checksum: sum})
			return err
		}},
		{"head with checksum mode", func() error {
			_, err := objects.Head(ctx, &object.HeadInput{Bucket: e.Bucket, Key: "k", ChecksumMode: true})
			return err
		}},
		{"get with checksum mode", func() error {
			_, err := objects.Get(ctx, &object.GetInput{Bucket: e.Bucket, Key: "k", ChecksumMode: true})
			return err
		}},
		{"initiate with a checksum algorithm", func() error {
			_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: e.Bucket, Key: "k", ChecksumAlgorithm: client.ChecksumCRC32C})
			return err
		}},
		{"upload part with a checksum", func() error {
			_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: e.Bucket, Key: "k", UploadID: "u", PartNumber: first,
				Body: bytes.NewReader([]byte("x")), Checksum: sum})
			return err
		}},
		{"complete with part checksums", func() error {
			_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: e.Bucket, Key: "k", UploadID: "u",
				Parts: []multipart.CompletedPart{{PartNumber: first, ETag: "e", Checksum: sum}}})
			return err
		}},
	} {
		var err error
		n := requestsSent(e, func() { err = tc.call() })
		wantNotSupported(t, tc.name, err, n)
	}
}
