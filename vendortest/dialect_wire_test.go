package vendortest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/ibm-cos-sdk-go/aws"
	"github.com/IBM/ibm-cos-sdk-go/aws/credentials"
	"github.com/IBM/ibm-cos-sdk-go/aws/session"
	ibms3 "github.com/IBM/ibm-cos-sdk-go/service/s3"
	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	s3v2 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3v2types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	qs "github.com/qingstor/qingstor-sdk-go/v4/service"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// Wire comparisons of the operations the vendors mark checksum-required,
// of IBM's uploads to protected buckets, of IBM's legal hold listings and
// of QingStor's bucket listing, between the vendors' Go SDKs and
// polystore, against storagetest (which refuses what the vendors refuse)
// or canned answers.

// integrity names the integrity headers a logged request carried.
func integrity(d client.Dialect, r storagetest.Request) []string {
	var names []string
	for k := range r.Header {
		lk := strings.ToLower(k)
		if lk == "content-md5" || strings.HasPrefix(lk, d.HeaderPrefix+"checksum-") && lk != d.HeaderPrefix+"checksum-mode" && lk != d.HeaderPrefix+"checksum-algorithm" {
			names = append(names, lk)
		}
	}
	slices.Sort(names)
	return names
}

// sdkCall is one checksum-required operation, run by an SDK and by
// polystore on the same bucket.
type sdkCall struct {
	op        string
	sdk       func(ctx context.Context) error
	polystore func(ctx context.Context) error
}

// checkIntegrityLikeSDK runs each call through the SDK and polystore,
// and checks that whenever the SDK's request carried an integrity header
// polystore's did too, with the same Content-MD5 when both sent one for
// the same body.
func checkIntegrityLikeSDK(t *testing.T, srv *storagetest.Server, calls []sdkCall) {
	t.Helper()
	ctx := context.Background()
	d := srv.Dialect()
	for _, c := range calls {
		if err := c.sdk(ctx); err != nil {
			t.Errorf("%s by the SDK: %v", c.op, err)
			continue
		}
		sdkReq := lastRequest(t, srv, c.op)
		if err := c.polystore(ctx); err != nil {
			t.Errorf("%s by polystore: %v", c.op, err)
			continue
		}
		ours := lastRequest(t, srv, c.op)
		sdkHas, ourHas := integrity(d, sdkReq), integrity(d, ours)
		if len(sdkHas) > 0 && len(ourHas) == 0 {
			t.Errorf("%s: the SDK sent %v, polystore no integrity header", c.op, sdkHas)
		}
		if need := d.ChecksumRequired[c.op]; need == client.ChecksumRequired && ours.Header.Get("Content-MD5") == "" {
			t.Errorf("%s (%v on %s): polystore sent no Content-MD5", c.op, need, d.Name)
		}
		if a, b := sdkReq.Header.Get("Content-MD5"), ours.Header.Get("Content-MD5"); a != "" && b != "" && sdkReq.BodyMD5 == ours.BodyMD5 && a != b {
			t.Errorf("%s: same body, Content-MD5 %q from the SDK, %q from polystore", c.op, a, b)
		}
		t.Logf("%s: SDK %v, polystore %v", c.op, sdkHas, ourHas)
	}
}

func polystoreClient(t *testing.T, srv *storagetest.Server) *client.Client {
	t.Helper()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestChecksumRequiredLikeAWSSDK: aws-sdk-go-v2 sends x-amz-checksum-crc32
// on the operations S3's model marks checksum-required; polystore sends
// Content-MD5 on the same ones, on S3 and IBM.
func TestChecksumRequiredLikeAWSSDK(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		t.Run(d.Name, func(t *testing.T) {
			srv := startServer(t, d)
			hc := srv.HTTPClient()
			defer hc.CloseIdleConnections()
			sdk := newAWS(srv, true, hc)
			c := polystoreClient(t, srv)
			ctx := context.Background()
			const bkt = "checksum-wire"
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: bkt}); err != nil {
				t.Fatal(err)
			}
			if _, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: bkt, Key: "k", Body: strings.NewReader("x")}); err != nil {
				t.Fatal(err)
			}
			cors := []bucket.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}
			checkIntegrityLikeSDK(t, srv, []sdkCall{
				{"PutBucketAcl", func(ctx context.Context) error {
					_, err := sdk.PutBucketAcl(ctx, &s3v2.PutBucketAclInput{Bucket: awsv2.String(bkt), ACL: s3v2types.BucketCannedACLPrivate})
					return err
				}, func(ctx context.Context) error {
					_, err := bucket.NewClient(c).PutACL(ctx, &bucket.PutACLInput{Bucket: bkt, ACL: bucket.ACLPrivate})
					return err
				}},
				{"PutObjectAcl", func(ctx context.Context) error {
					_, err := sdk.PutObjectAcl(ctx, &s3v2.PutObjectAclInput{Bucket: awsv2.String(bkt), Key: awsv2.String("k"), ACL: s3v2types.ObjectCannedACLPrivate})
					return err
				}, func(ctx context.Context) error {
					_, err := object.NewClient(c).PutACL(ctx, &object.PutACLInput{Bucket: bkt, Key: "k", ACL: client.ACLPrivate})
					return err
				}},
				{"PutBucketCors", func(ctx context.Context) error {
					_, err := sdk.PutBucketCors(ctx, &s3v2.PutBucketCorsInput{Bucket: awsv2.String(bkt), CORSConfiguration: &s3v2types.CORSConfiguration{
						CORSRules: []s3v2types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}})
					return err
				}, func(ctx context.Context) error {
					_, err := bucket.NewClient(c).PutCORS(ctx, &bucket.PutCORSInput{Bucket: bkt, Rules: cors})
					return err
				}},
				{"PutBucketVersioning", func(ctx context.Context) error {
					_, err := sdk.PutBucketVersioning(ctx, &s3v2.PutBucketVersioningInput{Bucket: awsv2.String(bkt),
						VersioningConfiguration: &s3v2types.VersioningConfiguration{Status: s3v2types.BucketVersioningStatusSuspended}})
					return err
				}, func(ctx context.Context) error {
					_, err := bucket.NewClient(c).PutVersioning(ctx, &bucket.PutVersioningInput{Bucket: bkt, Status: bucket.VersioningSuspended})
					return err
				}},
				{"DeleteObjects", func(ctx context.Context) error {
					_, err := sdk.DeleteObjects(ctx, &s3v2.DeleteObjectsInput{Bucket: awsv2.String(bkt), Delete: &s3v2types.Delete{Objects: []s3v2types.ObjectIdentifier{{Key: awsv2.String("gone")}}}})
					return err
				}, func(ctx context.Context) error {
					_, err := object.NewClient(c).DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: bkt, Objects: []object.ObjectID{{Key: "gone"}}})
					return err
				}},
			})
		})
	}
}

// newIBMAt is newIBM with HMAC keys for an endpoint of one's own (the
// canned answers of TestIBMLegalHoldShapes).
func newIBMAt(t *testing.T, endpoint string) *ibms3.S3 {
	t.Helper()
	conf := aws.NewConfig().WithEndpoint(endpoint).WithRegion("us-south").WithS3ForcePathStyle(true).
		WithCredentials(credentials.NewStaticCredentials("AK", "SK", ""))
	sess, err := session.NewSessionWithOptions(session.Options{Config: *conf, SharedConfigState: session.SharedConfigDisable})
	if err != nil {
		t.Fatal(err)
	}
	return ibms3.New(sess)
}

// TestIBMChecksumsLikeIBMSDK: ibm-cos-sdk-go adds Content-MD5 to the
// operations IBM's model marks httpChecksumRequired (CompleteMultipartUpload
// among them, which S3's does not mark) and to uploads it can rewind;
// polystore sends the same Content-MD5, and both are let into a
// protected bucket, which refuses uploads without one.
func TestIBMChecksumsLikeIBMSDK(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "")
	srv := startServer(t, client.IBM)
	hc := srv.HTTPClient()
	defer hc.CloseIdleConnections()
	sdk := newIBM(t, srv, false, hc)
	c := polystoreClient(t, srv)
	ctx := context.Background()
	const bkt = "ibm-checksums"
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.NewClient(c).PutProtection(ctx, &bucket.PutProtectionInput{Bucket: bkt, Protection: &bucket.ProtectionConfiguration{
		Status: bucket.ProtectionRetention, MinimumRetentionDays: 0, DefaultRetentionDays: 1, MaximumRetentionDays: 10}}); err != nil {
		t.Fatal(err)
	}
	body := []byte("retained by both")
	part := randomData(5, minPart)
	var sdkUpload, ourUpload string
	checkIntegrityLikeSDK(t, srv, []sdkCall{
		{"PutObject", func(context.Context) error {
			_, err := sdk.PutObject(&ibms3.PutObjectInput{Bucket: aws.String(bkt), Key: aws.String("sdk"), Body: bytes.NewReader(body), RetentionPeriod: aws.Int64(86400)})
			return err
		}, func(ctx context.Context) error {
			_, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: bkt, Key: "ours", Body: bytes.NewReader(body), Retention: &client.Retention{Period: 24 * time.Hour}})
			return err
		}},
		{"PutBucketAcl", func(context.Context) error {
			_, err := sdk.PutBucketAcl(&ibms3.PutBucketAclInput{Bucket: aws.String(bkt), ACL: aws.String("private")})
			return err
		}, func(ctx context.Context) error {
			_, err := bucket.NewClient(c).PutACL(ctx, &bucket.PutACLInput{Bucket: bkt, ACL: bucket.ACLPrivate})
			return err
		}},
		{"UploadPart", func(context.Context) error {
			up, err := sdk.CreateMultipartUpload(&ibms3.CreateMultipartUploadInput{Bucket: aws.String(bkt), Key: aws.String("mp-sdk")})
			if err != nil {
				return err
			}
			sdkUpload = aws.StringValue(up.UploadId)
			_, err = sdk.UploadPart(&ibms3.UploadPartInput{Bucket: aws.String(bkt), Key: aws.String("mp-sdk"), UploadId: up.UploadId, PartNumber: aws.Int64(1), Body: bytes.NewReader(part)})
			return err
		}, func(ctx context.Context) error {
			up, err := multipart.NewClient(c).Initiate(ctx, &multipart.InitiateInput{Bucket: bkt, Key: "mp-ours"})
			if err != nil {
				return err
			}
			ourUpload = up.UploadID
			_, err = multipart.NewClient(c).UploadPart(ctx, &multipart.UploadPartInput{Bucket: bkt, Key: "mp-ours", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(part)})
			return err
		}},
		{"CompleteMultipartUpload", func(context.Context) error {
			parts, err := sdk.ListParts(&ibms3.ListPartsInput{Bucket: aws.String(bkt), Key: aws.String("mp-sdk"), UploadId: aws.String(sdkUpload)})
			if err != nil {
				return err
			}
			_, err = sdk.CompleteMultipartUpload(&ibms3.CompleteMultipartUploadInput{Bucket: aws.String(bkt), Key: aws.String("mp-sdk"), UploadId: aws.String(sdkUpload),
				MultipartUpload: &ibms3.CompletedMultipartUpload{Parts: []*ibms3.CompletedPart{{PartNumber: aws.Int64(1), ETag: parts.Parts[0].ETag}}}})
			return err
		}, func(ctx context.Context) error {
			_, err := multipart.NewClient(c).Complete(ctx, &multipart.CompleteInput{Bucket: bkt, Key: "mp-ours", UploadID: ourUpload,
				Parts: []multipart.CompletedPart{{PartNumber: 1, ETag: `"` + md5hex(part) + `"`}}})
			return err
		}},
	})
	if lastRequest(t, srv, "CompleteMultipartUpload").Header.Get("Content-MD5") == "" {
		t.Error("polystore's CompleteMultipartUpload carried no Content-MD5")
	}
}

// TestIBMLegalHoldShapes: the retention state of GET ?legalHold in each
// shape polystore reads; whatever ibm-cos-sdk-go finds in one, polystore
// finds too. The SDK reads only <LegalHolds><member> (its model's
// unflattened list); IBM's reference documents <LegalHoldSet><LegalHold>
// and ibm-cos-sdk-java parses <LegalHolds><LegalHold>.
func TestIBMLegalHoldShapes(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "")
	holds := func(wrap, item string) string {
		return "<" + wrap + "><" + item + "><ID>case-1</ID><Date>2018-09-08T23:13:18Z</Date></" + item + ">" +
			"<" + item + "><ID>audit.2</ID><Date>2018-09-09T01:02:03Z</Date></" + item + "></" + wrap + ">"
	}
	for _, tc := range []struct {
		name, holds string
		sdkReads    bool
	}{
		{"LegalHoldSet/LegalHold", holds("LegalHoldSet", "LegalHold"), false},
		{"LegalHolds/LegalHold", holds("LegalHolds", "LegalHold"), false},
		{"LegalHolds/member", holds("LegalHolds", "member"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `<?xml version="1.0" encoding="UTF-8"?><RetentionState><CreateTime>2018-09-08T21:33:08Z</CreateTime>` +
				`<RetentionPeriod>220752000</RetentionPeriod><RetentionPeriodExpirationDate>2025-09-01T21:33:08Z</RetentionPeriodExpirationDate>` +
				tc.holds + `</RetentionState>`
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				io.WriteString(w, doc)
			}))
			defer srv.Close()
			out, err := newIBMAt(t, srv.URL).ListLegalHolds(&ibms3.ListLegalHoldsInput{Bucket: aws.String("vault"), Key: aws.String("k")})
			if err != nil {
				t.Fatalf("SDK: %v", err)
			}
			var sdkIDs []string
			for _, h := range out.LegalHolds {
				sdkIDs = append(sdkIDs, aws.StringValue(h.ID))
			}
			if got := len(sdkIDs) > 0; got != tc.sdkReads {
				t.Errorf("the SDK read %v from this shape; the test expects it to read holds: %v", sdkIDs, tc.sdkReads)
			}
			c, err := client.New(client.IBM, client.WithEndpoint(srv.URL), client.WithStaticCredentials("AK", "SK", ""))
			if err != nil {
				t.Fatal(err)
			}
			ours, err := object.NewClient(c).ListLegalHolds(context.Background(), &object.ListLegalHoldsInput{Bucket: "vault", Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			var ourIDs []string
			for _, h := range ours.Retention.LegalHolds {
				ourIDs = append(ourIDs, h.ID)
			}
			if !slices.Equal(ourIDs, []string{"case-1", "audit.2"}) {
				t.Errorf("polystore read %v", ourIDs)
			}
			if len(sdkIDs) > 0 && !slices.Equal(sdkIDs, ourIDs) {
				t.Errorf("SDK %v, polystore %v", sdkIDs, ourIDs)
			}
		})
	}
}

// TestQingStorListBucketsLikeSDK: qingstor-sdk-go lists buckets on the
// global host (localhost:PORT for qingstor.com) unless it is given a
// zone, and gets every zone's; polystore, with no zone chosen, lists the
// same buckets.
func TestQingStorListBucketsLikeSDK(t *testing.T) {
	t.Setenv("QINGSTOR_ZONE", "")
	srv := startServer(t, client.QingStor, func(o *storagetest.Options) { o.Zones = []string{"sh1a"} })
	hc := srv.HTTPClient()
	defer hc.CloseIdleConnections()
	svc := newQingStor(t, srv, false, hc)
	for zone, names := range map[string][]string{"pek3b": {"beijing-bucket"}, "sh1a": {"shanghai-bucket", "shanghai-two"}} {
		for _, n := range names {
			b, err := svc.Bucket(n, zone)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Put(); err != nil {
				t.Fatalf("create %s in %s: %v", n, zone, err)
			}
		}
	}
	out, err := svc.ListBuckets(&qs.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var sdkNames []string
	for _, b := range out.Buckets {
		sdkNames = append(sdkNames, *b.Name+"@"+*b.Location)
	}
	slices.Sort(sdkNames)
	if len(sdkNames) != 3 {
		t.Fatalf("the SDK listed %v, want the three buckets of both zones", sdkNames)
	}

	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	d := client.QingStor // its hosts moved onto the server's domain
	d.Endpoint = "http://{bucket}.{region}.localhost:" + u.Port()
	d.PathEndpoint = "http://{region}.localhost:" + u.Port()
	d.Bucket.Service.GlobalEndpoint = "http://localhost:" + u.Port()
	d.NewSigner = func(sc client.SignerConfig) signer.Signer { return signer.NewQingStor(sc.Credentials) }
	c, err := client.New(d, client.WithHTTPClient(hc), client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for b, err := range bucket.NewClient(c).ListBuckets(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		ours = append(ours, b.Name+"@"+b.Region)
	}
	slices.Sort(ours)
	if !slices.Equal(ours, sdkNames) {
		t.Errorf("polystore listed %v, the SDK %v", ours, sdkNames)
	}
	if r := lastRequest(t, srv, "ListBuckets"); r.Host != "localhost:"+u.Port() {
		t.Errorf("polystore listed on %q, want the global host", r.Host)
	}
}
