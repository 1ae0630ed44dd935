package client

// BodyShape names the family of request and response body layouts a
// dialect uses for its bucket and service operations.
type BodyShape int

// Body shapes.
const (
	// ShapeS3XML is S3's XML documents (ListBucketResult,
	// AccessControlPolicy, CORSConfiguration, ...): S3, IBM and COS.
	ShapeS3XML BodyShape = iota
	// ShapeQingStorJSON is QingStor's JSON documents ({"keys": [...]},
	// {"acl": [...]}, {"cors_rules": [...]}, ...).
	ShapeQingStorJSON
)

// Pagination says how a listing moves from one page to the next.
type Pagination int

// Pagination styles.
const (
	// PaginateNone: the listing is a single response.
	PaginateNone Pagination = iota
	// PaginateToken: the server returns an opaque token for the next page
	// (S3 ListBuckets, ListObjectsV2).
	PaginateToken
	// PaginateMarker: the next page starts after a name, the last one of
	// the previous page or the NextMarker the server returns (S3 v1
	// listings, COS, IBM ?extended, QingStor GET Bucket).
	PaginateMarker
	// PaginateOffset: the next page starts at a numeric offset (QingStor
	// GET Service since 2019-09-04).
	PaginateOffset
)

// ServiceListWire holds the wire facts of listing buckets (GET Service).
type ServiceListWire struct {
	// Query parameters always sent, as "name" or "name=value" (IBM:
	// "extended", which adds LocationConstraint, CreationTemplateId and
	// marker pagination).
	Query []string
	// Pagination is how pages follow each other.
	Pagination Pagination
	// CursorParam carries the token, marker or offset of the next page.
	CursorParam string
	// SizeParam carries the page size; "" means the size cannot be set.
	SizeParam string
	// MaxPageSize is the largest page size the server accepts; larger
	// requests are clamped to it.
	MaxPageSize int
	// PrefixParam filters bucket names by prefix; "" means unsupported.
	PrefixParam string
	// RegionParam filters by region with a query parameter ("" = none).
	RegionParam string
	// RegionHeader filters by region with a request header (QingStor's
	// "Location"). RegionParam and RegionHeader both "" means filtering
	// by region is unsupported.
	RegionHeader string
	// GlobalEndpoint, if set, is the endpoint that lists the buckets of
	// every region, where a regional endpoint lists only its own
	// (QingStor: "https://qingstor.com"; GET Service "can be sent to the
	// global endpoint (qingstor.com) to list the buckets of every zone, or
	// to a zone's endpoint (pek3.qingstor.com) to list that zone's"). A
	// listing goes there when the client has no custom endpoint and its
	// region was not chosen (Options.RegionDefaulted), or when it filters
	// by another region than the client's.
	GlobalEndpoint string
}

// ObjectListWire holds the wire facts of listing objects (GET Bucket).
type ObjectListWire struct {
	// MarkerParam is the v1 (and QingStor) exclusive start key.
	MarkerParam string
	// SizeParam is the page-size parameter: "max-keys" or QingStor's
	// "limit".
	SizeParam string
	// MaxPageSize is the most entries the server returns in one page.
	MaxPageSize int
	// EncodingParam asks the server to URL-encode names in the response
	// ("encoding-type=url"); "" when the dialect never encodes them.
	EncodingParam string
	// RawCommonPrefixes says the server, asked for encoding-type=url,
	// encodes keys (and answers EncodingType url) but leaves the
	// CommonPrefixes of ListObjects unencoded, so they are taken as they
	// come: decoding them again would turn a prefix holding '+' or '%'
	// into another one, or fail. IBM COS is known to (rclone turns
	// URL-encoded listings off for it); so does Ceph RGW before the fix to
	// its tracker issue 41870 (ceph/ceph#30970, 2019, backported to
	// Nautilus). To talk to such a server copy S3 and set it:
	//
	//	ceph := client.S3
	//	ceph.Name = "ceph"
	//	ceph.Bucket.Objects.RawCommonPrefixes = true
	//
	// Default false (S3, COS: prefixes are encoded like keys).
	RawCommonPrefixes bool
	// ListTypeParam selects ListObjectsV2 ("list-type=2") on dialects
	// with FeatureListObjectsV2.
	ListTypeParam string
	// TokenParam carries a v2 continuation token.
	TokenParam string
	// StartAfterParam carries v2's exclusive start key.
	StartAfterParam string
	// FetchOwnerParam asks v2 for each entry's owner.
	FetchOwnerParam string
	// EntryOwner says listing entries can carry their owner (v1 always
	// does, v2 with fetch-owner); QingStor lists have one bucket owner.
	EntryOwner bool
}

// MarkerListWire holds the wire facts of a listing paged by a pair of
// markers: object versions (key + version id) and multipart uploads
// (key + upload id).
type MarkerListWire struct {
	// Subresource selects the listing ("versions", "uploads").
	Subresource string
	// KeyMarkerParam carries the key marker.
	KeyMarkerParam string
	// IDMarkerParam carries the version-id or upload-id marker.
	IDMarkerParam string
	// SizeParam is the page-size parameter.
	SizeParam string
	// MaxPageSize is the largest page size.
	MaxPageSize int
	// EncodingParam, if set, asks for URL-encoded names.
	EncodingParam string
}

// ACLWire holds the wire facts of bucket ACLs.
type ACLWire struct {
	// CannedHeader carries a canned ACL ("x-amz-acl", "x-cos-acl"). When
	// empty, canned ACLs are expanded into grants sent in the body.
	CannedHeader string
	// Canned lists the canned ACLs the dialect accepts.
	Canned []string
	// GrantHeaders says grants are sent as headers named HeaderPrefix +
	// "grant-" + the permission in lower case with '-' for '_'
	// ("x-amz-grant-full-control"); otherwise they go in the body.
	GrantHeaders bool
	// Permissions lists the permissions a grant may carry.
	Permissions []string
	// Groups maps polystore's group names (AllUsers, AuthenticatedUsers,
	// LogDelivery) to the dialect's group identifier: a URI in XML
	// dialects, a group name in QingStor. Groups not listed are
	// unsupported.
	Groups map[string]string
	// EmailGrantees says grantees may be named by e-mail address.
	EmailGrantees bool
}

// CORSWire holds the wire facts of bucket CORS configurations.
type CORSWire struct {
	// RuleIDs says rules can carry an ID.
	RuleIDs bool
	// MaxRules is the most rules in one configuration (0 = no limit).
	MaxRules int
}

// VersioningWire holds the spelling of bucket versioning states.
type VersioningWire struct {
	// Enabled is the wire value of the enabled state.
	Enabled string
	// Suspended is the wire value of the suspended state.
	Suspended string
	// Unset lists wire values meaning "never enabled" besides the empty
	// string (QingStor "DISABLED").
	Unset []string
}

// LocationWire holds the wire facts of reading a bucket's location.
type LocationWire struct {
	// Subresource is queried: "location" answers a LocationConstraint
	// document; QingStor's "stats" answers JSON with a "location" field.
	Subresource string
	// Aliases maps answers to region codes: S3 answers "" for us-east-1
	// and "EU" for eu-west-1.
	Aliases map[string]string
}

// CreateWire holds the wire facts of creating a bucket.
type CreateWire struct {
	// ObjectLockHeader enables object lock (and versioning) at creation
	// ("x-amz-bucket-object-lock-enabled"); "" = unsupported.
	ObjectLockHeader string
	// ProvisioningCode says the location constraint may carry a storage
	// class as "{location}-{class}" (IBM's provisioning codes such as
	// "us-south-standard" or "us-south-vault").
	ProvisioningCode bool
	// StorageClasses lists the classes a provisioning code may name.
	StorageClasses []string
	// KeyProtectAlgorithmHeader carries the IBM Key Protect (SSE-KP)
	// algorithm; "" = unsupported.
	KeyProtectAlgorithmHeader string
	// KeyProtectRootKeyHeader carries the Key Protect root key CRN;
	// "" = unsupported.
	KeyProtectRootKeyHeader string
	// DefaultLocation is the location that must not be named in a
	// CreateBucketConfiguration (S3's us-east-1).
	DefaultLocation string
}

// LocationsWire holds the wire facts of listing the service's regions
// (QingStor List Locations, GET /?location on the global endpoint).
type LocationsWire struct {
	// Supported says the dialect has the operation.
	Supported bool
	// Subresource is the service-level query parameter ("location").
	Subresource string
	// Endpoint is the global endpoint the request must go to when no
	// custom endpoint is set.
	Endpoint string
	// LangParam selects the language of the location names.
	LangParam string
}

// LifecycleWire holds the wire facts of bucket lifecycle configurations
// (?lifecycle). The zero value means the dialect has none.
type LifecycleWire struct {
	// Supported says the dialect has lifecycle configurations.
	Supported bool
	// Enabled and Disabled spell a rule's status ("Enabled", QingStor
	// "enabled").
	Enabled, Disabled string
	// MaxRules is the most rules in one configuration.
	MaxRules int
	// MaxIDLength is the longest rule ID, in characters.
	MaxIDLength int
	// RequireID says every rule must carry an ID (QingStor).
	RequireID bool
	// IDPunctuation, if set, limits rule IDs to ASCII letters, digits
	// and these characters (IBM: "!_.*'()-").
	IDPunctuation string
	// TransitionClasses lists the storage classes a transition may move
	// objects to; empty means rules cannot transition objects.
	TransitionClasses []string
	// MaxTransitions is the most transitions in one rule (0 = no limit).
	MaxTransitions int
	// WholeBucketTransitions says a rule with a transition must apply to
	// the whole bucket (IBM: its Prefix must be empty).
	WholeBucketTransitions bool
	// OneActionPerRule says a rule may carry only one action
	// (QingStor).
	OneActionPerRule bool
	// Dates says expirations and transitions may name a date; otherwise
	// they count days only.
	Dates bool
	// NoncurrentVersions says rules may expire noncurrent object
	// versions.
	NoncurrentVersions bool
	// DeleteMarkers says an expiration may remove expired object delete
	// markers.
	DeleteMarkers bool
}

// WebsiteWire holds the wire facts of static website configurations
// (?website). The zero value means the dialect has none.
type WebsiteWire struct {
	// Supported says the dialect has website configurations.
	Supported bool
	// MaxRoutingRules is the most routing rules (0 = no limit).
	MaxRoutingRules int
}

// PublicAccessBlockWire holds the wire facts of public access block
// configurations (?publicAccessBlock). The zero value means the dialect
// has none.
type PublicAccessBlockWire struct {
	// Supported says the dialect has public access blocks.
	Supported bool
	// PolicyFlags says the configuration also takes BlockPublicPolicy
	// and RestrictPublicBuckets (S3); IBM takes only the two ACL flags.
	PolicyFlags bool
}

// ProtectionWire holds the wire facts of IBM's bucket protection
// (immutable retention) configuration (?protection). The zero value
// means the dialect has none.
type ProtectionWire struct {
	// Supported says the dialect has protection configurations.
	Supported bool
	// MaxDays is the longest retention period, in days (IBM: 365243, a
	// thousand years).
	MaxDays int
}

// ObjectLockWire holds the wire facts of object lock configurations
// (?object-lock). The zero value means the dialect has none.
type ObjectLockWire struct {
	// Supported says the dialect has object lock configurations.
	Supported bool
	// Enabled is the wire value of ObjectLockEnabled ("Enabled"); it is
	// read in any case.
	Enabled string
	// Modes lists the retention modes a default retention may use.
	Modes []string
	// RuleRequired says a configuration must carry a default retention
	// rule (IBM).
	RuleRequired bool
}

// InventoryWire holds the wire facts of inventory configurations
// (?inventory&id=). The zero value means the dialect has none.
type InventoryWire struct {
	// Supported says the dialect has inventory configurations.
	Supported bool
	// Formats lists the report formats.
	Formats []string
	// Frequencies lists the report schedules.
	Frequencies []string
	// Fields lists the optional fields a report may include.
	Fields []string
}

// BackupPolicyWire holds the wire facts of IBM's backup policies, a JSON
// REST API of IBM's resource configuration service. The zero value means
// the dialect has none.
type BackupPolicyWire struct {
	// Supported says the dialect has backup policies.
	Supported bool
	// Endpoint is the base URL of the configuration service, used when
	// the client has no custom endpoint.
	Endpoint string
	// BackupTypes lists the kinds of backup a policy may ask for.
	BackupTypes []string
}

// MirrorWire holds the wire facts of QingStor's external mirror
// (?mirror). The zero value means the dialect has none.
type MirrorWire struct {
	// Supported says the dialect has external mirrors.
	Supported bool
}

// PolicyWire holds the wire facts of bucket policies (?policy, a JSON
// document). The zero value means the dialect has none.
type PolicyWire struct {
	// Supported says the dialect has bucket policies. IBM COS has none:
	// access is granted with IAM policies, and neither its bucket API
	// reference nor its SDK model nor its list of IAM actions has a bucket
	// policy operation.
	Supported bool
}

// StatsWire holds the wire facts of bucket statistics. The zero value
// means the dialect has none.
type StatsWire struct {
	// Subresource is queried for the statistics (QingStor: "stats");
	// "" = unsupported.
	Subresource string
}

// TaggingWire holds the wire facts of bucket tags (?tagging). The zero
// value means the dialect has none.
type TaggingWire struct {
	// Supported says the dialect has bucket tags.
	Supported bool
	// MaxTags is the most tags on one bucket.
	MaxTags int
	// MaxKeyLength and MaxValueLength bound a tag, in bytes.
	MaxKeyLength, MaxValueLength int
	// ReservedPrefix, if set, starts keys only the service may use
	// (S3: "aws:").
	ReservedPrefix string
}

// RefererWire holds the wire facts of COS's referer (hotlink protection)
// configuration (?referer). The zero value means the dialect has none.
type RefererWire struct {
	// Supported says the dialect has referer configurations.
	Supported bool
}

// EncryptionWire holds the wire facts of default bucket encryption
// (?encryption). The zero value means the dialect has none.
type EncryptionWire struct {
	// Supported says the dialect has default bucket encryption.
	Supported bool
	// Algorithms lists the algorithms a bucket may default to.
	Algorithms []string
	// KeyAlgorithms lists the algorithms that take a KMS key id.
	KeyAlgorithms []string
	// BucketKey says the configuration may enable bucket keys (S3).
	BucketKey bool
}

// BucketWire holds the wire facts of bucket and service operations that
// differ between dialects (ACL and CORS body shapes, listing parameters and
// page-size limits, versioning status values, ...). Operation code reads
// these fields; it never compares dialect names.
type BucketWire struct {
	// Shape is the body layout of every bucket document.
	Shape BodyShape
	// XMLNamespace is set on XML documents the client sends ("" = none).
	XMLNamespace string
	// ConfigMD5 sends Content-MD5 with configuration bodies (CORS, ACL,
	// policy, versioning); S3, IBM and COS require it for some of them.
	ConfigMD5 bool
	// Service is listing buckets.
	Service ServiceListWire
	// Objects is listing objects.
	Objects ObjectListWire
	// Versions is listing object versions.
	Versions MarkerListWire
	// Uploads is listing multipart uploads.
	Uploads MarkerListWire
	// ACL is bucket access control lists.
	ACL ACLWire
	// CORS is bucket CORS configurations.
	CORS CORSWire
	// Versioning is the spelling of versioning states.
	Versioning VersioningWire
	// Location is reading a bucket's location.
	Location LocationWire
	// Create is creating a bucket.
	Create CreateWire
	// Policy is bucket policies.
	Policy PolicyWire
	// PolicyEmptyKey, if set, names the top-level field of a policy
	// document whose absence or emptiness means "no policy" (QingStor
	// answers {"statement": []} rather than a not-found error).
	PolicyEmptyKey string
	// Locations is listing the service's regions.
	Locations LocationsWire
	// Lifecycle is bucket lifecycle configurations.
	Lifecycle LifecycleWire
	// Website is static website hosting configurations.
	Website WebsiteWire
	// PublicAccessBlock is public access block configurations.
	PublicAccessBlock PublicAccessBlockWire
	// Protection is IBM's bucket protection (retention) configuration.
	Protection ProtectionWire
	// ObjectLock is object lock configurations.
	ObjectLock ObjectLockWire
	// Inventory is inventory configurations.
	Inventory InventoryWire
	// BackupPolicies is IBM's backup policies.
	BackupPolicies BackupPolicyWire
	// Mirror is QingStor's external mirror.
	Mirror MirrorWire
	// Stats is QingStor's bucket statistics.
	Stats StatsWire
	// Tagging is bucket tags.
	Tagging TaggingWire
	// Referer is COS's referer (hotlink protection) configuration.
	Referer RefererWire
	// Encryption is default bucket encryption.
	Encryption EncryptionWire
}

// Group names shared by every dialect's ACL wire table.
const (
	groupAllUsers           = "AllUsers"
	groupAuthenticatedUsers = "AuthenticatedUsers"
	groupLogDelivery        = "LogDelivery"
)

var s3Permissions = []string{"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"}

var s3BucketWire = BucketWire{
	Shape:        ShapeS3XML,
	XMLNamespace: "http://s3.amazonaws.com/doc/2006-03-01/",
	ConfigMD5:    true,
	Service: ServiceListWire{
		Pagination:  PaginateToken,
		CursorParam: "continuation-token",
		SizeParam:   "max-buckets",
		MaxPageSize: 1000,
		PrefixParam: "prefix",
		RegionParam: "bucket-region",
	},
	Objects: ObjectListWire{
		MarkerParam:     "marker",
		SizeParam:       "max-keys",
		MaxPageSize:     1000,
		EncodingParam:   "encoding-type",
		ListTypeParam:   "list-type",
		TokenParam:      "continuation-token",
		StartAfterParam: "start-after",
		FetchOwnerParam: "fetch-owner",
		EntryOwner:      true,
	},
	Versions: s3VersionsWire,
	Uploads:  s3UploadsWire,
	ACL: ACLWire{
		CannedHeader:  "x-amz-acl",
		Canned:        []string{"private", "public-read", "public-read-write", "authenticated-read"},
		GrantHeaders:  true,
		Permissions:   s3Permissions,
		EmailGrantees: true,
		Groups: map[string]string{
			groupAllUsers:           "http://acs.amazonaws.com/groups/global/AllUsers",
			groupAuthenticatedUsers: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
			groupLogDelivery:        "http://acs.amazonaws.com/groups/s3/LogDelivery",
		},
	},
	CORS:       CORSWire{RuleIDs: true, MaxRules: 100},
	Policy:     PolicyWire{Supported: true},
	Versioning: VersioningWire{Enabled: "Enabled", Suspended: "Suspended"},
	Location: LocationWire{
		Subresource: "location",
		Aliases:     map[string]string{"": "us-east-1", "EU": "eu-west-1"},
	},
	Create: CreateWire{
		ObjectLockHeader: "x-amz-bucket-object-lock-enabled",
		DefaultLocation:  "us-east-1",
	},
	Lifecycle: LifecycleWire{
		Supported: true, Enabled: "Enabled", Disabled: "Disabled",
		MaxRules: 1000, MaxIDLength: 255,
		TransitionClasses:  []string{"GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"},
		Dates:              true,
		NoncurrentVersions: true,
		DeleteMarkers:      true,
	},
	Website:           WebsiteWire{Supported: true, MaxRoutingRules: 50},
	PublicAccessBlock: PublicAccessBlockWire{Supported: true, PolicyFlags: true},
	ObjectLock: ObjectLockWire{
		Supported: true, Enabled: "Enabled", Modes: []string{"GOVERNANCE", "COMPLIANCE"},
	},
	Inventory: InventoryWire{
		Supported:   true,
		Formats:     []string{"CSV", "ORC", "Parquet"},
		Frequencies: []string{"Daily", "Weekly"},
		Fields: []string{"Size", "LastModifiedDate", "StorageClass", "ETag", "IsMultipartUploaded",
			"ReplicationStatus", "EncryptionStatus", "ObjectLockRetainUntilDate", "ObjectLockMode",
			"ObjectLockLegalHoldStatus", "IntelligentTieringAccessTier", "BucketKeyStatus",
			"ChecksumAlgorithm", "ObjectAccessControlList", "ObjectOwner"},
	},
	Tagging: TaggingWire{Supported: true, MaxTags: 50, MaxKeyLength: 128, MaxValueLength: 256, ReservedPrefix: "aws:"},
	Encryption: EncryptionWire{
		Supported:     true,
		Algorithms:    []string{"AES256", "aws:kms", "aws:kms:dsse"},
		KeyAlgorithms: []string{"aws:kms", "aws:kms:dsse"},
		BucketKey:     true,
	},
}

// ibmBucketWire is S3's with IBM's extras: GET /?extended (marker pages,
// LocationConstraint and CreationTemplateId per bucket), provisioning
// codes and Key Protect headers on creation, and locations answered as
// provisioning codes.
var ibmBucketWire = func() BucketWire {
	w := s3BucketWire
	w.Service = ServiceListWire{
		Query:       []string{"extended"},
		Pagination:  PaginateMarker,
		CursorParam: "marker",
		SizeParam:   "max-keys",
		MaxPageSize: 1000,
		PrefixParam: "prefix",
	}
	w.Location = LocationWire{Subresource: "location"}
	// IBM encodes the keys of an encoding-type=url listing but not its
	// CommonPrefixes.
	w.Objects.RawCommonPrefixes = true
	w.Create = CreateWire{
		ObjectLockHeader:          "x-amz-bucket-object-lock-enabled",
		ProvisioningCode:          true,
		StorageClasses:            []string{"standard", "vault", "cold", "smart", "onerate_active"},
		KeyProtectAlgorithmHeader: "ibm-sse-kp-encryption-algorithm",
		KeyProtectRootKeyHeader:   "ibm-sse-kp-customer-root-key-crn",
	}
	w.ACL.Canned = []string{"private", "public-read"}
	// IBM's lifecycle rules (bucket operations reference): at most 1000,
	// IDs of letters, digits and !_.*'()-, one transition per rule, to
	// GLACIER or ACCELERATED, only on rules for the whole bucket.
	w.Lifecycle = LifecycleWire{
		Supported: true, Enabled: "Enabled", Disabled: "Disabled",
		MaxRules: 1000, MaxIDLength: 255, IDPunctuation: "!_.*'()-",
		TransitionClasses:      []string{"GLACIER", "ACCELERATED"},
		MaxTransitions:         1,
		WholeBucketTransitions: true,
		Dates:                  true,
		NoncurrentVersions:     true,
		DeleteMarkers:          true,
	}
	w.PublicAccessBlock = PublicAccessBlockWire{Supported: true}
	w.Protection = ProtectionWire{Supported: true, MaxDays: 365243}
	// IBM's reference spells ObjectLockEnabled "ENABLED"; its SDKs send
	// S3's "Enabled", which S3-compatible servers require.
	w.ObjectLock = ObjectLockWire{
		Supported: true, Enabled: "Enabled", Modes: []string{"COMPLIANCE"}, RuleRequired: true,
	}
	w.Inventory = InventoryWire{
		Supported:   true,
		Formats:     []string{"CSV"},
		Frequencies: []string{"Daily", "Weekly"},
		Fields:      []string{"Size", "LastModifiedDate", "ETag", "IsMultipartUploaded", "EncryptionStatus", "ObjectOwner"},
	}
	w.BackupPolicies = BackupPolicyWire{
		Supported:   true,
		Endpoint:    "https://config.cloud-object-storage.cloud.ibm.com/v1",
		BackupTypes: []string{"continuous"},
	}
	// IBM Cloud has no bucket tagging or default-encryption API (Key
	// Protect is chosen at creation), and no bucket policies: access is
	// IAM's (docs/dialects.md).
	w.Policy = PolicyWire{}
	w.Tagging = TaggingWire{}
	w.Encryption = EncryptionWire{}
	return w
}()

var cosBucketWire = BucketWire{
	Shape:     ShapeS3XML,
	ConfigMD5: true,
	Service: ServiceListWire{
		Pagination:  PaginateMarker,
		CursorParam: "marker",
		SizeParam:   "max-keys",
		MaxPageSize: 2000,
		RegionParam: "region",
	},
	Objects: ObjectListWire{
		MarkerParam:   "marker",
		SizeParam:     "max-keys",
		MaxPageSize:   1000,
		EncodingParam: "encoding-type",
		EntryOwner:    true,
	},
	Versions: s3VersionsWire,
	Uploads:  s3UploadsWire,
	ACL: ACLWire{
		CannedHeader: "x-cos-acl",
		Canned:       []string{"private", "public-read", "public-read-write", "authenticated-read"},
		GrantHeaders: true,
		Permissions:  s3Permissions,
		Groups: map[string]string{
			groupAllUsers:           "http://cam.qcloud.com/groups/global/AllUsers",
			groupAuthenticatedUsers: "http://cam.qcloud.com/groups/global/AuthenticatedUsers",
		},
	},
	CORS:       CORSWire{RuleIDs: true, MaxRules: 100},
	Policy:     PolicyWire{Supported: true},
	Versioning: VersioningWire{Enabled: "Enabled", Suspended: "Suspended"},
	Location:   LocationWire{Subresource: "location"},
	Lifecycle: LifecycleWire{
		Supported: true, Enabled: "Enabled", Disabled: "Disabled",
		MaxRules: 1000, MaxIDLength: 255,
		TransitionClasses:  []string{"STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE", "INTELLIGENT_TIERING", "MAZ_STANDARD_IA"},
		Dates:              true,
		NoncurrentVersions: true,
		DeleteMarkers:      true,
	},
	Tagging: TaggingWire{Supported: true, MaxTags: 50, MaxKeyLength: 128, MaxValueLength: 256},
	Referer: RefererWire{Supported: true},
	Encryption: EncryptionWire{
		Supported:     true,
		Algorithms:    []string{"AES256", "KMS", "SM4"},
		KeyAlgorithms: []string{"KMS"},
	},
}

var qingstorBucketWire = BucketWire{
	Shape: ShapeQingStorJSON,
	Service: ServiceListWire{
		Pagination:     PaginateOffset,
		CursorParam:    "offset",
		SizeParam:      "limit",
		MaxPageSize:    1000,
		RegionHeader:   "Location",
		GlobalEndpoint: "https://qingstor.com",
	},
	Objects: ObjectListWire{
		MarkerParam: "marker",
		SizeParam:   "limit",
		MaxPageSize: 1000,
	},
	Versions: MarkerListWire{
		Subresource:    "versions",
		KeyMarkerParam: "key_marker",
		IDMarkerParam:  "version_id_marker",
		SizeParam:      "limit",
		MaxPageSize:    1000,
	},
	Uploads: MarkerListWire{
		Subresource:    "uploads",
		KeyMarkerParam: "key_marker",
		IDMarkerParam:  "upload_id_marker",
		SizeParam:      "limit",
		MaxPageSize:    1000,
	},
	ACL: ACLWire{
		Canned:      []string{"private", "public-read", "public-read-write"},
		Permissions: []string{"READ", "WRITE", "FULL_CONTROL"},
		Groups:      map[string]string{groupAllUsers: "QS_ALL_USERS"},
	},
	Versioning: VersioningWire{
		Enabled: "ENABLED", Suspended: "SUSPENDED", Unset: []string{"DISABLED"},
	},
	Location:       LocationWire{Subresource: "stats"},
	Policy:         PolicyWire{Supported: true},
	PolicyEmptyKey: "statement",
	Locations: LocationsWire{
		Supported:   true,
		Subresource: "location",
		Endpoint:    "https://qingstor.com",
		LangParam:   "lang",
	},
	// QingStor's lifecycle (2018-05-16): at most 100 rules, each with an
	// ID and one action, counted in days; transitions go to STANDARD_IA.
	Lifecycle: LifecycleWire{
		Supported: true, Enabled: "enabled", Disabled: "disabled",
		MaxRules: 100, MaxIDLength: 255, RequireID: true,
		TransitionClasses: []string{"STANDARD_IA"}, MaxTransitions: 1,
		OneActionPerRule: true,
	},
	Mirror: MirrorWire{Supported: true},
	Stats:  StatsWire{Subresource: "stats"},
}

// s3VersionsWire and s3UploadsWire are the S3 listing parameters of object
// versions and multipart uploads, which COS shares.
var (
	s3VersionsWire = MarkerListWire{
		Subresource:    "versions",
		KeyMarkerParam: "key-marker",
		IDMarkerParam:  "version-id-marker",
		SizeParam:      "max-keys",
		MaxPageSize:    1000,
		EncodingParam:  "encoding-type",
	}
	s3UploadsWire = MarkerListWire{
		Subresource:    "uploads",
		KeyMarkerParam: "key-marker",
		IDMarkerParam:  "upload-id-marker",
		SizeParam:      "max-uploads",
		MaxPageSize:    1000,
		EncodingParam:  "encoding-type",
	}
)
