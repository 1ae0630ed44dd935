package object_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// TestBadInputSendsNothing checks that invalid input is refused with an
// *InvalidArgumentError naming the field, and that the server sees no
// request at all.
func TestBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			objects, buckets := object.NewClient(c), bucket.NewClient(c)
			good := bucketFor(d, "valid-bucket")
			cases := []struct {
				name  string
				field string
				call  func() error
			}{
				{"empty bucket", "Bucket", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Key: "k"})
					return err
				}},
				{"invalid bucket", "Bucket", func() error {
					_, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: "Invalid_Bucket!"})
					return err
				}},
				{"empty key", "Key", func() error {
					_, err := objects.Get(ctx, &object.GetInput{Bucket: good})
					return err
				}},
				{"key too long", "Key", func() error {
					_, err := objects.Head(ctx, &object.HeadInput{Bucket: good, Key: strings.Repeat("x", d.Limits.MaxKeyLength+1)})
					return err
				}},
				{"invalid utf-8 key", "Key", func() error {
					_, err := objects.Delete(ctx, &object.DeleteInput{Bucket: good, Key: "a\xff"})
					return err
				}},
				{"metadata too large", "Metadata", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Metadata: map[string]string{"big": strings.Repeat("v", d.Limits.MaxMetadataSize)}})
					return err
				}},
				{"metadata name", "Metadata", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Metadata: map[string]string{"bad name": "v"}})
					return err
				}},
				{"negative size", "Size", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: strings.NewReader("x"), Size: -1})
					return err
				}},
				{"stream without size", "Size", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: io.MultiReader(strings.NewReader("x"))})
					return err
				}},
				{"short content-md5", "ContentMD5", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", ContentMD5: []byte{1, 2}})
					return err
				}},
				{"negative offset", "Offset", func() error {
					_, err := objects.Get(ctx, &object.GetInput{Bucket: good, Key: "k", Offset: -1})
					return err
				}},
				{"per-call bad region", c.Dialect().RegionField, func() error {
					_, err := objects.Head(ctx, &object.HeadInput{Bucket: good, Key: "k"}, client.WithRegion("Not A Region"))
					return err
				}},
			}
			for _, tc := range cases {
				err := tc.call()
				var ia *client.InvalidArgumentError
				if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrInvalidArgument) {
					t.Errorf("%s: err = %v, want an InvalidArgumentError on %s", tc.name, err, tc.field)
				}
			}
			if reqs := srv.Requests(); len(reqs) != 0 {
				t.Errorf("bad input reached the server: %d requests, first %+v", len(reqs), reqs[0])
			}
		})
	}
}

// TestMissingCredentialsSendsNothing: with no keys in the environment, the
// first call fails with an error naming Credentials, and nothing is sent.
func TestMissingCredentialsSendsNothing(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			for _, v := range append(append(append([]string{}, d.CredentialEnv.AccessKeyVars...), d.CredentialEnv.SecretVars...), d.CredentialEnv.TokenVars...) {
				t.Setenv(v, "")
			}
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := client.New(d, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = object.NewClient(c).Head(context.Background(), &object.HeadInput{Bucket: bucketFor(d, "valid-bucket"), Key: "k"})
			var ia *client.InvalidArgumentError
			if !errors.As(err, &ia) || ia.Field != "Credentials" || !errors.Is(err, signer.ErrNoCredentials) {
				t.Fatalf("err = %v, want an InvalidArgumentError on Credentials matching signer.ErrNoCredentials", err)
			}
			if !strings.Contains(err.Error(), d.CredentialEnv.AccessKeyVars[0]) {
				t.Errorf("error does not name the environment variables: %v", err)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests reached the server", n)
			}
		})
	}
}
