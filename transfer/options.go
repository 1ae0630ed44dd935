package transfer

import (
	"fmt"
	"time"
)

// Default option values.
const (
	DefaultFileParallelism  = 3
	DefaultPartParallelism  = 4
	DefaultPartSize         = 8 << 20
	DefaultProgressInterval = time.Second
	DefaultAbortTimeout     = 30 * time.Second
	DefaultRangeAttempts    = 3
	DefaultPartAttempts     = 3
)

// Integrity selects how transferred bytes are checked.
type Integrity int

// Integrity modes.
const (
	// IntegrityAuto uses the cheapest check the dialect verifies: on
	// upload, the CRC-64 the server returns (COS), else a CRC32C
	// additional checksum (dialects with client.FeatureChecksums: S3,
	// IBM), else Content-MD5 (dialects with client.FeatureContentMD5),
	// with the digests kept to re-verify parts on resume, and what a
	// download needs to verify the object (the part size, or QingStor's
	// ETag with the CRC-32C); on download, what the server publishes:
	// the CRC-64, an additional checksum, the CRC-32C of a polystore
	// QingStor ETag or an MD5 ETag, never taking the ETag of an object
	// encrypted with a KMS or customer key for an MD5 (see "Verified
	// downloads" in the package documentation).
	IntegrityAuto Integrity = iota
	// IntegrityMD5 sends Content-MD5 with every part and single PUT,
	// even on dialects not known to accept it.
	IntegrityMD5
	// IntegrityCRC64 checks the CRC-64 the server returns; uploads fail
	// with client.ErrNotSupported on dialects without client.FeatureCRC64.
	IntegrityCRC64
	// IntegrityOff computes no checksums. Resumed parts are then trusted
	// when their size and ETag match the journal, and downloads verify
	// nothing (Result.Unverified says so).
	IntegrityOff
	// IntegrityCRC32C sends a CRC32C additional checksum
	// (x-amz-checksum-crc32c) with every part and single PUT and checks
	// the object's composite checksum at completion; uploads fail with
	// client.ErrNotSupported on dialects without client.FeatureChecksums.
	// A multipart upload resumed from the server that was created
	// without it continues with Content-MD5.
	IntegrityCRC32C
)

// String returns "auto", "md5", "crc64", "off" or "crc32c".
func (i Integrity) String() string {
	switch i {
	case IntegrityAuto:
		return "auto"
	case IntegrityMD5:
		return "md5"
	case IntegrityCRC64:
		return "crc64"
	case IntegrityOff:
		return "off"
	case IntegrityCRC32C:
		return "crc32c"
	}
	return fmt.Sprintf("Integrity(%d)", int(i))
}

// Trailers says when a part's CRC32C is sent as an aws-chunked trailer
// (Options.TrailingChecksums).
type Trailers int

// Trailer modes.
const (
	// TrailersAuto sends trailers with the parts of multipart uploads
	// over https: there every byte is copied through the process to be
	// encrypted, and a checksum computed on the way saves a second read
	// of the part. Over plain http a file part is sent by the kernel
	// (sendfile) after it was hashed from the page cache, which is
	// cheaper; single PUTs keep the checksum in a header, which every
	// S3-compatible server reads, so an object is never stored by a
	// server that does not decode the framing.
	TrailersAuto Trailers = iota
	// TrailersOn sends trailers with every part and single PUT.
	TrailersOn
	// TrailersOff sends checksums in headers only.
	TrailersOff
)

// Values returns the trailer modes (the smithy-go enum convention).
func (Trailers) Values() []Trailers { return []Trailers{TrailersAuto, TrailersOn, TrailersOff} }

// String returns "auto", "on" or "off".
func (t Trailers) String() string {
	switch t {
	case TrailersAuto:
		return "auto"
	case TrailersOn:
		return "on"
	case TrailersOff:
		return "off"
	}
	return fmt.Sprintf("Trailers(%d)", int(t))
}

// Values returns every Integrity mode.
func (Integrity) Values() []Integrity {
	return []Integrity{IntegrityAuto, IntegrityMD5, IntegrityCRC64, IntegrityOff, IntegrityCRC32C}
}

// Options configure a Manager, and each task: Upload and Download take
// functions that edit a copy of the manager's options for one task.
type Options struct {
	// FileParallelism is how many tasks of the manager run at once; more
	// wait in a first-come queue (state StateWaiting). A paused task gives
	// its place up. It is read by New only. 0 means
	// DefaultFileParallelism.
	FileParallelism int
	// PartParallelism is how many parts (ranges) one task transfers at
	// once. 0 means DefaultPartParallelism.
	PartParallelism int
	// PartSize is the size of a part or download range. Uploads raise it
	// to the dialect's minimum part size, and further (to a multiple of
	// 1 MiB) when the object would need more parts than the dialect
	// allows. Memory use of a task is about PartSize × (PartParallelism+2)
	// for an io.Reader source and for MD5-verified downloads, and small
	// otherwise. 0 means DefaultPartSize.
	PartSize int64
	// MultipartThreshold is the size from which uploads use a multipart
	// upload; smaller objects go in a single PUT (never more than the
	// dialect's single-PUT limit). 0 means the (final) part size; a
	// negative value sends everything but empty objects as multipart.
	MultipartThreshold int64
	// Integrity selects the checksums of uploads; the zero value is
	// IntegrityAuto. Downloads check what the server publishes unless it
	// is IntegrityOff. The download's ranges are the object's parts when
	// it is checked by a composite checksum (PartSize is then ignored).
	Integrity Integrity
	// KeepParts leaves a failed or cancelled multipart upload (and its
	// checkpoint journal, or a download's partial file and journal) in
	// place, to be resumed later. By default they are aborted and removed.
	KeepParts bool
	// CheckpointDir, if set, is the directory of the journals that let
	// file transfers resume after the process dies. It is created if
	// missing. One journal serves one file and object at a time: two
	// processes must not run the same transfer at once (within one
	// manager, the second fails with ErrJournalInUse).
	CheckpointDir string
	// AdoptUploads lets an upload without a journal continue a multipart
	// upload already in progress for the same key: the most recent one
	// whose parts match the source (the COS SDK's ListParts resume).
	AdoptUploads bool
	// TrailingChecksums says when a part's CRC32C goes as an aws-chunked
	// trailer, computed while the part is sent (one read of the source),
	// instead of in a header, computed before (two reads). Only on
	// dialects with client.FeatureTrailingChecksums (S3), with the CRC32C
	// of IntegrityAuto or IntegrityCRC32C, and never with signed payloads.
	// The zero value, TrailersAuto, sends them with the parts of a
	// multipart upload over https. A server that refuses or ignores a
	// trailer gets the part again with the checksum in a header, and so do
	// the task's later parts (and, under TrailersAuto, later tasks on the
	// same client).
	TrailingChecksums Trailers
	// ProgressInterval is the least time between two progress (and hash
	// progress) reports to the Listener; the final progress is always
	// reported. 0 means DefaultProgressInterval; a negative value reports
	// every change.
	ProgressInterval time.Duration
	// AbortTimeout bounds the clean-up after a cancel or a failure: the
	// abort of the multipart upload, tried up to three times (each
	// attempt retried by the client's own policy), on a context that
	// keeps the task context's values but not its cancellation. An abort
	// that still fails is reported in the task's error (ErrUploadNotAborted),
	// naming the upload id that remains on the server. 0 means
	// DefaultAbortTimeout.
	AbortTimeout time.Duration
	// RangeAttempts is how many times a download range whose body fails
	// part-way is requested (each time from the first byte not yet
	// written). Failed requests are retried by the client's own policy
	// before that. 0 means DefaultRangeAttempts.
	RangeAttempts int
	// PartAttempts is how many times in all a part (or a single PUT) is
	// sent whose bytes arrive corrupted: one the server refuses as not
	// matching its checksum (the dialect's DigestMismatchCodes, such as
	// BadDigest or bad_digest), or whose checksum the server reports
	// differs from the local one (COS's CRC-64, an additional checksum).
	// Each time it is sent again from the source (a stream's part from
	// the buffer that still holds it), counted in Result.ResentParts;
	// when every attempt arrived corrupted the task fails with an error
	// matching ErrPartCorrupted. Failed requests are retried by the
	// client's own policy before that. 0 means DefaultPartAttempts.
	PartAttempts int
	// Listener receives the task's events.
	Listener Listener
}

// Listener holds optional callbacks for task events. For one task they
// are called one at a time, in order, from a goroutine of the task and
// never with a lock held; callbacks of different tasks may run
// concurrently. A callback may call Pause, Resume, Cancel, State,
// Progress and Checkpoint, but not Wait. Every callback has returned by
// the time Wait returns.
type Listener struct {
	// Progress reports bytes acknowledged by the server (Progress.Bytes)
	// and bytes sent or received so far (Progress.Sent, which moves
	// within a part), at most once per ProgressInterval, and once more at
	// the end.
	Progress func(t *Task, p Progress)
	// HashProgress reports local bytes re-verified against a resumed
	// transfer, at most once per ProgressInterval.
	HashProgress func(t *Task, p Progress)
	// PartDone reports each part acknowledged by the server (each range
	// written, for downloads), after it has been journaled.
	PartDone func(t *Task, p Part)
	// StateChange reports every change of state.
	StateChange func(t *Task, from, to State)
}

// WithFileParallelism sets Options.FileParallelism.
func WithFileParallelism(n int) func(*Options) { return func(o *Options) { o.FileParallelism = n } }

// WithPartParallelism sets Options.PartParallelism.
func WithPartParallelism(n int) func(*Options) { return func(o *Options) { o.PartParallelism = n } }

// WithPartSize sets Options.PartSize.
func WithPartSize(n int64) func(*Options) { return func(o *Options) { o.PartSize = n } }

// WithMultipartThreshold sets Options.MultipartThreshold.
func WithMultipartThreshold(n int64) func(*Options) {
	return func(o *Options) { o.MultipartThreshold = n }
}

// WithIntegrity sets Options.Integrity.
func WithIntegrity(i Integrity) func(*Options) { return func(o *Options) { o.Integrity = i } }

// WithKeepParts sets Options.KeepParts.
func WithKeepParts(keep bool) func(*Options) { return func(o *Options) { o.KeepParts = keep } }

// WithCheckpointDir sets Options.CheckpointDir.
func WithCheckpointDir(dir string) func(*Options) { return func(o *Options) { o.CheckpointDir = dir } }

// WithAdoptUploads sets Options.AdoptUploads.
func WithAdoptUploads(adopt bool) func(*Options) { return func(o *Options) { o.AdoptUploads = adopt } }

// WithTrailingChecksums sets Options.TrailingChecksums.
func WithTrailingChecksums(t Trailers) func(*Options) {
	return func(o *Options) { o.TrailingChecksums = t }
}

// WithPartAttempts sets Options.PartAttempts.
func WithPartAttempts(n int) func(*Options) { return func(o *Options) { o.PartAttempts = n } }

// WithProgressInterval sets Options.ProgressInterval.
func WithProgressInterval(d time.Duration) func(*Options) {
	return func(o *Options) { o.ProgressInterval = d }
}

// WithListener sets Options.Listener.
func WithListener(l Listener) func(*Options) { return func(o *Options) { o.Listener = l } }

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.FileParallelism <= 0 {
		o.FileParallelism = DefaultFileParallelism
	}
	if o.PartParallelism <= 0 {
		o.PartParallelism = DefaultPartParallelism
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.ProgressInterval == 0 {
		o.ProgressInterval = DefaultProgressInterval
	}
	if o.AbortTimeout <= 0 {
		o.AbortTimeout = DefaultAbortTimeout
	}
	if o.RangeAttempts <= 0 {
		o.RangeAttempts = DefaultRangeAttempts
	}
	if o.PartAttempts <= 0 {
		o.PartAttempts = DefaultPartAttempts
	}
	return o
}

// check refuses values that make no sense.
func (o *Options) check() error {
	switch o.Integrity {
	case IntegrityAuto, IntegrityMD5, IntegrityCRC64, IntegrityOff, IntegrityCRC32C:
	default:
		return invalidOption("Integrity", "unknown mode %d", int(o.Integrity))
	}
	switch o.TrailingChecksums {
	case TrailersAuto, TrailersOn, TrailersOff:
	default:
		return invalidOption("TrailingChecksums", "unknown mode %d", int(o.TrailingChecksums))
	}
	return nil
}
