// Package toolcache finds, and installs on first use, the pinned server
// binaries the tests run (MinIO, versitygw) in polystore's tool cache:
// $POLYSTORE_CACHE, else the user cache directory + /polystore, the same
// place scripts/tools.sh fills. An install runs `go install module@version`
// outside any module, under an exclusive inter-process lock, into a
// temporary GOBIN renamed into place, so a binary is never seen
// half-written and concurrent test processes build it once.
package toolcache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Tool is one pinned binary.
type Tool struct {
	Name     string // the binary's name, and its cache directory's prefix: "minio"
	Module   string // what go install builds: "github.com/minio/minio"
	Version  string // the pinned version
	Display  string // for messages: "MinIO"
	Prefix   string // of messages and errors: "miniotest"
	FirstRun string // how long a first build takes, for the message: "~6 minutes"
}

// Dir returns the tool cache root.
func Dir() (string, error) {
	if dir := os.Getenv("POLYSTORE_CACHE"); dir != "" {
		return filepath.Abs(dir)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("toolcache: locating the cache dir (set POLYSTORE_CACHE): %w", err)
	}
	return filepath.Join(base, "polystore"), nil
}

// Path returns where the pinned binary lives (or will live) in the cache:
// <cache>/<name>-<version>/<name>. It installs nothing.
func (t Tool) Path() (string, error) {
	root, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, t.Name+"-"+t.Version, t.Name), nil
}

// Ensure returns the pinned binary, installing it first if the cache does
// not hold it. logf, if not nil, also receives the progress messages
// (which always go to stderr too: a first build takes minutes).
func (t Tool) Ensure(logf func(string, ...any)) (string, error) {
	bin, err := t.Path()
	if err != nil {
		return "", err
	}
	if executable(bin) {
		return bin, nil
	}
	root := filepath.Dir(filepath.Dir(bin))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("%s: creating cache dir: %w", t.Prefix, err)
	}
	lockPath := filepath.Join(root, t.Name+".lock")
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("%s: opening lock file: %w", t.Prefix, err)
	}
	defer lock.Close() // closing the descriptor releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		progress(logf, "%s: waiting for another process to install %s (lock %s)", t.Prefix, t.Display, lockPath)
		for {
			err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX)
			if err == nil {
				break
			}
			if !errors.Is(err, syscall.EINTR) {
				return "", fmt.Errorf("%s: locking %s: %w", t.Prefix, lockPath, err)
			}
		}
	}
	if executable(bin) { // installed while we waited
		return bin, nil
	}
	if err := t.install(bin, logf); err != nil {
		return "", err
	}
	return bin, nil
}

// install builds the tool into a temporary GOBIN next to bin and renames
// it into place. The caller holds the lock.
func (t Tool) install(bin string, logf func(string, ...any)) error {
	gobin := filepath.Dir(bin)
	progress(logf, "%s: installing %s %s into %s (first run takes %s)", t.Prefix, t.Display, t.Version, gobin, t.FirstRun)
	goTool, err := exec.LookPath("go")
	if err != nil {
		goroot := os.Getenv("GOROOT")
		if goroot == "" {
			return fmt.Errorf("%s: installing %s needs the go command: %w", t.Prefix, t.Display, err)
		}
		goTool = filepath.Join(goroot, "bin", "go")
	}
	tmpBin, err := os.MkdirTemp(filepath.Dir(gobin), "."+t.Name+"-install-")
	if err != nil {
		return fmt.Errorf("%s: creating temp GOBIN: %w", t.Prefix, err)
	}
	defer os.RemoveAll(tmpBin)
	// Outside any module: neither this repository's go.mod nor a go.work
	// file is consulted or changed.
	workDir, err := os.MkdirTemp("", "polystore-"+t.Name+"-build-")
	if err != nil {
		return fmt.Errorf("%s: creating build dir: %w", t.Prefix, err)
	}
	defer os.RemoveAll(workDir)
	start := time.Now()
	var out bytes.Buffer
	cmd := exec.Command(goTool, "install", t.Module+"@"+t.Version)
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), "GOBIN="+tmpBin, "GOWORK=off")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		s := out.String()
		if len(s) > 8<<10 {
			s = "[...]" + s[len(s)-8<<10:]
		}
		return fmt.Errorf("%s: go install %s@%s: %w\n%s", t.Prefix, t.Module, t.Version, err, s)
	}
	if err := os.MkdirAll(gobin, 0o755); err != nil {
		return fmt.Errorf("%s: creating %s: %w", t.Prefix, gobin, err)
	}
	if err := os.Rename(filepath.Join(tmpBin, t.Name), bin); err != nil {
		return fmt.Errorf("%s: moving the %s binary into place: %w", t.Prefix, t.Display, err)
	}
	progress(logf, "%s: installed %s in %s", t.Prefix, t.Display, time.Since(start).Round(time.Second))
	return nil
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0 && fi.Mode().Perm()&0o111 != 0
}

func progress(logf func(string, ...any), format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	if logf != nil {
		logf(format, args...)
	}
}
