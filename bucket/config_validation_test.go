package bucket_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

// configCase is a configuration input the client must refuse, naming
// field, before sending anything.
type configCase struct {
	name  string
	d     client.Dialect
	field string
	kind  error
	call  func(ctx context.Context, b *bucket.Client, bkt string) error
}

func expire(days int) *bucket.LifecycleExpiration { return &bucket.LifecycleExpiration{Days: days} }

func putRules(rules ...bucket.LifecycleRule) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: bkt, Rules: rules})
		return err
	}
}

func lifecycleCases() []configCase {
	on := bucket.LifecycleEnabled
	many := make([]bucket.LifecycleRule, 1001)
	for i := range many {
		many[i] = bucket.LifecycleRule{ID: fmt.Sprint("r", i), Status: on, Expiration: expire(1)}
	}
	glacier := []bucket.LifecycleTransition{{Days: 0, StorageClass: bucket.TransitionGlacier}}
	bad := client.ErrInvalidArgument
	return []configCase{
		{"no rules", client.S3, "Rules", bad, putRules()},
		{"1001 rules", client.IBM, "Rules", bad, putRules(many...)},
		{"101 QingStor rules", client.QingStor, "Rules", bad, putRules(many[:101]...)},
		{"IBM id charset", client.IBM, "Rules[0].ID", bad, putRules(bucket.LifecycleRule{ID: "my rule", Status: on, Expiration: expire(1)})},
		{"id too long", client.S3, "Rules[0].ID", bad, putRules(bucket.LifecycleRule{ID: strings.Repeat("x", 256), Status: on, Expiration: expire(1)})},
		{"QingStor id of 256 characters", client.QingStor, "Rules[0].ID", bad, putRules(bucket.LifecycleRule{ID: strings.Repeat("规", 256), Status: on, Expiration: expire(1)})},
		{"QingStor id required", client.QingStor, "Rules[0].ID", bad, putRules(bucket.LifecycleRule{Status: on, Expiration: expire(1)})},
		{"duplicate ids", client.COS, "Rules[1].ID", bad, putRules(
			bucket.LifecycleRule{ID: "a", Status: on, Expiration: expire(1)}, bucket.LifecycleRule{ID: "a", Status: on, Expiration: expire(2)})},
		{"no status", client.S3, "Rules[0].Status", bad, putRules(bucket.LifecycleRule{ID: "a", Expiration: expire(1)})},
		{"no action", client.S3, "Rules[0]", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on})},
		{"QingStor two actions", client.QingStor, "Rules[0]", client.ErrNotSupported, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Expiration: expire(3), AbortIncompleteMultipartUpload: &bucket.AbortIncompleteMultipartUpload{DaysAfterInitiation: 1}})},
		{"expiration days 0", client.S3, "Rules[0].Expiration", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on, Expiration: expire(0)})},
		{"expiration days negative", client.S3, "Rules[0].Expiration.Days", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on, Expiration: expire(-1)})},
		{"expiration days and date", client.IBM, "Rules[0].Expiration", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Expiration: &bucket.LifecycleExpiration{Days: 1, Date: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}})},
		{"expiration date not midnight", client.S3, "Rules[0].Expiration.Date", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Expiration: &bucket.LifecycleExpiration{Date: time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)}})},
		{"QingStor dates", client.QingStor, "Rules[0].Expiration.Date", client.ErrNotSupported, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Expiration: &bucket.LifecycleExpiration{Date: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}})},
		{"QingStor delete markers", client.QingStor, "Rules[0].Expiration.ExpiredObjectDeleteMarker", client.ErrNotSupported, putRules(
			bucket.LifecycleRule{ID: "a", Status: on, Expiration: &bucket.LifecycleExpiration{ExpiredObjectDeleteMarker: true}})},
		{"IBM transition class", client.IBM, "Rules[0].Transitions[0].StorageClass", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Transitions: []bucket.LifecycleTransition{{Days: 30, StorageClass: bucket.TransitionStandardIA}}})},
		{"IBM transition with a prefix", client.IBM, "Rules[0].Prefix", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on, Prefix: "logs/",
			Transitions: glacier})},
		{"IBM two transitions", client.IBM, "Rules[0].Transitions", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Transitions: append(glacier, bucket.LifecycleTransition{Days: 9, StorageClass: bucket.TransitionAccelerated})})},
		{"transition days and date", client.S3, "Rules[0].Transitions[0]", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Transitions: []bucket.LifecycleTransition{{Days: 1, Date: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), StorageClass: bucket.TransitionGlacier}}})},
		{"transition negative days", client.COS, "Rules[0].Transitions[0].Days", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			Transitions: []bucket.LifecycleTransition{{Days: -1, StorageClass: bucket.TransitionArchive}}})},
		{"noncurrent days 0", client.IBM, "Rules[0].NoncurrentVersionExpiration.NoncurrentDays", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			NoncurrentVersionExpiration: &bucket.NoncurrentVersionExpiration{}})},
		{"QingStor noncurrent", client.QingStor, "Rules[0].NoncurrentVersionExpiration", client.ErrNotSupported, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			NoncurrentVersionExpiration: &bucket.NoncurrentVersionExpiration{NoncurrentDays: 1}})},
		{"abort days 0", client.IBM, "Rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation", bad, putRules(bucket.LifecycleRule{ID: "a", Status: on,
			AbortIncompleteMultipartUpload: &bucket.AbortIncompleteMultipartUpload{}})},
	}
}

func putProtection(lo, def, hi int) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		_, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: bkt, Protection: &bucket.ProtectionConfiguration{
			Status: bucket.ProtectionRetention, MinimumRetentionDays: lo, DefaultRetentionDays: def, MaximumRetentionDays: hi}})
		return err
	}
}

func putLock(r *bucket.ObjectLockRetention) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		_, err := b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: bkt, ObjectLock: &bucket.ObjectLockConfiguration{DefaultRetention: r}})
		return err
	}
}

func putWebsite(ws *bucket.WebsiteConfiguration) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		_, err := b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: bkt, Website: ws})
		return err
	}
}

func putInventory(edit func(*bucket.InventoryConfiguration)) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		inv := bucket.InventoryConfiguration{ID: "inv", IncludedObjectVersions: bucket.InventoryAllVersions, Frequency: bucket.InventoryDaily,
			Destination: bucket.InventoryDestination{Bucket: "crn:reports", Format: bucket.InventoryCSV}}
		edit(&inv)
		_, err := b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: bkt, Inventory: &inv})
		return err
	}
}

func createPolicy(edit func(*bucket.CreateBackupPolicyInput)) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		in := bucket.CreateBackupPolicyInput{Bucket: bkt, Name: "nightly", TargetBackupVaultCRN: "crn:v1:vault", DeleteAfterDays: 1}
		edit(&in)
		_, err := b.CreateBackupPolicy(ctx, &in)
		return err
	}
}

func putTags(tags ...bucket.Tag) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		_, err := b.PutTagging(ctx, &bucket.PutTaggingInput{Bucket: bkt, Tags: tags})
		return err
	}
}

func putEncryption(e *bucket.BucketEncryption) func(context.Context, *bucket.Client, string) error {
	return func(ctx context.Context, b *bucket.Client, bkt string) error {
		_, err := b.PutEncryption(ctx, &bucket.PutEncryptionInput{Bucket: bkt, Encryption: e})
		return err
	}
}

func otherConfigCases() []configCase {
	bad, unsupported := client.ErrInvalidArgument, client.ErrNotSupported
	mode := bucket.ObjectLockCompliance
	routing := func(rr bucket.RoutingRule) *bucket.WebsiteConfiguration {
		return &bucket.WebsiteConfiguration{IndexDocument: "index.html", RoutingRules: []bucket.RoutingRule{rr}}
	}
	return []configCase{
		// IBM protection bounds: 0 to 365243 days, minimum <= default <= maximum.
		{"protection nil", client.IBM, "Protection", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: bkt})
			return err
		}},
		{"protection status", client.IBM, "Protection.Status", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: bkt, Protection: &bucket.ProtectionConfiguration{}})
			return err
		}},
		{"protection minimum negative", client.IBM, "Protection.MinimumRetentionDays", bad, putProtection(-1, 0, 0)},
		{"protection maximum past 365243", client.IBM, "Protection.MaximumRetentionDays", bad, putProtection(0, 0, 365244)},
		{"protection default past 365243", client.IBM, "Protection.DefaultRetentionDays", bad, putProtection(0, 365244, 365243)},
		{"protection minimum over maximum", client.IBM, "Protection.MinimumRetentionDays", bad, putProtection(10, 10, 5)},
		{"protection default under minimum", client.IBM, "Protection.DefaultRetentionDays", bad, putProtection(10, 5, 20)},
		{"protection default over maximum", client.IBM, "Protection.DefaultRetentionDays", bad, putProtection(10, 30, 20)},

		{"object lock nil", client.S3, "ObjectLock", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: bkt})
			return err
		}},
		{"IBM object lock without a rule", client.IBM, "ObjectLock.DefaultRetention", bad, putLock(nil)},
		{"IBM governance", client.IBM, "ObjectLock.DefaultRetention.Mode", bad, putLock(&bucket.ObjectLockRetention{Mode: bucket.ObjectLockGovernance, Days: 1})},
		{"days and years", client.S3, "ObjectLock.DefaultRetention", bad, putLock(&bucket.ObjectLockRetention{Mode: mode, Days: 1, Years: 1})},
		{"neither days nor years", client.IBM, "ObjectLock.DefaultRetention.Days", bad, putLock(&bucket.ObjectLockRetention{Mode: mode})},
		{"negative years", client.S3, "ObjectLock.DefaultRetention.Years", bad, putLock(&bucket.ObjectLockRetention{Mode: mode, Years: -1})},

		{"website nil", client.S3, "Website", bad, putWebsite(nil)},
		{"website nothing", client.IBM, "Website.IndexDocument", bad, putWebsite(&bucket.WebsiteConfiguration{ErrorDocument: "e.html"})},
		{"website redirect and error document", client.S3, "Website.ErrorDocument", bad, putWebsite(&bucket.WebsiteConfiguration{
			ErrorDocument: "e.html", RedirectAllRequestsTo: &bucket.WebsiteRedirectAll{HostName: "example.com"}})},
		{"website redirect and rules", client.IBM, "Website.RoutingRules", bad, putWebsite(&bucket.WebsiteConfiguration{
			RoutingRules: []bucket.RoutingRule{{}}, RedirectAllRequestsTo: &bucket.WebsiteRedirectAll{HostName: "example.com"}})},
		{"website redirect without host", client.S3, "Website.RedirectAllRequestsTo.HostName", bad, putWebsite(&bucket.WebsiteConfiguration{
			RedirectAllRequestsTo: &bucket.WebsiteRedirectAll{Protocol: bucket.WebsiteProtocolHTTPS}})},
		{"website redirect protocol", client.S3, "Website.RedirectAllRequestsTo.Protocol", bad, putWebsite(&bucket.WebsiteConfiguration{
			RedirectAllRequestsTo: &bucket.WebsiteRedirectAll{HostName: "example.com", Protocol: "ftp"}})},
		{"website index with a slash", client.S3, "Website.IndexDocument", bad, putWebsite(&bucket.WebsiteConfiguration{IndexDocument: "a/index.html"})},
		{"routing empty redirect", client.S3, "Website.RoutingRules[0].Redirect", bad, putWebsite(routing(bucket.RoutingRule{}))},
		{"routing empty condition", client.S3, "Website.RoutingRules[0].Condition", bad, putWebsite(routing(bucket.RoutingRule{
			Condition: &bucket.RoutingCondition{}, Redirect: bucket.RoutingRedirect{HostName: "x"}}))},
		{"routing condition code", client.S3, "Website.RoutingRules[0].Condition.HTTPErrorCodeReturnedEquals", bad, putWebsite(routing(bucket.RoutingRule{
			Condition: &bucket.RoutingCondition{HTTPErrorCodeReturnedEquals: 302}, Redirect: bucket.RoutingRedirect{HostName: "x"}}))},
		{"routing redirect code", client.IBM, "Website.RoutingRules[0].Redirect.HTTPRedirectCode", bad, putWebsite(routing(bucket.RoutingRule{
			Redirect: bucket.RoutingRedirect{HostName: "x", HTTPRedirectCode: 200}}))},
		{"routing both replacements", client.S3, "Website.RoutingRules[0].Redirect", bad, putWebsite(routing(bucket.RoutingRule{
			Redirect: bucket.RoutingRedirect{ReplaceKeyPrefixWith: "a/", ReplaceKeyWith: "b"}}))},
		{"routing 51 rules", client.S3, "Website.RoutingRules", bad, putWebsite(&bucket.WebsiteConfiguration{
			IndexDocument: "index.html", RoutingRules: make([]bucket.RoutingRule, 51)})},

		{"public access block nil", client.S3, "PublicAccessBlock", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: bkt})
			return err
		}},
		{"IBM restrict public buckets", client.IBM, "PublicAccessBlock.RestrictPublicBuckets", unsupported, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: bkt, PublicAccessBlock: &bucket.PublicAccessBlock{RestrictPublicBuckets: true}})
			return err
		}},

		{"inventory nil", client.S3, "Inventory", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: bkt})
			return err
		}},
		{"inventory id", client.S3, "Inventory.ID", bad, putInventory(func(i *bucket.InventoryConfiguration) { i.ID = "" })},
		{"inventory versions", client.S3, "Inventory.IncludedObjectVersions", bad, putInventory(func(i *bucket.InventoryConfiguration) { i.IncludedObjectVersions = "" })},
		{"inventory frequency", client.IBM, "Inventory.Frequency", bad, putInventory(func(i *bucket.InventoryConfiguration) { i.Frequency = "Hourly" })},
		{"IBM inventory field", client.IBM, "Inventory.OptionalFields[0]", bad, putInventory(func(i *bucket.InventoryConfiguration) {
			i.OptionalFields = []bucket.InventoryField{"StorageClass"}
		})},
		{"inventory field twice", client.S3, "Inventory.OptionalFields[1]", bad, putInventory(func(i *bucket.InventoryConfiguration) {
			i.OptionalFields = []bucket.InventoryField{bucket.InventorySize, bucket.InventorySize}
		})},
		{"inventory destination", client.S3, "Inventory.Destination.Bucket", bad, putInventory(func(i *bucket.InventoryConfiguration) { i.Destination.Bucket = "" })},
		{"IBM Parquet", client.IBM, "Inventory.Destination.Format", bad, putInventory(func(i *bucket.InventoryConfiguration) { i.Destination.Format = bucket.InventoryParquet })},
		{"get inventory id", client.S3, "ID", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: bkt})
			return err
		}},

		{"backup name", client.IBM, "Name", bad, createPolicy(func(in *bucket.CreateBackupPolicyInput) { in.Name = "" })},
		{"backup name charset", client.IBM, "Name", bad, createPolicy(func(in *bucket.CreateBackupPolicyInput) { in.Name = "a/b" })},
		{"backup vault", client.IBM, "TargetBackupVaultCRN", bad, createPolicy(func(in *bucket.CreateBackupPolicyInput) { in.TargetBackupVaultCRN = "vault" })},
		{"backup retention", client.IBM, "DeleteAfterDays", bad, createPolicy(func(in *bucket.CreateBackupPolicyInput) { in.DeleteAfterDays = 0 })},
		{"backup type", client.IBM, "BackupType", bad, createPolicy(func(in *bucket.CreateBackupPolicyInput) { in.BackupType = "incremental" })},
		{"backup policy id", client.IBM, "PolicyID", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.DeleteBackupPolicy(ctx, &bucket.DeleteBackupPolicyInput{Bucket: bkt, PolicyID: "a/b"})
			return err
		}},

		{"mirror empty", client.QingStor, "SourceSite", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: bkt})
			return err
		}},
		{"mirror no host", client.QingStor, "SourceSite", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: bkt, SourceSite: "https://"})
			return err
		}},
		{"mirror query", client.QingStor, "SourceSite", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: bkt, SourceSite: "https://origin.example.com/?a=1"})
			return err
		}},

		{"no tags", client.S3, "Tags", bad, putTags()},
		{"51 tags", client.COS, "Tags", bad, putTags(tagsN(51)...)},
		{"empty key", client.S3, "Tags[0].Key", bad, putTags(bucket.Tag{Value: "v"})},
		{"long key", client.S3, "Tags[0].Key", bad, putTags(bucket.Tag{Key: strings.Repeat("k", 129)})},
		{"long value", client.COS, "Tags[0].Value", bad, putTags(bucket.Tag{Key: "k", Value: strings.Repeat("v", 257)})},
		{"reserved key", client.S3, "Tags[0].Key", bad, putTags(bucket.Tag{Key: "aws:owner"})},
		{"duplicate key", client.COS, "Tags[1].Key", bad, putTags(bucket.Tag{Key: "k"}, bucket.Tag{Key: "k"})},

		{"referer nil", client.COS, "Referer", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: bkt})
			return err
		}},
		{"referer enabled without domains", client.COS, "Referer.Domains", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: bkt, Referer: &bucket.RefererConfiguration{Enabled: true, Type: bucket.RefererBlockList}})
			return err
		}},
		{"referer blank domain", client.COS, "Referer.Domains[1]", bad, func(ctx context.Context, b *bucket.Client, bkt string) error {
			_, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: bkt, Referer: &bucket.RefererConfiguration{Type: bucket.RefererBlockList, Domains: []string{"a", " "}}})
			return err
		}},

		{"encryption nil", client.S3, "Encryption", bad, putEncryption(nil)},
		{"COS aws:kms", client.COS, "Encryption.Algorithm", bad, putEncryption(&bucket.BucketEncryption{Algorithm: bucket.EncryptionAWSKMS})},
		{"S3 SM4", client.S3, "Encryption.Algorithm", bad, putEncryption(&bucket.BucketEncryption{Algorithm: bucket.EncryptionSM4})},
		{"COS bucket key", client.COS, "Encryption.BucketKeyEnabled", unsupported, putEncryption(&bucket.BucketEncryption{Algorithm: bucket.EncryptionKMS, BucketKeyEnabled: true})},
	}
}

// TestConfigInputRefused checks the bounds, exclusivity and required
// fields of every configuration before any request: the error names the
// field and nothing reaches the server.
func TestConfigInputRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range append(lifecycleCases(), otherConfigCases()...) {
		t.Run(tc.d.Name+"/"+tc.name, func(t *testing.T) {
			srv, hits := countingServer(t)
			err := tc.call(ctx, newClient(t, tc.d, srv.URL), validBucket(tc.d))
			var ia *client.InvalidArgumentError
			if !errors.As(err, &ia) || !errors.Is(err, tc.kind) {
				t.Fatalf("got %v, want an input error matching %v", err, tc.kind)
			}
			if ia.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", ia.Field, tc.field, err)
			}
			if ia.Op == "" {
				t.Errorf("no operation named: %v", err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestConfigBoundsAccepted checks the edges of the bounds are accepted:
// the request is sent.
func TestConfigBoundsAccepted(t *testing.T) {
	ctx := context.Background()
	many := make([]bucket.LifecycleRule, 1000)
	for i := range many {
		many[i] = bucket.LifecycleRule{ID: fmt.Sprint("r", i), Status: bucket.LifecycleEnabled, Expiration: expire(1)}
	}
	for _, tc := range []configCase{
		{"protection 0..365243", client.IBM, "", nil, putProtection(0, 365243, 365243)},
		{"1000 IBM rules", client.IBM, "", nil, putRules(many...)},
		{"IBM id punctuation", client.IBM, "", nil, putRules(bucket.LifecycleRule{ID: "a!_.*'()-z", Status: bucket.LifecycleEnabled, Expiration: expire(1)})},
		{"IBM transition at once", client.IBM, "", nil, putRules(bucket.LifecycleRule{ID: "a", Status: bucket.LifecycleEnabled,
			Transitions: []bucket.LifecycleTransition{{StorageClass: bucket.TransitionAccelerated}}})},
		{"COS reserved-looking tag", client.COS, "", nil, putTags(bucket.Tag{Key: "aws:owner"})},
		{"QingStor id of 255 characters", client.QingStor, "", nil, putRules(bucket.LifecycleRule{ID: strings.Repeat("规", 255), Status: bucket.LifecycleEnabled, Expiration: expire(1)})},
		{"50 tags", client.S3, "", nil, putTags(tagsN(50)...)},
	} {
		t.Run(tc.d.Name+"/"+tc.name, func(t *testing.T) {
			var rec recorder
			if err := tc.call(ctx, newClient(t, tc.d, rec.start(t, nil)), validBucket(tc.d)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// tagsN returns n tags with distinct keys.
func tagsN(n int) []bucket.Tag {
	tags := make([]bucket.Tag, n)
	for i := range tags {
		tags[i] = bucket.Tag{Key: fmt.Sprint("k", i)}
	}
	return tags
}
