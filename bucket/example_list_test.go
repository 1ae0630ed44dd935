package bucket_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// exampleBucket starts a storagetest server for d with a bucket holding
// keys, and returns a bucket client for it.
func exampleBucket(d client.Dialect, name string, keys ...string) (*bucket.Client, func()) {
	srv := storagetest.NewServer(d)
	c, err := srv.Client()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	buckets := bucket.NewClient(c)
	if _, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: name}); err != nil {
		panic(err)
	}
	for _, k := range keys {
		if _, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: name, Key: k, Body: strings.NewReader(k)}); err != nil {
			panic(err)
		}
	}
	return buckets, srv.Close
}

// List a "directory" level: with a delimiter, keys below it come back as
// common prefixes (IsPrefix), one request per PageSize entries.
func ExampleClient_ListObjects() {
	buckets, done := exampleBucket(client.S3, "photos",
		"2024/jan/a.jpg", "2024/feb/b.jpg", "2024/index.html", "readme.txt")
	defer done()

	ctx := context.Background()
	in := &bucket.ListObjectsInput{Bucket: "photos", Prefix: "2024/", Delimiter: "/", PageSize: 2}
	for obj, err := range buckets.ListObjects(ctx, in) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		if obj.IsPrefix {
			fmt.Println("dir: ", obj.Key)
			continue
		}
		fmt.Println("file:", obj.Key, obj.Size)
	}
	// Output:
	// dir:  2024/feb/
	// file: 2024/index.html 15
	// dir:  2024/jan/
}

// Read a listing one page at a time and resume it later from NextToken,
// here on QingStor, whose pages are marked with next_marker and has_more.
func ExampleClient_ListObjectsPage() {
	buckets, done := exampleBucket(client.QingStor, "my-logs", "a.log", "b.log", "c.log")
	defer done()

	ctx := context.Background()
	in := &bucket.ListObjectsInput{Bucket: "my-logs", PageSize: 2}
	for {
		page, err := buckets.ListObjectsPage(ctx, in)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		for _, obj := range page.Objects {
			fmt.Print(obj.Key, " ")
		}
		fmt.Println("| more:", page.IsTruncated)
		if !page.IsTruncated {
			break
		}
		in.ContinuationToken = page.NextToken // save it to resume later
	}
	// Output:
	// a.log b.log | more: true
	// c.log | more: false
}

func ExampleClient_PutVersioning() {
	buckets, done := exampleBucket(client.S3, "versioned")
	defer done()

	ctx := context.Background()
	st, _ := buckets.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: "versioned"})
	fmt.Printf("new bucket: %q\n", st.Status)
	if _, err := buckets.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: "versioned", Status: bucket.VersioningEnabled}); err != nil {
		fmt.Println("error:", err)
		return
	}
	st, _ = buckets.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: "versioned"})
	fmt.Println("now:", st.Status)
	// Output:
	// new bucket: ""
	// now: Enabled
}

func ExampleClient_PutCORS() {
	buckets, done := exampleBucket(client.COS, "site-1250000000")
	defer done()

	ctx := context.Background()
	_, err := buckets.PutCORS(ctx, &bucket.PutCORSInput{Bucket: "site-1250000000", Rules: []bucket.CORSRule{{
		AllowedOrigins: []string{"https://www.example.com"},
		AllowedMethods: []string{"GET", "HEAD"},
		MaxAgeSeconds:  3600,
	}}})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	out, _ := buckets.GetCORS(ctx, &bucket.GetCORSInput{Bucket: "site-1250000000"})
	fmt.Println(out.Rules[0].AllowedOrigins, out.Rules[0].AllowedMethods, out.Rules[0].MaxAgeSeconds)

	_, _ = buckets.DeleteCORS(ctx, &bucket.DeleteCORSInput{Bucket: "site-1250000000"})
	_, err = buckets.GetCORS(ctx, &bucket.GetCORSInput{Bucket: "site-1250000000"})
	fmt.Println("after delete, not found:", errors.Is(err, client.ErrNotFound))
	// Output:
	// [https://www.example.com] [GET HEAD] 3600
	// after delete, not found: true
}

func ExampleClient_ListBuckets() {
	buckets, done := exampleBucket(client.IBM, "archive")
	defer done()

	ctx := context.Background()
	if _, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: "backups"}); err != nil {
		fmt.Println("error:", err)
		return
	}
	for b, err := range buckets.ListBuckets(ctx, nil) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(b.Name)
	}
	// Output:
	// archive
	// backups
}

// Features a dialect lacks are refused before any request is sent.
func ExampleClient_ListLocations() {
	buckets, done := exampleBucket(client.S3, "any")
	defer done()

	_, err := buckets.ListLocations(context.Background(), nil)
	fmt.Println(errors.Is(err, client.ErrNotSupported))
	fmt.Println(err)
	// Output:
	// true
	// polystore: ListLocations: invalid Dialect: listing the service's locations is not supported by the s3 dialect
}
