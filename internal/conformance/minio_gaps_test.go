package conformance

// minioGaps lists behaviours MinIO cannot show, with the reason; each one
// is logged as a skip in the MinIO runs.
var minioGaps = map[string]string{}
