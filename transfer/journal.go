package transfer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// A journal is a checkpoint file: an ident line, a header line, then one
// line per acknowledged part. Every line is "<crc32 hex> <json>\n"; a part
// line whose checksum does not match (the tail of a write cut short by a
// crash) ends the journal. The ident and header are written to a temporary
// file, fsynced and renamed into place; part lines are appended and
// fsynced one by one, so a part is in the journal only once the server
// acknowledged it, and stays there across a crash.
//
// The ident line (version 2) holds the upload id alone, before anything
// else, and the header holds it again: a journal damaged on disk (cut
// short, bits flipped, overwritten in part) still names its multipart
// upload, which is then adopted rather than left on the server. Version 1
// journals (a header line first, no ident) are still read.

const journalVersion = 2

// journalIdent is the first line of a version 2 journal.
type journalIdent struct {
	Version  int    `json:"v"`
	Op       string `json:"op"`
	UploadID string `json:"uploadId,omitempty"`
}

// journalHeader identifies a transfer.
type journalHeader struct {
	Version  int    `json:"v"`
	Op       string `json:"op"`
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	Size     int64  `json:"size"`
	PartSize int64  `json:"partSize"`
	// Uploads.
	UploadID string       `json:"uploadId,omitempty"`
	Source   *sourceIdent `json:"source,omitempty"`
	// Checksum is the upload's checksum algorithm ("CRC32C"), or "".
	Checksum string `json:"checksum,omitempty"`
	// Downloads.
	VersionID    string    `json:"versionId,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified time.Time `json:"lastModified,omitzero"`
	Dest         string    `json:"dest,omitempty"`
	Temp         string    `json:"temp,omitempty"`
	// Copies: the source ("bucket/key"); VersionID, ETag and
	// LastModified are then the source's.
	From string `json:"from,omitempty"`
}

// journalPart is one acknowledged part (upload) or written range
// (download), by index from 0.
type journalPart struct {
	Index int    `json:"i"`
	Size  int64  `json:"n"`
	ETag  string `json:"etag,omitempty"`
	MD5   string `json:"md5,omitempty"`
	CRC64 string `json:"crc64,omitempty"` // decimal; "" if not computed
	// CRC32C is the part's additional checksum (base64), or "".
	CRC32C string `json:"crc32c,omitempty"`
	// Src, in a copy's journal, records the digest of the part's bytes
	// as read from the source, for the check against the source's
	// published checksum (a line of its own, before the part's upload).
	Src string `json:"src,omitempty"`
}

// sourceIdent identifies an upload's source file.
type sourceIdent struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	// Fingerprint is a SHA-256 over the size and the first and last
	// 64 KiB, so that an edit that keeps size and mtime is noticed.
	Fingerprint string `json:"fingerprint"`
}

func (a *sourceIdent) equal(b *sourceIdent) bool {
	return a != nil && b != nil && a.Path == b.Path && a.Size == b.Size &&
		a.ModTime.Equal(b.ModTime) && a.Fingerprint == b.Fingerprint
}

// journal is an open journal, appended to by part workers.
type journal struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// journalPath returns where the journal of a transfer lives.
func journalPath(dir, op, bucket, key, local string) string {
	if abs, err := filepath.Abs(local); err == nil {
		local = abs
	}
	sum := sha256.Sum256([]byte(op + "\x00" + bucket + "\x00" + key + "\x00" + local))
	return filepath.Join(dir, op+"-"+hex.EncodeToString(sum[:12])+".journal")
}

// errJournalCorrupt reports a journal whose header cannot be read.
var errJournalCorrupt = errors.New("transfer: checkpoint journal is corrupt")

// loadJournal reads a journal. A missing file returns (nil, nil, nil); a
// journal whose header cannot be read, errJournalCorrupt (salvageUploadIDs
// may still find its upload id).
func loadJournal(path string) (*journalHeader, []journalPart, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("transfer: reading checkpoint journal: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var hdr *journalHeader
	var parts []journalPart
	for line := 0; sc.Scan(); line++ {
		payload, ok := checkLine(sc.Bytes())
		if hdr == nil {
			// The header: the first line of a version 1 journal, the
			// second of a version 2 one (after the ident).
			if !ok {
				if line == 0 {
					continue // a damaged ident; the header may be whole
				}
				return nil, nil, errJournalCorrupt
			}
			h := new(journalHeader)
			if json.Unmarshal(payload, h) != nil {
				return nil, nil, errJournalCorrupt
			}
			switch {
			case line == 0 && h.Version == 2:
				continue // the ident line
			case (line == 0 && h.Version == 1) || (line == 1 && h.Version == 2):
				hdr = h
				continue
			}
			return nil, nil, errJournalCorrupt
		}
		if !ok {
			break // a torn tail
		}
		var p journalPart
		if err := json.Unmarshal(payload, &p); err != nil {
			break
		}
		parts = append(parts, p)
	}
	if hdr == nil {
		return nil, nil, errJournalCorrupt
	}
	return hdr, parts, nil
}

// uploadIDKey is how an upload id appears in the JSON of a journal line.
var uploadIDKey = []byte(`"uploadId":"`)

// salvageUploadIDs returns the upload ids a damaged journal still shows,
// in the order they appear (the ident's first): every "uploadId" string
// that is whole, whether or not its line's checksum matches. The caller
// checks each against the server.
func salvageUploadIDs(data []byte) []string {
	var ids []string
	for rest := data; ; {
		i := bytes.Index(rest, uploadIDKey)
		if i < 0 {
			return ids
		}
		rest = rest[i+len(uploadIDKey)-1:] // from the opening quote
		end := 1
		for end < len(rest) && rest[end] != '"' && rest[end] != '\n' {
			if rest[end] == '\\' {
				end++ // an escaped character
			}
			end++
		}
		if end >= len(rest) || rest[end] != '"' {
			rest = rest[1:]
			continue // cut short
		}
		var id string
		if json.Unmarshal(rest[:end+1], &id) == nil && id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		rest = rest[end+1:]
	}
}

func checkLine(line []byte) ([]byte, bool) {
	if len(line) < 10 || line[8] != ' ' {
		return nil, false
	}
	var want [4]byte
	if _, err := hex.Decode(want[:], line[:8]); err != nil {
		return nil, false
	}
	payload := line[9:]
	got := crc32.ChecksumIEEE(payload)
	return payload, got == uint32(want[0])<<24|uint32(want[1])<<16|uint32(want[2])<<8|uint32(want[3])
}

func appendLine(b []byte, v any) ([]byte, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b = fmt.Appendf(b, "%08x ", crc32.ChecksumIEEE(payload))
	b = append(b, payload...)
	return append(b, '\n'), nil
}

// createJournal atomically writes a journal with hdr and parts, replacing
// any journal at path, and opens it for appending.
func createJournal(path string, hdr *journalHeader, parts []journalPart) (*journal, error) {
	hdr.Version = journalVersion
	b, err := appendLine(nil, journalIdent{Version: journalVersion, Op: hdr.Op, UploadID: hdr.UploadID})
	if err != nil {
		return nil, err
	}
	if b, err = appendLine(b, hdr); err != nil {
		return nil, err
	}
	for _, p := range parts {
		if b, err = appendLine(b, p); err != nil {
			return nil, err
		}
	}
	return writeJournal(path, b)
}

// writeJournal atomically replaces the journal at path with the lines b
// (written to a temporary file, fsynced, renamed into place, the
// directory fsynced) and opens it for appending. Part and directory
// journals both start this way.
func writeJournal(path string, b []byte) (*journal, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("transfer: creating checkpoint directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("transfer: writing checkpoint journal: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("transfer: writing checkpoint journal: %w", err)
	}
	syncDir(dir)
	return openJournal(path)
}

// openJournal opens the journal at path for appending.
func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("transfer: opening checkpoint journal: %w", err)
	}
	return &journal{path: path, f: f}, nil
}

// append records one line (a part, a directory task's file) durably.
func (j *journal) append(rec any) error {
	if j == nil {
		return nil
	}
	b, err := appendLine(nil, rec)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("transfer: appending to checkpoint journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("transfer: syncing checkpoint journal: %w", err)
	}
	return nil
}

// close closes the journal, leaving it on disk.
func (j *journal) close() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
}

// remove closes and deletes the journal.
func (j *journal) remove() error {
	if j == nil {
		return nil
	}
	j.close()
	return removeJournal(j.path)
}

func removeJournal(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("transfer: removing checkpoint journal: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename or removal in dir durable, where the platform
// allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
