package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/polystore/polystore/bench/internal/discard"
	"github.com/polystore/polystore/bench/internal/gen"
)

// TestClients runs small uploads and downloads through every client and
// integrity mode against the discard server, which checks every uploaded
// byte, so the benchmark programs keep working. No MinIO needed.
func TestClients(t *testing.T) {
	srv := discard.New()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cases := []struct {
		size, part int64
		source     string
	}{
		{2 << 20, 8 << 20, "gen"},     // a single PUT
		{11 << 20, 5 << 20, "file"},   // three parts
		{11 << 20, 5 << 20, "stream"}, // three parts of a stream
	}
	for _, cl := range []string{"polystore", "aws", "minio", "floor"} {
		for _, tc := range cases {
			if cl == "floor" && tc.source == "stream" {
				continue // the floor uploads files and ReaderAts
			}
			base := config{
				Client: cl, Endpoint: hs.URL, Region: "us-east-1", AccessKey: "k", SecretKey: "s", Bucket: "bench",
				Size: tc.size, Part: tc.part, Par: 2, Source: tc.source, Dir: dir, Label: "discard",
			}
			if tc.source == "file" {
				up := base
				up.Op = "setup"
				up.Endpoint = ""
				if err := setup(ctx, up); err != nil {
					t.Fatal(err)
				}
			}
			for _, integrity := range integrityModes[cl] {
				if cl == "minio" && integrity == "crc32c" && tc.source == "stream" {
					// minio-go v7.0.98 shares one CRC hasher between the
					// workers of a parallel stream upload (a data race
					// the race detector reports), so this mode is left out.
					continue
				}
				c := base
				c.Op, c.Integrity = "upload", integrity
				t.Run(fmt.Sprintf("%s/upload/%s/%s/%s", cl, integrity, gen.FormatSize(tc.size), tc.source), func(t *testing.T) {
					res, err := run(ctx, c)
					if err != nil {
						t.Fatal(err)
					}
					if res.verified != "server" || res.bytes != tc.size {
						t.Errorf("result %s", res)
					}
				})
			}
			if tc.source == "stream" {
				continue
			}
			for _, mode := range downloadModes[cl] {
				for _, to := range []string{"memory", "file"} {
					c := base
					c.Op, c.Integrity = "download", mode
					t.Run(fmt.Sprintf("%s/download/%s/%s/%s", cl, mode, gen.FormatSize(tc.size), to), func(t *testing.T) {
						defer func(d string) { *downloadTo = d }(*downloadTo)
						*downloadTo = to
						res, err := run(ctx, c)
						if err != nil {
							t.Fatal(err)
						}
						if res.verified != "bytes" {
							t.Errorf("result %s", res)
						}
						if _, err := os.Stat(filepath.Join(dir, "download.bin")); !os.IsNotExist(err) {
							t.Errorf("the downloaded file was left behind: %v", err)
						}
						t.Log(res)
					})
				}
			}
		}
	}
	if ids := srv.Uploads(); len(ids) != 0 {
		t.Errorf("multipart uploads left open: %v", ids)
	}
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("gen-%d-%d.bin", discard.Seed, 11<<20))); err != nil {
		t.Error(err)
	}
}

// TestCorruptUpload checks that the discard server refuses content that
// is not the generated content, so "verified=server" means something.
func TestCorruptUpload(t *testing.T) {
	hs := httptest.NewServer(discard.New())
	defer hs.Close()
	c := config{Client: "polystore", Op: "upload", Endpoint: hs.URL, Region: "us-east-1", AccessKey: "k", SecretKey: "s",
		Bucket: "bench", Key: "other-1048576", Size: 2 << 20, Part: 8 << 20, Par: 1, Source: "gen"}
	if _, err := run(context.Background(), c); err == nil {
		t.Error("an upload of 2 MiB to a 1 MiB object's key succeeded")
	}
}

// TestFloorCorruptUpload: the floor's uploads are checked too: content
// that is not the object's is refused, and so is a part whose declared
// CRC32C does not match (a ReaderAt that changes between the hash pass
// and the send).
func TestFloorCorruptUpload(t *testing.T) {
	hs := httptest.NewServer(discard.New())
	defer hs.Close()
	c := config{Client: "floor", Op: "upload", Endpoint: hs.URL, Bucket: "bench", Key: "other-1048576",
		Size: 2 << 20, Part: 8 << 20, Par: 1, Source: "gen", Label: "discard"}
	if _, err := run(context.Background(), c); err == nil {
		t.Error("an upload of 2 MiB to a 1 MiB object's key succeeded")
	}
	lax := discard.New()
	lax.Verify = false // only the declared checksum is checked
	hl := httptest.NewServer(lax)
	defer hl.Close()
	g := gen.New(discard.Seed, 1<<20)
	f, err := newFloor(&config{Endpoint: hl.URL, Bucket: "bench", Key: "bench-1048576", Part: 1 << 20, Par: 1, Label: "discard"}, "crc32c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.upload(context.Background(), source{ra: io.NewSectionReader(&flipping{ra: g.Section()}, 0, 1<<20), size: 1 << 20}); err == nil {
		t.Error("a part whose CRC32C header does not match its body was accepted")
	}
	if _, err := newFloor(&config{Endpoint: hs.URL, Label: "minio", Par: 1}, "off"); err == nil {
		t.Error("the floor client accepted a server other than the discarding one")
	}
}

// flipping reads ra, flipping a bit of the first byte on every read after
// the first pass over offset 0.
type flipping struct {
	ra    io.ReaderAt
	reads int
}

func (f *flipping) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.ra.ReadAt(p, off)
	if off == 0 {
		f.reads++
		if f.reads > 1 && n > 0 {
			p[0] ^= 1
		}
	}
	return n, err
}
