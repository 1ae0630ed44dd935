package bucket_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
)

const s3NS = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

// TestConfigRequestWire checks the method, query, body and Content-MD5 of
// configuration requests in each dialect.
func TestConfigRequestWire(t *testing.T) {
	ctx := context.Background()
	year := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		d         client.Dialect
		call      func(b *bucket.Client) error
		method    string
		query     string
		body      string
		md5       bool
		mediaType string
	}{
		{"IBM lifecycle archive rule (seed 004)", client.IBM, func(b *bucket.Client) error {
			_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: "apiary", Rules: []bucket.LifecycleRule{
				{ID: "my-archive-policy", Status: bucket.LifecycleEnabled,
					Transitions: []bucket.LifecycleTransition{{Days: 20, StorageClass: bucket.TransitionGlacier}}}}})
			return err
		}, http.MethodPut, "lifecycle",
			`<LifecycleConfiguration ` + s3NS + `><Rule><ID>my-archive-policy</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>` +
				`<Transition><Days>20</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`, true, "application/xml"},
		{"S3 lifecycle, every action", client.S3, func(b *bucket.Client) error {
			_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: "photos", Rules: []bucket.LifecycleRule{
				{ID: "a", Status: bucket.LifecycleDisabled, Prefix: "logs/", Expiration: &bucket.LifecycleExpiration{Date: year},
					Transitions:                    []bucket.LifecycleTransition{{Date: year, StorageClass: bucket.TransitionDeepArchive}},
					NoncurrentVersionExpiration:    &bucket.NoncurrentVersionExpiration{NoncurrentDays: 3},
					AbortIncompleteMultipartUpload: &bucket.AbortIncompleteMultipartUpload{DaysAfterInitiation: 2}},
				{Status: bucket.LifecycleEnabled, Expiration: &bucket.LifecycleExpiration{ExpiredObjectDeleteMarker: true}},
			}})
			return err
		}, http.MethodPut, "lifecycle",
			`<LifecycleConfiguration ` + s3NS + `><Rule><ID>a</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Disabled</Status>` +
				`<Transition><Date>2031-01-01T00:00:00Z</Date><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>` +
				`<Expiration><Date>2031-01-01T00:00:00Z</Date></Expiration><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration>` +
				`<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>` +
				`<Rule><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>` +
				`</LifecycleConfiguration>`, true, "application/xml"},
		{"COS lifecycle, no namespace", client.COS, func(b *bucket.Client) error {
			_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: "photos-1250000000", Rules: []bucket.LifecycleRule{
				{ID: "ia", Status: bucket.LifecycleEnabled, Transitions: []bucket.LifecycleTransition{{Days: 30, StorageClass: bucket.TransitionStandardIA}}}}})
			return err
		}, http.MethodPut, "lifecycle",
			`<LifecycleConfiguration><Rule><ID>ia</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>` +
				`<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition></Rule></LifecycleConfiguration>`, true, "application/xml"},
		{"QingStor lifecycle JSON", client.QingStor, func(b *bucket.Client) error {
			_, err := b.PutLifecycle(ctx, &bucket.PutLifecycleInput{Bucket: "photos-2024", Rules: []bucket.LifecycleRule{
				{ID: "delete-logs", Status: bucket.LifecycleEnabled, Prefix: "logs/", Expiration: &bucket.LifecycleExpiration{Days: 90}},
				{ID: "abort", Status: bucket.LifecycleDisabled, Prefix: "data/", AbortIncompleteMultipartUpload: &bucket.AbortIncompleteMultipartUpload{DaysAfterInitiation: 3}},
				{ID: "ia", Status: bucket.LifecycleEnabled, Prefix: "data/", Transitions: []bucket.LifecycleTransition{{Days: 30, StorageClass: bucket.TransitionStandardIA}}},
			}})
			return err
		}, http.MethodPut, "lifecycle",
			`{"rule":[{"id":"delete-logs","status":"enabled","filter":{"prefix":"logs/"},"expiration":{"days":90}},` +
				`{"id":"abort","status":"disabled","filter":{"prefix":"data/"},"abort_incomplete_multipart_upload":{"days_after_initiation":3}},` +
				`{"id":"ia","status":"enabled","filter":{"prefix":"data/"},"transition":{"days":30,"storage_class":"STANDARD_IA"}}]}`, false, "application/json"},
		{"IBM protection (seed 004)", client.IBM, func(b *bucket.Client) error {
			_, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: "example-bucket", Protection: &bucket.ProtectionConfiguration{
				Status: bucket.ProtectionRetention, MinimumRetentionDays: 100, DefaultRetentionDays: 2555, MaximumRetentionDays: 10000}})
			return err
		}, http.MethodPut, "protection",
			`<ProtectionConfiguration><Status>Retention</Status><MinimumRetention><Days>100</Days></MinimumRetention>` +
				`<MaximumRetention><Days>10000</Days></MaximumRetention><DefaultRetention><Days>2555</Days></DefaultRetention></ProtectionConfiguration>`, true, "application/xml"},
		{"IBM object lock", client.IBM, func(b *bucket.Client) error {
			_, err := b.PutObjectLock(ctx, &bucket.PutObjectLockInput{Bucket: "apiary", ObjectLock: &bucket.ObjectLockConfiguration{
				DefaultRetention: &bucket.ObjectLockRetention{Mode: bucket.ObjectLockCompliance, Years: 7}}})
			return err
		}, http.MethodPut, "object-lock",
			`<ObjectLockConfiguration ` + s3NS + `><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>` +
				`<Mode>COMPLIANCE</Mode><Years>7</Years></DefaultRetention></Rule></ObjectLockConfiguration>`, true, "application/xml"},
		{"IBM website (seed 004)", client.IBM, func(b *bucket.Client) error {
			_, err := b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: "apiary", Website: &bucket.WebsiteConfiguration{IndexDocument: "index.html"}})
			return err
		}, http.MethodPut, "website",
			`<WebsiteConfiguration ` + s3NS + `><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>`, true, "application/xml"},
		{"S3 website routing", client.S3, func(b *bucket.Client) error {
			_, err := b.PutWebsite(ctx, &bucket.PutWebsiteInput{Bucket: "photos", Website: &bucket.WebsiteConfiguration{
				IndexDocument: "index.html", ErrorDocument: "404.html", RoutingRules: []bucket.RoutingRule{
					{Condition: &bucket.RoutingCondition{HTTPErrorCodeReturnedEquals: 404, KeyPrefixEquals: "a/"},
						Redirect: bucket.RoutingRedirect{HostName: "h", HTTPRedirectCode: 302, Protocol: bucket.WebsiteProtocolHTTPS, ReplaceKeyWith: "x"}}}}})
			return err
		}, http.MethodPut, "website",
			`<WebsiteConfiguration ` + s3NS + `><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>404.html</Key></ErrorDocument>` +
				`<RoutingRules><RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals><KeyPrefixEquals>a/</KeyPrefixEquals></Condition>` +
				`<Redirect><HostName>h</HostName><HttpRedirectCode>302</HttpRedirectCode><Protocol>https</Protocol><ReplaceKeyWith>x</ReplaceKeyWith></Redirect>` +
				`</RoutingRule></RoutingRules></WebsiteConfiguration>`, true, "application/xml"},
		{"IBM public access block: ACL flags only", client.IBM, func(b *bucket.Client) error {
			_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: "apiary", PublicAccessBlock: &bucket.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true}})
			return err
		}, http.MethodPut, "publicAccessBlock",
			`<PublicAccessBlockConfiguration ` + s3NS + `><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>`, true, "application/xml"},
		{"S3 public access block: four flags", client.S3, func(b *bucket.Client) error {
			_, err := b.PutPublicAccessBlock(ctx, &bucket.PutPublicAccessBlockInput{Bucket: "photos", PublicAccessBlock: &bucket.PublicAccessBlock{RestrictPublicBuckets: true}})
			return err
		}, http.MethodPut, "publicAccessBlock",
			`<PublicAccessBlockConfiguration ` + s3NS + `><BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>` +
				`<BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`, true, "application/xml"},
		{"IBM inventory (seed 004)", client.IBM, func(b *bucket.Client) error {
			_, err := b.PutInventory(ctx, &bucket.PutInventoryInput{Bucket: "mybucket", Inventory: &bucket.InventoryConfiguration{
				ID: "myid", Enabled: true, Prefix: "my-filter-prefix", IncludedObjectVersions: bucket.InventoryCurrentVersions, Frequency: bucket.InventoryDaily,
				OptionalFields: []bucket.InventoryField{bucket.InventorySize, bucket.InventoryObjectOwner},
				Destination:    bucket.InventoryDestination{Bucket: "mybucket", Format: bucket.InventoryCSV, Prefix: "my-destination-prefix"}}})
			return err
		}, http.MethodPut, "id=myid&inventory",
			`<InventoryConfiguration ` + s3NS + `><Id>myid</Id><IsEnabled>true</IsEnabled><Filter><Prefix>my-filter-prefix</Prefix></Filter>` +
				`<IncludedObjectVersions>Current</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency></Schedule>` +
				`<OptionalFields><Field>Size</Field><Field>ObjectOwner</Field></OptionalFields><Destination><S3BucketDestination>` +
				`<Bucket>mybucket</Bucket><Format>CSV</Format><Prefix>my-destination-prefix</Prefix></S3BucketDestination></Destination></InventoryConfiguration>`, true, "application/xml"},
		{"QingStor mirror", client.QingStor, func(b *bucket.Client) error {
			_, err := b.PutMirror(ctx, &bucket.PutMirrorInput{Bucket: "photos-2024", SourceSite: "https://origin.example.com/static"})
			return err
		}, http.MethodPut, "mirror", `{"source_site":"https://origin.example.com/static"}`, false, "application/json"},
		{"COS tagging", client.COS, func(b *bucket.Client) error {
			_, err := b.PutTagging(ctx, &bucket.PutTaggingInput{Bucket: "photos-1250000000", Tags: []bucket.Tag{{Key: "team", Value: "a&b"}}})
			return err
		}, http.MethodPut, "tagging", `<Tagging><TagSet><Tag><Key>team</Key><Value>a&amp;b</Value></Tag></TagSet></Tagging>`, true, "application/xml"},
		{"COS referer", client.COS, func(b *bucket.Client) error {
			_, err := b.PutReferer(ctx, &bucket.PutRefererInput{Bucket: "photos-1250000000", Referer: &bucket.RefererConfiguration{
				Enabled: true, Type: bucket.RefererAllowList, Domains: []string{"*.qq.com", "*.qcloud.com"}, AllowEmptyReferer: true}})
			return err
		}, http.MethodPut, "referer",
			`<RefererConfiguration><Status>Enabled</Status><RefererType>White-List</RefererType><DomainList><Domain>*.qq.com</Domain>` +
				`<Domain>*.qcloud.com</Domain></DomainList><EmptyReferConfiguration>Allow</EmptyReferConfiguration></RefererConfiguration>`, true, "application/xml"},
		{"S3 encryption", client.S3, func(b *bucket.Client) error {
			_, err := b.PutEncryption(ctx, &bucket.PutEncryptionInput{Bucket: "photos", Encryption: &bucket.BucketEncryption{
				Algorithm: bucket.EncryptionAWSKMS, KMSKeyID: "arn:aws:kms:us-east-1:1:key/k", BucketKeyEnabled: true}})
			return err
		}, http.MethodPut, "encryption",
			`<ServerSideEncryptionConfiguration ` + s3NS + `><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>` +
				`<KMSMasterKeyID>arn:aws:kms:us-east-1:1:key/k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule>` +
				`</ServerSideEncryptionConfiguration>`, true, "application/xml"},
		{"delete lifecycle", client.QingStor, func(b *bucket.Client) error {
			_, err := b.DeleteLifecycle(ctx, &bucket.DeleteLifecycleInput{Bucket: "photos-2024"})
			return err
		}, http.MethodDelete, "lifecycle", "", false, ""},
		{"delete inventory", client.S3, func(b *bucket.Client) error {
			_, err := b.DeleteInventory(ctx, &bucket.DeleteInventoryInput{Bucket: "photos", ID: "a b"})
			return err
		}, http.MethodDelete, "id=a%20b&inventory", "", false, ""},
		{"list inventories", client.IBM, func(b *bucket.Client) error {
			_, err := b.ListInventoriesPage(ctx, &bucket.ListInventoriesInput{Bucket: "photos", ContinuationToken: "t/1"})
			return err
		}, http.MethodGet, "continuation-token=t%2F1&inventory", "", false, ""},
		{"stats", client.QingStor, func(b *bucket.Client) error {
			_, err := b.GetStats(ctx, &bucket.GetStatsInput{Bucket: "photos-2024"})
			return err
		}, http.MethodGet, "stats", "", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			ep := rec.start(t, func(r *http.Request) (int, string) {
				if r.Method == http.MethodGet && tc.d.Codec == client.JSON {
					return 200, `{}`
				}
				if r.Method == http.MethodGet {
					return 200, `<ListInventoryConfigurationsResult/>`
				}
				return 200, ""
			})
			if err := tc.call(newClient(t, tc.d, ep)); err != nil {
				t.Fatal(err)
			}
			r := rec.last()
			if r.method != tc.method || r.query != tc.query {
				t.Errorf("request %s ?%s, want %s ?%s", r.method, r.query, tc.method, tc.query)
			}
			if r.body != tc.body {
				t.Errorf("body\n got %s\nwant %s", r.body, tc.body)
			}
			if got := r.header.Get("Content-Md5"); (got != "") != tc.md5 || (tc.md5 && got != md5b64(r.body)) {
				t.Errorf("Content-MD5 %q (want one: %v)", got, tc.md5)
			}
			if got := r.header.Get("Content-Type"); tc.body != "" && got != tc.mediaType {
				t.Errorf("Content-Type %q, want %q", got, tc.mediaType)
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestBackupPolicyWire checks IBM backup policies go to the resource
// configuration service as JSON, and come back from its answers.
func TestBackupPolicyWire(t *testing.T) {
	ctx := context.Background()
	var got *http.Request
	var body string
	answer := `{"policy_name":"myBackupPolicy","initial_retention":{"delete_after_days":10},"backup_type":"continuous",` +
		`"policy_id":"44d3dd41-d616-4d25-911a-9ef7fbf28aef","policy_status":"pending","target_backup_vault_crn":"crn:v1:vault"}`
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			body = string(b)
		}
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
	})}
	c, err := client.New(client.IBM, client.WithHTTPClient(hc), client.WithStaticCredentials("AKID", "SECRET", ""), client.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	b := bucket.NewClient(c)
	out, err := b.CreateBackupPolicy(ctx, &bucket.CreateBackupPolicyInput{Bucket: "mybucket", Name: "myBackupPolicy",
		TargetBackupVaultCRN: "crn:v1:vault", DeleteAfterDays: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.String() != "https://config.cloud-object-storage.cloud.ibm.com/v1/buckets/mybucket/backup_policies" {
		t.Errorf("request %s %s", got.Method, got.URL)
	}
	if want := `{"policy_name":"myBackupPolicy","initial_retention":{"delete_after_days":10},"backup_type":"continuous","target_backup_vault_crn":"crn:v1:vault"}`; body != want {
		t.Errorf("body %s", body)
	}
	if got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", got.Header.Get("Content-Type"))
	}
	want := bucket.BackupPolicy{ID: "44d3dd41-d616-4d25-911a-9ef7fbf28aef", Name: "myBackupPolicy", TargetBackupVaultCRN: "crn:v1:vault",
		BackupType: bucket.BackupContinuous, DeleteAfterDays: 10, Status: bucket.BackupPending}
	if out.Policy != want {
		t.Errorf("policy %+v", out.Policy)
	}

	// The list answer is an array in IBM's reference and an object in its
	// SDK models: both decode.
	for _, list := range []string{"[" + answer + "]", `{"backup_policies":[` + answer + `]}`} {
		answer = list
		out, err := b.ListBackupPolicies(ctx, &bucket.ListBackupPoliciesInput{Bucket: "mybucket"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Policies) != 1 || out.Policies[0] != want {
			t.Errorf("list %s: %+v", list, out.Policies)
		}
	}
	if _, err := b.DeleteBackupPolicy(ctx, &bucket.DeleteBackupPolicyInput{Bucket: "mybucket", PolicyID: want.ID}); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodDelete || got.URL.Path != "/v1/buckets/mybucket/backup_policies/"+want.ID {
		t.Errorf("delete %s %s", got.Method, got.URL)
	}

	// A custom endpoint (tests, private deployments) takes precedence.
	var rec recorder
	if _, err := newClient(t, client.IBM, rec.start(t, func(*http.Request) (int, string) { return 200, "[]" })).
		ListBackupPolicies(ctx, &bucket.ListBackupPoliciesInput{Bucket: "photos"}); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(); r.path != "/buckets/photos/backup_policies" {
		t.Errorf("custom endpoint path %s", r.path)
	}
}

// TestConfigAnswersDecode reads vendor answers, the seeds' samples among
// them, and maps "no configuration" answers to client.ErrNotFound.
func TestConfigAnswersDecode(t *testing.T) {
	ctx := context.Background()
	serve := func(t *testing.T, d client.Dialect, body string) *bucket.Client {
		var rec recorder
		return newClient(t, d, rec.start(t, func(*http.Request) (int, string) { return 200, body }))
	}

	t.Run("IBM lifecycle (seed 004)", func(t *testing.T) {
		out, err := serve(t, client.IBM, `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
   <Rule><ID>ID1</ID><Status>Enabled</Status><Filter><Prefix/></Filter><Expiration><Days>270</Days></Expiration></Rule>
</LifecycleConfiguration>`).GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: "apiary"})
		if err != nil {
			t.Fatal(err)
		}
		want := []bucket.LifecycleRule{{ID: "ID1", Status: bucket.LifecycleEnabled, Expiration: &bucket.LifecycleExpiration{Days: 270}}}
		if !reflect.DeepEqual(out.Rules, want) {
			t.Errorf("rules %+v", out.Rules)
		}
	})
	t.Run("S3 legacy rule prefix", func(t *testing.T) {
		out, err := serve(t, client.S3, `<LifecycleConfiguration><Rule><ID>old</ID><Prefix>logs/</Prefix><Status>Disabled</Status>`+
			`<Expiration><Date>2031-01-01T00:00:00.000Z</Date></Expiration></Rule></LifecycleConfiguration>`).GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: "photos"})
		if err != nil {
			t.Fatal(err)
		}
		r := out.Rules[0]
		if r.Prefix != "logs/" || r.Status != bucket.LifecycleDisabled || !r.Expiration.Date.Equal(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("rule %+v %+v", r, r.Expiration)
		}
	})
	t.Run("QingStor numeric storage class", func(t *testing.T) {
		out, err := serve(t, client.QingStor, `{"rule":[{"id":"ia","status":"enabled","filter":{"prefix":""},"transition":{"days":30,"storage_class":1}}]}`).
			GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: "photos-2024"})
		if err != nil {
			t.Fatal(err)
		}
		if tr := out.Rules[0].Transitions; len(tr) != 1 || tr[0].StorageClass != "1" || tr[0].Days != 30 {
			t.Errorf("transitions %+v", tr)
		}
	})
	t.Run("IBM object lock (seed 004)", func(t *testing.T) {
		out, err := serve(t, client.IBM, `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>ENABLED</ObjectLockEnabled>`+
			`<Rule><DefaultRetention><Days>30</Days><Mode>COMPLIANCE</Mode></DefaultRetention></Rule></ObjectLockConfiguration>`).
			GetObjectLock(ctx, &bucket.GetObjectLockInput{Bucket: "apiary"})
		if err != nil {
			t.Fatal(err)
		}
		if r := out.ObjectLock.DefaultRetention; r == nil || *r != (bucket.ObjectLockRetention{Mode: bucket.ObjectLockCompliance, Days: 30}) {
			t.Errorf("retention %+v", r)
		}
	})
	t.Run("IBM public access block (seed 004)", func(t *testing.T) {
		out, err := serve(t, client.IBM, `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
   <BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>`).
			GetPublicAccessBlock(ctx, &bucket.GetPublicAccessBlockInput{Bucket: "apiary"})
		if err != nil {
			t.Fatal(err)
		}
		if out.PublicAccessBlock != (bucket.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true}) {
			t.Errorf("block %+v", out.PublicAccessBlock)
		}
	})
	t.Run("IBM inventory listing (seed 004)", func(t *testing.T) {
		out, err := serve(t, client.IBM, `<ListInventoryConfigurationsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <InventoryConfiguration><Id>goodinventoryid</Id><IsEnabled>true</IsEnabled><Filter><Prefix>goodFilterPrefix</Prefix></Filter>
          <Destination><S3BucketDestination><Format>CSV</Format><Bucket>mybucketCRN</Bucket><Prefix>goodPrefix</Prefix></S3BucketDestination></Destination>
          <Schedule><Frequency>Daily</Frequency></Schedule><IncludedObjectVersions>All</IncludedObjectVersions>
          <OptionalFields><Field>Size</Field></OptionalFields></InventoryConfiguration>
      <IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken></ListInventoryConfigurationsResult>`).
			ListInventoriesPage(ctx, &bucket.ListInventoriesInput{Bucket: "mybucket"})
		if err != nil {
			t.Fatal(err)
		}
		want := bucket.InventoryConfiguration{ID: "goodinventoryid", Enabled: true, Prefix: "goodFilterPrefix",
			IncludedObjectVersions: bucket.InventoryAllVersions, Frequency: bucket.InventoryDaily,
			OptionalFields: []bucket.InventoryField{bucket.InventorySize},
			Destination:    bucket.InventoryDestination{Bucket: "mybucketCRN", Format: bucket.InventoryCSV, Prefix: "goodPrefix"}}
		if len(out.Inventories) != 1 || !reflect.DeepEqual(out.Inventories[0], want) || !out.IsTruncated || out.NextContinuationToken != "tok" {
			t.Errorf("page %+v", out)
		}
	})
	t.Run("QingStor stats", func(t *testing.T) {
		out, err := serve(t, client.QingStor, `{"name":"photos-2024","location":"pek3b","url":"https://photos-2024.pek3b.qingstor.com",`+
			`"created":"2024-01-02T03:04:05Z","status":"active","count":7,"size":1024}`).GetStats(ctx, &bucket.GetStatsInput{Bucket: "photos-2024"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Location != "pek3b" || out.Count != 7 || out.Size != 1024 || !out.Created.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || out.Status != "active" {
			t.Errorf("stats %+v", out)
		}
	})

	// Answers that hold no configuration read as client.ErrNotFound.
	for _, tc := range []struct {
		name string
		d    client.Dialect
		body string
		call func(b *bucket.Client) error
	}{
		{"QingStor empty lifecycle", client.QingStor, `{"rule":[]}`, func(b *bucket.Client) error {
			_, err := b.GetLifecycle(ctx, &bucket.GetLifecycleInput{Bucket: "photos-2024"})
			return err
		}},
		{"QingStor empty mirror", client.QingStor, `{}`, func(b *bucket.Client) error {
			_, err := b.GetMirror(ctx, &bucket.GetMirrorInput{Bucket: "photos-2024"})
			return err
		}},
		{"IBM unset protection", client.IBM, `<ProtectionConfiguration/>`, func(b *bucket.Client) error {
			_, err := b.GetProtection(ctx, &bucket.GetProtectionInput{Bucket: "apiary"})
			return err
		}},
		{"object lock not enabled", client.S3, `<ObjectLockConfiguration/>`, func(b *bucket.Client) error {
			_, err := b.GetObjectLock(ctx, &bucket.GetObjectLockInput{Bucket: "photos"})
			return err
		}},
		{"COS empty referer", client.COS, `<RefererConfiguration/>`, func(b *bucket.Client) error {
			_, err := b.GetReferer(ctx, &bucket.GetRefererInput{Bucket: "photos-1250000000"})
			return err
		}},
		{"empty website", client.S3, `<WebsiteConfiguration/>`, func(b *bucket.Client) error {
			_, err := b.GetWebsite(ctx, &bucket.GetWebsiteInput{Bucket: "photos"})
			return err
		}},
		{"empty tag set", client.COS, `<Tagging><TagSet/></Tagging>`, func(b *bucket.Client) error {
			_, err := b.GetTagging(ctx, &bucket.GetTaggingInput{Bucket: "photos-1250000000"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(serve(t, tc.d, tc.body)); !errors.Is(err, client.ErrNotFound) {
				t.Errorf("got %v, want an error matching client.ErrNotFound", err)
			}
		})
	}
}
