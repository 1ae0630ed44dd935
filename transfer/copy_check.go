package transfer

import (
	"bytes"
	"context"
	"encoding"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/polystore/polystore/internal/integrity"
)

// readCheck verifies the bytes a copy through the client reads against
// what the source publishes (an integrity.Plan), part by part as they
// arrive:
//
//   - a CRC of the whole content (COS's CRC-64, an S3 or IBM CRC32C, a
//     polystore QingStor ETag's CRC-32C): each part's CRC, in any order,
//     combined at the end;
//   - a composite checksum: the digest of each of the source's parts,
//     which lie whole in the copy's parts (copyPlanParts aligns them);
//   - an MD5 or SHA of the whole content: the bytes in order. The
//     worker of part i waits until every earlier part is hashed (parts
//     are handed out in order, so the earliest in flight never waits).
//
// What a part contributes is journaled (record) before the part is sent:
// its digests, or for an in-order hash the hash's state after it, so
// that a resumed copy does not read again the parts it kept.
type readCheck struct {
	plan integrity.Plan
	size int64
	ps   int64 // the copy's part size
	n    int   // the copy's part count

	mu   sync.Mutex
	sums map[int][]byte // per part: its CRC, or its source parts' digests

	// In-order hashing: h covers parts [0, next).
	h     hash.Hash
	next  int
	state []byte // h's state after part next-1, as journaled
	turn  chan struct{}
}

func newReadCheck(p integrity.Plan, size, ps int64, n int) *readCheck {
	r := &readCheck{plan: p, size: size, ps: ps, n: n, sums: map[int][]byte{}, turn: make(chan struct{})}
	if p.Sequential() {
		r.h = p.Algo.New()
	}
	return r
}

// active reports whether there is anything to check.
func (r *readCheck) active() bool { return r.plan.Kind != integrity.Unverified }

// sequentialPrefix marks a journal record holding an in-order hash's
// state.
const sequentialPrefix = "state:"

// digest adds part i, data at off, to the check and returns what to
// journal for it ("" for nothing). For an in-order hash it first waits
// for the part's turn, and gives up (returning the cause) if ctx ends
// first; a part hashed before (a resumed state covers it) adds nothing.
func (r *readCheck) digest(ctx context.Context, i int, off int64, data []byte) (string, error) {
	switch {
	case !r.active():
		return "", nil
	case r.plan.Sequential():
		r.mu.Lock()
		for r.next < i {
			ch := r.turn
			r.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return "", context.Cause(ctx)
			}
			r.mu.Lock()
		}
		defer r.mu.Unlock()
		if r.next > i {
			return "", nil
		}
		r.h.Write(data)
		st, err := r.h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return "", err
		}
		r.next, r.state = i+1, st
		close(r.turn)
		r.turn = make(chan struct{})
		return sequentialPrefix + base64.StdEncoding.EncodeToString(st), nil
	case r.plan.Kind == integrity.Composite:
		sp := r.plan.PartSize
		var raw []byte
		for k := int64(0); k < int64(len(data)) || k == 0; k += sp {
			h := r.plan.Algo.New()
			h.Write(data[k:min(k+sp, int64(len(data)))])
			raw = h.Sum(raw)
			if len(data) == 0 {
				break
			}
		}
		r.mu.Lock()
		r.sums[i] = raw
		r.mu.Unlock()
		return base64.StdEncoding.EncodeToString(raw), nil
	default:
		h := r.plan.Algo.New()
		h.Write(data)
		raw := h.Sum(nil)
		r.mu.Lock()
		r.sums[i] = raw
		r.mu.Unlock()
		return base64.StdEncoding.EncodeToString(raw), nil
	}
}

// partLen is the size of part i.
func (r *readCheck) partLen(i int) int64 {
	return min(r.ps, r.size-int64(i)*r.ps)
}

// wantLen is the size of part i's record: its CRC, or one digest per
// source part in it.
func (r *readCheck) wantLen(i int) int {
	if r.plan.Kind == integrity.Composite {
		return int(max(ceilDiv(r.partLen(i), r.plan.PartSize), 1)) * r.plan.Algo.Size()
	}
	return r.plan.Algo.Size()
}

// restore takes the journaled records of a resumed copy, by part. It
// returns the frontier: parts from it on must be read (and hashed)
// again; for a check in any order every part with a record is kept, and
// the frontier is the part count.
func (r *readCheck) restore(recs map[int]string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.active() {
		return r.n
	}
	if r.plan.Sequential() {
		// The record of the last part hashed holds the state after
		// every part before it.
		last := -1
		for i, rec := range recs {
			if strings.HasPrefix(rec, sequentialPrefix) && i > last && i < r.n {
				last = i
			}
		}
		if last < 0 {
			return 0
		}
		st, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(recs[last], sequentialPrefix))
		h := r.plan.Algo.New()
		if err != nil || h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st) != nil {
			return 0
		}
		r.h, r.next, r.state = h, last+1, st
		return r.next
	}
	for i, rec := range recs {
		raw, err := base64.StdEncoding.DecodeString(rec)
		if err == nil && i >= 0 && i < r.n && len(raw) == r.wantLen(i) {
			r.sums[i] = raw
		}
	}
	return r.n
}

// has reports whether part i's contribution is known.
func (r *readCheck) has(i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.plan.Sequential() {
		return i < r.next
	}
	return r.sums[i] != nil
}

// records returns the journal records that a rewritten journal keeps for
// the parts in idx (for an in-order hash, the state alone).
func (r *readCheck) records(idx []int) []journalPart {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.active() {
		return nil
	}
	if r.plan.Sequential() {
		if r.next == 0 {
			return nil
		}
		return []journalPart{{Index: r.next - 1, Src: sequentialPrefix + base64.StdEncoding.EncodeToString(r.state)}}
	}
	var out []journalPart
	for _, i := range idx {
		if raw := r.sums[i]; raw != nil {
			out = append(out, journalPart{Index: i, Src: base64.StdEncoding.EncodeToString(raw)})
		}
	}
	return out
}

// check compares the digest of every byte read with the one the source
// publishes; it returns the check's name ("" when there is none) or a
// *ChecksumError.
func (r *readCheck) check() (string, error) {
	if !r.active() {
		return "", nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.plan
	var sum []byte
	switch {
	case p.Sequential():
		if r.next != r.n {
			return "", fmt.Errorf("transfer: the source check hashed %d of %d parts", r.next, r.n)
		}
		sum = r.h.Sum(nil)
	case p.Kind == integrity.Composite:
		var parts [][]byte
		size := p.Algo.Size()
		for i := 0; i < r.n; i++ {
			raw := r.sums[i]
			if raw == nil {
				return "", fmt.Errorf("transfer: the source check lacks part %d", i)
			}
			for k := 0; k+size <= len(raw); k += size {
				parts = append(parts, raw[k:k+size])
			}
		}
		sum = integrity.CompositeOf(p.Algo, parts)
	default:
		c := integrity.NewCombiner(p.Algo)
		for i := 0; i < r.n; i++ {
			raw := r.sums[i]
			if raw == nil {
				return "", fmt.Errorf("transfer: the source check lacks part %d", i)
			}
			c.Append(integrity.CRCValue(raw), r.partLen(i))
		}
		sum = c.Sum()
	}
	if !bytes.Equal(sum, p.Want) {
		return "", &ChecksumError{What: "source object as read", Algorithm: p.Name(), Want: p.Algo.Format(p.Want), Got: p.Algo.Format(sum)}
	}
	return p.Name(), nil
}
