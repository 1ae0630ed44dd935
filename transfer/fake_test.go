package transfer

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"iter"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
)

// fakeAPI is an in-memory API for the core tests. It records calls,
// verifies Content-MD5, reports CRC-64 when its dialect has the feature,
// checks additional checksums as strictly as S3 (a part's algorithm must
// be its upload's, Complete must list every part's checksum),
// tracks requests in flight, and lets tests block or fail calls through
// hooks.
type fakeAPI struct {
	dialect client.Dialect

	mu      sync.Mutex
	objects map[string]*fakeObject
	uploads map[string]*fakeUpload
	calls   []fakeCall
	seq     int
	clock   time.Time

	inFlight, peak int

	// Hooks, called without the lock held; a non-nil error fails the call.
	onPart func(ctx context.Context, number int) error
	onGet  func(ctx context.Context, in *GetObjectRangeInput) error
	// bodyCut, if set, returns how many bytes of a range body to deliver
	// before failing it (or -1 for all).
	bodyCut func(in *GetObjectRangeInput) int64
	// partCRC, if set, can alter the CRC-64 reported for a part.
	partCRC func(number int, crc uint64) uint64
	// completeCRC, if set, can alter the CRC-64 reported on completion.
	completeCRC func(crc uint64) uint64
	// completeChecksum, if set, can alter the composite checksum
	// reported on completion.
	completeChecksum func(c client.Checksum) client.Checksum
	// lostComplete makes Complete assemble the object and then answer
	// NoSuchUpload, as a retried Complete does when its first attempt
	// succeeded unseen.
	lostComplete bool
	// goneUpload makes Complete answer NoSuchUpload without assembling
	// anything (someone aborted the upload).
	goneUpload bool
	// noTrailers makes the fake a server without aws-chunked support: a
	// trailing checksum is not decoded, the framed bytes are stored, and
	// the answer echoes no checksum (client.ErrTrailerIgnored).
	noTrailers bool
	// trailerRefusal, if set, is the answer to any request with a
	// trailing checksum: a server that refuses aws-chunked bodies.
	trailerRefusal error
	// noPartEcho makes UploadPart answers carry no additional checksum
	// (the part's is still checked and stored).
	noPartEcho bool
	// readSize, if positive, is the most a range body's Read returns, as
	// a TLS connection returns one record per read.
	readSize int
	// onHead, if set, can alter what HeadObject reports.
	onHead func(info *ObjectInfo)
}

// trailer computes the checksum a trailing-checksum request carries, as
// the client would while sending; it stores mangled data and fails when
// the fake does not support trailers.
func (f *fakeAPI) trailer(a client.ChecksumAlgorithm, data []byte) (client.Checksum, []byte, error) {
	if a == client.ChecksumNone {
		return client.Checksum{}, data, nil
	}
	if f.noTrailers {
		return client.Checksum{}, append([]byte("10000\r\n"), data...), fmt.Errorf("fake: %w", client.ErrTrailerIgnored)
	}
	return client.ComputeChecksum(a, data), data, nil
}

type fakeObject struct {
	data     []byte
	etag     string
	crc      uint64
	modified time.Time
}

type fakeUpload struct {
	bucket, key string
	initiated   time.Time
	alg         client.ChecksumAlgorithm
	parts       map[int]*fakePart
}

type fakePart struct {
	data []byte
	etag string
	sum  client.Checksum
}

type fakeCall struct {
	Op       string
	Key      string
	UploadID string
	Part     int   // part number, or -1
	Offset   int64 // ranged GET
	Length   int64
	OK       bool
	MD5      bool   // sent Content-MD5
	Checksum string // the additional checksum sent ("CRC32C"), or ""
	Trailer  bool   // the checksum was a trailing one
}

// checkSum verifies an additional checksum against data, as S3 does.
func (f *fakeAPI) checkSum(c client.Checksum, data []byte) error {
	if c.IsZero() {
		return nil
	}
	if !f.dialect.Has(client.FeatureChecksums) {
		return fmt.Errorf("fake: checksum on %s: %w", f.dialect.Name, client.ErrNotSupported)
	}
	if !client.ComputeChecksum(c.Algorithm, data).Equal(c) {
		return fmt.Errorf("fake: BadDigest (%s): %w", c.Algorithm, client.ErrInvalidArgument)
	}
	return nil
}

func sumName(c client.Checksum) string {
	if c.IsZero() {
		return ""
	}
	return c.Algorithm.String()
}

func newFake(d client.Dialect) *fakeAPI {
	return &fakeAPI{
		dialect: d, objects: map[string]*fakeObject{}, uploads: map[string]*fakeUpload{},
		clock: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// smallS3 is S3 with a 1 KiB minimum part size, so tests stay small.
func smallDialect(d client.Dialect) client.Dialect {
	d.Limits.MinPartSize = 1 << 10
	return d
}

var (
	errNoSuchUpload = fmt.Errorf("fake: no such upload: %w", client.ErrNotFound)
	errNoSuchKey    = fmt.Errorf("fake: no such key: %w", client.ErrNotFound)
)

func (f *fakeAPI) enter() {
	f.mu.Lock()
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
}

func (f *fakeAPI) leave() {
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
}

func (f *fakeAPI) record(c fakeCall) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *fakeAPI) callsOf(op string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// okParts returns the part numbers of successful UploadPart calls.
func (f *fakeAPI) okParts() []int {
	var out []int
	for _, c := range f.callsOf("UploadPart") {
		if c.OK {
			out = append(out, c.Part)
		}
	}
	return out
}

func (f *fakeAPI) numUploads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.uploads)
}

func (f *fakeAPI) object(bucket, key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[bucket+"/"+key]
	if !ok {
		return nil, false
	}
	return o.data, true
}

func (f *fakeAPI) putObject(bucket, key string, data []byte) *fakeObject {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.storeLocked(bucket, key, data, md5Hex(data))
}

func (f *fakeAPI) storeLocked(bucket, key string, data []byte, etag string) *fakeObject {
	f.clock = f.clock.Add(time.Second)
	o := &fakeObject{data: data, etag: etag, crc: crc64.Checksum(data, crcTable), modified: f.clock}
	f.objects[bucket+"/"+key] = o
	return o
}

func md5Hex(p []byte) string {
	s := md5.Sum(p)
	return hex.EncodeToString(s[:])
}

func readAll(r *io.SectionReader) []byte {
	b, _ := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	return b
}

func (f *fakeAPI) Dialect() *client.Dialect { d := f.dialect; return &d }

func (f *fakeAPI) PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error) {
	f.enter()
	defer f.leave()
	data := readAll(in.Body)
	if f.trailerRefusal != nil && in.TrailingChecksum != client.ChecksumNone {
		f.record(fakeCall{Op: "PutObject", Key: in.Key, Part: -1, Trailer: true})
		return nil, f.trailerRefusal
	}
	trailed, stored, terr := f.trailer(in.TrailingChecksum, data)
	if terr != nil {
		f.mu.Lock()
		f.storeLocked(in.Bucket, in.Key, stored, md5Hex(stored))
		f.mu.Unlock()
		f.record(fakeCall{Op: "PutObject", Key: in.Key, Part: -1, Trailer: true})
		return nil, terr
	}
	if !trailed.IsZero() {
		in.Checksum = trailed
	}
	if in.ContentMD5 != nil {
		if s := md5.Sum(data); !bytes.Equal(s[:], in.ContentMD5) {
			f.record(fakeCall{Op: "PutObject", Key: in.Key, Part: -1})
			return nil, fmt.Errorf("fake: BadDigest: %w", client.ErrInvalidArgument)
		}
	}
	if err := f.checkSum(in.Checksum, data); err != nil {
		f.record(fakeCall{Op: "PutObject", Key: in.Key, Part: -1})
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		f.record(fakeCall{Op: "PutObject", Key: in.Key, Part: -1})
		return nil, err
	}
	f.mu.Lock()
	o := f.storeLocked(in.Bucket, in.Key, data, md5Hex(data))
	f.mu.Unlock()
	f.record(fakeCall{Op: "PutObject", Key: in.Key, Part: -1, OK: true, MD5: in.ContentMD5 != nil, Checksum: sumName(in.Checksum), Trailer: !trailed.IsZero()})
	out := &PutObjectOutput{ETag: o.etag, Checksum: in.Checksum}
	if f.dialect.Has(client.FeatureCRC64) {
		out.CRC64, out.HasCRC64 = o.crc, true
	}
	return out, nil
}

func (f *fakeAPI) CreateMultipartUpload(ctx context.Context, in *CreateMultipartUploadInput) (string, error) {
	f.enter()
	defer f.leave()
	f.mu.Lock()
	f.seq++
	f.clock = f.clock.Add(time.Second)
	id := fmt.Sprintf("up-%d", f.seq)
	f.uploads[id] = &fakeUpload{bucket: in.Bucket, key: in.Key, initiated: f.clock, alg: in.ChecksumAlgorithm, parts: map[int]*fakePart{}}
	f.mu.Unlock()
	f.record(fakeCall{Op: "CreateMultipartUpload", Key: in.Key, UploadID: id, Part: -1, OK: true})
	return id, nil
}

func (f *fakeAPI) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	f.enter()
	defer f.leave()
	call := fakeCall{Op: "UploadPart", Key: in.Key, UploadID: in.UploadID, Part: in.PartNumber, MD5: in.ContentMD5 != nil, Checksum: sumName(in.Checksum)}
	data := readAll(in.Body)
	call.Trailer = in.TrailingChecksum != client.ChecksumNone
	if f.trailerRefusal != nil && call.Trailer {
		f.record(call)
		return nil, f.trailerRefusal
	}
	trailed, stored, terr := f.trailer(in.TrailingChecksum, data)
	if terr != nil {
		f.mu.Lock()
		if up, ok := f.uploads[in.UploadID]; ok {
			up.parts[in.PartNumber] = &fakePart{data: stored, etag: md5Hex(stored)}
		}
		f.mu.Unlock()
		f.record(call)
		return nil, terr
	}
	if !trailed.IsZero() {
		cp := *in
		cp.Checksum = trailed
		in = &cp
		call.Checksum = sumName(trailed)
	}
	if f.onPart != nil {
		if err := f.onPart(ctx, in.PartNumber); err != nil {
			f.record(call)
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		f.record(call)
		return nil, err
	}
	if in.ContentMD5 != nil {
		if s := md5.Sum(data); !bytes.Equal(s[:], in.ContentMD5) {
			f.record(call)
			return nil, fmt.Errorf("fake: BadDigest: %w", client.ErrInvalidArgument)
		}
	}
	if err := f.checkSum(in.Checksum, data); err != nil {
		f.record(call)
		return nil, err
	}
	lim := f.dialect.Limits
	if in.PartNumber < lim.FirstPartNumber || in.PartNumber >= lim.FirstPartNumber+lim.MaxParts {
		f.record(call)
		return nil, fmt.Errorf("fake: part number %d out of range: %w", in.PartNumber, client.ErrInvalidArgument)
	}
	f.mu.Lock()
	up, ok := f.uploads[in.UploadID]
	if !ok {
		f.mu.Unlock()
		f.record(call)
		return nil, errNoSuchUpload
	}
	if in.Checksum.Algorithm != up.alg {
		f.mu.Unlock()
		f.record(call)
		return nil, fmt.Errorf("fake: InvalidRequest: part checksum %v, upload %v: %w", in.Checksum.Algorithm, up.alg, client.ErrInvalidArgument)
	}
	p := &fakePart{data: data, etag: md5Hex(data), sum: in.Checksum}
	up.parts[in.PartNumber] = p
	f.mu.Unlock()
	call.OK = true
	f.record(call)
	out := &UploadPartOutput{ETag: p.etag, Checksum: p.sum}
	if f.noPartEcho {
		out.Checksum = client.Checksum{}
	}
	if f.dialect.Has(client.FeatureCRC64) {
		crc := crc64.Checksum(data, crcTable)
		if f.partCRC != nil {
			crc = f.partCRC(in.PartNumber, crc)
		}
		out.CRC64, out.HasCRC64 = crc, true
	}
	return out, nil
}

func (f *fakeAPI) CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error) {
	f.enter()
	defer f.leave()
	call := fakeCall{Op: "CompleteMultipartUpload", Key: in.Key, UploadID: in.UploadID, Part: -1}
	if f.goneUpload {
		f.record(call)
		return nil, errNoSuchUpload
	}
	f.mu.Lock()
	up, ok := f.uploads[in.UploadID]
	if !ok {
		f.mu.Unlock()
		f.record(call)
		return nil, errNoSuchUpload
	}
	if !slices.IsSortedFunc(in.Parts, func(a, b CompletedPart) int { return a.PartNumber - b.PartNumber }) {
		f.mu.Unlock()
		f.record(call)
		return nil, fmt.Errorf("fake: InvalidPartOrder: %w", client.ErrInvalidArgument)
	}
	var data []byte
	sums := md5.New()
	var partSums []client.Checksum
	for i, cp := range in.Parts {
		p, ok := up.parts[cp.PartNumber]
		if !ok || p.etag != cp.ETag || !p.sum.Equal(cp.Checksum) {
			f.mu.Unlock()
			f.record(call)
			return nil, fmt.Errorf("fake: InvalidPart %d: %w", cp.PartNumber, client.ErrInvalidArgument)
		}
		if i < len(in.Parts)-1 && int64(len(p.data)) < f.dialect.Limits.MinPartSize {
			f.mu.Unlock()
			f.record(call)
			return nil, fmt.Errorf("fake: EntityTooSmall part %d: %w", cp.PartNumber, client.ErrInvalidArgument)
		}
		data = append(data, p.data...)
		partSums = append(partSums, p.sum)
		raw, _ := hex.DecodeString(p.etag)
		sums.Write(raw)
	}
	etag := fmt.Sprintf("%s-%d", hex.EncodeToString(sums.Sum(nil)), len(in.Parts))
	if in.ETag != "" { // QingStor keeps the ETag the Complete request names
		etag = in.ETag
	}
	o := f.storeLocked(up.bucket, up.key, data, etag)
	delete(f.uploads, in.UploadID)
	f.mu.Unlock()
	call.OK = true
	f.record(call)
	if f.lostComplete {
		return nil, errNoSuchUpload
	}
	out := &CompleteMultipartUploadOutput{ETag: etag}
	if up.alg != client.ChecksumNone {
		out.Checksum, _ = client.CompositeChecksum(partSums)
		if f.completeChecksum != nil {
			out.Checksum = f.completeChecksum(out.Checksum)
		}
	}
	if f.dialect.Has(client.FeatureCRC64) {
		crc := o.crc
		if f.completeCRC != nil {
			crc = f.completeCRC(crc)
		}
		out.CRC64, out.HasCRC64 = crc, true
	}
	return out, nil
}

func (f *fakeAPI) AbortMultipartUpload(ctx context.Context, up UploadRef) error {
	f.enter()
	defer f.leave()
	if err := ctx.Err(); err != nil {
		f.record(fakeCall{Op: "AbortMultipartUpload", Key: up.Key, UploadID: up.UploadID, Part: -1})
		return err
	}
	f.mu.Lock()
	_, ok := f.uploads[up.UploadID]
	delete(f.uploads, up.UploadID)
	f.mu.Unlock()
	f.record(fakeCall{Op: "AbortMultipartUpload", Key: up.Key, UploadID: up.UploadID, Part: -1, OK: ok})
	if !ok {
		return errNoSuchUpload
	}
	return nil
}

func (f *fakeAPI) ListParts(ctx context.Context, up UploadRef) iter.Seq2[ServerPart, error] {
	return func(yield func(ServerPart, error) bool) {
		f.enter()
		f.mu.Lock()
		u, ok := f.uploads[up.UploadID]
		var parts []ServerPart
		if ok {
			for n, p := range u.parts {
				parts = append(parts, ServerPart{PartNumber: n, Size: int64(len(p.data)), ETag: p.etag, Checksum: p.sum})
			}
		}
		f.mu.Unlock()
		f.leave()
		f.record(fakeCall{Op: "ListParts", Key: up.Key, UploadID: up.UploadID, Part: -1, OK: ok})
		if !ok {
			yield(ServerPart{}, errNoSuchUpload)
			return
		}
		sort.Slice(parts, func(i, j int) bool { return parts[i].PartNumber < parts[j].PartNumber })
		for _, p := range parts {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) ListUploads(ctx context.Context, bucket, key string) iter.Seq2[ServerUpload, error] {
	return func(yield func(ServerUpload, error) bool) {
		f.mu.Lock()
		var ups []ServerUpload
		for id, u := range f.uploads {
			if u.bucket == bucket && u.key == key {
				ups = append(ups, ServerUpload{Key: key, UploadID: id, Initiated: u.initiated})
			}
		}
		f.mu.Unlock()
		f.record(fakeCall{Op: "ListUploads", Key: key, Part: -1, OK: true})
		for _, u := range ups {
			if !yield(u, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) HeadObject(ctx context.Context, in *HeadObjectInput) (*ObjectInfo, error) {
	f.enter()
	defer f.leave()
	f.mu.Lock()
	o, ok := f.objects[in.Bucket+"/"+in.Key]
	f.mu.Unlock()
	f.record(fakeCall{Op: "HeadObject", Key: in.Key, Part: -1, OK: ok})
	if !ok {
		return nil, errNoSuchKey
	}
	info := &ObjectInfo{Size: int64(len(o.data)), ETag: o.etag, LastModified: o.modified}
	if f.dialect.Has(client.FeatureCRC64) {
		info.CRC64, info.HasCRC64 = o.crc, true
	}
	if f.onHead != nil {
		f.onHead(info)
	}
	return info, nil
}

func (f *fakeAPI) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	f.enter()
	defer f.leave()
	call := fakeCall{Op: "GetObject", Key: in.Key, Part: -1, Offset: in.Offset, Length: in.Length}
	if f.onGet != nil {
		if err := f.onGet(ctx, in); err != nil {
			f.record(call)
			return nil, err
		}
	}
	f.mu.Lock()
	o, ok := f.objects[in.Bucket+"/"+in.Key]
	f.mu.Unlock()
	if !ok {
		f.record(call)
		return nil, errNoSuchKey
	}
	if in.IfMatch != "" && in.IfMatch != o.etag {
		f.record(call)
		return nil, fmt.Errorf("fake: PreconditionFailed: %w", client.ErrPreconditionFailed)
	}
	if in.Length < 1 || in.Offset+in.Length > int64(len(o.data)) {
		f.record(call)
		return nil, fmt.Errorf("fake: InvalidRange: %w", client.ErrInvalidArgument)
	}
	data := o.data[in.Offset : in.Offset+in.Length]
	call.OK = true
	f.record(call)
	var body io.Reader = bytes.NewReader(data)
	if f.bodyCut != nil {
		if cut := f.bodyCut(in); cut >= 0 && cut < int64(len(data)) {
			body = io.MultiReader(bytes.NewReader(data[:cut]), errReader{errors.New("fake: connection reset")})
		}
	}
	if f.readSize > 0 {
		body = &smallReads{r: body, max: f.readSize}
	}
	return io.NopCloser(body), nil
}

// smallReads returns at most max bytes per Read.
type smallReads struct {
	r   io.Reader
	max int
}

func (s *smallReads) Read(p []byte) (int, error) {
	if len(p) > s.max {
		p = p[:s.max]
	}
	return s.r.Read(p)
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
