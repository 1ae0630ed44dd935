package bucket_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fuzzwire"
	"github.com/polystore/polystore/internal/paging"
)

// fakeClients holds one bucket client per dialect over its own in-memory
// wire, built once per process.
var fakeClients = sync.OnceValue(func() map[string]*fakeClient {
	m := map[string]*fakeClient{}
	for _, d := range fuzzwire.Dialects {
		c, w, err := fuzzwire.Client(d)
		if err != nil {
			panic(err) // the dialect table itself is broken
		}
		m[d.Name] = &fakeClient{d: d, w: w, b: bucket.NewClient(c), bucket: validBucket(d)}
	}
	return m
})

type fakeClient struct {
	d      client.Dialect
	w      *fuzzwire.Wire
	b      *bucket.Client
	bucket string
}

// answer makes every request of fc answer 200 with body.
func (fc *fakeClient) answer(body []byte) { fc.w.Set(http.StatusOK, nil, body) }

// configDoc is one bucket configuration: get reads it from the answer,
// put (if the configuration can be written) sends it.
type configDoc struct {
	name string
	get  func(ctx context.Context, fc *fakeClient) (any, error)
	put  func(ctx context.Context, fc *fakeClient, v any) error
	// sample is a configuration put writes on dialects that have it, to
	// make seeds of; a func(client.Dialect) any picks one per dialect.
	sample any
}

func (c *configDoc) sampleFor(d client.Dialect) any {
	if f, ok := c.sample.(func(client.Dialect) any); ok {
		return f(d)
	}
	return c.sample
}

var configDocs = []configDoc{
	{name: "acl",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetACL(ctx, &bucket.GetACLInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Grants, nil
		}},
	{name: "cors",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetCORS(ctx, &bucket.GetCORSInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Rules, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			_, err := fc.b.PutCORS(ctx, &bucket.PutCORSInput{Bucket: fc.bucket, Rules: v.([]bucket.CORSRule)})
			return err
		},
		sample: []bucket.CORSRule{{ID: "r1", AllowedOrigins: []string{"https://a.example"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: 600}}},
	{name: "policy",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetPolicy(ctx, &bucket.GetPolicyInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Policy, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			_, err := fc.b.PutPolicy(ctx, &bucket.PutPolicyInput{Bucket: fc.bucket, Policy: v.(string)})
			return err
		},
		sample: func(d client.Dialect) any {
			if key := d.Bucket.PolicyEmptyKey; key != "" { // QingStor's own policy language
				return `{"` + key + `":[{"id":"allow-get","effect":"allow","user":["*"],"action":["get_object"],"resource":["*"]}]}`
			}
			return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
		}},
	{name: "versioning",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetVersioning(ctx, &bucket.GetVersioningInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Status, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			_, err := fc.b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: fc.bucket, Status: v.(bucket.VersioningStatus)})
			return err
		},
		sample: bucket.VersioningEnabled},
	{name: "location",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetLocation(ctx, &bucket.GetLocationInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Location, nil
		}},
	{name: "lifecycle",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Rules, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			_, err := fc.b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: fc.bucket, Rules: v.([]bucket.LifecycleRule)})
			return err
		},
		sample: []bucket.LifecycleRule{
			{ID: "logs", Status: bucket.LifecycleEnabled, Prefix: "logs/", Expiration: &bucket.LifecycleExpiration{Days: 90}},
			{ID: "ia", Status: bucket.LifecycleDisabled, Prefix: "data/", Transitions: []bucket.LifecycleTransition{{Days: 30, StorageClass: bucket.TransitionStandardIA}}},
			{ID: "abort", Status: bucket.LifecycleEnabled, AbortIncompleteMultipartUpload: &bucket.AbortIncompleteMultipartUpload{DaysAfterInitiation: 3}},
		}},
	{name: "website",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetWebsite(ctx, &bucket.GetWebsiteInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Website, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			ws := v.(bucket.WebsiteConfiguration)
			_, err := fc.b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: fc.bucket, Website: &ws})
			return err
		},
		sample: bucket.WebsiteConfiguration{IndexDocument: "index.html", ErrorDocument: "404.html", RoutingRules: []bucket.RoutingRule{
			{Condition: &bucket.RoutingCondition{HTTPErrorCodeReturnedEquals: 404, KeyPrefixEquals: "a/"},
				Redirect: bucket.RoutingRedirect{HostName: "h", HTTPRedirectCode: 302, Protocol: bucket.WebsiteProtocolHTTPS, ReplaceKeyWith: "x"}}}}},
	{name: "public-access-block",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetPublicAccessBlock(ctx, &bucket.GetPublicAccessBlockInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.PublicAccessBlock, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			pab := v.(bucket.PublicAccessBlock)
			_, err := fc.b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: fc.bucket, PublicAccessBlock: &pab})
			return err
		},
		sample: bucket.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true}},
	{name: "protection",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetProtection(ctx, &bucket.GetProtectionInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Protection, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			p := v.(bucket.ProtectionConfiguration)
			_, err := fc.b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: fc.bucket, Protection: &p})
			return err
		},
		sample: bucket.ProtectionConfiguration{Status: bucket.ProtectionRetention, MinimumRetentionDays: 100, DefaultRetentionDays: 2555, MaximumRetentionDays: 10000}},
	{name: "object-lock",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetObjectLock(ctx, &bucket.GetObjectLockInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.ObjectLock, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			ol := v.(bucket.ObjectLockConfiguration)
			_, err := fc.b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: fc.bucket, ObjectLock: &ol})
			return err
		},
		sample: bucket.ObjectLockConfiguration{DefaultRetention: &bucket.ObjectLockRetention{Mode: bucket.ObjectLockCompliance, Years: 7}}},
	{name: "inventory",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: fc.bucket, ID: "inv-1"})
			if err != nil {
				return nil, err
			}
			return out.Inventory, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			inv := v.(bucket.InventoryConfiguration)
			_, err := fc.b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: fc.bucket, Inventory: &inv})
			return err
		},
		sample: bucket.InventoryConfiguration{ID: "inv-1", Enabled: true, Prefix: "p/", IncludedObjectVersions: bucket.InventoryCurrentVersions,
			Frequency: bucket.InventoryDaily, OptionalFields: []bucket.InventoryField{bucket.InventorySize, bucket.InventoryObjectOwner},
			Destination: bucket.InventoryDestination{Bucket: "reports", Format: bucket.InventoryCSV, Prefix: "inv/"}}},
	{name: "tagging",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetTagging(ctx, &bucket.GetTaggingInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Tags, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			_, err := fc.b.PutTagging(ctx, &bucket.PutTaggingInput{Bucket: fc.bucket, Tags: v.([]bucket.Tag)})
			return err
		},
		sample: []bucket.Tag{{Key: "team", Value: "a&b"}, {Key: "env", Value: "prod"}}},
	{name: "referer",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetReferer(ctx, &bucket.GetRefererInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Referer, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			r := v.(bucket.RefererConfiguration)
			_, err := fc.b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: fc.bucket, Referer: &r})
			return err
		},
		sample: bucket.RefererConfiguration{Enabled: true, Type: bucket.RefererAllowList, Domains: []string{"*.qq.com"}, AllowEmptyReferer: true}},
	{name: "encryption",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetEncryption(ctx, &bucket.GetEncryptionInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Encryption, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			e := v.(bucket.BucketEncryption)
			_, err := fc.b.PutEncryption(ctx, &bucket.PutEncryptionInput{Bucket: fc.bucket, Encryption: &e})
			return err
		},
		sample: bucket.BucketEncryption{Algorithm: bucket.EncryptionAES256}},
	{name: "mirror",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetMirror(ctx, &bucket.GetMirrorInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.SourceSite, nil
		},
		put: func(ctx context.Context, fc *fakeClient, v any) error {
			_, err := fc.b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: fc.bucket, SourceSite: v.(string)})
			return err
		},
		sample: "https://origin.example.com/static"},
	{name: "stats",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetStats(ctx, &bucket.GetStatsInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			out.RequestID = ""
			return *out, nil
		}},
	{name: "backup-policy",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: fc.bucket, PolicyID: "p-1"})
			if err != nil {
				return nil, err
			}
			return out.Policy, nil
		}},
	{name: "backup-policies",
		get: func(ctx context.Context, fc *fakeClient) (any, error) {
			out, err := fc.b.ListBackupPolicies(ctx, &bucket.ListBackupPoliciesInput{Bucket: fc.bucket})
			if err != nil {
				return nil, err
			}
			return out.Policies, nil
		}},
}

func configNames() []string {
	names := make([]string, len(configDocs))
	for i, c := range configDocs {
		names[i] = c.name
	}
	return names
}

// FuzzBucketConfigResponses feeds arbitrary answers to every bucket
// configuration read (GetLifecycle, GetCORS, ...) in every dialect. A read
// must return a value or an error, never panic. Where the configuration
// can be written, what was read is written back (if the write accepts
// it), and reading the written document must give the same value again.
//
// Seeds: testdata/fuzz/FuzzBucketConfigResponses (odd and vendor
// answers), and each configuration's sample as the dialect writes it.
func FuzzBucketConfigResponses(f *testing.F) {
	ctx := context.Background()
	for _, cc := range configDocs {
		if cc.put == nil {
			continue
		}
		seeded := 0
		for _, d := range fuzzwire.DialectNames() {
			fc := fakeClients()[d]
			fc.answer(nil)
			sample := cc.sampleFor(fc.d)
			if err := cc.put(ctx, fc, sample); err != nil {
				// Not every dialect has every configuration, or takes
				// every sample (IBM transitions apply to whole buckets).
				continue
			}
			sent := fc.w.Sent()
			// The sample reads back as itself: the round trip below
			// starts from a working pair of calls.
			fc.answer(sent)
			if got, err := cc.get(ctx, fc); err != nil || !reflect.DeepEqual(got, sample) {
				f.Fatalf("%s %s: the sample was written as %q and reads back as %+v, %v", fc.d.Name, cc.name, sent, got, err)
			}
			f.Add(cc.name, fc.d.Name, sent)
			seeded++
		}
		if seeded == 0 {
			f.Fatalf("%s: no dialect takes the sample", cc.name)
		}
	}
	names, dialects := configNames(), fuzzwire.DialectNames()
	f.Fuzz(func(t *testing.T, name, dialect string, body []byte) {
		name, dialect = fuzzwire.Pick(names, name), fuzzwire.Pick(dialects, dialect)
		var cc configDoc
		for _, c := range configDocs {
			if c.name == name {
				cc = c
			}
		}
		fc := fakeClients()[dialect]
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a safety net, not a measurement
		defer cancel()

		fc.answer(body)
		v, err := cc.get(ctx, fc)
		if err != nil || cc.put == nil {
			return
		}
		fc.answer(nil)
		if err := cc.put(ctx, fc, v); err != nil {
			var ia *client.InvalidArgumentError
			if errors.As(err, &ia) {
				return // the service sent something polystore would not write
			}
			t.Fatalf("%s %s: writing back what was read (%+v): %v", dialect, name, v, err)
		}
		sent := fc.w.Sent()
		fc.answer(sent)
		again, err := cc.get(ctx, fc)
		if err != nil {
			t.Fatalf("%s %s: %+v was written as %q, which reads back as an error: %v", dialect, name, v, sent, err)
		}
		if !reflect.DeepEqual(again, v) {
			t.Fatalf("%s %s: read %+v, wrote %q, read back %+v", dialect, name, v, sent, again)
		}
	})
}

// listingDoc is one listing: page reads one page of the answer, checks
// what it says about where to go next and returns how many entries it
// holds; all ranges over the iterator, naming each entry.
type listingDoc struct {
	name string
	page func(ctx context.Context, fc *fakeClient) (int, error)
	all  func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error]
}

// A read of a hostile answer may fail: the page funcs below report only a
// page that contradicts itself, and no entries for a page that failed.
var listingDocs = []listingDoc{
	{name: "objects-v1",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			return objectsPage(ctx, fc, bucket.ListAPIV1)
		},
		all: func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error] {
			return collect(fc.b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: fc.bucket, API: bucket.ListAPIV1}), objectName)
		}},
	{name: "objects-v2",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			return objectsPage(ctx, fc, bucket.ListAPIV2)
		},
		all: func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error] {
			return collect(fc.b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: fc.bucket, API: bucket.ListAPIV2}), objectName)
		}},
	{name: "versions",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			p, err := fc.b.ListObjectVersionsPage(ctx, &bucket.ListObjectVersionsInput{Bucket: fc.bucket})
			if err != nil {
				return 0, nil
			}
			if !p.IsTruncated && (p.NextKeyMarker != "" || p.NextVersionIDMarker != "") {
				return 0, fmt.Errorf("a last page with markers %q/%q", p.NextKeyMarker, p.NextVersionIDMarker)
			}
			return len(p.Versions) + len(p.CommonPrefixes), nil
		},
		all: func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error] {
			return collect(fc.b.ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: fc.bucket}),
				func(v bucket.ObjectVersion) string { return fmt.Sprint(v.IsPrefix, v.Key, "\x00", v.VersionID) })
		}},
	{name: "uploads",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			p, err := fc.b.ListMultipartUploadsPage(ctx, &bucket.ListMultipartUploadsInput{Bucket: fc.bucket})
			if err != nil {
				return 0, nil
			}
			if !p.IsTruncated && (p.NextKeyMarker != "" || p.NextUploadIDMarker != "") {
				return 0, fmt.Errorf("a last page with markers %q/%q", p.NextKeyMarker, p.NextUploadIDMarker)
			}
			return len(p.Uploads) + len(p.CommonPrefixes), nil
		},
		all: func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error] {
			return collect(fc.b.ListMultipartUploads(ctx, &bucket.ListMultipartUploadsInput{Bucket: fc.bucket}),
				func(u bucket.MultipartUpload) string { return fmt.Sprint(u.IsPrefix, u.Key, "\x00", u.UploadID) })
		}},
	{name: "buckets",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			p, err := fc.b.ListBucketsPage(ctx, &bucket.ListBucketsInput{PageSize: 2})
			if err != nil {
				return 0, nil
			}
			if p.IsTruncated && p.NextToken == "" {
				return 0, errors.New("a truncated page without NextToken")
			}
			return len(p.Buckets), nil
		},
		all: func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error] {
			return collect(fc.b.ListBuckets(ctx, &bucket.ListBucketsInput{PageSize: 2}), func(b bucket.BucketSummary) string { return b.Name })
		}},
	{name: "inventories",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			p, err := fc.b.ListInventoriesPage(ctx, &bucket.ListInventoriesInput{Bucket: fc.bucket})
			if err != nil {
				return 0, nil
			}
			return len(p.Inventories), nil
		},
		all: func(ctx context.Context, fc *fakeClient) iter.Seq2[string, error] {
			return collect(fc.b.ListInventories(ctx, &bucket.ListInventoriesInput{Bucket: fc.bucket}),
				func(inv bucket.InventoryConfiguration) string { return inv.ID })
		}},
	{name: "locations",
		page: func(ctx context.Context, fc *fakeClient) (int, error) {
			out, err := fc.b.ListLocations(ctx, &bucket.ListLocationsInput{})
			if err != nil {
				return 0, nil
			}
			return len(out.Locations), nil
		}},
}

func objectsPage(ctx context.Context, fc *fakeClient, api bucket.ListAPI) (int, error) {
	p, err := fc.b.ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: fc.bucket, API: api})
	if err != nil {
		return 0, nil
	}
	if !p.IsTruncated && p.NextToken != "" {
		return 0, fmt.Errorf("a last page with NextToken %q", p.NextToken)
	}
	return len(p.Objects) + len(p.CommonPrefixes), nil
}

func objectName(o bucket.ObjectSummary) string { return fmt.Sprint(o.IsPrefix, o.Key) }

// FuzzBucketListingResponses feeds arbitrary answers to every bucket
// listing in every dialect. One page must decode to a value or an error,
// and say consistently whether more follow. An iterator over a server
// that gives that same answer to every request must end, after at most
// paging.MaxEmptyPages+1 requests, having yielded no more than the one
// page's entries: every later page is the same page again.
//
// Seeds: testdata/fuzz/FuzzBucketListingResponses.
func FuzzBucketListingResponses(f *testing.F) {
	names := make([]string, len(listingDocs))
	for i, l := range listingDocs {
		names[i] = l.name
	}
	dialects := fuzzwire.DialectNames()
	f.Fuzz(func(t *testing.T, name, dialect string, body []byte) {
		name, dialect = fuzzwire.Pick(names, name), fuzzwire.Pick(dialects, dialect)
		var l listingDoc
		for _, c := range listingDocs {
			if c.name == name {
				l = c
			}
		}
		fc := fakeClients()[dialect]
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a safety net
		defer cancel()
		fc.answer(body)
		n, err := l.page(ctx, fc)
		if err != nil {
			t.Fatalf("%s %s: %v", dialect, name, err)
		}
		if l.all == nil {
			return
		}
		fc.answer(body)
		var got []string
		for v, err := range l.all(ctx, fc) {
			if err != nil {
				break
			}
			got = append(got, v)
		}
		if len(got) > n {
			t.Fatalf("%s %s: the iterator yielded %d entries %q from a server that repeats one page of %d", dialect, name, len(got), got, n)
		}
		if r := fc.w.Requests(); r > paging.MaxEmptyPages+1 {
			t.Fatalf("%s %s: %d requests for a server that always sends the same answer", dialect, name, r)
		}
	})
}
