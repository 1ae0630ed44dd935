package transfer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log"

	"github.com/polystore/polystore/transfer"
)

// Stream an object into an io.Writer: ranges are fetched in parallel and
// written in order, with at most PartSize × (PartParallelism+1) bytes in
// memory. The bytes are verified once the last is written.
func ExampleDownloadInput_writer() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()
	m, err := transfer.NewFromClient(c, transfer.WithPartSize(5<<20), transfer.WithPartParallelism(4))
	if err != nil {
		log.Fatal(err)
	}
	data := bytes.Repeat([]byte("polystore\n"), 1<<20) // 10 MiB
	up, err := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "big.txt", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := up.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	h := sha256.New()
	task, err := m.Download(ctx, &transfer.DownloadInput{Bucket: "example", Key: "big.txt", Writer: h})
	if err != nil {
		log.Fatal(err)
	}
	res, err := task.Wait(ctx) // until it returns nil, what h got is unverified
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("streamed", res.Size, "bytes, verified by", res.Verified)
	want := sha256.Sum256(data)
	fmt.Println("identical:", bytes.Equal(h.Sum(nil), want[:]))
	// Output:
	// streamed 10485760 bytes, verified by crc32c-composite
	// identical: true
}

// Read an object as it is fetched ahead in parallel: Read returns io.EOF
// only once every byte has been verified, and the error instead when not.
func ExampleManager_Open() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()
	m, err := transfer.NewFromClient(c, transfer.WithPartSize(5<<20))
	if err != nil {
		log.Fatal(err)
	}
	data := bytes.Repeat([]byte("polystore\n"), 1<<20)
	up, err := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "big.txt", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := up.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	r, err := m.Open(ctx, &transfer.DownloadInput{Bucket: "example", Key: "big.txt"})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close() // stops the workers if the object is not read to its end
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		log.Fatal(err) // a *transfer.TaskError, such as a checksum mismatch
	}
	fmt.Println("read", n, "verified bytes")
	// Output:
	// read 10485760 verified bytes
}
