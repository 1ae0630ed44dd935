package transfer

import (
	"context"
	"hash"
	"io"
	"sync"
)

// seqHasher computes the MD5 (or SHA) of a download whose ranges arrive
// out of order. These need the bytes in order, so the worker of range i keeps its
// buffer until every earlier range has been hashed, then hashes it
// (ranges are handed out in order, so the earliest range in flight never
// waits). Ranges written earlier — by a previous process, or by a worker
// that stopped waiting because of a pause — are read back from the
// destination when the cursor reaches them, reported as hash progress.
// Each byte is hashed once.
type seqHasher struct {
	mu      sync.Mutex
	h       hash.Hash
	n       int
	next    int  // first range not hashed
	busy    bool // a goroutine is hashing range next
	done    []bool
	waiting []bool
	turn    chan struct{} // closed and replaced when next advances
	failed  bool          // a range could not be read back

	ra      io.ReaderAt // the destination, or nil
	rangeOf func(int) (int64, int64)
	onRead  func(i int, k int64, last bool) // read-back progress
}

func newSeqHasher(n int, h hash.Hash, ra io.ReaderAt, rangeOf func(int) (int64, int64), onRead func(int, int64, bool)) *seqHasher {
	return &seqHasher{
		h: h, n: n, done: make([]bool, n), waiting: make([]bool, n),
		turn: make(chan struct{}), ra: ra, rangeOf: rangeOf, onRead: onRead,
	}
}

// markDone records a range written earlier, to be read back.
func (s *seqHasher) markDone(i int) {
	s.mu.Lock()
	s.done[i] = true
	s.mu.Unlock()
}

func (s *seqHasher) advanceLocked(next int) {
	s.next = next
	s.busy = false
	close(s.turn)
	s.turn = make(chan struct{})
}

// submit hashes range i, just written from data, when its turn comes. If
// ctx ends first it gives up; the range is then read back later.
func (s *seqHasher) submit(ctx context.Context, i int, data []byte) {
	s.mu.Lock()
	s.done[i] = true
	s.waiting[i] = true
	for s.next != i || s.busy {
		if s.next > i || s.failed {
			s.waiting[i] = false
			s.mu.Unlock()
			return
		}
		ch := s.turn
		s.mu.Unlock()
		s.catchUp()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			s.waiting[i] = false
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
	}
	s.busy = true
	s.waiting[i] = false
	s.mu.Unlock()
	s.h.Write(data)
	s.mu.Lock()
	s.advanceLocked(i + 1)
	s.mu.Unlock()
	s.catchUp()
}

// catchUp reads back and hashes the written ranges at the cursor that no
// worker is waiting to hash.
func (s *seqHasher) catchUp() {
	for {
		s.mu.Lock()
		if s.busy || s.failed || s.next >= s.n || !s.done[s.next] || s.waiting[s.next] {
			s.mu.Unlock()
			return
		}
		i := s.next
		if s.ra == nil {
			s.failed = true
			s.advanceLocked(s.next)
			s.mu.Unlock()
			return
		}
		s.busy = true
		s.mu.Unlock()
		off, n := s.rangeOf(i)
		err := s.readBack(i, off, n)
		s.mu.Lock()
		if err != nil {
			s.failed = true
			s.advanceLocked(s.next)
		} else {
			s.advanceLocked(i + 1)
		}
		s.mu.Unlock()
	}
}

func (s *seqHasher) readBack(i int, off, n int64) error {
	bp := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(bp)
	r := io.NewSectionReader(s.ra, off, n)
	for {
		k, err := r.Read(*bp)
		if k > 0 {
			s.h.Write((*bp)[:k])
			if s.onRead != nil {
				s.onRead(i, int64(k), false)
			}
		}
		if err == io.EOF {
			if s.onRead != nil {
				s.onRead(i, 0, true)
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// sum returns the raw digest once every range is done, or false if some
// range could not be hashed.
func (s *seqHasher) sum() ([]byte, bool) {
	s.catchUp()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed || s.next != s.n {
		return nil, false
	}
	return s.h.Sum(nil), true
}
