package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/polystore/polystore/bucket"
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

// A server whose certificate a private authority signed (a self-hosted
// MinIO or Ceph, here storagetest behind httptest's TLS server): the
// client's own transport trusts the authority through WithTLSConfig.
func ExampleWithTLSConfig() {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()

	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate()) // in production: roots.AppendCertsFromPEM(the CA's PEM)
	c, err := client.New(client.S3,
		client.WithEndpoint(ts.URL),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""),
		client.WithTLSConfig(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "example"}); err != nil {
		fmt.Println(err)
		return
	}
	out, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "example", Key: "hello.txt", Body: strings.NewReader("hello"), Size: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stored over https, verified by", out.Verified)
	// Output: stored over https, verified by crc32c
}
