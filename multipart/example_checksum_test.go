package multipart_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// A multipart upload with additional checksums (S3's x-amz-checksum-*):
// the server verifies each part against its CRC32C, and the object gets
// the composite checksum of the parts' checksums, which Head reports with
// ChecksumMode.
func Example_checksums() {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "example-bucket"})

	uploads := multipart.NewClient(c)
	up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: "example-bucket", Key: "data.bin", ChecksumAlgorithm: client.ChecksumCRC32C})
	if err != nil {
		fmt.Println(err)
		return
	}
	contents := [][]byte{bytes.Repeat([]byte("p"), 5<<20), []byte("the last part")}
	var parts []multipart.CompletedPart
	var sums []client.Checksum
	for i, data := range contents {
		sum := client.ComputeChecksum(client.ChecksumCRC32C, data)
		out, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{
			Bucket: "example-bucket", Key: "data.bin", UploadID: up.UploadID,
			PartNumber: i + 1, Body: bytes.NewReader(data), Checksum: sum,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		parts = append(parts, multipart.CompletedPart{PartNumber: i + 1, ETag: out.ETag, Checksum: out.Checksum})
		sums = append(sums, sum)
	}
	done, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: "example-bucket", Key: "data.bin", UploadID: up.UploadID, Parts: parts})
	if err != nil {
		fmt.Println(err)
		return
	}
	composite, _ := client.CompositeChecksum(sums)
	fmt.Println(done.Checksum.Algorithm, done.Checksum, done.Checksum.Equal(composite))

	head, _ := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: "example-bucket", Key: "data.bin", ChecksumMode: true})
	fmt.Println(head.Checksum)
	// Output:
	// CRC32C MpbEJQ==-2 true
	// MpbEJQ==-2
}
