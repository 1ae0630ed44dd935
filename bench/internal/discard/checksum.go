package discard

import (
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"log"
	"net/http"
	"sort"
	"strings"
)

// checksum is the additional checksum a PUT or UploadPart declares, in a
// header (x-amz-checksum-crc32c: VALUE) or as a trailer (x-amz-trailer:
// x-amz-checksum-crc32c). The server computes it over the body it
// receives, refuses a mismatch (400 BadDigest) and echoes the value in
// its answer, as S3 does: polystore takes a trailer as verified only
// when the server echoes it.
type checksum struct {
	name  string // the header, lower case; "" for none
	value string // the header's value; "" when it comes as a trailer
	h     hash.Hash32
}

var crc32cTable = crc32.MakeTable(crc32.Castagnoli)

func newChecksum(r *http.Request) *checksum {
	c := &checksum{}
	for _, algo := range []struct {
		name string
		new  func() hash.Hash32
	}{
		{"x-amz-checksum-crc32c", func() hash.Hash32 { return crc32.New(crc32cTable) }},
		{"x-amz-checksum-crc32", func() hash.Hash32 { return crc32.NewIEEE() }},
	} {
		v := r.Header.Get(algo.name)
		trailer := strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Amz-Trailer")), algo.name)
		if v != "" || trailer {
			c.name, c.value, c.h = algo.name, v, algo.new()
			break
		}
	}
	return c
}

// hash is what consume feeds the body to: nil when nothing is declared.
func (c *checksum) hash() hash.Hash {
	if c.h == nil {
		return nil
	}
	return c.h
}

// check compares the declared value with the body's, and echoes it.
func (c *checksum) check(w http.ResponseWriter, r *http.Request, chunked *chunkedReader) error {
	if c.h == nil {
		return nil
	}
	want := c.value
	if want == "" && chunked != nil {
		want = chunked.trailers[c.name]
	}
	got := base64.StdEncoding.EncodeToString(c.h.Sum(nil))
	if want != got {
		return fmt.Errorf("%s: the body's is %s, the request says %q", c.name, got, want)
	}
	w.Header().Set(c.name, got)
	return nil
}

// noteWire logs, once per distinct combination, what a body-carrying
// request declares: its payload hash (a hex SHA-256 is shown as
// "sha256"), content encoding, trailer and checksum headers, so a run
// shows what each client actually sends over http and https.
func (s *Server) noteWire(r *http.Request) {
	sig := r.Header.Get("X-Amz-Content-Sha256")
	if len(sig) == 64 && !strings.HasPrefix(sig, "STREAMING") {
		sig = "sha256"
	}
	var sums []string
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-amz-checksum-") || l == "content-md5" {
			sums = append(sums, l)
		}
	}
	sort.Strings(sums)
	tls := "http"
	if r.TLS != nil {
		tls = "https"
	}
	wire := fmt.Sprintf("%s %s payload=%s encoding=%q trailer=%q checksums=%v ua=%.40q", tls, r.Method, sig,
		r.Header.Get("Content-Encoding"), r.Header.Get("X-Amz-Trailer"), sums, r.UserAgent())
	if _, seen := s.wires.LoadOrStore(wire, true); !seen {
		log.Printf("wire: %s", wire)
	}
}
