// Package benchserver is an S3-style endpoint that costs next to nothing
// per request, for benchmarks of the client's own per-request overhead:
// what testing.B reports as allocations per operation is then (nearly)
// all the client's, not the server's.
//
// It is not an HTTP server in the net/http sense. Each connection is read
// with one bufio.Reader: the request line and headers are scanned in place
// (only Content-Length is looked at), the body is discarded, and a canned
// answer is written. Signatures are not checked and nothing is stored:
//
//   - PUT: 200 with an ETag (the MD5 of the object's content, below),
//     and the request's x-amz-checksum-* headers echoed, as S3 echoes the
//     checksums it verified (so the client's default CRC32C counts as
//     verified and it stays on it, rather than falling back to
//     Content-MD5 as it does with a server that echoes none).
//   - GET and HEAD: 200, the object's headers (Content-Length, ETag,
//     Last-Modified, x-amz-request-id); GET adds the content. Asked for
//     the stored checksum (x-amz-checksum-mode), they add the content's
//     x-amz-checksum-crc32c, as S3 does for an object stored by a PUT
//     that sent one (the client's default).
//   - DELETE: 204.
//   - anything else: 400.
//
// An object's size is the number after the last '-' of its key
// ("bench-4096"), its content that many zero bytes, its ETag their MD5,
// so a GET verifies as an S3 single-PUT object does. Answers for a size
// are built on first use and cached.
//
// The server binds only 127.0.0.1.
package benchserver

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// Server is a running endpoint. Close it when done.
type Server struct {
	// URL is the endpoint, "http://127.0.0.1:port".
	URL string
	// Requests counts the requests answered.
	Requests atomic.Int64

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	heads sync.Map // int64 size → *answer
}

type answer struct {
	head    []byte // status line and headers of GET and HEAD
	headCRC []byte // the same with the content's CRC32C (x-amz-checksum-mode)
	put     []byte // the answer to a PUT, less the blank line that ends it
	body    []byte
}

// Start starts a server on 127.0.0.1 on a free port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Close stops the server and closes its connections.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

var (
	deleteAnswer  = []byte("HTTP/1.1 204 No Content\r\nx-amz-request-id: BENCH\r\n\r\n")
	badAnswer     = []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	contentLength = []byte("content-length:")
	checksumName  = []byte("x-amz-checksum-")
	crlf          = []byte("\r\n")
	modeName      = []byte("mode:")
)

func (s *Server) serve(c net.Conn) {
	r := bufio.NewReaderSize(c, 32<<10)
	w := bufio.NewWriterSize(c, 32<<10)
	var echo []byte // the request's checksum header lines, reused
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		method, size := parseRequestLine(line)
		var n int64
		mode := false
		echo = echo[:0]
		for {
			h, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			h = bytes.TrimRight(h, "\r\n")
			if len(h) == 0 {
				break
			}
			if len(h) > len(contentLength) && bytes.EqualFold(h[:len(contentLength)], contentLength) {
				n, _ = strconv.ParseInt(string(bytes.TrimSpace(h[len(contentLength):])), 10, 64)
			}
			if len(h) > len(checksumName) && bytes.EqualFold(h[:len(checksumName)], checksumName) {
				if isMode(h[len(checksumName):]) {
					mode = true
				} else {
					echo = append(append(echo, h...), crlf...)
				}
			}
		}
		if n > 0 {
			if _, err := r.Discard(int(n)); err != nil {
				return
			}
		}
		s.Requests.Add(1)
		switch method {
		case "GET", "HEAD", "PUT":
			a := s.answerFor(size)
			head := a.head
			if mode {
				head = a.headCRC
			}
			switch method {
			case "GET":
				w.Write(head)
				w.Write(a.body)
			case "HEAD":
				w.Write(head)
			default:
				w.Write(a.put)
				w.Write(echo)
				w.Write(crlf)
			}
		case "DELETE":
			w.Write(deleteAnswer)
		default:
			w.Write(badAnswer)
			w.Flush()
			return
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

// isMode reports whether the rest of an x-amz-checksum- header line is
// "mode: ..." (a GET's or HEAD's request for checksums, not one).
func isMode(rest []byte) bool {
	return len(rest) >= len(modeName) && bytes.EqualFold(rest[:len(modeName)], modeName)
}

// parseRequestLine returns the method and the size named by the key of
// "METHOD /path HTTP/1.1", without allocating for the usual methods.
func parseRequestLine(line []byte) (method string, size int64) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return "", 0
	}
	switch string(line[:sp]) { // no allocation: compared, not kept
	case "GET":
		method = "GET"
	case "HEAD":
		method = "HEAD"
	case "PUT":
		method = "PUT"
	case "DELETE":
		method = "DELETE"
	default:
		return "", 0
	}
	path := line[sp+1:]
	if end := bytes.IndexAny(path, " ?"); end >= 0 {
		path = path[:end]
	}
	if dash := bytes.LastIndexByte(path, '-'); dash >= 0 {
		for _, c := range path[dash+1:] {
			if c < '0' || c > '9' {
				return method, 0
			}
			size = size*10 + int64(c-'0')
		}
	}
	return method, size
}

// answerFor returns the cached answer for an object of size bytes.
func (s *Server) answerFor(size int64) *answer {
	if a, ok := s.heads.Load(size); ok {
		return a.(*answer)
	}
	body := make([]byte, size)
	sum := md5.Sum(body)
	etag := hex.EncodeToString(sum[:])
	h := "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.FormatInt(size, 10) +
		"\r\nContent-Type: application/octet-stream\r\nLast-Modified: Mon, 02 Jan 2006 15:04:05 GMT" +
		"\r\nAccept-Ranges: bytes\r\nx-amz-request-id: BENCH\r\nETag: \"" + etag + "\"\r\n"
	crc := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))))
	hCRC := h + "x-amz-checksum-crc32c: " + crc + "\r\nx-amz-checksum-type: FULL_OBJECT\r\n\r\n"
	h += "\r\n"
	put := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-amz-request-id: BENCH\r\nETag: \"" + etag + "\"\r\n"
	a := &answer{head: []byte(h), headCRC: []byte(hCRC), put: []byte(put), body: body}
	v, _ := s.heads.LoadOrStore(size, a)
	return v.(*answer)
}
