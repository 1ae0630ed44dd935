// Package faultproxy is a TCP proxy for tests: it listens on 127.0.0.1,
// forwards every connection to an upstream HTTP/1.x server on the loopback
// interface (a real MinIO started by internal/miniotest, a storagetest or
// httptest server) and misbehaves on command.
//
// The proxy follows the HTTP messages in both directions of each
// connection (header blocks, Content-Length and chunked bodies, responses
// to HEAD, keep-alive connections carrying many exchanges), so a fault
// can be aimed at one request and placed at a byte of its body or of its
// response's body:
//
//	p, err := faultproxy.New(srv.Addr)
//	defer p.Close()
//	p.Add(faultproxy.Rule{
//		Match: faultproxy.Method(http.MethodGet),
//		Fault: faultproxy.Fault{Kind: faultproxy.FlipBit, After: 1000, Bit: 3},
//	})
//	// point the client at p.URL()
//
// Faults: a reset (RST) part-way through a request or a response, a stall
// that forwards nothing more until Release, Close or the client goes
// away, a clean close part-way through a response (truncation), a delay
// before a response's first byte, and a flipped bit in a response body.
// Rules are tried in the order they were added; a request gets the fault
// of the first rule that matches it and has uses left.
//
// Stats counts connections, requests, responses, forwarded bytes and the
// faults actually applied; WaitFor blocks until they reach a state, so
// tests synchronise on events rather than on time.
//
// The proxy speaks HTTP/1.x (no HTTP/2), which is what polystore's
// clients speak. [NewTLS] makes it serve https to the client (the
// upstream is still plain http), so that the faults reach the client's
// TLS connection: a reset or a truncation ends it, a stall stops its
// records, and a flipped bit is sealed into a valid record, as a buggy
// server or a proxy that terminates TLS would send it.
package faultproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is a kind of fault.
type Kind int

// Fault kinds. ResetRequest and StallRequest act on the request (client to
// server); the others on its response (server to client).
const (
	// ResetRequest forwards After bytes of the request body to the server,
	// then resets the client's connection (RST) and closes the server's.
	ResetRequest Kind = iota + 1
	// StallRequest forwards After bytes of the request body and then
	// nothing more, until Release, Close, or the server's side ends.
	// (While it stalls, the proxy does not read from the client, so the
	// client's writes block once the socket buffers are full, as they do
	// with a server that stops reading.)
	StallRequest
	// ResetResponse forwards After bytes of the response body to the
	// client, then resets the client's connection and closes the server's.
	ResetResponse
	// StallResponse forwards After bytes of the response body and then
	// nothing more, until Release, Close, or the client closes its
	// connection.
	StallResponse
	// TruncateResponse forwards After bytes of the response body, then
	// closes both connections cleanly (FIN): the client sees the body end
	// early.
	TruncateResponse
	// DelayResponse waits Fault.Delay (or until Release or Close) before
	// forwarding the response's first byte.
	DelayResponse
	// FlipBit flips bit Fault.Bit of the response body's byte at offset
	// After. A body shorter than After+1 bytes is forwarded unchanged,
	// and the fault is not counted as applied.
	FlipBit
)

var kindNames = map[Kind]string{
	ResetRequest: "reset-request", StallRequest: "stall-request", ResetResponse: "reset-response",
	StallResponse: "stall-response", TruncateResponse: "truncate-response", DelayResponse: "delay-response",
	FlipBit: "flip-bit",
}

// String returns the kind's name, such as "reset-request".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Values returns every fault kind.
func (Kind) Values() []Kind {
	return []Kind{ResetRequest, StallRequest, ResetResponse, StallResponse, TruncateResponse, DelayResponse, FlipBit}
}

func (k Kind) onRequest() bool { return k == ResetRequest || k == StallRequest }

// BeforeHeaders, as Fault.After, places a reset, stall or truncation
// before the message's first byte: nothing of the request (or response)
// is forwarded.
const BeforeHeaders = -1

// Fault is one misbehaviour.
type Fault struct {
	Kind Kind
	// After is where the fault strikes: the number of body bytes of the
	// request (ResetRequest, StallRequest) or of its response (the other
	// kinds) forwarded first, counting only body content (not the chunk
	// framing of a chunked body). 0 strikes right after the header block,
	// BeforeHeaders before it. A reset, stall or truncation whose After
	// is beyond the body's end does not strike. For FlipBit it is the
	// offset of the byte to change.
	After int64
	// Delay is how long DelayResponse waits.
	Delay time.Duration
	// Bit is the bit (0 to 7) FlipBit flips.
	Bit uint
}

// Request is a request seen by the proxy, as rules match it.
type Request struct {
	// Seq numbers requests across the proxy, from 1.
	Seq int
	// Conn numbers connections, from 1, in the order they were accepted;
	// ConnSeq numbers requests on one connection, from 1.
	Conn, ConnSeq int
	Method        string
	// URL is the request target as sent (path and query).
	URL    *url.URL
	Header http.Header
	// Fault is the kind of the fault the request drew, or 0.
	Fault Kind
}

// Rule gives a fault to matching requests.
type Rule struct {
	// Match selects requests; nil matches every request. It is called
	// with the proxy's rules locked: it must not call the Proxy.
	Match func(r *Request) bool
	// Times is how many requests the rule applies to: 0 means 1, a
	// negative value means every matching request.
	Times int
	Fault Fault
}

// Stats are the proxy's counters.
type Stats struct {
	// Conns counts accepted connections, OpenConns those still open.
	Conns, OpenConns int
	// Requests counts request header blocks seen, Responses final (not
	// 1xx) response header blocks.
	Requests, Responses int
	// BytesUp and BytesDown count bytes forwarded to the server and to
	// the client.
	BytesUp, BytesDown int64
	// Faults counts the faults applied, by kind. A fault counts when it
	// strikes: a stall when it starts, a flip when the bit is flipped.
	Faults map[Kind]int
	// Stalls counts stalls and delays in progress.
	Stalls int
	// DialErrors counts connections whose upstream could not be reached.
	DialErrors int
}

// Applied returns the number of faults applied, of every kind.
func (s Stats) Applied() int {
	n := 0
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// Proxy is a fault-injecting TCP proxy listening on 127.0.0.1. It is safe
// for concurrent use.
type Proxy struct {
	upstream string
	tls      *tls.Config // nil: plain http to the client
	ln       net.Listener
	closing  chan struct{}
	wg       sync.WaitGroup

	mu       sync.Mutex
	rules    []*liveRule
	conns    map[*conn]bool
	stats    Stats
	log      []Request
	release  chan struct{}
	changed  chan struct{}
	closed   bool
	connSeq  int
	requestN int
}

type liveRule struct {
	Rule
	left int // < 0: unlimited
}

// New starts a proxy in front of upstream, a loopback "host:port" (or an
// http:// URL on the loopback interface, whose host is used). The caller
// must Close it.
func New(upstream string) (*Proxy, error) { return listen(upstream, nil) }

// NewTLS is [New] for a proxy that serves https to its clients with cfg
// (which must hold a certificate), forwarding the decrypted HTTP to
// upstream.
func NewTLS(upstream string, cfg *tls.Config) (*Proxy, error) {
	if cfg == nil || (len(cfg.Certificates) == 0 && cfg.GetCertificate == nil) {
		return nil, errors.New("faultproxy: NewTLS needs a config with a certificate")
	}
	return listen(upstream, cfg)
}

func listen(upstream string, cfg *tls.Config) (*Proxy, error) {
	addr := upstream
	if strings.Contains(upstream, "://") {
		u, err := url.Parse(upstream)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("faultproxy: upstream %q is not an http URL or host:port", upstream)
		}
		addr = u.Host
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: upstream %q: %w", upstream, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("faultproxy: upstream %q is not a loopback IP address", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{
		upstream: addr,
		tls:      cfg,
		ln:       ln,
		closing:  make(chan struct{}),
		conns:    map[*conn]bool{},
		release:  make(chan struct{}),
		changed:  make(chan struct{}),
	}
	p.stats.Faults = map[Kind]int{}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr returns the proxy's listen address, "127.0.0.1:PORT".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns the proxy's base URL, "http://127.0.0.1:PORT", or
// "https://127.0.0.1:PORT" for a proxy from NewTLS.
func (p *Proxy) URL() string {
	if p.tls != nil {
		return "https://" + p.Addr()
	}
	return "http://" + p.Addr()
}

// Add appends rules.
func (p *Proxy) Add(rules ...Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range rules {
		left := r.Times
		if left == 0 {
			left = 1
		}
		p.rules = append(p.rules, &liveRule{Rule: r, left: left})
	}
}

// Set replaces every rule with rules.
func (p *Proxy) Set(rules ...Rule) {
	p.Clear()
	p.Add(rules...)
}

// Clear removes every rule. Faults already drawn by requests in flight
// still strike; Release ends stalls in progress.
func (p *Proxy) Clear() {
	p.mu.Lock()
	p.rules = nil
	p.mu.Unlock()
}

// Pending returns how many rules have uses left.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rules)
}

// Release ends every stall and delay in progress: forwarding resumes.
// Stalls that strike later are not affected.
func (p *Proxy) Release() {
	p.mu.Lock()
	close(p.release)
	p.release = make(chan struct{})
	p.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshot()
}

func (p *Proxy) snapshot() Stats {
	s := p.stats
	s.Faults = make(map[Kind]int, len(p.stats.Faults))
	for k, v := range p.stats.Faults {
		s.Faults[k] = v
	}
	return s
}

// Requests returns the requests seen so far, in order.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.log...)
}

// WaitFor blocks until cond, called with a snapshot of the counters after
// each change, returns true, or until ctx ends (returning its error).
func (p *Proxy) WaitFor(ctx context.Context, cond func(Stats) bool) error {
	for {
		p.mu.Lock()
		s, ch := p.snapshot(), p.changed
		p.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notify wakes WaitFor callers; p.mu is held.
func (p *Proxy) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Close stops listening, closes every connection, ends every stall and
// waits for the proxy's goroutines to finish.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.closing)
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, c := range conns {
		c.close(false)
	}
	p.wg.Wait()
	return err
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		cc, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-p.closing:
				return
			default:
				continue
			}
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			cc.Close()
			return
		}
		p.connSeq++
		c := &conn{p: p, id: p.connSeq, client: cc.(*net.TCPConn), clientIO: cc, done: make(chan struct{})}
		if p.tls != nil {
			c.clientIO = tls.Server(cc, p.tls)
		}
		p.conns[c] = true
		p.stats.Conns++
		p.stats.OpenConns++
		p.notify()
		p.wg.Add(1)
		p.mu.Unlock()
		go c.run()
	}
}

// draw registers a request and returns the fault of the first rule that
// matches it, if any.
func (p *Proxy) draw(r *Request) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requestN++
	r.Seq = p.requestN
	p.stats.Requests++
	var f *Fault
	for i, lr := range p.rules {
		if lr.Match != nil && !lr.Match(r) {
			continue
		}
		fault := lr.Fault
		f = &fault
		if lr.left > 0 {
			lr.left--
			if lr.left == 0 {
				p.rules = append(p.rules[:i:i], p.rules[i+1:]...)
			}
		}
		r.Fault = fault.Kind
		break
	}
	p.log = append(p.log, *r)
	p.notify()
	return f
}

func (p *Proxy) count(fn func(s *Stats)) {
	p.mu.Lock()
	fn(&p.stats)
	p.notify()
	p.mu.Unlock()
}

// startStall counts a stall (or delay) of kind k that starts now and
// returns the channel that Release closes: taken under the same lock, so a
// Release by a caller that saw the stall counted always ends it.
func (p *Proxy) startStall(k Kind) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Faults[k]++
	p.stats.Stalls++
	p.notify()
	return p.release
}

// Method matches requests with method m ("GET").
func Method(m string) func(*Request) bool {
	return func(r *Request) bool { return r.Method == m }
}

// Nth matches the proxy's n-th request (counting from 1).
func Nth(n int) func(*Request) bool {
	return func(r *Request) bool { return r.Seq == n }
}

// OnConn matches the requests of the n-th connection (counting from 1).
func OnConn(n int) func(*Request) bool {
	return func(r *Request) bool { return r.Conn == n }
}

// HasHeader matches requests that carry header name.
func HasHeader(name string) func(*Request) bool {
	return func(r *Request) bool { return r.Header.Get(name) != "" }
}

// HasQuery matches requests whose query has parameter name.
func HasQuery(name string) func(*Request) bool {
	return func(r *Request) bool { return r.URL.Query().Has(name) }
}

// All matches requests that every one of ms matches.
func All(ms ...func(*Request) bool) func(*Request) bool {
	return func(r *Request) bool {
		for _, m := range ms {
			if !m(r) {
				return false
			}
		}
		return true
	}
}
