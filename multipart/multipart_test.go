package multipart_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/storagetest"
)

var allDialects = []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM}

// bucketFor returns a valid bucket name for d.
func bucketFor(d client.Dialect, base string) string {
	if d.ValidateBucket != nil && d.ValidateBucket(base) != nil {
		return base + "-1250000000"
	}
	return base
}

func newServer(t *testing.T, d client.Dialect) (*storagetest.Server, *client.Client) {
	t.Helper()
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// TestBadInputSendsNothing checks that invalid input is refused with an
// *InvalidArgumentError naming the field, before any request.
func TestBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d)
			uploads := multipart.NewClient(c)
			b := bucketFor(d, "valid-bucket")
			first, last := d.Limits.FirstPartNumber, d.Limits.FirstPartNumber+d.Limits.MaxParts-1
			tooMany := make([]multipart.CompletedPart, d.Limits.MaxParts+1)
			for i := range tooMany {
				tooMany[i] = multipart.CompletedPart{PartNumber: first + i%d.Limits.MaxParts, ETag: "e"}
			}
			cases := []struct {
				name  string
				field string
				call  func() error
			}{
				{"initiate key too long", "Key", func() error {
					_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: strings.Repeat("k", d.Limits.MaxKeyLength+1)})
					return err
				}},
				{"initiate invalid utf-8 key", "Key", func() error {
					_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "bad\xc3"})
					return err
				}},
				{"initiate metadata over the limit", "Metadata", func() error {
					_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k", Metadata: map[string]string{"m": strings.Repeat("v", d.Limits.MaxMetadataSize)}})
					return err
				}},
				{"initiate storage class", "StorageClass", func() error {
					_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k", StorageClass: "COLD_AS_ICE"})
					return err
				}},
				{"part number below the first", "PartNumber", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first - 1})
					return err
				}},
				{"part number above the last", "PartNumber", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: last + 1})
					return err
				}},
				{"part without upload id", "UploadID", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", PartNumber: first})
					return err
				}},
				{"part over the size limit", "Size", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first,
						Body: io.MultiReader(strings.NewReader("x")), Size: d.Limits.MaxPartSize + 1})
					return err
				}},
				{"part md5 length", "ContentMD5", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first, ContentMD5: []byte{1}})
					return err
				}},
				{"computed md5 of a stream", "ComputeContentMD5", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first,
						Body: io.MultiReader(strings.NewReader("x")), Size: 1, ComputeContentMD5: true})
					return err
				}},
				{"copy part number", "PartNumber", func() error {
					_, err := uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: last + 1, SourceBucket: b, SourceKey: "s"})
					return err
				}},
				{"copy source key", "SourceKey", func() error {
					_, err := uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first, SourceBucket: b})
					return err
				}},
				{"copy range without length", "SourceLength", func() error {
					_, err := uploads.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first, SourceBucket: b, SourceKey: "s", SourceOffset: 10})
					return err
				}},
				{"complete without parts", "Parts", func() error {
					_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: "u"})
					return err
				}},
				{"complete with more than the part limit", "Parts", func() error {
					_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: "u", Parts: tooMany})
					return err
				}},
				{"complete with a bad part number", "Parts[1].PartNumber", func() error {
					_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: "u",
						Parts: []multipart.CompletedPart{{PartNumber: first, ETag: "e"}, {PartNumber: first - 1, ETag: "e"}}})
					return err
				}},
				{"complete with a part twice", "Parts[1].PartNumber", func() error {
					_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: "u",
						Parts: []multipart.CompletedPart{{PartNumber: first, ETag: "e"}, {PartNumber: first, ETag: "e"}}})
					return err
				}},
				{"abort without upload id", "UploadID", func() error {
					_, err := uploads.Abort(ctx, &multipart.AbortInput{Bucket: b, Key: "k"})
					return err
				}},
				{"list parts page size", "MaxParts", func() error {
					_, err := uploads.ListPartsPage(ctx, &multipart.ListPartsInput{Bucket: b, Key: "k", UploadID: "u", MaxParts: d.Object.MaxListParts + 1})
					return err
				}},
				{"list parts marker", "Marker", func() error {
					_, err := uploads.ListPartsPage(ctx, &multipart.ListPartsInput{Bucket: b, Key: "k", UploadID: "u", Marker: "abc"})
					return err
				}},
			}
			for _, tc := range cases {
				err := tc.call()
				var ia *client.InvalidArgumentError
				if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrInvalidArgument) {
					t.Errorf("%s: err = %v, want an InvalidArgumentError on %s", tc.name, err, tc.field)
				}
			}
			var err error
			for _, err = range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: b, Key: "k"}) {
			}
			var ia *client.InvalidArgumentError
			if !errors.As(err, &ia) || ia.Field != "UploadID" {
				t.Errorf("list parts without upload id: %v", err)
			}
			if reqs := srv.Requests(); len(reqs) != 0 {
				t.Errorf("bad input reached the server: %d requests, first %+v", len(reqs), reqs[0])
			}
		})
	}
}

// TestCompleteErrorIn200: a 200 answer to Complete that carries an error
// document is never a success. A transient one (InternalError) is retried
// like a 500 and the upload completes; one that persists comes back as a
// *client.ResponseError with status 200 after the policy's attempts; a
// lasting error in a 200 (an invalid part) is not retried.
func TestCompleteErrorIn200(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d)
			b := bucketFor(d, "valid-bucket")
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			uploads := multipart.NewClient(c)
			first := d.Limits.FirstPartNumber
			isComplete := func(r *http.Request) bool {
				return r.Method == http.MethodPost && r.URL.Query().Has(d.Params.UploadID)
			}
			completes := func() int {
				n := 0
				for _, r := range srv.Requests() {
					if r.Op == "CompleteMultipartUpload" {
						n++
					}
				}
				return n
			}
			internal := map[bool]string{true: "internal_server_error", false: "InternalError"}[d.Codec == client.JSON]
			start := func(key string) (*multipart.CompleteInput, int) {
				up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: key})
				if err != nil {
					t.Fatal(err)
				}
				part, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: key, UploadID: up.UploadID,
					PartNumber: first, Body: bytes.NewReader([]byte("only part"))})
				if err != nil {
					t.Fatal(err)
				}
				return &multipart.CompleteInput{Bucket: b, Key: key, UploadID: up.UploadID,
					Parts: []multipart.CompletedPart{{PartNumber: first, ETag: part.ETag}}}, completes()
			}

			in, before := start("retried")
			srv.InjectFault(storagetest.Fault{Match: isComplete, ErrorIn200: true, Code: internal})
			if _, err := uploads.Complete(ctx, in); err != nil {
				t.Fatalf("complete after one InternalError in a 200: %v", err)
			}
			if n := completes() - before; n != 2 {
				t.Errorf("%d Complete requests, want 2 (one retry)", n)
			}

			in, before = start("persistent")
			srv.InjectFault(storagetest.Fault{Match: isComplete, ErrorIn200: true, Code: internal, Times: 2})
			out, err := uploads.Complete(ctx, in, client.WithMaxAttempts(2))
			var re *client.ResponseError
			if !errors.As(err, &re) || out != nil || re.StatusCode != http.StatusOK || re.Op != "CompleteMultipartUpload" || re.Code != internal {
				t.Fatalf("complete = %v, %v; want a *client.ResponseError %s in a 200", out, err, internal)
			}
			if n := completes() - before; n != 2 {
				t.Errorf("%d Complete requests, want the policy's 2 attempts", n)
			}
			if n := srv.PendingFaults(); n != 0 {
				t.Fatalf("%d faults left", n)
			}

			lasting := map[bool]string{true: "invalid_request", false: "InvalidPart"}[d.Codec == client.JSON]
			in, before = start("lasting")
			srv.InjectFault(storagetest.Fault{Match: isComplete, ErrorIn200: true, Code: lasting})
			if _, err := uploads.Complete(ctx, in); !errors.As(err, &re) || re.Code != lasting || re.StatusCode != http.StatusOK {
				t.Fatalf("complete = %v; want %s in a 200", err, lasting)
			}
			if n := completes() - before; n != 1 {
				t.Errorf("%d Complete requests for a lasting error, want 1", n)
			}
		})
	}
}

// TestUploadPartFromSection uploads parts straight from sections of one
// io.ReaderAt, with computed MD5s, and assembles them.
func TestUploadPartFromSection(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		d.Limits.MinPartSize = 64 << 10 // a dialect copy with small parts, served as such
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d)
			b := bucketFor(d, "sections")
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			partSize := int(d.Limits.MinPartSize)
			data := bytes.Repeat([]byte("0123456789"), (2*partSize+500)/10)
			file := bytes.NewReader(data) // any io.ReaderAt, such as an *os.File
			uploads := multipart.NewClient(c)
			up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "from sections"})
			if err != nil {
				t.Fatal(err)
			}
			var parts []multipart.CompletedPart
			for i, off := 0, 0; off < len(data); i, off = i+1, off+partSize {
				n := min(partSize, len(data)-off)
				out, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{
					Bucket: b, Key: "from sections", UploadID: up.UploadID, PartNumber: d.Limits.FirstPartNumber + i,
					Body: io.NewSectionReader(file, int64(off), int64(n)), ComputeContentMD5: true,
				})
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				sum := md5.Sum(data[off : off+n])
				if r := lastRequest(srv); r.Header.Get("Content-MD5") != base64.StdEncoding.EncodeToString(sum[:]) || r.BodySize != int64(n) {
					t.Errorf("part %d: Content-MD5 %q, %d bytes sent", i, r.Header.Get("Content-MD5"), r.BodySize)
				}
				parts = append(parts, multipart.CompletedPart{PartNumber: d.Limits.FirstPartNumber + i, ETag: out.ETag})
			}
			if _, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "from sections", UploadID: up.UploadID, Parts: parts}); err != nil {
				t.Fatalf("complete: %v", err)
			}
			var listed int
			for _, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: b, Key: "from sections", UploadID: up.UploadID}) {
				if !errors.Is(err, client.ErrNotFound) {
					t.Errorf("list parts of a completed upload: %v", err)
				}
				listed++
			}
			if listed != 1 {
				t.Errorf("the iterator yielded %d times after an error", listed)
			}
		})
	}
}

func lastRequest(srv *storagetest.Server) storagetest.Request {
	reqs := srv.Requests()
	if len(reqs) == 0 {
		return storagetest.Request{}
	}
	return reqs[len(reqs)-1]
}
