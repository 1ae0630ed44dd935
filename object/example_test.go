package object_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

func Example() {
	srv := storagetest.NewServer(client.COS)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()

	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "examplebucket-1250000000"})
	objects := object.NewClient(c)
	_, err := objects.Put(ctx, &object.PutInput{
		Bucket: "examplebucket-1250000000", Key: "notes/today.txt",
		Body: strings.NewReader("buy milk"), ContentType: "text/plain",
		Metadata: map[string]string{"author": "me"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := objects.Get(ctx, &object.GetInput{Bucket: "examplebucket-1250000000", Key: "notes/today.txt", Offset: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Body.Close()
	body, _ := io.ReadAll(out.Body)
	fmt.Printf("%s (%s, author %s)\n", body, out.ContentType, out.Metadata["author"])
	// Output: milk (text/plain, author me)
}
