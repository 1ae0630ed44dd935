package transfer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fence"
	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/transfer/transferapi"
)

// streamCopyJob copies an object from one service (or account, or
// region) to another through this process: each part is one ranged GET
// of the source into a pooled part buffer, which is then uploaded as a
// part of a multipart upload by the destination's upload job, as a
// stream source's part is (stream.go): same checksums, re-sends of
// corrupted parts, completion and confirmation. A part's buffer is given
// back when the destination acknowledges the part, so at most
// PartParallelism buffers are in use.
//
// The bytes read are checked against what the source publishes (a
// readCheck) before the upload completes; what each part contributes to
// that check is journaled before the part is sent, so a resumed copy
// need not read the parts it kept again.
type streamCopyJob struct {
	t    *Task
	read transferapi.DownloadAPI
	src  CopySource
	dst  CopyDestination
	o    *Options
	u    *uploadJob // the destination upload; its parts come from fetch

	// Set by prepare, then read-only.
	prepared bool
	info     *transferapi.ObjectInfo
	plan     integrity.Plan
	rc       *readCheck

	// todo (guarded by u.mu) are the parts a session still hands out.
	todo []int
	// readName is the check the bytes read passed (a single PUT's, once
	// made).
	readName string
	res      *Result
}

func newStreamCopyJob(t *Task, api transferapi.API, read transferapi.DownloadAPI, src *CopySource, dst *CopyDestination) *streamCopyJob {
	return &streamCopyJob{
		t: t, read: read, src: *src, dst: *dst, o: &t.opts,
		u: newUploadJob(t, api, &UploadInput{Bucket: dst.Bucket, Key: dst.Key}),
	}
}

func (j *streamCopyJob) uploadID() string { return j.u.uploadID() }
func (j *streamCopyJob) result() *Result  { return j.res }

func (j *streamCopyJob) checkpoint() *Checkpoint {
	cp := j.u.checkpoint()
	cp.Op = "copy"
	if j.info != nil {
		cp.Size = j.info.Size
	}
	return cp
}

func (j *streamCopyJob) cleanup(ctx context.Context, err error, cancelled bool) error {
	return j.u.cleanup(ctx, err, cancelled)
}

func (j *streamCopyJob) rangeOf(i int) (int64, int64) {
	off := int64(i) * j.u.partSize
	return off, min(j.u.partSize, j.info.Size-off)
}

func (j *streamCopyJob) session(ctx context.Context) error {
	u := j.u
	if !j.prepared {
		j.t.setState(StateChecking)
		if err := j.prepare(ctx); err != nil {
			return err
		}
		j.prepared = true
	}
	j.t.setState(StateRunning)
	if u.single {
		sent := false
		once := func() (int, bool, error) { ok := !sent; sent = true; return 0, ok, nil }
		if err := j.t.runParts(ctx, once, func(ctx context.Context, _ int) error { return j.single(ctx) }); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if u.res == nil {
			return errPaused
		}
		j.res = j.outcome(u.res, j.readName)
		return nil
	}
	u.mu.Lock()
	j.todo = j.todo[:0]
	for i := 0; i < u.nparts; i++ {
		if u.parts[i] == nil {
			j.todo = append(j.todo, i)
		}
	}
	u.mu.Unlock()
	if err := j.t.runParts(ctx, j.next, j.part); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if !u.allDone() {
		return errPaused
	}
	// Every byte read must be the source's before the copy exists.
	name, err := j.rc.check()
	if err != nil {
		return err
	}
	if err := u.complete(ctx); err != nil {
		return err
	}
	j.res = j.outcome(u.res, name)
	return nil
}

// next hands out first the parts whose bytes are held already (fetched
// before a PauseNow), then the others in order, so that no new buffer is
// taken while one waits.
func (j *streamCopyJob) next() (int, bool, error) {
	u := j.u
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, i := range j.todo {
		if u.pending[i] != nil && !u.inflight[i] {
			j.todo = append(j.todo[:k:k], j.todo[k+1:]...)
			return i, true, nil
		}
	}
	if len(j.todo) == 0 {
		return 0, false, nil
	}
	i := j.todo[0]
	j.todo = j.todo[1:]
	return i, true, nil
}

// outcome is the copy's result: the destination upload's, with Verified
// naming both legs ("read:crc64 write:crc32c") and Unverified the reason
// for a leg that could not be checked.
func (j *streamCopyJob) outcome(up *Result, readName string) *Result {
	res := *up
	var verified, why []string
	switch {
	case readName != "":
		verified = append(verified, "read:"+readName)
	case j.plan.Kind == integrity.Unverified:
		why = append(why, "read: "+j.plan.Reason)
	}
	if up.Verified != "" {
		verified = append(verified, "write:"+up.Verified)
	} else if up.Unverified != "" {
		why = append(why, "write: "+up.Unverified)
	}
	res.Verified, res.Unverified = strings.Join(verified, " "), strings.Join(why, "; ")
	return &res
}

// copyPlanParts returns the part size and count of a copy of size bytes
// through the client. When the source is checked by a composite
// checksum, each part holds whole parts of the source (a multiple of its
// part size), so that each of the source's parts is hashed from one
// buffer.
func copyPlanParts(size, want int64, plan integrity.Plan, lim client.Limits) (int64, int, integrity.Plan, error) {
	if plan.Kind == integrity.Composite && size > 0 {
		sp := plan.PartSize
		k := max(1, (want+sp/2)/sp)
		if lim.MinPartSize > 0 {
			k = max(k, ceilDiv(min(lim.MinPartSize, size), sp))
		}
		if lim.MaxParts > 0 {
			k = max(k, ceilDiv(ceilDiv(size, int64(lim.MaxParts)), sp))
		}
		if ps := k * sp; validPartSize(ps, size, lim) {
			return ps, max(int(ceilDiv(size, ps)), 1), plan, nil
		}
		plan = integrity.Off(fmt.Sprintf("the source's composite checksum is of parts of %d bytes, which no part size of the destination's holds whole", sp))
	}
	ps, n, err := planParts(size, want, lim)
	return ps, n, plan, err
}

// prepare reads the source's attributes, plans the parts, and finds a
// journal to resume from or starts the destination's upload.
func (j *streamCopyJob) prepare(ctx context.Context) error {
	u := j.u
	info, err := j.read.HeadObject(ctx, &transferapi.HeadObjectInput{Bucket: j.src.Bucket, Key: j.src.Key, VersionID: j.src.VersionID})
	if err != nil {
		return err
	}
	j.info = info
	j.plan = choosePlan(info, j.o.Integrity)
	u.in.ObjectOptions = copyOptions(info, &j.dst)
	u.mu.Lock()
	u.src = &source{size: -1} // parts come from the pending buffers
	u.mu.Unlock()
	u.first = u.d.Limits.FirstPartNumber
	u.resolveIntegrity()
	size := info.Size
	ps, n, plan, err := copyPlanParts(size, j.o.PartSize, j.plan, u.d.Limits)
	if err != nil {
		return err
	}
	j.plan = plan
	u.mu.Lock()
	u.partSize, u.nparts = ps, n
	u.mu.Unlock()
	if size <= ps && u.singleFits(size, ps) {
		u.single = true
		j.rc = newReadCheck(j.plan, size, max(size, 1), 1)
		j.t.prog.setTotals(size, 1)
		return nil
	}
	j.rc = newReadCheck(j.plan, size, ps, n)
	if err := j.loadCheckpoint(ctx); err != nil {
		return err
	}
	if u.uploadID() == "" {
		id, err := u.api.CreateMultipartUpload(ctx, &transferapi.CreateMultipartUploadInput{
			Bucket: j.dst.Bucket, Key: j.dst.Key, ChecksumAlgorithm: u.checksumAlgorithm(), ObjectOptions: u.initiateOptions(),
		})
		if err != nil {
			return err
		}
		u.mu.Lock()
		u.id = id
		u.mu.Unlock()
		u.setPartCRC32C(u.wantCRC32C)
	}
	if err := j.writeCheckpoint(); err != nil {
		return err
	}
	j.t.prog.setTotals(size, u.nparts)
	var done int64
	for _, p := range u.parts {
		done += p.size
	}
	j.t.prog.credit(done, len(u.parts))
	j.t.ev.markDirty(dirtyProgress)
	return nil
}

// fetch reads part i of the source into a pooled buffer. A body that
// fails part-way is asked again from the first byte missing, up to
// Options.RangeAttempts times; every answer must be the range asked for,
// of the object with the ETag first seen.
func (j *streamCopyJob) fetch(ctx context.Context, i int) (*[]byte, int64, error) {
	off, n := j.rangeOf(i)
	if j.u.single {
		off, n = 0, j.info.Size
	}
	buf := j.t.m.buffer(j.u.partSize)
	data := (*buf)[:n]
	var got int64
	for attempt := 1; got < n; attempt++ {
		body, err := j.read.GetObjectRange(ctx, &transferapi.GetObjectRangeInput{
			Bucket: j.src.Bucket, Key: j.src.Key, VersionID: j.src.VersionID,
			Offset: off + got, Length: n - got, IfMatch: j.info.ETag, ObjectSize: j.info.Size,
		})
		if err != nil {
			j.t.m.putBuffer(buf)
			if errors.Is(err, client.ErrPreconditionFailed) {
				err = fmt.Errorf("%w: %s/%s no longer has ETag %q: %w", ErrSourceChanged, j.src.Bucket, j.src.Key, j.info.ETag, err)
			}
			return nil, 0, &partError{number: j.u.first + i, err: err}
		}
		k, rerr := io.ReadFull(body, data[got:])
		body.Close()
		got += int64(k)
		if got == n {
			break
		}
		if ctx.Err() != nil {
			j.t.m.putBuffer(buf)
			return nil, 0, context.Cause(ctx)
		}
		if attempt >= j.o.RangeAttempts {
			j.t.m.putBuffer(buf)
			return nil, 0, &partError{number: j.u.first + i, err: fmt.Errorf("transfer: reading the source: %w", rerr)}
		}
		if err := sleepCtx(ctx, backoff(attempt)); err != nil {
			j.t.m.putBuffer(buf)
			return nil, 0, err
		}
	}
	return buf, n, nil
}

// hold fetches part i (unless its bytes are held already), adds it to
// the source check and journals that, and leaves its buffer for the
// upload. It reports whether the part was fetched now.
func (j *streamCopyJob) hold(ctx context.Context, i int) error {
	u := j.u
	u.mu.Lock()
	sp := u.pending[i]
	if sp != nil {
		u.inflight[i] = true
	}
	u.mu.Unlock()
	if sp != nil {
		return nil
	}
	buf, n, err := j.fetch(ctx, i)
	if err != nil {
		return err
	}
	off, _ := j.rangeOf(i)
	rec, err := j.rc.digest(ctx, i, off, (*buf)[:n])
	if err != nil {
		j.t.m.putBuffer(buf) // not hashed: fetched again later
		return err
	}
	if rec != "" {
		if err := u.jr.append(journalPart{Index: i, Src: rec}); err != nil {
			j.t.m.putBuffer(buf)
			return err
		}
	}
	u.mu.Lock()
	u.pending[i] = &streamPart{buf: buf, n: n, r: fence.New((*buf)[:n])}
	u.inflight[i] = true
	u.mu.Unlock()
	return nil
}

// part copies part i: its bytes from the source, then the upload's
// sendPart, which checksums, sends, re-sends and acknowledges it.
func (j *streamCopyJob) part(ctx context.Context, i int) error {
	if err := j.hold(ctx, i); err != nil {
		return err
	}
	return j.u.sendPart(ctx, i)
}

// single copies a source no larger than a part in one PUT, after its
// bytes passed the source check.
func (j *streamCopyJob) single(ctx context.Context) error {
	u := j.u
	u.mu.Lock()
	held := u.pending[0] != nil
	u.mu.Unlock()
	if !held {
		buf, n, err := j.fetch(ctx, 0)
		if err != nil {
			return err
		}
		if _, err := j.rc.digest(ctx, 0, 0, (*buf)[:n]); err != nil {
			j.t.m.putBuffer(buf)
			return err
		}
		name, err := j.rc.check()
		if err != nil {
			j.t.m.putBuffer(buf)
			return err
		}
		j.readName = name
		u.mu.Lock()
		u.pending[0] = &streamPart{buf: buf, n: n, r: fence.New((*buf)[:n])}
		u.mu.Unlock()
	}
	return u.putSingle(ctx)
}

// loadCheckpoint reads the copy's journal, if any. One of this source as
// it is now (same ETag and size) gives the upload, the parts to keep
// (those the server still lists with the ETag journaled) and what they
// contributed to the source check; a stale one has its upload aborted; a
// damaged one has the uploads it still names aborted.
func (j *streamCopyJob) loadCheckpoint(ctx context.Context) error {
	u := j.u
	if j.o.CheckpointDir == "" {
		return nil
	}
	jpath := copyJournalPath(j.o.CheckpointDir, "stream", &j.src, &j.dst)
	if err := j.t.m.claimJournal(jpath); err != nil {
		return err
	}
	u.jpath = jpath
	hdr, jparts, err := loadJournal(jpath)
	switch {
	case errors.Is(err, errJournalCorrupt):
		j.abortSalvaged(jpath)
		return removeJournal(jpath)
	case err != nil:
		return err
	case hdr == nil:
		return nil
	}
	lim := u.d.Limits
	if !(hdr.Op == "copy" && hdr.Bucket == j.dst.Bucket && hdr.Key == j.dst.Key && hdr.From == sourceName(&j.src) &&
		hdr.VersionID == j.src.VersionID && hdr.ETag == j.info.ETag && hdr.Size == j.info.Size && hdr.UploadID != "" &&
		validPartSize(hdr.PartSize, hdr.Size, lim) && (j.plan.Kind != integrity.Composite || hdr.PartSize%j.plan.PartSize == 0)) {
		if hdr.UploadID != "" && hdr.Bucket == j.dst.Bucket && hdr.Key == j.dst.Key {
			actx, stop := j.t.cleanupContext()
			_ = abortUpload(actx, u.api, transferapi.UploadRef{Bucket: hdr.Bucket, Key: hdr.Key, UploadID: hdr.UploadID})
			stop()
		}
		return removeJournal(jpath)
	}
	listed := map[int]transferapi.ServerPart{}
	for p, err := range u.api.ListParts(ctx, transferapi.UploadRef{Bucket: j.dst.Bucket, Key: j.dst.Key, UploadID: hdr.UploadID}) {
		if errors.Is(err, client.ErrNotFound) {
			return removeJournal(jpath) // the upload is gone: start over
		}
		if err != nil {
			return err
		}
		listed[p.PartNumber-u.first] = p
	}
	u.mu.Lock()
	u.partSize = hdr.PartSize
	u.nparts = max(int(ceilDiv(j.info.Size, hdr.PartSize)), 1)
	n := u.nparts
	u.mu.Unlock()
	j.rc = newReadCheck(j.plan, j.info.Size, hdr.PartSize, n)
	u.setPartCRC32C(hdr.Checksum == client.ChecksumCRC32C.String())
	dest, srcRecs := map[int]journalPart{}, map[int]string{}
	for _, p := range jparts {
		if p.Src != "" {
			srcRecs[p.Index] = p.Src
		} else {
			dest[p.Index] = p
		}
	}
	frontier := j.rc.restore(srcRecs)
	kept := map[int]*partRec{}
	for i, jp := range dest {
		sp, ok := listed[i]
		_, size := j.rangeOf(i)
		if i < 0 || i >= n || !ok || sp.Size != size || jp.Size != size || !strings.EqualFold(strings.Trim(sp.ETag, `"`), jp.ETag) {
			continue
		}
		if j.rc.active() && (i >= frontier || !j.rc.has(i)) {
			continue
		}
		rec, ok := j.keptPart(jp, sp)
		if !ok {
			continue
		}
		kept[i] = rec
	}
	u.mu.Lock()
	u.id = hdr.UploadID
	u.parts = kept
	u.resumed = len(kept)
	u.mu.Unlock()
	return nil
}

// keptPart rebuilds an acknowledged part from its journal record and the
// server's listing; the proofs are those the listing still shows.
func (j *streamCopyJob) keptPart(jp journalPart, sp transferapi.ServerPart) (*partRec, bool) {
	rec := &partRec{size: jp.Size, etag: jp.ETag}
	if jp.MD5 != "" {
		m, err := hex.DecodeString(jp.MD5)
		if err != nil {
			return nil, false
		}
		rec.sums.md5 = m
		if strings.EqualFold(strings.Trim(sp.ETag, `"`), jp.MD5) || (j.u.sendMD5 && j.u.d.Has(client.FeatureContentMD5)) {
			rec.proof |= sumMD5
		}
	}
	if jp.CRC64 != "" {
		v, err := strconv.ParseUint(jp.CRC64, 10, 64)
		if err != nil {
			return nil, false
		}
		rec.sums.crc, rec.sums.hasCRC = v, true
		if j.u.d.Has(client.FeatureCRC64) {
			rec.proof |= sumCRC
		}
	}
	if jp.CRC32C != "" {
		c, err := client.ParseChecksum(client.ChecksumCRC32C, jp.CRC32C)
		v, ok := crc32cOf(c)
		if err != nil || !ok {
			return nil, false
		}
		rec.sums.crc32c, rec.sums.hasCRC32C = v, true
		if j.u.crc32cParts() {
			if !sp.Checksum.Equal(c) {
				return nil, false // the server's part is not the one journaled
			}
			rec.proof |= sumCRC32C
		}
	}
	return rec, true
}

// abortSalvaged aborts the uploads a damaged journal still names: a copy
// can always read its source again, so they are not worth adopting.
func (j *streamCopyJob) abortSalvaged(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	actx, stop := j.t.cleanupContext()
	defer stop()
	for _, id := range salvageUploadIDs(data) {
		_ = abortUpload(actx, j.u.api, transferapi.UploadRef{Bucket: j.dst.Bucket, Key: j.dst.Key, UploadID: id})
	}
}

// writeCheckpoint (re)writes the journal: the header, and each kept part
// with what it contributed to the source check.
func (j *streamCopyJob) writeCheckpoint() error {
	u := j.u
	if u.jpath == "" {
		return nil
	}
	hdr := &journalHeader{
		Op: "copy", Bucket: j.dst.Bucket, Key: j.dst.Key, Size: j.info.Size, PartSize: u.partSize, UploadID: u.id,
		From: sourceName(&j.src), VersionID: j.src.VersionID, ETag: j.info.ETag, LastModified: j.info.LastModified,
	}
	if u.partCRC32C {
		hdr.Checksum = client.ChecksumCRC32C.String()
	}
	var parts []journalPart
	parts = append(parts, j.rc.records(sortedKeys(u.parts))...)
	for _, i := range sortedKeys(u.parts) {
		parts = append(parts, u.parts[i].journal(i))
	}
	jr, err := createJournal(u.jpath, hdr, parts)
	if err != nil {
		return err
	}
	u.jr = jr
	return nil
}
