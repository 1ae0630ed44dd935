package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// byteSize is a flag.Value for sizes such as "8MiB", "512KiB", "1GiB" or a
// plain number of bytes.
type byteSize int64

func (s byteSize) String() string { return formatSize(int64(s)) }

func (s *byteSize) Set(v string) error {
	units := []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.size
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive size such as 8MiB")
	}
	*s = byteSize(n * mult)
	return nil
}

// formatSize writes n bytes for people: "512 B", "1.5 KiB", "128.0 MiB".
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}

// demoSize is the size of the generated demo file.
const demoSize = 128 << 20

// demoFile returns the path of a 128 MiB file of pseudo-random bytes in the
// temporary directory, writing it on first use. It is the same file every
// time, so an interrupted upload of it can be resumed by a re-run.
func demoFile(w io.Writer) (string, error) {
	path := filepath.Join(os.TempDir(), "polystore-upload-demo.bin")
	if info, err := os.Stat(path); err == nil && info.Size() == demoSize {
		fmt.Fprintf(w, "no -file given: uploading the demo file %s\n", path)
		return path, nil
	}
	// Write under another name and rename, so that an interrupted run
	// never leaves a short demo file behind.
	tmp, err := os.CreateTemp(filepath.Dir(path), "polystore-upload-demo-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	rng := rand.NewChaCha8([32]byte{'p', 'o', 'l', 'y', 's', 't', 'o', 'r', 'e'})
	bw := bufio.NewWriter(tmp)
	if _, err := io.CopyN(bw, rng, demoSize); err != nil {
		tmp.Close()
		return "", err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	fmt.Fprintf(w, "no -file given: generated the demo file %s (%s)\n", path, formatSize(demoSize))
	return path, nil
}
