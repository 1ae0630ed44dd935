package client

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The names this package exports, as go doc lists them: top-level
// constants, variables, types and functions, and the exported methods of
// exported types. A name exported that is not on the list fails
// TestExportedNames, so a new one is added on purpose; the rule is in the
// package doc ("What is stable"). The operation pipeline is not on it: it
// lives in internal/protocol and internal/opkit.
var (
	// userAPI is what a program uses: the client and its options, the
	// dialect table (its data and wire structs, Clone, Has, Dialects,
	// LookupDialect), the enums, checksums, errors and their
	// constructors, retry and timeout settings, step and telemetry
	// names, and presigned requests.
	userAPI = []string{
		"ACLAuthenticatedRead", "ACLBucketOwnerFullControl", "ACLBucketOwnerRead", "ACLDefault",
		"ACLPrivate", "ACLPublicRead", "ACLPublicReadWrite", "ACLWire", "Addressing",
		"Addressing.String", "AddressingDefault", "AllFeatures", "AttemptNumber", "AttrAttempt",
		"AttrAttempts", "AttrBucket", "AttrDialect", "AttrErrorKind", "AttrOperation", "AttrRequestID",
		"AttrRetries", "AttrStatus", "BackupPolicyWire", "BodyShape", "BodyShapes", "BucketWire",
		"CORSWire", "COS", "CannedACL", "CannedACL.Values", "Checksum", "Checksum.Equal",
		"Checksum.IsZero", "Checksum.String", "ChecksumAlgorithm", "ChecksumAlgorithm.New",
		"ChecksumAlgorithm.Size", "ChecksumAlgorithm.String", "ChecksumAlgorithm.Values",
		"ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumIfReplayable",
		"ChecksumMismatchError", "ChecksumMismatchError.Error", "ChecksumMismatchError.Is",
		"ChecksumNeed", "ChecksumNeed.String", "ChecksumNeed.Values", "ChecksumNone", "ChecksumOptional",
		"ChecksumRequired", "ChecksumSHA1", "ChecksumSHA256", "ChecksumSupport",
		"ChecksumSupport.String", "ChecksumSupport.Values", "ChecksumSupportIgnored",
		"ChecksumSupportRefused", "ChecksumSupportUnknown", "ChecksumSupportVerified",
		"ChecksumWithBody", "Client", "Client.ChecksumSupport", "Client.Dialect", "Client.Format",
		"Client.GoString", "Client.LogValue", "Client.Options", "Client.RecordChecksumSupport",
		"Client.String", "Client.With", "Codec", "CompositeChecksum", "ComputeChecksum", "CreateWire",
		"DefaultDialTimeout", "DefaultResponseHeaderTimeout", "DefaultStallTimeout",
		"DefaultTLSHandshakeTimeout", "Dialect", "Dialect.Clone", "Dialect.Has", "Dialect.String",
		"Dialects", "EmptyContentMD5", "EncryptionWire", "ErrAccessDenied", "ErrBodyNotReplayable",
		"ErrChecksumMismatch", "ErrConflict", "ErrInvalidArgument", "ErrListingStalled",
		"ErrMalformedResponse", "ErrNotFound", "ErrNotModified", "ErrNotSupported",
		"ErrPreconditionFailed", "ErrRangeMismatch", "ErrThrottled", "ErrTimeout", "ErrTrailerIgnored",
		"ErrorKindOf", "Feature", "Feature.String", "FeatureAppend", "FeatureCRC64", "FeatureChecksums",
		"FeatureContentMD5", "FeatureFetch", "FeatureListObjectsV2", "FeatureMove",
		"FeatureMultipartCopy", "FeaturePostPolicy", "FeaturePresign", "FeatureRetention",
		"FeatureTrailingChecksums", "FeatureVersioning", "Grant", "Grantee", "GranteeCanonicalUser",
		"GranteeEmail", "GranteeGroup", "GranteeType", "IBM", "Integrity", "Integrity.String",
		"Integrity.Values", "IntegrityAuto", "IntegrityDefault", "IntegrityMD5", "IntegrityOff",
		"InvalidArgument", "InvalidArgumentError", "InvalidArgumentError.Error",
		"InvalidArgumentError.Is", "InvalidArgumentError.Unwrap", "InventoryWire", "JSON",
		"LifecycleWire", "Limits", "LocationWire", "LocationsWire", "LookupDialect",
		"MalformedResponseError", "MalformedResponseError.Error", "MalformedResponseError.Is",
		"MalformedResponseError.Unwrap", "MarkerListWire", "MetricBytesReceived", "MetricBytesSent",
		"MetricCallAttempts", "MetricCallDuration", "MetricCallThrottles", "MirrorWire", "New",
		"NotSupported", "ObjectListWire", "ObjectLockWire", "ObjectWire", "OperationError",
		"OperationError.Error", "OperationError.Unwrap", "Options", "Options.Format", "Options.GoString",
		"Options.LogValue", "Options.RegionDefaulted", "Options.String", "PaginateMarker",
		"PaginateNone", "PaginateOffset", "PaginateToken", "Pagination", "ParamNames", "ParseChecksum",
		"PathStyle", "PayloadSigned", "PayloadSigning", "PayloadSigning.String", "PayloadSigning.Values",
		"PayloadSigningAuto", "PayloadUnsigned", "Permission", "Permission.Values",
		"PermissionFullControl", "PermissionRead", "PermissionReadACP", "PermissionWrite",
		"PermissionWriteACP", "PolicyWire", "PostFormWire", "PostPolicyConditions", "PostPolicyFields",
		"PostPolicyStyle", "PresignedRequest", "PresignedRequest.Format", "PresignedRequest.GoString",
		"PresignedRequest.LogValue", "PresignedRequest.String", "ProtectionWire",
		"PublicAccessBlockWire", "QingStor", "QingStorBodies", "RangeError", "RangeError.Error",
		"RangeError.Is", "RefererWire", "ResponseError", "ResponseError.Error",
		"ResponseError.ErrorCode", "ResponseError.ErrorFault", "ResponseError.ErrorMessage",
		"ResponseError.Is", "ResponseError.Kind", "Retention", "RetentionWire", "RetryPolicy", "S3",
		"S3Bodies", "SSECustomer", "SSECustomer.Format", "SSECustomer.GoString", "SSECustomer.LogValue",
		"SSECustomer.MarshalJSON", "SSECustomer.String", "ServiceListWire", "ShapeQingStorJSON",
		"ShapeS3XML", "SignerConfig", "SpanAttempt", "StatsWire", "StepAttempt", "StepBodyRewind",
		"StepChecksumRequired", "StepDecode", "StepRetry", "StepSerialize", "StepSigning",
		"StepUserAgent", "StepValidate", "StepWatchdog", "StorageClass", "StorageClass.Values",
		"StorageClassArchive", "StorageClassDeepArchive", "StorageClassGlacier", "StorageClassGlacierIR",
		"StorageClassIntelligentTiering", "StorageClassMAZStandard", "StorageClassMAZStandardIA",
		"StorageClassOneZoneIA", "StorageClassReducedRedundancy", "StorageClassStandard",
		"StorageClassStandardIA", "TaggingWire", "TimeoutAttempt", "TimeoutDial", "TimeoutError",
		"TimeoutError.Error", "TimeoutError.Is", "TimeoutError.Temporary", "TimeoutError.Timeout",
		"TimeoutKind", "TimeoutKind.String", "TimeoutReceiveStall", "TimeoutResponseHeader",
		"TimeoutSendStall", "TimeoutTLSHandshake", "Timeouts", "TracerScope", "VersioningWire",
		"VirtualHost", "WebsiteWire", "WithAPIOptions", "WithAddressing", "WithClock", "WithCredentials",
		"WithEndpoint", "WithHTTPClient", "WithIntegrity", "WithLogger", "WithMaxAttempts",
		"WithMeterProvider", "WithPayloadSigning", "WithPresignUnsignedHost", "WithRegion",
		"WithResourceConfigEndpoint", "WithRetry", "WithServiceInstanceID", "WithSigner",
		"WithStaticCredentials", "WithTLSConfig", "WithTimeouts", "WithTracerProvider", "WithUserAgent", "XML",
	}
)

func TestExportedNames(t *testing.T) {
	got := exportedNames(t)
	want := slices.Clone(userAPI)
	slices.Sort(want)
	if d := slices.Compact(slices.Clone(want)); len(d) != len(want) {
		t.Errorf("a name is listed twice")
	}
	for _, n := range got {
		if _, found := slices.BinarySearch(want, n); !found {
			t.Errorf("client exports %s, not on the list: unexport it, move it to internal/ or list it on purpose", n)
		}
	}
	for _, n := range want {
		if _, found := slices.BinarySearch(got, n); !found {
			t.Errorf("%s is listed but no longer exported: drop it from the list", n)
		}
	}
}

// exportedNames parses the package's non-test files and returns its
// exported names (methods as Type.Method), sorted.
func exportedNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range af.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if !decl.Name.IsExported() {
					continue
				}
				if decl.Recv == nil {
					names = append(names, decl.Name.Name)
					continue
				}
				if recv := receiverName(decl.Recv.List[0].Type); ast.IsExported(recv) {
					names = append(names, recv+"."+decl.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if spec.Name.IsExported() {
							names = append(names, spec.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							if n.IsExported() {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

// receiverName is the type name of a method's receiver: T, *T, T[P].
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
