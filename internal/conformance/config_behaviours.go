package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

// configBehaviours are the bucket configuration behaviours (lifecycle,
// website, public access block, IBM and QingStor extras). Where a
// dialect lacks a configuration (its dialect table says so, in
// client.Dialect.Bucket), the behaviour checks instead that every
// operation of it is refused with client.ErrNotSupported before any
// request. Where it has it, the behaviour checks a put → get round trip
// of the typed structures, that a deleted (or never set) configuration
// reads as client.ErrNotFound, and one refused input per operation.
func configBehaviours() []Behaviour {
	return []Behaviour{
		{Name: "ConfigLifecycle", Run: cfgLifecycle},
		{Name: "ConfigWebsite", Run: cfgWebsite},
		{Name: "ConfigPublicAccessBlock", Run: cfgPublicAccessBlock},
		{Name: "ConfigProtection", Run: cfgProtection},
		{Name: "ConfigObjectLock", Run: cfgObjectLock},
		{Name: "ConfigInventory", Run: cfgInventory},
		{Name: "ConfigBackupPolicies", Run: cfgBackupPolicies},
		{Name: "ConfigMirror", Run: cfgMirror},
		{Name: "ConfigStats", Run: cfgStats},
		{Name: "ConfigTagging", Run: cfgTagging},
		{Name: "ConfigReferer", Run: cfgReferer},
		{Name: "ConfigEncryption", Run: cfgEncryption},
	}
}

// cfgOp is one operation of a configuration, called on a bucket.
type cfgOp struct {
	name string
	call func(ctx context.Context, bkt string) error
}

// cfgSent returns how many requests fn made, when the harness can tell
// (-1 otherwise).
func cfgSent(e *Env, fn func()) int {
	if e.Harness.Observer == nil {
		fn()
		return -1
	}
	before := e.Harness.Observer.RequestCount()
	fn()
	return e.Harness.Observer.RequestCount() - before
}

// cfgUnsupported checks that every operation is refused with
// client.ErrNotSupported and nothing is sent.
func cfgUnsupported(t *testing.T, e *Env, ops []cfgOp) {
	t.Helper()
	ctx := bktCtx(t)
	for _, op := range ops {
		var err error
		if n := cfgSent(e, func() { err = op.call(ctx, e.Bucket) }); n > 0 {
			t.Errorf("%s on %s sent %d requests; want none", op.name, e.Dialect.Name, n)
		}
		if !errors.Is(err, client.ErrNotSupported) {
			t.Errorf("%s on %s: got %v, want an error matching client.ErrNotSupported", op.name, e.Dialect.Name, err)
		}
	}
}

// cfgRefused checks that call fails with an *InvalidArgumentError naming
// field, matching kind, before anything is sent.
func cfgRefused(t *testing.T, e *Env, what, field string, kind error, call func() error) {
	t.Helper()
	var err error
	if n := cfgSent(e, func() { err = call() }); n > 0 {
		t.Errorf("%s sent %d requests; want none", what, n)
	}
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || !errors.Is(err, kind) {
		t.Fatalf("%s: got %v, want an input error matching %v", what, err, kind)
	}
	if ia.Field != field {
		t.Errorf("%s: error names field %q, want %q (%v)", what, ia.Field, field, err)
	}
}

// cfgBadBucket checks each operation's own refusal of a bad bucket name.
func cfgBadBucket(t *testing.T, e *Env, ops []cfgOp) {
	t.Helper()
	ctx := bktCtx(t)
	for _, op := range ops {
		cfgRefused(t, e, op.name+" with a bad bucket name", "Bucket", client.ErrInvalidArgument,
			func() error { return op.call(ctx, "Bad_Bucket") })
	}
}

// cfgSame fails unless got equals want.
func cfgSame(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// cfgLifecycleRules is a configuration every dialect accepts, using what
// its lifecycle wire offers. Without every action, it holds expirations
// only: real servers may lack the others (MinIO refuses
// AbortIncompleteMultipartUpload, and transitions to tiers it was not
// given).
func cfgLifecycleRules(e *Env, every bool) []bucket.LifecycleRule {
	w := e.Dialect.Bucket.Lifecycle
	rules := []bucket.LifecycleRule{
		{ID: "expire-logs", Status: bucket.LifecycleEnabled, Prefix: "logs/", Expiration: &bucket.LifecycleExpiration{Days: 30}},
		{ID: "expire-tmp", Status: bucket.LifecycleDisabled, Prefix: "tmp/", Expiration: &bucket.LifecycleExpiration{Days: 1}},
	}
	if every {
		rules = append(rules, bucket.LifecycleRule{ID: "abort-uploads", Status: bucket.LifecycleEnabled, Prefix: "uploads/",
			AbortIncompleteMultipartUpload: &bucket.AbortIncompleteMultipartUpload{DaysAfterInitiation: 7}})
		if len(w.TransitionClasses) > 0 {
			rules = append(rules, bucket.LifecycleRule{ID: "archive", Status: bucket.LifecycleEnabled,
				Transitions: []bucket.LifecycleTransition{{Days: 30, StorageClass: bucket.TransitionClass(w.TransitionClasses[0])}}})
		}
	}
	if w.NoncurrentVersions {
		rules = append(rules, bucket.LifecycleRule{ID: "old-versions", Status: bucket.LifecycleEnabled, Prefix: "docs/",
			NoncurrentVersionExpiration: &bucket.NoncurrentVersionExpiration{NoncurrentDays: 10}})
	}
	if w.Dates {
		rules = append(rules, bucket.LifecycleRule{ID: "campaign-end", Status: bucket.LifecycleEnabled, Prefix: "campaign/",
			Expiration: &bucket.LifecycleExpiration{Date: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}})
	}
	if w.DeleteMarkers {
		rules = append(rules, bucket.LifecycleRule{ID: "markers", Status: bucket.LifecycleEnabled, Prefix: "versioned/",
			Expiration: &bucket.LifecycleExpiration{ExpiredObjectDeleteMarker: true}})
	}
	return rules
}

func cfgLifecycle(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutLifecycle", func(ctx context.Context, bkt string) error {
			_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: bkt, Rules: []bucket.LifecycleRule{
				{ID: "r", Status: bucket.LifecycleEnabled, Expiration: &bucket.LifecycleExpiration{Days: 1}}}})
			return err
		}},
		{"GetLifecycle", func(ctx context.Context, bkt string) error {
			_, err := b.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: bkt})
			return err
		}},
		{"DeleteLifecycle", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteLifecycle(ctx, &bucket.DeleteLifecycleInput{Bucket: bkt})
			return err
		}},
	}
	if !e.Dialect.Bucket.Lifecycle.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: e.Bucket})
	bktServerGap(t, e, "bucket lifecycle", err)
	bktWant(t, "get before put", err, client.ErrNotFound)

	rules := cfgLifecycleRules(e, true)
	_, err = b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: e.Bucket, Rules: rules})
	if err != nil && e.Harness.Observer == nil && errors.Is(err, client.ErrInvalidArgument) {
		t.Logf("%s refused aborts or transitions (%v); checking expirations only", e.Harness.Name, err)
		rules = cfgLifecycleRules(e, false)
		_, err = b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: e.Bucket, Rules: rules})
	}
	require.NoError(t, err, "put %+v", rules)
	out, err := b.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	cfgSame(t, "lifecycle rules read back", out.Rules, rules)

	if _, err := b.DeleteLifecycle(ctx, &bucket.DeleteLifecycleInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "PutLifecycle with an expiration of neither days nor a date", "Rules[0].Expiration", client.ErrInvalidArgument, func() error {
		_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: e.Bucket, Rules: []bucket.LifecycleRule{
			{ID: "empty", Status: bucket.LifecycleEnabled, Expiration: &bucket.LifecycleExpiration{}}}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

func cfgWebsite(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutWebsite", func(ctx context.Context, bkt string) error {
			_, err := b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: bkt, Website: &bucket.WebsiteConfiguration{IndexDocument: "index.html"}})
			return err
		}},
		{"GetWebsite", func(ctx context.Context, bkt string) error {
			_, err := b.GetWebsite(ctx, &bucket.GetWebsiteInput{Bucket: bkt})
			return err
		}},
		{"DeleteWebsite", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteWebsite(ctx, &bucket.DeleteWebsiteInput{Bucket: bkt})
			return err
		}},
	}
	if !e.Dialect.Bucket.Website.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetWebsite(ctx, &bucket.GetWebsiteInput{Bucket: e.Bucket})
	bktServerGap(t, e, "bucket websites", err)
	bktWant(t, "get before put", err, client.ErrNotFound)

	for _, ws := range []bucket.WebsiteConfiguration{
		{IndexDocument: "index.html", ErrorDocument: "errors/404.html", RoutingRules: []bucket.RoutingRule{
			{Condition: &bucket.RoutingCondition{KeyPrefixEquals: "docs/"},
				Redirect: bucket.RoutingRedirect{ReplaceKeyPrefixWith: "documents/", HTTPRedirectCode: 301}},
			{Condition: &bucket.RoutingCondition{HTTPErrorCodeReturnedEquals: 404},
				Redirect: bucket.RoutingRedirect{HostName: "www.example.com", Protocol: bucket.WebsiteProtocolHTTPS, ReplaceKeyWith: "missing.html"}},
		}},
		{RedirectAllRequestsTo: &bucket.WebsiteRedirectAll{HostName: "www.example.com", Protocol: bucket.WebsiteProtocolHTTPS}},
	} {
		if _, err := b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: e.Bucket, Website: &ws}); err != nil {
			t.Fatalf("put %+v: %v", ws, err)
		}
		out, err := b.GetWebsite(ctx, &bucket.GetWebsiteInput{Bucket: e.Bucket})
		require.NoError(t, err, "get")
		cfgSame(t, "website read back", out.Website, ws)
	}
	if _, err := b.DeleteWebsite(ctx, &bucket.DeleteWebsiteInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetWebsite(ctx, &bucket.GetWebsiteInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "PutWebsite with RedirectAllRequestsTo and an index document", "Website.IndexDocument", client.ErrInvalidArgument, func() error {
		_, err := b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: e.Bucket, Website: &bucket.WebsiteConfiguration{
			IndexDocument: "index.html", RedirectAllRequestsTo: &bucket.WebsiteRedirectAll{HostName: "example.com"}}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

func cfgPublicAccessBlock(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutPublicAccessBlock", func(ctx context.Context, bkt string) error {
			_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: bkt, PublicAccessBlock: &bucket.PublicAccessBlock{BlockPublicAcls: true}})
			return err
		}},
		{"GetPublicAccessBlock", func(ctx context.Context, bkt string) error {
			_, err := b.GetPublicAccessBlock(ctx, &bucket.GetPublicAccessBlockInput{Bucket: bkt})
			return err
		}},
		{"DeletePublicAccessBlock", func(ctx context.Context, bkt string) error {
			_, err := b.DeletePublicAccessBlock(ctx, &bucket.DeletePublicAccessBlockInput{Bucket: bkt})
			return err
		}},
	}
	w := e.Dialect.Bucket.PublicAccessBlock
	if !w.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetPublicAccessBlock(ctx, &bucket.GetPublicAccessBlockInput{Bucket: e.Bucket})
	bktServerGap(t, e, "public access blocks", err)
	bktWant(t, "get before put", err, client.ErrNotFound)

	pab := bucket.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: w.PolicyFlags}
	if _, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: e.Bucket, PublicAccessBlock: &pab}); err != nil {
		t.Fatalf("put: %v", err)
	}
	out, err := b.GetPublicAccessBlock(ctx, &bucket.GetPublicAccessBlockInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	cfgSame(t, "public access block read back", out.PublicAccessBlock, pab)
	if _, err := b.DeletePublicAccessBlock(ctx, &bucket.DeletePublicAccessBlockInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetPublicAccessBlock(ctx, &bucket.GetPublicAccessBlockInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "PutPublicAccessBlock without a configuration", "PublicAccessBlock", client.ErrInvalidArgument, func() error {
		_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: e.Bucket})
		return err
	})
	if !w.PolicyFlags {
		cfgRefused(t, e, "PutPublicAccessBlock with a policy flag", "PublicAccessBlock.BlockPublicPolicy", client.ErrNotSupported, func() error {
			_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: e.Bucket, PublicAccessBlock: &bucket.PublicAccessBlock{BlockPublicPolicy: true}})
			return err
		})
	}
	cfgBadBucket(t, e, ops[1:])
}

// cfgProtection has no delete: an IBM protection configuration cannot be
// removed, so the behaviour checks that a bucket that never had one reads
// as not found.
func cfgProtection(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutProtection", func(ctx context.Context, bkt string) error {
			_, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: bkt, Protection: &bucket.ProtectionConfiguration{
				Status: bucket.ProtectionRetention, MinimumRetentionDays: 1, DefaultRetentionDays: 1, MaximumRetentionDays: 1}})
			return err
		}},
		{"GetProtection", func(ctx context.Context, bkt string) error {
			_, err := b.GetProtection(ctx, &bucket.GetProtectionInput{Bucket: bkt})
			return err
		}},
	}
	w := e.Dialect.Bucket.Protection
	if !w.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetProtection(ctx, &bucket.GetProtectionInput{Bucket: e.Bucket})
	bktServerGap(t, e, "bucket protection", err)
	bktWant(t, "get before put", err, client.ErrNotFound)

	p := bucket.ProtectionConfiguration{Status: bucket.ProtectionRetention, MinimumRetentionDays: 1, DefaultRetentionDays: 30, MaximumRetentionDays: 365}
	if _, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: e.Bucket, Protection: &p}); err != nil {
		t.Fatalf("put: %v", err)
	}
	out, err := b.GetProtection(ctx, &bucket.GetProtectionInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	cfgSame(t, "protection read back", out.Protection, p)

	cfgRefused(t, e, "PutProtection past the longest retention", "Protection.MaximumRetentionDays", client.ErrInvalidArgument, func() error {
		_, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: e.Bucket, Protection: &bucket.ProtectionConfiguration{
			Status: bucket.ProtectionRetention, MaximumRetentionDays: w.MaxDays + 1}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

// cfgObjectLock has no delete either: object lock cannot be turned off,
// so a bucket created without it must read as not found.
func cfgObjectLock(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	w := e.Dialect.Bucket.ObjectLock
	ops := []cfgOp{
		{"PutObjectLock", func(ctx context.Context, bkt string) error {
			_, err := b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: bkt, ObjectLock: &bucket.ObjectLockConfiguration{
				DefaultRetention: &bucket.ObjectLockRetention{Mode: bucket.ObjectLockCompliance, Days: 1}}})
			return err
		}},
		{"GetObjectLock", func(ctx context.Context, bkt string) error {
			_, err := b.GetObjectLock(ctx, &bucket.GetObjectLockInput{Bucket: bkt})
			return err
		}},
	}
	if !w.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetObjectLock(ctx, &bucket.GetObjectLockInput{Bucket: e.Bucket})
	bktServerGap(t, e, "object lock", err)
	bktWant(t, "get on a bucket without object lock", err, client.ErrNotFound)

	locked := e.BucketName("lock")
	if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: locked, ObjectLock: true}); err != nil {
		t.Fatalf("create a bucket with object lock: %v", err)
	}
	mode := bucket.ObjectLockMode(w.Modes[0])
	for _, ret := range []bucket.ObjectLockRetention{{Mode: mode, Days: 1}, {Mode: mode, Years: 1}} {
		cfg := bucket.ObjectLockConfiguration{DefaultRetention: &ret}
		if _, err := b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: locked, ObjectLock: &cfg}); err != nil {
			t.Fatalf("put %+v: %v", ret, err)
		}
		out, err := b.GetObjectLock(ctx, &bucket.GetObjectLockInput{Bucket: locked})
		require.NoError(t, err, "get")
		cfgSame(t, "object lock read back", out.ObjectLock, cfg)
	}

	cfgRefused(t, e, "PutObjectLock with days and years", "ObjectLock.DefaultRetention", client.ErrInvalidArgument, func() error {
		_, err := b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: locked, ObjectLock: &bucket.ObjectLockConfiguration{
			DefaultRetention: &bucket.ObjectLockRetention{Mode: mode, Days: 1, Years: 1}}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

func cfgInventoryConfig(e *Env, id string) bucket.InventoryConfiguration {
	return bucket.InventoryConfiguration{
		ID: id, Enabled: true, Prefix: "data/", IncludedObjectVersions: bucket.InventoryCurrentVersions,
		Frequency:      bucket.InventoryDaily,
		OptionalFields: []bucket.InventoryField{bucket.InventorySize, bucket.InventoryETag},
		Destination: bucket.InventoryDestination{
			Bucket: "arn:aws:s3:::" + e.Bucket, Format: bucket.InventoryCSV, Prefix: "reports/",
		},
	}
}

func cfgInventory(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutInventory", func(ctx context.Context, bkt string) error {
			inv := cfgInventoryConfig(e, "inv")
			_, err := b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: bkt, Inventory: &inv})
			return err
		}},
		{"GetInventory", func(ctx context.Context, bkt string) error {
			_, err := b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: bkt, ID: "inv"})
			return err
		}},
		{"ListInventories", func(ctx context.Context, bkt string) error {
			_, err := b.ListInventoriesPage(ctx, &bucket.ListInventoriesInput{Bucket: bkt})
			return err
		}},
		{"DeleteInventory", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteInventory(ctx, &bucket.DeleteInventoryInput{Bucket: bkt, ID: "inv"})
			return err
		}},
	}
	if !e.Dialect.Bucket.Inventory.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: e.Bucket, ID: "inv-a"})
	bktServerGap(t, e, "inventory configurations", err)
	bktWant(t, "get before put", err, client.ErrNotFound)

	ids := []string{"inv-a", "inv-b", "inv-c"}
	if e.Harness.Observer != nil {
		// Past one listing page (S3 answers 100 per page), to follow a
		// continuation token.
		for i := range 100 {
			ids = append(ids, fmt.Sprintf("page-%03d", i))
		}
	}
	for _, id := range ids {
		inv := cfgInventoryConfig(e, id)
		if _, err := b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: e.Bucket, Inventory: &inv}); err != nil {
			t.Fatalf("put %s: %v", id, err)
		}
	}
	out, err := b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: e.Bucket, ID: "inv-b"})
	require.NoError(t, err, "get")
	cfgSame(t, "inventory read back", out.Inventory, cfgInventoryConfig(e, "inv-b"))

	list := func() []string {
		var got []string
		for inv, err := range b.ListInventories(ctx, &bucket.ListInventoriesInput{Bucket: e.Bucket}) {
			require.NoError(t, err, "list")
			got = append(got, inv.ID)
		}
		return got
	}
	bktSameSet(t, "inventories listed", list(), ids)
	if _, err := b.DeleteInventory(ctx, &bucket.DeleteInventoryInput{Bucket: e.Bucket, ID: "inv-b"}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: e.Bucket, ID: "inv-b"})
	bktWant(t, "get after delete", err, client.ErrNotFound)
	bktSameSet(t, "inventories listed after a delete", list(), slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "inv-b" }))

	cfgRefused(t, e, "PutInventory with an unknown format", "Inventory.Destination.Format", client.ErrInvalidArgument, func() error {
		inv := cfgInventoryConfig(e, "bad")
		inv.Destination.Format = "XML"
		_, err := b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: e.Bucket, Inventory: &inv})
		return err
	})
	cfgRefused(t, e, "GetInventory without an id", "ID", client.ErrInvalidArgument, func() error {
		_, err := b.GetInventory(ctx, &bucket.GetInventoryInput{Bucket: e.Bucket})
		return err
	})
	cfgRefused(t, e, "DeleteInventory without an id", "ID", client.ErrInvalidArgument, func() error {
		_, err := b.DeleteInventory(ctx, &bucket.DeleteInventoryInput{Bucket: e.Bucket})
		return err
	})
	cfgBadBucket(t, e, ops[2:3])
}

// cfgBackupPolicies runs on IBM's resource configuration API, a service
// of its own beside the S3 API. storagetest serves it from its own URL
// too (at /v1, where its ClientOptions point), so the harness's client
// reaches it.
func cfgBackupPolicies(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	c, src := e.Client, e.Bucket
	b := bucket.NewClient(c)
	const vault = "crn:v1:bluemix:public:cloud-object-storage:global:a1229395:1a0ec336-f391-4091-a6fb-5e084a4c56f4:backup-vault:vault"
	ops := []cfgOp{
		{"CreateBackupPolicy", func(ctx context.Context, bkt string) error {
			_, err := b.CreateBackupPolicy(ctx, &bucket.CreateBackupPolicyInput{Bucket: bkt, Name: "p", TargetBackupVaultCRN: vault, DeleteAfterDays: 1})
			return err
		}},
		{"ListBackupPolicies", func(ctx context.Context, bkt string) error {
			_, err := b.ListBackupPolicies(ctx, &bucket.ListBackupPoliciesInput{Bucket: bkt})
			return err
		}},
		{"GetBackupPolicy", func(ctx context.Context, bkt string) error {
			_, err := b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: bkt, PolicyID: "p"})
			return err
		}},
		{"DeleteBackupPolicy", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteBackupPolicy(ctx, &bucket.DeleteBackupPolicyInput{Bucket: bkt, PolicyID: "p"})
			return err
		}},
	}
	if !e.Dialect.Bucket.BackupPolicies.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	// IBM backs up versioned buckets only.
	if _, err := b.PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: src, Status: bucket.VersioningEnabled}); err != nil {
		t.Fatalf("enable versioning: %v", err)
	}
	in := bucket.CreateBackupPolicyInput{Bucket: src, Name: "nightly-backup", TargetBackupVaultCRN: vault, DeleteAfterDays: 10}
	created, err := b.CreateBackupPolicy(ctx, &in)
	require.NoError(t, err, "create")
	p := created.Policy
	if p.ID == "" || p.Name != in.Name || p.TargetBackupVaultCRN != vault || p.DeleteAfterDays != 10 || p.BackupType != bucket.BackupContinuous || p.Status == "" {
		t.Errorf("created %+v from %+v", p, in)
	}
	got, err := b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: src, PolicyID: p.ID})
	require.NoError(t, err, "get")
	want := p
	want.Status = got.Policy.Status // pending when created, active after
	cfgSame(t, "backup policy read back", got.Policy, want)
	list, err := b.ListBackupPolicies(ctx, &bucket.ListBackupPoliciesInput{Bucket: src})
	require.NoError(t, err, "list")
	if len(list.Policies) != 1 || list.Policies[0].ID != p.ID {
		t.Errorf("listed %+v, want only %s", list.Policies, p.ID)
	}
	if _, err := b.DeleteBackupPolicy(ctx, &bucket.DeleteBackupPolicyInput{Bucket: src, PolicyID: p.ID}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: src, PolicyID: p.ID})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "CreateBackupPolicy with a space in its name", "Name", client.ErrInvalidArgument, func() error {
		_, err := b.CreateBackupPolicy(ctx, &bucket.CreateBackupPolicyInput{Bucket: src, Name: "my policy", TargetBackupVaultCRN: vault, DeleteAfterDays: 1})
		return err
	})
	cfgRefused(t, e, "GetBackupPolicy without an id", "PolicyID", client.ErrInvalidArgument, func() error {
		_, err := b.GetBackupPolicy(ctx, &bucket.GetBackupPolicyInput{Bucket: src})
		return err
	})
	cfgRefused(t, e, "DeleteBackupPolicy without an id", "PolicyID", client.ErrInvalidArgument, func() error {
		_, err := b.DeleteBackupPolicy(ctx, &bucket.DeleteBackupPolicyInput{Bucket: src})
		return err
	})
	cfgBadBucket(t, e, ops[1:2])
}

func cfgMirror(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutMirror", func(ctx context.Context, bkt string) error {
			_, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: bkt, SourceSite: "https://origin.example.com"})
			return err
		}},
		{"GetMirror", func(ctx context.Context, bkt string) error {
			_, err := b.GetMirror(ctx, &bucket.GetMirrorInput{Bucket: bkt})
			return err
		}},
		{"DeleteMirror", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteMirror(ctx, &bucket.DeleteMirrorInput{Bucket: bkt})
			return err
		}},
	}
	if !e.Dialect.Bucket.Mirror.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetMirror(ctx, &bucket.GetMirrorInput{Bucket: e.Bucket})
	bktWant(t, "get before put", err, client.ErrNotFound)
	const site = "https://origin.example.com/static"
	if _, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: e.Bucket, SourceSite: site}); err != nil {
		t.Fatalf("put: %v", err)
	}
	out, err := b.GetMirror(ctx, &bucket.GetMirrorInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	cfgSame(t, "mirror read back", out.SourceSite, site)
	if _, err := b.DeleteMirror(ctx, &bucket.DeleteMirrorInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetMirror(ctx, &bucket.GetMirrorInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "PutMirror with an ftp source", "SourceSite", client.ErrInvalidArgument, func() error {
		_, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: e.Bucket, SourceSite: "ftp://origin.example.com"})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

// cfgStats reads statistics only: there is nothing to put or delete.
func cfgStats(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{{"GetStats", func(ctx context.Context, bkt string) error {
		_, err := b.GetStats(ctx, &bucket.GetStatsInput{Bucket: bkt})
		return err
	}}}
	if e.Dialect.Bucket.Stats.Subresource == "" {
		cfgUnsupported(t, e, ops)
		return
	}
	bktPut(t, e, e.Bucket, "a", "12345")
	bktPut(t, e, e.Bucket, "b/c", "123")
	out, err := b.GetStats(ctx, &bucket.GetStatsInput{Bucket: e.Bucket})
	require.NoError(t, err, "stats")
	if out.Name != e.Bucket || out.Location != e.Client.Options().Region || out.Count != 2 || out.Size != 8 ||
		out.Created.IsZero() || out.URL == "" || out.Status == "" {
		t.Errorf("stats %+v; want 2 objects, 8 bytes in %s", out, e.Client.Options().Region)
	}
	cfgBadBucket(t, e, ops)
}

func cfgTagging(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutTagging", func(ctx context.Context, bkt string) error {
			_, err := b.PutTagging(ctx, &bucket.PutTaggingInput{Bucket: bkt, Tags: []bucket.Tag{{Key: "k", Value: "v"}}})
			return err
		}},
		{"GetTagging", func(ctx context.Context, bkt string) error {
			_, err := b.GetTagging(ctx, &bucket.GetTaggingInput{Bucket: bkt})
			return err
		}},
		{"DeleteTagging", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteTagging(ctx, &bucket.DeleteTaggingInput{Bucket: bkt})
			return err
		}},
	}
	if !e.Dialect.Bucket.Tagging.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetTagging(ctx, &bucket.GetTaggingInput{Bucket: e.Bucket})
	bktServerGap(t, e, "bucket tags", err)
	bktWant(t, "get before put", err, client.ErrNotFound)
	tags := []bucket.Tag{{Key: "cost-center", Value: "42"}, {Key: "team", Value: "storage"}, {Key: "empty", Value: ""}}
	if _, err := b.PutTagging(ctx, &bucket.PutTaggingInput{Bucket: e.Bucket, Tags: tags}); err != nil {
		t.Fatalf("put: %v", err)
	}
	out, err := b.GetTagging(ctx, &bucket.GetTaggingInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	// Servers may keep tags in any order.
	byKey := func(a, b bucket.Tag) int { return strings.Compare(a.Key, b.Key) }
	got, want := slices.SortedFunc(slices.Values(out.Tags), byKey), slices.SortedFunc(slices.Values(tags), byKey)
	cfgSame(t, "tags read back", got, want)
	if _, err := b.DeleteTagging(ctx, &bucket.DeleteTaggingInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetTagging(ctx, &bucket.GetTaggingInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "PutTagging with a key twice", "Tags[1].Key", client.ErrInvalidArgument, func() error {
		_, err := b.PutTagging(ctx, &bucket.PutTaggingInput{Bucket: e.Bucket, Tags: []bucket.Tag{{Key: "a"}, {Key: "a", Value: "again"}}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

// cfgReferer has no delete: COS turns the protection off with a
// disabled configuration, which the behaviour reads back.
func cfgReferer(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutReferer", func(ctx context.Context, bkt string) error {
			_, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: bkt, Referer: &bucket.RefererConfiguration{Type: bucket.RefererAllowList}})
			return err
		}},
		{"GetReferer", func(ctx context.Context, bkt string) error {
			_, err := b.GetReferer(ctx, &bucket.GetRefererInput{Bucket: bkt})
			return err
		}},
	}
	if !e.Dialect.Bucket.Referer.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetReferer(ctx, &bucket.GetRefererInput{Bucket: e.Bucket})
	bktWant(t, "get before put", err, client.ErrNotFound)
	for _, rc := range []bucket.RefererConfiguration{
		{Enabled: true, Type: bucket.RefererAllowList, Domains: []string{"*.example.com", "192.168.1.2:8080"}, AllowEmptyReferer: true},
		{Type: bucket.RefererBlockList, Domains: []string{"bad.example.net"}},
	} {
		if _, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: e.Bucket, Referer: &rc}); err != nil {
			t.Fatalf("put %+v: %v", rc, err)
		}
		out, err := b.GetReferer(ctx, &bucket.GetRefererInput{Bucket: e.Bucket})
		require.NoError(t, err, "get")
		cfgSame(t, "referer read back", out.Referer, rc)
	}
	cfgRefused(t, e, "PutReferer without a type", "Referer.Type", client.ErrInvalidArgument, func() error {
		_, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: e.Bucket, Referer: &bucket.RefererConfiguration{Domains: []string{"a.example.com"}}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}

func cfgEncryption(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	b := bucket.NewClient(e.Client)
	ops := []cfgOp{
		{"PutEncryption", func(ctx context.Context, bkt string) error {
			_, err := b.PutEncryption(ctx, &bucket.PutEncryptionInput{Bucket: bkt, Encryption: &bucket.BucketEncryption{Algorithm: bucket.EncryptionAES256}})
			return err
		}},
		{"GetEncryption", func(ctx context.Context, bkt string) error {
			_, err := b.GetEncryption(ctx, &bucket.GetEncryptionInput{Bucket: bkt})
			return err
		}},
		{"DeleteEncryption", func(ctx context.Context, bkt string) error {
			_, err := b.DeleteEncryption(ctx, &bucket.DeleteEncryptionInput{Bucket: bkt})
			return err
		}},
	}
	if !e.Dialect.Bucket.Encryption.Supported {
		cfgUnsupported(t, e, ops)
		return
	}
	_, err := b.GetEncryption(ctx, &bucket.GetEncryptionInput{Bucket: e.Bucket})
	bktServerGap(t, e, "default bucket encryption", err)
	bktWant(t, "get before put", err, client.ErrNotFound)
	enc := bucket.BucketEncryption{Algorithm: bucket.EncryptionAES256}
	if _, err := b.PutEncryption(ctx, &bucket.PutEncryptionInput{Bucket: e.Bucket, Encryption: &enc}); err != nil {
		t.Fatalf("put: %v", err)
	}
	out, err := b.GetEncryption(ctx, &bucket.GetEncryptionInput{Bucket: e.Bucket})
	require.NoError(t, err, "get")
	cfgSame(t, "encryption read back", out.Encryption, enc)
	if _, err := b.DeleteEncryption(ctx, &bucket.DeleteEncryptionInput{Bucket: e.Bucket}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = b.GetEncryption(ctx, &bucket.GetEncryptionInput{Bucket: e.Bucket})
	bktWant(t, "get after delete", err, client.ErrNotFound)

	cfgRefused(t, e, "PutEncryption with a KMS key for AES256", "Encryption.KMSKeyID", client.ErrInvalidArgument, func() error {
		_, err := b.PutEncryption(ctx, &bucket.PutEncryptionInput{Bucket: e.Bucket, Encryption: &bucket.BucketEncryption{
			Algorithm: bucket.EncryptionAES256, KMSKeyID: "key-1"}})
		return err
	})
	cfgBadBucket(t, e, ops[1:])
}
