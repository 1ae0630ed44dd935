package transfer

import (
	"context"
	"fmt"
	"io"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fence"
)

// A stream source (an io.Reader of unknown size) is read once, in order,
// into pooled buffers of one part each. A part's buffer is given back when
// the server acknowledges the part; parts cancelled by PauseNow keep
// theirs and are sent first on Resume, before anything new is read. So
// at most PartParallelism+1 buffers are in use.

// prepareStream reads the first part of a stream source: a short stream
// goes in a single PUT, a longer one starts a multipart upload.
func (u *uploadJob) prepareStream(ctx context.Context) error {
	ps := max(u.o.PartSize, u.d.Limits.MinPartSize, 1)
	if max := u.d.Limits.MaxPartSize; max > 0 && ps > max {
		ps = max
	}
	u.mu.Lock()
	u.nparts, u.partSize = -1, ps
	u.mu.Unlock()
	sp, eof, err := u.readStreamPart()
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.pending[0], u.nextRead, u.eof = sp, 1, eof
	u.mu.Unlock()
	if eof && u.singleFits(sp.n, u.partSize) {
		u.single = true
		u.t.prog.setTotals(sp.n, 1)
		return nil
	}
	if eof {
		u.mu.Lock()
		u.nparts = 1
		u.mu.Unlock()
		u.t.prog.setTotals(sp.n, 1)
	}
	id, crc32c, err := u.createUpload(ctx)
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.id = id
	u.mu.Unlock()
	u.setPartCRC32C(crc32c)
	return nil
}

// readStreamPart reads the next part of a stream into a pooled buffer.
func (u *uploadJob) readStreamPart() (*streamPart, bool, error) {
	buf := u.t.m.buffer(u.partSize)
	n, err := io.ReadFull(u.src.r, *buf)
	eof := false
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		eof = true
	case err != nil:
		u.t.m.putBuffer(buf)
		return nil, false, fmt.Errorf("transfer: reading the source: %w", err)
	}
	u.mu.Lock()
	u.read += int64(n)
	u.mu.Unlock()
	return &streamPart{buf: buf, n: int64(n), r: fence.New((*buf)[:n])}, eof, nil
}

// nextStream hands out parts of a stream: first those read earlier and
// not acknowledged (cancelled by PauseNow), then new ones, read here. At
// most one buffer is held beyond the parts in flight.
func (u *uploadJob) nextStream() (int, bool, error) {
	u.mu.Lock()
	best := -1
	for i := range u.pending {
		if !u.inflight[i] && (best < 0 || i < best) {
			best = i
		}
	}
	if best >= 0 || u.eof {
		if best >= 0 {
			u.inflight[best] = true
		}
		u.mu.Unlock()
		return best, best >= 0, nil
	}
	i := u.nextRead
	u.mu.Unlock()
	if max := u.d.Limits.MaxParts; max > 0 && i >= max {
		return 0, false, client.InvalidArgument("Reader", "is longer than %d parts of %d bytes; set a larger PartSize", max, u.partSize)
	}
	sp, eof, err := u.readStreamPart()
	if err != nil {
		return 0, false, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if eof {
		u.eof = true
		u.nparts = i + 1
		if sp.n == 0 {
			u.nparts = i
		}
		u.t.prog.setTotals(u.read, u.nparts)
		u.t.ev.markDirty(dirtyProgress)
	}
	if sp.n == 0 {
		u.t.m.putBuffer(sp.buf)
		return 0, false, nil
	}
	u.nextRead = i + 1
	u.pending[i] = sp
	u.inflight[i] = true
	return i, true, nil
}
