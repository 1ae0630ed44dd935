package object_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// PresignPost signs an HTML form that uploads straight to S3: the page
// needs the URL and the fields, never the credentials. The policy lets
// the browser choose the file name under uploads/, for an hour, images of
// at most 10 MiB.
func ExampleClient_PresignPost() {
	signedAt := time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)
	c, err := client.New(client.S3,
		client.WithRegion("eu-west-1"),
		client.WithStaticCredentials("AKIDEXAMPLE", "secret", ""),
		client.WithClock(func() time.Time { return signedAt }))
	if err != nil {
		fmt.Println(err)
		return
	}
	form, err := object.NewClient(c).PresignPost(context.Background(), &object.PostPolicy{
		Bucket:            "example-bucket",
		KeyPrefix:         "uploads/",
		Expires:           time.Hour,
		ContentTypePrefix: "image/",
		ContentLengthMax:  10 << 20,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("POST", form.URL)
	fields := slices.Clone(form.Fields)
	slices.SortFunc(fields, func(a, b object.FormField) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range fields {
		switch f.Name {
		case "policy", "x-amz-signature":
			fmt.Printf("%s: (signed)\n", f.Name)
		default:
			fmt.Printf("%s: %s\n", f.Name, f.Value)
		}
	}
	fmt.Println(form.FileField, "last; expires", form.Expires.Format(time.RFC3339), "; answers", form.SuccessStatus)
	// Output:
	// POST https://example-bucket.s3.eu-west-1.amazonaws.com/
	// key: uploads/${filename}
	// policy: (signed)
	// x-amz-algorithm: AWS4-HMAC-SHA256
	// x-amz-credential: AKIDEXAMPLE/20260501/eu-west-1/s3/aws4_request
	// x-amz-date: 20260501T093000Z
	// x-amz-signature: (signed)
	// file last; expires 2026-05-01T10:30:00Z ; answers 204
}

// A form upload as a browser sends it, here with net/http and
// mime/multipart against storagetest's COS dialect.
func ExampleClient_PresignPost_upload() {
	srv := storagetest.NewServer(client.COS)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "examplebucket-1250000000"})
	objects := object.NewClient(c)

	form, err := objects.PresignPost(ctx, &object.PostPolicy{
		Bucket: "examplebucket-1250000000", KeyPrefix: "avatars/", Expires: 10 * time.Minute,
		ContentType: "image/png", ContentLengthMax: 1 << 20,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range form.Fields {
		mw.WriteField(f.Name, f.Value)
	}
	file, _ := mw.CreateFormFile(form.FileField, "me.png")
	file.Write([]byte("PNG image bytes"))
	mw.Close()
	resp, err := http.Post(form.URL, mw.FormDataContentType(), &body)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	out, err := objects.Get(ctx, &object.GetInput{Bucket: "examplebucket-1250000000", Key: "avatars/me.png"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Body.Close()
	stored, _ := io.ReadAll(out.Body)
	fmt.Println(resp.StatusCode, out.ContentType, string(stored))
	// Output: 204 image/png PNG image bytes
}
