package conformance

import (
	"context"
	"testing"

	"github.com/polystore/polystore/bucket"
)

// createBucket makes a fresh bucket for a behaviour.
func createBucket(t *testing.T, e *Env) string {
	t.Helper()
	name := e.BucketName("conf")
	if _, err := bucket.NewClient(e.Client).Create(context.Background(), &bucket.CreateInput{Bucket: name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// bucketBehaviours are the bucket and service behaviours (owned by the
// bucket package's author).
func bucketBehaviours() []Behaviour { return nil }
