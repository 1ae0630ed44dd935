// Command backup backs a directory tree up to a bucket and restores it,
// with polystore's transfer manager:
//
//	go run ./examples/backup                                  # a demo on an embedded server
//	go run ./examples/backup backup -src DIR -bucket B -prefix P -real
//	go run ./examples/backup restore -bucket B -prefix P -dst DIR -real
//
// The program is a thin layer over the transfer manager's Sync: a backup
// is a Sync upload, a restore a Sync download. A backup uploads the files
// that are new or changed and skips the others: each object carries the
// CRC-32C of its content in its metadata (recorded by the manager), and a
// file is unchanged when the object under its name has the same size and
// checksum. Files are uploaded in parallel, large ones in parts; an
// interrupted backup (Ctrl-C) keeps its finished files and the parts of
// the unfinished ones, and the next run goes on from there. With -delete a
// backup also removes the objects whose files are gone. A restore
// downloads the objects under the prefix, skips files that are already
// there, and checks every file it writes against its checksum.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/polystore/polystore/client"
)

func main() {
	// Ctrl-C cancels the context: transfers stop, keeping what is done.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0) // -h: the usage is printed
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "backup: interrupted; run the same command again to go on")
		os.Exit(130)
	default:
		fmt.Fprintln(os.Stderr, "backup:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  backup [demo] [-dialect D]               back up and restore a sample tree on an embedded server
  backup backup -src DIR [flags]           back DIR up to the bucket, under the prefix
  backup restore -dst DIR [flags]          restore the backup under the prefix into DIR
Run "backup backup -h" or "backup restore -h" for the flags.
`

// run runs the command in args: "demo" (the default), "backup" or
// "restore".
func run(ctx context.Context, args []string, w io.Writer) error {
	cmd := "demo"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var cfg config
	fs := flag.NewFlagSet("backup "+cmd, flag.ContinueOnError)
	fs.StringVar(&cfg.dialect, "dialect", "s3", "s3, cos, qingstor or ibm")
	switch cmd {
	case "demo":
	case "backup":
		fs.StringVar(&cfg.src, "src", "", "the directory to back up (required)")
		cfg.addFlags(fs)
	case "restore":
		fs.StringVar(&cfg.dst, "dst", "", "the directory to restore into, created if missing (required)")
		cfg.addFlags(fs)
	default:
		fmt.Fprint(w, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	d, err := client.LookupDialect(cfg.dialect)
	if err != nil {
		return err
	}
	if cmd == "demo" {
		return demo(ctx, d, w)
	}
	if cmd == "backup" && cfg.src == "" || cmd == "restore" && cfg.dst == "" {
		fs.Usage()
		return fmt.Errorf("%s needs -%s", cmd, map[string]string{"backup": "src", "restore": "dst"}[cmd])
	}
	if err := cfg.fillDefaults(d); err != nil {
		return err
	}

	c, stopServer, err := connect(d, cfg.server, w)
	if err != nil {
		return err
	}
	defer stopServer()
	if err := ensureBucket(ctx, c, cfg.bucket, w); err != nil {
		return err
	}
	t, err := newTool(c, cfg.options, w)
	if err != nil {
		return err
	}
	var sum summary
	if cmd == "backup" {
		sum, err = t.backup(ctx, cfg.src)
	} else {
		sum, err = t.restore(ctx, cfg.dst)
	}
	if err == nil || sum.files > 0 {
		fmt.Fprintln(w, sum)
	}
	if cfg.server.embedded() {
		fmt.Fprintln(w, "(the embedded server's data is gone with this process: use -real, or -endpoint with go run ./examples/storageserver, to keep a backup)")
	}
	return err
}

// config is the command line of backup and restore.
type config struct {
	dialect  string
	src, dst string
	server   serverConfig
	options
}

func (c *config) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.bucket, "bucket", os.Getenv("POLYSTORE_BUCKET"), "the bucket, created if missing (default $POLYSTORE_BUCKET, or \"backups\")")
	fs.StringVar(&c.prefix, "prefix", "backup/", "the key prefix of the backup's objects")
	fs.IntVar(&c.parallel, "parallel", 4, "files transferred at once")
	fs.Int64Var(&c.partSize, "part-size", 8<<20, "part size in bytes of large files (raised to the dialect's minimum)")
	fs.BoolVar(&c.delete, "delete", false, "backup: also delete the objects under the prefix whose files are gone (only when no file failed)")
	fs.StringVar(&c.checkpointDir, "checkpoint-dir", "", "directory of the journals that let interrupted transfers resume (default: polystore/backup in the user cache directory)")
	c.server.addFlags(fs)
}

// fillDefaults completes the options left empty on the command line.
func (c *config) fillDefaults(d client.Dialect) error {
	if c.bucket == "" {
		c.bucket = defaultBucket(d, "backups")
	}
	c.prefix = normalizePrefix(c.prefix)
	if c.checkpointDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no -checkpoint-dir and no user cache directory: %w", err)
		}
		c.checkpointDir = filepath.Join(dir, "polystore", "backup")
	}
	return nil
}

// normalizePrefix makes a non-empty prefix end with "/", so that the keys
// look like paths below it.
func normalizePrefix(p string) string {
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}
