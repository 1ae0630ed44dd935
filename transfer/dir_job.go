package transfer

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/transfer/transferapi"
)

// dirJob is a directory task: a group whose files are transferred by
// child tasks (an upload or download each, run by the group's workers,
// at most Options.FileParallelism at once, each taking one of the
// manager's file slots as it runs). Pausing the group pauses its
// children; they keep their worker across the pause and are resumed with
// the group. Progress is the sum of the children's.
type dirJob struct {
	t    *Task
	m    *Manager
	api  transferapi.API
	list transferapi.ListAPI // nil for a plain upload without one
	spec dirSpec
	o    *Options

	// Set by prepare, then read-only.
	prepared bool
	resumed  bool            // a journal of an interrupted run was found
	started  time.Time       // when this run's preparation began
	gctx     context.Context // the children's: the task's, ended early by FailFast
	gcancel  context.CancelCauseFunc
	jr       *journal
	jpath    string
	extra    []string // what a Sync with Delete removes: keys, or paths below the directory
	childOpt Options

	mu       sync.Mutex
	queue    []*dirItem
	workers  map[*dirWorker]bool
	seen     map[*Task]int64 // progress reported by each running child
	results  []FileResult
	failed   int
	firstErr error
	moved    int64 // bytes transferred
	moves    int   // files transferred
	same     int   // files found unchanged
	wake     chan struct{}
	res      *Result
}

// dirItem is a file to transfer, or to compare first.
type dirItem struct {
	rel, path, key string
	size           int64
	mtime          time.Time
	etag           string // the object's, for downloads
	// check: the other side may hold the file already (a Sync, or a run
	// that a crash interrupted): compare before transferring.
	check  bool
	crc    uint32 // the local file's CRC-32C, once computed (hasCRC)
	hasCRC bool
	// data is the content of a small file to upload, read once for both
	// its CRC-32C and its PUT (see smallFileSize); held holds it when it
	// is in a pooled buffer (see heldFile).
	data []byte
	held *heldFile
}

// readSmall reads a small file to upload into memory, once, and computes
// its CRC-32C from those bytes. A file whose size changed since the walk
// is left to be read as a file.
func (j *dirJob) readSmall(it *dirItem) error {
	if it.size > heldFileMin {
		h, ok, err := readHeld(it.path, it.size)
		if err != nil || !ok {
			return err
		}
		it.held, it.data = h, h.Bytes()
	} else {
		data, err := os.ReadFile(it.path)
		if err != nil {
			return err
		}
		if int64(len(data)) != it.size {
			return nil
		}
		it.data = data
	}
	it.crc, it.hasCRC = crc32.Checksum(it.data, castagnoli), true
	return nil
}

// dropData lets go of a small file's bytes once its upload ended.
func (it *dirItem) dropData() {
	if it.held != nil {
		it.held.release()
	}
	it.data, it.held = nil, nil
}

// smallFileSize is the size up to which a directory upload reads a file
// into memory once, to hash it for its recorded CRC-32C and send it from
// the same bytes, rather than open and read it twice (once to hash, once
// to send): most of the client's cost per small file. At most one such
// buffer per file slot is held.
const smallFileSize = 256 << 10

// dirWorker runs one item; child is its transfer once started.
type dirWorker struct {
	item  *dirItem
	child *Task
}

func newDirJob(t *Task, spec *dirSpec) *dirJob {
	j := &dirJob{t: t, m: t.m, api: t.m.api, spec: *spec, o: &t.opts,
		workers: map[*dirWorker]bool{}, seen: map[*Task]int64{}, wake: make(chan struct{}, 1)}
	j.list, _ = t.m.api.(transferapi.ListAPI)
	// Pausing the group pauses its running children at once: no part or
	// range starts after Pause returns.
	t.onPause = j.sweep
	return j
}

func (j *dirJob) uploadID() string { return "" }
func (j *dirJob) result() *Result  { return j.res }

func (j *dirJob) checkpoint() *Checkpoint {
	p := j.t.Progress()
	return &Checkpoint{Op: j.t.op, Bucket: j.spec.bucket, Key: j.spec.prefix, Size: p.Total, Journal: j.jpath}
}

func (j *dirJob) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// record adds a file's outcome.
func (j *dirJob) record(fr FileResult) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.results = append(j.results, fr)
	if fr.Err != nil {
		j.failed++
		if j.firstErr == nil {
			j.firstErr = fr.Err
		}
	}
}

// prepare walks the local tree or lists the objects, and makes the work
// list: what the journal of an interrupted run records as done is found
// unchanged without a request; what the other side may hold already (a
// Sync, or a resumed run) is compared before it is transferred.
func (j *dirJob) prepare(ctx context.Context) error {
	s := &j.spec
	j.started = time.Now()
	j.gctx, j.gcancel = context.WithCancelCause(j.t.ctx)
	done, resumed := map[string]dirRecord{}, false
	if j.o.CheckpointDir != "" {
		j.jpath = dirJournalPath(j.o.CheckpointDir, s)
		if err := j.m.claimJournal(j.jpath); err != nil {
			j.jpath = ""
			return err
		}
		jr, recs, found, err := openDirJournal(j.jpath, dirHeader{Version: 1, Op: s.op(), Bucket: s.bucket, Prefix: s.prefix, Dir: s.dir})
		if err != nil {
			return err
		}
		j.jr, done, resumed = jr, recs, found
		j.resumed = found
	}
	var remote map[string]transferapi.ObjectEntry
	if j.list != nil && (s.sync || resumed || !s.upload) {
		remote = map[string]transferapi.ObjectEntry{}
		for o, err := range j.list.ListObjects(ctx, s.bucket, s.prefix) {
			if err != nil {
				return err
			}
			if strings.HasSuffix(o.Key, "/") || !strings.HasPrefix(o.Key, s.prefix) {
				continue // a folder marker
			}
			rel, err := s.localRel(o.Key)
			if err != nil {
				if !s.upload && s.wanted(rel) {
					j.record(FileResult{Path: rel, Key: o.Key, Size: o.Size, Action: FileDownloaded, Err: err})
				}
				continue
			}
			if s.wanted(rel) {
				remote[rel] = o
			}
		}
	}
	var total, credit int64
	var files, unchanged int
	add := func(it *dirItem) {
		j.queue = append(j.queue, it)
		total += it.size
		files++
	}
	same := func(rel, key string, size int64, why string) {
		j.record(FileResult{Path: rel, Key: key, Size: size, Action: FileUnchanged, Reason: why})
		total += size
		credit += size
		files++
		unchanged++
	}
	if s.upload {
		local, skipped, err := s.walkTree(s.dir)
		if err != nil {
			return err
		}
		for _, fr := range skipped {
			fr.Key = s.prefix + fr.Path
			j.record(fr)
		}
		have := map[string]bool{}
		for _, f := range local {
			have[f.rel] = true
			key := s.prefix + f.rel
			if r, ok := done[f.rel]; ok && r.Size == f.size && r.MTime == f.mtime.UnixNano() {
				same(f.rel, key, f.size, "uploaded by an interrupted run (journal)")
				continue
			}
			o, there := remote[f.rel]
			add(&dirItem{rel: f.rel, path: f.path, key: key, size: f.size, mtime: f.mtime, check: there && o.Size == f.size})
		}
		if s.delete {
			for rel, o := range remote {
				if !have[rel] {
					j.extra = append(j.extra, o.Key)
				}
			}
		}
	} else {
		for _, rel := range slices.Sorted(maps.Keys(remote)) {
			o := remote[rel]
			path := filepath.Join(s.dir, filepath.FromSlash(rel))
			st, err := os.Stat(path)
			exists := err == nil && st.Mode().IsRegular()
			if r, ok := done[rel]; ok && exists && r.Size == o.Size && st.Size() == o.Size && r.ETag == o.ETag {
				same(rel, o.Key, o.Size, "downloaded by an interrupted run (journal)")
				continue
			}
			add(&dirItem{rel: rel, path: path, key: o.Key, size: o.Size, etag: o.ETag,
				check: (s.sync || resumed) && exists && st.Size() == o.Size})
		}
		if s.delete {
			if _, err := os.Stat(s.dir); err == nil {
				walk := *s
				walk.symlinks = SymlinksSkip
				local, _, err := walk.walkTree(s.dir)
				if err != nil {
					return err
				}
				for _, f := range local {
					if _, ok := remote[f.rel]; !ok {
						j.extra = append(j.extra, f.rel)
					}
				}
			}
		}
	}
	slices.Sort(j.extra)
	j.t.prog.setTotals(total, files)
	j.t.prog.credit(credit, unchanged)
	j.same = unchanged
	j.t.ev.markDirty(dirtyProgress)

	co := *j.o
	co.Listener = Listener{Progress: j.childProgress, StateChange: func(*Task, State, State) { j.signal() }}
	co.ProgressInterval = -1
	j.childOpt = co
	return nil
}

// singlePut reports whether a file of size bytes is small enough to be
// read into memory once (smallFileSize) and goes in a single PUT.
func (j *dirJob) singlePut(size int64) bool {
	thr := j.childOpt.MultipartThreshold
	if thr == 0 {
		thr = j.childOpt.PartSize
		if thr <= 0 {
			thr = DefaultPartSize
		}
	}
	return size <= smallFileSize && size < thr
}

// childProgress adds a child's progress to the group's.
func (j *dirJob) childProgress(c *Task, p Progress) {
	j.mu.Lock()
	delta := p.Bytes - j.seen[c]
	j.seen[c] = p.Bytes
	j.mu.Unlock()
	if delta > 0 {
		j.t.prog.add(delta, 0)
		j.t.ev.markDirty(dirtyProgress)
	}
}

// session dispatches the work list to workers until it is done, the
// group is paused (its running children paused too) or it ends.
func (j *dirJob) session(ctx context.Context) error {
	if !j.prepared {
		j.t.setState(StateChecking)
		if err := j.prepare(ctx); err != nil {
			return err
		}
		j.prepared = true
	}
	j.t.setState(StateRunning)
	pctx, release := j.t.partContext(ctx)
	defer release()
	j.mu.Lock()
	for w := range j.workers {
		if w.child != nil {
			w.child.Resume() // paused with the group
		}
	}
	j.mu.Unlock()
	pause := j.t.pauseSignal()
	paused, now := false, false
	for {
		if !paused && closed(pause) {
			paused = true
			j.sweep(false)
		}
		if !now && pctx.Err() != nil && errors.Is(context.Cause(pctx), errPauseNow) {
			paused, now = true, true
			j.sweep(true)
		}
		stopping := paused || ctx.Err() != nil || j.gctx.Err() != nil
		j.mu.Lock()
		for !stopping && len(j.workers) < j.o.FileParallelism && len(j.queue) > 0 {
			w := &dirWorker{item: j.queue[0]}
			j.queue = j.queue[1:]
			j.workers[w] = true
			go j.work(w)
		}
		running, busy, queued := len(j.workers), 0, len(j.queue)
		for w := range j.workers {
			if w.child == nil || w.child.State() != StatePaused {
				busy++
			}
		}
		j.mu.Unlock()
		switch {
		case running == 0 && ctx.Err() != nil:
			return context.Cause(ctx)
		case running == 0 && j.gctx.Err() != nil:
			return j.outcome() // FailFast
		case running == 0 && queued == 0:
			if err := j.deletes(ctx); err != nil {
				return err
			}
			return j.outcome()
		case paused && busy == 0:
			return errPaused
		}
		var pauseCh, nowCh <-chan struct{}
		if !paused {
			pauseCh = pause
		}
		if !now {
			nowCh = pctx.Done()
		}
		select {
		case <-j.wake:
		case <-pauseCh:
		case <-nowCh:
		case <-ctx.Done():
		case <-j.gctx.Done():
		}
	}
}

// sweep pauses the running children (now: cancelling their parts in
// flight).
func (j *dirJob) sweep(now bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for w := range j.workers {
		if w.child == nil {
			continue
		}
		if now {
			w.child.PauseNow()
		} else {
			w.child.Pause()
		}
	}
}

// work runs one item: the comparison, if any, then the child transfer.
func (j *dirJob) work(w *dirWorker) {
	defer func() {
		j.mu.Lock()
		delete(j.workers, w)
		if w.child != nil {
			delete(j.seen, w.child)
		}
		j.mu.Unlock()
		j.signal()
	}()
	s, it := &j.spec, w.item
	fr := FileResult{Path: it.rel, Key: it.key, Size: it.size, Action: FileDownloaded}
	if s.upload {
		fr.Action = FileUploaded
		if !it.hasCRC && j.singlePut(it.size) {
			if err := j.readSmall(it); err != nil {
				j.finishFile(fr, err)
				return
			}
			defer it.dropData()
		}
		if !it.hasCRC {
			crc, err := fileCRC32C(it.path)
			if err != nil {
				j.finishFile(fr, err)
				return
			}
			it.crc, it.hasCRC = crc, true
		}
	}
	if it.check {
		same, why, err := j.unchanged(it)
		switch {
		case err != nil && !errors.Is(err, client.ErrNotFound):
			j.finishFile(fr, err)
			return
		case err == nil && same:
			fr.Action, fr.Reason = FileUnchanged, why
			j.dropUploadJournal(it)
			j.tidy(it)
			if err := j.journal(it); err != nil {
				j.finishFile(fr, err)
				return
			}
			j.t.prog.credit(it.size, 1)
			j.t.ev.markDirty(dirtyProgress)
			j.mu.Lock()
			j.same++
			j.mu.Unlock()
			j.record(fr)
			return
		}
		it.check = false
	}
	j.mu.Lock()
	if closed(j.t.pauseSignal()) || j.gctx.Err() != nil || j.t.ctx.Err() != nil {
		j.queue = append([]*dirItem{it}, j.queue...) // after the pause
		j.mu.Unlock()
		return
	}
	child, err := j.newChild(it)
	if err != nil {
		j.mu.Unlock()
		j.finishFile(fr, err)
		return
	}
	w.child = child
	j.mu.Unlock()
	child.run()
	res, err := child.Wait(context.Background())
	fr.Result = res
	if err == nil {
		j.tidy(it)
		err = j.journal(it)
		j.mu.Lock()
		j.moved += res.Size
		j.moves++
		j.mu.Unlock()
	}
	j.finishFile(fr, err)
}

// finishFile records a file transferred (or failed) and counts it.
func (j *dirJob) finishFile(fr FileResult, err error) {
	fr.Err = err
	j.t.prog.add(0, 1)
	j.t.ev.markDirty(dirtyProgress)
	j.record(fr)
	if err != nil && j.spec.failFast {
		j.gcancel(err)
	}
}

// journal records a file done.
func (j *dirJob) journal(it *dirItem) error {
	r := dirRecord{Path: it.rel, Size: it.size}
	if j.spec.upload {
		r.MTime, r.CRC = it.mtime.UnixNano(), formatCRC32C(it.crc)
	} else {
		r.ETag = it.etag
	}
	return j.jr.append(r)
}

// unchanged compares a file with its object: same size and content.
func (j *dirJob) unchanged(it *dirItem) (bool, string, error) {
	info, err := j.api.HeadObject(j.gctx, &transferapi.HeadObjectInput{Bucket: j.spec.bucket, Key: it.key})
	if err != nil {
		return false, "", err
	}
	var crc *uint32
	if it.hasCRC {
		crc = &it.crc
	}
	if !j.spec.upload && info.ETag != it.etag && it.etag != "" {
		return false, "", nil // replaced since the listing
	}
	return fileMatches(it.path, it.size, crc, info)
}

// newChild makes the transfer task of an item (not started).
func (j *dirJob) newChild(it *dirItem) (*Task, error) {
	s := &j.spec
	if s.upload {
		opts := s.opts
		meta := make(map[string]string, len(opts.Metadata)+1)
		maps.Copy(meta, opts.Metadata)
		meta[crc32cMeta] = formatCRC32C(it.crc)
		if opkit.CheckMetadata(j.api.Dialect(), meta) == nil {
			opts.Metadata = meta
		}
		in := &UploadInput{Bucket: s.bucket, Key: it.key, File: it.path, ObjectOptions: opts}
		if it.data != nil {
			var ra io.ReaderAt = bytes.NewReader(it.data)
			if it.held != nil {
				ra = it.held
			}
			in.File, in.ReaderAt, in.Size = "", ra, int64(len(it.data))
		}
		if err := in.check(); err != nil {
			return nil, err
		}
		c := j.m.newTask(j.gctx, "upload", s.bucket, it.key, j.childOpt)
		u := newUploadJob(c, j.api, in)
		if it.data != nil {
			u.mem, u.memCRC32C = it.data, it.crc
		}
		c.job = u
		return c, nil
	}
	if err := os.MkdirAll(filepath.Dir(it.path), 0o755); err != nil {
		return nil, err
	}
	in := &DownloadInput{Bucket: s.bucket, Key: it.key, File: it.path}
	c := j.m.newTask(j.gctx, "download", s.bucket, it.key, j.childOpt)
	c.job = newDownloadJob(c, j.api, in)
	return c, nil
}

// deletes removes, for a Sync with Delete, what the source side lacks,
// unless a file failed.
func (j *dirJob) deletes(ctx context.Context) error {
	if len(j.extra) == 0 || j.failed > 0 {
		return nil
	}
	s := &j.spec
	if s.upload {
		for batch := range slices.Chunk(j.extra, 1000) {
			failed, err := j.list.DeleteObjects(ctx, s.bucket, batch)
			if err != nil && ctx.Err() != nil {
				return context.Cause(ctx)
			}
			for _, key := range batch {
				ferr := err
				if ferr == nil {
					ferr = failed[key]
				}
				j.record(FileResult{Path: strings.TrimPrefix(key, s.prefix), Key: key, Action: FileDeleted, Err: ferr})
			}
		}
		return nil
	}
	for _, rel := range j.extra {
		err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(rel)))
		j.record(FileResult{Path: rel, Key: s.prefix + rel, Action: FileDeleted, Err: err})
	}
	return nil
}

// outcome is the end of the group: its result, or a *DirError when a
// file failed.
func (j *dirJob) outcome() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	files := slices.Clone(j.results)
	slices.SortStableFunc(files, func(a, b FileResult) int { return strings.Compare(a.Path, b.Path) })
	if j.failed > 0 {
		return &DirError{Failed: j.failed, Files: files, Deletes: len(j.extra) > 0}
	}
	j.res = &Result{Bucket: j.spec.bucket, Key: j.spec.prefix, Size: j.moved, Parts: j.moves, ResumedParts: j.same, Files: files}
	return nil
}

// cleanup closes the journal: removed once the group succeeded, or was
// cancelled without KeepParts; kept after a failure, so that running the
// same transfer again skips the files done.
func (j *dirJob) cleanup(_ context.Context, err error, cancelled bool) error {
	if j.gcancel != nil {
		j.gcancel(nil)
	}
	if j.jpath != "" {
		defer j.m.releaseJournal(j.jpath)
	}
	if err == nil || (cancelled && !j.o.KeepParts) {
		return j.jr.remove()
	}
	j.jr.close()
	return nil
}

// tidy clears, in a run resuming an interrupted one, what the crash may
// have left of a file's upload once the file is done: a multipart upload
// started just before the crash, before its journal was written (it is
// still in progress, initiated before this run), and the temporary file
// of that journal.
func (j *dirJob) tidy(it *dirItem) {
	if !j.resumed || !j.spec.upload || it.size < j.o.PartSize {
		return
	}
	p := journalPath(j.o.CheckpointDir, "upload", j.spec.bucket, it.key, it.path)
	if tmps, _ := filepath.Glob(p + ".*.tmp"); len(tmps) > 0 {
		for _, tmp := range tmps {
			os.Remove(tmp)
		}
	}
	ctx, stop := j.t.cleanupContext()
	defer stop()
	var stale []string
	for up, err := range j.api.ListUploads(ctx, j.spec.bucket, it.key) {
		if err != nil {
			return
		}
		if up.Key == it.key && !up.Initiated.IsZero() && up.Initiated.Before(j.started) {
			stale = append(stale, up.UploadID)
		}
	}
	for _, id := range stale {
		_ = abortUpload(ctx, j.api, transferapi.UploadRef{Bucket: j.spec.bucket, Key: it.key, UploadID: id})
	}
}

// dropUploadJournal removes the journal of an upload of it that a
// crash interrupted after the object was complete (or that the object,
// found unchanged, makes useless), aborting the upload it names.
func (j *dirJob) dropUploadJournal(it *dirItem) {
	if !j.spec.upload || j.o.CheckpointDir == "" {
		return
	}
	p := journalPath(j.o.CheckpointDir, "upload", j.spec.bucket, it.key, it.path)
	if _, err := os.Stat(p); err != nil || j.m.claimJournal(p) != nil {
		return
	}
	defer j.m.releaseJournal(p)
	if hdr, _, err := loadJournal(p); err == nil && hdr != nil && hdr.UploadID != "" {
		ctx, stop := j.t.cleanupContext()
		err := abortUpload(ctx, j.api, transferapi.UploadRef{Bucket: j.spec.bucket, Key: it.key, UploadID: hdr.UploadID})
		stop()
		if err != nil {
			return // kept, naming the upload that remains
		}
	}
	_ = removeJournal(p)
}
