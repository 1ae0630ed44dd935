package multipart_test

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// A multipart upload on QingStor, whose part numbers start at 0. Parts go
// up in any order straight from an io.ReaderAt (a file, say) and are
// assembled by Complete.
func Example() {
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "example-bucket"})

	d := c.Dialect()
	partSize := d.Limits.MinPartSize // 4 MiB on QingStor
	file := bytes.NewReader(bytes.Repeat([]byte("polystore"), int(partSize*3/2/9)))

	uploads := multipart.NewClient(c)
	up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: "example-bucket", Key: "backup.tar", ContentType: "application/x-tar"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var parts []multipart.CompletedPart
	for i := 1; i >= 0; i-- { // the last part first: order does not matter
		off := int64(i) * partSize
		n := min(partSize, file.Size()-off)
		number := d.Limits.FirstPartNumber + i
		out, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{
			Bucket: "example-bucket", Key: "backup.tar", UploadID: up.UploadID,
			PartNumber: number, Body: io.NewSectionReader(file, off, n),
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		parts = append(parts, multipart.CompletedPart{PartNumber: number, ETag: out.ETag})
	}
	for p, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: "example-bucket", Key: "backup.tar", UploadID: up.UploadID}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("part %d: %d bytes\n", p.PartNumber, p.Size)
	}
	if _, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: "example-bucket", Key: "backup.tar", UploadID: up.UploadID, Parts: parts}); err != nil {
		fmt.Println(err)
		return
	}
	head, _ := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: "example-bucket", Key: "backup.tar"})
	fmt.Println(head.ContentLength == file.Size(), head.ContentType)
	// Output:
	// part 0: 4194304 bytes
	// part 1: 2097146 bytes
	// true application/x-tar
}
