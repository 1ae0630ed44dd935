package transfer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/transfer/transferapi"
)

// copyJob copies an object inside the service: one CopyObject, or a
// multipart upload of UploadPartCopy ranges. No byte of the object
// passes through the client.
type copyJob struct {
	t   *Task
	api transferapi.API     // HEADs, and the multipart upload
	cp  transferapi.CopyAPI // the copy requests
	d   *client.Dialect
	src CopySource
	dst CopyDestination
	o   *Options

	// Set by prepare, then read-only.
	prepared   bool
	info       *transferapi.ObjectInfo
	plan       integrity.Plan // what the source publishes
	single     bool
	first      int
	withCRC32C bool // the upload takes CRC32C checksums, which the server computes
	jpath      string
	jr         *journal

	mu       sync.Mutex
	id       string
	partSize int64
	nparts   int
	parts    map[int]*copiedPart
	resumed  int
	todo     []int
	res      *Result
}

// copiedPart is an acknowledged UploadPartCopy.
type copiedPart struct {
	size     int64
	etag     string
	checksum client.Checksum
}

func newCopyJob(t *Task, api transferapi.API, cp transferapi.CopyAPI, src *CopySource, dst *CopyDestination) *copyJob {
	return &copyJob{t: t, api: api, cp: cp, d: api.Dialect(), src: *src, dst: *dst, o: &t.opts, parts: map[int]*copiedPart{}}
}

func (c *copyJob) uploadID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

func (c *copyJob) result() *Result { return c.res }

func (c *copyJob) ref() transferapi.UploadRef {
	c.mu.Lock()
	defer c.mu.Unlock()
	return transferapi.UploadRef{Bucket: c.dst.Bucket, Key: c.dst.Key, UploadID: c.id}
}

func (c *copyJob) rangeOf(i int) (int64, int64) {
	off := int64(i) * c.partSize
	return off, min(c.partSize, c.info.Size-off)
}

func (c *copyJob) session(ctx context.Context) error {
	if !c.prepared {
		c.t.setState(StateChecking)
		if err := c.prepare(ctx); err != nil {
			return err
		}
		c.prepared = true
	}
	c.t.setState(StateRunning)
	if c.single {
		sent := false
		once := func() (int, bool, error) { ok := !sent; sent = true; return 0, ok, nil }
		if err := c.t.runParts(ctx, once, func(ctx context.Context, _ int) error { return c.copySingle(ctx) }); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if c.res == nil {
			return errPaused
		}
		return nil
	}
	c.mu.Lock()
	c.todo = c.todo[:0]
	for i := 0; i < c.nparts; i++ {
		if c.parts[i] == nil {
			c.todo = append(c.todo, i)
		}
	}
	c.mu.Unlock()
	next := func() (int, bool, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.todo) == 0 {
			return 0, false, nil
		}
		i := c.todo[0]
		c.todo = c.todo[1:]
		return i, true, nil
	}
	err := c.t.runParts(ctx, next, c.copyPart)
	if err != nil && ctx.Err() == nil && c.checksumsRefused(err) {
		if err := c.withoutChecksums(ctx); err != nil {
			return err
		}
		return c.session(ctx)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	c.mu.Lock()
	left := len(c.parts) < c.nparts
	c.mu.Unlock()
	if left {
		return errPaused
	}
	return c.complete(ctx)
}

// serverPartSize is the part size of a server-side copy of size bytes:
// at least want, and large enough for about 4 × parallelism parts, within
// the dialect's limits. Nothing passes through the client, so large
// parts cost no memory; fewer parts cost fewer requests.
func serverPartSize(size, want int64, parallelism int, lim client.Limits) int64 {
	ps := max(want, ceilDiv(size, int64(4*max(parallelism, 1))))
	if lim.MaxPartSize > 0 {
		ps = min(ps, lim.MaxPartSize)
	}
	return ps
}

// prepare reads the source's attributes and decides how to copy it: in
// one request, by a resumed multipart upload (journal) or by a new one.
func (c *copyJob) prepare(ctx context.Context) error {
	info, err := c.api.HeadObject(ctx, &transferapi.HeadObjectInput{Bucket: c.src.Bucket, Key: c.src.Key, VersionID: c.src.VersionID})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.info = info
	c.mu.Unlock()
	c.plan = choosePlan(info, c.o.Integrity)
	c.first = c.d.Limits.FirstPartNumber
	size := info.Size
	thr, limited := copyThreshold(c.o, c.d.Limits)
	if size == 0 || !limited || size < thr {
		c.single = true
		c.t.prog.setTotals(size, 1)
		return nil
	}
	if !c.d.Has(client.FeatureMultipartCopy) {
		return client.NotSupported(c.d, "CopySource", fmt.Sprintf("copying %d bytes (over the single-copy limit) in parts", size))
	}
	ps, n, err := planParts(size, serverPartSize(size, c.o.PartSize, c.o.PartParallelism, c.d.Limits), c.d.Limits)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.partSize, c.nparts = ps, n
	c.mu.Unlock()
	c.withCRC32C = c.o.Integrity != IntegrityOff && c.d.Has(client.FeatureChecksums)
	if err := c.loadCheckpoint(ctx); err != nil {
		return err
	}
	if c.uploadID() == "" {
		if err := c.create(ctx); err != nil {
			return err
		}
	}
	c.t.prog.setTotals(size, c.nparts)
	var done int64
	for _, p := range c.parts {
		done += p.size
	}
	c.t.prog.credit(done, len(c.parts))
	c.t.ev.markDirty(dirtyProgress)
	return nil
}

// create starts the multipart upload (with CRC32C checksums, which the
// server computes for each copied part, where withCRC32C) and writes
// the journal.
func (c *copyJob) create(ctx context.Context) error {
	alg := client.ChecksumNone
	opts := copyOptions(c.info, &c.dst)
	if c.withCRC32C {
		alg = client.ChecksumCRC32C
		opts = withPartSizeMeta(c.d, opts, c.partSize)
	}
	id, err := c.api.CreateMultipartUpload(ctx, &transferapi.CreateMultipartUploadInput{Bucket: c.dst.Bucket, Key: c.dst.Key, ChecksumAlgorithm: alg, ObjectOptions: opts})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.id = id
	c.mu.Unlock()
	return c.writeCheckpoint()
}

// checksumsRefused reports whether the copies of a checksummed upload
// failed because the server wants the client to send each part's
// checksum, which a server-side copy cannot know (MinIO: "checksum
// missing"): a refusal (400, 501) of the first part copies. The copy is
// then started again in an upload without checksums.
func (c *copyJob) checksumsRefused(err error) bool {
	if !c.withCRC32C {
		return false
	}
	c.mu.Lock()
	none := len(c.parts) == 0
	c.mu.Unlock()
	var re *client.ResponseError
	return none && errors.As(err, &re) && (re.StatusCode == 400 || re.StatusCode == 501) && !errors.Is(err, client.ErrPreconditionFailed)
}

// withoutChecksums aborts the checksummed upload and starts one without.
func (c *copyJob) withoutChecksums(ctx context.Context) error {
	actx, stop := c.t.cleanupContext()
	aerr := abortUpload(actx, c.api, c.ref())
	stop()
	if aerr != nil {
		return aerr
	}
	c.mu.Lock()
	c.id = ""
	c.mu.Unlock()
	c.withCRC32C = false
	return c.create(ctx)
}

// withPartSizeMeta adds the part size a download needs to verify a
// composite checksum (see initiateOptions), unless the name is taken or
// the metadata would not fit.
func withPartSizeMeta(d *client.Dialect, opts ObjectOptions, ps int64) ObjectOptions {
	for k := range opts.Metadata {
		if strings.EqualFold(k, integrity.PartSizeMeta) {
			return opts
		}
	}
	meta := make(map[string]string, len(opts.Metadata)+1)
	for k, v := range opts.Metadata {
		meta[k] = v
	}
	meta[integrity.PartSizeMeta] = fmt.Sprint(ps)
	if opkit.CheckMetadata(d, meta) != nil {
		return opts
	}
	opts.Metadata = meta
	return opts
}

// sourceChanged turns a failed precondition on the source into
// ErrSourceChanged.
func (c *copyJob) sourceChanged(err error) error {
	if errors.Is(err, client.ErrPreconditionFailed) {
		return fmt.Errorf("%w: %s/%s no longer has ETag %q: %w", ErrSourceChanged, c.src.Bucket, c.src.Key, c.info.ETag, err)
	}
	return err
}

// copySingle copies the whole object in one CopyObject request, then
// confirms the copy with a HEAD and compares what both publish.
func (c *copyJob) copySingle(ctx context.Context) error {
	in := &transferapi.CopyObjectInput{
		Bucket: c.dst.Bucket, Key: c.dst.Key,
		SourceBucket: c.src.Bucket, SourceKey: c.src.Key, SourceVersionID: c.src.VersionID,
		SourceIfMatch: c.info.ETag, ReplaceMetadata: c.dst.ReplaceMetadata, ObjectOptions: c.dst.ObjectOptions,
	}
	out, err := c.cp.CopyObject(ctx, in)
	if err != nil {
		return c.sourceChanged(err)
	}
	head, err := c.api.HeadObject(ctx, &transferapi.HeadObjectInput{Bucket: c.dst.Bucket, Key: c.dst.Key, VersionID: out.VersionID})
	if err != nil {
		return fmt.Errorf("%w: HEAD %s/%s after the copy: %w", ErrNotConfirmed, c.dst.Bucket, c.dst.Key, err)
	}
	if head.Size != c.info.Size {
		return fmt.Errorf("%w: %s/%s has %d bytes, the source %d", ErrNotConfirmed, c.dst.Bucket, c.dst.Key, head.Size, c.info.Size)
	}
	res := &Result{Bucket: c.dst.Bucket, Key: c.dst.Key, ETag: out.ETag, VersionID: out.VersionID, Size: c.info.Size, Parts: 1}
	if res.ETag == "" {
		res.ETag = head.ETag
	}
	if out.HasCRC64 && !head.HasCRC64 {
		head.CRC64, head.HasCRC64 = out.CRC64, true
	}
	verified, why, err := sameContent(c.info, head, c.o.Integrity)
	if err != nil {
		return err
	}
	res.Verified, res.Unverified = verified, why
	if head.HasCRC64 {
		res.CRC64, res.HasCRC64 = head.CRC64, true
	}
	c.res = res
	c.t.prog.add(c.info.Size, 1)
	c.t.ev.markDirty(dirtyProgress)
	c.t.ev.push(event{kind: evPart, part: Part{Number: c.first, Size: c.info.Size, ETag: res.ETag, CRC64: res.CRC64, HasCRC64: res.HasCRC64}})
	return nil
}

// sameContent compares what the source and its server-side copy publish
// about their content: the CRC-64, an additional checksum of the whole
// content, an MD5 ETag. It returns the check that matched, or why none
// could be made; a mismatch is an error matching ErrNotConfirmed.
func sameContent(src, dst *transferapi.ObjectInfo, mode Integrity) (string, string, error) {
	if mode == IntegrityOff {
		return "", "integrity checks are off (IntegrityOff)", nil
	}
	mismatch := func(what string, a, b any) error {
		return fmt.Errorf("%w: the copy's %s is %v, the source's %v", ErrNotConfirmed, what, b, a)
	}
	if src.HasCRC64 && dst.HasCRC64 {
		if src.CRC64 != dst.CRC64 {
			return "", "", mismatch("CRC-64", src.CRC64, dst.CRC64)
		}
		return "crc64", "", nil
	}
	a, b := src.Checksum, dst.Checksum
	if !a.IsZero() && !b.IsZero() && a.Algorithm == b.Algorithm && a.Parts == 0 && b.Parts == 0 {
		if !a.Equal(b) {
			return "", "", mismatch("checksum", a.String(), b.String())
		}
		return integrity.FromChecksum(a.Algorithm).String(), "", nil
	}
	if opkit.IsMD5Hex(src.ETag) && opkit.IsMD5Hex(dst.ETag) && !src.OpaqueETag && !dst.OpaqueETag {
		if !strings.EqualFold(src.ETag, dst.ETag) {
			return "", "", mismatch("MD5 ETag", src.ETag, dst.ETag)
		}
		return "md5", "", nil
	}
	return "", "the service copied the object and publishes no checksum of the source and the copy that can be compared", nil
}

// copyPart copies range i into its part.
func (c *copyJob) copyPart(ctx context.Context, i int) error {
	off, n := c.rangeOf(i)
	number := c.first + i
	in := &transferapi.UploadPartCopyInput{
		UploadRef: c.ref(), PartNumber: number,
		SourceBucket: c.src.Bucket, SourceKey: c.src.Key, SourceVersionID: c.src.VersionID,
		SourceOffset: off, SourceLength: n, SourceIfMatch: c.info.ETag,
	}
	out, err := c.cp.UploadPartCopy(ctx, in)
	if err == nil && out.ETag == "" {
		err = fmt.Errorf("transfer: the UploadPartCopy answer has no ETag: %w", client.ErrMalformedResponse)
	}
	if err == nil && c.withCRC32C && out.Checksum.IsZero() {
		err = fmt.Errorf("transfer: the UploadPartCopy answer has no CRC32C for an upload that takes them: %w", client.ErrMalformedResponse)
	}
	if err != nil {
		return &partError{number: number, err: c.sourceChanged(err)}
	}
	p := &copiedPart{size: n, etag: strings.Trim(out.ETag, `"`), checksum: out.Checksum}
	if err := c.jr.append(journalPart{Index: i, Size: n, ETag: p.etag, CRC32C: p.checksum.String()}); err != nil {
		return err
	}
	c.mu.Lock()
	c.parts[i] = p
	c.mu.Unlock()
	c.t.prog.add(n, 1)
	c.t.ev.markDirty(dirtyProgress)
	c.t.ev.push(event{kind: evPart, part: Part{Number: number, Offset: off, Size: n, ETag: p.etag, Checksum: p.checksum}})
	return nil
}

// complete assembles the parts, confirms the object by a HEAD and
// compares what the parts show with what the source publishes.
func (c *copyJob) complete(ctx context.Context) error {
	c.mu.Lock()
	parts := make([]transferapi.CompletedPart, c.nparts)
	sums := make([]client.Checksum, 0, c.nparts)
	whole := integrity.NewCombiner(integrity.CRC32C)
	crcOK := c.withCRC32C
	md5s := make([][]byte, c.nparts)
	for i := 0; i < c.nparts; i++ {
		p := c.parts[i]
		parts[i] = transferapi.CompletedPart{PartNumber: c.first + i, ETag: p.etag}
		if c.withCRC32C {
			parts[i].Checksum = p.checksum
			sums = append(sums, p.checksum)
			if v, ok := crc32cOf(p.checksum); ok {
				whole.Append(uint64(v), p.size)
			} else {
				crcOK = false
			}
		}
		md5s[i], _ = hex.DecodeString(p.etag)
	}
	c.mu.Unlock()
	var composite client.Checksum
	if c.withCRC32C {
		var err error
		if composite, err = client.CompositeChecksum(sums); err != nil {
			return fmt.Errorf("transfer: a copied part has no CRC32C: %w", err)
		}
	}
	// On a dialect whose Complete names the object's ETag (QingStor),
	// give the copy one that holds the source's CRC-32C, when the source
	// publishes it: a later download verifies the copy against it.
	etag := ""
	if c.d.Object.CompleteETagHeader != "" && c.plan.Kind == integrity.Whole && c.plan.Algo == integrity.CRC32C {
		etag = integrity.FormatETag(md5s, uint32(integrity.CRCValue(c.plan.Want)))
	}
	in := &transferapi.CompleteMultipartUploadInput{UploadRef: c.ref(), Parts: parts, ETag: etag}
	out, err := c.api.CompleteMultipartUpload(ctx, in)
	if errors.Is(err, client.ErrMalformedResponse) && ctx.Err() == nil {
		out, err = c.api.CompleteMultipartUpload(ctx, in)
	}
	gone := errors.Is(err, client.ErrNotFound)
	if err != nil && !gone {
		return err
	}
	if gone {
		out = &transferapi.CompleteMultipartUploadOutput{}
	}
	want := objectFacts{size: c.info.Size, etag: out.ETag, composite: composite}
	if c.info.HasCRC64 {
		// The copy must have the source's CRC-64 (COS computes it).
		want.crc, want.hasCRC = c.info.CRC64, true
	}
	if c.d.Object.MultipartETag {
		want.multipartETag, _ = multipartETag(parts)
	}
	if etag != "" {
		want.multipartETag = etag
	}
	if out.HasCRC64 && c.info.HasCRC64 && out.CRC64 != c.info.CRC64 {
		return &ChecksumError{What: "copy", Algorithm: "crc64", Want: formatCRC(c.info.CRC64), Got: formatCRC(out.CRC64)}
	}
	if c.withCRC32C && !out.Checksum.IsZero() && !out.Checksum.Equal(composite) {
		return &ChecksumError{What: "copy", Algorithm: "crc32c", Want: out.Checksum.String(), Got: composite.String()}
	}
	shell := &uploadJob{api: c.api, in: UploadInput{Bucket: c.dst.Bucket, Key: c.dst.Key}}
	info, evidence, herr := shell.confirm(ctx, out.VersionID, want)
	switch {
	case gone && herr != nil:
		return fmt.Errorf("%w; the object is not this copy's: %w", err, herr)
	case gone && evidence == "":
		return fmt.Errorf("%w; the object has the copy's size, but nothing the service publishes shows it is this copy's", err)
	case herr != nil:
		return herr
	}
	res := &Result{
		Bucket: c.dst.Bucket, Key: c.dst.Key, ETag: out.ETag, VersionID: out.VersionID, Size: c.info.Size,
		UploadID: c.uploadID(), Parts: c.nparts, ResumedParts: c.resumed, Checksum: composite,
	}
	if res.ETag == "" {
		res.ETag = info.ETag
	}
	if res.VersionID == "" {
		res.VersionID = info.VersionID
	}
	// What the copy's parts show, compared with what the source
	// publishes: the same bytes, end to end.
	switch p := c.plan; {
	case c.o.Integrity == IntegrityOff:
		res.Unverified = "integrity checks are off (IntegrityOff)"
	case c.info.HasCRC64 && (out.HasCRC64 || evidence == "crc64"):
		res.Verified, res.CRC64, res.HasCRC64 = "crc64", c.info.CRC64, true
	case crcOK && p.Kind == integrity.Whole && p.Algo == integrity.CRC32C:
		got := whole.Sum()
		if !slices.Equal(got, p.Want) {
			return &ChecksumError{What: "copy", Algorithm: "crc32c", Want: p.Algo.Format(p.Want), Got: p.Algo.Format(got)}
		}
		res.Verified = "crc32c"
	case c.withCRC32C && p.Kind == integrity.Composite && p.Algo == integrity.CRC32C && p.PartSize == c.partSize:
		if !slices.Equal(composite.Value, p.Want) {
			return &ChecksumError{What: "copy", Algorithm: p.Name(), Want: p.Algo.Format(p.Want), Got: composite.String()}
		}
		res.Verified = p.Name()
	default:
		res.Unverified = "the service copied the parts; what it reports of them cannot be compared with what the source publishes"
		if p.Kind == integrity.Unverified {
			res.Unverified += " (" + p.Reason + ")"
		}
	}
	c.res = res
	return nil
}

// loadCheckpoint reads the copy's journal, if any: one that matches the
// source (same ETag and size) gives the upload and the parts to keep,
// those the server still lists with the same ETag. A stale one has its
// upload aborted.
func (c *copyJob) loadCheckpoint(ctx context.Context) error {
	if c.o.CheckpointDir == "" {
		return nil
	}
	jpath := copyJournalPath(c.o.CheckpointDir, "server", &c.src, &c.dst)
	if err := c.t.m.claimJournal(jpath); err != nil {
		return err
	}
	c.jpath = jpath
	hdr, jparts, err := loadJournal(jpath)
	switch {
	case errors.Is(err, errJournalCorrupt):
		return removeJournal(jpath) // a copy's upload holds nothing the source cannot give again
	case err != nil:
		return err
	case hdr == nil:
		return nil
	}
	if !c.journalMatches(hdr) {
		if hdr.UploadID != "" && hdr.Bucket == c.dst.Bucket && hdr.Key == c.dst.Key {
			actx, stop := c.t.cleanupContext()
			_ = abortUpload(actx, c.api, transferapi.UploadRef{Bucket: hdr.Bucket, Key: hdr.Key, UploadID: hdr.UploadID})
			stop()
		}
		return removeJournal(jpath)
	}
	known := map[int]journalPart{}
	for _, p := range jparts {
		known[p.Index] = p
	}
	listed := map[int]transferapi.ServerPart{}
	for p, err := range c.api.ListParts(ctx, transferapi.UploadRef{Bucket: c.dst.Bucket, Key: c.dst.Key, UploadID: hdr.UploadID}) {
		if errors.Is(err, client.ErrNotFound) {
			return removeJournal(jpath) // the upload is gone: start over
		}
		if err != nil {
			return err
		}
		listed[p.PartNumber-c.first] = p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id = hdr.UploadID
	c.withCRC32C = hdr.Checksum == client.ChecksumCRC32C.String()
	c.partSize = hdr.PartSize
	c.nparts = max(int(ceilDiv(c.info.Size, c.partSize)), 1)
	for i, jp := range known {
		sp, ok := listed[i]
		if i < 0 || i >= c.nparts || !ok {
			continue
		}
		if _, n := c.rangeOf(i); sp.Size != n || jp.Size != n || !strings.EqualFold(strings.Trim(sp.ETag, `"`), jp.ETag) {
			continue
		}
		sum := sp.Checksum
		if c.withCRC32C && (sum.IsZero() || sum.String() != jp.CRC32C) {
			continue
		}
		c.parts[i] = &copiedPart{size: jp.Size, etag: jp.ETag, checksum: sum}
	}
	c.resumed = len(c.parts)
	return nil
}

// journalMatches reports whether a journal is this copy's, of the source
// as it is now.
func (c *copyJob) journalMatches(h *journalHeader) bool {
	return h.Op == "copy" && h.Bucket == c.dst.Bucket && h.Key == c.dst.Key && h.From == sourceName(&c.src) &&
		h.VersionID == c.src.VersionID && h.ETag == c.info.ETag && h.Size == c.info.Size && h.UploadID != "" &&
		validPartSize(h.PartSize, h.Size, c.d.Limits) && (h.Checksum == "" || c.withCRC32C)
}

// writeCheckpoint (re)writes the journal with the parts kept so far.
func (c *copyJob) writeCheckpoint() error {
	if c.jpath == "" {
		return nil
	}
	hdr := &journalHeader{
		Op: "copy", Bucket: c.dst.Bucket, Key: c.dst.Key, Size: c.info.Size, PartSize: c.partSize, UploadID: c.id,
		From: sourceName(&c.src), VersionID: c.src.VersionID, ETag: c.info.ETag, LastModified: c.info.LastModified,
	}
	if c.withCRC32C {
		hdr.Checksum = client.ChecksumCRC32C.String()
	}
	var parts []journalPart
	for _, i := range sortedKeys(c.parts) {
		p := c.parts[i]
		parts = append(parts, journalPart{Index: i, Size: p.size, ETag: p.etag, CRC32C: p.checksum.String()})
	}
	jr, err := createJournal(c.jpath, hdr, parts)
	if err != nil {
		return err
	}
	c.jr = jr
	return nil
}

func sortedKeys[V any](m map[int]V) []int {
	idx := make([]int, 0, len(m))
	for i := range m {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	return idx
}

// cleanup aborts a failed or cancelled multipart copy unless KeepParts,
// and removes the journal of one that is over.
func (c *copyJob) cleanup(ctx context.Context, err error, _ bool) error {
	if c.jpath != "" {
		defer c.t.m.releaseJournal(c.jpath)
	}
	id := c.uploadID()
	if err == nil {
		return c.jr.remove()
	}
	if id == "" || c.o.KeepParts {
		c.jr.close()
		return nil
	}
	if aerr := abortUpload(ctx, c.api, transferapi.UploadRef{Bucket: c.dst.Bucket, Key: c.dst.Key, UploadID: id}); aerr != nil {
		c.jr.close()
		return aerr
	}
	if c.jr != nil {
		return c.jr.remove()
	}
	if c.jpath != "" {
		return removeJournal(c.jpath)
	}
	return nil
}

func (c *copyJob) checkpoint() *Checkpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := &Checkpoint{Op: "copy", Bucket: c.dst.Bucket, Key: c.dst.Key, UploadID: c.id, Size: -1, PartSize: c.partSize, Journal: c.jpath}
	if c.info != nil {
		cp.Size = c.info.Size
	}
	for _, i := range sortedKeys(c.parts) {
		p := c.parts[i]
		cp.Parts = append(cp.Parts, Part{Number: c.first + i, Offset: int64(i) * c.partSize, Size: p.size, ETag: p.etag, Checksum: p.checksum})
	}
	return cp
}
