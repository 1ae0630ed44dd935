package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
	"github.com/polystore/polystore/transfer"
)

// newExampleServer starts an in-memory S3 server with a bucket named
// "example".
// holdFirstPart makes the server hold the first UploadPart request for an
// hour (or until the client gives up on it), so a task is certainly still
// running when the example pauses or cancels it.
func holdFirstPart(srv *storagetest.Server) {
	srv.InjectFault(storagetest.Fault{
		Match: func(r *http.Request) bool { return r.Method == http.MethodPut && r.URL.Query().Has("partNumber") },
		Delay: time.Hour,
		Times: 1,
	})
}

func newExampleServer() (*storagetest.Server, *client.Client) {
	srv := storagetest.NewServer(client.S3)
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: "example"}); err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// Upload a file in parts and download it back.
func Example() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()

	dir, _ := os.MkdirTemp("", "transfer-example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "big.txt")
	data := bytes.Repeat([]byte("polystore\n"), 1<<20) // 10 MiB
	if err := os.WriteFile(src, data, 0o644); err != nil {
		log.Fatal(err)
	}

	m, err := transfer.NewFromClient(c, transfer.WithPartSize(5<<20))
	if err != nil {
		log.Fatal(err)
	}
	up, err := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "big.txt", File: src})
	if err != nil {
		log.Fatal(err)
	}
	res, err := up.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded", res.Size, "bytes in", res.Parts, "parts")

	dst := filepath.Join(dir, "copy.txt")
	down, err := m.Download(ctx, &transfer.DownloadInput{Bucket: "example", Key: "big.txt", File: dst})
	if err != nil {
		log.Fatal(err)
	}
	if res, err = down.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	fmt.Println("downloaded", res.Size, "bytes, identical:", bytes.Equal(got, data))
	// Output:
	// uploaded 10485760 bytes in 2 parts
	// downloaded 10485760 bytes, identical: true
}

// Report progress: the listener is called at most once per interval, and
// always once more at the end.
func ExampleListener() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()

	var last transfer.Progress
	m, _ := transfer.NewFromClient(c, transfer.WithPartSize(5<<20),
		transfer.WithListener(transfer.Listener{
			Progress: func(t *transfer.Task, p transfer.Progress) { last = p },
		}))
	data := bytes.Repeat([]byte{'x'}, 12<<20)
	task, _ := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "x", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if _, err := task.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d of %d bytes, %d of %d parts, %.0f%%\n", last.Bytes, last.Total, last.Parts, last.TotalParts, last.Percent)
	// Output:
	// 12582912 of 12582912 bytes, 3 of 3 parts, 100%
}

// Pause a task and resume it: the multipart upload goes on where it
// stopped.
func ExampleTask_Pause() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()

	paused := make(chan struct{})
	m, _ := transfer.NewFromClient(c, transfer.WithPartSize(5<<20),
		transfer.WithListener(transfer.Listener{
			StateChange: func(t *transfer.Task, from, to transfer.State) {
				if to == transfer.StatePaused {
					close(paused)
				}
			},
		}))
	data := bytes.Repeat([]byte{'y'}, 11<<20)
	task, _ := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "y", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	// Pause lets parts in flight finish and starts no new one. (The
	// upload may even finish first: it is small and the server is local.)
	task.Pause()
	select {
	case <-paused:
	case <-task.Done():
	}
	// Resume continues with the same upload id; acknowledged parts are
	// never sent again.
	task.Resume()
	res, err := task.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.State(), res.Size)
	// Output:
	// done 11534336
}

// Cancel a task: its multipart upload is aborted and Wait reports
// context.Canceled.
func ExampleTask_Cancel() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()

	m, _ := transfer.NewFromClient(c, transfer.WithPartSize(5<<20))
	holdFirstPart(srv) // keeps the task running until we cancel it
	data := bytes.Repeat([]byte{'z'}, 11<<20)
	task, _ := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "z", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	task.Cancel()
	_, err := task.Wait(ctx)
	fmt.Println(errors.Is(err, context.Canceled), task.State())
	// Output:
	// true cancelled
}

// Resume uploads after a crash: with a checkpoint directory, an upload
// that was interrupted continues where it stopped when the same file is
// uploaded again to the same key, even by another process.
func ExampleWithCheckpointDir() {
	ctx := context.Background()
	srv, c := newExampleServer()
	defer srv.Close()

	dir, _ := os.MkdirTemp("", "transfer-example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "data.bin")
	os.WriteFile(src, bytes.Repeat([]byte{'c'}, 6<<20), 0o644)

	m, _ := transfer.NewFromClient(c, transfer.WithCheckpointDir(filepath.Join(dir, "checkpoints")))
	task, _ := m.Upload(ctx, &transfer.UploadInput{Bucket: "example", Key: "data.bin", File: src})
	res, err := task.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Size, res.ResumedParts)
	// Output:
	// 6291456 0
}
