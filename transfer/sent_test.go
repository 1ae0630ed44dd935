package transfer

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// progressLog is a Listener.Progress that records every report and wakes
// a waiter, never blocking the task.
type progressLog struct {
	mu   sync.Mutex
	seen []Progress
	wake chan struct{}
}

func newProgressLog() *progressLog { return &progressLog{wake: make(chan struct{}, 1)} }

func (l *progressLog) listener() Listener {
	return Listener{Progress: func(_ *Task, p Progress) {
		l.mu.Lock()
		l.seen = append(l.seen, p)
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}}
}

// waitFor waits until a report satisfies ok and returns it.
func (l *progressLog) waitFor(t testing.TB, what string, ok func(Progress) bool) Progress {
	t.Helper()
	timeout := time.After(testTimeout)
	for {
		l.mu.Lock()
		for _, p := range l.seen {
			if ok(p) {
				l.mu.Unlock()
				return p
			}
		}
		last := Progress{}
		if len(l.seen) > 0 {
			last = l.seen[len(l.seen)-1]
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-timeout:
			t.Fatalf("no progress report with %s; last %+v", what, last)
		}
	}
}

func (l *progressLog) all() []Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Progress(nil), l.seen...)
}

// slowBody is a request body the server reads only as far as the test
// allows: a read at the allowed offset waits for more.
type slowBody struct {
	rc   io.ReadCloser
	gate *readGate
	pos  int64
}

func (b *slowBody) Read(p []byte) (int, error) {
	limit, err := b.gate.await(b.pos)
	if err != nil {
		return 0, err
	}
	if max := limit - b.pos; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := b.rc.Read(p)
	b.pos += int64(n)
	return n, err
}

func (b *slowBody) Close() error { return b.rc.Close() }

// readGate says how many body bytes the slow server may read.
type readGate struct {
	mu      sync.Mutex
	allowed int64
	more    chan struct{} // closed and replaced when allowed grows
	closed  chan struct{}
}

func newReadGate() *readGate {
	return &readGate{more: make(chan struct{}), closed: make(chan struct{})}
}

// allow lets the server read up to n bytes in all.
func (g *readGate) allow(n int64) {
	g.mu.Lock()
	if n > g.allowed {
		g.allowed = n
		close(g.more)
		g.more = make(chan struct{})
	}
	g.mu.Unlock()
}

// await waits until reading at pos is allowed and returns the limit.
func (g *readGate) await(pos int64) (int64, error) {
	for {
		g.mu.Lock()
		allowed, more := g.allowed, g.more
		g.mu.Unlock()
		if pos < allowed {
			return allowed, nil
		}
		select {
		case <-more:
		case <-g.closed:
			return 0, io.ErrUnexpectedEOF
		}
	}
}

// slowServer fronts a storagetest server on 127.0.0.1: the body of a
// single PUT to key is read through gate, everything else passes
// straight through.
func slowServer(t *testing.T, d client.Dialect, key string, gate *readGate) (*client.Client, string) {
	t.Helper()
	return slowServerFor(t, d, gate, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/"+key) && r.URL.RawQuery == ""
	})
}

// slowServerFor is slowServer for the requests that slow selects.
func slowServerFor(t *testing.T, d client.Dialect, gate *readGate, slow func(*http.Request) bool) (*client.Client, string) {
	t.Helper()
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow(r) {
			r.Body = &slowBody{rc: r.Body, gate: gate}
		}
		srv.ServeHTTP(w, r)
	}))
	front.Listener = smallWindowListener{front.Listener}
	front.Start()
	t.Cleanup(front.Close)
	t.Cleanup(func() { close(gate.closed) })
	c, err := srv.Client(client.WithEndpoint(front.URL))
	if err != nil {
		t.Fatal(err)
	}
	bkt := testBucket(d)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	return c, bkt
}

// frontReadBuffer is the receive buffer of the slow server's
// connections: a fixed size turns the kernel's receive-window autotuning
// off, so the bytes a client can get into the socket before the server
// reads any (socketSlack) stay a few MiB, whatever tcp_rmem allows.
const frontReadBuffer = 256 << 10

// smallWindowListener gives every accepted connection frontReadBuffer.
type smallWindowListener struct{ net.Listener }

func (l smallWindowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		if err := tc.SetReadBuffer(frontReadBuffer); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, err
}

// socketSlack is more than loopback TCP can hold between a sender and a
// slow server that reads nothing: the largest send buffer the kernel
// allows, the server's receive buffer (doubled by the kernel for its
// bookkeeping), and some for the buffers of both HTTP stacks.
func socketSlack() int64 {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem")
	f := strings.Fields(string(b))
	if err != nil || len(f) != 3 {
		return 64 << 20
	}
	wmem, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 64 << 20
	}
	return wmem + 2*frontReadBuffer + 8<<20
}

// TestSentDuringSlowPut: a single PUT to a server that reads its body
// only as the test allows shows Progress.Sent moving before the server
// has acknowledged anything (Bytes 0): first part of the body in the
// socket buffers, then all of it while the server still holds its last
// byte. Bytes becomes the size only with the answer. File sources go by
// sendfile (reported in chunks), a ReaderAt through the copy path.
func TestSentDuringSlowPut(t *testing.T) {
	size := socketSlack() + 4<<20
	data := randomData(91, int(size))
	file := writeTemp(t, data)
	for _, tc := range []struct {
		d    client.Dialect
		file bool
	}{{client.S3, true}, {client.COS, true}, {client.S3, false}} {
		name := tc.d.Name + "-readerat"
		if tc.file {
			name = tc.d.Name + "-file"
		}
		t.Run(name, func(t *testing.T) {
			gate := newReadGate()
			c, bkt := slowServer(t, tc.d, "slow", gate)
			log := newProgressLog()
			m, err := NewFromClient(c, WithMultipartThreshold(size+1), WithListener(log.listener()), WithProgressInterval(-1))
			if err != nil {
				t.Fatal(err)
			}
			in := &UploadInput{Bucket: bkt, Key: "slow", File: file}
			if !tc.file {
				in = &UploadInput{Bucket: bkt, Key: "slow", ReaderAt: bytes.NewReader(data), Size: size}
			}
			task, err := m.Upload(ctxT(t), in)
			if err != nil {
				t.Fatal(err)
			}
			// The server reads nothing: what the socket buffers take is
			// sent, and nothing is acknowledged.
			first := log.waitFor(t, "bytes sent", func(p Progress) bool { return p.Sent > 0 })
			if first.Bytes != 0 || first.Sent >= size {
				t.Fatalf("first report %+v: want part of the body sent and nothing acknowledged", first)
			}
			// The server reads all but the last byte: the client has
			// sent everything, still unacknowledged.
			gate.allow(size - 1)
			all := log.waitFor(t, "the whole body sent", func(p Progress) bool { return p.Sent == size })
			if all.Bytes != 0 || all.Parts != 0 {
				t.Fatalf("report %+v: the body is sent, but the server has not answered", all)
			}
			gate.allow(1 << 62) // the rest, and the end of the body
			res := mustWait(t, task)
			if res.Size != size || res.UploadID != "" {
				t.Errorf("result %+v, want a single PUT of %d bytes", res, size)
			}
			final := task.Progress()
			if final.Bytes != size || final.Sent != size || final.Parts != 1 {
				t.Errorf("final progress %+v", final)
			}
			reports := log.all()
			for i := 1; i < len(reports); i++ {
				if reports[i].Sent < reports[i-1].Sent || reports[i].Bytes < reports[i-1].Bytes || reports[i].Sent < reports[i].Bytes {
					t.Fatalf("report %d %+v after %+v: Sent or Bytes went back, or Sent < Bytes", i, reports[i], reports[i-1])
				}
			}
			if last := reports[len(reports)-1]; last.Bytes != size {
				t.Errorf("last report %+v, want every byte acknowledged", last)
			}
		})
	}
}

// TestSentWithinPart: a multipart upload whose parts the server reads
// only as the test allows, reported at a positive progress interval (the
// listener's coalesced reports): Sent moves within the first part while
// nothing is acknowledged, reaches the part's size while the server
// holds its last byte, and Bytes moves only by whole parts. S3 from a
// file (sendfile, reported in chunks), QingStor (first part number 0)
// from a ReaderAt.
func TestSentWithinPart(t *testing.T) {
	ps := max(socketSlack()+1<<20, 5<<20)
	size := ps + 1024 // a second, small part
	data := randomData(93, int(size))
	file := writeTemp(t, data)
	for _, tc := range []struct {
		d    client.Dialect
		file bool
	}{{client.S3, true}, {client.QingStor, false}} {
		t.Run(tc.d.Name, func(t *testing.T) {
			gate := newReadGate()
			c, bkt := slowServerFor(t, tc.d, gate, func(r *http.Request) bool {
				return r.Method == http.MethodPut && r.URL.Query().Has("partNumber")
			})
			log := newProgressLog()
			m, err := NewFromClient(c, WithPartSize(ps), WithMultipartThreshold(ps), WithPartParallelism(1),
				WithListener(log.listener()), WithProgressInterval(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			in := &UploadInput{Bucket: bkt, Key: "parts", File: file}
			if !tc.file {
				in = &UploadInput{Bucket: bkt, Key: "parts", ReaderAt: bytes.NewReader(data), Size: size}
			}
			task, err := m.Upload(ctxT(t), in)
			if err != nil {
				t.Fatal(err)
			}
			first := log.waitFor(t, "bytes of the first part sent", func(p Progress) bool { return p.Sent > 0 })
			if first.Bytes != 0 || first.Parts != 0 || first.Sent >= ps {
				t.Fatalf("first report %+v: want part of the first part sent and nothing acknowledged", first)
			}
			gate.allow(ps - 1)
			whole := log.waitFor(t, "the first part sent", func(p Progress) bool { return p.Sent == ps })
			if whole.Bytes != 0 || whole.Parts != 0 {
				t.Fatalf("report %+v: the first part is sent, but the server has not answered", whole)
			}
			gate.allow(1 << 62)
			res := mustWait(t, task)
			if res.Size != size || res.Parts != 2 || res.UploadID == "" {
				t.Errorf("result %+v, want a multipart upload of 2 parts, %d bytes", res, size)
			}
			reports := log.all()
			for i, p := range reports {
				if p.Bytes != 0 && p.Bytes != ps && p.Bytes != size {
					t.Errorf("report %d %+v: Bytes is not a sum of whole parts", i, p)
				}
				if i > 0 && (p.Sent < reports[i-1].Sent || p.Bytes < reports[i-1].Bytes || p.Sent < p.Bytes) {
					t.Fatalf("report %d %+v after %+v: Sent or Bytes went back, or Sent < Bytes", i, p, reports[i-1])
				}
			}
			if last := reports[len(reports)-1]; last.Bytes != size || last.Sent != size || last.Parts != 2 {
				t.Errorf("last report %+v, want every byte acknowledged", last)
			}
			r, err := m.Open(ctxT(t), &DownloadInput{Bucket: bkt, Key: "parts"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			sameSHA256(t, got, data)
		})
	}
}

// TestSentDuringRange: a download range whose body stops half-way
// counts the bytes received as Sent, not as Bytes, until it is written
// whole.
func TestSentDuringRange(t *testing.T) {
	fake := newFake(client.S3)
	data := randomData(92, 4*kib)
	fake.putObject("bkt", "obj", data)
	half := make(chan struct{})
	release := make(chan struct{})
	api := &stallingGets{fakeAPI: fake, at: 512, reached: half, release: release}
	log := newProgressLog()
	m, err := New(api, WithPartSize(int64(len(data))), WithListener(log.listener()), WithProgressInterval(-1))
	if err != nil {
		t.Fatal(err)
	}
	mem := &memWriterAt{}
	task, err := m.Download(ctxT(t), &DownloadInput{Bucket: "bkt", Key: "obj", WriterAt: mem})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-half:
	case <-time.After(testTimeout):
		t.Fatal("the range body was never read")
	}
	p := log.waitFor(t, "512 bytes received", func(p Progress) bool { return p.Sent == 512 })
	if p.Bytes != 0 {
		t.Errorf("progress %+v: a range half received counts as written", p)
	}
	close(release)
	mustWait(t, task)
	equalBytes(t, mem.bytes(), data)
	if p := task.Progress(); p.Bytes != int64(len(data)) || p.Sent != p.Bytes {
		t.Errorf("final progress %+v", p)
	}
}

// stallingGets serves range bodies that stop after at bytes until
// release is closed (reached is closed when the body gets there).
type stallingGets struct {
	*fakeAPI
	at       int64
	reached  chan struct{}
	release  chan struct{}
	stallOne sync.Once
}

func (s *stallingGets) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	rc, err := s.fakeAPI.GetObjectRange(ctx, in)
	if err != nil {
		return nil, err
	}
	return &stallingBody{rc: rc, s: s, left: s.at}, nil
}

type stallingBody struct {
	rc   io.ReadCloser
	s    *stallingGets
	left int64
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		b.s.stallOne.Do(func() { close(b.s.reached) })
		<-b.s.release
		b.left = -1
	}
	if b.left > 0 && int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
	}
	return n, err
}

func (b *stallingBody) Close() error { return b.rc.Close() }
