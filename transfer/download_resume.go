package transfer

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
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

// resume takes the journaled ranges: CRC-checked ranges are re-verified
// now (hash progress); for MD5 they are read back when the hash cursor
// reaches them; without a checksum they are trusted.
func (d *downloadJob) resume(ctx context.Context, known []journalPart) error {
	var check []journalPart
	var total int64
	count := 0
	for _, p := range known {
		if p.Index < 0 || p.Index >= d.n {
			continue
		}
		if _, n := d.rangeOf(p.Index); n != p.Size {
			continue
		}
		switch d.verify {
		case "crc64":
			if p.CRC64 == "" {
				continue
			}
			check = append(check, p)
		case "md5":
			d.seq.markDone(p.Index)
			d.keep(p.Index, p.Size, 0, false)
		default:
			d.keep(p.Index, p.Size, 0, false)
			continue
		}
		total += p.Size
		count++
	}
	d.t.hash.setTotals(total, count)
	if len(check) == 0 {
		return nil
	}
	d.t.hash.start(time.Now())
	defer d.t.hash.stop(time.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	work := make(chan journalPart)
	for w := 0; w < d.o.PartParallelism; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				off, n := d.rangeOf(p.Index)
				s, err := hashSection(io.NewSectionReader(d.f, off, n), sumCRC, func(k int64) {
					d.t.hash.add(k, 0)
					d.t.ev.markDirty(dirtyHash)
				})
				d.t.hash.add(0, 1)
				if err != nil {
					mu.Lock()
					first = firstErr(first, err)
					mu.Unlock()
					continue
				}
				if formatCRC(s.crc) == p.CRC64 {
					d.keep(p.Index, n, s.crc, true)
				}
			}
		}()
	}
feed:
	for _, p := range check {
		select {
		case work <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (d *downloadJob) keep(i int, n int64, crc uint64, hasCRC bool) {
	d.mu.Lock()
	d.ranges[i] = &rangeRec{size: n, crc: crc, hasC: hasCRC}
	d.resumed[i] = true
	d.mu.Unlock()
}

// readBackProgress counts bytes the MD5 cursor reads back as hash
// progress; ranges not found done at the start (stopped by a pause) add
// to the total.
func (d *downloadJob) readBackProgress(i int, k int64, last bool) {
	d.mu.Lock()
	resumed := d.resumed[i]
	d.mu.Unlock()
	if !resumed {
		d.t.hash.grow(k)
	}
	parts := 0
	if last {
		parts = 1
	}
	d.t.hash.add(k, parts)
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
		parts = append(parts, d.ranges[i].journal(i))
	}
	jr, err := createJournal(d.jpath, hdr, parts)
	if err != nil {
		return err
	}
	d.jr = jr
	return nil
}

func (r *rangeRec) journal(i int) journalPart {
	jp := journalPart{Index: i, Size: r.size}
	if r.hasC {
		jp.CRC64 = formatCRC(r.crc)
	}
	return jp
}
