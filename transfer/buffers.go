package transfer

// Part buffers (a stream source's parts, an MD5-verified download's
// ranges) are large and live as long as a part is in flight. They are
// kept off the garbage-collected heap where the platform allows
// (allocPart, freePart): the collector then neither scans them nor sizes
// its heap target after them, so a long stream's resident memory stays
// at the buffers plus a small heap instead of growing to twice their size
// with ordinary garbage. The manager reuses them between parts and gives
// them back to the system when no task holds any.

// buffer returns a part buffer of n bytes; putBuffer gives it back.
func (m *Manager) buffer(n int64) *[]byte {
	m.bufMu.Lock()
	m.bufOut++
	m.bufPeak = max(m.bufPeak, m.bufOut)
	if free := m.bufFree[n]; len(free) > 0 {
		b := free[len(free)-1]
		m.bufFree[n] = free[:len(free)-1]
		m.bufMu.Unlock()
		return b
	}
	m.bufMu.Unlock()
	b := allocPart(int(n))
	return &b
}

// putBuffer gives a buffer from buffer back for reuse.
func (m *Manager) putBuffer(b *[]byte) {
	if b == nil {
		return
	}
	n := int64(cap(*b))
	*b = (*b)[:n]
	m.bufMu.Lock()
	m.bufOut--
	m.bufFree[n] = append(m.bufFree[n], b)
	m.bufMu.Unlock()
}

// trimBuffers frees the pooled buffers when no task holds one.
func (m *Manager) trimBuffers() {
	m.bufMu.Lock()
	if m.bufOut != 0 {
		m.bufMu.Unlock()
		return
	}
	free := m.bufFree
	m.bufFree = map[int64][]*[]byte{}
	m.bufMu.Unlock()
	for _, list := range free {
		for _, b := range list {
			freePart(*b)
		}
	}
}
