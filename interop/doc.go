// Package interop holds polystore's interoperability tests against a real
// MinIO server: objects written by polystore must read back byte-identical,
// with the same content type, user metadata and ETag, through
// aws-sdk-go-v2 and minio-go, and objects those SDKs write must read back
// the same way through polystore, including in bucket listings.
//
// It is a module of its own (github.com/polystore/polystore/interop) so that
// the two peer SDKs never appear in the library's go.mod. The tests start
// MinIO through internal/miniotest; run them with scripts/test.sh, or with
//
//	cd interop && go test -race ./...
//
// (POLYSTORE_SKIP_MINIO=1 skips them outside CI).
//
// The module requires the library through a replace directive (=> ../), so
// it always tests the working tree. Its go.mod and go.sum also record the
// library's own dependencies: after changing the root go.mod, run
// `go mod tidy` here too, or this module's build fails on a missing go.sum
// entry.
package interop
