// Package faultsuite is polystore's fault suite. It has no code of its
// own: its tests (run by `go test ./...`, so CI runs them) put the
// transfer and object calls the SDK offers in front of misbehaving
// servers and check what comes out.
//
// Each run is one operation — a transfer upload of a file in three parts,
// a transfer download to a file, a single object Put, a whole object Get,
// a ranged Get, or an object listing — against one fault on one backend:
//
//   - the TCP faults of internal/faultproxy, between the client and a real
//     MinIO server (internal/miniotest) or a storagetest server of each
//     dialect: resets part-way through a request or a response, stalls,
//     truncated responses, delays, and a flipped bit in a response body.
//     The "minio-https" backend runs the MinIO faults again with the
//     client on https to a proxy that ends TLS (faultproxy.NewTLS), so
//     they strike the client's TLS connection and its own transport's
//     TLS path (a flipped bit arrives sealed in a valid record, as from a
//     buggy server or a TLS-terminating proxy);
//   - hostile servers, storagetest behind a handler that rewrites some
//     answers: a Range ignored or a Content-Range shifted, an empty or
//     whitespace-only 200 for CompleteMultipartUpload, an UploadPart
//     answer without an ETag, a 503 with a huge Retry-After, a body that
//     stops part-way;
//   - hostile listing servers of every dialect's wire: tokens that cycle
//     (T1, T2, T1, ...) and truncated empty pages without end.
//
// A run must end with the exact bytes (SHA-256 compared; after an upload,
// of the object read back through a clean client, whose ETag must also
// be the one the upload reported) or with a typed error (errors.Is /
// errors.As on a client or transfer kind; a body read by the caller may
// also fail with io.ErrUnexpectedEOF, a connection reset or a timeout).
// It must end before a per-run watchdog (45 s) fires, send no more than
// a bound of requests (counted at the proxy or the hostile server), and
// its fault must have struck. Where the correct outcome is known, the run
// is held to it: a transient fault must be retried away, a fault that
// never goes away must end in an error, a stall must end in a timeout
// error, flipped bits in a checksum mismatch, a hostile listing in
// bucket.ErrListingStalled. No error may claim "context deadline
// exceeded" when the caller's deadline has not passed, and no retry may
// wait outside [0, RetryPolicy.MaxRetryAfter].
//
// TestFaults logs one line per run and the summary
//
//	faults: N runs, C corrupted, H hung
//
// and fails if C or H is not zero or if any run broke another rule.
// TestJudge shows that a hang, wrong bytes,
// too many requests and a fault that never struck are each caught.
//
// Stall faults run with a client whose Timeouts.Stall and
// Timeouts.ResponseHeader are short (2 s, 3 s against MinIO), so a stalled
// attempt ends with a typed timeout and is retried.
// Runs go in parallel; the listing runs first, alone.
//
// FAULTSUITE_RUN, a regular expression, keeps only the runs whose name
// ("backend/fault/operation", such as "minio/flip-bit/download") it
// matches. MinIO runs are skipped with POLYSTORE_SKIP_MINIO=1 (outside
// CI), as internal/miniotest documents.
package faultsuite
