package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// The crash tests run a transfer in a child process (this test binary,
// re-executed to run TestHelperProcess), kill it with SIGKILL once it
// reports that some parts are acknowledged, and resume the transfer in
// another child. The storagetest server lives in the parent, so its
// request log shows what each child sent.

const helperEnv = "POLYSTORE_TRANSFER_HELPER"

// helperConfig tells the child what to do.
type helperConfig struct {
	Mode     string // "upload" or "download"
	Dialect  string
	URL      string
	Region   string
	Bucket   string
	Key      string
	File     string
	Ckpt     string
	PartSize int64
	// StopAfter, if positive, stalls every part (range) after the first
	// StopAfter in the middle of its body, and prints "ACKED" once
	// StopAfter parts are acknowledged and journaled.
	StopAfter int
}

// helperResult is what a child that finished prints.
type helperResult struct {
	Result     *Result
	Hash       Progress
	HashEvents int
}

// TestHelperProcess is the child process of the crash tests; run on its
// own it does nothing.
func TestHelperProcess(t *testing.T) {
	cfgJSON := os.Getenv(helperEnv)
	if cfgJSON == "" {
		t.Skip("the crash tests' child process")
	}
	var cfg helperConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	if err := runHelper(cfg); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func dialectNamed(name string) client.Dialect {
	for _, d := range allDialects {
		if d.Name == name {
			return smallParts(d)
		}
	}
	panic("unknown dialect " + name)
}

func runHelper(cfg helperConfig) error {
	d := dialectNamed(cfg.Dialect)
	c, err := client.New(d, client.WithEndpoint(cfg.URL), client.WithRegion(cfg.Region),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
	if err != nil {
		return err
	}
	var api API = NewClientAPI(c)
	if cfg.StopAfter > 0 {
		api = &stallingAPI{API: api, first: d.Limits.FirstPartNumber, after: cfg.StopAfter, partSize: cfg.PartSize}
	}
	var acked, hashEvents atomic.Int32
	l := Listener{
		PartDone: func(_ *Task, _ Part) {
			if int(acked.Add(1)) == cfg.StopAfter {
				fmt.Println("ACKED")
			}
		},
		HashProgress: func(*Task, Progress) { hashEvents.Add(1) },
	}
	m, err := New(api, WithPartSize(cfg.PartSize), WithPartParallelism(3), WithCheckpointDir(cfg.Ckpt),
		WithListener(l), WithProgressInterval(-1))
	if err != nil {
		return err
	}
	ctx := context.Background()
	var task *Task
	if cfg.Mode == "upload" {
		task, err = m.Upload(ctx, &UploadInput{Bucket: cfg.Bucket, Key: cfg.Key, File: cfg.File})
	} else {
		task, err = m.Download(ctx, &DownloadInput{Bucket: cfg.Bucket, Key: cfg.Key, File: cfg.File})
	}
	if err != nil {
		return err
	}
	res, err := task.Wait(ctx)
	if err != nil {
		return err
	}
	out, _ := json.Marshal(helperResult{Result: res, Hash: task.HashProgress(), HashEvents: int(hashEvents.Load())})
	fmt.Println("RESULT", string(out))
	return nil
}

// stallingAPI lets the first parts (ranges) through and stalls the later
// ones half-way through their bodies, so that the process is killed with
// requests in flight.
type stallingAPI struct {
	API
	first, after int
	partSize     int64
}

// stall is never closed: stalled reads block until the process dies.
var stall = make(chan struct{})

type stallingReaderAt struct {
	r    io.ReaderAt
	half int64
}

func (s stallingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.half {
		<-stall
	}
	if end := off + int64(len(p)); end > s.half {
		p = p[:s.half-off]
	}
	return s.r.ReadAt(p, off)
}

func (s *stallingAPI) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	if in.PartNumber >= s.first+s.after {
		size := in.Body.Size()
		in.Body = io.NewSectionReader(stallingReaderAt{r: in.Body, half: size / 2}, 0, size)
	}
	return s.API.UploadPart(ctx, in)
}

func (s *stallingAPI) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	body, err := s.API.GetObjectRange(ctx, in)
	if err != nil || in.Offset < int64(s.after)*s.partSize {
		return body, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(body, in.Length/2), stallReader{}), body}, nil
}

type stallReader struct{}

func (stallReader) Read([]byte) (int, error) { <-stall; return 0, io.EOF }

// child is a running helper process.
type child struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
}

func startHelper(t *testing.T, cfg helperConfig) *child {
	t.Helper()
	return startChild(t, "TestHelperProcess", helperEnv, cfg)
}

// waitLine waits for a line starting with prefix and returns its rest.
func (c *child) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(testTimeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.cmd.Wait()
				t.Fatalf("child ended without %q; stderr:\n%s", prefix, c.stderr)
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return strings.TrimSpace(rest)
			}
			if strings.HasPrefix(line, "ERROR") {
				t.Fatalf("child: %s; stderr:\n%s", line, c.stderr)
			}
		case <-timeout:
			t.Fatalf("child never printed %q; stderr:\n%s", prefix, c.stderr)
		}
	}
}

// crash runs a child that stops after some parts and kills it.
func crash(t *testing.T, cfg helperConfig) {
	t.Helper()
	c := startHelper(t, cfg)
	c.waitLine(t, "ACKED")
	if err := c.cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	c.cmd.Wait()
}

// resume runs a child to completion and returns what it reported.
func resume(t *testing.T, cfg helperConfig) helperResult {
	t.Helper()
	cfg.StopAfter = 0
	c := startHelper(t, cfg)
	var out helperResult
	if err := json.Unmarshal([]byte(c.waitLine(t, "RESULT")), &out); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stderr:\n%s", err, c.stderr)
	}
	return out
}

func dirEntries(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestCrashResumeUpload kills an upload after 5 acknowledged parts and
// resumes it in a new process: only the missing parts are sent, the
// journaled parts are re-verified with hash progress, and the object
// matches. A source changed between crash and resume is uploaded afresh
// and the stale upload aborted.
func TestCrashResumeUpload(t *testing.T) {
	const parts, stopAfter = 12, 5
	for _, d := range allDialects {
		for _, modified := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/modified=%v", d.Name, modified), func(t *testing.T) {
				t.Parallel()
				e := newSTEnv(t, d)
				data := randomData(60, parts*stPartSize-100)
				path, ckpt := writeTemp(t, data), t.TempDir()
				cfg := helperConfig{Mode: "upload", Dialect: d.Name, URL: e.srv.URL, Region: e.srv.Region(),
					Bucket: e.bucket, Key: "crash", File: path, Ckpt: ckpt, PartSize: stPartSize, StopAfter: stopAfter}
				crash(t, cfg)

				if names := dirEntries(t, ckpt); len(names) != 1 {
					t.Fatalf("checkpoint directory after the crash: %v", names)
				}
				stale := e.uploads(t)
				if len(stale) != 1 {
					t.Fatalf("uploads after the crash: %v", stale)
				}
				first := d.Limits.FirstPartNumber
				onServer := partUploads(e.srv.Requests(), d)
				for n := first; n < first+stopAfter; n++ {
					if onServer[n] != 1 {
						t.Fatalf("part %d not acknowledged before the crash: %v", n, onServer)
					}
				}
				if modified {
					data = randomData(61, len(data))
					os.WriteFile(path, data, 0o644)
					os.Chtimes(path, time.Now(), time.Now().Add(time.Hour))
				}
				e.srv.ResetLog()
				out := resume(t, cfg)
				reqs := e.srv.Requests()
				sent := partUploads(reqs, d)
				for n, c := range sent {
					if c != 1 {
						t.Errorf("part %d sent %d times", n, c)
					}
				}
				if modified {
					if out.Result.ResumedParts != 0 || len(sent) != parts || countOp(reqs, "CreateMultipartUpload") != 1 {
						t.Errorf("modified source: resumed %d parts, sent %d, want a fresh upload", out.Result.ResumedParts, len(sent))
					}
					aborted := false
					for _, r := range reqs {
						aborted = aborted || (r.Op == "AbortMultipartUpload" && r.Query.Get(d.Params.UploadID) == stale[0] && r.Status/100 == 2)
					}
					if !aborted {
						t.Errorf("stale upload %s not aborted", stale[0])
					}
				} else {
					if out.Result.ResumedParts != stopAfter || out.Result.UploadID != stale[0] {
						t.Errorf("result %+v, want %d parts of %s resumed", out.Result, stopAfter, stale[0])
					}
					for n := first; n < first+stopAfter; n++ {
						if sent[n] != 0 {
							t.Errorf("journaled part %d sent again", n)
						}
					}
					if len(sent) != parts-stopAfter || countOp(reqs, "ListParts") == 0 || countOp(reqs, "CreateMultipartUpload") != 0 {
						t.Errorf("resume sent %v", sent)
					}
					if out.Hash.Bytes != stopAfter*stPartSize || out.Hash.Total != out.Hash.Bytes || out.HashEvents == 0 {
						t.Errorf("hash progress %+v in %d events, want %d bytes", out.Hash, out.HashEvents, stopAfter*stPartSize)
					}
				}
				checkObject(t, e, "crash", data)
				if names := dirEntries(t, ckpt); len(names) != 0 {
					t.Errorf("journal left: %v", names)
				}
				if ids := e.uploads(t); len(ids) != 0 {
					t.Errorf("uploads left: %v", ids)
				}
			})
		}
	}
}

// TestCrashResumeDownload kills a download after 5 written ranges and
// resumes it in a new process: only the missing ranges are fetched, the
// written ones are re-verified (CRC-64 on COS, read back for the MD5
// elsewhere) with hash progress, and the file matches. An object replaced
// between crash and resume is downloaded afresh.
func TestCrashResumeDownload(t *testing.T) {
	const ranges, stopAfter = 12, 5
	for _, d := range allDialects {
		for _, modified := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/modified=%v", d.Name, modified), func(t *testing.T) {
				t.Parallel()
				e := newSTEnv(t, d)
				data := randomData(62, ranges*stPartSize-100)
				put := func(data []byte) {
					m, _ := New(e.api, WithMultipartThreshold(1<<30)) // a single PUT: an MD5 ETag
					task, _ := m.Upload(ctxT(t), &UploadInput{Bucket: e.bucket, Key: "crash", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
					mustWait(t, task)
				}
				put(data)
				dir, ckpt := t.TempDir(), t.TempDir()
				dst := filepath.Join(dir, "out.bin")
				cfg := helperConfig{Mode: "download", Dialect: d.Name, URL: e.srv.URL, Region: e.srv.Region(),
					Bucket: e.bucket, Key: "crash", File: dst, Ckpt: ckpt, PartSize: stPartSize, StopAfter: stopAfter}
				crash(t, cfg)
				if names := dirEntries(t, ckpt); len(names) != 1 {
					t.Fatalf("checkpoint directory after the crash: %v", names)
				}
				if names := dirEntries(t, dir); len(names) != 1 || !strings.HasSuffix(names[0], ".partial") {
					t.Fatalf("destination directory after the crash: %v", names)
				}
				if modified {
					data = randomData(63, len(data)+1000)
					put(data)
				}
				e.srv.ResetLog()
				out := resume(t, cfg)
				reqs := e.srv.Requests()
				fetched := map[int64]int{}
				for _, r := range reqs {
					if r.Op == "GetObject" && r.Status/100 == 2 {
						var a, b int64
						fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
						fetched[a/stPartSize]++
					}
				}
				for i, c := range fetched {
					if c != 1 {
						t.Errorf("range %d fetched %d times", i, c)
					}
				}
				wantRanges := (len(data) + stPartSize - 1) / stPartSize
				if modified {
					if out.Result.ResumedParts != 0 || len(fetched) != wantRanges {
						t.Errorf("replaced object: resumed %d ranges, fetched %d, want a fresh download of %d", out.Result.ResumedParts, len(fetched), wantRanges)
					}
				} else {
					for i := int64(0); i < stopAfter; i++ {
						if fetched[i] != 0 {
							t.Errorf("journaled range %d fetched again", i)
						}
					}
					if out.Result.ResumedParts != stopAfter || len(fetched) != wantRanges-stopAfter {
						t.Errorf("resumed %d ranges and fetched %v", out.Result.ResumedParts, fetched)
					}
					// Each kept range is re-verified by its journaled
					// CRC-32C, then, for an MD5 check, read once more.
					passes := int64(1)
					if !d.Has(client.FeatureCRC64) && !d.Has(client.FeatureChecksums) {
						passes = 2
					}
					if out.Hash.Bytes != passes*stopAfter*stPartSize || out.HashEvents == 0 {
						t.Errorf("hash progress %+v in %d events, want %d bytes", out.Hash, out.HashEvents, passes*stopAfter*stPartSize)
					}
				}
				want := "md5"
				switch {
				case d.Has(client.FeatureCRC64):
					want = "crc64"
				case d.Has(client.FeatureChecksums): // uploaded by one PUT with a CRC32C
					want = "crc32c"
				}
				if out.Result.Verified != want {
					t.Errorf("Verified = %q, want %q", out.Result.Verified, want)
				}
				got, err := os.ReadFile(dst)
				if err != nil {
					t.Fatal(err)
				}
				equalBytes(t, got, data)
				if names := dirEntries(t, dir); len(names) != 1 {
					t.Errorf("files left: %v", names)
				}
				if names := dirEntries(t, ckpt); len(names) != 0 {
					t.Errorf("journal left: %v", names)
				}
			})
		}
	}
}

var _ = strconv.Itoa
