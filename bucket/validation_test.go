package bucket_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

// countingServer answers every request with 500 and counts them: tests
// that expect input to be refused check the count stays 0.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newClient(t testing.TB, d client.Dialect, endpoint string) *bucket.Client {
	t.Helper()
	c, err := client.New(d, client.WithEndpoint(endpoint), client.WithRegion(regionFor(d)),
		client.WithStaticCredentials("AKID", "SECRET", ""), client.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return bucket.NewClient(c)
}

func regionFor(d client.Dialect) string {
	if d.DefaultRegion != "" {
		return d.DefaultRegion
	}
	return "ap-beijing"
}

// validBucket returns a bucket name every rule of d accepts.
func validBucket(d client.Dialect) string {
	if d.ValidateBucket != nil && d.ValidateBucket("photos-2024") != nil {
		return "photos-1250000000"
	}
	return "photos-2024"
}

var allDialects = []client.Dialect{client.S3, client.IBM, client.COS, client.QingStor}

// drain runs an iterator to its first error.
func drain[T any](seq func(func(T, error) bool)) error {
	var first error
	seq(func(_ T, err error) bool {
		first = err
		return err == nil
	})
	return first
}

func TestBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, hits := countingServer(t)
			b := newClient(t, d, srv.URL)
			name := validBucket(d)
			policyField := "Policy"
			if !d.Bucket.Policy.Supported {
				policyField = "Dialect" // refused before the document is read
			}
			cases := []struct {
				name  string
				field string
				call  func() error
			}{
				{"create empty bucket", "Bucket", func() error { _, err := b.Create(ctx, &bucket.CreateInput{}); return err }},
				{"create bad class", "StorageClass", func() error {
					_, err := b.Create(ctx, &bucket.CreateInput{Bucket: name, StorageClass: "platinum"})
					return err
				}},
				{"create bad CRN", "KeyProtect", func() error {
					_, err := b.Create(ctx, &bucket.CreateInput{Bucket: name, KeyProtect: &bucket.KeyProtect{RootKeyCRN: "nope"}})
					return err
				}},
				{"head bad name", "Bucket", func() error { _, err := b.Head(ctx, &bucket.HeadInput{Bucket: "A"}); return err }},
				{"delete nil", "Bucket", func() error { _, err := b.Delete(ctx, nil); return err }},
				{"list negative page", "PageSize", func() error {
					_, err := b.ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: name, PageSize: -1})
					return err
				}},
				{"list iterator bad bucket", "Bucket", func() error {
					return drain(b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "UPPER"}))
				}},
				{"list buckets negative page", "PageSize", func() error {
					return drain(b.ListBuckets(ctx, &bucket.ListBucketsInput{PageSize: -5}))
				}},
				{"put acl nothing", "ACL", func() error { _, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name}); return err }},
				{"put acl both", "Grants", func() error {
					_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name, ACL: bucket.ACLPrivate,
						Grants: []bucket.Grant{{Grantee: bucket.Grantee{Group: bucket.GroupAllUsers}, Permission: bucket.PermissionRead}}})
					return err
				}},
				{"put acl unknown canned", "ACL", func() error {
					_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name, ACL: "world-writable"})
					return err
				}},
				{"grant two grantees", "Grants[0].Grantee", func() error {
					_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name,
						Grants: []bucket.Grant{{Grantee: bucket.Grantee{ID: "x", Group: bucket.GroupAllUsers}, Permission: bucket.PermissionRead}}})
					return err
				}},
				{"grant bad permission", "Grants[0].Permission", func() error {
					_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name,
						Grants: []bucket.Grant{{Grantee: bucket.Grantee{ID: "x"}, Permission: "EVERYTHING"}}})
					return err
				}},
				{"cors no rules", "Rules", func() error { _, err := b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: name}); return err }},
				{"cors no origin", "Rules[0].AllowedOrigins", func() error {
					_, err := b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: name, Rules: []bucket.CORSRule{{AllowedMethods: []string{"GET"}}}})
					return err
				}},
				{"cors bad method", "Rules[0].AllowedMethods", func() error {
					_, err := b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: name, Rules: []bucket.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}})
					return err
				}},
				{"policy not json", policyField, func() error {
					_, err := b.PutPolicy(ctx, &bucket.PutPolicyInput{Bucket: name, Policy: "{nope"})
					return err
				}},
				{"policy empty", policyField, func() error { _, err := b.PutPolicy(ctx, &bucket.PutPolicyInput{Bucket: name}); return err }},
				{"versioning unset", "Status", func() error {
					_, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: name})
					return err
				}},
				{"versions id marker alone", "VersionIDMarker", func() error {
					return drain(b.ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: name, VersionIDMarker: "v1"}))
				}},
				{"uploads id marker alone", "UploadIDMarker", func() error {
					return drain(b.ListMultipartUploads(ctx, &bucket.ListMultipartUploadsInput{Bucket: name, UploadIDMarker: "u1"}))
				}},
			}
			for _, tc := range cases {
				err := tc.call()
				var ia *client.InvalidArgumentError
				switch {
				case err == nil:
					t.Errorf("%s: no error", tc.name)
				case !errors.As(err, &ia):
					t.Errorf("%s: %v is not an *InvalidArgumentError", tc.name, err)
				case ia.Field != tc.field && !(tc.field == "KeyProtect" && ia.Field == "KeyProtect.RootKeyCRN"):
					t.Errorf("%s: field %q, want %q (%v)", tc.name, ia.Field, tc.field, err)
				case !errors.Is(err, client.ErrInvalidArgument) && !errors.Is(err, client.ErrNotSupported):
					t.Errorf("%s: %v matches neither ErrInvalidArgument nor ErrNotSupported", tc.name, err)
				}
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests reached the server", n)
			}
		})
	}
}

// TestUnsupportedSendsNothing checks that features a dialect lacks are
// refused with ErrNotSupported, before any request.
func TestUnsupportedSendsNothing(t *testing.T) {
	ctx := context.Background()
	type check struct {
		field string
		call  func(b *bucket.Client, name string) error
	}
	v2 := check{"API", func(b *bucket.Client, name string) error {
		_, err := b.ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: name, API: bucket.ListAPIV2})
		return err
	}}
	owner := check{"FetchOwner", func(b *bucket.Client, name string) error {
		_, err := b.ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: name, FetchOwner: true})
		return err
	}}
	class := check{"StorageClass", func(b *bucket.Client, name string) error {
		_, err := b.Create(ctx, &bucket.CreateInput{Bucket: name, StorageClass: bucket.BucketClassVault})
		return err
	}}
	kp := check{"KeyProtect", func(b *bucket.Client, name string) error {
		_, err := b.Create(ctx, &bucket.CreateInput{Bucket: name, KeyProtect: &bucket.KeyProtect{RootKeyCRN: "crn:v1:x"}})
		return err
	}}
	lock := check{"ObjectLock", func(b *bucket.Client, name string) error {
		_, err := b.Create(ctx, &bucket.CreateInput{Bucket: name, ObjectLock: true})
		return err
	}}
	location := check{"Location", func(b *bucket.Client, name string) error {
		_, err := b.Create(ctx, &bucket.CreateInput{Bucket: name, Location: "elsewhere-1"})
		return err
	}}
	locations := check{"Dialect", func(b *bucket.Client, _ string) error {
		_, err := b.ListLocations(ctx, nil)
		return err
	}}
	prefix := check{"Prefix", func(b *bucket.Client, _ string) error {
		return drain(b.ListBuckets(ctx, &bucket.ListBucketsInput{Prefix: "a"}))
	}}
	region := check{"Region", func(b *bucket.Client, _ string) error {
		return drain(b.ListBuckets(ctx, &bucket.ListBucketsInput{Region: "us-south"}))
	}}
	corsID := check{"Rules[0].ID", func(b *bucket.Client, name string) error {
		_, err := b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: name, Rules: []bucket.CORSRule{{ID: "r1", AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}})
		return err
	}}
	authRead := check{"ACL", func(b *bucket.Client, name string) error {
		_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name, ACL: bucket.ACLAuthenticatedRead})
		return err
	}}
	readACP := check{"Grants[0].Permission", func(b *bucket.Client, name string) error {
		_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name, Grants: []bucket.Grant{{Grantee: bucket.Grantee{ID: "usr-1"}, Permission: bucket.PermissionReadACP}}})
		return err
	}}
	email := check{"Grants[0].Grantee.Email", func(b *bucket.Client, name string) error {
		_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name, Grants: []bucket.Grant{{Grantee: bucket.Grantee{Email: "a@example.com"}, Permission: bucket.PermissionRead}}})
		return err
	}}
	logGroup := check{"Grants[0].Grantee.Group", func(b *bucket.Client, name string) error {
		_, err := b.PutACL(ctx, &bucket.PutACLInput{Bucket: name, Grants: []bucket.Grant{{Grantee: bucket.Grantee{Group: bucket.GroupLogDelivery}, Permission: bucket.PermissionWrite}}})
		return err
	}}
	policy := check{"Dialect", func(b *bucket.Client, name string) error {
		_, err := b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: name})
		return err
	}}
	want := map[string][]check{
		client.S3.Name:       {class, kp, locations},
		client.IBM.Name:      {locations, region, authRead, policy},
		client.COS.Name:      {v2, class, kp, lock, location, locations, prefix, email, logGroup},
		client.QingStor.Name: {v2, owner, class, kp, lock, location, prefix, corsID, authRead, readACP, email, logGroup},
	}
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, hits := countingServer(t)
			b := newClient(t, d, srv.URL)
			for _, ck := range want[d.Name] {
				err := ck.call(b, validBucket(d))
				var ia *client.InvalidArgumentError
				if !errors.Is(err, client.ErrNotSupported) || !errors.As(err, &ia) || ia.Field != ck.field {
					t.Errorf("%s: got %v, want ErrNotSupported naming the field", ck.field, err)
				}
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests reached the server", n)
			}
		})
	}
}

// TestFeatureGateSendsNothing uses an S3-compatible dialect without
// versioning (a copy of client.S3, the way new vendors are added): the
// versioning operations are refused with ErrNotSupported before any
// request, and v2 listings fall back to v1.
func TestFeatureGateSendsNothing(t *testing.T) {
	ctx := context.Background()
	d := client.S3
	d.Name = "plain-s3"
	d.Features &^= client.FeatureVersioning | client.FeatureListObjectsV2
	srv, hits := countingServer(t)
	b := newClient(t, d, srv.URL)
	calls := map[string]func() error{
		"Status": func() error {
			_, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: "photos", Status: bucket.VersioningEnabled})
			return err
		},
		"Dialect": func() error {
			_, err := b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: "photos"})
			return err
		},
		"API": func() error {
			_, err := b.ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: "photos", API: bucket.ListAPIV2})
			return err
		},
	}
	for field, call := range calls {
		err := call()
		var ia *client.InvalidArgumentError
		if !errors.Is(err, client.ErrNotSupported) || !errors.As(err, &ia) || ia.Field != field {
			t.Errorf("%s: got %v, want ErrNotSupported naming the field", field, err)
		}
	}
	if err := drain(b.ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: "photos"})); !errors.Is(err, client.ErrNotSupported) {
		t.Errorf("ListObjectVersions: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
	// The automatic choice uses v1 when v2 is missing.
	_, _ = b.ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: "photos"})
	if n := hits.Load(); n != 1 {
		t.Errorf("auto listing sent %d requests, want 1", n)
	}
}
