package transfer

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// sends counts the successful PutObject and UploadPart requests per key
// and part ("key" for a PUT, "key#N" for part N).
func sends(reqs []storagetest.Request, d client.Dialect) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		if r.Status/100 != 2 {
			continue
		}
		switch r.Op {
		case "PutObject":
			out[r.Key]++
		case "UploadPart":
			out[r.Key+"#"+r.Query.Get(d.Params.PartNumber)]++
		}
	}
	return out
}

// TestDirControl pauses, pauses now, resumes and cancels a directory
// upload (UploadDir, and a Sync upload) while two of its files each have a part in flight: the pause
// covers the whole group (no file or part starts while it is paused),
// Resume finishes it with no part sent twice, and Cancel aborts the
// files' multipart uploads.
func TestDirControl(t *testing.T) {
	for _, d := range allDialects {
		for _, c := range []struct{ kind, name string }{
			{"upload-dir", "pause"}, {"upload-dir", "pause-now"}, {"upload-dir", "cancel"},
			{"sync", "pause"}, {"sync", "pause-now"}, {"sync", "cancel"},
		} {
			name := c.name
			t.Run(d.Name+"/"+c.kind+"/"+name, func(t *testing.T) {
				t.Parallel()
				e := newSTEnv(t, d)
				files := map[string][]byte{}
				var total int64
				for i := 0; i < 6; i++ {
					files[fmt.Sprintf("dir/f%d", i)] = randomData(uint64(500+i), 3*stPartSize)
					total += 3 * stPartSize
				}
				src := writeTree(t, files)
				g, rec := newGate(), newRecorder()
				api := &struct {
					*gatedAPI
					ListAPI
				}{&gatedAPI{API: e.api, hold: g.hold}, e.api}
				m, _ := New(api, WithPartSize(stPartSize), WithPartParallelism(1), WithFileParallelism(2),
					WithListener(rec.listener()), WithProgressInterval(-1))
				var task *Task
				var err error
				if c.kind == "sync" {
					task, err = m.Sync(ctxT(t), &SyncInput{Dir: src, Bucket: e.bucket, Prefix: "up"})
				} else {
					task, err = m.UploadDir(ctxT(t), &UploadDirInput{Dir: src, Bucket: e.bucket, Prefix: "up"})
				}
				if err != nil {
					t.Fatal(err)
				}
				g.waitArrivals(t, 2)
				switch name {
				case "pause", "pause-now":
					if name == "pause" {
						task.Pause()
						g.openUp()
					} else {
						task.PauseNow()
					}
					rec.waitState(t, StatePaused)
					at := sends(e.srv.Requests(), d)
					want := map[string]int{"pause": 2, "pause-now": 0}[name]
					if len(at) != want || task.State() != StatePaused {
						t.Errorf("%s: %v sent when paused, want %d parts", name, at, want)
					}
					g.openUp()
					task.Resume()
					res := mustWait(t, task)
					if res.Parts != 6 {
						t.Errorf("result %+v", res)
					}
					for k, n := range sends(e.srv.Requests(), d) {
						if n != 1 {
							t.Errorf("%s sent %d times", k, n)
						}
					}
					rec.checkProgress(t, total)
					dst := t.TempDir()
					plain, _ := New(e.api, WithPartSize(stPartSize))
					task, err = plain.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "up", Dir: dst})
					if err != nil {
						t.Fatal(err)
					}
					mustWait(t, task)
					sameTree(t, readTree(t, dst), files)
				case "cancel":
					task.Cancel()
					g.openUp()
					_, err := wait(t, task)
					if !errors.Is(err, context.Canceled) || task.State() != StateCancelled {
						t.Errorf("Wait = %v, state %s", err, task.State())
					}
					if ids := e.uploads(t); len(ids) != 0 {
						t.Errorf("uploads left: %v", ids)
					}
				}
			})
		}
	}
}
