package transfer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fence"
	"github.com/polystore/polystore/transfer/transferapi"
)

const mib = 1 << 20

// uploadJob uploads one source: in a single PUT, or as a multipart upload
// whose parts are sent by the task's workers.
type uploadJob struct {
	t   *Task
	api transferapi.API // uploads, and the HEAD that confirms a completed object
	d   *client.Dialect
	in  UploadInput
	o   *Options

	// mem, if set, is the whole source in memory, unchanged while the
	// job runs (a directory upload's small file), and memCRC32C its
	// CRC-32C: putSingle hashes it without copying and does not compute
	// the CRC-32C again.
	mem       []byte
	memCRC32C uint32

	// Set by prepare, then read-only.
	prepared bool
	src      *source
	kinds    sumKind // checksums computed per part
	sendMD5  bool    // send Content-MD5
	// wantCRC32C: the integrity mode asks for CRC32C additional checksums.
	wantCRC32C bool
	// kinds and sendMD5 as the mode alone decides them.
	baseKinds   sumKind
	baseSendMD5 bool
	// trail: CRC32Cs go as trailing checksums (FeatureTrailingChecksums),
	// until the server refuses one; trailOK: one was accepted;
	// trailTried: a single PUT has decided once; trailRefusal: the server
	// refused or ignored one, to be recorded with the client once a
	// request with the checksum in a header succeeds (trailRecorded).
	trail, trailOK              atomic.Bool
	trailRefusal, trailRecorded atomic.Bool
	trailTried                  bool
	// signs: the API signs payloads, so requests carry their SHA-256
	// (computed with the checksums) and no trailers.
	signs bool
	// fellBack: the server refused or ignored a CRC32C, and the task's
	// later requests carry Content-MD5 instead (checksum.go); refusal is
	// the answer that made it, recorded with the client once a request
	// with Content-MD5 succeeds (refusalRecorded).
	fellBack        atomic.Bool
	refusal         atomic.Pointer[string]
	refusalRecorded atomic.Bool
	single          bool
	first           int // the dialect's first part number
	jpath           string
	jr              *journal

	mu sync.Mutex
	// partCRC32C: the multipart upload in id was created with CRC32C
	// as its checksum algorithm, so every part (and Complete) carries one.
	partCRC32C bool
	id         string // multipart upload id
	partSize   int64
	nparts     int // -1 while a stream's end is unknown
	parts      map[int]*partRec
	resumed    int
	// Known size: the parts a session still has to hand out.
	todo []int
	// Stream source: parts read but not yet acknowledged.
	pending  map[int]*streamPart
	inflight map[int]bool
	nextRead int
	eof      bool
	read     int64 // bytes read from the stream
	res      *Result

	// resent counts parts sent again because they arrived corrupted.
	resent atomic.Int64
	// adoptAny: a journal named an upload and none of it survived, so
	// the upload is looked for among those in progress for the key.
	adoptAny bool
}

// partRec is an acknowledged part.
type partRec struct {
	size int64
	etag string
	sums sums
	// proof holds the checksums that showed the part's bytes on the
	// server are the local ones: a CRC the server reported equal to the
	// local one, a Content-MD5 the dialect checks or an MD5 ETag equal to
	// the local MD5.
	proof sumKind
}

// streamPart is a part of a stream source held in a pooled buffer.
type streamPart struct {
	buf    *[]byte
	n      int64
	r      *fence.Buffer // what requests read the part through
	sums   sums
	kinds  sumKind // what sums holds
	hashed bool
}

// release gives the part's buffer back once no request can read it.
func (sp *streamPart) release(m *Manager) {
	sp.r.Release()
	m.putBuffer(sp.buf)
}

func newUploadJob(t *Task, api transferapi.API, in *UploadInput) *uploadJob {
	return &uploadJob{
		t: t, api: api, d: api.Dialect(), in: *in, o: &t.opts,
		parts: map[int]*partRec{}, pending: map[int]*streamPart{}, inflight: map[int]bool{},
	}
}

func (u *uploadJob) ref() transferapi.UploadRef {
	u.mu.Lock()
	defer u.mu.Unlock()
	return transferapi.UploadRef{Bucket: u.in.Bucket, Key: u.in.Key, UploadID: u.id}
}

func (u *uploadJob) uploadID() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.id
}

func (u *uploadJob) result() *Result { return u.res }

func (u *uploadJob) session(ctx context.Context) error {
	if !u.prepared {
		u.t.setState(StateChecking)
		if err := u.prepare(ctx); err != nil {
			return err
		}
		u.prepared = true
	}
	u.t.setState(StateRunning)
	if u.single {
		sent := false
		once := func() (int, bool, error) { ok := !sent; sent = true; return 0, ok, nil }
		if err := u.t.runParts(ctx, once, func(ctx context.Context, _ int) error { return u.putSingle(ctx) }); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if u.res == nil {
			return errPaused
		}
		return nil
	}
	next := u.nextStream
	if u.src.size >= 0 {
		u.mu.Lock()
		u.todo = u.todo[:0]
		for i := 0; i < u.nparts; i++ {
			if u.parts[i] == nil {
				u.todo = append(u.todo, i)
			}
		}
		u.mu.Unlock()
		next = u.nextKnown
	}
	if err := u.t.runParts(ctx, next, u.t.tracedParts(u.sendPart)); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if !u.allDone() {
		return errPaused
	}
	return u.complete(ctx)
}

// resolveIntegrity picks the checksums from the options and the dialect.
func (u *uploadJob) resolveIntegrity() {
	switch u.o.Integrity {
	case IntegrityAuto:
		switch {
		case u.d.Has(client.FeatureCRC64):
			u.kinds = sumCRC
		case u.d.Has(client.FeatureChecksums) && !u.checksumsFallBack():
			u.kinds, u.wantCRC32C = sumCRC32C, true
		default:
			u.kinds, u.sendMD5 = sumMD5, u.d.Has(client.FeatureContentMD5)
		}
	case IntegrityMD5:
		u.kinds, u.sendMD5 = sumMD5, true
	case IntegrityCRC64:
		u.kinds = sumCRC
	case IntegrityCRC32C:
		u.kinds, u.wantCRC32C = sumCRC32C, true
	}
	u.kinds |= u.verifiableKinds()
	u.baseKinds, u.baseSendMD5 = u.kinds, u.sendMD5
	u.signs = u.signsPayloads()
}

// setPartCRC32C records whether the multipart upload takes CRC32C
// checksums. An upload found on the server without them, where they were
// wanted, gets Content-MD5 instead (where the dialect checks it); one
// found with them gets them whatever the mode, as the server requires.
func (u *uploadJob) setPartCRC32C(on bool) {
	u.mu.Lock()
	u.partCRC32C = on
	u.mu.Unlock()
	u.kinds, u.sendMD5 = u.baseKinds, u.baseSendMD5
	u.trail.Store(on && u.trailersWanted(true))
	switch {
	case on:
		u.kinds |= sumCRC32C
	case u.wantCRC32C:
		u.kinds &^= sumCRC32C
		u.kinds |= sumMD5
		u.sendMD5 = u.d.Has(client.FeatureContentMD5)
	}
}

// checksumAlgorithm is the algorithm a new multipart upload declares.
func (u *uploadJob) checksumAlgorithm() client.ChecksumAlgorithm {
	if u.wantCRC32C {
		return client.ChecksumCRC32C
	}
	return client.ChecksumNone
}

// planParts returns the part size and count for size bytes: the wanted
// size raised to the dialect's minimum, and grown (to a multiple of 1 MiB)
// until the parts fit the dialect's count limit.
func planParts(size, want int64, lim client.Limits) (int64, int, error) {
	ps := max(want, lim.MinPartSize, 1)
	if lim.MaxParts > 0 && ceilDiv(size, ps) > int64(lim.MaxParts) {
		ps = ceilDiv(size, int64(lim.MaxParts))
		ps = ceilDiv(ps, mib) * mib
	}
	if lim.MaxPartSize > 0 && ps > lim.MaxPartSize {
		return 0, 0, client.InvalidArgument("Size", "%d bytes does not fit in %d parts of at most %d bytes", size, lim.MaxParts, lim.MaxPartSize)
	}
	return ps, max(int(ceilDiv(size, ps)), 1), nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// validPartSize reports whether ps is a usable part size for size bytes.
func validPartSize(ps, size int64, lim client.Limits) bool {
	if ps <= 0 || (lim.MaxPartSize > 0 && ps > lim.MaxPartSize) {
		return false
	}
	if ps < lim.MinPartSize && ps < size {
		return false
	}
	return lim.MaxParts <= 0 || ceilDiv(size, ps) <= int64(lim.MaxParts)
}

// threshold is the size from which a multipart upload is used.
func (u *uploadJob) threshold(partSize int64) int64 {
	switch thr := u.o.MultipartThreshold; {
	case thr == 0:
		return partSize
	case thr < 0:
		return 1
	default:
		return thr
	}
}

func (u *uploadJob) singleFits(size, partSize int64) bool {
	if max := u.d.Limits.MaxPutSize; max > 0 && size > max {
		return false
	}
	return size == 0 || size < u.threshold(partSize)
}

func (u *uploadJob) partRange(i int) (off, n int64) {
	off = int64(i) * u.partSize
	return off, min(u.partSize, u.src.size-off)
}

// prepare opens the source and decides how to upload it: a single PUT, a
// resumed multipart upload (journal, UploadID or adoption), or a new one.
func (u *uploadJob) prepare(ctx context.Context) error {
	src, err := openSource(&u.in)
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.src = src
	u.mu.Unlock()
	u.first = u.d.Limits.FirstPartNumber
	u.resolveIntegrity()
	if src.size < 0 {
		return u.prepareStream(ctx)
	}
	size := src.size
	ps, n, err := planParts(size, u.o.PartSize, u.d.Limits)
	if err != nil {
		return err
	}
	if u.singleFits(size, ps) {
		u.single = true
		u.t.prog.setTotals(size, 1)
		return nil
	}
	u.mu.Lock()
	u.partSize, u.nparts = ps, n
	u.mu.Unlock()

	known, err := u.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	u.mu.Lock()
	if u.id == "" && u.in.UploadID != "" {
		u.id = u.in.UploadID
	}
	u.mu.Unlock()
	switch {
	case u.uploadID() != "":
		if err := u.reconcile(ctx, known); err != nil {
			if !errors.Is(err, client.ErrNotFound) {
				return err
			}
			// The upload is gone (completed, aborted or expired).
			u.mu.Lock()
			u.id, u.parts, u.resumed = "", map[int]*partRec{}, 0
			u.mu.Unlock()
			u.t.hash.setTotals(0, 0)
		}
	case u.o.AdoptUploads || u.adoptAny:
		if err := u.adopt(ctx); err != nil {
			return err
		}
	}
	if u.uploadID() == "" {
		u.mu.Lock()
		u.partSize, u.nparts = ps, n
		u.mu.Unlock()
		id, crc32c, err := u.createUpload(ctx)
		if err != nil {
			return err
		}
		u.mu.Lock()
		u.id = id
		u.mu.Unlock()
		u.setPartCRC32C(crc32c)
	}
	if err := u.writeCheckpoint(); err != nil {
		return err
	}
	u.t.prog.setTotals(size, u.nparts)
	var done int64
	for _, p := range u.parts {
		done += p.size
	}
	u.t.prog.credit(done, len(u.parts))
	if len(u.parts) > 0 {
		u.t.ev.markDirty(dirtyProgress)
	}
	return nil
}

// nextKnown hands out the parts of a known-size source.
func (u *uploadJob) nextKnown() (int, bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.todo) == 0 {
		return 0, false, nil
	}
	i := u.todo[0]
	u.todo = u.todo[1:]
	return i, true, nil
}

func (u *uploadJob) allDone() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.nparts < 0 {
		return false
	}
	for i := 0; i < u.nparts; i++ {
		if u.parts[i] == nil {
			return false
		}
	}
	return true
}

// partLen returns the size of part i.
func (u *uploadJob) partLen(i int) int64 {
	if u.src.size >= 0 {
		_, n := u.partRange(i)
		return n
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.pending[i].n
}

// partBody returns the content of part i and its checksums of kinds.
func (u *uploadJob) partBody(i int, kinds sumKind) (*io.SectionReader, sums, error) {
	if u.src.size >= 0 {
		off, n := u.partRange(i)
		s, err := hashSection(io.NewSectionReader(u.src.ra, off, n), kinds, nil)
		if err != nil {
			return nil, sums{}, fmt.Errorf("transfer: reading the source: %w", err)
		}
		return io.NewSectionReader(u.src.ra, off, n), s, nil
	}
	u.mu.Lock()
	sp := u.pending[i]
	u.mu.Unlock()
	if !sp.hashed || sp.kinds != kinds { // once per part, even if it is sent again after PauseNow
		h := newHasher(kinds)
		h.Write((*sp.buf)[:sp.n])
		sp.sums, sp.kinds, sp.hashed = h.sums(), kinds, true
	}
	return io.NewSectionReader(sp.r, 0, sp.n), sp.sums, nil
}

// trailing reports whether the next request should carry its CRC32C as
// a trailing checksum, computed while the body is sent (one read of the
// part instead of two), and the checksums still to compute beforehand.
func (u *uploadJob) trailing() (bool, sumKind) {
	if u.trail.Load() && !u.fellBack.Load() && !u.signs {
		return true, u.kinds &^ sumCRC32C
	}
	return false, u.kinds
}

// trailRefused reports whether err shows that the server (or the
// client's signer) cannot take trailing checksums; it then turns them
// off for the rest of the task, and the request is sent again with its
// checksum in a header. Before any trailer was accepted a 400, 403, 411
// or 501 answer counts too: servers without aws-chunked support refuse
// it so (InvalidArgument, InvalidContentEncoding, NotImplemented; a
// signature mismatch, where the server signs the payload hash it knows;
// MissingContentLength). If the request fails again in a header, that
// error is the task's, and nothing is recorded.
func (u *uploadJob) trailRefused(err error) bool {
	refused := errors.Is(err, client.ErrTrailerIgnored) || errors.Is(err, client.ErrNotSupported)
	var re *client.ResponseError
	if !refused && !u.trailOK.Load() && errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusBadRequest, http.StatusForbidden, http.StatusLengthRequired, http.StatusNotImplemented:
			refused = true
		}
	}
	if refused {
		u.trail.Store(false)
		u.trailRefusal.Store(true)
	}
	return refused
}

// sendPart uploads part i, checks the CRC the server returns, and records
// the acknowledged part. A part that arrives corrupted (a digest
// mismatch the server reports, or a CRC of it other than the local one)
// is sent again from the source, up to Options.PartAttempts times in all;
// one answered without an ETag is sent once more.
func (u *uploadJob) sendPart(ctx context.Context, i int) error {
	if u.src.size < 0 {
		defer func() {
			u.mu.Lock()
			delete(u.inflight, i)
			u.mu.Unlock()
		}()
	}
	number := u.first + i
	fail := func(err error) error { return &partError{number: number, err: err} }
	f := u.t.prog.startFlight(u.partLen(i))
	defer u.t.prog.endFlight(f)
	sctx := u.t.flightContext(ctx, f)
	corrupted, blank := 0, false // sends that arrived corrupted; an answer without an ETag seen
	refused := false             // sent again once for a refused CRC32C
	for {
		trail, kinds := u.trailing()
		kinds, sendMD5, _ := u.requestPlan(kinds)
		body, s, err := u.partBody(i, kinds)
		if err != nil {
			return err
		}
		in := &transferapi.UploadPartInput{UploadRef: u.ref(), PartNumber: number, Body: body, PayloadSHA256: s.sha256}
		if sendMD5 {
			in.ContentMD5 = s.md5
		}
		switch {
		case trail:
			in.TrailingChecksum = client.ChecksumCRC32C
		case u.crc32cParts():
			// An upload declared with CRC32C takes it on every part,
			// after a fallback too (with Content-MD5 then).
			in.Checksum = s.checksum()
		}
		out, perr := u.api.UploadPart(sctx, in)
		if perr == nil && out.ETag == "" {
			perr = fmt.Errorf("transfer: the UploadPart answer has no ETag: %w", client.ErrMalformedResponse)
		}
		if perr != nil {
			switch {
			case ctx.Err() != nil:
			case u.digestMismatch(perr):
				// The server got other bytes than were sent.
				if err := u.corrupted(&corrupted, perr); err != nil {
					return fail(err)
				}
				continue
			case trail && u.trailRefused(perr):
				continue // again, with the checksum in a header
			case !trail && u.refusedChecksum(in.Checksum, perr, &refused):
				continue // again, with Content-MD5 instead
			case errors.Is(perr, client.ErrMalformedResponse) && !blank:
				// The answer proves nothing; a part sent again
				// replaces whatever the first one stored.
				blank = true
				continue
			}
			return fail(perr)
		}
		if trail {
			// The server checked the trailer against the bytes it got
			// and echoed it: that is the part's CRC32C.
			if s.crc32c, s.hasCRC32C = crc32cOf(out.Checksum); !s.hasCRC32C {
				return fail(client.ErrTrailerIgnored)
			}
			u.trailOK.Store(true)
		}
		var proof sumKind
		var mismatch error
		if s.hasCRC && out.HasCRC64 {
			if out.CRC64 != s.crc {
				mismatch = &ChecksumError{What: fmt.Sprintf("part %d", number), Algorithm: "crc64", Want: formatCRC(out.CRC64), Got: formatCRC(s.crc)}
			}
			proof |= sumCRC
		}
		if got, ok := crc32cOf(out.Checksum); ok && (trail || in.Checksum.Algorithm == client.ChecksumCRC32C) {
			if got != s.crc32c {
				mismatch = &ChecksumError{What: fmt.Sprintf("part %d", number), Algorithm: "crc32c", Want: out.Checksum.String(), Got: in.Checksum.String()}
			}
			proof |= sumCRC32C
		}
		if mismatch != nil {
			// The server stored other bytes: send the part again.
			if err := u.corrupted(&corrupted, mismatch); err != nil {
				return fail(err)
			}
			continue
		}
		if in.ContentMD5 != nil && in.Checksum.IsZero() {
			u.confirmFallback("UploadPart")
		}
		if !trail {
			u.confirmTrailerRefusal()
		}
		if !trail && in.Checksum.Algorithm == client.ChecksumCRC32C && out.Checksum.IsZero() {
			// The server ignored the CRC32C: its ETag may still be the
			// part's MD5; if not, the part goes again with Content-MD5.
			ok, err := u.ignoredChecksum("UploadPart", out.ETag, &s, body)
			if err != nil {
				return err
			}
			if !ok && in.ContentMD5 == nil && u.fellBack.Load() {
				continue
			}
		}
		if (in.ContentMD5 != nil && u.d.Has(client.FeatureContentMD5)) || (s.md5 != nil && strings.EqualFold(out.ETag, s.md5Hex())) {
			proof |= sumMD5
		}
		return u.ack(i, f, body.Size(), out.ETag, s, proof)
	}
}

// digestMismatch reports whether err is the dialect's refusal of a body
// that does not match its checksum (Dialect.DigestMismatchCodes).
func (u *uploadJob) digestMismatch(err error) bool {
	var re *client.ResponseError
	return errors.As(err, &re) && u.d.DigestMismatchCodes[re.Code]
}

// corrupted counts one more send of a part that arrived corrupted, with
// err the evidence. It returns nil when the part may be sent again, and
// the task's error once Options.PartAttempts sends all arrived
// corrupted.
func (u *uploadJob) corrupted(n *int, err error) error {
	*n++
	if *n >= u.o.PartAttempts {
		return fmt.Errorf("%w (%d sends): %w", ErrPartCorrupted, *n, err)
	}
	u.resent.Add(1)
	u.t.partEvent(EventPartResent, -1, 0, err)
	return nil
}

// ack records an acknowledged part: journal first (fsynced), then the
// progress (the part's flight lands) and the PartDone event.
func (u *uploadJob) ack(i int, f *flight, n int64, etag string, s sums, proof sumKind) error {
	rec := &partRec{size: n, etag: etag, sums: s, proof: proof}
	if err := u.jr.append(rec.journal(i)); err != nil {
		return err
	}
	u.mu.Lock()
	u.parts[i] = rec
	if sp := u.pending[i]; sp != nil {
		delete(u.pending, i)
		sp.release(u.t.m)
	}
	off := int64(i) * u.partSize
	u.mu.Unlock()
	u.t.prog.land(f, n, 1)
	u.t.ev.markDirty(dirtyProgress)
	u.t.ev.push(event{kind: evPart, part: rec.part(u.first+i, off)})
	u.t.partEvent(EventPartDone, u.first+i, n, nil)
	return nil
}

func (p *partRec) part(number int, off int64) Part {
	return Part{
		Number: number, Offset: off, Size: p.size, ETag: p.etag, MD5: p.sums.md5Hex(),
		CRC64: p.sums.crc, HasCRC64: p.sums.hasCRC, Checksum: p.sums.checksum(),
	}
}

func (u *uploadJob) crc32cParts() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.partCRC32C
}

// complete assembles the parts, checks what the answer reports (CRC-64,
// composite checksum) and confirms the object with a HEAD before the
// upload counts as done.
func (u *uploadJob) complete(ctx context.Context) error {
	if err := u.src.unchanged(); err != nil {
		return err
	}
	u.mu.Lock()
	parts := make([]transferapi.CompletedPart, u.nparts)
	crc, hasCRC := uint64(0), true
	withCRC32C := u.partCRC32C
	var sums []client.Checksum
	var size int64
	proofs := sumCRC | sumCRC32C | sumMD5 // the checks every part passed
	checked := 0                          // parts with any check
	for i := 0; i < u.nparts; i++ {
		p := u.parts[i]
		parts[i] = transferapi.CompletedPart{PartNumber: u.first + i, ETag: p.etag}
		hasCRC = hasCRC && p.sums.hasCRC
		if hasCRC {
			crc = crc64Combine(crc, p.sums.crc, p.size)
		}
		if withCRC32C {
			parts[i].Checksum = p.sums.checksum()
			sums = append(sums, parts[i].Checksum)
		}
		size += p.size
		proofs &= p.proof
		if p.proof != 0 {
			checked++
		}
	}
	u.mu.Unlock()
	var composite client.Checksum
	if withCRC32C {
		var err error
		if composite, err = client.CompositeChecksum(sums); err != nil {
			return fmt.Errorf("transfer: a part has no CRC32C: %w", err)
		}
	}
	in := &transferapi.CompleteMultipartUploadInput{UploadRef: u.ref(), Parts: parts, ETag: u.completeETag()}
	out, err := u.api.CompleteMultipartUpload(ctx, in)
	if errors.Is(err, client.ErrMalformedResponse) && ctx.Err() == nil {
		// An answer that proves nothing: ask again. A repeat of a
		// Complete that did take effect finds the upload gone.
		out, err = u.api.CompleteMultipartUpload(ctx, in)
	}
	// A Complete whose earlier attempt did complete, unseen, finds the
	// upload gone: the object is this upload's only if the HEAD below
	// shows what these parts make.
	gone := errors.Is(err, client.ErrNotFound)
	if err != nil && !gone {
		return err
	}
	if gone {
		out = &transferapi.CompleteMultipartUploadOutput{}
	}
	want := objectFacts{size: size, etag: out.ETag, crc: crc, hasCRC: hasCRC, composite: composite}
	if u.d.Object.MultipartETag {
		want.multipartETag, _ = multipartETag(parts)
	}
	if e := u.completeETag(); e != "" {
		want.multipartETag = e // the ETag the Complete gave the object (QingStor)
	}
	var verified string
	if withCRC32C && !out.Checksum.IsZero() {
		if !out.Checksum.Equal(composite) {
			return &ChecksumError{What: "object", Algorithm: "crc32c", Want: out.Checksum.String(), Got: composite.String()}
		}
		verified = "crc32c"
	}
	if hasCRC && out.HasCRC64 {
		if out.CRC64 != crc {
			return &ChecksumError{What: "object", Algorithm: "crc64", Want: formatCRC(out.CRC64), Got: formatCRC(crc)}
		}
		verified = "crc64"
	}
	info, evidence, herr := u.confirm(ctx, out.VersionID, want)
	switch {
	case gone && herr != nil:
		return fmt.Errorf("%w; the object is not this upload's: %w", err, herr)
	case gone && evidence == "":
		return fmt.Errorf("%w; the object has the upload's size, but nothing the service publishes shows it is this upload's", err)
	case herr != nil:
		return herr
	}
	if verified == "" && (evidence == "crc64" || evidence == "crc32c") {
		verified = evidence
	}
	res := &Result{
		Bucket: u.in.Bucket, Key: u.in.Key, ETag: out.ETag, VersionID: out.VersionID,
		Size: size, UploadID: u.uploadID(), Parts: u.nparts, ResumedParts: u.resumed,
		Checksum: composite, ResentParts: int(u.resent.Load()),
	}
	if res.ETag == "" {
		res.ETag = info.ETag
	}
	if res.VersionID == "" {
		res.VersionID = info.VersionID
	}
	if hasCRC {
		res.CRC64, res.HasCRC64 = crc, true
	}
	switch {
	case verified != "":
		res.Verified = verified
	case proofs&sumCRC32C != 0:
		res.Verified = "crc32c-parts"
	case proofs&sumMD5 != 0:
		res.Verified = "md5-parts"
	case checked == u.nparts:
		res.Verified = "parts"
	case u.o.Integrity == IntegrityOff:
		res.Unverified = "integrity checks are off (IntegrityOff)"
	default:
		res.Unverified = fmt.Sprintf("the server reported no checksum of the object, and %d of its %d parts were checked", checked, u.nparts)
	}
	u.res = res
	return nil
}

// objectFacts are what a completed multipart upload must show on a HEAD.
type objectFacts struct {
	size int64
	// etag is the ETag the Complete answer gave, multipartETag the one
	// the parts make on dialects with ObjectWire.MultipartETag; either
	// may be "".
	etag, multipartETag string
	crc                 uint64
	hasCRC              bool
	composite           client.Checksum
}

// confirm reads the object's attributes and checks them against want:
// its size always, then every content fact both sides have. It returns
// the attributes and the strongest content fact that matched ("crc64",
// "crc32c", "etag", or "" for none beyond the size); any mismatch is an
// error matching ErrNotConfirmed.
func (u *uploadJob) confirm(ctx context.Context, versionID string, want objectFacts) (*transferapi.ObjectInfo, string, error) {
	info, err := u.api.HeadObject(ctx, &transferapi.HeadObjectInput{Bucket: u.in.Bucket, Key: u.in.Key, VersionID: versionID})
	if err != nil {
		return nil, "", fmt.Errorf("%w: HEAD %s/%s after completing the upload: %w", ErrNotConfirmed, u.in.Bucket, u.in.Key, err)
	}
	mismatch := func(what string, got, exp any) error {
		return fmt.Errorf("%w: %s/%s has %s %v, the upload's parts make %v", ErrNotConfirmed, u.in.Bucket, u.in.Key, what, got, exp)
	}
	if info.Size != want.size {
		return nil, "", mismatch("size", info.Size, want.size)
	}
	evidence := ""
	etag := strings.Trim(info.ETag, `"`)
	// An encrypted object's ETag (SSE-KMS, SSE-C) need not follow the
	// multipart formula: only its size and checksums can confirm it.
	if want.multipartETag != "" && !info.OpaqueETag {
		if !strings.EqualFold(etag, want.multipartETag) {
			return nil, "", mismatch("ETag", etag, want.multipartETag)
		}
		evidence = "etag"
	}
	if want.etag != "" && etag != "" && !strings.EqualFold(etag, strings.Trim(want.etag, `"`)) {
		return nil, "", fmt.Errorf("%w: %s/%s has ETag %s, the Complete answer gave %s", ErrNotConfirmed, u.in.Bucket, u.in.Key, etag, want.etag)
	}
	if want.hasCRC && info.HasCRC64 {
		if info.CRC64 != want.crc {
			return nil, "", mismatch("CRC-64", formatCRC(info.CRC64), formatCRC(want.crc))
		}
		evidence = "crc64"
	}
	if s := info.Checksum; !want.composite.IsZero() && s.Algorithm == want.composite.Algorithm && s.Parts > 0 {
		if !s.Equal(want.composite) {
			return nil, "", mismatch("checksum", s.String(), want.composite.String())
		}
		evidence = "crc32c"
	}
	return info, evidence, nil
}

// multipartETag computes the S3 ETag of an object completed from parts
// whose ETags are hex MD5s.
func multipartETag(parts []transferapi.CompletedPart) (string, bool) {
	h := md5.New()
	for _, p := range parts {
		raw, err := hex.DecodeString(strings.Trim(p.ETag, `"`))
		if err != nil || len(raw) != md5.Size {
			return "", false
		}
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), true
}

// putSingle uploads the whole source in one request. Like a part, a PUT
// that arrives corrupted is sent again, up to Options.PartAttempts times.
func (u *uploadJob) putSingle(ctx context.Context) error {
	var body *io.SectionReader
	if u.src.size >= 0 {
		body = io.NewSectionReader(u.src.ra, 0, u.src.size)
	} else {
		u.mu.Lock()
		sp := u.pending[0]
		u.mu.Unlock()
		body = io.NewSectionReader(sp.r, 0, sp.n)
	}
	f := u.t.prog.startFlight(body.Size())
	defer u.t.prog.endFlight(f)
	sctx := u.t.flightContext(ctx, f)
	if !u.trailTried {
		u.trailTried = true
		u.trail.Store(u.wantCRC32C && u.trailersWanted(false))
	}
	var (
		in        *transferapi.PutObjectInput
		out       *transferapi.PutObjectOutput
		s         sums
		corrupted int
		refused   bool // sent again once for a refused CRC32C
	)
	for {
		trail, kinds := u.trailing()
		kinds, sendMD5, crc32c := u.requestPlan(kinds)
		var err error
		if s, err = u.hashWhole(body, kinds); err != nil {
			return fmt.Errorf("transfer: reading the source: %w", err)
		}
		in = &transferapi.PutObjectInput{Bucket: u.in.Bucket, Key: u.in.Key, Body: body, ObjectOptions: u.in.ObjectOptions, PayloadSHA256: s.sha256}
		if sendMD5 {
			in.ContentMD5 = s.md5
		}
		switch {
		case trail:
			in.TrailingChecksum = client.ChecksumCRC32C
		case u.wantCRC32C && crc32c:
			in.Checksum = s.checksum()
		}
		if out, err = u.api.PutObject(sctx, in); err != nil {
			switch {
			case ctx.Err() != nil:
			case u.digestMismatch(err):
				if cerr := u.corrupted(&corrupted, err); cerr != nil {
					return cerr
				}
				continue
			case trail && u.trailRefused(err):
				continue // again, with the checksum in a header
			case !trail && u.refusedChecksum(in.Checksum, err, &refused):
				continue // again, with Content-MD5 instead
			}
			return err
		}
		if in.ContentMD5 != nil && in.Checksum.IsZero() {
			u.confirmFallback("PutObject")
		}
		if !trail {
			u.confirmTrailerRefusal()
		}
		if trail {
			if _, ok := crc32cOf(out.Checksum); !ok {
				return client.ErrTrailerIgnored
			}
			u.trailOK.Store(true)
			in.Checksum = out.Checksum
		}
		var mismatch error
		switch {
		case s.hasCRC && out.HasCRC64 && out.CRC64 != s.crc:
			mismatch = &ChecksumError{What: "object", Algorithm: "crc64", Want: formatCRC(out.CRC64), Got: formatCRC(s.crc)}
		case !in.Checksum.IsZero() && !out.Checksum.IsZero() && !out.Checksum.Equal(in.Checksum):
			mismatch = &ChecksumError{What: "object", Algorithm: "crc32c", Want: out.Checksum.String(), Got: in.Checksum.String()}
		}
		if mismatch != nil {
			// The server stored other bytes: send them again.
			if cerr := u.corrupted(&corrupted, mismatch); cerr != nil {
				return cerr
			}
			continue
		}
		if !trail && in.Checksum.Algorithm == client.ChecksumCRC32C && out.Checksum.IsZero() {
			// The server ignored the CRC32C: its ETag may still be the
			// body's MD5; if not, the object goes again with Content-MD5.
			ok, err := u.ignoredChecksum("PutObject", out.ETag, &s, body)
			if err != nil {
				return err
			}
			if !ok && in.ContentMD5 == nil && u.fellBack.Load() {
				continue
			}
		}
		break
	}
	res := &Result{Bucket: u.in.Bucket, Key: u.in.Key, ETag: out.ETag, VersionID: out.VersionID, Size: body.Size(), Parts: 1, Checksum: in.Checksum,
		ResentParts: int(u.resent.Load())}
	if s.hasCRC {
		res.CRC64, res.HasCRC64 = s.crc, true
	}
	switch {
	case s.hasCRC && out.HasCRC64:
		res.Verified = "crc64"
	case !in.Checksum.IsZero() && out.Checksum.Equal(in.Checksum):
		// Only an echo shows the server checked it.
		res.Verified = "crc32c"
	case (in.ContentMD5 != nil && u.d.Has(client.FeatureContentMD5)) || (s.md5 != nil && strings.EqualFold(out.ETag, s.md5Hex())):
		res.Verified = "md5"
	case u.o.Integrity == IntegrityOff:
		res.Unverified = "integrity checks are off (IntegrityOff)"
	default:
		res.Unverified = "the server reported no checksum of the object, and the dialect checks no Content-MD5"
	}
	u.res = res
	u.t.prog.land(f, body.Size(), 1)
	u.t.ev.markDirty(dirtyProgress)
	u.t.ev.push(event{kind: evPart, part: Part{Number: u.first, Size: body.Size(), ETag: out.ETag, MD5: s.md5Hex(), CRC64: s.crc, HasCRC64: s.hasCRC, Checksum: in.Checksum}})
	u.t.partEvent(EventPartDone, u.first, body.Size(), nil)
	return nil
}

// hashWhole computes the checksums of a single PUT's body: from the
// bytes in memory when the job has them (no copy through a read buffer,
// and the CRC-32C known already), else by reading the body.
func (u *uploadJob) hashWhole(body *io.SectionReader, kinds sumKind) (sums, error) {
	if u.mem == nil || int64(len(u.mem)) != body.Size() {
		return hashSection(io.NewSectionReader(body, 0, body.Size()), kinds, nil)
	}
	known := kinds&sumCRC32C != 0
	kinds &^= sumCRC32C
	var s sums
	if kinds != 0 {
		h := newHasher(kinds)
		h.Write(u.mem)
		s = h.sums()
	}
	if known {
		s.crc32c, s.hasCRC32C = u.memCRC32C, true
	}
	return s, nil
}

// cleanup closes the source, gives buffers back and, for a failed or
// cancelled upload, aborts it unless KeepParts is set.
func (u *uploadJob) cleanup(ctx context.Context, err error, _ bool) error {
	u.src.close()
	if u.jpath != "" {
		defer u.t.m.releaseJournal(u.jpath)
	}
	u.mu.Lock()
	for i, sp := range u.pending {
		sp.release(u.t.m)
		delete(u.pending, i)
	}
	id := u.id
	u.mu.Unlock()
	if err == nil {
		return u.jr.remove()
	}
	if id == "" || u.o.KeepParts {
		u.jr.close()
		return nil
	}
	if aerr := abortUpload(ctx, u.api, transferapi.UploadRef{Bucket: u.in.Bucket, Key: u.in.Key, UploadID: id}); aerr != nil {
		// The journal stays: a later run with the same checkpoint
		// directory resumes (or aborts) the upload it names.
		u.jr.close()
		return aerr
	}
	if u.jr != nil {
		return u.jr.remove()
	}
	if u.jpath != "" {
		return removeJournal(u.jpath)
	}
	return nil
}

func (u *uploadJob) checkpoint() *Checkpoint {
	u.mu.Lock()
	defer u.mu.Unlock()
	cp := &Checkpoint{Op: "upload", Bucket: u.in.Bucket, Key: u.in.Key, UploadID: u.id, Size: -1, PartSize: u.partSize, Journal: u.jpath}
	if u.src != nil && u.src.size >= 0 {
		cp.Size = u.src.size
	}
	idx := make([]int, 0, len(u.parts))
	for i := range u.parts {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		cp.Parts = append(cp.Parts, u.parts[i].part(u.first+i, int64(i)*u.partSize))
	}
	return cp
}
