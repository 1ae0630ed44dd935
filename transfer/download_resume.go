package transfer

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/integrity"
)

// A file download keeps its bytes in a partial file next to the
// destination and, with a checkpoint directory, a journal of the ranges
// written (each after an fsync of the partial file). A later download of
// the same object to the same file takes them up if the object's ETag,
// size and modification time are unchanged.

// openFile finds a journal that matches the object and its partial file,
// or starts a new partial file.
func (d *downloadJob) openFile() ([]journalPart, error) {
	dest, err := filepath.Abs(d.in.File)
	if err != nil {
		return nil, err
	}
	if d.o.CheckpointDir != "" {
		jpath := journalPath(d.o.CheckpointDir, "download", d.in.Bucket, d.in.Key, dest)
		if err := d.t.m.claimJournal(jpath); err != nil {
			return nil, err
		}
		d.jpath = jpath
		hdr, parts, err := loadJournal(d.jpath)
		switch {
		case errors.Is(err, errJournalCorrupt):
			if err := removeJournal(d.jpath); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		case hdr != nil:
			if f := d.matchJournal(hdr, dest); f != nil {
				d.f, d.dest = f, f
				d.mu.Lock()
				d.temp, d.partSize = hdr.Temp, hdr.PartSize
				d.mu.Unlock()
				return parts, nil
			}
			if hdr.Temp != "" {
				os.Remove(hdr.Temp)
			}
			if err := removeJournal(d.jpath); err != nil {
				return nil, err
			}
		}
	}
	temp := filepath.Join(filepath.Dir(dest), filepath.Base(dest)+"."+randomHex(6)+".partial")
	f, err := os.OpenFile(temp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(d.info.Size); err != nil {
		f.Close()
		os.Remove(temp)
		return nil, err
	}
	d.f, d.dest = f, f
	d.mu.Lock()
	d.temp = temp
	d.mu.Unlock()
	return nil, nil
}

// matchJournal opens the partial file of a journal that still describes
// the object (same ETag, size and modification time) and destination.
func (d *downloadJob) matchJournal(hdr *journalHeader, dest string) *os.File {
	info := d.info
	if hdr.Op != "download" || hdr.Bucket != d.in.Bucket || hdr.Key != d.in.Key || hdr.VersionID != d.in.VersionID ||
		hdr.Dest != dest || hdr.ETag != info.ETag || hdr.Size != info.Size || !hdr.LastModified.Equal(info.LastModified) ||
		hdr.PartSize <= 0 || hdr.Temp == "" {
		return nil
	}
	if d.plan.Kind == integrity.Composite && hdr.PartSize != d.plan.PartSize {
		return nil // ranges that are not the object's parts
	}
	f, err := os.OpenFile(hdr.Temp, os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Size() != info.Size {
		f.Close()
		return nil
	}
	return f
}

// resume takes the journaled ranges. With checks on, each range's
// CRC-32C, journaled when it was written, is recomputed from the partial
// file (reported as hash progress), together with the range's digest in
// the plan's algorithm where the plan combines range digests: a range
// whose bytes changed on disk since is fetched again, and so is one
// journaled without a CRC-32C. For an MD5 or SHA plan the ranges kept are
// read once more when the hash cursor reaches them. With IntegrityOff the
// journal is trusted.
func (d *downloadJob) resume(ctx context.Context, known []journalPart) error {
	var check []journalPart
	var total int64
	for _, p := range known {
		if p.Index < 0 || p.Index >= d.n {
			continue
		}
		if _, n := d.rangeOf(p.Index); n != p.Size {
			continue
		}
		if !d.local {
			d.keep(p.Index, &rangeRec{size: p.Size})
			continue
		}
		if _, ok := journalCRC32C(p); !ok {
			continue
		}
		check = append(check, p)
		total += p.Size
	}
	d.t.hash.setTotals(total, len(check))
	if len(check) == 0 {
		return nil
	}
	d.t.hash.start(time.Now())
	defer d.t.hash.stop(time.Now())
	// The ranges are hashed by an errgroup of PartParallelism workers;
	// the first read error stops it.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(d.o.PartParallelism)
	for _, p := range check {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			bp := hashBufs.Get().(*[]byte)
			defer hashBufs.Put(bp)
			off, n := d.rangeOf(p.Index)
			h := d.newRangeHasher()
			_, err := io.CopyBuffer(h, &progressReader{r: io.NewSectionReader(d.f, off, n), fn: func(k int64) {
				d.t.hash.add(k, 0)
				d.t.ev.markDirty(dirtyHash)
			}}, *bp)
			d.t.hash.add(0, 1)
			if err != nil {
				return err
			}
			if want, _ := journalCRC32C(p); h.crc32c == want {
				d.keep(p.Index, h.rec(n))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return context.Cause(ctx)
}

// progressReader reports what is read through it.
type progressReader struct {
	r  io.Reader
	fn func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}

// journalCRC32C returns the CRC-32C a journaled range was written with.
func journalCRC32C(p journalPart) (uint32, bool) {
	if p.CRC32C == "" {
		return 0, false
	}
	c, err := client.ParseChecksum(client.ChecksumCRC32C, p.CRC32C)
	if err != nil {
		return 0, false
	}
	return crc32cOf(c)
}

// keep takes journaled range i as written.
func (d *downloadJob) keep(i int, r *rangeRec) {
	if d.seq != nil {
		d.seq.markDone(i)
	}
	d.mu.Lock()
	d.ranges[i] = r
	d.resumed[i] = true
	d.mu.Unlock()
}

// readBackProgress counts bytes the MD5 (or SHA) cursor reads back as
// hash progress, adding them to the total: ranges stopped by a pause,
// and resumed ranges, already counted once by their CRC-32C check.
func (d *downloadJob) readBackProgress(_ int, k int64, _ bool) {
	d.t.hash.grow(k)
	d.t.hash.add(k, 0)
	d.t.ev.markDirty(dirtyHash)
}

func (d *downloadJob) writeCheckpoint() error {
	if d.jpath == "" {
		return nil
	}
	dest, _ := filepath.Abs(d.in.File)
	hdr := &journalHeader{
		Op: "download", Bucket: d.in.Bucket, Key: d.in.Key, VersionID: d.in.VersionID,
		Size: d.info.Size, PartSize: d.partSize, ETag: d.info.ETag, LastModified: d.info.LastModified,
		Dest: dest, Temp: d.temp,
	}
	idx := make([]int, 0, len(d.ranges))
	for i := range d.ranges {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	parts := make([]journalPart, 0, len(idx))
	for _, i := range idx {
		parts = append(parts, d.journalOf(i, d.ranges[i]))
	}
	jr, err := createJournal(d.jpath, hdr, parts)
	if err != nil {
		return err
	}
	d.jr = jr
	return nil
}

// journalOf is the journal record of written range i.
func (d *downloadJob) journalOf(i int, r *rangeRec) journalPart {
	jp := journalPart{Index: i, Size: r.size}
	if crc, ok := r.crc64(d.plan); ok {
		jp.CRC64 = formatCRC(crc)
	}
	if r.hasLocal {
		jp.CRC32C = client.Checksum{Algorithm: client.ChecksumCRC32C, Value: integrity.CRC32C.CRCBytes(uint64(r.local))}.String()
	}
	return jp
}
