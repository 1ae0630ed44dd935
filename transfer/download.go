package transfer

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/gather"
	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/transfer/transferapi"
)

// DownloadInput is the input of Manager.Download. Set exactly one
// destination: File, WriterAt or Writer. (Manager.Open takes one with
// none.)
type DownloadInput struct {
	Bucket    string
	Key       string
	VersionID string
	// File is the destination path. The object is written to a temporary
	// file next to it, which is renamed to File once every byte is in and
	// verified. With Options.CheckpointDir the download can be resumed
	// after a crash.
	File string
	// WriterAt receives the object's bytes at their offsets, from several
	// goroutines at once. If it is also an io.ReaderAt, MD5 (and SHA)
	// verification can read back ranges written before a pause.
	WriterAt io.WriterAt
	// Writer receives the object's bytes in order, from one goroutine at
	// a time, with no temporary file: ranges are fetched in parallel
	// into part buffers and written in turn, so memory stays at most
	// PartSize × (PartParallelism+1) (see "Streamed downloads" in the
	// package documentation). The bytes are verified as a File
	// download's are, but only once the last one is written: until Wait
	// returns without error, what the Writer received is unverified. A
	// Write error fails the task; a Write in progress is not interrupted
	// by Cancel or PauseNow, which wait for it. A streamed download cannot
	// be resumed by another process (CheckpointDir and KeepParts do not
	// apply).
	Writer io.Writer
}

func (in *DownloadInput) check() error {
	if in.Bucket == "" {
		return client.InvalidArgument("Bucket", "must not be empty")
	}
	if in.Key == "" {
		return client.InvalidArgument("Key", "must not be empty")
	}
	n := 0
	for _, set := range []bool{in.File != "", in.WriterAt != nil, in.Writer != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return client.InvalidArgument("File", "set exactly one destination: File, WriterAt or Writer")
	}
	return nil
}

// downloadJob downloads one object in concurrent ranged GETs.
type downloadJob struct {
	t   *Task
	api transferapi.DownloadAPI
	in  DownloadInput
	o   *Options

	// Set by prepare, then read-only.
	prepared bool
	info     *transferapi.ObjectInfo
	plan     integrity.Plan // what the bytes are checked against
	local    bool           // ranges get a CRC-32C for the journal (not with IntegrityOff)
	dest     io.WriterAt
	f        *os.File // the temporary file of a File download
	jpath    string
	jr       *journal
	seq      *seqHasher
	sink     *streamSink // a streamed download's in-order delivery

	mu       sync.Mutex
	partSize int64
	n        int
	temp     string
	ranges   map[int]*rangeRec
	resumed  map[int]bool
	todo     []int
	corrupt  bool
	res      *Result
}

// rangeRec is a written range: its size, its CRC-32C (hasLocal; kept in
// the journal to re-verify the partial file on resume) and its digest in
// the plan's algorithm when the plan combines range digests (sum).
type rangeRec struct {
	size     int64
	local    uint32
	hasLocal bool
	sum      []byte
}

// crc64 returns the range's CRC-64/ECMA, when the plan is COS's.
func (r *rangeRec) crc64(p integrity.Plan) (uint64, bool) {
	if p.Algo != integrity.CRC64ECMA || r.sum == nil {
		return 0, false
	}
	return integrity.CRCValue(r.sum), true
}

// rangeHasher computes what a range's rangeRec records, over the bytes
// as they arrive.
type rangeHasher struct {
	local    bool
	crc32c   uint32
	plan     hash.Hash // the plan's algorithm, if ranges need their own digest
	planIsCC bool      // the plan's algorithm is CRC-32C: the local one serves
}

// newRangeHasher returns the hasher of one range of d.
func (d *downloadJob) newRangeHasher() *rangeHasher {
	h := &rangeHasher{local: d.local}
	if d.plan.Kind == integrity.Composite || (d.plan.Kind == integrity.Whole && d.plan.Algo.Combinable()) {
		if d.plan.Algo == integrity.CRC32C {
			h.local, h.planIsCC = true, true
		} else {
			h.plan = d.plan.Algo.New()
		}
	}
	return h
}

func (h *rangeHasher) Write(p []byte) (int, error) {
	if h.local {
		h.crc32c = crc32.Update(h.crc32c, castagnoli, p)
	}
	if h.plan != nil {
		h.plan.Write(p)
	}
	return len(p), nil
}

// rec returns the record of a range of n bytes hashed by h.
func (h *rangeHasher) rec(n int64) *rangeRec {
	r := &rangeRec{size: n, local: h.crc32c, hasLocal: h.local}
	switch {
	case h.planIsCC:
		r.sum = integrity.CRC32C.CRCBytes(uint64(h.crc32c))
	case h.plan != nil:
		r.sum = h.plan.Sum(nil)
	}
	return r
}

func newDownloadJob(t *Task, api transferapi.DownloadAPI, in *DownloadInput) *downloadJob {
	d := &downloadJob{t: t, api: api, in: *in, o: &t.opts, ranges: map[int]*rangeRec{}, resumed: map[int]bool{}}
	if w := in.Writer; w != nil {
		d.sink = newStreamSink(func(_ context.Context, p []byte) error {
			n, err := w.Write(p)
			if err == nil && n < len(p) {
				err = io.ErrShortWrite
			}
			return err
		})
	}
	return d
}

func (d *downloadJob) uploadID() string { return "" }
func (d *downloadJob) result() *Result  { return d.res }
func (d *downloadJob) rangeOf(i int) (int64, int64) {
	off := int64(i) * d.partSize
	return off, min(d.partSize, d.info.Size-off)
}

func (d *downloadJob) session(ctx context.Context) error {
	if !d.prepared {
		d.t.setState(StateChecking)
		if err := d.prepare(ctx); err != nil {
			return err
		}
		d.prepared = true
	}
	d.t.setState(StateRunning)
	if d.sink != nil {
		if err := d.streamSession(ctx); err != nil {
			return err
		}
	} else {
		d.mu.Lock()
		d.todo = d.todo[:0]
		for i := 0; i < d.n; i++ {
			if d.ranges[i] == nil {
				d.todo = append(d.todo, i)
			}
		}
		d.mu.Unlock()
		if err := d.t.runParts(ctx, d.next, d.t.tracedParts(d.fetch)); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	d.mu.Lock()
	left := len(d.ranges) < d.n
	d.mu.Unlock()
	if left {
		return errPaused
	}
	return d.complete()
}

func (d *downloadJob) next() (int, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.todo) == 0 {
		return 0, false, nil
	}
	i := d.todo[0]
	d.todo = d.todo[1:]
	return i, true, nil
}

// prepare reads the object's attributes, finds a journal to resume from,
// and opens the destination.
func (d *downloadJob) prepare(ctx context.Context) error {
	info, err := d.api.HeadObject(ctx, &transferapi.HeadObjectInput{Bucket: d.in.Bucket, Key: d.in.Key, VersionID: d.in.VersionID})
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.info = info
	d.mu.Unlock()
	d.plan = choosePlan(info, d.o.Integrity)
	d.local = d.o.Integrity != IntegrityOff
	d.mu.Lock()
	d.partSize = d.o.PartSize
	if d.plan.Kind == integrity.Composite {
		// A composite checksum is recomputed from the digests of the
		// object's parts: the ranges are the parts.
		d.partSize = d.plan.PartSize
	}
	d.mu.Unlock()
	var known []journalPart
	if d.in.File != "" {
		if known, err = d.openFile(); err != nil {
			return err
		}
	} else if d.sink == nil {
		d.dest = d.in.WriterAt
	}
	d.mu.Lock()
	d.n = int(ceilDiv(info.Size, d.partSize))
	d.mu.Unlock()
	if d.sink != nil {
		d.newStreamPlan()
	} else if d.plan.Sequential() {
		ra, _ := d.dest.(io.ReaderAt)
		d.seq = newSeqHasher(d.n, d.plan.Algo.New(), ra, d.rangeOf, d.readBackProgress)
	}
	if err := d.resume(ctx, known); err != nil {
		return err
	}
	if err := d.writeCheckpoint(); err != nil {
		return err
	}
	d.t.prog.setTotals(info.Size, d.n)
	var done int64
	for _, r := range d.ranges {
		done += r.size
	}
	d.t.prog.credit(done, len(d.ranges))
	d.t.ev.markDirty(dirtyProgress)
	return nil
}

// fetch downloads range i. A body that fails part-way is requested again
// from the first byte not yet written, up to Options.RangeAttempts times.
func (d *downloadJob) fetch(ctx context.Context, i int) error {
	off, n := d.rangeOf(i)
	h := d.newRangeHasher()
	f := d.t.prog.startFlight(n)
	var buf *[]byte // the range's bytes, for an in-order hash or delivery
	if d.seq != nil || d.sink != nil {
		buf = d.t.m.buffer(d.partSize)
	}
	handed := false // to the stream's delivery, which then owns f and buf
	defer func() {
		if !handed {
			d.t.prog.endFlight(f)
			d.t.m.putBuffer(buf)
		}
	}()
	var written int64
	for attempt := 1; ; attempt++ {
		body, err := d.api.GetObjectRange(ctx, &transferapi.GetObjectRangeInput{
			Bucket: d.in.Bucket, Key: d.in.Key, VersionID: d.in.VersionID,
			Offset: off + written, Length: n - written, IfMatch: d.info.ETag, ObjectSize: d.info.Size,
		})
		if err != nil {
			if errors.Is(err, client.ErrPreconditionFailed) {
				err = fmt.Errorf("%w: the object's ETag is no longer %q: %w", ErrSourceChanged, d.info.ETag, err)
			}
			return &partError{number: i, err: err}
		}
		k, rerr, werr := d.copyRange(body, off, written, n, h, buf, f)
		body.Close()
		written += k
		if written == n {
			break
		}
		if werr != nil {
			return &partError{number: i, err: werr}
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if rerr == nil {
			rerr = io.ErrUnexpectedEOF
		}
		if attempt >= d.o.RangeAttempts {
			return &partError{number: i, err: rerr}
		}
		d.t.partEvent(EventPartResent, i, 0, rerr)
		if err := sleepCtx(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
	rec := h.rec(n)
	if d.sink != nil {
		if err := d.sink.handOff(ctx, &streamItem{i: i, buf: buf, n: n, rec: rec, f: f}); err != nil {
			return err
		}
		handed = true
		return nil
	}
	if buf != nil {
		if _, err := d.dest.WriteAt((*buf)[:n], off); err != nil {
			return &partError{number: i, err: err}
		}
	}
	if err := d.ack(i, f, rec); err != nil {
		return err
	}
	if d.seq != nil {
		d.seq.submit(ctx, i, (*buf)[:n])
	}
	return nil
}

// copyRange copies body into the range at off, from its byte written on,
// into buf (MD5 mode) or straight to the destination, hashing as it goes
// and counting the bytes received in f.
// It returns the bytes copied and the read or write error that stopped it.
func (d *downloadJob) copyRange(body io.Reader, off, written, n int64, h *rangeHasher, buf *[]byte, f *flight) (int64, error, error) {
	var chunk []byte
	if buf == nil {
		bp := d.t.m.buffer(copyBufSize)
		defer d.t.m.putBuffer(bp)
		chunk = *bp
	}
	var k int64
	r := io.LimitReader(body, n-written)
	for written+k < n {
		var m int
		var rerr error
		if buf != nil { // read straight into the range's buffer
			chunk = (*buf)[written+k : n]
			m, rerr = r.Read(chunk)
		} else {
			m, rerr = gather.Fill(r, chunk) // one write per copy buffer, not per TLS record
		}
		if m > 0 {
			p := chunk[:m]
			if buf == nil {
				if _, err := d.dest.WriteAt(p, off+written+k); err != nil {
					return k, nil, err
				}
			}
			h.Write(p)
			k += int64(m)
			if d.t.prog.flightSent(f, written+k) {
				d.t.ev.markDirty(dirtyProgress)
			}
		}
		if rerr == io.EOF {
			return k, nil, nil
		}
		if rerr != nil {
			return k, rerr, nil
		}
	}
	return k, nil, nil
}

// ack records a written range: durably on disk and in the journal, then
// as progress and a PartDone event.
func (d *downloadJob) ack(i int, f *flight, rec *rangeRec) error {
	if d.jr != nil {
		if err := d.f.Sync(); err != nil {
			return &partError{number: i, err: err}
		}
		if err := d.jr.append(d.journalOf(i, rec)); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.ranges[i] = rec
	d.mu.Unlock()
	d.t.prog.land(f, rec.size, 1)
	d.t.ev.markDirty(dirtyProgress)
	d.t.ev.push(event{kind: evPart, part: d.part(i, rec)})
	d.t.partEvent(EventPartDone, i, rec.size, nil)
	return nil
}

// part describes written range i.
func (d *downloadJob) part(i int, r *rangeRec) Part {
	p := Part{Number: i, Offset: int64(i) * d.partSize, Size: r.size}
	p.CRC64, p.HasCRC64 = r.crc64(d.plan)
	if r.hasLocal {
		p.Checksum = client.Checksum{Algorithm: client.ChecksumCRC32C, Value: integrity.CRC32C.CRCBytes(uint64(r.local))}
	}
	return p
}

// complete verifies the whole object and moves the file into place.
func (d *downloadJob) complete() error {
	res := &Result{Bucket: d.in.Bucket, Key: d.in.Key, ETag: d.info.ETag, VersionID: d.info.VersionID, Size: d.info.Size, Parts: d.n, File: d.in.File}
	d.mu.Lock()
	for i := range d.resumed {
		if d.ranges[i] != nil {
			res.ResumedParts++
		}
	}
	var sum []byte
	p := d.plan
	switch {
	case p.Kind == integrity.Composite:
		parts := make([][]byte, 0, max(d.n, 1))
		for i := 0; i < d.n; i++ {
			parts = append(parts, d.ranges[i].sum)
		}
		if d.n == 0 { // an empty object: one empty part
			parts = append(parts, p.Algo.New().Sum(nil))
		}
		sum = integrity.CompositeOf(p.Algo, parts)
	case p.Kind == integrity.Whole && p.Algo.Combinable():
		c := integrity.NewCombiner(p.Algo)
		for i := 0; i < d.n; i++ {
			c.Append(integrity.CRCValue(d.ranges[i].sum), d.ranges[i].size)
		}
		sum = c.Sum()
	}
	d.mu.Unlock()
	if p.Sequential() && d.sink != nil {
		sum = d.streamSum(p)
	} else if p.Sequential() {
		var ok bool
		if sum, ok = d.seq.sum(); !ok {
			res.Unverified = "the " + p.Algo.String() + " of the object needs its bytes in order, and ranges written before a pause could not be read back (the WriterAt is not an io.ReaderAt)"
		}
	}
	switch {
	case p.Kind == integrity.Unverified:
		res.Unverified = p.Reason
	case sum == nil:
	case !bytes.Equal(sum, p.Want):
		d.corrupt = true
		return &ChecksumError{What: "object", Algorithm: p.Name(), Want: p.Algo.Format(p.Want), Got: p.Algo.Format(sum)}
	default:
		res.Verified = p.Name()
		if p.Algo == integrity.CRC64ECMA {
			res.CRC64, res.HasCRC64 = integrity.CRCValue(sum), true
		}
	}
	if d.f != nil {
		if err := d.f.Sync(); err != nil {
			return err
		}
		if err := d.f.Close(); err != nil {
			return err
		}
		d.f = nil
		if err := os.Rename(d.temp, d.in.File); err != nil {
			return err
		}
		syncDir(filepath.Dir(d.in.File))
	}
	d.res = res
	return nil
}

// cleanup closes the partial file and, unless the download can still be
// resumed (KeepParts with a journal), removes it and the journal.
func (d *downloadJob) cleanup(_ context.Context, err error, _ bool) error {
	if d.jpath != "" {
		defer d.t.m.releaseJournal(d.jpath)
	}
	if d.f != nil {
		d.f.Close()
	}
	if err == nil {
		return d.jr.remove()
	}
	if d.o.KeepParts && d.jr != nil && !d.corrupt {
		d.jr.close()
		return nil
	}
	if d.temp != "" {
		os.Remove(d.temp)
	}
	if d.jr != nil {
		return d.jr.remove()
	}
	return nil
}

func (d *downloadJob) checkpoint() *Checkpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	cp := &Checkpoint{Op: "download", Bucket: d.in.Bucket, Key: d.in.Key, Size: -1, PartSize: d.partSize, Journal: d.jpath}
	if d.info != nil {
		cp.Size = d.info.Size
	}
	idx := make([]int, 0, len(d.ranges))
	for i := range d.ranges {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		cp.Parts = append(cp.Parts, d.part(i, d.ranges[i]))
	}
	return cp
}

// choosePlan picks what a download checks the object's bytes against
// (integrity.Choose), or nothing with IntegrityOff.
func choosePlan(info *transferapi.ObjectInfo, mode Integrity) integrity.Plan {
	if mode == IntegrityOff {
		return integrity.Off("integrity checks are off (IntegrityOff)")
	}
	return integrity.Choose(integrity.Facts{
		Size: info.Size, ETag: info.ETag, OpaqueETag: info.OpaqueETag, Encryption: info.Encryption,
		CRC64: info.CRC64, HasCRC64: info.HasCRC64, Checksum: info.Checksum, Metadata: info.Metadata,
	})
}

// backoff is a full-jitter exponential wait before range attempt n+1.
func backoff(attempt int) time.Duration {
	ceiling := 50 * time.Millisecond << min(attempt, 6)
	return rand.N(ceiling + 1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := crand.Read(b); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 16)
	}
	return hex.EncodeToString(b)
}
