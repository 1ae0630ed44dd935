// Package storagetest provides an in-memory object-storage server for tests,
// in the spirit of net/http/httptest.
//
// A Server listens on a loopback port and speaks one polystore dialect:
// QingStor's native JSON API, Tencent COS, AWS S3 or IBM Cloud Object
// Storage (S3 plus IBM IAM bearer tokens). Responses, error bodies, error
// codes and request-id headers follow the dialect, and signed requests are
// checked with the signer package's verifiers against the server's key pair:
//
//	srv := storagetest.NewServer(client.S3)
//	defer srv.Close()
//	c, err := srv.Client() // endpoint, region and credentials preset
//
// Requests use path-style addressing, http://127.0.0.1:PORT/bucket/key,
// which is what the polystore client sends to a custom endpoint, or
// virtual-hosted addressing, with the bucket in the Host header:
// bucket.localhost:PORT (Options.VirtualHostDomain sets the domain; on
// QingStor bucket.zone.localhost too, as its SDKs send it). Vendor SDKs
// reach such names without DNS through HTTPClient or DialContext, which
// send every connection to the server; VirtualHostURL and
// VirtualHostEndpoint give their endpoints. Response headers go out in
// the vendors' spelling (ETag; x-amz-*, x-cos-*, x-qs-* and user metadata
// in lower case, as stored), for clients that read them case-sensitively.
//
// Besides serving requests, a Server records them (Requests, each with the
// operation's name in Op, such as "UploadPart"), counts the most requests
// in flight at once (MaxConcurrent) and injects faults (InjectFault):
// error answers, errors inside a 200 answer (as S3's
// CompleteMultipartUpload sends them), connection resets part-way through
// an upload, delays that end when the client gives up, bit flips in a
// successful answer's body (Fault.FlipBit), request bodies with a bit
// flipped on the way in, whitespace-only 200 answers, and answers
// rewritten after the request took effect (an ETag dropped, a result
// emptied). An IBM IAM token endpoint is emulated at POST
// {URL}/identity/token (API-key and refresh-token grants; HTTP Basic
// client credentials, which IBM's SDKs send, are accepted);
// ExpireTokens makes the server refuse the tokens it issued, as after a
// revocation.
//
// # Supported operations
//
// Each in the dialect's own wire format (XML for S3, IBM and COS, JSON for
// QingStor), with the dialect's parameter names (uploadId / upload_id,
// versionId / version_id, part numbers from 1 or from 0):
//
//   - Service: list buckets (S3, paged with max-buckets and
//     continuation-token; COS; IBM ?extended with LocationConstraint and
//     marker paging; QingStor offset/limit paging and the Location filter),
//     QingStor list locations (GET /?location).
//   - Buckets: create (CreateBucketConfiguration, canned and grant ACL
//     headers, IBM Key Protect headers, x-amz-bucket-object-lock-enabled),
//     head, delete, list objects (S3 v1 and v2, COS, QingStor), location
//     (QingStor: ?stats), ACL, CORS, policy, versioning, list object
//     versions, list multipart uploads, delete multiple objects.
//   - Objects: put, get (Range, conditional headers, response-* overrides),
//     head, delete, with version ids and delete markers in versioned
//     buckets; copy (metadata directive, copy-source conditions, from a
//     version); QingStor move and fetch (fetch reads only from the server
//     itself); append (COS, QingStor); ACL; OPTIONS (CORS preflight).
//   - Multipart: initiate, upload part, upload part copy, complete (part
//     order, ETags and minimum part size checked; S3's multipart ETag, or
//     on QingStor the one the request's ETag header names: QingStor
//     computes none), abort, list parts.
//   - Everywhere it applies: Content-MD5 and x-amz-content-sha256 checks,
//     user metadata size and key length limits, storage classes, SSE-C
//     keys (checked, remembered by their MD5, required to read back),
//     encryption with keys the service holds (x-amz-server-side-encryption
//     AES256, aws:kms, aws:kms:dsse; x-cos-server-side-encryption AES256,
//     cos/kms: echoed; a KMS key gives a single-PUT object an ETag that is
//     not its MD5, as on S3; nothing is really encrypted), and COS's
//     x-cos-hash-crc64ecma.
//   - On dialects with client.FeatureChecksums (S3, IBM): additional
//     checksums. An x-amz-checksum-<algorithm> header on put and upload
//     part is verified as the body streams in (400 BadDigest on a
//     mismatch, InvalidRequest on a malformed value), stored and echoed;
//     initiate's x-amz-checksum-algorithm fixes the parts' algorithm
//     (parts in another, or without one, are InvalidRequest; parts of an
//     upload created without one may carry any checksum, verified and not
//     kept, as S3 accepts since 2025), list parts
//     shows each part's checksum, complete requires each part's
//     <ChecksumCRC32C> (etc.) to match (else InvalidPart) and answers with
//     the composite checksum; HEAD and GET with x-amz-checksum-mode:
//     ENABLED report the stored checksum (not for ranges). On documents
//     that need Content-MD5 (DeleteObjects, CORS, ...) an additional
//     checksum may stand in for it, and is verified. COS and QingStor
//     servers ignore these headers, as those services do.
//
// Other operations answer with the dialect's "not implemented" error;
// operations a dialect lacks (append on S3, ListObjectsV2 on QingStor)
// answer as that vendor does.
package storagetest
