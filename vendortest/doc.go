// Package vendortest drives storagetest with the vendors' own Go SDKs,
// through their happy paths (put, get, head, delete, listing, multipart
// uploads, presigned URLs) on every dialect each SDK speaks:
//
//   - S3: aws-sdk-go-v2 (with feature/s3/manager), path-style and
//     virtual-hosted, and minio-go v7 with SigV4 and SigV2;
//   - IBM Cloud Object Storage: IBM's ibm-cos-sdk-go, with HMAC keys and
//     with IAM bearer tokens from storagetest's IAM token endpoint, and
//     aws-sdk-go-v2, whose default checksums are those of IBM's Python SDK;
//   - Tencent COS: cos-go-sdk-v5, which addresses buckets by virtual host
//     only (bucket.localhost:PORT, reached through storagetest's dialer,
//     never DNS);
//   - QingStor: qingstor-sdk-go v4, path-style (zone.localhost:PORT) and
//     virtual-hosted.
//
// The tests also pin what those SDKs showed storagetest refusing although
// the real services accept it: raw ';' in COS presigned URLs, header
// spelling on the wire (ETag, x-amz-meta-color), the IAM endpoint's Basic
// client credentials, DeleteObjects and UploadPart with CRC32 checksums
// and no Content-MD5 or upload algorithm, and virtual-hosted addressing.
//
// It is a module of its own (github.com/polystore/polystore/vendortest),
// like interop/, so that the SDKs never appear in the library's go.mod. It
// needs no MinIO and no network: every server is a storagetest.Server on
// 127.0.0.1. Run it with scripts/test.sh, or with
//
//	cd vendortest && go test -race ./...
//
// The module requires the library through a replace directive (=> ../),
// so it always tests the working tree; its go.mod pins the SDK versions.
// After changing the root go.mod, run `go mod tidy` here too.
package vendortest
