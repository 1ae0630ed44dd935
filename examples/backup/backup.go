package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/transfer"
)

// checksumMeta is the user metadata entry that holds an object's SHA-256
// (sent as x-amz-meta-sha256, x-cos-meta-sha256 or x-qs-meta-sha256).
const checksumMeta = "sha256"

// options say where a backup goes and how it is transferred.
type options struct {
	bucket, prefix string
	parallel       int    // files transferred at once
	partSize       int64  // part size of large files
	checkpointDir  string // journals of unfinished transfers
}

// tool backs trees up and restores them.
type tool struct {
	opts    options
	objects *object.Client
	buckets *bucket.Client
	m       *transfer.Manager
	w       io.Writer
}

func newTool(c *client.Client, o options, w io.Writer) (*tool, error) {
	m, err := transfer.NewFromClient(c,
		transfer.WithFileParallelism(o.parallel),
		transfer.WithPartSize(o.partSize),
		// Journals of acknowledged parts, so that the large files of an
		// interrupted run are resumed, not sent again, by the next run.
		transfer.WithCheckpointDir(o.checkpointDir),
		transfer.WithKeepParts(true),
	)
	if err != nil {
		return nil, err
	}
	return &tool{opts: o, objects: object.NewClient(c), buckets: bucket.NewClient(c), m: m, w: w}, nil
}

// summary counts what a backup or restore did.
type summary struct {
	op          string // "backup" or "restore"
	files       int
	transferred int // uploaded or downloaded
	unchanged   int
	failed      int
	bytes       int64 // bytes transferred
	elapsed     time.Duration
}

func (s summary) String() string {
	verb := map[string]string{"backup": "uploaded", "restore": "downloaded"}[s.op]
	return fmt.Sprintf("%s: %d files, %d %s (%s), %d unchanged, %d failed, in %v",
		s.op, s.files, s.transferred, verb, formatSize(s.bytes), s.unchanged, s.failed, s.elapsed.Round(time.Millisecond))
}

// pending is a transfer started for a file.
type pending struct {
	rel, path string
	sum       string // the SHA-256 the file has (or must have, once restored)
	task      *transfer.Task
}

// backup uploads the files of src that are new or changed since the last
// backup to bucket/prefix.
func (t *tool) backup(ctx context.Context, src string) (summary, error) {
	s := summary{op: "backup"}
	start := time.Now()
	files, err := scanTree(src)
	if err != nil {
		return s, err
	}
	s.files = len(files)
	remote, err := t.remoteSizes(ctx)
	if err != nil {
		return s, err
	}

	// Hash each file and start uploading the changed ones: the transfer
	// manager runs up to -parallel uploads while the next files are hashed.
	var started []pending
	for _, f := range files {
		if ctx.Err() != nil {
			break // interrupted: the next run goes on from here
		}
		sum, err := fileSHA256(f.path)
		if err != nil {
			t.fail(&s, f.rel, err)
			continue
		}
		same, err := t.unchanged(ctx, f, sum, remote)
		if err != nil {
			t.fail(&s, f.rel, err)
			continue
		}
		if same {
			s.unchanged++
			continue
		}
		task, err := t.m.Upload(ctx, &transfer.UploadInput{
			Bucket: t.opts.bucket, Key: t.opts.prefix + f.rel, File: f.path,
			ObjectOptions: transfer.ObjectOptions{Metadata: map[string]string{checksumMeta: sum}},
		})
		if err != nil {
			t.fail(&s, f.rel, err)
			continue
		}
		started = append(started, pending{rel: f.rel, path: f.path, sum: sum, task: task})
	}

	for _, p := range started {
		res, err := t.wait(ctx, &s, p)
		if err != nil {
			continue
		}
		s.transferred++
		s.bytes += res.Size
		fmt.Fprintf(t.w, "uploaded %s (%s)\n", p.rel, formatSize(res.Size))
	}
	s.elapsed = time.Since(start)
	return s, t.outcome(ctx, s)
}

// unchanged reports whether the backup already holds file f, whose
// SHA-256 is sum: an object of the same size (remote has the listed sizes)
// whose metadata carries the same checksum.
func (t *tool) unchanged(ctx context.Context, f localFile, sum string, remote map[string]int64) (bool, error) {
	if size, ok := remote[f.rel]; !ok || size != f.size {
		return false, nil // no need to ask
	}
	head, err := t.objects.Head(ctx, &object.HeadInput{Bucket: t.opts.bucket, Key: t.opts.prefix + f.rel})
	if errors.Is(err, client.ErrNotFound) {
		return false, nil // deleted since the listing
	}
	if err != nil {
		return false, err
	}
	return head.Metadata[checksumMeta] == sum, nil
}

// restore downloads the objects under bucket/prefix into dst, skipping
// the files that dst already holds.
func (t *tool) restore(ctx context.Context, dst string) (summary, error) {
	s := summary{op: "restore"}
	start := time.Now()

	var started []pending
	listing := t.buckets.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: t.opts.bucket, Prefix: t.opts.prefix})
	for obj, err := range listing {
		if err != nil {
			t.waitAll(started)
			return s, err
		}
		rel := strings.TrimPrefix(obj.Key, t.opts.prefix)
		if rel == "" || strings.HasSuffix(rel, "/") {
			continue // a "folder" marker, not a file
		}
		s.files++
		// Never write outside dst, whatever the keys say ("../x", "/etc/x").
		local := filepath.FromSlash(rel)
		if !filepath.IsLocal(local) {
			t.fail(&s, rel, errors.New("the key is not a path inside the destination"))
			continue
		}
		path := filepath.Join(dst, local)
		p, skip, err := t.startDownload(ctx, obj, rel, path)
		switch {
		case err != nil:
			t.fail(&s, rel, err)
		case skip:
			s.unchanged++
		default:
			started = append(started, p)
		}
	}

	for _, p := range started {
		res, err := t.wait(ctx, &s, p)
		if err != nil {
			continue
		}
		if p.sum != "" {
			// Check the whole chain, end to end: the file is what was
			// backed up.
			if err := checkFile(p.path, p.sum); err != nil {
				t.fail(&s, p.rel, err)
				continue
			}
		}
		s.transferred++
		s.bytes += res.Size
		fmt.Fprintf(t.w, "restored %s (%s)\n", p.rel, formatSize(res.Size))
	}
	s.elapsed = time.Since(start)
	if s.files == 0 {
		fmt.Fprintf(t.w, "nothing to restore under %s/%s\n", t.opts.bucket, t.opts.prefix)
	}
	return s, t.outcome(ctx, s)
}

// startDownload starts downloading obj to path, unless path already holds
// the object's content (skip).
func (t *tool) startDownload(ctx context.Context, obj bucket.ObjectSummary, rel, path string) (p pending, skip bool, err error) {
	head, err := t.objects.Head(ctx, &object.HeadInput{Bucket: t.opts.bucket, Key: obj.Key})
	if err != nil {
		return p, false, err
	}
	want := head.Metadata[checksumMeta] // "" for objects not written by backup
	if info, err := os.Stat(path); err == nil && info.Size() == obj.Size && want != "" && checkFile(path, want) == nil {
		return p, true, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return p, false, err
	}
	task, err := t.m.Download(ctx, &transfer.DownloadInput{Bucket: t.opts.bucket, Key: obj.Key, File: path})
	return pending{rel: rel, path: path, sum: want, task: task}, false, err
}

// remoteSizes lists the objects under the prefix: their sizes by path.
func (t *tool) remoteSizes(ctx context.Context) (map[string]int64, error) {
	sizes := map[string]int64{}
	for obj, err := range t.buckets.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: t.opts.bucket, Prefix: t.opts.prefix}) {
		if err != nil {
			return nil, err
		}
		sizes[strings.TrimPrefix(obj.Key, t.opts.prefix)] = obj.Size
	}
	return sizes, nil
}

// fail reports a file that could not be transferred.
func (t *tool) fail(s *summary, rel string, err error) {
	s.failed++
	fmt.Fprintf(t.w, "FAILED %s: %v\n", rel, err)
}

// wait waits for a transfer to end. A failed one is reported and counted;
// one stopped by an interrupt is only mentioned: the next run resumes it.
func (t *tool) wait(ctx context.Context, s *summary, p pending) (*transfer.Result, error) {
	// The task ends on its own when ctx does: wait for it without a
	// deadline, so that its journal is complete when the program exits.
	res, err := p.task.Wait(context.Background())
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintf(t.w, "stopped %s; the next run resumes it\n", p.rel)
	case err != nil:
		t.fail(s, p.rel, err)
	}
	return res, err
}

// waitAll waits for the transfers started before an error.
func (t *tool) waitAll(started []pending) {
	for _, p := range started {
		<-p.task.Done()
	}
}

// outcome is the error a run ends with: the interrupt, or a count of the
// files that failed.
func (t *tool) outcome(ctx context.Context, s summary) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.failed > 0 {
		return fmt.Errorf("%d of %d files failed", s.failed, s.files)
	}
	return nil
}

// localFile is a regular file of a tree.
type localFile struct {
	rel  string // path from the tree's root, with "/": the key below the prefix
	path string
	size int64
}

// scanTree lists the regular files under root, in lexical order.
// Directories are walked; symbolic links and other special files are left
// out.
func scanTree(root string) ([]localFile, error) {
	var files []localFile
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files = append(files, localFile{rel: filepath.ToSlash(rel), path: path, size: info.Size()})
		return nil
	})
	return files, err
}

// fileSHA256 returns the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkFile checks that a file's SHA-256 is want.
func checkFile(path, want string) error {
	got, err := fileSHA256(path)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("checksum mismatch: the file's SHA-256 is %s, the backup's %s", got, want)
	}
	return nil
}

// formatSize writes n bytes for people: "512 B", "1.5 KiB", "12.0 MiB".
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
