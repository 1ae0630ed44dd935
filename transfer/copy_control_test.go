package transfer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// gatedCopyAPI holds UploadPartCopy calls in a hook, as gatedAPI holds
// UploadPart calls.
type gatedCopyAPI struct {
	*ClientAPI
	hold func(ctx context.Context, number int) error
}

func (g *gatedCopyAPI) UploadPartCopy(ctx context.Context, in *UploadPartCopyInput) (*UploadPartCopyOutput, error) {
	if err := g.hold(ctx, in.PartNumber); err != nil {
		return nil, err
	}
	return g.ClientAPI.UploadPartCopy(ctx, in)
}

// holdCopiesAfterFirst lets the first part copy through and holds the
// later ones at g.
func holdCopiesAfterFirst(api *ClientAPI, g *gate) *gatedCopyAPI {
	first := api.Dialect().Limits.FirstPartNumber
	return &gatedCopyAPI{ClientAPI: api, hold: func(ctx context.Context, n int) error {
		if n == first {
			return nil
		}
		return g.hold(ctx, n)
	}}
}

// successes counts the successful requests of op per part number.
func successes(reqs []storagetest.Request, d client.Dialect, op string) map[int]int {
	out := map[int]int{}
	for _, r := range reqs {
		if r.Op == op && r.Status/100 == 2 {
			n, _ := strconv.Atoi(r.Query.Get(d.Params.PartNumber))
			out[n]++
		}
	}
	return out
}

// rangesRead counts the successful ranged GETs per range start.
func rangesRead(reqs []storagetest.Request) map[int64]int {
	out := map[int64]int{}
	for _, r := range reqs {
		if r.Op == "GetObject" && r.Status/100 == 2 {
			var a, b int64
			fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b)
			out[a]++
		}
	}
	return out
}

// controlCase is one way of interrupting a copy task with two parts held
// in flight after the first was acknowledged.
type controlCase struct {
	name string
	run  func(t *testing.T, task *Task, g *gate, rec *recorder) error
}

var controlCases = []controlCase{
	{"pause", func(t *testing.T, task *Task, g *gate, rec *recorder) error {
		task.Pause()
		g.openUp()
		rec.waitState(t, StatePaused)
		if n := task.Progress().Parts; n != 3 {
			t.Errorf("%d parts acknowledged when paused, want 3 (the in-flight ones finish)", n)
		}
		task.Resume()
		_, err := wait(t, task)
		return err
	}},
	{"pause-now", func(t *testing.T, task *Task, g *gate, rec *recorder) error {
		task.PauseNow()
		rec.waitState(t, StatePaused)
		if n := task.Progress().Parts; n != 1 {
			t.Errorf("%d parts acknowledged when paused now, want 1 (the in-flight ones are cancelled)", n)
		}
		g.openUp()
		task.Resume()
		_, err := wait(t, task)
		return err
	}},
	{"cancel", func(t *testing.T, task *Task, g *gate, rec *recorder) error {
		task.Cancel()
		_, err := wait(t, task)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Wait = %v, want context.Canceled", err)
		}
		return err
	}},
}

// TestCopyServerSideControl pauses, pauses now, resumes and cancels a
// server-side multipart copy with two part copies in flight: after a
// resume no part is copied twice (request log) and the copy is whole; a
// cancel aborts the upload.
func TestCopyServerSideControl(t *testing.T) {
	for _, d := range allDialects {
		for _, cc := range controlCases {
			t.Run(d.Name+"/"+cc.name, func(t *testing.T) {
				t.Parallel()
				e := newCopyEnv(t, d)
				data := randomData(300, 8*stPartSize+5)
				put(t, e.api, e.bucket, "src", data, ObjectOptions{})
				e.srv.ResetLog()
				g, rec := newGate(), newRecorder()
				m, _ := New(holdCopiesAfterFirst(e.api, g), WithPartSize(stPartSize), WithPartParallelism(2),
					WithListener(rec.listener()), WithProgressInterval(-1))
				task, err := m.Copy(ctxT(t), &CopySource{Bucket: e.bucket, Key: "src"}, &CopyDestination{Bucket: e.bucket, Key: "dst"})
				if err != nil {
					t.Fatal(err)
				}
				rec.waitParts(t, 1)
				g.waitArrivals(t, 2)
				err = cc.run(t, task, g, rec)
				reqs := e.srv.Requests()
				onlyOps(t, reqs, "HeadObject", "CreateMultipartUpload", "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload")
				if cc.name == "cancel" {
					if ids := e.uploads(t); len(ids) != 0 || ops(reqs)["AbortMultipartUpload"] != 1 {
						t.Errorf("uploads left after cancel: %v", ids)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for n, c := range successes(reqs, d, "UploadPartCopy") {
					if c != 1 {
						t.Errorf("part %d copied %d times", n, c)
					}
				}
				rec.checkProgress(t, int64(len(data)))
				got, _ := fetchAll(t, e.api, e.bucket, "dst")
				sameSHA256(t, got, data)
			})
		}
	}
}

// TestCopyAcrossControl does the same to a copy across dialects: after a
// pause no part is uploaded twice and no range read twice; after a
// PauseNow the parts cancelled in flight are sent again from the buffers
// that still hold them, without reading the source again; a cancel
// aborts the destination's upload.
func TestCopyAcrossControl(t *testing.T) {
	for _, pair := range crossPairs {
		for _, cc := range controlCases {
			from, to := pair[0], pair[1]
			t.Run(from.Name+"-"+to.Name+"/"+cc.name, func(t *testing.T) {
				t.Parallel()
				se, de := newSTEnv(t, from), newSTEnv(t, to)
				data := randomData(301, 8*stPartSize+5)
				put(t, se.api, se.bucket, "src", data, ObjectOptions{})
				se.srv.ResetLog()
				g, rec := newGate(), newRecorder()
				m, _ := New(holdAfterFirst(de.api, g), WithPartSize(stPartSize), WithPartParallelism(2),
					WithListener(rec.listener()), WithProgressInterval(-1))
				task, err := m.Copy(ctxT(t), &CopySource{API: se.api, Bucket: se.bucket, Key: "src"}, &CopyDestination{Bucket: de.bucket, Key: "dst"})
				if err != nil {
					t.Fatal(err)
				}
				rec.waitParts(t, 1)
				g.waitArrivals(t, 2)
				err = cc.run(t, task, g, rec)
				if cc.name == "cancel" {
					if ids := de.uploads(t); len(ids) != 0 {
						t.Errorf("uploads left after cancel: %v", ids)
					}
					if m.bufOut != 0 {
						t.Errorf("%d part buffers not given back", m.bufOut)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for n, c := range successes(de.srv.Requests(), to, "UploadPart") {
					if c != 1 {
						t.Errorf("part %d uploaded %d times", n, c)
					}
				}
				read := rangesRead(se.srv.Requests())
				for off, c := range read {
					if c != 1 {
						t.Errorf("range at %d read %d times", off, c)
					}
				}
				if len(read) != 9 {
					t.Errorf("%d ranges read, want 9", len(read))
				}
				if m.bufPeak > 2 || m.bufOut != 0 {
					t.Errorf("%d part buffers at most (want ≤ 2), %d not given back", m.bufPeak, m.bufOut)
				}
				rec.checkProgress(t, int64(len(data)))
				got, _ := fetchAll(t, de.api, de.bucket, "dst")
				sameSHA256(t, got, data)
			})
		}
	}
}
