package object

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fence"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/multipart"
)

// DefaultPartSize is the part size of an unknown-length Put when
// PutInput.PartSize is 0 (raised to the dialect's minimum part size).
const DefaultPartSize = 16 << 20

// abortTimeout bounds the abort of a failed unknown-length upload. The
// abort runs on a context detached from the caller's, so that a canceled
// Put still cleans up its parts.
const abortTimeout = 30 * time.Second

// partBuffers recycles the part buffers of unknown-length uploads.
var partBuffers sync.Pool

func getBuffer(n int64) *[]byte {
	if p, ok := partBuffers.Get().(*[]byte); ok && int64(cap(*p)) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n)
	return &b
}

// chunker cuts a stream into parts, looking one byte ahead so that it
// knows whether a full part is the last one.
type chunker struct {
	r       io.Reader
	buf     []byte
	peek    [1]byte
	hasPeek bool
}

// next fills c.buf with the next part and reports its length and whether
// more data follows.
func (c *chunker) next() (n int, more bool, err error) {
	off := 0
	if c.hasPeek {
		c.buf[0], off, c.hasPeek = c.peek[0], 1, false
	}
	m, err := io.ReadFull(c.r, c.buf[off:])
	n = off + m
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return n, false, nil
	case err != nil:
		return n, false, err
	}
	k, err := io.ReadFull(c.r, c.peek[:])
	switch {
	case k == 1:
		c.hasPeek = true
		return n, true, nil
	case errors.Is(err, io.EOF):
		return n, false, nil
	}
	return n, false, err
}

// putStream sends a body of unknown length: one PUT if it fits in a part,
// a multipart upload otherwise.
func (c *Client) putStream(ctx context.Context, in *PutInput, optFns []func(*client.Options)) (*PutOutput, error) {
	// Check the options before reading anything from the caller's stream.
	cc, err := c.c.With(optFns...)
	if err != nil {
		return nil, withOp(err, putOp.Name)
	}
	c, optFns = &Client{c: cc}, nil
	d := opkit.DialectOf(c.c)
	if err := putOp.Validate(d, in); err != nil {
		return nil, withOp(err, putOp.Name)
	}
	partSize := in.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	partSize = max(partSize, d.Limits.MinPartSize)
	bp := getBuffer(partSize)
	defer partBuffers.Put(bp)
	ch := &chunker{r: in.Body, buf: *bp}

	n, more, err := ch.next()
	if err != nil {
		return nil, &client.OperationError{Dialect: d.Name, Op: putOp.Name, Err: fmt.Errorf("reading Body: %w", err)}
	}
	if !more {
		one := *in
		one.Body, one.Size = nil, 0
		if n > 0 {
			body := fence.New(ch.buf[:n])
			defer body.Release() // before the buffer goes back to the pool
			one.Body, one.Size = body, int64(n)
		}
		return c.putOne(ctx, &one, optFns)
	}
	if in.ContentMD5 != nil {
		return nil, withOp(client.InvalidArgument("ContentMD5", "cannot be checked: Body is longer than one part (%d bytes) and is sent as a multipart upload", partSize), putOp.Name)
	}
	if !in.Checksum.IsZero() {
		return nil, withOp(client.InvalidArgument("Checksum", "cannot be checked: Body is longer than one part (%d bytes) and is sent as a multipart upload", partSize), putOp.Name)
	}
	if in.TrailingChecksum != client.ChecksumNone {
		return nil, withOp(client.InvalidArgument("TrailingChecksum", "is for a single request: Body is longer than one part (%d bytes) and is sent as a multipart upload", partSize), putOp.Name)
	}
	if in.Retention != nil {
		return nil, withOp(client.InvalidArgument("Retention", "cannot be applied: Body is longer than one part (%d bytes) and is sent as a multipart upload", partSize), putOp.Name)
	}
	return c.putMultipart(ctx, in, ch, n, optFns)
}

// putMultipart uploads the chunker's parts one at a time, the first of
// which (n bytes) is already in the buffer. Any failure aborts the upload.
func (c *Client) putMultipart(ctx context.Context, in *PutInput, ch *chunker, n int, optFns []func(*client.Options)) (out *PutOutput, err error) {
	d := opkit.DialectOf(c.c)
	mp := multipart.NewClient(c.c)
	up, err := mp.Initiate(ctx, &multipart.InitiateInput{
		Bucket: in.Bucket, Key: in.Key,
		ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage,
		CacheControl: in.CacheControl, Expires: in.Expires, Metadata: in.Metadata,
		StorageClass: in.StorageClass, ACL: in.ACL, Grants: in.Grants, SSE: in.SSE,
	}, optFns...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			return
		}
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
		defer cancel()
		if _, aerr := mp.Abort(actx, &multipart.AbortInput{Bucket: in.Bucket, Key: in.Key, UploadID: up.UploadID}, optFns...); aerr != nil {
			err = fmt.Errorf("%w (and aborting upload %s failed: %w)", err, up.UploadID, aerr)
		}
	}()

	last := d.Limits.FirstPartNumber + d.Limits.MaxParts - 1
	var parts []multipart.CompletedPart
	var checks partChecks
	for number, more := d.Limits.FirstPartNumber, true; ; number++ {
		if d.Limits.MaxParts > 0 && number > last {
			return nil, withOp(client.InvalidArgument("Body", "is longer than %d parts of %d bytes, the %s limit; raise PartSize", d.Limits.MaxParts, len(ch.buf), d.Name), putOp.Name)
		}
		body := fence.New(ch.buf[:n])
		part, err := mp.UploadPart(ctx, &multipart.UploadPartInput{
			Bucket: in.Bucket, Key: in.Key, UploadID: up.UploadID, PartNumber: number,
			Body: body, Size: int64(n), SSE: in.SSE, Integrity: in.Integrity,
		}, optFns...)
		body.Release() // the buffer is refilled next
		if err != nil {
			return nil, err
		}
		checks.add(part.Verified, part.Unverified)
		parts = append(parts, multipart.CompletedPart{PartNumber: number, ETag: part.ETag})
		if !more {
			break
		}
		// more means the chunker holds at least one byte of the next part.
		if n, more, err = ch.next(); err != nil {
			return nil, &client.OperationError{Dialect: d.Name, Op: putOp.Name, Err: fmt.Errorf("reading Body: %w", err)}
		}
	}
	done, err := mp.Complete(ctx, &multipart.CompleteInput{
		Bucket: in.Bucket, Key: in.Key, UploadID: up.UploadID, Parts: parts, SSE: in.SSE,
	}, optFns...)
	if err != nil {
		return nil, err
	}
	verified, unverified := checks.result()
	return &PutOutput{
		ETag: done.ETag, VersionID: done.VersionID, CRC64: done.CRC64, HasCRC64: done.HasCRC64,
		UploadID: up.UploadID, RequestID: done.RequestID, Verified: verified, Unverified: unverified,
	}, nil
}

// partChecks sums up what the parts of an upload were verified with.
type partChecks struct {
	verified   string // the check of the first verified part
	mixed      bool   // another part passed another check
	checked, n int
	unverified string // why the first unverified part was not
}

func (pc *partChecks) add(verified, unverified string) {
	pc.n++
	switch {
	case verified == "":
		if pc.unverified == "" {
			pc.unverified = unverified
		}
		return
	case pc.checked == 0:
		pc.verified = verified
	case verified != pc.verified:
		pc.mixed = true
	}
	pc.checked++
}

// result is PutOutput's Verified and Unverified for the upload: the check
// every part passed, "parts" when each passed one but not the same, or
// why a part was not verified.
func (pc *partChecks) result() (string, string) {
	switch {
	case pc.n == 0 || pc.checked < pc.n:
		return "", fmt.Sprintf("%d of %d parts were verified; another: %s", pc.checked, pc.n, pc.unverified)
	case pc.mixed:
		return "parts", ""
	}
	return pc.verified, ""
}

// withOp records the operation name on an input error.
func withOp(err error, op string) error {
	var ia *client.InvalidArgumentError
	if errors.As(err, &ia) && ia.Op == "" {
		ia.Op = op
	}
	return err
}
