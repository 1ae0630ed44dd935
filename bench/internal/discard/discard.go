// Package discard is a minimal S3 server for benchmarks: it speaks just
// enough of the protocol for polystore, aws-sdk-go-v2's s3 manager and
// minio-go to upload and download, keeps nothing, and so costs little
// enough that a client talking to it is bound by its own work.
//
// Objects are not stored: an object's content is the benchmarks'
// generated content (package gen, seed Seed), its size the number after
// the last '-' of its key ("bench-1073741824"). Uploaded bodies are
// checked against that content as they arrive (a memory compare per byte;
// a part's place in the object is read from the content's stamps) and
// discarded; a completed multipart upload is checked to cover the object
// exactly, and gets S3's multipart ETag (of the parts' ETags, which name
// their place in the object), which HEAD and GET then answer with. Downloads are served from the generator, with ranges. (Serving
// them from a file with sendfile(2) was tried: on loopback it made the
// clients' reads cost more system time, so the generator stays.)
// Signatures are not checked. aws-chunked bodies (minio-go's streaming
// signature, trailing checksums) are decoded.
package discard

import (
	"bufio"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"log"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polystore/polystore/bench/internal/gen"
)

// Seed is the seed of every object's content.
const Seed = 1

// SmallObject is the size below which an object's ETag is the MD5 of its
// content (as for an object stored by a single PUT); larger objects get
// a multipart-style ETag. It matches how the benchmark seeds MinIO: with
// polystore at an 8 MiB part size.
const SmallObject = 8 << 20

// Server is the handler. The zero value is not usable; call New.
type Server struct {
	// Verify checks uploaded content (on by default).
	Verify bool
	// AnyKey accepts single PUTs of keys that do not end in -SIZE (the
	// files of a directory upload): their bodies are read and their
	// declared checksums checked, their content is not (it was not
	// generated). Off by default: such a PUT is refused.
	AnyKey bool
	// PublishCRC32C answers a whole-object GET or HEAD that asks for the
	// stored checksum (x-amz-checksum-mode: ENABLED) of an object
	// smaller than SmallObject, one a single PUT stores, with its
	// x-amz-checksum-crc32c (x-amz-checksum-type FULL_OBJECT), as S3 and
	// MinIO do for an object stored with one (CRC32C is what polystore's
	// and minio-go's PUTs send by default). Off: only the MD5 ETag is
	// published, as for an object stored with no additional checksum.
	PublishCRC32C bool
	// Log, if set, receives a line per refused request.
	Log *log.Logger

	mu      sync.Mutex
	gens    map[int64]*gen.Gen
	md5s    map[int64]string
	crcs    map[int64]string // CRC32C (base64) of small objects, by size
	uploads map[string]*upload
	// etags are the ETags of completed multipart uploads, by
	// "bucket/key": HEAD and GET answer with them, as S3 does.
	etags map[string]string
	seq   atomic.Uint64
	wires sync.Map // what noteWire has logged

	// Received counts the body bytes received (decoded), Sent the bytes
	// served.
	Received, Sent atomic.Int64
}

type upload struct {
	key   string
	size  int64
	mu    sync.Mutex
	parts map[int]partInfo
}

type partInfo struct {
	off, n int64
	etag   string
}

// New returns a server that verifies uploads.
func New() *Server {
	return &Server{Verify: true, gens: map[int64]*gen.Gen{}, md5s: map[int64]string{}, crcs: map[int64]string{}, uploads: map[string]*upload{}, etags: map[string]string{}}
}

// ETag returns the ETag the server gives an object of size bytes it did
// not see uploaded, when that is at least SmallObject: a multipart-style
// ETag of n parts.
func ETag(size int64, n int) string { return fmt.Sprintf("%032x-%d", size, n) }

// partETag is the ETag the server gives a verified part: its place in
// the object.
func partETag(off, n int64) string { return fmt.Sprintf("%016x%016x", off, n) }

// MultipartETag returns the ETag the server gives a multipart upload of
// size bytes in parts of partSize, all verified: S3's, the MD5 of the
// parts' ETags (read as hex), "-" and the part count.
func MultipartETag(size, partSize int64) string {
	n := max((size+partSize-1)/partSize, 1)
	etags := make([]string, n)
	for i := range etags {
		off := int64(i) * partSize
		etags[i] = partETag(off, min(partSize, size-off))
	}
	return s3ETag(etags)
}

// s3ETag is S3's ETag of an object assembled from parts with these hex
// ETags.
func s3ETag(parts []string) string {
	h := md5.New()
	for _, e := range parts {
		raw, _ := hex.DecodeString(e)
		h.Write(raw)
	}
	return fmt.Sprintf("%x-%d", h.Sum(nil), len(parts))
}

// PutETag returns the ETag the server gives a verified single PUT of size
// bytes.
func PutETag(size int64) string { return fmt.Sprintf("%032x", size) }

// content returns the generator of the object key names, or an error if
// the key carries no size.
func (s *Server) content(key string) (*gen.Gen, error) {
	i := strings.LastIndexByte(key, '-')
	size, err := strconv.ParseInt(key[i+1:], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("key %q does not end in -SIZE", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gens[size]
	if g == nil {
		g = gen.New(Seed, size)
		s.gens[size] = g
	}
	return g, nil
}

// objectCRC32C returns the CRC32C (base64) of g's content, computed once
// per size.
func (s *Server) objectCRC32C(g *gen.Gen) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.crcs[g.Size()]
	if !ok {
		h := crc32.New(crc32cTable)
		io.Copy(h, io.NewSectionReader(g, 0, g.Size()))
		c = base64.StdEncoding.EncodeToString(h.Sum(nil))
		s.crcs[g.Size()] = c
	}
	return c
}

// objectETag is the ETag of a stored object: its MD5 when small, else a
// multipart-style ETag.
func (s *Server) objectETag(g *gen.Gen) string {
	if g.Size() >= SmallObject {
		return ETag(g.Size(), int((g.Size()+SmallObject-1)/SmallObject))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.md5s[g.Size()]
	if !ok {
		e = g.MD5()
		s.md5s[g.Size()] = e
	}
	return e
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	q := r.URL.Query()
	var err error
	switch {
	case bucket == "":
		err = s.fail(w, r, http.StatusNotImplemented, "NotImplemented", "no service-level operations")
	case key == "":
		err = s.bucketOp(w, r, q)
	case r.Method == http.MethodPost && q.Has("uploads"):
		err = s.initiate(w, r, bucket, key)
	case r.Method == http.MethodPut && q.Has("uploadId"):
		err = s.uploadPart(w, r, q)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		err = s.complete(w, r, bucket, key, q.Get("uploadId"))
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		s.mu.Lock()
		delete(s.uploads, q.Get("uploadId"))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		s.forget(bucket, key)
		err = s.put(w, r, key)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		err = s.get(w, r, bucket, key)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		err = s.fail(w, r, http.StatusNotImplemented, "NotImplemented", r.Method+" "+r.URL.String())
	}
	if err != nil && s.Log != nil {
		s.Log.Printf("%s %s: %v", r.Method, r.URL, err)
	}
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) error {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>discard</RequestId></Error>", code, xmlEscape(msg))
	}
	return fmt.Errorf("%d %s: %s", status, code, msg)
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/xml")
	out, _ := xml.Marshal(v)
	io.WriteString(w, xml.Header)
	w.Write(out)
}

// bucketOp answers bucket creation, HEAD and location requests: every
// bucket exists.
func (s *Server) bucketOp(w http.ResponseWriter, r *http.Request, q map[string][]string) error {
	io.Copy(io.Discard, r.Body)
	if _, ok := q["location"]; ok && r.Method == http.MethodGet {
		writeXML(w, struct {
			XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
			Value   string   `xml:",chardata"`
		}{})
		return nil
	}
	switch r.Method {
	case http.MethodPut, http.MethodHead, http.MethodDelete:
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodGet:
		if _, ok := q["uploads"]; !ok && len(q["versions"]) == 0 {
			return s.list(w, r, q) // made-up listings: listing.go
		}
	}
	return s.fail(w, r, http.StatusNotImplemented, "NotImplemented", "bucket operation "+r.Method+" "+r.URL.RawQuery)
}

func (s *Server) initiate(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	io.Copy(io.Discard, r.Body)
	g, err := s.content(key)
	if err != nil {
		return s.fail(w, r, http.StatusBadRequest, "InvalidArgument", err.Error())
	}
	id := "u" + strconv.FormatUint(s.seq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	s.mu.Lock()
	s.uploads[id] = &upload{key: key, size: g.Size(), parts: map[int]partInfo{}}
	s.mu.Unlock()
	writeXML(w, struct {
		XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
		Bucket   string
		Key      string
		UploadID string `xml:"UploadId"`
	}{Bucket: bucket, Key: key, UploadID: id})
	return nil
}

// body returns the request's payload, decoding aws-chunked encoding, and
// the decoder (nil for a plain body), which holds the trailers once the
// payload is read.
func body(r *http.Request) (io.Reader, *chunkedReader) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") || strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		c := &chunkedReader{r: bufio.NewReaderSize(r.Body, 64<<10)}
		return c, c
	}
	return r.Body, nil
}

var bufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// consume reads a body to its end, checking it against g from its origin
// (read from its first stamp when origin < 0; g nil: not checked, origin
// must be 0). It returns the origin and
// the length.
func (s *Server) consume(b io.Reader, g *gen.Gen, origin int64, sum hash.Hash) (int64, int64, error) {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	var n int64
	for {
		k, err := io.ReadFull(b, buf)
		if k > 0 {
			if origin < 0 {
				off, ok := g.Origin(buf[:k])
				if !ok {
					return 0, 0, errors.New("the body is not a part of the object's content")
				}
				origin = off
			}
			if s.Verify && g != nil { // nil: an AnyKey PUT, no content to compare
				if verr := g.Verify(buf[:k], origin+n); verr != nil {
					return origin, n, verr
				}
			}
			if sum != nil {
				sum.Write(buf[:k])
			}
			n += int64(k)
			s.Received.Add(int64(k))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return max(origin, 0), n, nil
		}
		if err != nil {
			return origin, n, err
		}
	}
}

func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, q map[string][]string) error {
	id := first(q["uploadId"])
	number, err := strconv.Atoi(first(q["partNumber"]))
	if err != nil || number < 1 || number > 10000 {
		return s.fail(w, r, http.StatusBadRequest, "InvalidArgument", "bad partNumber")
	}
	s.mu.Lock()
	up := s.uploads[id]
	s.mu.Unlock()
	if up == nil {
		return s.fail(w, r, http.StatusNotFound, "NoSuchUpload", id)
	}
	g, _ := s.content(up.key)
	s.noteWire(r)
	b, chunked := body(r)
	ck := newChecksum(r)
	off, n, err := s.consume(b, g, -1, ck.hash())
	if err == nil {
		err = ck.check(w, r, chunked)
	}
	if err != nil {
		return s.fail(w, r, http.StatusBadRequest, "BadDigest", err.Error())
	}
	etag := partETag(off, n)
	up.mu.Lock()
	up.parts[number] = partInfo{off: off, n: n, etag: etag}
	up.mu.Unlock()
	w.Header().Set("ETag", `"`+etag+`"`)
	w.WriteHeader(http.StatusOK)
	return nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

type completeRequest struct {
	Parts []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request, bucket, key, id string) error {
	var req completeRequest
	if err := xml.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil {
		return s.fail(w, r, http.StatusBadRequest, "MalformedXML", err.Error())
	}
	s.mu.Lock()
	up := s.uploads[id]
	delete(s.uploads, id)
	s.mu.Unlock()
	if up == nil {
		return s.fail(w, r, http.StatusNotFound, "NoSuchUpload", id)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	var next int64
	var etags []string
	for i, p := range req.Parts {
		got, ok := up.parts[p.PartNumber]
		switch {
		case !ok || strings.Trim(p.ETag, `"`) != got.etag:
			return s.fail(w, r, http.StatusBadRequest, "InvalidPart", fmt.Sprintf("part %d (%s)", p.PartNumber, p.ETag))
		case i > 0 && p.PartNumber <= req.Parts[i-1].PartNumber:
			return s.fail(w, r, http.StatusBadRequest, "InvalidPartOrder", "parts out of order")
		case got.off != next:
			return s.fail(w, r, http.StatusBadRequest, "InvalidPart", fmt.Sprintf("part %d starts at %d, want %d", p.PartNumber, got.off, next))
		}
		next += got.n
		etags = append(etags, got.etag)
	}
	if next != up.size {
		return s.fail(w, r, http.StatusBadRequest, "InvalidPart", fmt.Sprintf("parts hold %d bytes, want %d", next, up.size))
	}
	etag := s3ETag(etags)
	s.mu.Lock()
	s.etags[bucket+"/"+key] = etag
	s.mu.Unlock()
	writeXML(w, struct {
		XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
		Location string
		Bucket   string
		Key      string
		ETag     string
	}{Location: "/" + bucket + "/" + key, Bucket: bucket, Key: key, ETag: `"` + etag + `"`})
	return nil
}

func (s *Server) put(w http.ResponseWriter, r *http.Request, key string) error {
	g, err := s.content(key)
	if err != nil && !s.AnyKey {
		return s.fail(w, r, http.StatusBadRequest, "InvalidArgument", err.Error())
	}
	if g == nil { // AnyKey: a file of a directory upload, whose content no generator made
		return s.putAny(w, r)
	}
	s.noteWire(r)
	b, chunked := body(r)
	ck := newChecksum(r)
	_, n, err := s.consume(b, g, 0, ck.hash())
	if err == nil {
		err = ck.check(w, r, chunked)
	}
	if err != nil {
		return s.fail(w, r, http.StatusBadRequest, "BadDigest", err.Error())
	}
	if n != g.Size() {
		return s.fail(w, r, http.StatusBadRequest, "IncompleteBody", fmt.Sprintf("got %d bytes, want %d", n, g.Size()))
	}
	w.Header().Set("ETag", `"`+PutETag(n)+`"`)
	w.WriteHeader(http.StatusOK)
	return nil
}

// putAny takes a single PUT of a key that names no generated content
// (AnyKey): the body is read to its end and its declared checksum
// checked, its content is not.
func (s *Server) putAny(w http.ResponseWriter, r *http.Request) error {
	s.noteWire(r)
	b, chunked := body(r)
	ck := newChecksum(r)
	_, n, err := s.consume(b, nil, 0, ck.hash())
	if err == nil {
		err = ck.check(w, r, chunked)
	}
	if err != nil {
		return s.fail(w, r, http.StatusBadRequest, "BadDigest", err.Error())
	}
	w.Header().Set("ETag", `"`+PutETag(n)+`"`)
	w.WriteHeader(http.StatusOK)
	return nil
}

var modTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// forget drops the ETag of a completed multipart upload of key, which a
// PUT replaces.
func (s *Server) forget(bucket, key string) {
	s.mu.Lock()
	delete(s.etags, bucket+"/"+key)
	s.mu.Unlock()
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, bucket, key string) error {
	io.Copy(io.Discard, r.Body)
	g, err := s.content(key)
	if err != nil {
		return s.fail(w, r, http.StatusNotFound, "NoSuchKey", err.Error())
	}
	size := g.Size()
	h := w.Header()
	s.mu.Lock()
	etag, uploaded := s.etags[bucket+"/"+key]
	s.mu.Unlock()
	if !uploaded {
		etag = s.objectETag(g)
	}
	h.Set("ETag", `"`+etag+`"`)
	h.Set("Last-Modified", modTime.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", "application/octet-stream")
	off, n, partial, err := parseRange(r.Header.Get("Range"), size)
	if err != nil {
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return s.fail(w, r, http.StatusRequestedRangeNotSatisfiable, "InvalidRange", err.Error())
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	if s.PublishCRC32C && !uploaded && !partial && size < SmallObject && strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		h.Set("X-Amz-Checksum-Crc32c", s.objectCRC32C(g))
		h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, size))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	if r.Method == http.MethodHead {
		return nil
	}
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	for n > 0 {
		k := int(min(int64(len(buf)), n))
		g.ReadAt(buf[:k], off)
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		s.Sent.Add(int64(k))
		off, n = off+int64(k), n-int64(k)
	}
	return nil
}

// parseRange reads a single "bytes=" range.
func parseRange(spec string, size int64) (off, n int64, partial bool, err error) {
	if spec == "" {
		return 0, size, false, nil
	}
	v, ok := strings.CutPrefix(spec, "bytes=")
	a, b, ok2 := strings.Cut(v, "-")
	if !ok || !ok2 || strings.Contains(v, ",") {
		return 0, 0, false, fmt.Errorf("unsupported range %q", spec)
	}
	if a == "" { // suffix
		k, err := strconv.ParseInt(b, 10, 64)
		if err != nil || k <= 0 {
			return 0, 0, false, fmt.Errorf("bad range %q", spec)
		}
		k = min(k, size)
		return size - k, k, true, nil
	}
	lo, err := strconv.ParseInt(a, 10, 64)
	if err != nil || lo < 0 || lo >= size {
		return 0, 0, false, fmt.Errorf("bad range %q for %d bytes", spec, size)
	}
	hi := size - 1
	if b != "" {
		if hi, err = strconv.ParseInt(b, 10, 64); err != nil || hi < lo {
			return 0, 0, false, fmt.Errorf("bad range %q", spec)
		}
		hi = min(hi, size-1)
	}
	return lo, hi - lo + 1, true, nil
}

// chunkedReader decodes an aws-chunked body: chunks of
// "HEXLEN[;chunk-signature=SIG]\r\n" DATA "\r\n", a zero-length chunk,
// then optional trailer lines and an empty line.
type chunkedReader struct {
	r        *bufio.Reader
	left     int64 // bytes left in the current chunk
	done     bool
	trailers map[string]string // by lower-case name, once the last chunk is read
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.done {
			return 0, io.EOF
		}
		if err := c.next(); err != nil {
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left == 0 && err == nil {
		err = c.crlf()
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// next reads a chunk header; a zero-length chunk ends the body, after
// its trailers.
func (c *chunkedReader) next() error {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("aws-chunked header: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	hexLen, _, _ := strings.Cut(line, ";")
	n, err := strconv.ParseInt(hexLen, 16, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("aws-chunked: bad chunk header %q", line)
	}
	if n > 0 {
		c.left = n
		return nil
	}
	c.done = true
	for { // trailers, up to an empty line or the end
		t, err := c.r.ReadString('\n')
		t = strings.TrimRight(t, "\r\n")
		if t == "" || err != nil {
			return nil
		}
		if k, v, ok := strings.Cut(t, ":"); ok {
			if c.trailers == nil {
				c.trailers = map[string]string{}
			}
			c.trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
}

func (c *chunkedReader) crlf() error {
	var b [2]byte
	if _, err := io.ReadFull(c.r, b[:]); err != nil || b != [2]byte{'\r', '\n'} {
		return errors.New("aws-chunked: chunk not followed by CRLF")
	}
	return nil
}

// Uploads returns the ids of the multipart uploads in progress, sorted.
func (s *Server) Uploads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.uploads))
	for id := range s.uploads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
