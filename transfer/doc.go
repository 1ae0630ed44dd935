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
// # Dependencies
//
// The manager reaches the service only through the small interfaces
// UploadAPI and DownloadAPI, so any implementation (or a test fake) can be
// plugged in. NewClientAPI implements them with polystore's object,
// multipart and bucket packages.
package transfer
