package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/polystore/polystore/transfer"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// reporter shows an upload's progress. Its methods are called from the
// task's event goroutine and, for Write and stop, from the main one.
type reporter interface {
	// Write prints whole lines of messages (above the bar, if any).
	io.Writer
	// running: the task starts (or resumes) sending parts; p counts the
	// bytes already uploaded, by an earlier run or before a pause.
	running(p transfer.Progress)
	// progress: more bytes were acknowledged by the server.
	progress(p transfer.Progress)
	// verifying: local bytes of parts found on the server were re-checked.
	verifying(p transfer.Progress)
	// partDone: one part was acknowledged and journaled.
	partDone(p transfer.Part)
	// stop ends the display; done says whether the upload completed.
	stop(done bool)
}

// newReporter returns a progress bar or, for "plain" (and for "auto" when
// w is not a terminal), a reporter that prints one line per event.
func newReporter(mode string, w io.Writer, total int64) reporter {
	if mode == "bar" || mode == "auto" && isTerminal(w) {
		return newBarReporter(w, total)
	}
	return &plainReporter{w: w}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// barReporter draws a progress bar with mpb:
//
//	upload 40.0 MiB / 128.0 MiB [=====>----------]  31 %  32.1 MiB/s  ETA 3s
//
// mpb draws the bar, the byte counters and the percentage; speed and ETA
// come from the transfer manager's own Progress.Speed, the average rate of
// this run (parts found done on resume left out), because the server
// acknowledges whole parts in bursts that would fool a moving average.
type barReporter struct {
	w   io.Writer
	p   *mpb.Progress
	bar *mpb.Bar

	mu      sync.Mutex
	speed   float64 // bytes per second, from the last Progress
	hashing bool    // a "re-verifying" message was printed
	stopped bool
}

func newBarReporter(w io.Writer, total int64) *barReporter {
	r := &barReporter{w: w}
	r.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	r.bar = r.p.AddBar(total,
		mpb.PrependDecorators(
			decor.Name("upload "),
			decor.Counters(decor.SizeB1024(0), "% .1f / % .1f"),
		),
		mpb.AppendDecorators(
			decor.Percentage(decor.WC{W: 5}),
			decor.Any(r.speedETA),
		),
	)
	return r
}

// speedETA is a decorator: it renders "  32.1 MiB/s  ETA 3s".
func (r *barReporter) speedETA(s decor.Statistics) string {
	r.mu.Lock()
	speed := r.speed
	r.mu.Unlock()
	switch {
	case s.Completed:
		return "  done"
	case speed <= 0:
		return "" // nothing measured yet
	}
	eta := time.Duration(float64(s.Total-s.Current) / speed * float64(time.Second))
	return fmt.Sprintf("  %s/s  ETA %v", formatSize(int64(speed)), eta.Round(time.Second))
}

func (r *barReporter) Write(b []byte) (int, error) {
	r.mu.Lock()
	stopped := r.stopped
	r.mu.Unlock()
	if stopped {
		return r.w.Write(b)
	}
	return r.p.Write(b) // printed above the bar at its next refresh
}

func (r *barReporter) running(p transfer.Progress) { r.progress(p) }

func (r *barReporter) progress(p transfer.Progress) {
	r.mu.Lock()
	r.speed = p.Speed
	r.mu.Unlock()
	r.bar.SetCurrent(p.Bytes)
}

func (r *barReporter) verifying(p transfer.Progress) {
	r.mu.Lock()
	first := !r.hashing
	r.hashing = true
	r.mu.Unlock()
	if first {
		fmt.Fprintf(r, "resuming: re-verifying %s already on the server\n", formatSize(p.Total))
	}
}

func (r *barReporter) partDone(transfer.Part) {}

func (r *barReporter) stop(done bool) {
	if done {
		r.bar.SetTotal(-1, true) // complete at the current value
	} else {
		r.bar.Abort(false) // stop, leaving the bar on the screen
	}
	r.p.Wait()
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
}

// plainReporter prints one line per event, for logs and scripts:
//
//	part 3 done (8388608 bytes at offset 16777216)
//	progress 25165824/134217728 bytes, 3/16 parts, 19%, 24.0 MiB/s
type plainReporter struct {
	mu sync.Mutex // keeps lines from two goroutines whole
	w  io.Writer
}

func (r *plainReporter) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w.Write(b)
}

func (r *plainReporter) running(p transfer.Progress) {
	fmt.Fprintf(r, "running (%d bytes already uploaded)\n", p.Bytes)
}

func (r *plainReporter) progress(p transfer.Progress) {
	fmt.Fprintf(r, "progress %d/%d bytes, %d/%d parts, %.0f%%, %s/s\n",
		p.Bytes, p.Total, p.Parts, p.TotalParts, p.Percent, formatSize(int64(p.Speed)))
}

func (r *plainReporter) verifying(p transfer.Progress) {
	fmt.Fprintf(r, "verified %d/%d bytes already on the server\n", p.Bytes, p.Total)
}

func (r *plainReporter) partDone(p transfer.Part) {
	fmt.Fprintf(r, "part %d done (%d bytes at offset %d)\n", p.Number, p.Size, p.Offset)
}

func (r *plainReporter) stop(bool) {}
