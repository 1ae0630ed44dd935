package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"testing"

	"github.com/polystore/polystore/storagetest"
)

// gatedListAPI is gatedAPI for downloads: its ranged GETs wait at hold,
// and it lists and deletes through the wrapped ClientAPI.
type gatedListAPI struct {
	*ClientAPI
	hold func(ctx context.Context, n int) error
}

func (g *gatedListAPI) GetObjectRange(ctx context.Context, in *GetObjectRangeInput) (io.ReadCloser, error) {
	if err := g.hold(ctx, int(in.Offset)); err != nil {
		return nil, err
	}
	return g.ClientAPI.GetObjectRange(ctx, in)
}

func (g *gatedListAPI) ListObjects(ctx context.Context, b, prefix string) iter.Seq2[ObjectEntry, error] {
	return g.ClientAPI.ListObjects(ctx, b, prefix)
}

// gets counts the successful ranged GETs per key and range.
func gets(reqs []storagetest.Request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		if r.Op == "GetObject" && r.Status/100 == 2 {
			out[r.Key+" "+r.Header.Get("Range")]++
		}
	}
	return out
}

// TestDownloadDirControl pauses, pauses now, resumes and cancels a
// directory download (and a Sync download) while two of its files each
// have a range in flight: no range starts while the group is paused,
// Resume finishes the tree with no range fetched twice, and Cancel leaves
// no file of the tree in place.
func TestDownloadDirControl(t *testing.T) {
	for _, d := range allDialects {
		for _, kind := range []string{"download-dir", "sync"} {
			for _, name := range []string{"pause", "pause-now", "cancel"} {
				t.Run(d.Name+"/"+kind+"/"+name, func(t *testing.T) {
					t.Parallel()
					e := newSTEnv(t, d)
					files := map[string][]byte{}
					for i := 0; i < 6; i++ {
						files[fmt.Sprintf("dir/f%d", i)] = randomData(uint64(700+i), 3*stPartSize)
					}
					plain, _ := New(e.api, WithPartSize(stPartSize))
					up, err := plain.UploadDir(ctxT(t), &UploadDirInput{Dir: writeTree(t, files), Bucket: e.bucket, Prefix: "down"})
					if err != nil {
						t.Fatal(err)
					}
					mustWait(t, up)
					e.srv.ResetLog()

					g, rec := newGate(), newRecorder()
					api := &gatedListAPI{ClientAPI: e.api, hold: g.hold}
					m, _ := New(api, WithPartSize(stPartSize), WithPartParallelism(1), WithFileParallelism(2),
						WithListener(rec.listener()), WithProgressInterval(-1))
					dst := t.TempDir()
					var task *Task
					if kind == "sync" {
						task, err = m.Sync(ctxT(t), &SyncInput{Direction: SyncDownload, Bucket: e.bucket, Prefix: "down", Dir: dst})
					} else {
						task, err = m.DownloadDir(ctxT(t), &DownloadDirInput{Bucket: e.bucket, Prefix: "down", Dir: dst})
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
						at := gets(e.srv.Requests())
						want := map[string]int{"pause": 2, "pause-now": 0}[name]
						if len(at) != want || task.State() != StatePaused {
							t.Errorf("%s: %v fetched when paused, want %d ranges", name, at, want)
						}
						g.openUp()
						task.Resume()
						mustWait(t, task)
						got := gets(e.srv.Requests())
						for k, n := range got {
							if n != 1 {
								t.Errorf("%s fetched %d times", k, n)
							}
						}
						if len(got) < len(files) {
							t.Errorf("only %d ranged GETs: %v", len(got), got)
						}
						sameTree(t, readTree(t, dst), files)
					case "cancel":
						task.Cancel()
						g.openUp()
						_, err := wait(t, task)
						if !errors.Is(err, context.Canceled) || task.State() != StateCancelled {
							t.Errorf("Wait = %v, state %s", err, task.State())
						}
						for rel := range readTree(t, dst) {
							if _, ok := files[rel]; ok {
								t.Errorf("%s is in place after the cancel", rel)
							}
						}
					}
				})
			}
		}
	}
}
