package transfer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/polystore/polystore/internal/integrity"
	"github.com/polystore/polystore/transfer/transferapi"
)

// crc32cMeta is the user metadata (without the dialect's prefix) in
// which directory uploads record the CRC-32C of a file's content, 8 hex
// digits, for Sync to compare.
const crc32cMeta = "polystore-crc32c"

// fileDigest hashes a file with h, returning h's sum.
func fileDigest(path string, h hash.Hash) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bp := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(bp)
	if _, err := io.CopyBuffer(h, f, *bp); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// fileCRC32C returns the CRC-32C of a file's content.
func fileCRC32C(path string) (uint32, error) {
	sum, err := fileDigest(path, crc32.New(castagnoli))
	if err != nil {
		return 0, err
	}
	return uint32(integrity.CRCValue(sum)), nil
}

func formatCRC32C(v uint32) string { return fmt.Sprintf("%08x", v) }

// fileMatches reports whether the local file at path (size bytes; crc,
// if known, its CRC-32C) holds the content of the object info describes,
// and how that was told: by the CRC-32C recorded in the object's
// metadata, else by what the service publishes (integrity.Choose). An
// object that publishes nothing comparable does not match.
func fileMatches(path string, size int64, crc *uint32, info *transferapi.ObjectInfo) (bool, string, error) {
	if info.Size != size {
		return false, "", nil
	}
	if v, ok := info.Metadata[crc32cMeta]; ok {
		want, err := strconv.ParseUint(strings.TrimSpace(v), 16, 32)
		if err == nil {
			if crc == nil {
				c, err := fileCRC32C(path)
				if err != nil {
					return false, "", err
				}
				crc = &c
			}
			return uint32(want) == *crc, "same size and CRC-32C", nil
		}
	}
	p := integrity.Choose(integrity.Facts{
		Size: info.Size, ETag: info.ETag, OpaqueETag: info.OpaqueETag, Encryption: info.Encryption,
		CRC64: info.CRC64, HasCRC64: info.HasCRC64, Checksum: info.Checksum, Metadata: info.Metadata,
	})
	var got []byte
	switch p.Kind {
	case integrity.Unverified:
		return false, "", nil
	case integrity.Whole:
		if p.Algo == integrity.CRC32C && crc != nil {
			got = integrity.CRC32C.CRCBytes(uint64(*crc))
			break
		}
		sum, err := fileDigest(path, p.Algo.New())
		if err != nil {
			return false, "", err
		}
		got = sum
	case integrity.Composite:
		f, err := os.Open(path)
		if err != nil {
			return false, "", err
		}
		defer f.Close()
		var parts [][]byte
		for off := int64(0); off < size || off == 0; off += p.PartSize {
			h := p.Algo.New()
			if _, err := io.Copy(h, io.NewSectionReader(f, off, min(p.PartSize, size-off))); err != nil {
				return false, "", err
			}
			parts = append(parts, h.Sum(nil))
			if size == 0 {
				break
			}
		}
		got = integrity.CompositeOf(p.Algo, parts)
	}
	return bytes.Equal(got, p.Want), "same size and " + p.Name(), nil
}

// A directory task's journal lists the files done, one fsynced line
// each after the file's transfer succeeded, in the line format of the
// transfer journals (journal.go): a header naming the task, then records.

// dirHeader identifies a directory task.
type dirHeader struct {
	Version int    `json:"v"`
	Op      string `json:"op"`
	Bucket  string `json:"bucket"`
	Prefix  string `json:"prefix"`
	Dir     string `json:"dir"`
}

// dirRecord is one file done.
type dirRecord struct {
	Path  string `json:"p"`
	Size  int64  `json:"n"`
	MTime int64  `json:"m,omitempty"` // the local file's, in Unix nanoseconds
	CRC   string `json:"c,omitempty"` // its CRC-32C (uploads)
	ETag  string `json:"e,omitempty"` // the object's (downloads)
}

// dirJournalPath returns where the journal of a directory task lives.
func dirJournalPath(dir string, s *dirSpec) string {
	sum := sha256.Sum256([]byte(s.op() + "\x00" + s.bucket + "\x00" + s.prefix + "\x00" + s.dir))
	return filepath.Join(dir, "dir-"+hex.EncodeToString(sum[:12])+".journal")
}

// op names the task's kind in its journal.
func (s *dirSpec) op() string {
	if s.upload {
		return "upload-dir"
	}
	return "download-dir"
}

// openDirJournal returns the records of the journal at path if it is
// this task's (else it starts a new one), opened for appending.
func openDirJournal(path string, hdr dirHeader) (*journal, map[string]dirRecord, bool, error) {
	done := map[string]dirRecord{}
	data, err := os.ReadFile(path)
	found := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, nil, false, fmt.Errorf("transfer: reading checkpoint journal: %w", err)
	default:
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for line := 0; sc.Scan(); line++ {
			payload, ok := checkLine(sc.Bytes())
			if !ok {
				break // a torn tail
			}
			if line == 0 {
				var h dirHeader
				found = json.Unmarshal(payload, &h) == nil && h == hdr
				if !found {
					break
				}
				continue
			}
			var r dirRecord
			if json.Unmarshal(payload, &r) != nil {
				break
			}
			done[r.Path] = r
		}
	}
	if !found {
		clear(done)
		b, err := appendLine(nil, hdr)
		if err != nil {
			return nil, nil, false, err
		}
		j, err := writeJournal(path, b)
		return j, done, false, err
	}
	j, err := openJournal(path)
	return j, done, found, err
}
