package client

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// decodeChunked is an independent aws-chunked decoder for the test: data
// chunks, then the final empty chunk, trailer lines and an empty line.
func decodeChunked(t *testing.T, framed []byte) (data []byte, trailers map[string]string) {
	t.Helper()
	rest := string(framed)
	next := func() string {
		i := strings.Index(rest, "\r\n")
		if i < 0 {
			t.Fatalf("no CRLF in %q", rest)
		}
		line := rest[:i]
		rest = rest[i+2:]
		return line
	}
	for {
		size, err := strconv.ParseInt(next(), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if size == 0 {
			break
		}
		if size > trailerChunk {
			t.Fatalf("a %d-byte chunk", size)
		}
		data = append(data, rest[:size]...)
		rest = rest[size:]
		if next() != "" {
			t.Fatal("chunk data longer than its size")
		}
	}
	trailers = map[string]string{}
	for {
		line := next()
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		trailers[name] = value
	}
	if rest != "" {
		t.Fatalf("%d bytes after the trailers", len(rest))
	}
	return data, trailers
}

// TestTrailingChecksumBody frames bodies of sizes around the chunk size:
// the declared length is the framed length, the framing decodes to the
// content, the trailer is the content's CRC32C, and a replay frames it
// again identically — read in one go or a byte at a time.
func TestTrailingChecksumBody(t *testing.T) {
	d := S3
	for _, size := range []int{0, 1, trailerChunk - 1, trailerChunk, trailerChunk + 1, 3*trailerChunk + 12345} {
		content := bytes.Repeat([]byte("0123456789abcdefg"), size/17+1)[:size]
		r := &request{Header: http.Header{}, Body: bytesBody(content)}
		d.setTrailingChecksum(r, ChecksumCRC32C, "gzip")
		for _, readAll := range []func(io.Reader) ([]byte, error){io.ReadAll, func(src io.Reader) ([]byte, error) { return io.ReadAll(iotest.OneByteReader(src)) }} {
			src, err := bodyReader(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			framed, err := readAll(src)
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			if int64(len(framed)) != r.Body.Size() {
				t.Fatalf("size %d: framed %d bytes, Size() says %d", size, len(framed), r.Body.Size())
			}
			data, trailers := decodeChunked(t, framed)
			if !bytes.Equal(data, content) {
				t.Fatalf("size %d: decoded %d bytes, not the content", size, len(data))
			}
			want := base64.StdEncoding.EncodeToString(ComputeChecksum(ChecksumCRC32C, content).Value)
			if got := trailers["x-amz-checksum-crc32c"]; got != want || len(trailers) != 1 {
				t.Fatalf("size %d: trailers %v, want x-amz-checksum-crc32c:%s", size, trailers, want)
			}
		}
		for name, want := range map[string]string{
			"Content-Encoding":             "aws-chunked,gzip",
			"X-Amz-Decoded-Content-Length": fmt.Sprint(size),
			"X-Amz-Trailer":                "x-amz-checksum-crc32c",
			"X-Amz-Content-Sha256":         "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
		} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("size %d: %s = %q, want %q", size, name, got, want)
			}
		}
	}
}

// TestTrailingChecksumShortSource: a source that ends early is an error,
// not a short body with a checksum of the wrong bytes.
func TestTrailingChecksumShortSource(t *testing.T) {
	r := &request{Header: http.Header{}, Body: streamBody(strings.NewReader("abc"), 10)}
	S3.setTrailingChecksum(r, ChecksumCRC32C, "")
	src, _ := bodyReader(r.Body)
	if _, err := io.ReadAll(src); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestCanTrail(t *testing.T) {
	s3, ibm := S3, IBM
	if !s3.canTrail(&Options{}) || ibm.canTrail(&Options{}) {
		t.Error("S3 should trail by default, IBM not")
	}
}

// TestTrailerRefusalRecord: a refusal a transfer manager records is
// seen by the client and the clients With derives for the same endpoint,
// turns the client's own default trailers off, and does not undo a
// trailer already accepted; usesTLS follows the endpoint's scheme.
func TestTrailerRefusalRecord(t *testing.T) {
	c, err := New(S3, WithEndpoint("https://127.0.0.1:1"), WithRegion("us-east-1"), WithStaticCredentials("AK", "SK", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !c.usesTLS() || c.trailersRefusedByServer() {
		t.Fatalf("new client: usesTLS %v, refused %v", c.usesTLS(), c.trailersRefusedByServer())
	}
	d, err := c.With(WithTimeouts(Timeouts{Dial: 1e9}))
	if err != nil {
		t.Fatal(err)
	}
	c.recordTrailersRefused()
	if !c.trailersRefusedByServer() || !d.trailersRefusedByServer() {
		t.Errorf("after the record: refused %v, derived %v", c.trailersRefusedByServer(), d.trailersRefusedByServer())
	}
	p := &preparedBody{neg: c.neg}
	if !p.trailersRefused() {
		t.Error("a prepared body of the client does not see the refusal")
	}
	h, err := New(S3, WithEndpoint("http://127.0.0.1:1"), WithRegion("us-east-1"), WithStaticCredentials("AK", "SK", ""))
	if err != nil {
		t.Fatal(err)
	}
	h.neg.trailers.Store(trailersAccepted)
	h.recordTrailersRefused()
	if h.usesTLS() || h.trailersRefusedByServer() {
		t.Errorf("plain http client after an accepted trailer: usesTLS %v, refused %v", h.usesTLS(), h.trailersRefusedByServer())
	}
}
