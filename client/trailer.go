package client

import (
	"bytes"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"strconv"

	"github.com/polystore/polystore/signer"
)

// A trailing checksum is computed while the body is sent and sent after
// it: the body goes out in aws-chunked framing
//
//	100000\r\n <1 MiB> \r\n ... <size>\r\n <last bytes> \r\n 0\r\n
//	x-amz-checksum-crc32c:<base64>\r\n \r\n
//
// with X-Amz-Content-Sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER, so the
// body is read once instead of once to hash it and once to send it. The
// server decodes the framing, checks the trailer against the bytes, and
// echoes the checksum in its answer.

// ErrTrailerIgnored is returned (wrapped in the operation's error) when
// a request sent with a trailing checksum is answered without the
// checksum echoed: the server did not decode the aws-chunked framing, and
// may have stored the framed bytes. Write the object again without
// TrailingChecksum, and clear FeatureTrailingChecksums on the dialect for
// that server.
var ErrTrailerIgnored = errors.New("the server did not acknowledge the trailing checksum (no aws-chunked support?)")

// trailerChunk is the data size of each aws-chunked chunk but the last.
// Servers take chunks from 8 KiB (versitygw refuses smaller ones but the
// last) to 16 MiB (MinIO refuses larger ones); aws-sdk-go-v2 sends a body
// of known length as one chunk. 1 MiB keeps the framing negligible and
// lets the body be read in the transport's own large steps (the data of
// one read never spans two chunks).
const trailerChunk = 1 << 20

// streamingTrailer is the X-Amz-Content-Sha256 value of an unsigned body
// with trailers.
const streamingTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

// canTrail reports whether a request signed with o can carry a trailing
// checksum on this dialect: the dialect has FeatureTrailingChecksums and
// the signer is SigV4 (the dialect's default, or a *signer.V4).
func (d *Dialect) canTrail(o *Options) bool {
	if !d.Has(FeatureTrailingChecksums) {
		return false
	}
	switch o.Signer.(type) {
	case nil:
		return true // the dialects with the feature default to SigV4
	case *signer.V4:
		return true
	}
	return false
}

// checkTrailingChecksum validates a request's TrailingChecksum field: a
// known algorithm, not together with a given checksum, on a dialect with
// FeatureTrailingChecksums.
func (d *Dialect) checkTrailingChecksum(field string, a ChecksumAlgorithm, given Checksum) error {
	switch {
	case a == ChecksumNone:
		return nil
	case !a.valid():
		return InvalidArgument(field, "unknown checksum algorithm %d", int(a))
	case !given.IsZero():
		return InvalidArgument(field, "excludes Checksum: the checksum is either given or computed while sending")
	case !d.Has(FeatureTrailingChecksums):
		return NotSupported(d, field, "trailing checksums (aws-chunked)")
	}
	return nil
}

// setTrailingChecksum turns r's body into an aws-chunked body whose
// checksum in algorithm a is computed as it is sent and follows it as a
// trailer, and sets the headers that announce it. contentEncoding is the
// object's own Content-Encoding, if any (aws-chunked is listed first, as
// S3 strips it). Check CanTrail first.
func (d *Dialect) setTrailingChecksum(r *request, a ChecksumAlgorithm, contentEncoding string) {
	body := r.Body
	if body == nil {
		body = bytesBody(nil)
	}
	name := d.HeaderPrefix + a.headerSuffix()
	n := body.Len
	r.Body = &payload{
		Len:    trailedLen(n, a, name),
		Replay: body.Replay,
		Open: func() (io.Reader, error) {
			var src io.Reader = bytes.NewReader(nil)
			if n > 0 {
				var err error
				if src, err = bodyReader(body); err != nil {
					return nil, err
				}
			}
			return &chunkEncoder{src: src, left: n, h: a.New(), name: name}, nil
		},
	}
	enc := "aws-chunked"
	if contentEncoding != "" {
		enc += "," + contentEncoding
	}
	r.Header.Set("Content-Encoding", enc)
	r.Header.Set(d.HeaderPrefix+"decoded-content-length", strconv.FormatInt(n, 10))
	r.Header.Set(d.HeaderPrefix+"trailer", name)
	r.Header.Set(d.HeaderPrefix+"content-sha256", streamingTrailer)
	r.Header.Del(name)
}

// trailedLen is the framed length of n bytes with a trailer named name
// carrying a checksum in algorithm a.
func trailedLen(n int64, a ChecksumAlgorithm, name string) int64 {
	full, rest := n/trailerChunk, n%trailerChunk
	size := full * int64(len(strconv.FormatInt(trailerChunk, 16))+2+trailerChunk+2)
	if rest > 0 {
		size += int64(len(strconv.FormatInt(rest, 16))) + 2 + rest + 2
	}
	size += int64(len("0\r\n") + len(name) + 1 + base64.StdEncoding.EncodedLen(a.Size()) + len("\r\n\r\n"))
	return size
}

// chunkEncoder frames src (left bytes) as aws-chunked with a trailing
// checksum. The data is read straight into the caller's buffer and hashed
// there; only the few framing bytes are copied.
type chunkEncoder struct {
	src     io.Reader
	left    int64 // data bytes not yet started
	inChunk int64 // data bytes left in the current chunk
	h       hash.Hash
	name    string
	frame   []byte // framing bytes to emit next
	ended   bool   // the final chunk and trailer were framed
	scratch [32]byte
}

func (e *chunkEncoder) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case len(e.frame) > 0:
			k := copy(p[n:], e.frame)
			e.frame = e.frame[k:]
			n += k
		case e.inChunk > 0:
			want := p[n:]
			if int64(len(want)) > e.inChunk {
				want = want[:e.inChunk]
			}
			k, err := e.src.Read(want)
			e.h.Write(want[:k])
			e.inChunk -= int64(k)
			n += k
			if e.inChunk == 0 {
				e.frame = append(e.scratch[:0], '\r', '\n')
			}
			if err == io.EOF && e.inChunk > 0 {
				return n, io.ErrUnexpectedEOF
			}
			if err != nil && err != io.EOF {
				return n, err
			}
			if k < len(want) { // a short read: hand over what there is
				return n, nil
			}
		case e.left > 0:
			c := min(e.left, trailerChunk)
			e.left -= c
			e.inChunk = c
			e.frame = append(strconv.AppendInt(e.scratch[:0], c, 16), '\r', '\n')
		case !e.ended:
			e.ended = true
			sum := base64.StdEncoding.EncodeToString(e.h.Sum(nil))
			e.frame = []byte("0\r\n" + e.name + ":" + sum + "\r\n\r\n")
		default:
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
	}
	return n, nil
}
