package multipart_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
)

// CompleteInput.ETag gives the assembled object its ETag where the dialect
// takes one (QingStor), and is refused before any request elsewhere.
func TestCompleteETag(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d)
			b := bucketFor(d, "etags")
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			uploads := multipart.NewClient(c)
			up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			part, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: up.UploadID,
				PartNumber: d.Limits.FirstPartNumber, Body: bytes.NewReader([]byte("only part"))})
			if err != nil {
				t.Fatal(err)
			}
			in := &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: up.UploadID, ETag: "chosen-1",
				Parts: []multipart.CompletedPart{{PartNumber: d.Limits.FirstPartNumber, ETag: part.ETag}}}
			if d.Object.CompleteETagHeader == "" {
				before := len(srv.Requests())
				if _, err := uploads.Complete(ctx, in); !errors.Is(err, client.ErrNotSupported) || len(srv.Requests()) != before {
					t.Fatalf("Complete with ETag on %s: %v", d.Name, err)
				}
				return
			}
			bad := *in
			bad.ETag = `with"quote`
			var ia *client.InvalidArgumentError
			if _, err := uploads.Complete(ctx, &bad); !errors.As(err, &ia) || ia.Field != "ETag" {
				t.Fatalf("Complete with a bad ETag: %v", err)
			}
			if _, err := uploads.Complete(ctx, in); err != nil {
				t.Fatal(err)
			}
			if got := lastRequest(srv).Header.Get("ETag"); got != `"chosen-1"` {
				t.Errorf("sent ETag header %q", got)
			}
			head, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: b, Key: "k"})
			if err != nil || head.ETag != "chosen-1" {
				t.Errorf("HEAD: %v, ETag %q", err, head.ETag)
			}
		})
	}
}
