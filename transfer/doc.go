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
// once. Downloads check
// what the server publishes: the CRC-64 (COS) or an MD5 ETag of an object
// stored by a single PUT.
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
