// Command xfer measures one upload or download of generated content with
// one client (polystore's transfer manager, aws-sdk-go-v2's s3 manager or
// minio-go) and prints one result line: bytes, seconds, MiB/s, and the
// process's own CPU seconds and peak RSS from getrusage(RUSAGE_SELF).
// Each measurement is its own process, so the figures are the client's.
//
//	xfer -client polystore -op upload -size 1GiB -part 8MiB -par 4 \
//	     -endpoint http://127.0.0.1:9000 -source file -dir /tmp/bench
//
// Content comes from package gen (deterministic, offset-addressable). It
// is verified: an upload's ETag is compared with the one the content must
// have (the S3 multipart ETag, computed after the measurement and cached
// in -dir, or the discard server's ETag, which that server gives only to
// content it checked byte by byte); a download is written to a
// destination that compares every byte with the content and checks that
// the whole object arrived. CPU and RSS are read when the transfer ends,
// before the ETag computation.
//
// -op setup creates the bucket (on MinIO) and writes the source file of
// -size into -dir when -source is file, outside any measurement.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/polystore/polystore/bench/internal/discard"
	"github.com/polystore/polystore/bench/internal/gen"
)

// config is one measurement.
type config struct {
	Client    string // polystore, aws, minio
	Op        string // upload, download, setup
	Endpoint  string
	Region    string
	AccessKey string
	SecretKey string
	Bucket    string
	Key       string // default bench-SIZE
	Size      int64
	Part      int64
	Par       int
	Source    string // file, stream, gen
	Integrity string // default, or a client-specific mode (see integrityModes)
	Dir       string // source files and cached ETags
	Label     string // the server's name in the result line
	Profile   string // CPU profile of the transfer
	MemProf   string // allocation profile at the end of the transfer
}

// result is a measurement.
type result struct {
	cfg       config
	integrity string // the resolved integrity mode
	bytes     int64
	seconds   float64
	user, sys float64
	maxRSS    int64 // bytes
	verified  string
}

func (r *result) String() string {
	c := r.cfg
	cpu := r.user + r.sys
	if c.Op != "upload" {
		c.Source = "-" // downloads read from the server only: the column names where they write
		if *downloadTo == "file" {
			c.Source = "to-file"
		}
	}
	return fmt.Sprintf("RESULT server=%s proto=%s client=%s op=%s integrity=%s wire=%s source=%s size=%s part=%s par=%d bytes=%d seconds=%.3f mibps=%.1f cpu=%.3f user=%.3f sys=%.3f cpu_per_gib=%.3f maxrss_mib=%.1f verified=%s",
		c.Label, c.proto(), c.Client, c.Op, r.integrity, c.wire(r.integrity), c.Source, gen.FormatSize(c.Size), gen.FormatSize(c.Part), c.Par,
		r.bytes, r.seconds, float64(r.bytes)/(1<<20)/r.seconds, cpu, r.user, r.sys,
		cpu/(float64(max(r.bytes, 1))/(1<<30)), float64(r.maxRSS)/(1<<20), r.verified)
}

// integrityModes are the modes each client accepts; the first is what
// "default" means for it.
var integrityModes = map[string][]string{
	// crc32c: the transfer manager's IntegrityAuto, which on S3 sends
	// a CRC32C per part (declared on the upload, listed at Complete):
	// over https as an aws-chunked trailer, over http in a header
	// (Options.TrailingChecksums, TrailersAuto); crc32c-trailer and
	// crc32c-header: the same CRC32C always as a trailer or always in a
	// header; md5: IntegrityMD5, Content-MD5 per part; off: IntegrityOff.
	"polystore": {"crc32c", "crc32c-trailer", "crc32c-header", "md5", "off"},
	// sha256+crc32: the SDK's defaults on plain HTTP (payload signed
	// with SHA-256, CRC32 header per part); crc32: UNSIGNED-PAYLOAD and
	// the CRC32 header; off: UNSIGNED-PAYLOAD, no checksum.
	"aws": {"sha256+crc32", "crc32", "off"},
	// sha256-chunked: minio-go's default on plain HTTP (streaming
	// signature: SHA-256 and an HMAC per 64 KiB chunk); crc32c:
	// UNSIGNED-PAYLOAD with a trailing CRC32C; off: UNSIGNED-PAYLOAD.
	"minio": {"sha256-chunked", "crc32c", "off"},
	// The floor (floor.go; the discarding server only): crc32c, each
	// part hashed first and its CRC32C sent in a header, as polystore
	// does; off: no checksum.
	"floor": {"crc32c", "off"},
}

// downloadModes: what each client checks on download by default.
var downloadModes = map[string][]string{
	"polystore": {"auto", "off"},    // the published MD5 of single-PUT objects (none for multipart ones)
	"aws":       {"auto", "off"},    // response checksums when the server sends them
	"minio":     {"none"},           // minio-go checks nothing on GET
	"floor":     {"none", "crc32c"}, // ranged GETs copied into the destination; crc32c: each range's CRC32C computed too
}

func (c *config) resolveIntegrity() (string, error) {
	modes := integrityModes[c.Client]
	if c.Op == "download" {
		modes = downloadModes[c.Client]
	}
	if modes == nil {
		return "", fmt.Errorf("unknown client %q (want polystore, aws, minio or floor)", c.Client)
	}
	if c.Integrity == "" || c.Integrity == "default" {
		return modes[0], nil
	}
	for _, m := range modes {
		if m == c.Integrity {
			return m, nil
		}
	}
	return "", fmt.Errorf("client %s %ss with integrity %v, not %q", c.Client, c.Op, modes, c.Integrity)
}

// source is what an upload reads.
type source struct {
	file   string            // a path, or
	stream io.Reader         // a stream of unknown size, or
	ra     *io.SectionReader // a ReaderAt of known size
	size   int64
}

// transferer is one client's upload and download.
type transferer interface {
	// upload sends src to the object and returns the ETag the server
	// gave it (without quotes).
	upload(ctx context.Context, src source) (string, error)
	// download fetches the object of size bytes into w.
	download(ctx context.Context, w io.WriterAt, size int64) error
}

func newTransferer(c *config, integrity string) (transferer, error) {
	switch c.Client {
	case "polystore":
		return newPolystore(c, integrity)
	case "aws":
		return newAWS(c, integrity)
	case "minio":
		return newMinio(c, integrity)
	case "floor":
		return newFloor(c, integrity)
	}
	return nil, fmt.Errorf("unknown client %q", c.Client)
}

// wires say what each upload mode sends per part, by scheme, as the
// discard server logs it (its "wire:" lines): the SDKs choose differently
// over https. Downloads send nothing.
var wires = map[string]map[string]string{
	"http": {
		"polystore/crc32c": "unsigned+crc32c", "polystore/crc32c-trailer": "unsigned+crc32c-trailer", "polystore/crc32c-header": "unsigned+crc32c",
		"polystore/md5": "unsigned+md5", "polystore/off": "unsigned",
		"aws/sha256+crc32": "sha256+crc32", "aws/crc32": "unsigned+crc32", "aws/off": "unsigned",
		"minio/sha256-chunked": "sha256-chunked", "minio/crc32c": "unsigned+crc32c-trailer", "minio/off": "unsigned",
		"floor/crc32c": "unsigned+crc32c", "floor/off": "unsigned", // the floor signs nothing at all
	},
	"https": {
		// TrailersAuto: multipart parts over https carry trailers.
		"polystore/crc32c": "unsigned+crc32c-trailer", "polystore/crc32c-trailer": "unsigned+crc32c-trailer", "polystore/crc32c-header": "unsigned+crc32c",
		"polystore/md5": "unsigned+md5", "polystore/off": "unsigned",
		// The SDK's default over https: UNSIGNED-PAYLOAD with a CRC32
		// trailer. Its crc32 mode (the payload hash set before the
		// checksum middleware) sends no checksum at all over https.
		"aws/sha256+crc32": "unsigned+crc32-trailer", "aws/crc32": "unsigned", "aws/off": "unsigned",
		// minio-go's default over https: UNSIGNED-PAYLOAD, no checksum.
		"minio/sha256-chunked": "unsigned", "minio/crc32c": "unsigned+crc32c-trailer", "minio/off": "unsigned",
		"floor/crc32c": "unsigned+crc32c", "floor/off": "unsigned",
	},
}

// wire is what mode sends per part over c's scheme ("-" for downloads).
func (c *config) wire(mode string) string {
	if w, ok := wires[c.proto()][c.Client+"/"+mode]; ok && c.Op == "upload" {
		return w
	}
	return "-"
}

// proto is the endpoint's scheme: http or https.
func (c *config) proto() string {
	if strings.HasPrefix(c.Endpoint, "https:") {
		return "https"
	}
	return "http"
}

func (c *config) sourcePath() string {
	return filepath.Join(c.Dir, gen.New(discard.Seed, c.Size).FileName())
}

// run performs the measurement.
func run(ctx context.Context, c config) (*result, error) {
	if c.Key == "" {
		c.Key = fmt.Sprintf("bench-%d", c.Size)
	}
	if c.Op == "stream" { // a streamed download (stream.go)
		return runStream(ctx, c)
	}
	integrity, err := c.resolveIntegrity()
	if err != nil {
		return nil, err
	}
	g := gen.New(discard.Seed, c.Size)
	t, err := newTransferer(&c, integrity)
	if err != nil {
		return nil, err
	}
	var src source
	var chk *gen.Checker
	var dest *os.File // -to file: the downloaded object, checked after the timing
	switch c.Op {
	case "upload":
		src.size = c.Size
		switch c.Source {
		case "file":
			src.file = c.sourcePath()
			if st, err := os.Stat(src.file); err != nil || st.Size() != c.Size {
				return nil, fmt.Errorf("source file %s missing or incomplete: run xfer -op setup -source file -size %s -dir %s first", src.file, gen.FormatSize(c.Size), c.Dir)
			}
		case "stream":
			src.stream, src.size = g.Stream(), -1
		case "gen":
			src.ra = g.Section()
		default:
			return nil, fmt.Errorf("unknown source %q (want file, stream or gen)", c.Source)
		}
	case "download":
		chk = gen.NewChecker(g)
		if *downloadTo == "file" {
			if dest, err = os.Create(filepath.Join(c.Dir, "download.bin")); err != nil {
				return nil, err
			}
			defer os.Remove(dest.Name())
			defer dest.Close()
		} else if *downloadTo != "memory" {
			return nil, fmt.Errorf("unknown -to %q (want memory or file)", *downloadTo)
		}
	default:
		return nil, fmt.Errorf("unknown op %q (want upload, download or setup)", c.Op)
	}

	if c.Profile != "" {
		f, err := os.Create(c.Profile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	var etag string
	if c.Op == "upload" {
		etag, err = t.upload(ctx, src)
	} else if dest != nil {
		err = t.download(ctx, dest, c.Size)
	} else {
		err = t.download(ctx, chk, c.Size)
	}
	elapsed := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	if err == nil && dest != nil {
		err = checkFile(dest, chk)
	}
	if c.Profile != "" {
		pprof.StopCPUProfile()
	}
	if c.MemProf != "" {
		if werr := writeHeapProfile(c.MemProf); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.Client, c.Op, err)
	}
	res := &result{
		cfg: c, integrity: integrity, bytes: c.Size, seconds: elapsed.Seconds(),
		user: tv(ru.Utime), sys: tv(ru.Stime), maxRSS: ru.Maxrss << 10, // ru_maxrss is in KiB on Linux
	}
	if c.Op == "upload" {
		res.verified, err = verifyETag(&c, g, etag)
	} else {
		var dup int64
		if dup, err = chk.Done(); err == nil {
			res.verified = "bytes"
			if dup > 0 {
				res.verified = "bytes(" + strconv.FormatInt(dup, 10) + "-rewritten)"
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: verification failed: %w", c.Client, c.Op, err)
	}
	return res, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// verifyETag checks an upload's ETag: the discard server's marks content
// it verified; any other must be the S3 ETag of the content (MD5 of a
// single PUT, or of the parts' MD5s).
func verifyETag(c *config, g *gen.Gen, etag string) (string, error) {
	etag = strings.Trim(etag, `"`)
	if etag == discard.PutETag(g.Size()) || etag == discard.MultipartETag(g.Size(), c.Part) {
		return "server", nil
	}
	var want string
	if _, n, multi := strings.Cut(etag, "-"); multi {
		parts := (g.Size() + c.Part - 1) / c.Part
		if n != strconv.FormatInt(parts, 10) {
			return "", fmt.Errorf("ETag %s: want %d parts of %d bytes", etag, parts, c.Part)
		}
		want = cachedETag(c, fmt.Sprintf("etag-%d-%d-%d", discard.Seed, g.Size(), c.Part), func() string { return g.MultipartETag(c.Part) })
	} else {
		want = cachedETag(c, fmt.Sprintf("md5-%d-%d", discard.Seed, g.Size()), g.MD5)
	}
	if etag != want {
		return "", fmt.Errorf("ETag %s, want %s", etag, want)
	}
	return "etag", nil
}

// cachedETag returns compute() through a file in c.Dir, if set.
func cachedETag(c *config, name string, compute func() string) string {
	if c.Dir == "" {
		return compute()
	}
	path := filepath.Join(c.Dir, name+".txt")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b))
	}
	v := compute()
	os.WriteFile(path, []byte(v+"\n"), 0o644)
	return v
}

// setup creates the bucket and the source file.
func setup(ctx context.Context, c config) error {
	if c.Endpoint != "" {
		if err := createBucket(ctx, &c); err != nil {
			return fmt.Errorf("creating bucket %s: %w", c.Bucket, err)
		}
	}
	if c.Source == "file" {
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			return err
		}
		path := c.sourcePath()
		if st, err := os.Stat(path); err == nil && st.Size() == c.Size {
			return nil
		}
		return gen.New(discard.Seed, c.Size).WriteFile(path)
	}
	return nil
}

func main() {
	var c config
	var size, part string
	flag.StringVar(&c.Client, "client", "polystore", "client: polystore, aws, minio, or floor (the least any client can do; the discarding server only)")
	flag.StringVar(&c.Op, "op", "upload", "upload, download, stream (a streamed download into io.Discard; see -dest), or setup (create the bucket and the source file)")
	flag.StringVar(&size, "size", "100MiB", "object size (100MiB, 1GiB, 10GiB or a byte count)")
	flag.StringVar(&part, "part", "8MiB", "part size, and download range size")
	flag.IntVar(&c.Par, "par", 4, "parts in flight at once")
	flag.StringVar(&c.Endpoint, "endpoint", "", "server URL, e.g. http://127.0.0.1:9000")
	flag.StringVar(&c.Region, "region", "us-east-1", "region")
	flag.StringVar(&c.AccessKey, "access-key", envOr("BENCH_ACCESS_KEY", "polystore-test"), "access key (env BENCH_ACCESS_KEY)")
	flag.StringVar(&c.SecretKey, "secret-key", envOr("BENCH_SECRET_KEY", "polystore-test-secret-key"), "secret key (env BENCH_SECRET_KEY)")
	flag.StringVar(&c.Bucket, "bucket", "bench", "bucket")
	flag.StringVar(&c.Key, "key", "", "object key (default bench-SIZE; the discard server reads the size from it)")
	flag.StringVar(&c.Source, "source", "file", "upload source: file (a file in -dir, see -op setup), stream (an io.Reader of unknown size) or gen (an in-memory io.ReaderAt)")
	flag.StringVar(&c.Integrity, "integrity", "default", "polystore: crc32c|crc32c-trailer|md5|off; aws: sha256+crc32|crc32|off; minio: sha256-chunked|crc32c|off (downloads: auto|off)")
	flag.StringVar(&c.Dir, "dir", filepath.Join(os.TempDir(), "polystore-bench"), "directory of source files and cached ETags")
	flag.StringVar(&c.Label, "label", "", "server name printed in the result line")
	flag.StringVar(&c.Profile, "cpuprofile", "", "write a CPU profile of the transfer to this file")
	flag.StringVar(&c.MemProf, "memprofile", "", "write an allocation profile (pprof allocs) at the end of the transfer to this file")
	ca := flag.String("ca", "", "trust this CA certificate (PEM) for https endpoints, as the system pool (sets SSL_CERT_FILE, which every client's default transport reads)")
	flag.Parse()
	if *ca != "" {
		os.Setenv("SSL_CERT_FILE", *ca)
	}
	var err error
	if c.Size, err = gen.ParseSize(size); err == nil {
		c.Part, err = gen.ParseSize(part)
	}
	if err != nil {
		fatal(err)
	}
	if c.Label == "" {
		c.Label = c.Endpoint
	}
	ctx := context.Background()
	if c.Op == "setup" {
		if err := setup(ctx, c); err != nil {
			fatal(err)
		}
		return
	}
	if c.Endpoint == "" {
		fatal(errors.New("-endpoint is required"))
	}
	res, err := run(ctx, c)
	if err != nil {
		fatal(err)
	}
	fmt.Println(res)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "xfer:", err)
	os.Exit(1)
}

// downloadTo is where -op download writes (-to).
var downloadTo = flag.String("to", "memory", "downloads: memory (every byte compared with the content as it is written) or file (written to a file in -dir, the way a user's download lands, and compared after the timing)")

// checkFile compares a downloaded file with the content, after the
// transfer was timed.
func checkFile(f *os.File, chk *gen.Checker) error {
	buf := make([]byte, 1<<20)
	for off := int64(0); ; {
		n, err := f.ReadAt(buf, off)
		if n > 0 {
			if _, werr := chk.WriteAt(buf[:n], off); werr != nil {
				return werr
			}
			off += int64(n)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
