// Command upload is a resumable large-file upload tool built on polystore's
// transfer manager (package transfer). It shows a progress bar with bytes,
// speed and ETA; Ctrl-C pauses the upload, keeping every part the server
// has acknowledged in a checkpoint journal, and running the same command
// again resumes where it stopped.
//
//	go run .                                       # a generated 128 MiB file, embedded server
//	go run . -file big.bin -bucket b -key k -real  # a real service (see README.md)
//
// By default it uploads to an embedded in-memory storagetest server, which
// lives only as long as this process: there Ctrl-C pauses and Enter
// resumes. With -real or -endpoint, Ctrl-C pauses, writes the checkpoint
// and exits; a re-run resumes from the checkpoint.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer"
)

// config holds the command line.
type config struct {
	dialect       string
	bucket, key   string
	file          string
	partSize      byteSize
	parallel      int
	checkpointDir string
	progress      string // "auto", "bar" or "plain"
	server        serverConfig
}

// errPaused ends a run that was interrupted and paused. main turns it into
// exit status 130, the shell's convention for "stopped by Ctrl-C".
var errPaused = errors.New("upload paused")

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2) // the flag package has printed the problem and the usage
	}
	// Catch Ctrl-C (and a polite kill) from here on: run pauses the
	// upload instead of dying with parts half sent.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)

	err = run(context.Background(), cfg, os.Stdout, os.Stdin, interrupts)
	switch {
	case errors.Is(err, errPaused):
		os.Exit(130)
	case err != nil:
		fmt.Fprintln(os.Stderr, "upload:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	cfg := config{partSize: 8 << 20}
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.StringVar(&cfg.dialect, "dialect", "s3", "s3, cos, qingstor or ibm")
	fs.StringVar(&cfg.file, "file", "", "the file to upload (default: a generated 128 MiB demo file)")
	fs.StringVar(&cfg.bucket, "bucket", os.Getenv("POLYSTORE_BUCKET"), "the bucket, created if missing (default $POLYSTORE_BUCKET, or \"uploads\")")
	fs.StringVar(&cfg.key, "key", "", "the object key (default: the file's name)")
	fs.Var(&cfg.partSize, "part-size", "part size, such as 8MiB or 16MiB (raised to the dialect's minimum)")
	fs.IntVar(&cfg.parallel, "parallel", 4, "parts uploaded at once")
	fs.StringVar(&cfg.checkpointDir, "checkpoint-dir", "", "directory of the checkpoint journals (default: polystore/upload in the user cache directory)")
	fs.StringVar(&cfg.progress, "progress", "auto", "progress display: bar, plain (one line per event) or auto (bar on a terminal)")
	cfg.server.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(fs.Output(), err)
		fs.Usage()
		return cfg, err
	}
	return cfg, nil
}

// run uploads cfg.file and returns nil once the object is complete, or
// errPaused when an interrupt paused the upload for good. stdin is read
// only while an upload to the embedded server is paused (Enter resumes).
func run(ctx context.Context, cfg config, stdout io.Writer, stdin io.Reader, interrupts <-chan os.Signal) error {
	d, err := client.LookupDialect(cfg.dialect)
	if err != nil {
		return err
	}
	c, stop, err := connect(d, cfg.server, stdout)
	if err != nil {
		return err
	}
	defer stop()

	if cfg.file == "" {
		if cfg.file, err = demoFile(stdout); err != nil {
			return err
		}
	}
	info, err := os.Stat(cfg.file)
	if err != nil {
		return err
	}
	if cfg.key == "" {
		cfg.key = filepath.Base(cfg.file)
	}
	if cfg.bucket == "" {
		cfg.bucket = defaultBucket(d, "uploads")
	}
	if cfg.checkpointDir == "" {
		if cfg.checkpointDir, err = defaultCheckpointDir(); err != nil {
			return err
		}
	}
	if err := ensureBucket(ctx, c, cfg.bucket, stdout); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "uploading %s (%s) to %s/%s in parts of %s, %d at a time\n",
		cfg.file, formatSize(info.Size()), cfg.bucket, cfg.key, cfg.partSize, cfg.parallel)
	fmt.Fprintf(stdout, "checkpoint journals go to %s\n", cfg.checkpointDir)

	rep := newReporter(cfg.progress, stdout, info.Size())
	u := &uploader{rep: rep, paused: make(chan struct{}, 1)}
	m, err := transfer.NewFromClient(c,
		transfer.WithPartSize(int64(cfg.partSize)),
		transfer.WithPartParallelism(cfg.parallel),
		// The journal of acknowledged parts that lets a new process resume.
		transfer.WithCheckpointDir(cfg.checkpointDir),
		// Keep the multipart upload and its journal if the upload fails
		// (a network outage, say), so that a re-run can still resume.
		transfer.WithKeepParts(true),
		transfer.WithProgressInterval(200*time.Millisecond),
		transfer.WithListener(u.listener()),
	)
	if err != nil {
		rep.stop(false)
		return err
	}
	task, err := m.Upload(ctx, &transfer.UploadInput{Bucket: cfg.bucket, Key: cfg.key, File: cfg.file})
	if err != nil {
		rep.stop(false)
		return err
	}
	return u.supervise(ctx, task, cfg.server.embedded(), stdin, interrupts)
}

// uploader follows one upload task: it feeds the progress display from the
// task's events, and pauses and resumes the task on the user's signals.
type uploader struct {
	rep    reporter
	paused chan struct{} // receives when the task has paused
}

// listener returns the callbacks the transfer manager calls with the task's
// events, one at a time, from a goroutine of the task.
func (u *uploader) listener() transfer.Listener {
	return transfer.Listener{
		Progress:     func(t *transfer.Task, p transfer.Progress) { u.rep.progress(p) },
		HashProgress: func(t *transfer.Task, p transfer.Progress) { u.rep.verifying(p) },
		PartDone:     func(t *transfer.Task, p transfer.Part) { u.rep.partDone(p) },
		StateChange: func(t *transfer.Task, from, to transfer.State) {
			switch to {
			case transfer.StateRunning:
				u.rep.running(t.Progress())
			case transfer.StatePaused:
				select { // never block the task's event goroutine
				case u.paused <- struct{}{}:
				default:
				}
			}
		},
	}
}

// supervise waits for the task to end, pausing it on an interrupt. With
// the embedded server a paused task can be resumed with Enter (the server
// would be gone after a re-run); otherwise a pause ends the run.
func (u *uploader) supervise(ctx context.Context, task *transfer.Task, embedded bool, stdin io.Reader, interrupts <-chan os.Signal) error {
	var enter <-chan struct{} // set while paused with the embedded server
	for {
		select {
		case <-task.Done():
			return u.finish(ctx, task)

		case <-interrupts:
			if enter != nil { // a second Ctrl-C while paused: quit
				u.rep.stop(false)
				fmt.Fprintln(u.rep, "quit; the embedded server and its upload end with this process")
				return errPaused
			}
			fmt.Fprintln(u.rep, "pausing: parts in flight are stopped, acknowledged parts are kept")
			task.PauseNow()

		case <-u.paused:
			cp := task.Checkpoint()
			fmt.Fprintf(u.rep, "paused after %d parts (%s of %s); checkpoint journal: %s\n",
				len(cp.Parts), formatSize(task.Progress().Bytes), formatSize(cp.Size), cp.Journal)
			if !embedded {
				u.rep.stop(false)
				fmt.Fprintln(u.rep, "paused; re-run the same command to resume")
				return errPaused
			}
			fmt.Fprintln(u.rep, "the embedded server lives in this process: press Enter to resume, Ctrl-C to quit")
			enter = waitForEnter(stdin)

		case <-enter:
			enter = nil
			fmt.Fprintln(u.rep, "resuming")
			task.Resume()
		}
	}
}

// finish reports the outcome of a task that has ended.
func (u *uploader) finish(ctx context.Context, task *transfer.Task) error {
	res, err := task.Wait(ctx)
	u.rep.stop(err == nil)
	if err != nil {
		return err
	}
	// Verified names the check that covered every byte (crc64, crc32c,
	// md5-parts, ...); Unverified says why there was none.
	verified := "not verified: " + res.Unverified
	if res.Verified != "" {
		verified = "verified by " + res.Verified
	}
	fmt.Fprintf(u.rep, "done: %s/%s, %s in %d parts (%d resumed), %s, ETag %s\n",
		res.Bucket, res.Key, formatSize(res.Size), res.Parts, res.ResumedParts, verified, res.ETag)
	return nil
}

// waitForEnter returns a channel that receives when a line is read from r.
// At the end of the input (no terminal attached) it never receives.
func waitForEnter(r io.Reader) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		if _, err := bufio.NewReader(r).ReadString('\n'); err == nil {
			close(ch)
		}
	}()
	return ch
}

// defaultCheckpointDir is polystore/upload in the user's cache directory
// (~/.cache on Linux), or .polystore-checkpoints in the working directory
// if there is none.
func defaultCheckpointDir() (string, error) {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "polystore", "upload"), nil
	}
	return filepath.Abs(".polystore-checkpoints")
}
