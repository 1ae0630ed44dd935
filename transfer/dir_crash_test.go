package transfer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"
)

const dirHelperEnv = "POLYSTORE_DIR_HELPER"

// dirHelperConfig tells a directory child what to do.
type dirHelperConfig struct {
	To       endpoint
	Dir      string
	Prefix   string
	Ckpt     string
	PartSize int64
	// StopAfter, if positive: once this many PUTs and parts were
	// acknowledged, print "ACKED" and stall every request started later
	// half-way through its body.
	StopAfter int64
}

// sendStallingAPI stalls, once enough sends were acknowledged, every
// PUT and part started after, and every CompleteMultipartUpload: a file
// whose last part was acknowledged after the mark stays an upload in
// progress, so the crash always leaves one (the parts acknowledged by
// then cannot finish every multipart file: see TestCrashResumeUploadDir).
type sendStallingAPI struct {
	*ClientAPI
	after int64
	done  atomic.Int64
}

func (s *sendStallingAPI) body(b *io.SectionReader) *io.SectionReader {
	if s.after <= 0 || s.done.Load() < s.after {
		return b
	}
	return io.NewSectionReader(stallingReaderAt{r: b, half: b.Size() / 2}, 0, b.Size())
}

func (s *sendStallingAPI) acked() {
	if s.done.Add(1) == s.after {
		fmt.Println("ACKED")
	}
}

func (s *sendStallingAPI) PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error) {
	in.Body = s.body(in.Body)
	out, err := s.ClientAPI.PutObject(ctx, in)
	if err == nil {
		s.acked()
	}
	return out, err
}

func (s *sendStallingAPI) CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error) {
	if s.after > 0 && s.done.Load() >= s.after {
		<-stall
	}
	return s.ClientAPI.CompleteMultipartUpload(ctx, in)
}

func (s *sendStallingAPI) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	in.Body = s.body(in.Body)
	out, err := s.ClientAPI.UploadPart(ctx, in)
	if err == nil {
		s.acked()
	}
	return out, err
}

// TestDirHelperProcess is the child of TestCrashResumeUploadDir; run on
// its own it does nothing.
func TestDirHelperProcess(t *testing.T) {
	cfgJSON := os.Getenv(dirHelperEnv)
	if cfgJSON == "" {
		t.Skip("the directory crash test's child process")
	}
	var cfg dirHelperConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	if err := runDirHelper(cfg); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runDirHelper(cfg dirHelperConfig) error {
	api, err := cfg.To.api()
	if err != nil {
		return err
	}
	m, err := New(&sendStallingAPI{ClientAPI: api, after: cfg.StopAfter}, WithPartSize(cfg.PartSize),
		WithPartParallelism(2), WithFileParallelism(4), WithCheckpointDir(cfg.Ckpt))
	if err != nil {
		return err
	}
	ctx := context.Background()
	task, err := m.UploadDir(ctx, &UploadDirInput{Dir: cfg.Dir, Bucket: cfg.To.Bucket, Prefix: cfg.Prefix})
	if err != nil {
		return err
	}
	res, err := task.Wait(ctx)
	if err != nil {
		return err
	}
	out, _ := json.Marshal(struct{ Parts, ResumedParts int }{res.Parts, res.ResumedParts})
	fmt.Println("RESULT", string(out))
	return nil
}

// TestCrashResumeUploadDir kills (SIGKILL) an upload of 500 files, 10 of
// them in parts, once 115 PUTs and parts were acknowledged and others are
// in flight (the files go in name order: 100 single PUTs, then the
// multipart files, 4 parts each, so 15 acknowledged parts leave at least
// one of them unfinished, and its Complete stalls), and resumes it in a new process from the checkpoint
// directory: over both runs no file and no part is sent twice (request
// log: successful PUTs per key, UploadParts per key and part), the files
// the group journal recorded are skipped without a request, files whose
// upload completed unrecorded are found by their recorded CRC-32C, the
// multipart ones resume from their own journals, and the bucket ends up
// holding the tree.
func TestCrashResumeUploadDir(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			e := newSTEnv(t, d)
			files := map[string][]byte{}
			for i := 0; i < 500; i++ {
				size := 1000 + i*7
				if i >= 100 && i < 110 {
					size = 4 * stPartSize
				}
				files[fmt.Sprintf("d%d/f%03d", i/100, i)] = randomData(uint64(900+i), size)
			}
			src, ckpt := writeTree(t, files), t.TempDir()
			cfg := dirHelperConfig{To: endpointOf(e, d), Dir: src, Prefix: "crash", Ckpt: ckpt, PartSize: stPartSize, StopAfter: 115}
			startChild(t, "TestDirHelperProcess", dirHelperEnv, cfg).killAfter(t)
			if names := dirEntries(t, ckpt); len(names) < 2 {
				t.Fatalf("checkpoint directory after the crash: %v (want the group's journal and a file's)", names)
			}
			if ids := e.uploads(t); len(ids) == 0 {
				t.Fatalf("no multipart upload in progress after the crash; requests: %v", ops(e.srv.Requests()))
			}
			before := len(keys(t, e, "crash/"))
			cfg.StopAfter = 0
			var out struct{ Parts, ResumedParts int }
			startChild(t, "TestDirHelperProcess", dirHelperEnv, cfg).result(t, &out)
			if out.Parts+out.ResumedParts != 500 || out.ResumedParts < before {
				t.Errorf("resumed run: %+v, with %d objects there before", out, before)
			}
			for k, n := range sends(e.srv.Requests(), d) {
				if n != 1 {
					t.Errorf("%s sent %d times over both runs", k, n)
				}
			}
			if names := dirEntries(t, ckpt); len(names) != 0 {
				t.Errorf("journals left: %v", names)
			}
			if ids := e.uploads(t); len(ids) != 0 {
				t.Errorf("uploads left: %v", ids)
			}
			m, _ := New(e.api, WithPartSize(stPartSize), WithFileParallelism(8))
			dst := t.TempDir()
			task, _ := m.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "crash", Dir: dst})
			mustWait(t, task)
			sameTree(t, readTree(t, dst), files)
		})
	}
}
