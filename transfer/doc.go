// Package transfer is polystore's transfer manager: concurrent, resumable
// uploads and downloads of whole objects, run as tasks that can be watched,
// paused, resumed and cancelled.
//
// A Manager runs tasks. Upload and Download return a *Task at once; the
// work happens in the background:
//
//	m, err := transfer.New(transfer.NewClientAPI(c))
//	task, err := m.Upload(ctx, &transfer.UploadInput{Bucket: "b", Key: "big.iso", File: "/data/big.iso"})
//	res, err := task.Wait(ctx)
//
// The model is the COS JavaScript SDK's sliceUploadFile task model done in
// Go: a file-level parallelism limit shared by every task of a manager
// (tasks beyond it wait in a queue), a part-level limit per task, a part
// size grown as needed to fit the dialect's part-count limit, progress that
// counts bytes the server acknowledged, hash progress while an interrupted
// upload is re-verified, and Pause, Resume and Cancel on every task.
//
// # Resuming
//
// With Options.CheckpointDir set, each file upload or download keeps a
// journal there: a header (upload id, source identity, part size) and one
// fsynced record per acknowledged part. A new process that starts the same
// transfer finds the journal, checks it against the server (ListParts for
// uploads, HEAD for downloads), re-verifies the local bytes while reporting
// hash progress, and transfers only what is missing. A source that changed
// since the journal was written is detected and the transfer starts over.
// Without a journal, UploadInput.UploadID or Options.AdoptUploads resume a
// multipart upload found on the server.
//
// A journal's first line names its upload id alone, and the header names
// it again, so that a journal damaged on disk (cut short, bits flipped,
// overwritten) still leads to its upload: the first id it shows that the
// server knows is adopted (parts listed and re-verified, as after a
// crash); when none survives, the newest upload in progress for the key
// whose parts match the source is (as with AdoptUploads). A damaged
// journal never makes the manager forget an upload it can still find.
// Journals of the previous layout (the header first) are still read.
//
// # Never an orphan
//
// A failed or cancelled upload is aborted (unless Options.KeepParts) on a
// context that keeps the task context's values but not its cancellation,
// bounded by Options.AbortTimeout, and tried up to three times. An abort
// that still fails is joined to the task's error (ErrUploadNotAborted),
// and TaskError.UploadID names the upload that remains. A journal whose
// source changed has its upload aborted; one that cannot be aborted is
// continued instead, all its parts sent again.
//
// # Integrity
//
// Each part carries the cheapest checksum the dialect verifies: on S3 and
// IBM a CRC32C in x-amz-checksum-crc32c (the server refuses a part that
// does not match, and the composite checksum it returns at completion is
// checked against the parts'); on COS the CRC-64 the server returns for
// every part, combined and checked against the whole object's CRC-64 at
// completion; elsewhere Content-MD5. Each byte is hashed once, by the
// worker that sends it; on plain HTTP a file part is then sent by the
// kernel from the page cache (sendfile), not copied through the process.
// Options.TrailingChecksums instead computes the CRC32C while the part is
// sent and sends it as an aws-chunked trailer (S3), reading the source
// once.
//
// A server that refuses the CRC32C under IntegrityAuto (a 501, or a 400
// with one of the dialect's ChecksumRefusalCodes, as Backblaze B2 answers
// x-amz-checksum-algorithm) gets the request again, and the task's later
// ones, with Content-MD5 instead; one that takes it and echoes none has
// checked nothing: the part counts as verified only when its ETag is its
// MD5 (else it is sent again with Content-MD5), and the task's later
// parts carry Content-MD5 too ("md5-parts" in Result.Verified). The
// client under a ClientAPI remembers either (client.ChecksumSupport), for
// later tasks and its own calls. Where the client signs payloads (SigV4
// over plain http, client.PayloadSigning), each part's SHA-256 is
// computed in the same read as its checksums and signed
// (x-amz-content-sha256), and no trailers are sent.
//
// # Verified downloads
//
// No byte of a download reaches its destination as a success unless the
// wire could not verify it. Every ranged GET carries If-Match with the
// object's ETag, and its answer must be the range asked for: a 206 whose
// Content-Range starts and ends where asked and names the object's size,
// with the same ETag (object.Client.Get and ClientAPI.GetObjectRange check
// it); a server that ignores the range, shifts it or names another size
// fails the range with client.ErrRangeMismatch, one that answers with
// another ETag with ErrSourceChanged. The bytes are then checked against
// what the server publishes, the cheapest check first (Result.Verified
// names it):
//
//   - "crc64": COS's x-cos-hash-crc64ecma, of every object.
//   - "crc32c", "crc32", "crc64nvme": an S3 or IBM additional checksum of
//     the content (HEAD with x-amz-checksum-mode), such as the CRC32C the
//     manager sends with a single PUT, or a FULL_OBJECT checksum.
//   - "crc32c-composite": the composite checksum S3 and IBM publish for an
//     object uploaded in parts with checksums, the CRC32C of the parts'
//     CRC32Cs. The download's ranges are then the object's parts, whose
//     size the manager's uploads record in the object's metadata
//     ("polystore-part-size"); a composite of one part needs none.
//   - "crc32c" on QingStor: QingStor computes neither a checksum nor an
//     ETag for an object assembled from parts and keeps the ETag the
//     Complete request names. The manager names one that holds the
//     CRC-32C of the whole content (the MD5 of the parts' MD5s, "-N",
//     then "-crc32c-" and 8 hex digits), combined from the parts' CRC-32Cs
//     at Complete without reading the data again.
//   - "sha256", "sha1", "md5": an additional SHA checksum of the content,
//     or the ETag of a single-PUT object when it is an MD5: not for
//     objects encrypted with a KMS key (S3 aws:kms and aws:kms:dsse, COS
//     cos/kms) or a customer key, whose ETags are not MD5s although they
//     look like one (the answer's encryption headers decide,
//     client.Dialect.ETagIsMD5). These need the bytes in order (about a
//     second of CPU per GiB for MD5), so each range's buffer waits for
//     its turn; a WriterAt that is not an io.ReaderAt cannot have ranges
//     written before a pause read back.
//
// CRCs cost a few hundredths of a second of CPU per GiB and combine
// (CRC(A‖B) follows from CRC(A), CRC(B) and len(B)), so ranges are hashed
// by the workers that fetch them, in any order, and combined at the end.
// Every object the manager uploads can so be verified on every dialect:
// single PUTs by their CRC-64, CRC32C or MD5 ETag, multipart uploads by
// COS's CRC-64, the S3/IBM composite (with the recorded part size) and
// QingStor's ETag. A download that could verify nothing (a foreign
// multipart object without checksums, a KMS-encrypted one, IntegrityOff)
// succeeds with Verified "" and Result.Unverified saying why. A mismatch
// fails the task with a *ChecksumError (errors.Is ErrChecksumMismatch and
// client.ErrChecksumMismatch), and a File download's temporary file is
// removed, never renamed into place.
//
// Each written range is journaled with its CRC-32C. A resumed File
// download recomputes the CRC-32C of every range it keeps from the
// partial file (hash progress) and fetches again each range whose bytes
// changed on disk; for an MD5 or SHA check the kept ranges are read once
// more, in order. With IntegrityOff the journal is trusted.
//
// A part whose bytes arrive corrupted (the server refuses it with the
// dialect's digest code, client.Dialect.DigestMismatchCodes, or reports a
// CRC of it other than the local one) is sent again from the source, up
// to Options.PartAttempts (3) times in all; Result.ResentParts counts the
// re-sends, and a part corrupted every time fails the task with
// ErrPartCorrupted. An UploadPart answer without an ETag is sent once
// more, then fails the task (client.ErrMalformedResponse).
//
// No upload counts as done on the strength of an answer that proves
// nothing. A CompleteMultipartUpload answered with an empty or
// unreadable body is asked again (the client's retry, then the
// manager's); one whose earlier attempt completed unseen finds the upload
// gone, and is taken as done only if the object shows what the parts make
// (S3's multipart ETag, COS's CRC-64). Every completed multipart upload is
// then confirmed by a HEAD of the object: its size, its multipart ETag
// where the dialect has one (client.ObjectWire.MultipartETag), its CRC-64
// where published; a mismatch fails the task with ErrNotConfirmed.
// Result.Verified names only the checks that took place: a checksum the
// server did not report is not counted. When nothing could be checked,
// Verified is "" and Result.Unverified says why.
//
// # Dependencies
//
// The manager reaches the service only through the small interfaces
// UploadAPI and DownloadAPI, so any implementation (or a test fake) can be
// plugged in. NewClientAPI implements them with polystore's object,
// multipart and bucket packages.
package transfer
