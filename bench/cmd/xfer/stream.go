package main

// -op stream: a streamed download, the object's bytes delivered in order
// to an io.Writer, fetched in parallel ranges:
//
//   - polystore: transfer.Manager.Download with DownloadInput.Writer
//     (ranges fetched into part buffers, written in turn: at most
//     part × (par+1) bytes of buffers);
//   - polystore-open: transfer.Manager.Open, the Reader copied with
//     io.Copy (the same machinery, the reader taking the buffers);
//   - aws-tm: aws-sdk-go-v2 feature/s3/transfermanager's Client.GetObject,
//     whose Body is a concurrent reader, copied with io.Copy, with
//     GetObjectType ranges of -part, Concurrency -par and a
//     GetObjectBufferSize of part × (par+1), polystore's bound.
//
// -dest discard (the default) writes into io.Discard through a counter:
// the run fails unless exactly -size bytes arrived; -dest check compares
// every byte with the content at its offset (gen.Checker), a memory
// compare both clients pay alike.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/polystore/polystore/bench/internal/discard"
	"github.com/polystore/polystore/bench/internal/gen"
	"github.com/polystore/polystore/transfer"
)

var streamDest = flag.String("dest", "discard", "-op stream: discard (io.Discard, bytes counted) or check (every byte compared with the content)")

// streamModes are the integrity modes of -op stream; the first is the
// default: auto checks what the server publishes, off nothing.
var streamModes = map[string][]string{
	"polystore":      {"auto", "off"},
	"polystore-open": {"auto", "off"},
	"aws-tm":         {"auto", "off"},
}

// streamer is one client's streamed download into w; it returns what the
// client itself verified ("" for nothing).
type streamer func(ctx context.Context, w io.Writer) (string, error)

func newStreamer(c *config, integrity string) (streamer, error) {
	switch c.Client {
	case "polystore", "polystore-open":
		mode := transfer.IntegrityAuto
		if integrity == "off" {
			mode = transfer.IntegrityOff
		}
		cl, err := newPolystoreClient(c)
		if err != nil {
			return nil, err
		}
		m, err := transfer.NewFromClient(cl, transfer.WithPartSize(c.Part), transfer.WithPartParallelism(c.Par), transfer.WithIntegrity(mode))
		if err != nil {
			return nil, err
		}
		in := &transfer.DownloadInput{Bucket: c.Bucket, Key: c.Key}
		if c.Client == "polystore" {
			return func(ctx context.Context, w io.Writer) (string, error) {
				in.Writer = w
				task, err := m.Download(ctx, in)
				if err != nil {
					return "", err
				}
				res, err := task.Wait(ctx)
				if err != nil {
					return "", err
				}
				return res.Verified, nil
			}, nil
		}
		return func(ctx context.Context, w io.Writer) (string, error) {
			r, err := m.Open(ctx, in)
			if err != nil {
				return "", err
			}
			defer r.Close()
			if _, err := io.Copy(w, r); err != nil {
				return "", err
			}
			res, err := r.Task().Wait(ctx)
			if err != nil {
				return "", err
			}
			return res.Verified, r.Close()
		}, nil
	case "aws-tm":
		s3c := s3.New(s3.Options{
			Region:       c.Region,
			BaseEndpoint: aws.String(c.Endpoint),
			UsePathStyle: true,
			Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
		})
		tm := transfermanager.New(s3c, func(o *transfermanager.Options) {
			o.GetObjectType = tmtypes.GetObjectRanges
			o.PartSizeBytes = c.Part
			o.Concurrency = c.Par
			o.GetObjectBufferSize = c.Part * int64(c.Par+1)
			o.DisableChecksumValidation = integrity == "off"
		})
		return func(ctx context.Context, w io.Writer) (string, error) {
			out, err := tm.GetObject(ctx, &transfermanager.GetObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(c.Key)})
			if err != nil {
				return "", err
			}
			if _, err := io.Copy(w, out.Body); err != nil {
				return "", err
			}
			// The concurrent reader validates a full-object checksum
			// when the object has one; these objects have none.
			return "", nil
		}, nil
	}
	return nil, fmt.Errorf("unknown client %q for -op stream (want polystore, polystore-open or aws-tm)", c.Client)
}

// countingWriter counts what it is given and keeps nothing.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// offsetWriter writes in order to an io.WriterAt.
type offsetWriter struct {
	w   io.WriterAt
	off int64
}

func (o *offsetWriter) Write(p []byte) (int, error) {
	n, err := o.w.WriteAt(p, o.off)
	o.off += int64(n)
	return n, err
}

// runStream measures one streamed download.
func runStream(ctx context.Context, c config) (*result, error) {
	modes := streamModes[c.Client]
	if modes == nil {
		return nil, fmt.Errorf("unknown client %q for -op stream (want polystore, polystore-open or aws-tm)", c.Client)
	}
	integrity := modes[0]
	if c.Integrity != "" && c.Integrity != "default" {
		integrity = ""
		for _, m := range modes {
			if m == c.Integrity {
				integrity = m
			}
		}
		if integrity == "" {
			return nil, fmt.Errorf("client %s streams with integrity %v, not %q", c.Client, modes, c.Integrity)
		}
	}
	s, err := newStreamer(&c, integrity)
	if err != nil {
		return nil, err
	}
	g := gen.New(discard.Seed, c.Size)
	cw := &countingWriter{w: io.Discard}
	var chk *gen.Checker
	switch *streamDest {
	case "discard":
	case "check":
		chk = gen.NewChecker(g)
		cw.w = &offsetWriter{w: chk}
	default:
		return nil, fmt.Errorf("unknown -dest %q (want discard or check)", *streamDest)
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
	verified, err := s(ctx, cw)
	elapsed := time.Since(start)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	if c.Profile != "" {
		pprof.StopCPUProfile()
	}
	if c.MemProf != "" {
		if werr := writeHeapProfile(c.MemProf); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s stream: %w", c.Client, err)
	}
	if cw.n != c.Size {
		return nil, fmt.Errorf("%s stream: %d bytes arrived, want %d", c.Client, cw.n, c.Size)
	}
	what := "count"
	if chk != nil {
		if _, err := chk.Done(); err != nil {
			return nil, fmt.Errorf("%s stream: verification failed: %w", c.Client, err)
		}
		what = "bytes"
	}
	if verified != "" {
		what += "+" + verified
	}
	return &result{
		cfg: c, integrity: integrity, bytes: c.Size, seconds: elapsed.Seconds(),
		user: tv(ru.Utime), sys: tv(ru.Stime), maxRSS: ru.Maxrss << 10, verified: what,
	}, nil
}
