// Package testproc runs the process of a test server (MinIO, versitygw)
// for the packages that start one (internal/miniotest,
// internal/versitygwtest): it keeps the first 64 KiB of the process's
// output, waits until a health URL answers 200, stops the process with
// SIGTERM and then SIGKILL, and retries a start that lost its port to
// another process.
package testproc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

const (
	pollInterval   = 50 * time.Millisecond
	stopGrace      = 10 * time.Second
	maxOutputBytes = 64 << 10
)

// Proc is a started server process.
type Proc struct {
	cmd      *exec.Cmd
	exited   chan struct{} // closed once cmd.Wait has returned
	waitErr  error         // valid after exited is closed
	output   *limitedBuffer
	grace    time.Duration // how long Stop waits after SIGTERM before SIGKILL
	stopOnce sync.Once
}

// Start starts cmd with its standard output and error kept (Output).
func Start(cmd *exec.Cmd) (*Proc, error) {
	p := &Proc{cmd: cmd, exited: make(chan struct{}), output: &limitedBuffer{limit: maxOutputBytes}, grace: stopGrace}
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Output returns what the process has written so far (the first 64 KiB).
func (p *Proc) Output() string { return p.output.String() }

// PID returns the process's id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// WaitReady polls url until it answers 200. It gives up when the process
// exits or timeout passes.
func (p *Proc) WaitReady(url string, timeout time.Duration) error {
	return p.WaitReadyTLS(url, timeout, nil)
}

// WaitReadyTLS is [Proc.WaitReady] for a server on https whose certificate
// roots verifies (nil: the system's roots).
func (p *Proc) WaitReadyTLS(url string, timeout time.Duration, roots *x509.CertPool) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	if roots != nil {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
		defer client.CloseIdleConnections()
	}
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("process exited early: %v", p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v", timeout)
		case <-ticker.C:
		}
	}
}

// Stop terminates the process (SIGTERM, then SIGKILL after a grace
// period) and waits for it to exit. It is safe to call more than once.
func (p *Proc) Stop() error {
	var err error
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		if e := p.cmd.Process.Signal(syscall.SIGTERM); e != nil && !errors.Is(e, os.ErrProcessDone) {
			err = e
		}
		timer := time.NewTimer(p.grace)
		defer timer.Stop()
		select {
		case <-p.exited:
		case <-timer.C:
			err = errors.New("did not exit after SIGTERM; killed")
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return err
}

// BindError marks a start that failed because the port it picked was
// taken before the server bound it: Retry tries again.
type BindError struct{ Err error }

// Error returns the start's error text.
func (e *BindError) Error() string { return e.Err.Error() }

// Unwrap returns the start's error.
func (e *BindError) Unwrap() error { return e.Err }

// Retry calls start with attempt 0, 1, ... until it succeeds, fails with
// an error that is not a *BindError, or has been called attempts times.
func Retry[T any](attempts int, start func(attempt int) (T, error)) (T, error) {
	var zero T
	var lastErr error
	for attempt := range attempts {
		v, err := start(attempt)
		if err == nil {
			return v, nil
		}
		lastErr = err
		var be *BindError
		if !errors.As(err, &be) {
			return zero, err
		}
	}
	return zero, lastErr
}

// FreePorts reserves n distinct free TCP ports on 127.0.0.1 by listening
// on port 0, then releases them for the server to bind.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// limitedBuffer is a goroutine-safe writer keeping the first limit bytes.
type limitedBuffer struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.limit - b.buf.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
	} else {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.truncated {
		return b.buf.String() + "\n[... output truncated ...]"
	}
	return b.buf.String()
}
