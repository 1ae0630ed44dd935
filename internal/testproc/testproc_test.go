package testproc

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary is also the process under test: with TESTPROC_HELPER
// set it blocks, exits at once, or writes more than Output keeps.
func TestMain(m *testing.M) {
	switch os.Getenv("TESTPROC_HELPER") {
	case "block":
		select {} // until a signal ends it
	case "exit":
		os.Exit(3)
	case "stubborn": // ignores SIGTERM, then answers 200 on TESTPROC_ADDR
		signal.Ignore(syscall.SIGTERM)
		http.ListenAndServe(os.Getenv("TESTPROC_ADDR"), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		os.Exit(1)
	case "spew":
		os.Stdout.WriteString(strings.Repeat("x", 2*maxOutputBytes))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helper(t *testing.T, mode string, env ...string) *Proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "TESTPROC_HELPER="+mode), env...)
	p, err := Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	return p
}

func TestWaitReadyAndStop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	p := helper(t, "block")
	if err := p.WaitReady(srv.URL, time.Minute); err != nil {
		t.Fatalf("WaitReady on a server answering 200: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-p.exited:
	default:
		t.Fatal("Stop returned before the process exited")
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestStopKillsStubborn: a process that ignores SIGTERM is killed once
// the grace period is over, and Stop says so.
func TestStopKillsStubborn(t *testing.T) {
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(ports[0])
	p := helper(t, "stubborn", "TESTPROC_ADDR="+addr)
	p.grace = 50 * time.Millisecond
	if err := p.WaitReady("http://"+addr+"/", time.Minute); err != nil { // SIGTERM is ignored by now
		t.Fatalf("WaitReady: %v", err)
	}
	err = p.Stop()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop of a process ignoring SIGTERM: %v, want it killed", err)
	}
	select {
	case <-p.exited:
	default:
		t.Fatal("Stop returned before the process exited")
	}
}

func TestWaitReadyProcessExits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := helper(t, "exit")
	err := p.WaitReady(srv.URL, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exited early") {
		t.Fatalf("WaitReady with the process gone: %v, want an early exit", err)
	}
}

func TestOutputLimited(t *testing.T) {
	p := helper(t, "spew")
	<-p.exited
	out := p.Output()
	if !strings.HasPrefix(out, strings.Repeat("x", maxOutputBytes)+"\n") || !strings.HasSuffix(out, "truncated ...]") {
		t.Fatalf("Output: %d bytes, ends %q", len(out), out[max(0, len(out)-40):])
	}
}

func TestRetry(t *testing.T) {
	bind := &BindError{Err: errors.New("address already in use")}
	calls := 0
	_, err := Retry(3, func(int) (int, error) { calls++; return 0, bind })
	if calls != 3 || !errors.Is(err, bind) {
		t.Fatalf("bind errors: %d calls, %v; want 3 calls and the last error", calls, err)
	}
	calls = 0
	other := errors.New("no such binary")
	if _, err := Retry(3, func(int) (int, error) { calls++; return 0, other }); calls != 1 || err != other {
		t.Fatalf("other error: %d calls, %v; want 1 call", calls, err)
	}
	v, err := Retry(3, func(a int) (int, error) {
		if a < 1 {
			return 0, bind
		}
		return 7, nil
	})
	if v != 7 || err != nil {
		t.Fatalf("success on the second attempt: %d, %v", v, err)
	}
}

func TestFreePorts(t *testing.T) {
	ports, err := FreePorts(3)
	if err != nil || len(ports) != 3 || ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2] {
		t.Fatalf("FreePorts(3) = %v, %v", ports, err)
	}
}
