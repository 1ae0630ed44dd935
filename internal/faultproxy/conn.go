package faultproxy

import (
	"context"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// conn is one proxied connection: the client's and the upstream's.
type conn struct {
	p        *Proxy
	id       int
	client   *net.TCPConn // the client's TCP connection (for an RST)
	clientIO net.Conn     // what is read and written: client, or a TLS server over it
	upstream *net.TCPConn

	mu      sync.Mutex
	pending []*exchange // requests whose response has not started, in order
	n       int         // requests seen on this connection

	done     chan struct{} // closed by close
	doneOnce sync.Once
}

// exchange is one request and the fault it drew.
type exchange struct {
	head  bool   // a HEAD request: its response has no body
	fault *Fault // nil: none
}

// direction is one half of a connection.
type direction struct {
	c        *conn
	response bool // server to client
	src      io.Reader
	dst      io.Writer
	fr       framer

	// The message being forwarded.
	ex    *exchange
	fault *Fault // the fault still to strike in this message, or nil
	pos   int64  // body bytes forwarded
}

func (c *conn) run() {
	defer c.p.wg.Done()
	defer c.close(false)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-c.done:
		case <-c.p.closing:
		}
		cancel()
	}()
	var d net.Dialer
	uc, err := d.DialContext(ctx, "tcp", c.p.upstream)
	cancel()
	if err != nil {
		c.p.count(func(s *Stats) { s.DialErrors++ })
		return
	}
	c.mu.Lock()
	c.upstream = uc.(*net.TCPConn)
	c.mu.Unlock()
	select {
	case <-c.done: // closed while dialling
		uc.Close()
		return
	default:
	}
	var wg sync.WaitGroup
	wg.Add(2)
	up := &direction{c: c, src: c.clientIO, dst: c.upstream}
	down := &direction{c: c, response: true, src: c.upstream, dst: c.clientIO}
	go func() { defer wg.Done(); up.pump() }()
	go func() { defer wg.Done(); down.pump() }()
	wg.Wait()
}

// close closes both sides, with an RST to the client if reset is set.
func (c *conn) close(reset bool) {
	c.doneOnce.Do(func() {
		close(c.done)
		if reset {
			_ = c.client.SetLinger(0)
		}
		c.client.Close()
		c.mu.Lock()
		uc := c.upstream
		c.mu.Unlock()
		if uc != nil {
			uc.Close()
		}
		c.p.mu.Lock()
		delete(c.p.conns, c)
		c.p.stats.OpenConns--
		c.p.notify()
		c.p.mu.Unlock()
	})
}

// pump forwards one direction until either side closes or a fault ends
// the connection.
func (d *direction) pump() {
	defer d.c.close(false)
	buf := make([]byte, 64<<10)
	for {
		n, err := d.src.Read(buf)
		if n > 0 && !d.process(buf[:n]) {
			return
		}
		if err != nil {
			return
		}
	}
}

// process forwards data, following the messages in it and applying their
// faults. It reports false when the connection is finished.
func (d *direction) process(data []byte) bool {
	for len(data) > 0 {
		st := d.fr.state
		n, kind, block, ok := d.fr.next(data)
		seg := data[:n]
		data = data[n:]
		if !ok {
			continue
		}
		switch kind {
		case segHeader:
			if !d.header(block) {
				return false
			}
		case segPayload:
			if !d.payload(seg) {
				return false
			}
			if d.fr.afterPayload() && !d.end() {
				return false
			}
		case segFraming:
			if block == nil {
				block = seg
			}
			if !d.write(block) {
				return false
			}
			switch st {
			case stChunkSize, stTrailer:
				if d.fr.afterLine() && !d.end() {
					return false
				}
			case stChunkCRLF:
				d.fr.afterCRLF()
			}
		}
	}
	return true
}

// header starts a message with its header block.
func (d *direction) header(block []byte) bool {
	h, err := parseHeader(block)
	if err != nil {
		d.fr.state = stRaw
		return d.write(block)
	}
	d.pos = 0
	status := 0
	if d.response {
		_, rest, _ := strings.Cut(h.first, " ")
		code, _, _ := strings.Cut(rest, " ")
		status, _ = strconv.Atoi(code)
		if status == 101 { // switching protocols: bytes from here on are not HTTP
			d.fr.state = stRaw
			return d.write(block)
		}
		interim := status/100 == 1
		d.c.mu.Lock()
		d.ex = nil
		if len(d.c.pending) > 0 {
			d.ex = d.c.pending[0]
			if !interim {
				d.c.pending = d.c.pending[1:]
			}
		}
		d.c.mu.Unlock()
		d.fault = nil
		if d.ex != nil && !interim && d.ex.fault != nil && !d.ex.fault.Kind.onRequest() {
			d.fault = d.ex.fault
		}
		if !interim {
			d.c.p.count(func(s *Stats) { s.Responses++ })
		}
	} else {
		method, rest, _ := strings.Cut(h.first, " ")
		target, _, _ := strings.Cut(rest, " ")
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{Path: target}
		}
		d.c.mu.Lock()
		d.c.n++
		r := &Request{Conn: d.c.id, ConnSeq: d.c.n, Method: method, URL: u, Header: h.fields}
		d.c.mu.Unlock()
		ex := &exchange{head: method == "HEAD"}
		ex.fault = d.c.p.draw(r)
		d.c.mu.Lock()
		d.c.pending = append(d.c.pending, ex)
		d.c.mu.Unlock()
		d.ex = ex
		d.fault = nil
		if ex.fault != nil && ex.fault.Kind.onRequest() {
			d.fault = ex.fault
		}
	}
	kind, length, err := bodyOf(h, d.response, d.ex != nil && d.ex.head, status)
	if err != nil {
		d.fr.state = stRaw
		return d.write(block)
	}
	if f := d.fault; f != nil {
		if f.Kind == DelayResponse {
			d.fault = nil
			if !d.delay(f.Delay) {
				return false
			}
		} else if f.After == BeforeHeaders {
			if !d.strike() {
				return false
			}
		}
	}
	if !d.write(block) {
		return false
	}
	if !d.at() {
		return false
	}
	if d.fr.startBody(kind, length) {
		return d.end()
	}
	return true
}

// payload forwards body content, striking the message's fault at its
// place.
func (d *direction) payload(seg []byte) bool {
	for len(seg) > 0 {
		f := d.fault
		if f == nil || f.After < d.pos || f.After >= d.pos+int64(len(seg)) {
			if !d.write(seg) {
				return false
			}
			d.pos += int64(len(seg))
			return d.at()
		}
		k := f.After - d.pos
		if f.Kind == FlipBit {
			b := append([]byte(nil), seg...)
			b[k] ^= 1 << (f.Bit & 7)
			d.fault = nil
			d.c.p.count(func(s *Stats) { s.Faults[FlipBit]++ })
			if !d.write(b) {
				return false
			}
			d.pos += int64(len(b))
			return d.at()
		}
		if !d.write(seg[:k]) {
			return false
		}
		d.pos += k
		seg = seg[k:]
		if !d.at() {
			return false
		}
	}
	return true
}

// at strikes a positional fault placed at the current body offset.
func (d *direction) at() bool {
	f := d.fault
	if f == nil || f.Kind == FlipBit || f.After != d.pos {
		return true
	}
	return d.strike()
}

// strike applies the message's reset, stall or truncation now.
func (d *direction) strike() bool {
	f := d.fault
	d.fault = nil
	switch f.Kind {
	case ResetRequest, ResetResponse:
		d.c.p.count(func(s *Stats) { s.Faults[f.Kind]++ })
		d.c.close(true)
		return false
	case TruncateResponse:
		d.c.p.count(func(s *Stats) { s.Faults[f.Kind]++ })
		d.c.close(false)
		return false
	case StallRequest, StallResponse:
		return d.hold(d.c.p.startStall(f.Kind), nil)
	}
	return true
}

// delay holds the message for t, or until released.
func (d *direction) delay(t time.Duration) bool {
	release := d.c.p.startStall(DelayResponse)
	timer := time.NewTimer(t)
	defer timer.Stop()
	return d.hold(release, timer.C)
}

// hold waits for release, timeout (if not nil), or the end of the
// connection or proxy. It reports whether forwarding goes on.
func (d *direction) hold(release <-chan struct{}, timeout <-chan time.Time) bool {
	defer d.c.p.count(func(s *Stats) { s.Stalls-- })
	select {
	case <-release:
		return true
	case <-timeout:
		return true
	case <-d.c.done:
		return false
	case <-d.c.p.closing:
		return false
	}
}

// end finishes a message.
func (d *direction) end() bool {
	d.ex, d.fault = nil, nil
	return true
}

// write forwards b and counts it.
func (d *direction) write(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	n, err := d.dst.Write(b)
	if n > 0 {
		d.c.p.count(func(s *Stats) {
			if d.response {
				s.BytesDown += int64(n)
			} else {
				s.BytesUp += int64(n)
			}
		})
	}
	return err == nil
}
