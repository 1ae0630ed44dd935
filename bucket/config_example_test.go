package bucket_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// A lifecycle round trip: rules put, read back as typed values, removed.
func ExampleClient_PutLifecycle() {
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	buckets := bucket.NewClient(c)
	_, _ = buckets.Create(ctx, &bucket.CreateInput{Bucket: "logs"})

	_, err := buckets.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: "logs", Rules: []bucket.LifecycleRule{
		{ID: "expire-debug", Status: bucket.LifecycleEnabled, Prefix: "debug/",
			Expiration: &bucket.LifecycleExpiration{Days: 7}},
		{ID: "archive", Status: bucket.LifecycleEnabled,
			Transitions: []bucket.LifecycleTransition{{Days: 90, StorageClass: bucket.TransitionGlacier}}},
	}})
	fmt.Println("put:", err)

	out, _ := buckets.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: "logs"})
	for _, r := range out.Rules {
		switch {
		case r.Expiration != nil:
			fmt.Printf("%s: %q expires after %d days\n", r.ID, r.Prefix, r.Expiration.Days)
		case len(r.Transitions) > 0:
			fmt.Printf("%s: moves to %s after %d days\n", r.ID, r.Transitions[0].StorageClass, r.Transitions[0].Days)
		}
	}

	_, err = buckets.DeleteLifecycle(ctx, &bucket.DeleteLifecycleInput{Bucket: "logs"})
	fmt.Println("delete:", err)
	_, err = buckets.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: "logs"})
	fmt.Println("gone:", errors.Is(err, client.ErrNotFound))

	// Refused before anything is sent, naming the field:
	_, err = buckets.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: "logs", Rules: []bucket.LifecycleRule{
		{ID: "never", Status: bucket.LifecycleEnabled, Expiration: &bucket.LifecycleExpiration{}}}})
	fmt.Println(err)
	// Output:
	// put: <nil>
	// expire-debug: "debug/" expires after 7 days
	// archive: moves to GLACIER after 90 days
	// delete: <nil>
	// gone: true
	// polystore: PutBucketLifecycleConfiguration: invalid Rules[0].Expiration: must set exactly one of Days, Date and ExpiredObjectDeleteMarker
}

// Which bucket configurations each dialect has is data in its dialect
// table (client.Dialect.Bucket); operations a dialect lacks fail with
// client.ErrNotSupported before any request.
func Example_configurationSupport() {
	dialects := []client.Dialect{client.QingStor, client.COS, client.S3, client.IBM}
	rows := []struct {
		ops string
		has func(w client.BucketWire) bool
	}{
		{"lifecycle put/get/delete", func(w client.BucketWire) bool { return w.Lifecycle.Supported }},
		{"lifecycle transitions", func(w client.BucketWire) bool { return len(w.Lifecycle.TransitionClasses) > 0 }},
		{"lifecycle noncurrent-version expiration", func(w client.BucketWire) bool { return w.Lifecycle.NoncurrentVersions }},
		{"website put/get/delete", func(w client.BucketWire) bool { return w.Website.Supported }},
		{"public access block put/get/delete", func(w client.BucketWire) bool { return w.PublicAccessBlock.Supported }},
		{"public access block policy flags", func(w client.BucketWire) bool { return w.PublicAccessBlock.PolicyFlags }},
		{"protection (retention) put/get", func(w client.BucketWire) bool { return w.Protection.Supported }},
		{"object lock put/get", func(w client.BucketWire) bool { return w.ObjectLock.Supported }},
		{"inventory put/get/list/delete", func(w client.BucketWire) bool { return w.Inventory.Supported }},
		{"backup policies create/list/get/delete", func(w client.BucketWire) bool { return w.BackupPolicies.Supported }},
		{"external mirror put/get/delete", func(w client.BucketWire) bool { return w.Mirror.Supported }},
		{"bucket statistics get", func(w client.BucketWire) bool { return w.Stats.Subresource != "" }},
		{"tagging put/get/delete", func(w client.BucketWire) bool { return w.Tagging.Supported }},
		{"referer put/get", func(w client.BucketWire) bool { return w.Referer.Supported }},
		{"default encryption put/get/delete", func(w client.BucketWire) bool { return w.Encryption.Supported }},
	}
	fmt.Println("| bucket configuration | QingStor | COS | S3 | IBM |")
	for _, r := range rows {
		cells := []string{r.ops}
		for _, d := range dialects {
			mark := "—"
			if r.has(d.Bucket) {
				mark = "yes"
			}
			cells = append(cells, mark)
		}
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
	// Output:
	// | bucket configuration | QingStor | COS | S3 | IBM |
	// | lifecycle put/get/delete | yes | yes | yes | yes |
	// | lifecycle transitions | yes | yes | yes | yes |
	// | lifecycle noncurrent-version expiration | — | yes | yes | yes |
	// | website put/get/delete | — | — | yes | yes |
	// | public access block put/get/delete | — | — | yes | yes |
	// | public access block policy flags | — | — | yes | — |
	// | protection (retention) put/get | — | — | — | yes |
	// | object lock put/get | — | — | yes | yes |
	// | inventory put/get/list/delete | — | — | yes | yes |
	// | backup policies create/list/get/delete | — | — | — | yes |
	// | external mirror put/get/delete | yes | — | — | — |
	// | bucket statistics get | yes | — | — | — |
	// | tagging put/get/delete | — | yes | yes | — |
	// | referer put/get | — | yes | — | — |
	// | default encryption put/get/delete | — | yes | yes | — |
}
