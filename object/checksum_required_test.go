package object_test

import (
	"context"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestChecksumRequiredOnTheWire runs the operations the vendors mark
// checksum-required (bucket and object ACLs with a canned ACL, so with an
// empty body; DeleteObjects; CompleteMultipartUpload) on every dialect
// against storagetest, which refuses them without an integrity header
// where the dialect says so, and checks the Content-MD5 each request
// carried against the dialect's ChecksumRequired.
func TestChecksumRequiredOnTheWire(t *testing.T) {
	ctx := context.Background()
	for _, d := range client.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d, func(o *storagetest.Options) { o.MinPartSize = 1 })
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			bkt := "checksum-bucket"
			if d.Name == client.COS.Name {
				bkt = "checksum-1250000000"
			}
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: bkt}); err != nil {
				t.Fatal(err)
			}
			objects, parts := object.NewClient(c), multipart.NewClient(c)
			if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "k", Body: strings.NewReader("data")}); err != nil {
				t.Fatal(err)
			}
			check := func(op string, bodiless bool) {
				t.Helper()
				r := lastRequest(t, srv)
				if r.Op != op {
					t.Fatalf("last request was %s, want %s", r.Op, op)
				}
				got := r.Header.Get("Content-MD5")
				switch need := opkit.ChecksumNeedOf(&d, op); {
				case need == client.ChecksumOptional, need == client.ChecksumWithBody && bodiless:
					if bodiless && got != "" {
						t.Errorf("%s (%v, no body) sent Content-MD5 %q", op, need, got)
					}
				case bodiless && got != client.EmptyContentMD5:
					t.Errorf("%s (%v) sent Content-MD5 %q, want the empty body's", op, need, got)
				case got == "":
					t.Errorf("%s (%v) sent no Content-MD5", op, need)
				}
			}

			if _, err := bucket.NewClient(c).PutACL(ctx, &bucket.PutACLInput{Bucket: bkt, ACL: bucket.ACLPrivate}); err != nil {
				t.Fatalf("PutBucketAcl: %v", err)
			}
			check("PutBucketAcl", !isJSON(d))
			if len(d.Object.CannedACLs) > 0 {
				if _, err := objects.PutACL(ctx, &object.PutACLInput{Bucket: bkt, Key: "k", ACL: client.ACLPrivate}); err != nil {
					t.Fatalf("PutObjectAcl: %v", err)
				}
				check("PutObjectAcl", true)
			}

			up, err := parts.Initiate(ctx, &multipart.InitiateInput{Bucket: bkt, Key: "mp"})
			if err != nil {
				t.Fatal(err)
			}
			first := d.Limits.FirstPartNumber
			p, err := parts.UploadPart(ctx, &multipart.UploadPartInput{Bucket: bkt, Key: "mp", UploadID: up.UploadID, PartNumber: first, Body: strings.NewReader("part")})
			if err != nil {
				t.Fatal(err)
			}
			if opkit.ChecksumNeedOf(&d, "UploadPart") == client.ChecksumIfReplayable && !opkit.HasIntegrityHeader(&d, lastRequest(t, srv).Header) {
				t.Error("UploadPart with a replayable body sent no integrity header")
			}
			if _, err := parts.Complete(ctx, &multipart.CompleteInput{Bucket: bkt, Key: "mp", UploadID: up.UploadID,
				Parts: []multipart.CompletedPart{{PartNumber: first, ETag: p.ETag, Checksum: p.Checksum}}}); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			complete := srv.Requests()
			for i := len(complete) - 1; i >= 0; i-- {
				if r := complete[i]; r.Op == "CompleteMultipartUpload" {
					if need := opkit.ChecksumNeedOf(&d, "CompleteMultipartUpload"); need != client.ChecksumOptional && r.Header.Get("Content-MD5") == "" {
						t.Errorf("CompleteMultipartUpload (%v) sent no Content-MD5", need)
					}
					break
				}
			}

			if _, err := objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: bkt, Objects: []object.ObjectID{{Key: "k"}}}); err != nil {
				t.Fatalf("DeleteObjects: %v", err)
			}
			check("DeleteObjects", false)
		})
	}
}

func isJSON(d client.Dialect) bool { return d.Codec == client.JSON }
