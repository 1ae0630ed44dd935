package client

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/polystore/polystore/internal/httpheader"
	"github.com/polystore/polystore/signer"
)

// Addressing selects how the bucket is placed in a request URL.
type Addressing int

// Addressing styles.
const (
	// AddressingDefault uses the dialect's own default.
	AddressingDefault Addressing = iota
	// VirtualHost puts the bucket in the host name: https://bucket.host/key.
	VirtualHost
	// PathStyle puts the bucket in the path: https://host/bucket/key.
	PathStyle
)

// String returns "default", "virtual-host" or "path".
func (a Addressing) String() string {
	switch a {
	case VirtualHost:
		return "virtual-host"
	case PathStyle:
		return "path"
	}
	return "default"
}

// Codec names the body format a dialect uses for requests, responses and
// errors.
type Codec int

// Body codecs.
const (
	XML  Codec = iota // S3, COS, IBM
	JSON              // QingStor
)

// Feature is one optional capability of a dialect.
type Feature uint64

// Features a dialect may have. Operation code asks the dialect with Has;
// a missing feature yields ErrNotSupported before any request is sent.
const (
	FeatureAppend Feature = 1 << iota
	FeatureVersioning
	FeaturePostPolicy
	FeatureMultipartCopy
	FeatureListObjectsV2
	FeatureMove
	FeatureFetch
	FeatureCRC64
	FeatureContentMD5
	FeaturePresign
	FeatureChecksums
	// FeatureRetention is IBM Immutable Object Storage on objects: legal
	// holds (?legalHold), retention extension (?extendRetention) and
	// retention headers on PUT (ObjectWire.Retention names them).
	FeatureRetention
	// FeatureTrailingChecksums: an additional checksum can follow the body
	// as an aws-chunked trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), so
	// it is computed while the body is sent.
	FeatureTrailingChecksums
)

var featureNames = []struct {
	f    Feature
	name string
}{
	{FeatureAppend, "append (POST ?append&position)"},
	{FeatureVersioning, "versioning, version ids, delete markers"},
	{FeaturePostPolicy, "browser POST form uploads"},
	{FeatureMultipartCopy, "multipart upload part copy"},
	{FeatureListObjectsV2, "ListObjectsV2 (continuation tokens)"},
	{FeatureMove, "move object"},
	{FeatureFetch, "fetch object from a URL"},
	{FeatureCRC64, "CRC-64 (x-cos-hash-crc64ecma)"},
	{FeatureContentMD5, "Content-MD5 verification"},
	{FeaturePresign, "presigned URLs"},
	{FeatureChecksums, "additional checksums (x-amz-checksum-crc32c, -crc32, -sha1, -sha256)"},
	{FeatureRetention, "object legal holds and retention extension (IBM ?legalHold, ?extendRetention)"},
	{FeatureTrailingChecksums, "trailing checksums (aws-chunked, computed while sending)"},
}

// AllFeatures lists every feature, in a fixed order.
func AllFeatures() []Feature {
	fs := make([]Feature, len(featureNames))
	for i, fn := range featureNames {
		fs[i] = fn.f
	}
	return fs
}

// String names the feature, such as "append (POST ?append&position)".
func (f Feature) String() string {
	for _, fn := range featureNames {
		if fn.f == f {
			return fn.name
		}
	}
	return "Feature(" + strconv.FormatUint(uint64(f), 2) + ")"
}

// ParamNames are the wire names of query parameters that dialects spell
// differently.
type ParamNames struct {
	VersionID  string // "version_id" (QingStor) or "versionId"
	UploadID   string // "upload_id" or "uploadId"
	PartNumber string // "part_number" or "partNumber"
}

// Limits are a dialect's size and count limits.
type Limits struct {
	FirstPartNumber int   // 0 for QingStor, 1 elsewhere
	MaxParts        int   // most parts in one multipart upload
	MinPartSize     int64 // every part but the last is at least this large
	MaxPartSize     int64
	MaxPutSize      int64 // largest single PUT
	MaxKeyLength    int   // bytes of UTF-8
	MaxMetadataSize int   // bytes of user metadata (names + values); 0 = no limit
	MaxDeleteKeys   int   // keys per delete-multiple request

	// MaxCopySize is the largest object one server-side copy request
	// (CopyObject) copies; a larger one is copied in parts
	// (UploadPartCopy). 0 means no limit.
	MaxCopySize int64
}

// SignerConfig is what a dialect's default signer is built from.
type SignerConfig struct {
	Credentials signer.CredentialsProvider
	Region      string
}

// Dialect is everything polystore knows about one storage API, as plain
// data. It is the only place vendor facts live: operation code asks the
// dialect and never compares dialect names.
//
// To reach another S3-compatible server, copy S3 and change fields:
//
//	ceph := client.S3
//	ceph.Name = "ceph"
//	ceph.Features &^= client.FeatureTrailingChecksums // no aws-chunked trailers
//
// An assignment copies the top level only: maps and slices stay shared
// with the source. Replace them, or start from Clone, which copies them
// too, before changing one in place. The four exported dialects share
// nothing with each other, and New keeps a clone of its dialect, so no
// later change to a dialect value reaches a client.
type Dialect struct {
	// Name identifies the dialect in errors and logs.
	Name string
	// Endpoint is the URL template for virtual-host requests. Placeholders:
	// {bucket} and {region}. QingStor calls its regions zones; COS bucket
	// names carry the APPID ("name-1250000000").
	Endpoint string
	// PathEndpoint is the URL template for path-style and service
	// (bucket-less) requests; only {region} is substituted.
	PathEndpoint string
	// Addressing is the default style for the dialect's own endpoints.
	// Custom endpoints (Options.Endpoint) default to path style.
	Addressing Addressing
	// DefaultRegion is used when Options.Region is empty; "" means the
	// caller must set one.
	DefaultRegion string
	// RegionEnv names environment variables read, in order, for the region
	// when Options.Region is empty, before DefaultRegion applies.
	RegionEnv []string
	// RegionField names the region in error messages: "Region" or "Zone".
	RegionField string
	// HeaderPrefix is the vendor header prefix, such as "x-amz-".
	HeaderPrefix string
	// MetaPrefix is the prefix of user-metadata headers.
	MetaPrefix string
	// Params are the wire names of shared query parameters.
	Params ParamNames
	// Codec is the body format.
	Codec Codec
	// RequestIDHeaders are read, in order, for the request id of a response.
	RequestIDHeaders []string
	// HostIDHeader is read for the host id (extended request id), if any.
	HostIDHeader string
	// ErrorKinds maps error codes to a kind sentinel such as ErrNotFound.
	// Codes not listed fall back to the HTTP status.
	ErrorKinds map[string]error
	// RetryableCodes are error codes worth retrying (throttling and
	// transient faults), on top of 500, 502, 503 and 504.
	RetryableCodes map[string]bool
	// ThrottleCodes are codes that mean "slow down"; they match ErrThrottled.
	ThrottleCodes map[string]bool
	// RefusedCredentialCodes are error codes of a 400 or 403 answer that
	// can mean the service refused the request's token as expired or
	// revoked (a 401 always can); "" stands for a 403 without an error
	// body, as answers to HEAD are. When the signer can refresh its credentials
	// (signer.CredentialRefresher, as signer.Bearer with an
	// IAMTokenProvider can), such an answer makes the client refresh them
	// once and send the request again.
	RefusedCredentialCodes map[string]bool
	// DigestMismatchCodes are the error codes with which the service
	// refuses a request body whose bytes do not match the checksum sent
	// with it (Content-MD5, an additional checksum, a signed payload
	// hash): the bytes were corrupted on the way, and sending the same
	// content again can succeed. S3: BadDigest, plus MinIO's
	// XAmzContentChecksumMismatch and XAmzContentSHA256Mismatch; COS:
	// BadDigest; QingStor: bad_digest. A malformed checksum (S3's
	// InvalidDigest) is not listed: sending it again cannot help.
	DigestMismatchCodes map[string]bool
	// ChecksumRequired says, by operation name (as errors name it: "PutBucketAcl",
	// "DeleteObjects", ...), which requests the vendor requires to carry
	// an integrity header (Content-MD5, an additional checksum, a
	// trailing checksum or a signed payload hash), and how strictly (see
	// ChecksumNeed). When such a request carries none, the client sets
	// the Content-MD5 of its body (of the empty body too) before signing
	// it; presigned requests are left alone. Operations not listed go as
	// their Serialize built them. docs/dialects.md names the vendor
	// source of every entry.
	ChecksumRequired map[string]ChecksumNeed
	// ChecksumRefusalCodes are the error codes of a 400 answer with which
	// a server may refuse a request for carrying an additional checksum
	// (x-amz-checksum-*) it does not take; a 501 always may. When the
	// request sent without it (with Content-MD5 instead) then succeeds,
	// the client stops sending them (see ChecksumSupport). S3 lists
	// InvalidArgument (Backblaze B2), InvalidRequest (S3 itself, before
	// 2025, on a part of an upload created without a checksum) and
	// NotImplemented (Cloudflare R2).
	ChecksumRefusalCodes map[string]bool
	// Features lists optional capabilities.
	Features Feature
	// Limits are the dialect's size and count limits.
	Limits Limits
	// ValidateBucket checks a bucket name before any request is sent.
	ValidateBucket func(name string) error
	// ValidateRegion checks the region (zone) form.
	ValidateRegion func(region string) error
	// NewSigner builds the default signer from credentials and region.
	NewSigner func(SignerConfig) signer.Signer
	// LocationConstraint says CreateBucket sends the region in a
	// CreateBucketConfiguration body (S3, IBM); other dialects take the
	// region from the host name.
	LocationConstraint bool
	// ServiceInstanceHeader, if set, carries Options.ServiceInstanceID on
	// bucket creation and listing (IBM: "ibm-service-instance-id").
	ServiceInstanceHeader string
	// Object holds the wire facts of object and multipart operations
	// (client/wire_object.go).
	Object ObjectWire
	// Bucket holds the wire facts of bucket and service operations
	// (client/wire_bucket.go).
	Bucket BucketWire
	// CredentialEnv names the environment variables EnvCredentials reads
	// for this dialect.
	CredentialEnv signer.EnvCredentials
	// DefaultCredentials builds the provider used when Options.Credentials
	// and Options.Signer are both nil: the dialect's default chain from
	// package credentials, whose first link reads CredentialEnv (passed as
	// env). Nil means CredentialEnv alone.
	DefaultCredentials func(env signer.EnvCredentials) signer.CredentialsProvider
	// ConfiguredRegion reads the region the vendor's tools configure
	// outside the program (S3: the profile's region in ~/.aws/config;
	// COS: coscmd's or tccli's; QingStor: the zone of
	// ~/.qingstor/config.yaml). New consults it when neither
	// Options.Region nor RegionEnv gives one, before DefaultRegion. It
	// returns "" when nothing is configured and an error only for a
	// malformed file. Nil: no such configuration.
	ConfiguredRegion func() (string, error)
}

// Has reports whether the dialect has every feature in f.
func (d *Dialect) Has(f Feature) bool { return d.Features&f == f }

// String returns the dialect name.
func (d *Dialect) String() string { return d.Name }

func (d *Dialect) requestID(h interface{ Get(string) string }) string {
	hh, isHeader := h.(http.Header)
	for _, name := range d.RequestIDHeaders {
		var v string
		if isHeader {
			v = httpheader.Get(hh, name, "") // no canonical name built per response
		} else {
			v = h.Get(name)
		}
		if v != "" {
			return v
		}
	}
	return ""
}

// expand substitutes {bucket} and {region} in a template (without
// building a strings.Replacer, which costs more than the substitution).
func expand(tmpl, bucket, region string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + len(bucket) + len(region))
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		switch rest := tmpl[i:]; {
		case strings.HasPrefix(rest, "{bucket}"):
			b.WriteString(bucket)
			tmpl = rest[len("{bucket}"):]
		case strings.HasPrefix(rest, "{region}"):
			b.WriteString(region)
			tmpl = rest[len("{region}"):]
		default:
			b.WriteByte('{')
			tmpl = rest[1:]
		}
	}
}
