package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// The copy and directory crash tests re-execute the test binary as the
// transfer crash tests do (crash_test.go): the child runs one test
// function named by -test.run with its configuration in an environment
// variable, the storagetest servers live in the parent.

// startChild runs the test function run of this binary as a child
// process with cfg (JSON) in the environment variable env.
func startChild(t *testing.T, run, env string, cfg any) *child {
	t.Helper()
	cfgJSON, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$", "-test.count=1", "-test.timeout=120s")
	cmd.Env = append(os.Environ(), env+"="+string(cfgJSON))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 100), stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// killAfter waits for the child to print "ACKED" and kills it (SIGKILL).
func (c *child) killAfter(t *testing.T) {
	t.Helper()
	c.waitLine(t, "ACKED")
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
}

// result waits for the child's "RESULT" line, decodes it into out and
// waits for the child to exit successfully.
func (c *child) result(t *testing.T, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(c.waitLine(t, "RESULT")), out); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stderr:\n%s", err, c.stderr)
	}
}

// endpoint names a storagetest server for a child.
type endpoint struct {
	Dialect, URL, Region, Bucket string
}

func endpointOf(e *stEnv, d client.Dialect) endpoint {
	return endpoint{Dialect: d.Name, URL: e.srv.URL, Region: e.srv.Region(), Bucket: e.bucket}
}

// api returns a ClientAPI for the endpoint.
func (ep endpoint) api() (*ClientAPI, error) {
	c, err := client.New(dialectNamed(ep.Dialect), client.WithEndpoint(ep.URL), client.WithRegion(ep.Region),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
	if err != nil {
		return nil, err
	}
	return NewClientAPI(c), nil
}

const copyHelperEnv = "POLYSTORE_COPY_HELPER"

// copyHelperConfig tells a copy child what to do.
type copyHelperConfig struct {
	From, To  endpoint
	SrcKey    string
	DstKey    string
	Ckpt      string
	PartSize  int64
	StopAfter int // as helperConfig.StopAfter: stall uploads after these parts
}

// TestCopyHelperProcess is the child of TestCrashResumeCopy; run on its
// own it does nothing.
func TestCopyHelperProcess(t *testing.T) {
	cfgJSON := os.Getenv(copyHelperEnv)
	if cfgJSON == "" {
		t.Skip("the copy crash test's child process")
	}
	var cfg copyHelperConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	if err := runCopyHelper(cfg); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runCopyHelper(cfg copyHelperConfig) error {
	from, err := cfg.From.api()
	if err != nil {
		return err
	}
	to, err := cfg.To.api()
	if err != nil {
		return err
	}
	var dst API = to
	if cfg.StopAfter > 0 {
		dst = &stallingAPI{API: to, first: to.Dialect().Limits.FirstPartNumber, after: cfg.StopAfter, partSize: cfg.PartSize}
	}
	var acked atomic.Int32
	l := Listener{PartDone: func(*Task, Part) {
		if int(acked.Add(1)) == cfg.StopAfter {
			fmt.Println("ACKED")
		}
	}}
	m, err := New(dst, WithPartSize(cfg.PartSize), WithPartParallelism(3), WithCheckpointDir(cfg.Ckpt), WithListener(l))
	if err != nil {
		return err
	}
	ctx := context.Background()
	task, err := m.Copy(ctx, &CopySource{API: from, Bucket: cfg.From.Bucket, Key: cfg.SrcKey}, &CopyDestination{Bucket: cfg.To.Bucket, Key: cfg.DstKey})
	if err != nil {
		return err
	}
	res, err := task.Wait(ctx)
	if err != nil {
		return err
	}
	out, _ := json.Marshal(res)
	fmt.Println("RESULT", string(out))
	return nil
}

// TestCrashResumeCopy kills a copy across dialects (SIGKILL) after 5 of
// its 12 parts were acknowledged by the destination, with 3 more in
// flight, and resumes it in a new process: the journaled parts are
// neither read from the source nor uploaded again, no part is uploaded
// twice over both runs (request logs), the copy's SHA-256 is the
// source's, and the resumed copy still checks every byte read against
// the source's published checksum — a CRC combined from the journaled
// parts' CRCs, or, for an MD5 ETag, the hash's state journaled after the
// last part hashed.
func TestCrashResumeCopy(t *testing.T) {
	const parts, stopAfter = 12, 5
	cases := []struct {
		from, to client.Dialect
		single   bool // the source is one PUT (an MD5 ETag on QingStor)
	}{
		{client.QingStor, client.S3, false}, {client.COS, client.IBM, false},
		{client.S3, client.QingStor, false}, {client.QingStor, client.COS, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s-%s/single=%v", tc.from.Name, tc.to.Name, tc.single), func(t *testing.T) {
			t.Parallel()
			se, de := newSTEnv(t, tc.from), newSTEnv(t, tc.to)
			data := randomData(400, parts*stPartSize-77)
			if tc.single {
				m, _ := New(se.api, WithMultipartThreshold(1<<30))
				task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: se.bucket, Key: "src", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
				mustWait(t, task)
			} else {
				put(t, se.api, se.bucket, "src", data, ObjectOptions{})
			}
			se.srv.ResetLog()
			ckpt := t.TempDir()
			cfg := copyHelperConfig{From: endpointOf(se, tc.from), To: endpointOf(de, tc.to), SrcKey: "src", DstKey: "dst",
				Ckpt: ckpt, PartSize: stPartSize, StopAfter: stopAfter}
			startChild(t, "TestCopyHelperProcess", copyHelperEnv, cfg).killAfter(t)
			if names := dirEntries(t, ckpt); len(names) != 1 {
				t.Fatalf("checkpoint directory after the crash: %v", names)
			}
			stale := de.uploads(t)
			if len(stale) != 1 {
				t.Fatalf("uploads after the crash: %v", stale)
			}
			first := tc.to.Limits.FirstPartNumber
			before := successes(de.srv.Requests(), tc.to, "UploadPart")
			for n := first; n < first+stopAfter; n++ {
				if before[n] != 1 {
					t.Fatalf("part %d not acknowledged before the crash: %v", n, before)
				}
			}
			se.srv.ResetLog()
			cfg.StopAfter = 0
			var res Result
			startChild(t, "TestCopyHelperProcess", copyHelperEnv, cfg).result(t, &res)
			if res.ResumedParts != stopAfter || res.UploadID != stale[0] || res.Parts != parts {
				t.Errorf("result %+v, want %d of %d parts of %s resumed", res, stopAfter, parts, stale[0])
			}
			for n, c := range successes(de.srv.Requests(), tc.to, "UploadPart") {
				if c != 1 {
					t.Errorf("part %d uploaded %d times over both runs", n, c)
				}
			}
			read := rangesRead(se.srv.Requests())
			for i := int64(0); i < stopAfter; i++ {
				if read[i*stPartSize] != 0 {
					t.Errorf("the journaled part %d was read again", i)
				}
			}
			if len(read) != parts-stopAfter {
				t.Errorf("%d ranges read on resume, want %d", len(read), parts-stopAfter)
			}
			want := "read:" + readCheckName(tc.from, tc.single) + " write:" + writeCheckName(tc.to, false)
			if res.Verified != want {
				t.Errorf("Verified %q (Unverified %q), want %q", res.Verified, res.Unverified, want)
			}
			got, _ := fetchAll(t, de.api, de.bucket, "dst")
			sameSHA256(t, got, data)
			if names := dirEntries(t, ckpt); len(names) != 0 {
				t.Errorf("journal left: %v", names)
			}
			if ids := de.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
		})
	}
}
