package bucket_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

func Example() {
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	buckets := bucket.NewClient(c)

	_, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: "my-photos"})
	fmt.Println("create:", err)
	_, err = buckets.Create(ctx, &bucket.CreateInput{Bucket: "my-photos"})
	fmt.Println("again, conflict:", errors.Is(err, client.ErrConflict))
	_, err = buckets.Delete(ctx, &bucket.DeleteInput{Bucket: "my-photos"})
	fmt.Println("delete:", err)
	_, err = buckets.Head(ctx, &bucket.HeadInput{Bucket: "my-photos"})
	fmt.Println("gone:", errors.Is(err, client.ErrNotFound))
	// Output:
	// create: <nil>
	// again, conflict: true
	// delete: <nil>
	// gone: true
}
