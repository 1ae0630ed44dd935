package integrity

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/gather"
)

func data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func digest(a Algo, b []byte) []byte {
	h := a.New()
	h.Write(b)
	return h.Sum(nil)
}

// Combining the CRCs of any split of the data gives the CRC of the data,
// for every CRC.
func TestCombine(t *testing.T) {
	b := data(1, 100_003)
	for _, a := range []Algo{CRC64ECMA, CRC32, CRC32C, CRC64NVME} {
		want := digest(a, b)
		for _, cuts := range [][]int{{}, {1}, {50_000}, {4096, 8192, 12288}, {0, 0, 99_999}, {7, 1000, 77_777, 100_000}} {
			c := NewCombiner(a)
			prev := 0
			for _, cut := range append(cuts, len(b)) {
				c.Append(CRCValue(digest(a, b[prev:cut])), int64(cut-prev))
				prev = cut
			}
			if got := c.Sum(); !bytes.Equal(got, want) || c.Len() != int64(len(b)) {
				t.Errorf("%v cuts %v: combined %x, want %x", a, cuts, got, want)
			}
		}
		if got := Combine(a, CRCValue(digest(a, b[:10])), CRCValue(digest(a, b[10:])), int64(len(b)-10)); got != CRCValue(want) {
			t.Errorf("%v Combine = %x, want %x", a, got, want)
		}
	}
}

// The catalogued check values over "123456789" pin each algorithm.
func TestCheckValues(t *testing.T) {
	for a, want := range map[Algo]uint64{
		CRC32: 0xcbf43926, CRC32C: 0xe3069283, CRC64ECMA: 0x995dc9bbdf1939fa, CRC64NVME: 0xae8b14860a799888,
	} {
		if got := CRCValue(digest(a, []byte("123456789"))); got != want {
			t.Errorf("%v check value %x, want %x", a, got, want)
		}
	}
}

func TestETagFormat(t *testing.T) {
	parts := [][]byte{digest(MD5, []byte("a")), digest(MD5, []byte("b"))}
	e := FormatETag(parts, 0x0badcafe)
	if crc, ok := ParseETag(`"` + e + `"`); !ok || crc != 0x0badcafe {
		t.Fatalf("ParseETag(%q) = %x, %v", e, crc, ok)
	}
	// The MD5 part is S3's multipart ETag of the same parts.
	if want := CompositeOf(MD5, parts); e[:32] != MD5.Format(want) || e[32:35] != "-2-" {
		t.Errorf("ETag %q does not start with the multipart ETag %x-2", e, want)
	}
	for _, bad := range []string{"", "9e107d9d372bb6826bd81d3542a419d6", "9e107d9d372bb6826bd81d3542a419d6-2",
		"9e107d9d372bb6826bd81d3542a419d6-2-crc32c-0badcaf", "zz107d9d372bb6826bd81d3542a419d6-2-crc32c-0badcafe",
		"9e107d9d372bb6826bd81d3542a419d6-x-crc32c-0badcafe", "9e107d9d372bb6826bd81d3542a419d6-2-crc32c-0badcafg"} {
		if _, ok := ParseETag(bad); ok {
			t.Errorf("ParseETag(%q) accepted", bad)
		}
	}
	if FormatETag(nil, 1) != "" || FormatETag([][]byte{{1, 2}}, 1) != "" {
		t.Error("FormatETag without part MD5s made an ETag")
	}
}

func TestChoose(t *testing.T) {
	b := data(2, 10_000)
	crc32c := client.ComputeChecksum(client.ChecksumCRC32C, b)
	sha := client.ComputeChecksum(client.ChecksumSHA256, b)
	md5hex := MD5.Format(digest(MD5, b))
	p1, p2 := b[:4096], b[4096:8192]
	composite := client.Checksum{Algorithm: client.ChecksumCRC32C, Parts: 3,
		Value: CompositeOf(CRC32C, [][]byte{digest(CRC32C, p1), digest(CRC32C, p2), digest(CRC32C, b[8192:])})}
	meta := map[string]string{PartSizeMeta: "4096"}
	for _, tc := range []struct {
		name string
		f    Facts
		want string
	}{
		{"cos", Facts{Size: 10_000, HasCRC64: true, CRC64: 5, ETag: md5hex}, "crc64"},
		{"crc32c", Facts{Size: 10_000, Checksum: crc32c, ETag: md5hex}, "crc32c"},
		{"sha256-over-md5", Facts{Size: 10_000, Checksum: sha, ETag: md5hex}, "sha256"},
		{"md5", Facts{Size: 10_000, ETag: md5hex}, "md5"},
		{"kms", Facts{Size: 10_000, ETag: md5hex, OpaqueETag: true, Encryption: "aws:kms"}, ""},
		{"kms-with-checksum", Facts{Size: 10_000, ETag: md5hex, OpaqueETag: true, Checksum: crc32c}, "crc32c"},
		{"composite", Facts{Size: 10_000, Checksum: composite, ETag: "x-3", Metadata: meta}, "crc32c-composite"},
		{"composite-no-layout", Facts{Size: 10_000, Checksum: composite, ETag: "x-3"}, ""},
		{"composite-wrong-layout", Facts{Size: 10_000, Checksum: composite, ETag: "x-3", Metadata: map[string]string{PartSizeMeta: "8192"}}, ""},
		{"composite-one-part", Facts{Size: 10_000, ETag: "x-1", Checksum: client.Checksum{Algorithm: client.ChecksumCRC32C, Parts: 1, Value: []byte{1, 2, 3, 4}}}, "crc32c-composite"},
		{"qingstor-etag", Facts{Size: 10_000, ETag: FormatETag([][]byte{digest(MD5, b)}, 7)}, "crc32c"},
		{"multipart", Facts{Size: 10_000, ETag: md5hex + "-3"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Choose(tc.f)
			if p.Name() != tc.want {
				t.Errorf("Choose = %q (%+v), want %q", p.Name(), p, tc.want)
			}
			if (p.Kind == Unverified) != (p.Reason != "") {
				t.Errorf("plan %+v: a reason goes with Unverified, and only with it", p)
			}
		})
	}
	if p := Choose(Facts{Size: 10_000, ETag: md5hex, OpaqueETag: true, Encryption: "aws:kms"}); !bytes.Contains([]byte(p.Reason), []byte("aws:kms")) {
		t.Errorf("reason %q does not name the encryption", p.Reason)
	}
}

// A Stream (and a Reader over it) accepts the right bytes and refuses a
// flipped bit, for whole and composite plans.
func TestStreamAndReader(t *testing.T) {
	b := data(3, 10_000)
	parts := [][]byte{digest(CRC32C, b[:4096]), digest(CRC32C, b[4096:8192]), digest(CRC32C, b[8192:])}
	plans := map[string]Plan{
		"crc64":     {Kind: Whole, Algo: CRC64ECMA, Want: digest(CRC64ECMA, b)},
		"md5":       {Kind: Whole, Algo: MD5, Want: digest(MD5, b)},
		"composite": {Kind: Composite, Algo: CRC32C, Want: CompositeOf(CRC32C, parts), PartSize: 4096, Parts: 3},
	}
	errBad := errors.New("bad")
	for name, p := range plans {
		for _, chunk := range []int{1, 1000, 4096, 10_000} {
			t.Run(name+"/"+strconv.Itoa(chunk), func(t *testing.T) {
				s := NewStream(p)
				for i := 0; i < len(b); i += chunk {
					s.Write(b[i:min(i+chunk, len(b))])
				}
				if ok, want, got := s.Check(); !ok {
					t.Fatalf("good bytes refused: want %s got %s", want, got)
				}
				r := NewReader(io.NopCloser(bytes.NewReader(b)), p, int64(len(b)), func(w, g string) error { return errBad })
				if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, b) {
					t.Fatalf("good body: %d bytes, %v", len(got), err)
				}
				bad := bytes.Clone(b)
				bad[5000] ^= 0x10
				r = NewReader(io.NopCloser(bytes.NewReader(bad)), p, int64(len(b)), func(w, g string) error { return errBad })
				if _, err := io.ReadAll(r); !errors.Is(err, errBad) {
					t.Fatalf("flipped bit: err %v", err)
				}
				if _, err := r.Read(make([]byte, 1)); !errors.Is(err, errBad) {
					t.Errorf("the error did not stay: %v", err)
				}
				r = NewReader(io.NopCloser(bytes.NewReader(b[:9000])), p, int64(len(b)), func(w, g string) error { return errBad })
				if _, err := io.ReadAll(r); !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("short body: err %v", err)
				}
			})
		}
	}
}

func BenchmarkCombine(b *testing.B) {
	c := NewCombiner(CRC32C)
	for i := 0; i < b.N; i++ {
		c.Append(uint64(i), 8<<20)
	}
}

// recordReads returns at most 16 KiB per Read, as a TLS connection
// returns one record.
type recordReads struct{ r io.Reader }

func (s recordReads) Read(p []byte) (int, error) {
	if len(p) > 16<<10 {
		p = p[:16<<10]
	}
	return s.r.Read(p)
}

// countWriter counts writes; it fails once failAt bytes were taken
// (failAt > 0), taking short ones when short is set.
type countWriter struct {
	buf    bytes.Buffer
	writes int
	failAt int
	short  bool
}

var errWrite = errors.New("write failed")

func (c *countWriter) Write(p []byte) (int, error) {
	c.writes++
	if c.failAt > 0 && c.buf.Len()+len(p) > c.failAt {
		if c.short {
			return c.buf.Write(p[:c.failAt-c.buf.Len()])
		}
		return 0, errWrite
	}
	return c.buf.Write(p)
}

// TestReaderWriteTo: io.Copy from a Reader writes 128 KiB at a time
// however small the body's reads, delivers exactly the bytes Read would,
// and ends with the same outcome: nil at a good end, the mismatch, a
// short body's io.ErrUnexpectedEOF, a read error after the bytes before
// it, and the writer's own failures.
func TestReaderWriteTo(t *testing.T) {
	b := data(4, 600<<10+5)
	p := Plan{Kind: Whole, Algo: CRC32C, Want: digest(CRC32C, b)}
	errBad := errors.New("bad")
	newReader := func(body []byte, size int, tail error) *Reader {
		var src io.Reader = bytes.NewReader(body)
		if tail != nil {
			src = io.MultiReader(src, errorReader{tail})
		}
		return NewReader(io.NopCloser(recordReads{src}), p, int64(size), func(w, g string) error { return errBad })
	}

	w := &countWriter{}
	n, err := io.Copy(w, newReader(b, len(b), nil))
	if err != nil || n != int64(len(b)) || !bytes.Equal(w.buf.Bytes(), b) {
		t.Fatalf("good body: %d bytes, %v", n, err)
	}
	if want := (len(b) + gather.Step - 1) / gather.Step; w.writes != want {
		t.Errorf("%d writes for %d bytes, want %d", w.writes, len(b), want)
	}

	bad := bytes.Clone(b)
	bad[300<<10] ^= 1
	w = &countWriter{}
	if _, err := io.Copy(w, newReader(bad, len(b), nil)); !errors.Is(err, errBad) || w.buf.Len() != len(b) {
		t.Errorf("flipped bit: %v after %d bytes, want the mismatch after all %d", err, w.buf.Len(), len(b))
	}
	if _, err := io.Copy(&countWriter{}, newReader(b[:500<<10], len(b), nil)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short body: %v", err)
	}
	errReset := errors.New("connection reset")
	w = &countWriter{}
	if _, err := io.Copy(w, newReader(b[:200<<10+3], len(b), errReset)); !errors.Is(err, errReset) || !bytes.Equal(w.buf.Bytes(), b[:200<<10+3]) {
		t.Errorf("read error: %v after %d bytes, want it after %d", err, w.buf.Len(), 200<<10+3)
	}
	if _, err := io.Copy(&countWriter{failAt: 300 << 10}, newReader(b, len(b), nil)); !errors.Is(err, errWrite) {
		t.Errorf("failing writer: %v", err)
	}
	if _, err := io.Copy(&countWriter{failAt: 300 << 10, short: true}, newReader(b, len(b), nil)); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short writer: %v", err)
	}

	// A body of up to 64 KiB is copied as io.Copy copies, checked the same.
	small := b[:40<<10]
	sp := Plan{Kind: Whole, Algo: CRC32C, Want: digest(CRC32C, small)}
	w = &countWriter{}
	r := NewReader(io.NopCloser(recordReads{bytes.NewReader(small)}), sp, int64(len(small)), func(w, g string) error { return errBad })
	if n, err := io.Copy(w, r); err != nil || n != int64(len(small)) || !bytes.Equal(w.buf.Bytes(), small) {
		t.Errorf("small body: %d bytes, %v", n, err)
	}
	smallBad := bytes.Clone(small)
	smallBad[7] ^= 1
	r = NewReader(io.NopCloser(bytes.NewReader(smallBad)), sp, int64(len(small)), func(w, g string) error { return errBad })
	if _, err := io.Copy(&countWriter{}, r); !errors.Is(err, errBad) {
		t.Errorf("small body, flipped bit: %v", err)
	}
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
