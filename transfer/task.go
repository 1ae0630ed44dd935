package transfer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/sendprogress"
)

// errPaused ends a session that stopped because the task was paused.
var errPaused = errors.New("transfer: paused")

// errPauseNow is the cause with which PauseNow cancels parts in flight.
var errPauseNow = errors.New("transfer: paused immediately")

// Task is one upload or download run by a Manager. Its methods are safe
// for concurrent use.
type Task struct {
	id, op, bucket, key string
	m                   *Manager
	opts                Options
	job                 job

	parent context.Context // the caller's context, for values and cleanup
	ctx    context.Context // ends on Cancel or when parent ends
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	state    State
	paused   bool
	pauseCh  chan struct{} // closed while paused
	resumeCh chan struct{} // closed by Resume
	// onPause, if set (a group task's job), runs at the end of every
	// Pause and PauseNow, outside mu, so that a group's running children
	// are paused before Pause returns.
	onPause       func(now bool)
	sessionCancel context.CancelCauseFunc
	result        *Result
	err           error

	done chan struct{}
	prog meter
	hash meter
	ev   *dispatcher
	span taskSpan // tracing.go
}

// job is the work of a task: an upload or a download.
type job interface {
	// session works, holding a file slot, until the job is complete (nil),
	// stopped by a pause (errPaused) or failed. It is called again after
	// a pause. Only the part transfers (Task.runParts) stop for PauseNow.
	session(ctx context.Context) error
	// cleanup runs once when the task ends; err is nil on success.
	// cancelled says the task was cancelled. ctx outlives the task's.
	cleanup(ctx context.Context, err error, cancelled bool) error
	// result is the outcome of a successful job.
	result() *Result
	// uploadID is the multipart upload in use, if any.
	uploadID() string
	// checkpoint describes what is done so far.
	checkpoint() *Checkpoint
}

// Result describes a finished transfer.
type Result struct {
	Bucket, Key string
	// ETag and VersionID are the object's (uploads: as created).
	ETag      string
	VersionID string
	// Size is the object's size in bytes.
	Size int64
	// UploadID is the multipart upload used, or "" for a single PUT and
	// for downloads.
	UploadID string
	// Parts is the number of parts (ranges); ResumedParts of them were
	// found already done.
	Parts, ResumedParts int
	// Verified names the check that covered every byte of the object,
	// and only a check that took place. For a download it is the check
	// of the bytes read against what the server publishes: "crc64"
	// (COS), "crc32c", "crc32", "crc64nvme", "sha1", "sha256" (an
	// additional checksum of the whole content, or the CRC-32C of a
	// QingStor object's polystore ETag), "crc32c-composite" (S3 and IBM
	// objects polystore uploaded in parts), "md5" (an unencrypted
	// single-PUT object's ETag). For an upload:
	//
	//   - "crc64": the CRC-64 the server reported for the object (COS)
	//     equals the local one (for a multipart upload, the parts'
	//     combined);
	//   - "crc32c": the server reported the object's CRC32C additional
	//     checksum (a single PUT's, or the composite of a multipart
	//     upload) and it equals the local one;
	//   - "md5": a single PUT whose Content-MD5 the dialect checks, or
	//     whose MD5 ETag equals the local MD5;
	//   - "crc32c-parts", "md5-parts", "parts": a multipart upload without
	//     a whole-object checksum, every part of which was checked: by
	//     the CRC32C the server echoed, by its MD5 (Content-MD5 the dialect
	//     checks, or an MD5 ETag), or by a mix of those and CRC-64s.
	//
	// Multipart uploads are confirmed after completion by a HEAD of the
	// object (its size, S3's multipart ETag where the dialect has one,
	// its CRC-64 where published) whatever Verified says. When nothing
	// could be verified, Verified is "" and Unverified says why.
	Verified string
	// Unverified says why nothing could be verified ("" when Verified is
	// set): checks turned off (IntegrityOff), or a server that reported
	// no checksum and a dialect that checks no Content-MD5.
	Unverified string
	// ResentParts counts the times a part (or single PUT) was sent again
	// because its bytes arrived corrupted (Options.PartAttempts).
	ResentParts int
	// CRC64 is the object's CRC-64/ECMA-182 when computed (HasCRC64).
	CRC64    uint64
	HasCRC64 bool
	// Checksum is an upload's CRC32C additional checksum: of the content
	// for a single PUT, composite (Checksum.Parts > 0) for a multipart
	// upload. Verified is "crc32c" when the server reported the same.
	Checksum client.Checksum
	// File is the destination of a file download.
	File string
	// Files are the outcomes of a directory task's files (UploadDir,
	// DownloadDir, Sync), in path order. For such a task Size counts the
	// bytes transferred, Parts the files transferred, ResumedParts the
	// files found unchanged, and Key is the prefix.
	Files []FileResult
}

// Checkpoint is a snapshot of what a task has done, enough to resume it:
// the multipart upload and its acknowledged parts, or a download's
// written ranges.
type Checkpoint struct {
	// Op is "upload" or "download".
	Op          string
	Bucket, Key string
	UploadID    string
	// Size is the object's size (-1 while unknown) and PartSize the
	// size of every part but the last.
	Size, PartSize int64
	// Parts are the parts done so far, in number order.
	Parts []Part
	// Journal is the path of the checkpoint journal, if any.
	Journal string
}

// ID returns the task's identifier, unique within its manager, such as
// "upload-3".
func (t *Task) ID() string { return t.id }

// Op returns "upload" or "download".
func (t *Task) Op() string { return t.op }

// Bucket returns the task's bucket.
func (t *Task) Bucket() string { return t.bucket }

// Key returns the task's object key.
func (t *Task) Key() string { return t.key }

// State returns the task's current state.
func (t *Task) State() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// Progress returns a snapshot of the bytes transferred so far.
func (t *Task) Progress() Progress { return t.prog.snapshot(time.Now()) }

// HashProgress returns a snapshot of the bytes re-verified so far when
// resuming.
func (t *Task) HashProgress() Progress { return t.hash.snapshot(time.Now()) }

// Checkpoint returns what the task has done so far: the upload id, the
// part size and the acknowledged parts (written ranges, for a download).
// Before the task has been prepared it is mostly empty.
func (t *Task) Checkpoint() *Checkpoint { return t.job.checkpoint() }

// Done returns a channel closed when the task has ended and every
// Listener call has returned.
func (t *Task) Done() <-chan struct{} { return t.done }

// Wait waits for the task to end and returns its result, or a *TaskError.
// A cancelled task's error matches context.Canceled (or the task
// context's cause) with errors.Is. If ctx ends first, Wait returns
// ctx.Err() and the task goes on.
func (t *Task) Wait(ctx context.Context) (*Result, error) {
	select {
	case <-t.done:
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.result, t.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// outcome returns what Wait returns, once the task has ended.
func (t *Task) outcome() (*Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.result, t.err
}

// Pause stops the task from starting new parts. Parts in flight finish
// and count; then the task gives its file slot up and enters
// StatePaused. Pausing a waiting task takes it out of the queue.
func (t *Task) Pause() { t.pause(false) }

// PauseNow pauses like Pause but cancels the parts in flight; they are
// sent again on Resume.
func (t *Task) PauseNow() { t.pause(true) }

func (t *Task) pause(now bool) {
	t.mu.Lock()
	if t.state.Final() {
		t.mu.Unlock()
		return
	}
	if !t.paused {
		t.paused = true
		close(t.pauseCh)
		t.resumeCh = make(chan struct{})
	}
	if now && t.sessionCancel != nil {
		t.sessionCancel(errPauseNow)
	}
	hook := t.onPause
	t.mu.Unlock()
	if hook != nil {
		hook(now)
	}
}

// Resume continues a paused task: it queues for a file slot again and
// goes on with the same upload; acknowledged parts are not sent again.
func (t *Task) Resume() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.paused || t.state.Final() {
		return
	}
	t.paused = false
	close(t.resumeCh)
	t.pauseCh = make(chan struct{})
}

// Cancel stops the task: parts in flight are cancelled and, unless
// Options.KeepParts is set, the multipart upload is aborted (and a
// download's partial file removed). Wait then returns an error matching
// context.Canceled.
func (t *Task) Cancel() { t.cancel(ErrCanceled) }

// pauseSignal returns a channel closed while the task is paused.
func (t *Task) pauseSignal() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pauseCh
}

func (t *Task) setState(s State) {
	t.mu.Lock()
	from := t.state
	t.state = s
	t.mu.Unlock()
	if from != s {
		t.ev.push(event{kind: evState, from: from, to: s})
	}
}

// flightContext returns ctx carrying a sendprogress callback that counts
// the bytes of f the client's transport sends (Progress.Sent) and has
// them reported at the progress interval.
func (t *Task) flightContext(ctx context.Context, f *flight) context.Context {
	return sendprogress.With(ctx, func(n int64) {
		if t.prog.flightSent(f, n) {
			t.ev.markDirty(dirtyProgress)
		}
	})
}

// partContext returns the context of the parts of one session, which
// PauseNow cancels with errPauseNow, and its release function.
func (t *Task) partContext(ctx context.Context) (context.Context, func()) {
	pctx, cancel := context.WithCancelCause(ctx)
	t.mu.Lock()
	t.sessionCancel = cancel
	t.mu.Unlock()
	return pctx, func() {
		t.mu.Lock()
		t.sessionCancel = nil
		t.mu.Unlock()
		cancel(nil)
	}
}

// waitResume parks a paused task until Resume or Cancel.
func (t *Task) waitResume() error {
	t.mu.Lock()
	if !t.paused {
		t.mu.Unlock()
		return nil
	}
	ch := t.resumeCh
	t.mu.Unlock()
	t.setState(StatePaused)
	select {
	case <-ch:
		t.setState(StateWaiting)
		return nil
	case <-t.ctx.Done():
		return context.Cause(t.ctx)
	}
}

func (t *Task) run() {
	err := t.loop()
	t.finish(err)
}

// loop runs sessions until the job ends.
func (t *Task) loop() error {
	for {
		if err := t.m.acquireSlot(t.ctx, t.pauseSignal()); err != nil {
			if errors.Is(err, errPaused) {
				if err := t.waitResume(); err != nil {
					return err
				}
				continue
			}
			return err
		}
		t.prog.start(time.Now())
		err := t.job.session(t.ctx)
		t.prog.stop(time.Now())
		t.m.releaseSlot()
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
}

// finish cleans up, records the outcome and reports the final state.
func (t *Task) finish(err error) {
	cancelled := err != nil && t.ctx.Err() != nil
	if cancelled {
		err = context.Cause(t.ctx)
	}
	cctx, stop := t.cleanupContext()
	cleanupErr := t.job.cleanup(cctx, err, cancelled)
	stop()
	t.m.trimBuffers()

	var res *Result
	final := StateDone
	if err == nil {
		res = t.job.result()
	} else {
		final = StateFailed
		if cancelled {
			final = StateCancelled
		}
		te := &TaskError{Op: t.op, Bucket: t.bucket, Key: t.key, UploadID: t.job.uploadID(), PartNumber: -1, Err: err}
		var pe *partError
		if errors.As(err, &pe) {
			te.PartNumber, te.Err = pe.number, pe.err
		}
		if cleanupErr != nil {
			te.Err = errors.Join(te.Err, cleanupErr)
		}
		err = te
	}
	t.mu.Lock()
	t.result, t.err = res, err
	t.mu.Unlock()
	t.setState(final)
	t.ev.close()
	t.endSpan(res, err)
	t.cancel(nil)
	close(t.done)
}
