package bucket

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// Tag is one key-value tag of a bucket.
type Tag struct {
	// Key is the tag's name: not empty, unique on the bucket.
	Key string
	// Value is the tag's value; may be empty.
	Value string
}

// PutTaggingInput is the input of PutTagging.
type PutTaggingInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Tags replace the bucket's tags. At least one.
	Tags []Tag
}

// PutTaggingOutput is the result of PutTagging.
type PutTaggingOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetTaggingInput is the input of GetTagging.
type GetTaggingInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetTaggingOutput is the result of GetTagging.
type GetTaggingOutput struct {
	// Tags are the bucket's tags, at least one.
	Tags []Tag
	// RequestID is the service's request id.
	RequestID string
}

// DeleteTaggingInput is the input of DeleteTagging.
type DeleteTaggingInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteTaggingOutput is the result of DeleteTagging.
type DeleteTaggingOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var taggingFeature = feature{"bucket tags", func(w *client.BucketWire) bool { return w.Tagging.Supported }}

type xmlTagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Tags    []xmlTag `xml:"TagSet>Tag"`
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func validatePutTagging(d *client.Dialect, in *PutTaggingInput) error {
	w := d.Bucket.Tagging
	if len(in.Tags) == 0 {
		return client.InvalidArgument("Tags", "must have at least one tag (use DeleteTagging to remove them)")
	}
	if w.MaxTags > 0 && len(in.Tags) > w.MaxTags {
		return client.InvalidArgument("Tags", "has %d tags; the %s limit is %d", len(in.Tags), d.Name, w.MaxTags)
	}
	for i, t := range in.Tags {
		switch {
		case t.Key == "":
			return client.InvalidArgument(field("Tags", i, "Key"), "must not be empty")
		case !utf8.ValidString(t.Key) || !utf8.ValidString(t.Value):
			return client.InvalidArgument(field("Tags", i, ""), "is not valid UTF-8")
		case w.MaxKeyLength > 0 && utf8.RuneCountInString(t.Key) > w.MaxKeyLength:
			return client.InvalidArgument(field("Tags", i, "Key"), "is longer than %d characters", w.MaxKeyLength)
		case w.MaxValueLength > 0 && utf8.RuneCountInString(t.Value) > w.MaxValueLength:
			return client.InvalidArgument(field("Tags", i, "Value"), "is longer than %d characters", w.MaxValueLength)
		case w.ReservedPrefix != "" && strings.HasPrefix(strings.ToLower(t.Key), w.ReservedPrefix):
			return client.InvalidArgument(field("Tags", i, "Key"), "%q uses the reserved prefix %q", t.Key, w.ReservedPrefix)
		}
		if j := slices.IndexFunc(in.Tags[:i], func(o Tag) bool { return o.Key == t.Key }); j >= 0 {
			return client.InvalidArgument(field("Tags", i, "Key"), "%q is also the key of Tags[%d]", t.Key, j)
		}
	}
	return nil
}

var putTaggingOp = configOp[PutTaggingInput, PutTaggingOutput]{
	name: "PutBucketTagging", method: http.MethodPut, sub: "tagging", feature: taggingFeature,
	bucket:   func(in *PutTaggingInput) string { return in.Bucket },
	validate: validatePutTagging,
	serialize: func(d *client.Dialect, in *PutTaggingInput, r *opkit.Request) error {
		doc := xmlTagging{Xmlns: d.Bucket.XMLNamespace}
		for _, t := range in.Tags {
			doc.Tags = append(doc.Tags, xmlTag(t))
		}
		return setXML(d, r, doc)
	},
	requestID: func(out *PutTaggingOutput) *string { return &out.RequestID },
}.op()

// PutTagging replaces a bucket's tags (S3, COS: PUT ?tagging with the
// Content-MD5 both require). Other dialects refuse it with
// client.ErrNotSupported.
func (c *Client) PutTagging(ctx context.Context, in *PutTaggingInput, optFns ...func(*client.Options)) (*PutTaggingOutput, error) {
	return opkit.Call(ctx, c.c, &putTaggingOp, in, optFns...)
}

var getTaggingOp = configOp[GetTaggingInput, GetTaggingOutput]{
	name: "GetBucketTagging", method: http.MethodGet, sub: "tagging", feature: taggingFeature,
	bucket: func(in *GetTaggingInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetTaggingOutput) error {
		var doc xmlTagging
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		for _, t := range doc.Tags {
			out.Tags = append(out.Tags, Tag(t))
		}
		return nil
	},
	requestID: func(out *GetTaggingOutput) *string { return &out.RequestID },
}.op()

// GetTagging returns a bucket's tags. A bucket without tags is an error
// matching client.ErrNotFound, as S3 and COS answer.
func (c *Client) GetTagging(ctx context.Context, in *GetTaggingInput, optFns ...func(*client.Options)) (*GetTaggingOutput, error) {
	return getConfig(ctx, c, &getTaggingOp, in, optFns,
		func(out *GetTaggingOutput) bool { return len(out.Tags) == 0 }, "tags")
}

var deleteTaggingOp = configOp[DeleteTaggingInput, DeleteTaggingOutput]{
	name: "DeleteBucketTagging", method: http.MethodDelete, sub: "tagging", feature: taggingFeature,
	bucket:    func(in *DeleteTaggingInput) string { return in.Bucket },
	requestID: func(out *DeleteTaggingOutput) *string { return &out.RequestID },
}.op()

// DeleteTagging removes a bucket's tags.
func (c *Client) DeleteTagging(ctx context.Context, in *DeleteTaggingInput, optFns ...func(*client.Options)) (*DeleteTaggingOutput, error) {
	return opkit.Call(ctx, c.c, &deleteTaggingOp, in, optFns...)
}

// RefererType says whether a referer list allows or blocks its domains.
type RefererType string

// Referer list types.
const (
	// RefererAllowList serves only requests whose Referer matches a
	// domain (COS "White-List").
	RefererAllowList RefererType = "White-List"
	// RefererBlockList refuses requests whose Referer matches a domain
	// (COS "Black-List").
	RefererBlockList RefererType = "Black-List"
)

// Values returns the types polystore knows.
func (RefererType) Values() []RefererType { return []RefererType{RefererAllowList, RefererBlockList} }

// RefererConfiguration is COS's hotlink protection: requests are allowed
// or refused by their Referer header.
type RefererConfiguration struct {
	// Enabled turns the protection on.
	Enabled bool
	// Type says whether Domains are allowed or blocked. Required.
	Type RefererType
	// Domains are matched as prefixes and may hold a port or a '*'
	// wildcard: "*.example.com", "192.168.1.2:8080". At least one when
	// Enabled.
	Domains []string
	// AllowEmptyReferer serves requests without a Referer
	// (EmptyReferConfiguration Allow; COS's default is Deny).
	AllowEmptyReferer bool
}

// PutRefererInput is the input of PutReferer.
type PutRefererInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Referer is the configuration. Required.
	Referer *RefererConfiguration
}

// PutRefererOutput is the result of PutReferer.
type PutRefererOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetRefererInput is the input of GetReferer.
type GetRefererInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetRefererOutput is the result of GetReferer.
type GetRefererOutput struct {
	// Referer is the bucket's configuration.
	Referer RefererConfiguration
	// RequestID is the service's request id.
	RequestID string
}

var refererFeature = feature{"referer (hotlink protection) configurations", func(w *client.BucketWire) bool { return w.Referer.Supported }}

type xmlRefererConfiguration struct {
	XMLName                 xml.Name `xml:"RefererConfiguration"`
	Xmlns                   string   `xml:"xmlns,attr,omitempty"`
	Status                  string   `xml:"Status"`
	RefererType             string   `xml:"RefererType"`
	Domains                 []string `xml:"DomainList>Domain"`
	EmptyReferConfiguration string   `xml:"EmptyReferConfiguration,omitempty"`
}

func validatePutReferer(_ *client.Dialect, in *PutRefererInput) error {
	rc := in.Referer
	if rc == nil {
		return client.InvalidArgument("Referer", "is required")
	}
	if rc.Type != RefererAllowList && rc.Type != RefererBlockList {
		return client.InvalidArgument("Referer.Type", "must be RefererAllowList or RefererBlockList, got %q", rc.Type)
	}
	if rc.Enabled && len(rc.Domains) == 0 {
		return client.InvalidArgument("Referer.Domains", "must name at least one domain when Enabled")
	}
	for i, dom := range rc.Domains {
		if strings.TrimSpace(dom) == "" {
			return client.InvalidArgument(field("Referer.Domains", i, ""), "must not be empty")
		}
	}
	return nil
}

var putRefererOp = configOp[PutRefererInput, PutRefererOutput]{
	name: "PutBucketReferer", method: http.MethodPut, sub: "referer", feature: refererFeature,
	bucket:   func(in *PutRefererInput) string { return in.Bucket },
	validate: validatePutReferer,
	serialize: func(d *client.Dialect, in *PutRefererInput, r *opkit.Request) error {
		rc := in.Referer
		doc := xmlRefererConfiguration{
			Xmlns: d.Bucket.XMLNamespace, Status: "Disabled", RefererType: string(rc.Type),
			Domains: rc.Domains, EmptyReferConfiguration: "Deny",
		}
		if rc.Enabled {
			doc.Status = "Enabled"
		}
		if rc.AllowEmptyReferer {
			doc.EmptyReferConfiguration = "Allow"
		}
		return setXML(d, r, doc)
	},
	requestID: func(out *PutRefererOutput) *string { return &out.RequestID },
}.op()

// PutReferer sets a COS bucket's referer (hotlink protection)
// configuration (PUT ?referer). COS has no delete: put one with Enabled
// false to turn it off. Other dialects refuse it with
// client.ErrNotSupported.
func (c *Client) PutReferer(ctx context.Context, in *PutRefererInput, optFns ...func(*client.Options)) (*PutRefererOutput, error) {
	return opkit.Call(ctx, c.c, &putRefererOp, in, optFns...)
}

var getRefererOp = configOp[GetRefererInput, GetRefererOutput]{
	name: "GetBucketReferer", method: http.MethodGet, sub: "referer", feature: refererFeature,
	bucket: func(in *GetRefererInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetRefererOutput) error {
		var doc xmlRefererConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.Referer = RefererConfiguration{
			Enabled: strings.EqualFold(doc.Status, "Enabled"), Type: RefererType(doc.RefererType),
			Domains: doc.Domains, AllowEmptyReferer: strings.EqualFold(doc.EmptyReferConfiguration, "Allow"),
		}
		return nil
	},
	requestID: func(out *GetRefererOutput) *string { return &out.RequestID },
}.op()

// GetReferer returns a COS bucket's referer configuration. A bucket that
// never had one is an error matching client.ErrNotFound.
func (c *Client) GetReferer(ctx context.Context, in *GetRefererInput, optFns ...func(*client.Options)) (*GetRefererOutput, error) {
	return getConfig(ctx, c, &getRefererOp, in, optFns,
		func(out *GetRefererOutput) bool { return out.Referer.Type == "" }, "referer configuration")
}

// EncryptionAlgorithm is the server-side encryption a bucket applies to
// new objects by default. Which algorithms a dialect accepts is in its
// dialect table (client.EncryptionWire.Algorithms).
type EncryptionAlgorithm string

// Default encryption algorithms.
const (
	// EncryptionAES256 is service-managed keys (S3 SSE-S3, COS SSE-COS).
	EncryptionAES256 EncryptionAlgorithm = "AES256"
	// EncryptionAWSKMS is S3 SSE-KMS.
	EncryptionAWSKMS EncryptionAlgorithm = "aws:kms"
	// EncryptionAWSKMSDSSE is S3 dual-layer SSE-KMS.
	EncryptionAWSKMSDSSE EncryptionAlgorithm = "aws:kms:dsse"
	// EncryptionKMS is COS SSE-KMS.
	EncryptionKMS EncryptionAlgorithm = "KMS"
	// EncryptionSM4 is COS's SM4 encryption.
	EncryptionSM4 EncryptionAlgorithm = "SM4"
)

// Values returns the algorithms polystore knows.
func (EncryptionAlgorithm) Values() []EncryptionAlgorithm {
	return []EncryptionAlgorithm{EncryptionAES256, EncryptionAWSKMS, EncryptionAWSKMSDSSE, EncryptionKMS, EncryptionSM4}
}

// BucketEncryption is a bucket's default encryption.
type BucketEncryption struct {
	// Algorithm is the encryption applied. Required.
	Algorithm EncryptionAlgorithm
	// KMSKeyID is the KMS key, for the KMS algorithms; empty means the
	// service's default key.
	KMSKeyID string
	// BucketKeyEnabled uses S3 bucket keys to cut KMS requests (S3).
	BucketKeyEnabled bool
}

// PutEncryptionInput is the input of PutEncryption.
type PutEncryptionInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Encryption is the configuration. Required.
	Encryption *BucketEncryption
}

// PutEncryptionOutput is the result of PutEncryption.
type PutEncryptionOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetEncryptionInput is the input of GetEncryption.
type GetEncryptionInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetEncryptionOutput is the result of GetEncryption.
type GetEncryptionOutput struct {
	// Encryption is the bucket's default encryption.
	Encryption BucketEncryption
	// RequestID is the service's request id.
	RequestID string
}

// DeleteEncryptionInput is the input of DeleteEncryption.
type DeleteEncryptionInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteEncryptionOutput is the result of DeleteEncryption.
type DeleteEncryptionOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var encryptionFeature = feature{"default bucket encryption", func(w *client.BucketWire) bool { return w.Encryption.Supported }}

type xmlEncryptionConfiguration struct {
	XMLName xml.Name            `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string              `xml:"xmlns,attr,omitempty"`
	Rules   []xmlEncryptionRule `xml:"Rule"`
}

type xmlEncryptionRule struct {
	Default struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	} `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled bool `xml:"BucketKeyEnabled,omitempty"`
}

func validatePutEncryption(d *client.Dialect, in *PutEncryptionInput) error {
	w := d.Bucket.Encryption
	e := in.Encryption
	switch {
	case e == nil:
		return client.InvalidArgument("Encryption", "is required (use DeleteEncryption to remove it)")
	case !slices.Contains(w.Algorithms, string(e.Algorithm)):
		return client.InvalidArgument("Encryption.Algorithm", "%q is not one of %s", e.Algorithm, strings.Join(w.Algorithms, ", "))
	case e.KMSKeyID != "" && !slices.Contains(w.KeyAlgorithms, string(e.Algorithm)):
		return client.InvalidArgument("Encryption.KMSKeyID", "is only for %s, not %q", strings.Join(w.KeyAlgorithms, ", "), e.Algorithm)
	case e.BucketKeyEnabled && !w.BucketKey:
		return client.NotSupported(d, "Encryption.BucketKeyEnabled", "bucket keys")
	}
	return nil
}

var putEncryptionOp = configOp[PutEncryptionInput, PutEncryptionOutput]{
	name: "PutBucketEncryption", method: http.MethodPut, sub: "encryption", feature: encryptionFeature,
	bucket:   func(in *PutEncryptionInput) string { return in.Bucket },
	validate: validatePutEncryption,
	serialize: func(d *client.Dialect, in *PutEncryptionInput, r *opkit.Request) error {
		var rule xmlEncryptionRule
		rule.Default.SSEAlgorithm = string(in.Encryption.Algorithm)
		rule.Default.KMSMasterKeyID = in.Encryption.KMSKeyID
		rule.BucketKeyEnabled = in.Encryption.BucketKeyEnabled
		return setXML(d, r, xmlEncryptionConfiguration{Xmlns: d.Bucket.XMLNamespace, Rules: []xmlEncryptionRule{rule}})
	},
	requestID: func(out *PutEncryptionOutput) *string { return &out.RequestID },
}.op()

// PutEncryption sets a bucket's default encryption (S3, COS: PUT
// ?encryption). Other dialects refuse it with client.ErrNotSupported
// (IBM chooses Key Protect encryption at creation: CreateInput.KeyProtect).
func (c *Client) PutEncryption(ctx context.Context, in *PutEncryptionInput, optFns ...func(*client.Options)) (*PutEncryptionOutput, error) {
	return opkit.Call(ctx, c.c, &putEncryptionOp, in, optFns...)
}

var getEncryptionOp = configOp[GetEncryptionInput, GetEncryptionOutput]{
	name: "GetBucketEncryption", method: http.MethodGet, sub: "encryption", feature: encryptionFeature,
	bucket: func(in *GetEncryptionInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetEncryptionOutput) error {
		var doc xmlEncryptionConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		if len(doc.Rules) > 0 {
			r := doc.Rules[0]
			out.Encryption = BucketEncryption{
				Algorithm: EncryptionAlgorithm(r.Default.SSEAlgorithm), KMSKeyID: r.Default.KMSMasterKeyID,
				BucketKeyEnabled: r.BucketKeyEnabled,
			}
		}
		return nil
	},
	requestID: func(out *GetEncryptionOutput) *string { return &out.RequestID },
}.op()

// GetEncryption returns a bucket's default encryption. A bucket without
// one is an error matching client.ErrNotFound.
func (c *Client) GetEncryption(ctx context.Context, in *GetEncryptionInput, optFns ...func(*client.Options)) (*GetEncryptionOutput, error) {
	return getConfig(ctx, c, &getEncryptionOp, in, optFns,
		func(out *GetEncryptionOutput) bool { return out.Encryption.Algorithm == "" }, "default encryption")
}

var deleteEncryptionOp = configOp[DeleteEncryptionInput, DeleteEncryptionOutput]{
	name: "DeleteBucketEncryption", method: http.MethodDelete, sub: "encryption", feature: encryptionFeature,
	bucket:    func(in *DeleteEncryptionInput) string { return in.Bucket },
	requestID: func(out *DeleteEncryptionOutput) *string { return &out.RequestID },
}.op()

// DeleteEncryption removes a bucket's default encryption.
func (c *Client) DeleteEncryption(ctx context.Context, in *DeleteEncryptionInput, optFns ...func(*client.Options)) (*DeleteEncryptionOutput, error) {
	return opkit.Call(ctx, c.c, &deleteEncryptionOp, in, optFns...)
}
