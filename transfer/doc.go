// Package transfer is polystore's transfer manager: concurrent, resumable
// uploads and downloads of whole objects, run as tasks that can be watched,
// paused, resumed and cancelled.
//
// A Manager runs tasks. Upload and Download return a *Task at once; the
// work happens in the background:
//
//	m, err := transfer.NewFromClient(c) // c is a *client.Client
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
// Over https, where every byte is copied through the process to be
// encrypted anyway, the CRC32C of each part of a multipart upload is
// instead computed while the part is sent and follows it as an
// aws-chunked trailer (S3), reading the source once
// (Options.TrailingChecksums, TrailersAuto).
//
// A server that refuses the CRC32C under IntegrityAuto (a 501, or a 400
// with one of the dialect's ChecksumRefusalCodes, as Backblaze B2 answers
// x-amz-checksum-algorithm) gets the request again, and the task's later
// ones, with Content-MD5 instead; one that takes it and echoes none has
// checked nothing: the part counts as verified only when its ETag is its
// MD5 (else it is sent again with Content-MD5), and the task's later
// parts carry Content-MD5 too ("md5-parts" in Result.Verified). The
// client under a transferapi.Client remembers either (client.ChecksumSupport), for
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
// with the same ETag (object.Client.Get and transferapi.Client.GetObjectRange check
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
// # Streamed downloads
//
// DownloadInput.Writer streams an object into an io.Writer, with no
// temporary file and no io.WriterAt, and Manager.Open returns a Reader
// (an io.ReadCloser) of it. Both fetch ranges of PartSize,
// PartParallelism at a time, into part buffers, and deliver them in
// order: a fetched range waits for the earlier ones, and ranges are
// handed out in order, so the earliest one not delivered is always in
// flight. At most PartSize × (PartParallelism+1) bytes of buffers are in
// use whatever the object's size: PartParallelism being fetched or
// waiting their turn, one being written or read.
//
// The bytes are verified as a File download's are (Result.Verified,
// Result.Unverified), once the last one is delivered: until Task.Wait
// returns without error, or the Reader returns io.EOF, what was
// delivered is unverified; a mismatch is Wait's error, or the Reader's
// last Read error instead of io.EOF. A delivered range counts as done
// (Progress.Bytes, Listener.PartDone); Pause lets the ranges in flight be
// delivered, PauseNow drops them to fetch again on Resume, and Cancel (or
// Reader.Close) stops the workers and waits for them. There is no
// journal: a streamed download cannot be resumed by another process.
//
// # Progress
//
// Progress.Bytes counts what is done for good: bytes the server
// acknowledged (uploads) or wrote to the destination (downloads), in
// whole parts; a resumed transfer keeps them. Progress.Sent adds the
// bytes of the parts in flight that have crossed the wire: as
// transferapi.Client's transport reads a request body (a file section
// sent with sendfile is sent, and counted, in 1 MiB chunks), or as a
// range's bytes arrive. So a single PUT of a large file on a slow link,
// or one large part, shows Sent moving at the progress interval long
// before the server answers. A part given up (PauseNow, a failure) stops
// counting, so Sent can go back; a part sent again counts the most any
// attempt reached.
//
// # Dependencies
//
// The manager reaches the service only through the small interface
// transferapi.API (the calls it makes, with their inputs and outputs; for
// server-side copies and directory listings also transferapi.CopyAPI and
// transferapi.ListAPI), so any implementation (or a test fake) can be
// plugged in with New.
// NewFromClient uses transferapi.NewClient, which implements it with
// polystore's object, multipart and bucket packages.
//
// # Copies
//
// Manager.Copy copies an object as a task. Within one service (the
// manager's own API, CopySource.API nil) the service copies it and no
// byte passes through the client: one CopyObject up to the dialect's
// single-copy limit (client.Limits.MaxCopySize, 5 GiB on S3), else a
// multipart upload of UploadPartCopy ranges, PartParallelism at a time,
// each naming the source's ETag (If-Match). Between clients (another
// account, region or dialect: CopySource.API set) the copy streams
// ranged GETs into a multipart upload with memory bounded by PartSize ×
// (PartParallelism + 2) and a little more, checks the bytes read against
// the checksum the source publishes, and lets the destination verify
// each part. The copy keeps the source's content headers and user
// metadata unless CopyDestination.ReplaceMetadata; CopySource.VersionID
// copies a version. With CheckpointDir a multipart copy of either kind is
// journaled: after a crash the same Copy sends only the parts not yet
// acknowledged. Pause, Resume and Cancel work as for uploads.
//
// # Directory transfers and Sync
//
// Manager.UploadDir, DownloadDir and Sync transfer a tree as one group
// task: Pause, PauseNow, Resume, Cancel and Progress cover every file;
// the files take the manager's file slots (Options.FileParallelism,
// default 3, shared with its other tasks), each as an Upload or Download
// would, large ones in parts. Include and Exclude are globs over the
// paths below the directory ("*.log", "cache/**"); Symlinks chooses
// SymlinksFollow (the default), SymlinksSkip or SymlinksError; Prefix
// maps the tree under a key prefix. A failed file does not stop the
// others unless FailFast: the task then fails with a *DirError, and
// Result.Files (or DirError.Files) holds every file's outcome.
//
// Every uploaded object records the CRC-32C of its file in its metadata
// ("polystore-crc32c"). Sync skips a file whose counterpart has the same
// size and that checksum (or, for objects without it, the checksum the
// service publishes), so a second Sync sends nothing; with
// SyncInput.Delete (off by default) it then deletes what the source side
// lacks, within the filters, once no file failed. With CheckpointDir the
// group journals the files done: after a crash the same call skips them
// without a request and resumes the started files from their own
// journals, so no file and no part is sent twice.
package transfer
