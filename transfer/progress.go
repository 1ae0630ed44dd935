package transfer

import (
	"sync"
	"time"

	"github.com/polystore/polystore/client"
)

// Progress is a snapshot of a task's progress (or of its hash progress,
// for Task.HashProgress and Listener.HashProgress).
type Progress struct {
	// Bytes counts bytes the server acknowledged (uploads) or that were
	// written to the destination (downloads), in whole parts; for hash
	// progress, bytes re-verified. It never decreases, and it is what a
	// resumed transfer keeps.
	Bytes int64
	// Sent is Bytes plus the bytes of the parts in flight that have
	// crossed the wire so far: for an upload, the bytes of each part (or
	// single PUT) the transport has sent, as it sends them (a part sent
	// again counts the most any of its attempts reached); for a download,
	// the bytes of each range received. It moves within a part, so a large
	// single PUT on a slow link shows progress long before the server
	// acknowledges it; it goes back only when a part in flight is given up
	// (PauseNow, a failure) and will be transferred again. For hash
	// progress it equals Bytes. An implementation of transferapi.API
	// other than transferapi.Client reports no bytes in flight (Sent then
	// moves by whole parts).
	Sent int64
	// Total is the size of the object, or -1 while unknown (an io.Reader
	// source before its end).
	Total int64
	// Parts and TotalParts count parts (ranges) the same way; TotalParts
	// is -1 while unknown.
	Parts, TotalParts int
	// Speed is the rate in bytes per second of the bytes transferred by
	// this task in this process (parts found done on resume excluded),
	// over the time it was running.
	Speed float64
	// Percent is Bytes/Total as a percentage from 0 to 100; 0 while Total
	// is unknown, and 100 for a finished empty object.
	Percent float64
}

// Part describes one acknowledged part (upload) or written range
// (download), for Listener.PartDone and Checkpoint.
type Part struct {
	// Number is the wire part number (uploads) or the range index
	// (downloads, from 0).
	Number int
	// Offset and Size locate the part in the object.
	Offset, Size int64
	// ETag is the server's ETag of an uploaded part.
	ETag string
	// MD5 is the part's hex MD5 and CRC64 its CRC-64/ECMA-182, when
	// computed (HasCRC64).
	MD5      string
	CRC64    uint64
	HasCRC64 bool
	// Checksum is the part's CRC32C: the additional checksum sent with
	// it (S3, IBM), the one computed for the object's ETag (QingStor),
	// or, for a download range, that of the bytes received (journaled to
	// re-verify the partial file on resume).
	Checksum client.Checksum
}

// meter counts progress of one kind.
type meter struct {
	mu         sync.Mutex
	bytes      int64
	total      int64
	parts      int
	totalParts int
	base       int64         // bytes credited without transfer (resumed)
	inflight   int64         // bytes of the flights in progress (Sent - Bytes)
	active     time.Duration // time spent running before since
	since      time.Time     // start of the current running period; zero if stopped
}

func (m *meter) setTotals(total int64, totalParts int) {
	m.mu.Lock()
	m.total, m.totalParts = total, totalParts
	m.mu.Unlock()
}

// add counts n transferred bytes and parts.
func (m *meter) add(n int64, parts int) {
	m.mu.Lock()
	m.bytes += n
	m.parts += parts
	m.mu.Unlock()
}

// flight is one part (range, single PUT) in flight: how many of its bytes
// have crossed the wire, the most any attempt reached.
type flight struct {
	size, sent int64
	done       bool
}

// startFlight starts counting the bytes of a part of size bytes that
// cross the wire before it lands.
func (m *meter) startFlight(size int64) *flight { return &flight{size: size} }

// flightSent records that n bytes of f have crossed the wire in the
// current attempt. Calls after f ended are ignored (a failed attempt's
// writer may run on).
func (m *meter) flightSent(f *flight, n int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	n = min(n, f.size)
	if f.done || n <= f.sent {
		return false
	}
	m.inflight += n - f.sent
	f.sent = n
	return true
}

// endFlight gives f up: its bytes no longer count as sent. It does
// nothing if f has landed.
func (m *meter) endFlight(f *flight) {
	m.mu.Lock()
	if !f.done {
		f.done = true
		m.inflight -= f.sent
	}
	m.mu.Unlock()
}

// land ends f as acknowledged: n bytes and parts become Bytes at once,
// so that Sent does not dip in between. f may be nil.
func (m *meter) land(f *flight, n int64, parts int) {
	m.mu.Lock()
	if f != nil && !f.done {
		f.done = true
		m.inflight -= f.sent
	}
	m.bytes += n
	m.parts += parts
	m.mu.Unlock()
}

// credit counts bytes found done (resumed), which do not make speed.
func (m *meter) credit(n int64, parts int) {
	m.mu.Lock()
	m.bytes += n
	m.base += n
	m.parts += parts
	m.mu.Unlock()
}

// grow raises the total by n bytes (hash progress discovered more work).
func (m *meter) grow(n int64) {
	m.mu.Lock()
	if m.total >= 0 {
		m.total += n
	}
	m.mu.Unlock()
}

func (m *meter) start(now time.Time) {
	m.mu.Lock()
	if m.since.IsZero() {
		m.since = now
	}
	m.mu.Unlock()
}

func (m *meter) stop(now time.Time) {
	m.mu.Lock()
	if !m.since.IsZero() {
		m.active += now.Sub(m.since)
		m.since = time.Time{}
	}
	m.mu.Unlock()
}

func (m *meter) snapshot(now time.Time) Progress {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := Progress{Bytes: m.bytes, Sent: m.bytes + m.inflight, Total: m.total, Parts: m.parts, TotalParts: m.totalParts}
	active := m.active
	if !m.since.IsZero() {
		active += now.Sub(m.since)
	}
	if secs := active.Seconds(); secs > 0 {
		p.Speed = float64(m.bytes-m.base) / secs
	}
	switch {
	case p.Total > 0:
		p.Percent = 100 * float64(p.Bytes) / float64(p.Total)
	case p.Total == 0 && p.Parts >= p.TotalParts && p.TotalParts >= 0:
		p.Percent = 100
	}
	return p
}

// event kinds delivered in order by the dispatcher.
type eventKind int

const (
	evState eventKind = iota
	evPart
)

type event struct {
	kind     eventKind
	from, to State
	part     Part
}

// dirty bits for coalesced progress reports.
const (
	dirtyProgress = 1 << iota
	dirtyHash
)

// dispatcher delivers a task's events to its Listener from one goroutine,
// in order, outside every lock. Progress reports are coalesced to at most
// one per interval.
type dispatcher struct {
	t        *Task
	l        Listener
	interval time.Duration

	mu      sync.Mutex
	queue   []event
	dirty   int
	closing bool
	wake    chan struct{}
	done    chan struct{}
}

func newDispatcher(t *Task, l Listener, interval time.Duration) *dispatcher {
	d := &dispatcher{t: t, l: l, interval: interval, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go d.run()
	return d
}

func (d *dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) push(e event) {
	if d.l.PartDone == nil && d.l.StateChange == nil && d.l.Progress == nil && d.l.HashProgress == nil {
		return
	}
	d.mu.Lock()
	d.queue = append(d.queue, e)
	d.mu.Unlock()
	d.signal()
}

func (d *dispatcher) markDirty(bit int) {
	if bit == dirtyProgress && d.l.Progress == nil || bit == dirtyHash && d.l.HashProgress == nil {
		return
	}
	d.mu.Lock()
	d.dirty |= bit
	d.mu.Unlock()
	d.signal()
}

// close delivers what is pending and waits for the goroutine to end.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closing = true
	d.mu.Unlock()
	d.signal()
	<-d.done
}

func (d *dispatcher) run() {
	defer close(d.done)
	var last [2]time.Time // last progress, hash progress report
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		d.mu.Lock()
		var ev event
		haveEv := len(d.queue) > 0
		if haveEv {
			ev = d.queue[0]
			d.queue[0] = event{}
			d.queue = d.queue[1:]
		}
		dirty, closing := d.dirty, d.closing
		d.mu.Unlock()

		now := time.Now()
		if haveEv {
			if ev.kind == evState {
				// Progress made before a state change is reported first.
				d.flush(dirty, &last, now)
			}
			d.emit(ev)
			continue
		}
		due := 0
		var wait time.Duration = -1
		for i, bit := range []int{dirtyProgress, dirtyHash} {
			if dirty&bit == 0 {
				continue
			}
			next := last[i].Add(d.interval)
			if closing || d.interval < 0 || !now.Before(next) {
				due |= bit
			} else if w := next.Sub(now); wait < 0 || w < wait {
				wait = w
			}
		}
		if due != 0 {
			d.flush(due, &last, now)
			continue
		}
		if closing {
			return
		}
		if wait >= 0 {
			timer.Reset(wait)
		}
		select {
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// flush reports the progress kinds in bits now.
func (d *dispatcher) flush(bits int, last *[2]time.Time, now time.Time) {
	if bits == 0 {
		return
	}
	d.mu.Lock()
	d.dirty &^= bits
	d.mu.Unlock()
	if bits&dirtyHash != 0 && d.l.HashProgress != nil {
		last[1] = now
		d.l.HashProgress(d.t, d.t.HashProgress())
	}
	if bits&dirtyProgress != 0 && d.l.Progress != nil {
		last[0] = now
		d.l.Progress(d.t, d.t.Progress())
	}
}

func (d *dispatcher) emit(e event) {
	switch e.kind {
	case evState:
		if d.l.StateChange != nil {
			d.l.StateChange(d.t, e.from, e.to)
		}
	case evPart:
		if d.l.PartDone != nil {
			d.l.PartDone(d.t, e.part)
		}
	}
}
