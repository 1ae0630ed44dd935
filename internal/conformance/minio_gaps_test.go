package conformance

// minioGaps lists behaviours MinIO cannot show, with the reason; each one
// is logged as a skip in the MinIO runs.
var minioGaps = map[string]string{
	"ConfigWebsite": "MinIO does not host static websites: PUT ?website answers MalformedXML " +
		"and GET ?website NoSuchWebsiteConfiguration whatever was put",
	"ConfigPublicAccessBlock": "MinIO answers ?publicAccessBlock with 501 NotImplemented",
	"ConfigInventory":         "MinIO answers ?inventory with 501 NotImplemented",
	"ConfigEncryption": "MinIO applies default bucket encryption only with a KMS configured " +
		"(501 \"Server side encryption specified but KMS is not configured\"), which the test server has not",
	"ConfigProtection": "IBM's ?protection is not an S3 API: MinIO ignores the parameter and answers " +
		"GET as a plain object listing (the S3 run only checks the client refuses it, which storagetest runs show too)",
	"ObjectLegalHolds": "IBM's ?legalHold is not an S3 API (S3's is ?legal-hold with another body): MinIO has no per-ID " +
		"legal holds or IBM protection (the S3 run only checks the client refuses it, which storagetest runs show too)",
	"ObjectRetentionExtend": "IBM's ?extendRetention and Retention-Period headers are not S3 APIs: MinIO has no IBM " +
		"protection to extend (the S3 run only checks the client refuses it, which storagetest runs show too)",
	"ConfigBackupPolicies": "IBM's backup policies are a REST API of IBM's resource configuration service, " +
		"which MinIO does not serve (the S3 run only checks the client refuses it, which storagetest runs show too)",
}
