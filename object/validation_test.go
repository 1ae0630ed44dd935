package object_test

import (
	"context"
	"errors"
	"io"
	"slices"
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
				{"negative part size", "PartSize", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: io.MultiReader(strings.NewReader("x")), PartSize: -1})
					return err
				}},
				{"storage class", "StorageClass", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", StorageClass: "FROZEN_SOLID"})
					return err
				}},
				{"sse key length", "SSE", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", SSE: &client.SSECustomer{Key: []byte("short")}})
					return err
				}},
				{"delete multiple without keys", "Objects", func() error {
					_, err := objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: good})
					return err
				}},
				{"delete multiple with a bad key", "Objects[1].Key", func() error {
					_, err := objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: good, Objects: []object.ObjectID{{Key: "ok"}, {Key: "a\xff"}}})
					return err
				}},
				{"copy metadata without replace", "MetadataDirective", func() error {
					_, err := objects.Copy(ctx, &object.CopyInput{Bucket: good, Key: "k", SourceBucket: good, SourceKey: "s", Metadata: map[string]string{"a": "b"}})
					return err
				}},
				{"copy source key", "SourceKey", func() error {
					_, err := objects.Copy(ctx, &object.CopyInput{Bucket: good, Key: "k", SourceBucket: good, SourceKey: strings.Repeat("s", d.Limits.MaxKeyLength+1)})
					return err
				}},
				{"copy source bucket", "SourceBucket", func() error {
					_, err := objects.Copy(ctx, &object.CopyInput{Bucket: good, Key: "k", SourceBucket: "Bad_Bucket", SourceKey: "s"})
					return err
				}},
				{"copy metadata directive", "MetadataDirective", func() error {
					_, err := objects.Copy(ctx, &object.CopyInput{Bucket: good, Key: "k", SourceBucket: good, SourceKey: "s", MetadataDirective: "MERGE"})
					return err
				}},
				{"preflight without origin", "Origin", func() error {
					_, err := objects.Options(ctx, &object.OptionsInput{Bucket: good, Key: "k", Method: "GET"})
					return err
				}},
				{"negative length", "Length", func() error {
					_, err := objects.Get(ctx, &object.GetInput{Bucket: good, Key: "k", Length: -1})
					return err
				}},
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
				{"metadata name", "Metadata[bad name]", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Metadata: map[string]string{"bad name": "v"}})
					return err
				}},
				{"negative size", "Size", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: strings.NewReader("x"), Size: -1})
					return err
				}},
				{"size over the single-put limit", "Size", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: io.MultiReader(strings.NewReader("x")), Size: d.Limits.MaxPutSize + 1})
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
			// The default chain reads files under HOME and asks metadata
			// services: keep it off the developer's files and the network.
			t.Setenv("HOME", t.TempDir())
			for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
				"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
				"QINGSTOR_CONFIG_PATH", "TCCLI_PROFILE"} {
				t.Setenv(v, "")
			}
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			t.Setenv("POLYSTORE_CVM_METADATA_DISABLED", "true")
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

// TestUnsupportedSendsNothing checks that features a dialect lacks are
// refused with ErrNotSupported (naming the field) before any request, and
// that the dialects that have them still validate their input.
func TestUnsupportedSendsNothing(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			objects := object.NewClient(c)
			good := bucketFor(d, "valid-bucket")
			cases := []struct {
				name      string
				supported bool
				field     string // field named when unsupported
				call      func() error
			}{
				{"append", d.Has(client.FeatureAppend), "Position", func() error {
					_, err := objects.Append(ctx, &object.AppendInput{Bucket: good, Key: "k", Position: 0, Body: strings.NewReader("x")})
					return err
				}},
				{"move", d.Has(client.FeatureMove), "SourceKey", func() error {
					_, err := objects.Move(ctx, &object.MoveInput{Bucket: good, Key: "k", SourceBucket: good, SourceKey: "s"})
					return err
				}},
				{"fetch", d.Has(client.FeatureFetch), "SourceURL", func() error {
					_, err := objects.Fetch(ctx, &object.FetchInput{Bucket: good, Key: "k", SourceURL: "http://example.com/x"})
					return err
				}},
				{"get acl", len(d.Object.CannedACLs) > 0, "Key", func() error {
					_, err := objects.GetACL(ctx, &object.GetACLInput{Bucket: good, Key: "k"})
					return err
				}},
				{"put with acl", len(d.Object.CannedACLs) > 0, "ACL", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", ACL: client.ACLPrivate})
					return err
				}},
				{"put with grants", len(d.Object.GrantPermissions) > 0, "Grants", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Grants: []client.Grant{{Grantee: client.Grantee{ID: "u"}, Permission: client.PermissionRead}}})
					return err
				}},
				// A dialect without object ACLs refuses PutACL on its ACL
				// field first; one with canned ACLs only, on Grants.
				{"put acl with grants", len(d.Object.GrantPermissions) > 0 || len(d.Object.CannedACLs) == 0, "Grants", func() error {
					_, err := objects.PutACL(ctx, &object.PutACLInput{Bucket: good, Key: "k", Grants: []client.Grant{{Grantee: client.Grantee{ID: "u"}, Permission: client.PermissionRead}}})
					return err
				}},
				{"put with a checksum", d.Has(client.FeatureChecksums), "Checksum", func() error {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: strings.NewReader("x"),
						Checksum: client.ComputeChecksum(client.ChecksumCRC32C, []byte("x"))})
					return err
				}},
				{"head with checksum mode", d.Has(client.FeatureChecksums), "ChecksumMode", func() error {
					_, err := objects.Head(ctx, &object.HeadInput{Bucket: good, Key: "k", ChecksumMode: true})
					return err
				}},
				{"get with checksum mode", d.Has(client.FeatureChecksums), "ChecksumMode", func() error {
					_, err := objects.Get(ctx, &object.GetInput{Bucket: good, Key: "k", ChecksumMode: true})
					return err
				}},
			}
			for _, tc := range cases {
				if tc.supported {
					continue
				}
				err := tc.call()
				var ia *client.InvalidArgumentError
				if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrNotSupported) {
					t.Errorf("%s: err = %v, want ErrNotSupported naming %s", tc.name, err, tc.field)
				}
			}

			// Where supported, bad input is still refused.
			type badCase struct {
				name, field string
				err         error
			}
			var bad []badCase
			if d.Has(client.FeatureAppend) {
				_, err := objects.Append(ctx, &object.AppendInput{Bucket: good, Key: "k", Position: -1, Body: strings.NewReader("x")})
				bad = append(bad, badCase{"negative append position", "Position", err})
			}
			if len(d.Object.CannedACLs) > 0 {
				_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", ACL: "everyone-everything"})
				bad = append(bad, badCase{"unknown canned acl", "ACL", err})
				_, err = objects.PutACL(ctx, &object.PutACLInput{Bucket: good, Key: "k"})
				bad = append(bad, badCase{"put acl without acl", "ACL", err})
				if !slices.Contains(d.Object.CannedACLs, client.ACLPublicReadWrite) {
					_, err = objects.PutACL(ctx, &object.PutACLInput{Bucket: good, Key: "k", ACL: client.ACLPublicReadWrite})
					bad = append(bad, badCase{"put acl public-read-write", "ACL", err})
				}
				if len(d.Object.GrantPermissions) > 0 {
					_, err = objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Grants: []client.Grant{{Grantee: client.Grantee{ID: "u"}, Permission: "OWN"}}})
					bad = append(bad, badCase{"grant permission", "Grants[0].Permission", err})
				}
			}
			if d.Has(client.FeatureChecksums) {
				x := []byte("x")
				sum := client.ComputeChecksum(client.ChecksumSHA1, x)
				for _, tc := range []struct {
					field string
					sum   client.Checksum
				}{
					{"Checksum.Value", client.Checksum{Algorithm: client.ChecksumSHA1, Value: sum.Value[:19]}},
					{"Checksum", client.Checksum{Value: sum.Value}},
					{"Checksum.Algorithm", client.Checksum{Algorithm: 99, Value: sum.Value}},
					{"Checksum.Parts", client.Checksum{Algorithm: client.ChecksumSHA1, Value: sum.Value, Parts: 2}},
				} {
					_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: strings.NewReader("x"), Checksum: tc.sum})
					bad = append(bad, badCase{"bad checksum", tc.field, err})
				}
				// A stream longer than one part goes up in parts: its
				// checksum could not be checked.
				long := io.MultiReader(strings.NewReader(strings.Repeat("x", int(d.Limits.MinPartSize)+1)))
				_, err := objects.Put(ctx, &object.PutInput{Bucket: good, Key: "k", Body: long, PartSize: d.Limits.MinPartSize, Checksum: sum})
				bad = append(bad, badCase{"checksum of a multipart stream", "Checksum", err})
			}
			for _, b := range bad {
				var ia *client.InvalidArgumentError
				if !errors.As(b.err, &ia) || ia.Field != b.field || !errors.Is(b.err, client.ErrInvalidArgument) {
					t.Errorf("%s: err = %v, want an InvalidArgumentError on %s", b.name, b.err, b.field)
				}
			}
			if reqs := srv.Requests(); len(reqs) != 0 {
				t.Errorf("refused calls reached the server: %d requests, first %+v", len(reqs), reqs[0])
			}
		})
	}
}

// countingStream is a plain io.Reader that records how much was read.
type countingStream struct {
	r io.Reader
	n int
}

func (c *countingStream) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestBadOptionLeavesStreamUnread: an unknown-size Put checks per-call
// options before reading the caller's stream.
func TestBadOptionLeavesStreamUnread(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	stream := &countingStream{r: strings.NewReader("not to be read")}
	_, err = object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "valid-bucket", Key: "k", Body: stream},
		client.WithRegion("Not A Region"))
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Region" {
		t.Fatalf("err = %v, want an InvalidArgumentError on Region", err)
	}
	if stream.n != 0 {
		t.Errorf("%d bytes of the stream were read before the options were checked", stream.n)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
