package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer/transferapi"
)

// listParts returns the parts of upload id.
func (u *uploadJob) listParts(ctx context.Context, id string) ([]transferapi.ServerPart, error) {
	var out []transferapi.ServerPart
	for p, err := range u.api.ListParts(ctx, transferapi.UploadRef{Bucket: u.in.Bucket, Key: u.in.Key, UploadID: id}) {
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// reconcile lists the parts of the upload in u.id and keeps those that
// match the source (journal records in known help verify them).
func (u *uploadJob) reconcile(ctx context.Context, known map[int]journalPart) error {
	listed, err := u.listParts(ctx, u.uploadID())
	if err != nil {
		return err
	}
	if known == nil {
		u.inferPartSize(listed)
		u.setPartCRC32C(listedCRC32C(listed, u.wantCRC32C))
	}
	_, err = u.verify(ctx, listed, known)
	return err
}

// listedCRC32C tells whether an upload found on the server takes CRC32C
// checksums: its parts show them. An upload without parts shows nothing;
// then guess is used.
func listedCRC32C(listed []transferapi.ServerPart, guess bool) bool {
	if len(listed) == 0 {
		return guess
	}
	for _, p := range listed {
		if _, ok := crc32cOf(p.Checksum); ok {
			return true
		}
	}
	return false
}

// inferPartSize adopts the part size of an upload found on the server
// without a journal, when its first part shows a usable one.
func (u *uploadJob) inferPartSize(listed []transferapi.ServerPart) {
	for _, p := range listed {
		if p.PartNumber != u.first {
			continue
		}
		if p.Size <= u.src.size && validPartSize(p.Size, u.src.size, u.d.Limits) {
			u.mu.Lock()
			u.partSize = p.Size
			u.nparts = max(int(ceilDiv(u.src.size, p.Size)), 1)
			u.mu.Unlock()
		}
		return
	}
}

// candidate is a server part that may be kept.
type candidate struct {
	index int
	sp    transferapi.ServerPart
	jp    journalPart
	hasJ  bool
}

// verify re-reads the local bytes of each listed part of the right size,
// reporting hash progress, and keeps the parts whose checksums match what
// the server holds (MD5 vs ETag) and what the journal recorded (CRC-64,
// MD5, ETag). It returns how many parts it kept.
func (u *uploadJob) verify(ctx context.Context, listed []transferapi.ServerPart, known map[int]journalPart) (int, error) {
	var cands []candidate
	var total int64
	for _, sp := range listed {
		i := sp.PartNumber - u.first
		if i < 0 || i >= u.nparts {
			continue
		}
		if _, n := u.partRange(i); sp.Size != n {
			continue
		}
		jp, hasJ := known[i]
		cands = append(cands, candidate{index: i, sp: sp, jp: jp, hasJ: hasJ})
		total += sp.Size
	}
	u.t.hash.setTotals(total, len(cands))
	if len(cands) == 0 {
		return 0, nil
	}
	u.t.hash.start(time.Now())
	defer u.t.hash.stop(time.Now())

	// The parts are hashed by an errgroup of PartParallelism workers; the
	// first read error stops it.
	var (
		mu   sync.Mutex
		kept = map[int]*partRec{}
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(u.o.PartParallelism)
	for _, c := range cands {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			rec, err := u.verifyPart(c)
			if err != nil {
				return err
			}
			if rec != nil {
				mu.Lock()
				kept[c.index] = rec
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, context.Cause(ctx)
	}
	u.mu.Lock()
	u.parts = kept
	u.resumed = len(kept)
	u.mu.Unlock()
	return len(kept), nil
}

// verifyPart checks one candidate; it returns the part to keep, or nil.
func (u *uploadJob) verifyPart(c candidate) (*partRec, error) {
	off, n := u.partRange(c.index)
	etagMD5 := isMD5ETag(c.sp.ETag)
	serverCRC32C, hasServerCRC32C := crc32cOf(c.sp.Checksum)
	if u.o.Integrity == IntegrityOff {
		u.t.hash.add(n, 1)
		u.t.ev.markDirty(dirtyHash)
		if c.hasJ && c.jp.ETag == c.sp.ETag {
			rec := &partRec{size: n, etag: c.sp.ETag}
			rec.sums.crc32c, rec.sums.hasCRC32C = serverCRC32C, hasServerCRC32C
			return rec, nil
		}
		return nil, nil
	}
	// The server's CRC32C, where it has one, is the cheapest proof; the
	// MD5 of an MD5 ETag otherwise.
	need := u.kinds
	if hasServerCRC32C || (c.hasJ && c.jp.CRC32C != "") {
		need |= sumCRC32C
	}
	if !hasServerCRC32C && (etagMD5 || (c.hasJ && c.jp.MD5 != "")) {
		need |= sumMD5
	}
	if c.hasJ && c.jp.CRC64 != "" {
		need |= sumCRC
	}
	s, err := hashSection(io.NewSectionReader(u.src.ra, off, n), need, func(k int64) {
		u.t.hash.add(k, 0)
		u.t.ev.markDirty(dirtyHash)
	})
	u.t.hash.add(0, 1)
	if err != nil {
		return nil, err
	}
	ok, checked := true, false
	// proof: the checks against what the server holds (its CRC32C, its
	// MD5 ETag, the CRC-64 it reported when the part was acknowledged).
	var proof sumKind
	switch {
	case hasServerCRC32C:
		ok = ok && s.crc32c == serverCRC32C
		checked = true
		proof |= sumCRC32C
	case etagMD5:
		ok = ok && strings.EqualFold(c.sp.ETag, s.md5Hex())
		checked = true
		proof |= sumMD5
	}
	if c.hasJ {
		if c.jp.ETag != "" && c.jp.ETag != c.sp.ETag {
			ok = false
		}
		if c.jp.MD5 != "" && s.md5 != nil {
			ok = ok && c.jp.MD5 == s.md5Hex()
			checked = true
		}
		if c.jp.CRC32C != "" {
			ok = ok && c.jp.CRC32C == s.checksum().String()
			checked = true
		}
		if c.jp.CRC64 != "" {
			ok = ok && c.jp.CRC64 == formatCRC(s.crc)
			checked = true
			if u.d.Has(client.FeatureCRC64) {
				proof |= sumCRC
			}
		}
	}
	if !ok || !checked {
		return nil, nil
	}
	return &partRec{size: n, etag: c.sp.ETag, sums: s, proof: proof}, nil
}

// adopt looks for an upload in progress for the key whose parts match
// the source, newest first, and continues it.
func (u *uploadJob) adopt(ctx context.Context) error {
	var ups []transferapi.ServerUpload
	for up, err := range u.api.ListUploads(ctx, u.in.Bucket, u.in.Key) {
		if err != nil {
			if errors.Is(err, client.ErrNotSupported) {
				return nil
			}
			return err
		}
		if up.Key == u.in.Key {
			ups = append(ups, up)
		}
	}
	slices.SortStableFunc(ups, func(a, b transferapi.ServerUpload) int { return b.Initiated.Compare(a.Initiated) })
	planned, plannedN := u.partSize, u.nparts
	for _, up := range ups {
		listed, err := u.listParts(ctx, up.UploadID)
		if errors.Is(err, client.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		u.mu.Lock()
		u.partSize, u.nparts = planned, plannedN
		u.mu.Unlock()
		u.inferPartSize(listed)
		u.setPartCRC32C(listedCRC32C(listed, u.wantCRC32C))
		n, err := u.verify(ctx, listed, nil)
		if err != nil {
			return err
		}
		if n > 0 {
			u.mu.Lock()
			u.id = up.UploadID
			u.mu.Unlock()
			return nil
		}
	}
	u.mu.Lock()
	u.partSize, u.nparts = planned, plannedN
	u.parts, u.resumed = map[int]*partRec{}, 0
	u.mu.Unlock()
	return nil
}

// loadCheckpoint reads the source's journal, if any. A journal that
// matches the source gives the upload id, part size and parts to
// reconcile; a stale one (the source changed) is removed and its upload
// aborted (or, if it cannot be, continued). A damaged one gives the
// upload id it still shows, to adopt (recoverJournal).
func (u *uploadJob) loadCheckpoint(ctx context.Context) (map[int]journalPart, error) {
	if u.o.CheckpointDir == "" || u.src.ident == nil {
		return nil, nil
	}
	jpath := journalPath(u.o.CheckpointDir, "upload", u.in.Bucket, u.in.Key, u.src.ident.Path)
	if err := u.t.m.claimJournal(jpath); err != nil {
		return nil, err
	}
	u.jpath = jpath
	hdr, parts, err := loadJournal(u.jpath)
	switch {
	case errors.Is(err, errJournalCorrupt):
		return nil, u.recoverJournal(ctx)
	case err != nil:
		return nil, err
	case hdr == nil:
		return nil, nil
	}
	if hdr.Op == "upload" && hdr.Bucket == u.in.Bucket && hdr.Key == u.in.Key && hdr.UploadID != "" &&
		hdr.Source.equal(u.src.ident) && hdr.Size == u.src.size && validPartSize(hdr.PartSize, hdr.Size, u.d.Limits) {
		u.mu.Lock()
		u.id = hdr.UploadID
		u.partSize = hdr.PartSize
		u.nparts = max(int(ceilDiv(u.src.size, u.partSize)), 1)
		u.mu.Unlock()
		u.setPartCRC32C(hdr.Checksum == client.ChecksumCRC32C.String())
		known := make(map[int]journalPart, len(parts))
		for _, p := range parts {
			known[p.Index] = p
		}
		return known, nil
	}
	// The source changed: start over, and drop the stale upload. One
	// that cannot be aborted is continued instead (its parts, which no
	// longer match, are all sent again), so that it is not left behind.
	if hdr.UploadID != "" && hdr.Bucket == u.in.Bucket && hdr.Key == u.in.Key {
		actx, stop := u.t.cleanupContext()
		aerr := abortUpload(actx, u.api, transferapi.UploadRef{Bucket: hdr.Bucket, Key: hdr.Key, UploadID: hdr.UploadID})
		stop()
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if aerr != nil {
			u.mu.Lock()
			u.id = hdr.UploadID
			u.mu.Unlock()
			return nil, nil // the journal is rewritten once reconciled
		}
	}
	return nil, removeJournal(u.jpath)
}

// recoverJournal deals with a journal whose header cannot be read (cut
// short, bits flipped, overwritten): it named a multipart upload, which
// must not be left on the server. The first upload id it still shows that
// the server knows for this key is adopted: prepare lists its parts and
// re-verifies them against the source, as a crash resume does, and sends
// the rest. When no id survives (or none is known to the server), the
// upload is looked for among those in progress for the key, as
// Options.AdoptUploads does: the newest whose parts match the source.
// The damaged journal stays until a new one replaces it.
func (u *uploadJob) recoverJournal(ctx context.Context) error {
	data, err := os.ReadFile(u.jpath)
	if err != nil {
		return fmt.Errorf("transfer: reading checkpoint journal: %w", err)
	}
	for _, id := range salvageUploadIDs(data) {
		_, err := u.listParts(ctx, id)
		switch {
		case err == nil:
			u.mu.Lock()
			u.id = id
			u.mu.Unlock()
			return nil
		case errors.Is(err, client.ErrNotFound), errors.Is(err, client.ErrInvalidArgument):
			continue // a damaged id, or an upload that is gone
		}
		return err
	}
	u.adoptAny = true
	return nil
}

// writeCheckpoint (re)writes the journal: header and verified parts.
func (u *uploadJob) writeCheckpoint() error {
	if u.jpath == "" {
		return nil
	}
	hdr := &journalHeader{
		Op: "upload", Bucket: u.in.Bucket, Key: u.in.Key, Size: u.src.size,
		PartSize: u.partSize, UploadID: u.id, Source: u.src.ident,
	}
	if u.partCRC32C {
		hdr.Checksum = client.ChecksumCRC32C.String()
	}
	idx := make([]int, 0, len(u.parts))
	for i := range u.parts {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	parts := make([]journalPart, 0, len(idx))
	for _, i := range idx {
		parts = append(parts, u.parts[i].journal(i))
	}
	jr, err := createJournal(u.jpath, hdr, parts)
	if err != nil {
		return err
	}
	u.jr = jr
	return nil
}

func (p *partRec) journal(i int) journalPart {
	jp := journalPart{Index: i, Size: p.size, ETag: p.etag, MD5: p.sums.md5Hex()}
	if p.sums.hasCRC {
		jp.CRC64 = formatCRC(p.sums.crc)
	}
	jp.CRC32C = p.sums.checksum().String()
	return jp
}
