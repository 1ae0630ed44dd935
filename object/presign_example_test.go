package object_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// A presigned GET is a plain URL: any HTTP client can download the object
// with it, without credentials, until it expires.
func ExampleClient_PresignGet() {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "example-bucket"})
	objects := object.NewClient(c)
	objects.Put(ctx, &object.PutInput{Bucket: "example-bucket", Key: "reports/q1.txt", Body: strings.NewReader("revenue up")})

	get, err := objects.PresignGet(ctx, &object.GetInput{
		Bucket: "example-bucket", Key: "reports/q1.txt",
		Override: object.ResponseHeaders{ContentDisposition: `attachment; filename="q1.txt"`},
	}, 15*time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.Get(get.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	fmt.Println(resp.Header.Get("Content-Disposition"))
	// Output:
	// 200 revenue up
	// attachment; filename="q1.txt"
}

// A presigned PUT lets someone else upload: they send the body with the
// headers the URL was signed with.
func ExampleClient_PresignPut() {
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "example-bucket"})
	objects := object.NewClient(c)

	put, err := objects.PresignPut(ctx, &object.PutInput{Bucket: "example-bucket", Key: "inbox/photo.png", ContentType: "image/png"}, time.Hour)
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("PNG..."))
	for name, values := range put.Header {
		req.Header[name] = values
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	head, _ := objects.Head(ctx, &object.HeadInput{Bucket: "example-bucket", Key: "inbox/photo.png"})
	fmt.Println(resp.StatusCode, head.ContentType, head.ContentLength)
	// Output: 201 image/png 6
}
