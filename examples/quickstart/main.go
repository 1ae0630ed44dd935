// Command quickstart shows polystore end to end with no account: it starts
// an embedded storagetest server (an in-memory S3 by default), creates a
// bucket, puts an object, lists the bucket, heads and gets the object,
// fetches it again through a presigned URL with plain net/http, deletes
// it, and prints each step.
//
//	go run ./examples/quickstart                  # embedded S3
//	go run ./examples/quickstart -dialect cos     # or qingstor, ibm
//
// To run against a real service instead, set POLYSTORE_ENDPOINT (optional
// for the vendors' own endpoints), POLYSTORE_REGION and POLYSTORE_BUCKET,
// and the dialect's credential variables (see client.S3, client.COS,
// client.QingStor and client.IBM), then pass -real.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

func main() {
	dialectName := flag.String("dialect", "s3", "s3, cos, qingstor or ibm")
	real := flag.Bool("real", false, "use a real service configured by environment variables")
	flag.Parse()
	if err := run(*dialectName, *real, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(dialectName string, real bool, w io.Writer) error {
	d, err := client.LookupDialect(dialectName)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var c *client.Client
	bucketName := defaultBucket(d)
	if real {
		opts := []func(*client.Options){client.WithRegion(os.Getenv("POLYSTORE_REGION"))}
		if ep := os.Getenv("POLYSTORE_ENDPOINT"); ep != "" {
			opts = append(opts, client.WithEndpoint(ep))
		}
		if b := os.Getenv("POLYSTORE_BUCKET"); b != "" {
			bucketName = b
		}
		c, err = client.New(d, opts...)
	} else {
		srv := storagetest.NewServer(d)
		defer srv.Close()
		fmt.Fprintf(w, "started an embedded %s server at %s\n", d.Name, srv.URL)
		c, err = srv.Client()
	}
	if err != nil {
		return err
	}

	buckets, objects := bucket.NewClient(c), object.NewClient(c)
	if _, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: bucketName}); err != nil && !errors.Is(err, client.ErrConflict) {
		return err
	}
	fmt.Fprintf(w, "created bucket %s\n", bucketName)

	content := []byte("hello from polystore\n")
	put, err := objects.Put(ctx, &object.PutInput{
		Bucket: bucketName, Key: "greetings/hello.txt", Body: bytes.NewReader(content),
		ContentType: "text/plain", Metadata: map[string]string{"author": "quickstart"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "put greetings/hello.txt (%d bytes, etag %s)\n", len(content), put.ETag)

	// ListObjects is an iterator: it fetches one page at a time as the
	// loop goes on.
	for obj, err := range buckets.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: bucketName, Prefix: "greetings/"}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "list: %s (%d bytes)\n", obj.Key, obj.Size)
	}

	head, err := objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: "greetings/hello.txt"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "head: %d bytes, %s, metadata author=%s\n", head.ContentLength, head.ContentType, head.Metadata["author"])

	get, err := objects.Get(ctx, &object.GetInput{Bucket: bucketName, Key: "greetings/hello.txt"})
	if err != nil {
		return err
	}
	got, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil {
		return err
	}
	if !bytes.Equal(got, content) {
		return fmt.Errorf("read back %q, want %q", got, content)
	}
	fmt.Fprintf(w, "get: %q\n", got)

	// A presigned URL lets anyone without credentials read the object
	// until it expires: here, plain net/http.
	ps, err := objects.PresignGet(ctx, &object.GetInput{Bucket: bucketName, Key: "greetings/hello.txt"}, 15*time.Minute)
	if err != nil {
		return err
	}
	fetched, err := fetch(ctx, ps)
	if err != nil {
		return err
	}
	if !bytes.Equal(fetched, content) {
		return fmt.Errorf("the presigned URL gave %q, want %q", fetched, content)
	}
	fmt.Fprintf(w, "presign: GET %s\n  fetched with net/http, no credentials: %q\n", ps.URL, fetched)

	if _, err := objects.Delete(ctx, &object.DeleteInput{Bucket: bucketName, Key: "greetings/hello.txt"}); err != nil {
		return err
	}
	_, err = objects.Head(ctx, &object.HeadInput{Bucket: bucketName, Key: "greetings/hello.txt"})
	if !errors.Is(err, client.ErrNotFound) {
		return fmt.Errorf("after delete, head returned %v; want not found", err)
	}
	fmt.Fprintln(w, "deleted greetings/hello.txt (head now reports not found)")

	if !real {
		if _, err := buckets.Delete(ctx, &bucket.DeleteInput{Bucket: bucketName}); err != nil {
			return err
		}
		fmt.Fprintf(w, "deleted bucket %s\n", bucketName)
	}
	fmt.Fprintln(w, "done")
	return nil
}

// fetch sends a presigned request with net/http and returns the body.
func fetch(ctx context.Context, ps *client.PresignedRequest) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, ps.Method, ps.URL, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range ps.Header { // headers that were signed must be sent as they are
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("presigned GET: %s: %s", resp.Status, body)
	}
	return body, nil
}

func defaultBucket(d client.Dialect) string {
	if d.ValidateBucket != nil && d.ValidateBucket("quickstart") != nil {
		return "quickstart-1250000000" // COS buckets carry an APPID
	}
	return "quickstart"
}
