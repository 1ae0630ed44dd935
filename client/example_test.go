package client_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// A client for an S3-compatible server at a custom endpoint, here an
// embedded storagetest server.
func ExampleNew() {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()

	c, err := client.New(client.S3,
		client.WithEndpoint(srv.URL),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""),
		client.WithMaxAttempts(5),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Dialect().Name, c.Options().Region, c.Options().Retry.MaxAttempts)
	// Output: s3 us-east-1 5
}

// Errors match a kind whatever the dialect calls them.
func ExampleResponseError() {
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, _ := srv.Client()

	_, err := object.NewClient(c).Head(context.Background(), &object.HeadInput{Bucket: "no-such-bucket", Key: "k"})
	var re *client.ResponseError
	if errors.As(err, &re) {
		fmt.Println(errors.Is(err, client.ErrNotFound), re.StatusCode, re.Code == "")
	}
	// Output: true 404 true
}

// Bad input is refused before any request, naming the field.
func ExampleInvalidArgumentError() {
	c, _ := client.New(client.COS, client.WithRegion("ap-guangzhou"), client.WithStaticCredentials("id", "key", ""))
	_, err := object.NewClient(c).Get(context.Background(), &object.GetInput{Bucket: "examplebucket", Key: "k"})
	var ia *client.InvalidArgumentError
	if errors.As(err, &ia) {
		fmt.Println(ia.Field, errors.Is(err, client.ErrInvalidArgument))
	}
	// Output: Bucket true
}
