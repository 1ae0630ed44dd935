package object

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/integrity"
)

// whole reports whether the input reads the whole object.
func (in *GetInput) whole() bool { return in.Offset == 0 && in.Length == 0 }

// contentRange is a parsed Content-Range: bytes first-last/total, with
// total -1 for "*".
type contentRange struct{ first, last, total int64 }

// parseContentRange parses "bytes first-last/total" (total may be "*").
func parseContentRange(v string) (contentRange, bool) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !ok {
		return contentRange{}, false
	}
	span, total, ok := strings.Cut(spec, "/")
	first, last, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return contentRange{}, false
	}
	cr := contentRange{total: -1}
	var err error
	if cr.first, err = strconv.ParseInt(first, 10, 64); err != nil || cr.first < 0 {
		return contentRange{}, false
	}
	if cr.last, err = strconv.ParseInt(last, 10, 64); err != nil || cr.last < cr.first {
		return contentRange{}, false
	}
	if total != "*" {
		if cr.total, err = strconv.ParseInt(total, 10, 64); err != nil || cr.total <= cr.last {
			return contentRange{}, false
		}
	}
	return cr, true
}

// checkGet refuses an answer whose bytes are not those asked for, and
// sets out.Size.
func checkGet(d *client.Dialect, in *GetInput, out *GetOutput) error {
	if err := checkRange(d, in, out); err != nil {
		return err
	}
	if im := in.IfMatch; im != "" && im != "*" && !sameETag(im, out.ETag) {
		return &client.OperationError{Dialect: d.Name, Op: getOp.Name,
			Err: fmt.Errorf("%w: asked for ETag %q (If-Match), the answer has ETag %q", client.ErrPreconditionFailed, strings.Trim(im, `"`), out.ETag)}
	}
	return nil
}

func checkRange(d *client.Dialect, in *GetInput, out *GetOutput) error {
	fail := func(format string, args ...any) error {
		return &client.RangeError{Dialect: d.Name, Op: getOp.Name, Offset: in.Offset, Length: in.Length,
			Status: out.status, ContentRange: out.ContentRange, Reason: fmt.Sprintf(format, args...)}
	}
	out.Size = -1
	if out.status != http.StatusPartialContent {
		if !in.whole() {
			// A server may answer a range with the whole object; that
			// is what was asked for only if the range covers it.
			if in.Offset != 0 || out.ContentLength < 0 || in.Length < out.ContentLength {
				return fail("the server ignored the range and sent the whole object")
			}
		}
		out.Size = out.ContentLength
		return nil
	}
	cr, ok := parseContentRange(out.ContentRange)
	if !ok {
		return fail("a partial answer needs a Content-Range of the form bytes first-last/size")
	}
	n := cr.last - cr.first + 1
	if out.ContentLength >= 0 && out.ContentLength != n {
		return fail("Content-Length %d does not match the %d bytes of the Content-Range", out.ContentLength, n)
	}
	out.Size = cr.total
	if in.whole() {
		if cr.first != 0 || cr.total < 0 || cr.last != cr.total-1 {
			return fail("a partial answer to a read of the whole object")
		}
		return nil
	}
	if cr.first != in.Offset {
		return fail("the bytes start at %d", cr.first)
	}
	if in.Length > 0 {
		want := in.Offset + in.Length - 1
		// An end past the object's is clipped to it.
		if cr.last != want && (cr.last > want || cr.total < 0 || cr.last != cr.total-1) {
			return fail("the bytes end at %d", cr.last)
		}
	} else if cr.total >= 0 && cr.last != cr.total-1 {
		return fail("the bytes end at %d, before the object's end", cr.last)
	}
	return nil
}

// sameETag compares entity tags, ignoring quotes and weakness.
func sameETag(a, b string) bool {
	norm := func(s string) string { return strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`) }
	return norm(a) == norm(b)
}

// verifyBody wraps the body of a read of the whole object in a check
// against the checksum its answer publishes.
func verifyBody(d *client.Dialect, in *GetInput, out *GetOutput) {
	switch {
	case in.DisableVerification:
		out.Unverified = "verification is disabled (GetInput.DisableVerification)"
		return
	case !in.whole() && !(out.status == http.StatusOK && out.Size >= 0):
		out.Unverified = "a ranged read cannot be checked: the published checksums are of the whole object"
		return
	case out.uncompressed:
		out.Unverified = "the transport decompressed the body (Content-Encoding), so it is not the stored bytes"
		return
	}
	p := integrity.Choose(integrity.Facts{
		Size: out.Size, ETag: out.ETag, OpaqueETag: out.OpaqueETag, Encryption: out.Encryption,
		CRC64: out.CRC64, HasCRC64: out.HasCRC64, Checksum: out.Checksum, Metadata: out.Metadata,
	})
	if p.Kind == integrity.Unverified {
		out.Unverified = p.Reason
		return
	}
	name := p.Name()
	out.Verified = name
	out.Body = integrity.NewReader(out.Body, p, out.Size, func(want, got string) error {
		return &client.ChecksumMismatchError{Dialect: d.Name, Op: getOp.Name, Algorithm: name, Want: want, Got: got}
	})
}
