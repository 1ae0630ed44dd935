package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer"
)

// options say where a backup goes and how it is transferred.
type options struct {
	bucket, prefix string
	parallel       int    // files transferred at once
	partSize       int64  // part size of large files
	checkpointDir  string // journals of unfinished transfers
	delete         bool   // backup: delete the objects whose files are gone
}

// tool backs trees up and restores them: each is one Sync of the
// transfer manager.
type tool struct {
	opts options
	m    *transfer.Manager
	w    io.Writer
}

func newTool(c *client.Client, o options, w io.Writer) (*tool, error) {
	m, err := transfer.NewFromClient(c,
		transfer.WithFileParallelism(o.parallel),
		transfer.WithPartSize(o.partSize),
		// The journals of the files done and of the acknowledged parts,
		// so that an interrupted run is resumed, not sent again, by the
		// next one.
		transfer.WithCheckpointDir(o.checkpointDir),
		transfer.WithKeepParts(true),
	)
	if err != nil {
		return nil, err
	}
	return &tool{opts: o, m: m, w: w}, nil
}

// summary counts what a backup or restore did.
type summary struct {
	op          string // "backup" or "restore"
	files       int
	transferred int // uploaded or downloaded
	unchanged   int
	deleted     int
	failed      int
	bytes       int64 // bytes transferred
	elapsed     time.Duration
}

func (s summary) String() string {
	verb := map[string]string{"backup": "uploaded", "restore": "downloaded"}[s.op]
	deleted := ""
	if s.deleted > 0 {
		deleted = fmt.Sprintf(", %d deleted", s.deleted)
	}
	return fmt.Sprintf("%s: %d files, %d %s (%s), %d unchanged%s, %d failed, in %v",
		s.op, s.files, s.transferred, verb, formatSize(s.bytes), s.unchanged, deleted, s.failed, s.elapsed.Round(time.Millisecond))
}

// backup makes the objects under bucket/prefix match the tree src: a
// Sync upload, which sends the files that are new or changed (compared
// by size and the CRC-32C recorded in each object's metadata), and with
// -delete removes the objects whose files are gone. Symbolic links are
// left out.
func (t *tool) backup(ctx context.Context, src string) (summary, error) {
	return t.sync(ctx, "backup", &transfer.SyncInput{
		Direction: transfer.SyncUpload, Dir: src, Bucket: t.opts.bucket, Prefix: t.opts.prefix,
		Symlinks: transfer.SymlinksSkip, Delete: t.opts.delete,
	})
}

// restore makes dst hold the objects under bucket/prefix: a Sync
// download, which skips the files already there and verifies every file
// it writes (the CRC-32C the backup recorded) before renaming it in
// place. A key that would make a path outside dst fails as a file.
func (t *tool) restore(ctx context.Context, dst string) (summary, error) {
	return t.sync(ctx, "restore", &transfer.SyncInput{
		Direction: transfer.SyncDownload, Dir: dst, Bucket: t.opts.bucket, Prefix: t.opts.prefix,
	})
}

// sync runs one Sync and reports each file and the summary.
func (t *tool) sync(ctx context.Context, op string, in *transfer.SyncInput) (summary, error) {
	s := summary{op: op}
	start := time.Now()
	task, err := t.m.Sync(ctx, in)
	if err != nil {
		return s, err
	}
	// The task ends on its own when ctx does: wait for it without a
	// deadline, so that its journals are complete when the program exits.
	res, err := task.Wait(context.Background())
	s.elapsed = time.Since(start)
	var files []transfer.FileResult
	var dirErr *transfer.DirError
	switch {
	case err == nil:
		files = res.Files
	case errors.As(err, &dirErr):
		files = dirErr.Files
	case ctx.Err() != nil:
		fmt.Fprintf(t.w, "stopped; the next run goes on from here\n")
		return s, ctx.Err()
	default:
		return s, err
	}
	verb := map[string]string{"backup": "uploaded", "restore": "restored"}[op]
	for _, f := range files {
		switch {
		case f.Action == transfer.FileSkipped:
			fmt.Fprintf(t.w, "skipped %s: %s\n", f.Path, f.Reason)
			continue
		case f.Action == transfer.FileDeleted && f.Err == nil:
			s.deleted++
			fmt.Fprintf(t.w, "deleted %s\n", f.Key)
			continue
		case f.Err != nil:
			s.failed++
			fmt.Fprintf(t.w, "FAILED %s: %v\n", f.Path, f.Err)
		case f.Action == transfer.FileUnchanged:
			s.unchanged++
		case f.Action == transfer.FileUploaded || f.Action == transfer.FileDownloaded:
			s.transferred++
			s.bytes += f.Size
			fmt.Fprintf(t.w, "%s %s (%s)\n", verb, f.Path, formatSize(f.Size))
		}
		s.files++
	}
	if op == "restore" && s.files == 0 {
		fmt.Fprintf(t.w, "nothing to restore under %s/%s\n", t.opts.bucket, t.opts.prefix)
	}
	if err := ctx.Err(); err != nil {
		return s, err
	}
	if s.failed > 0 {
		return s, fmt.Errorf("%d of %d files failed", s.failed, s.files)
	}
	return s, nil
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
