package transfer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer/transferapi"
)

// SymlinkPolicy says what a directory upload does with symbolic links.
type SymlinkPolicy int

// Symbolic link policies.
const (
	// SymlinksFollow uploads what a link points to: a file under the
	// link's name, a directory's tree below the link's path. A link to
	// one of its own ancestors is reported as an error (FileResult.Err)
	// instead of walked again.
	SymlinksFollow SymlinkPolicy = iota
	// SymlinksSkip leaves links out; each is listed in Result.Files as
	// skipped.
	SymlinksSkip
	// SymlinksError reports each link as a failed file.
	SymlinksError
)

// String returns "follow", "skip" or "error".
func (p SymlinkPolicy) String() string {
	switch p {
	case SymlinksFollow:
		return "follow"
	case SymlinksSkip:
		return "skip"
	case SymlinksError:
		return "error"
	}
	return fmt.Sprintf("SymlinkPolicy(%d)", int(p))
}

// Values returns every SymlinkPolicy.
func (SymlinkPolicy) Values() []SymlinkPolicy {
	return []SymlinkPolicy{SymlinksFollow, SymlinksSkip, SymlinksError}
}

// SyncDirection says which side of a Sync is copied to the other.
type SyncDirection int

// Sync directions.
const (
	// SyncUpload makes the objects under the prefix match the local
	// directory.
	SyncUpload SyncDirection = iota
	// SyncDownload makes the local directory match the objects under the
	// prefix.
	SyncDownload
)

// String returns "upload" or "download".
func (s SyncDirection) String() string {
	switch s {
	case SyncUpload:
		return "upload"
	case SyncDownload:
		return "download"
	}
	return fmt.Sprintf("SyncDirection(%d)", int(s))
}

// Values returns every SyncDirection.
func (SyncDirection) Values() []SyncDirection { return []SyncDirection{SyncUpload, SyncDownload} }

// UploadDirInput is the input of Manager.UploadDir.
type UploadDirInput struct {
	// Dir is the local directory whose tree is uploaded.
	Dir string
	// Bucket receives the objects.
	Bucket string
	// Prefix is the key prefix: the file a/b.txt below Dir becomes the
	// object Prefix/a/b.txt (a "/" is added to a Prefix that lacks one;
	// "" puts the tree at the bucket's top).
	Prefix string
	// Include and Exclude are glob patterns over the files' paths below
	// Dir, with "/" as the separator. A pattern without "/" matches a
	// file's name at any depth ("*.log"); one with "/" matches the whole
	// path, where "*" matches within one name and "**" any number of
	// directories ("cache/**", "**/testdata/*.json"). With Include set,
	// only files matching one of its patterns are transferred; a file
	// matching an Exclude pattern never is, and a directory matching one
	// is not walked.
	Include, Exclude []string
	// Symlinks is the policy for symbolic links; the zero value follows
	// them.
	Symlinks SymlinkPolicy
	// FailFast stops the whole transfer at the first file that fails; by
	// default the other files go on and the task's error lists the
	// failures (DirError).
	FailFast bool
	// ObjectOptions are the stored properties of every object. Their
	// metadata gets the CRC-32C of the file's content (see Sync).
	ObjectOptions
}

// DownloadDirInput is the input of Manager.DownloadDir.
type DownloadDirInput struct {
	// Bucket and Prefix select the objects: every key starting with
	// Prefix (with a "/" added, as in UploadDirInput) but keys ending
	// with "/" (folder markers).
	Bucket, Prefix string
	// Dir receives the files: the object Prefix/a/b.txt becomes
	// Dir/a/b.txt. It is created if missing. A key that would make a
	// path outside Dir ("../x") fails as a file.
	Dir string
	// Include and Exclude filter the keys' paths below Prefix, as in
	// UploadDirInput.
	Include, Exclude []string
	// FailFast is as in UploadDirInput.
	FailFast bool
}

// SyncInput is the input of Manager.Sync.
type SyncInput struct {
	// Direction says which side is made to match the other; the zero
	// value uploads.
	Direction SyncDirection
	// Dir, Bucket and Prefix name the two sides, as in UploadDirInput.
	Dir, Bucket, Prefix string
	// Include and Exclude filter both sides, as in UploadDirInput: what
	// they leave out is neither transferred nor deleted.
	Include, Exclude []string
	// Symlinks is the policy for symbolic links of an upload.
	Symlinks SymlinkPolicy
	// Delete removes what the destination side has and the source side
	// does not (objects under the prefix, or local files), once every
	// file was transferred without failure. It is off by default.
	Delete bool
	// FailFast is as in UploadDirInput.
	FailFast bool
	// ObjectOptions are the stored properties of uploaded objects.
	ObjectOptions
}

// FileAction says what a directory transfer did with one file.
type FileAction int

// File actions.
const (
	// FileUploaded: the file was uploaded (or, with Err, failed to be).
	FileUploaded FileAction = iota
	// FileDownloaded: the object was downloaded to the file.
	FileDownloaded
	// FileUnchanged: the destination already held the same content
	// (same size and checksum), or a run interrupted before had done it.
	FileUnchanged
	// FileSkipped: left out (a symbolic link with SymlinksSkip, a file
	// that is not a regular file); Reason says why.
	FileSkipped
	// FileDeleted: removed by a Sync with Delete.
	FileDeleted
)

// String returns "uploaded", "downloaded", "unchanged", "skipped" or
// "deleted".
func (a FileAction) String() string {
	switch a {
	case FileUploaded:
		return "uploaded"
	case FileDownloaded:
		return "downloaded"
	case FileUnchanged:
		return "unchanged"
	case FileSkipped:
		return "skipped"
	case FileDeleted:
		return "deleted"
	}
	return fmt.Sprintf("FileAction(%d)", int(a))
}

// Values returns every FileAction.
func (FileAction) Values() []FileAction {
	return []FileAction{FileUploaded, FileDownloaded, FileUnchanged, FileSkipped, FileDeleted}
}

// FileResult is the outcome for one file of a directory transfer.
type FileResult struct {
	// Path is the file's path below the directory, with "/".
	Path string
	// Key is the object's key.
	Key string
	// Size is the file's (or object's) size.
	Size int64
	// Action is what was done, or attempted when Err is set.
	Action FileAction
	// Reason says why a file was skipped or found unchanged.
	Reason string
	// Result is the file's transfer result, for uploaded and downloaded
	// files.
	Result *Result
	// Err is why the file failed, or nil.
	Err error
}

// DirError is the error of a directory transfer some of whose files
// failed (TaskError.Err). Files holds every file's outcome, failed or
// not.
type DirError struct {
	// Failed counts the files whose Err is set.
	Failed int
	// Files are the outcomes of all files, in path order.
	Files []FileResult
	// Deletes says the deletions of a Sync were not made because files
	// failed.
	Deletes bool
}

// Error names the count and the first failures.
func (e *DirError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transfer: %d of %d files failed", e.Failed, len(e.Files))
	shown := 0
	for _, f := range e.Files {
		if f.Err == nil {
			continue
		}
		if shown == 3 {
			b.WriteString("; ...")
			break
		}
		fmt.Fprintf(&b, "; %s: %v", f.Path, f.Err)
		shown++
	}
	if e.Deletes {
		b.WriteString(" (nothing was deleted)")
	}
	return b.String()
}

// Unwrap returns the files' errors, so that errors.Is and errors.As see
// them.
func (e *DirError) Unwrap() []error {
	var errs []error
	for _, f := range e.Files {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	return errs
}

// dirSpec is what a directory task does: an upload or download of a
// tree, optionally as a sync.
type dirSpec struct {
	upload           bool
	sync, delete     bool
	dir              string
	bucket, prefix   string
	include, exclude []string
	symlinks         SymlinkPolicy
	failFast         bool
	opts             ObjectOptions
}

// dirPrefix makes a non-empty prefix end with "/".
func dirPrefix(p string) string {
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

func (s *dirSpec) check() error {
	if s.dir == "" {
		return client.InvalidArgument("Dir", "must not be empty")
	}
	if s.bucket == "" {
		return client.InvalidArgument("Bucket", "must not be empty")
	}
	switch s.symlinks {
	case SymlinksFollow, SymlinksSkip, SymlinksError:
	default:
		return client.InvalidArgument("Symlinks", "unknown policy %d", int(s.symlinks))
	}
	for i, p := range s.include {
		if err := checkGlob(p); err != nil {
			return client.InvalidArgument(fmt.Sprintf("Include[%d]", i), "%q: %v", p, err)
		}
	}
	for i, p := range s.exclude {
		if err := checkGlob(p); err != nil {
			return client.InvalidArgument(fmt.Sprintf("Exclude[%d]", i), "%q: %v", p, err)
		}
	}
	if abs, err := filepath.Abs(s.dir); err == nil {
		s.dir = abs
	}
	s.prefix = dirPrefix(s.prefix)
	return nil
}

// UploadDir uploads the tree of regular files below in.Dir to
// in.Bucket, one object per file under in.Prefix, and returns the task at
// once. The task is one group: Pause, PauseNow, Resume, Cancel and
// Progress cover the whole tree (Progress counts bytes over all files,
// Parts and TotalParts count files), and the files are transferred by
// the manager's file slots (Options.FileParallelism, shared with its
// other tasks), each as an Upload would, large ones in parts. A file
// that fails does not stop the others (unless in.FailFast): the task
// then fails with a *DirError listing every file's outcome, which a
// successful task's Result.Files lists too.
//
// Each object's metadata records the CRC-32C of the file
// ("polystore-crc32c", 8 hex digits), which Sync compares to find
// unchanged files. With Options.CheckpointDir the group keeps a journal
// of the files done: the same UploadDir after a crash skips them without
// a request, checks the others that the bucket holds at the same size
// (a HEAD, and the recorded CRC-32C: one whose upload completed unseen
// is not sent again), and resumes the multipart uploads of large files
// from their own journals, so no file and no part is sent twice.
func (m *Manager) UploadDir(ctx context.Context, in *UploadDirInput, optFns ...func(*Options)) (*Task, error) {
	if in == nil {
		return nil, client.InvalidArgument("UploadDirInput", "must not be nil")
	}
	return m.startDir(ctx, &dirSpec{
		upload: true, dir: in.Dir, bucket: in.Bucket, prefix: in.Prefix, include: in.Include, exclude: in.Exclude,
		symlinks: in.Symlinks, failFast: in.FailFast, opts: in.ObjectOptions,
	}, optFns)
}

// DownloadDir downloads every object under in.Prefix of in.Bucket into
// in.Dir, one file per object, as a group task like UploadDir's (each
// file as a Download would, written to a temporary file and renamed
// once verified). It needs an API that implements ListAPI.
func (m *Manager) DownloadDir(ctx context.Context, in *DownloadDirInput, optFns ...func(*Options)) (*Task, error) {
	if in == nil {
		return nil, client.InvalidArgument("DownloadDirInput", "must not be nil")
	}
	return m.startDir(ctx, &dirSpec{
		dir: in.Dir, bucket: in.Bucket, prefix: in.Prefix, include: in.Include, exclude: in.Exclude, failFast: in.FailFast,
	}, optFns)
}

// Sync makes one side match the other, as a group task like UploadDir's:
// with SyncUpload the objects under the prefix, with SyncDownload the
// local directory. A file whose counterpart has the same size and the
// same content is left alone (FileUnchanged), so a second Sync sends
// nothing: the content is compared by the CRC-32C that UploadDir and
// Sync record in each object's metadata (a HEAD per file of equal size;
// the local file is read once to hash it), or, for objects without it,
// by what the service publishes (COS's CRC-64, an S3 or IBM checksum, an
// MD5 ETag: see "Verified downloads" in the package documentation).
//
// CRC-32C is the recorded checksum because it is the cheapest to compute
// (the CPU's CRC32 instruction: a file is hashed at memory speed), it is
// what S3 and IBM already store for a single PUT and what the manager's
// QingStor ETags hold, so most objects can be compared without it, and
// 32 bits are plenty to tell an edited file from the same one when the
// sizes already match (a collision needs one chance in four billion per
// changed file, not an adversary). CRC-64 is only native on COS, and
// costs several times more CPU per byte.
//
// With in.Delete, once every file was transferred without failure, the
// objects (or local files) the other side lacks are deleted, within the
// filters. It needs an API that implements ListAPI.
func (m *Manager) Sync(ctx context.Context, in *SyncInput, optFns ...func(*Options)) (*Task, error) {
	if in == nil {
		return nil, client.InvalidArgument("SyncInput", "must not be nil")
	}
	switch in.Direction {
	case SyncUpload, SyncDownload:
	default:
		return nil, client.InvalidArgument("Direction", "unknown direction %d", int(in.Direction))
	}
	return m.startDir(ctx, &dirSpec{
		upload: in.Direction == SyncUpload, sync: true, delete: in.Delete,
		dir: in.Dir, bucket: in.Bucket, prefix: in.Prefix, include: in.Include, exclude: in.Exclude,
		symlinks: in.Symlinks, failFast: in.FailFast, opts: in.ObjectOptions,
	}, optFns)
}

func (m *Manager) startDir(ctx context.Context, spec *dirSpec, optFns []func(*Options)) (*Task, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	_, lists := m.api.(transferapi.ListAPI)
	if !lists && (!spec.upload || spec.sync) {
		return nil, client.InvalidArgument("API", "must implement transfer.ListAPI to list the objects under the prefix")
	}
	o, err := m.taskOptions(optFns)
	if err != nil {
		return nil, err
	}
	if d := m.api.Dialect(); spec.upload {
		if o.Integrity == IntegrityCRC64 && !d.Has(client.FeatureCRC64) {
			return nil, client.NotSupported(d, "Integrity", "CRC-64 checking")
		}
		if o.Integrity == IntegrityCRC32C && !d.Has(client.FeatureChecksums) {
			return nil, client.NotSupported(d, "Integrity", "CRC32C additional checksums")
		}
	}
	op := "download-dir"
	switch {
	case spec.sync:
		op = "sync"
	case spec.upload:
		op = "upload-dir"
	}
	t := m.newTask(ctx, op, spec.bucket, spec.prefix, o)
	t.job = newDirJob(t, spec)
	go t.runGroup()
	return t, nil
}

// runGroup runs a group task: like run, but without taking one of the
// manager's file slots (the group's files take them).
func (t *Task) runGroup() {
	err := func() error {
		for {
			t.prog.start(time.Now())
			err := t.job.session(t.ctx)
			t.prog.stop(time.Now())
			switch {
			case err == nil:
				return nil
			case t.ctx.Err() != nil:
				return context.Cause(t.ctx)
			case errors.Is(err, errPaused):
				if err := t.waitResume(); err != nil {
					return err
				}
				continue
			}
			return err
		}
	}()
	t.finish(err)
}
