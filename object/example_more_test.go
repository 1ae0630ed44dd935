package object_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// Append builds an object piece by piece on COS (and QingStor); each call
// passes the position the previous one returned. Other dialects refuse
// Append with client.ErrNotSupported.
func ExampleClient_Append() {
	srv := storagetest.NewServer(client.COS)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "logs-1250000000"})
	objects := object.NewClient(c)

	pos := int64(0)
	for _, line := range []string{"started\n", "working\n", "done\n"} {
		out, err := objects.Append(ctx, &object.AppendInput{Bucket: "logs-1250000000", Key: "job.log", Position: pos, Body: strings.NewReader(line)})
		if err != nil {
			fmt.Println(err)
			return
		}
		pos = out.NextPosition
	}
	fmt.Println("length", pos)

	_, err := objects.Append(ctx, &object.AppendInput{Bucket: "logs-1250000000", Key: "job.log", Position: 3, Body: strings.NewReader("late\n")})
	fmt.Println("stale position:", errors.Is(err, object.ErrPositionMismatch))
	// Output:
	// length 21
	// stale position: true
}

// A body of unknown length (a pipe, a network stream) is read one part at
// a time: a short one is sent in a single request, a long one as a
// multipart upload, with memory bounded by the part size.
func ExampleClient_Put_stream() {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "streams"})

	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 2; i++ {
			fmt.Fprintf(pw, "%s", strings.Repeat("x", 3<<20)) // 6 MiB in all
		}
		pw.Close()
	}()
	out, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "streams", Key: "piped", Body: pr, PartSize: 5 << 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("multipart:", out.UploadID != "")
	// Output: multipart: true
}

// DeleteObjects deletes any number of keys, in as few requests as the
// dialect allows; keys it could not delete are reported one by one.
func ExampleClient_DeleteObjects() {
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "cleanup"})
	objects := object.NewClient(c)

	var ids []object.ObjectID
	for i := 0; i < 1500; i++ {
		key := fmt.Sprintf("tmp/%04d", i)
		if i < 3 {
			objects.Put(ctx, &object.PutInput{Bucket: "cleanup", Key: key, Body: strings.NewReader("x")})
		}
		ids = append(ids, object.ObjectID{Key: key})
	}
	out, err := objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: "cleanup", Objects: ids})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(out.Deleted), "deleted in", len(out.RequestIDs), "requests,", len(out.Errors), "errors")
	// Output: 1500 deleted in 2 requests, 0 errors
}
