package storagetest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

const testVault = "crn:v1:bluemix:public:cloud-object-storage:global:a1:b2:backup-vault:v"

// backupRoundTrip creates, reads and deletes a backup policy of bkt
// through c, and returns the paths the server saw.
func backupRoundTrip(t *testing.T, srv *storagetest.Server, c *client.Client, bkt string) []string {
	t.Helper()
	ctx := context.Background()
	b := bucket.NewClient(c)
	before := len(srv.Requests())
	created, err := b.CreateBackupPolicy(ctx, &bucket.CreateBackupPolicyInput{Bucket: bkt, Name: "nightly", TargetBackupVaultCRN: testVault, DeleteAfterDays: 3})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: bkt, PolicyID: created.Policy.ID})
	if err != nil || got.Policy.Name != "nightly" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if _, err := b.DeleteBackupPolicy(ctx, &bucket.DeleteBackupPolicyInput{Bucket: bkt, PolicyID: created.Policy.ID}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: bkt, PolicyID: created.Policy.ID})
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	var ops []string
	for _, r := range srv.Requests()[before:] {
		ops = append(ops, r.Op+" "+r.Bucket)
	}
	return ops
}

// TestResourceConfigOnServerURL checks that the server's own URL serves
// IBM's backup policies, both at {URL}/v1 (where ClientOptions points)
// and at the bare URL while no bucket is named "buckets", and that
// objects whose paths look like the API's stay objects.
func TestResourceConfigOnServerURL(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.NewServer(client.IBM)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	b := bucket.NewClient(c)
	for _, name := range []string{"src-bucket", "data"} {
		if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: name}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: "src-bucket", Status: bucket.VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	want := []string{"CreateBackupPolicy src-bucket", "GetBackupPolicy src-bucket", "DeleteBackupPolicy src-bucket", "GetBackupPolicy src-bucket"}
	if got := backupRoundTrip(t, srv, c, "src-bucket"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("through ClientOptions: %q", got)
	}

	// A client that knows only the server's URL reaches the API at
	// /buckets/... while no bucket is named "buckets".
	bare, err := client.New(client.IBM, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region()),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := backupRoundTrip(t, srv, bare, "src-bucket"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("through the bare URL: %q", got)
	}

	// Objects named like the API's paths.
	objects := object.NewClient(c)
	put := func(bkt, key string) {
		t.Helper()
		if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: key, Body: strings.NewReader(bkt + "/" + key)}); err != nil {
			t.Fatalf("put %s/%s: %v", bkt, key, err)
		}
	}
	read := func(bkt, key string) {
		t.Helper()
		out, err := objects.Get(ctx, &object.GetInput{Bucket: bkt, Key: key})
		if err != nil {
			t.Fatalf("get %s/%s: %v", bkt, key, err)
		}
		defer out.Body.Close()
		if body, _ := io.ReadAll(out.Body); string(body) != bkt+"/"+key {
			t.Errorf("get %s/%s: %q", bkt, key, body)
		}
	}
	put("data", "buckets/src-bucket/backup_policies")
	read("data", "buckets/src-bucket/backup_policies")

	// Once a bucket is named "buckets", /buckets/... paths are its
	// objects; the API stays at /v1.
	if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: "buckets"}); err != nil {
		t.Fatal(err)
	}
	put("buckets", "src-bucket/backup_policies")
	read("buckets", "src-bucket/backup_policies")
	if got := backupRoundTrip(t, srv, c, "src-bucket"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("through ClientOptions beside a bucket named buckets: %q", got)
	}
	_, err = bucket.NewClient(bare).ListBackupPolicies(ctx, &bucket.ListBackupPoliciesInput{Bucket: "src-bucket"})
	if err == nil {
		t.Error("the bare URL still reached the API beside a bucket named buckets")
	}
}

// TestResourceConfigOnlyWhereDialectHasIt checks that other dialects
// route /v1/buckets/... and /buckets/... as S3 paths.
func TestResourceConfigOnlyWhereDialectHasIt(t *testing.T) {
	ctx := context.Background()
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "buckets"}); err != nil {
		t.Fatal(err)
	}
	objects := object.NewClient(c)
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: "buckets", Key: "b/backup_policies", Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: "buckets", Key: "b/backup_policies"}); err != nil {
		t.Errorf("head: %v", err)
	}
	for _, r := range srv.Requests() {
		if r.Op == "" || strings.Contains(r.Op, "Backup") {
			t.Errorf("request %s %s/%s served as %q", r.Method, r.Bucket, r.Key, r.Op)
		}
	}
}
