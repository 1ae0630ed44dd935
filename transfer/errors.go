package transfer

import (
	"context"
	"errors"
	"fmt"

	"github.com/polystore/polystore/client"
)

// ErrCanceled is the cause of a task stopped by Task.Cancel. It matches
// context.Canceled with errors.Is.
var ErrCanceled = fmt.Errorf("transfer: task cancelled: %w", context.Canceled)

// ErrChecksumMismatch is matched (errors.Is) by every *ChecksumError. It
// is client.ErrChecksumMismatch, which object.Client.Get's checksum errors
// match too: one sentinel for bytes that do not match their checksum.
var ErrChecksumMismatch = client.ErrChecksumMismatch

// ErrJournalInUse reports that another task of the same manager is
// already using the checkpoint journal of a transfer (the same file to
// or from the same object).
var ErrJournalInUse = errors.New("transfer: the same transfer is already running")

// ErrSourceChanged reports that a download's object changed while it was
// being read (its ETag no longer matched), or that an upload's source
// changed while it was being read.
var ErrSourceChanged = errors.New("transfer: source changed during the transfer")

// ErrPartCorrupted reports a part (or a single PUT) whose bytes arrived
// corrupted on each of its Options.PartAttempts sends. The error also
// matches the last refusal: a *client.ResponseError with the dialect's
// digest code (BadDigest, ...), or a *ChecksumError.
var ErrPartCorrupted = errors.New("transfer: part corrupted in transit on every attempt")

// ErrNotConfirmed reports a multipart upload whose object could not be
// confirmed after CompleteMultipartUpload: the HEAD that checks it failed,
// or showed another size, ETag or checksum than the parts make. The
// object may exist; it is not known to hold the source's bytes.
var ErrNotConfirmed = errors.New("transfer: the completed object could not be confirmed")

// ErrUploadNotAborted reports a multipart upload that the clean-up after a
// failure or a cancel could not abort: it remains on the server, with its
// parts, until aborted (TaskError.UploadID names it) or removed by the
// bucket's lifecycle rules. It is joined to the task's cause.
var ErrUploadNotAborted = errors.New("transfer: the multipart upload could not be aborted and remains on the server")

// TaskError is the error Task.Wait returns for a task that failed or was
// cancelled. Err is the root cause: the first error that stopped the task,
// never the cancellation of sibling parts it triggered.
type TaskError struct {
	// Op is "upload" or "download".
	Op          string
	Bucket, Key string
	// UploadID is the multipart upload the task used, if any. With
	// Options.KeepParts it is still on the server and can be resumed
	// (UploadInput.UploadID).
	UploadID string
	// PartNumber is the wire number of the part (or the index of the
	// range) that failed, or -1.
	PartNumber int
	// Err is the cause.
	Err error
}

// Error describes the failed task and its cause.
func (e *TaskError) Error() string {
	s := "transfer: " + e.Op + " " + e.Bucket + "/" + e.Key
	if e.UploadID != "" {
		s += " (upload id " + e.UploadID + ")"
	}
	if e.PartNumber >= 0 {
		s += fmt.Sprintf(" part %d", e.PartNumber)
	}
	if e.Err == nil {
		return s + ": failed"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *TaskError) Unwrap() error { return e.Err }

// ChecksumError is a checksum that did not match: a part or object the
// server stored differs from what was sent, or downloaded bytes differ
// from what the server published.
type ChecksumError struct {
	// What names the checked thing: "part 3", "object", "range 2".
	What string
	// Algorithm names the check: "crc64", "crc32c", "md5",
	// "crc32c-composite", ... (as Result.Verified).
	Algorithm string
	// Want is what the server reported, Got what was computed locally.
	Want, Got string
}

// Error names the mismatched checksums.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("transfer: %s %s mismatch: server has %s, local is %s", e.What, e.Algorithm, e.Want, e.Got)
}

// Is matches ErrChecksumMismatch (client.ErrChecksumMismatch).
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksumMismatch }

// partError tags a part failure with its wire number.
type partError struct {
	number int
	err    error
}

func (e *partError) Error() string { return fmt.Sprintf("part %d: %v", e.number, e.err) }
func (e *partError) Unwrap() error { return e.err }

func invalidOption(field, format string, args ...any) error {
	return client.InvalidArgument(field, format, args...)
}
