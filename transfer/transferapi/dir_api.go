package transferapi

import (
	"context"
	"iter"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/object"
)

// ListAPI is what directory transfers need beyond API: DownloadDir and
// Sync list the objects under a prefix, and Sync with Delete removes
// objects. Client implements it.
type ListAPI interface {
	// ListObjects yields the objects whose keys start with prefix, in
	// key order (no common prefixes).
	ListObjects(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectEntry, error]
	// DeleteObjects deletes the keys. failed holds the keys the service
	// could not delete, with why; err is a failure of the whole call
	// (then no key is known to be deleted).
	DeleteObjects(ctx context.Context, bucket string, keys []string) (failed map[string]error, err error)
}

// ObjectEntry is one object listed by ListAPI.ListObjects.
type ObjectEntry struct {
	Key          string
	Size         int64
	ETag         string // without quotes
	LastModified time.Time
}

var _ ListAPI = (*Client)(nil)

// ListObjects lists with bucket.Client.ListObjects.
func (a *Client) ListObjects(ctx context.Context, bucketName, prefix string) iter.Seq2[ObjectEntry, error] {
	return func(yield func(ObjectEntry, error) bool) {
		for o, err := range a.buckets.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: bucketName, Prefix: prefix}) {
			if err != nil {
				yield(ObjectEntry{}, err)
				return
			}
			if o.IsPrefix {
				continue
			}
			if !yield(ObjectEntry{Key: o.Key, Size: o.Size, ETag: o.ETag, LastModified: o.LastModified}, nil) {
				return
			}
		}
	}
}

// DeleteObjects deletes with object.Client.DeleteObjects (quiet), in
// batches of the dialect's Limits.MaxDeleteKeys.
func (a *Client) DeleteObjects(ctx context.Context, bucketName string, keys []string) (map[string]error, error) {
	ids := make([]object.ObjectID, len(keys))
	for i, k := range keys {
		ids[i] = object.ObjectID{Key: k}
	}
	out, err := a.objects.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: bucketName, Objects: ids, Quiet: true})
	if err != nil {
		return nil, err
	}
	failed := map[string]error{}
	for _, e := range out.Errors {
		failed[e.Key] = e
	}
	return failed, nil
}
