package faultsuite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/transfer"
)

// reqView is what a fault's aim looks at in a request: the same for a
// request seen by the proxy and one seen by a hostile handler.
type reqView struct {
	Method string
	Query  url.Values
	Header http.Header
}

func viewOf(r *http.Request) reqView {
	return reqView{Method: r.Method, Query: r.URL.Query(), Header: r.Header}
}

// op is one operation a run performs through the faulty client.
type op struct {
	name string
	// body says the operation's target request carries a body (an upload):
	// faults then strike part-way through it, or before its answer.
	body bool
	// stream says the caller reads the answer's body itself (object.Get):
	// a body that fails part-way cannot be retried behind its back.
	stream bool
	// target picks the requests a fault aims at; a one-shot fault hits
	// the nth of them.
	target func(d *client.Dialect, v reqView) bool
	nth    int
	// base is the number of requests of a run without faults.
	base func(b *backend) int
	// do runs the operation; verify then checks a success.
	do     func(ctx context.Context, r *run) error
	verify func(ctx context.Context, r *run) string
	// failed checks what a failure left behind; "" is fine.
	failed func(r *run) string
}

func parts(b *backend) int { return int((int64(b.bigSize) + b.partSize - 1) / b.partSize) }

func isUploadPart(d *client.Dialect, v reqView) bool {
	return v.Method == http.MethodPut && v.Query.Has(d.Params.PartNumber) && v.Query.Has(d.Params.UploadID)
}

func isComplete(d *client.Dialect, v reqView) bool {
	return v.Method == http.MethodPost && v.Query.Has(d.Params.UploadID)
}

func isPut(d *client.Dialect, v reqView) bool {
	return v.Method == http.MethodPut && !v.Query.Has(d.Params.UploadID) && !v.Query.Has("uploads")
}

func isRangedGet(_ *client.Dialect, v reqView) bool {
	return v.Method == http.MethodGet && v.Header.Get("Range") != ""
}

func isWholeGet(_ *client.Dialect, v reqView) bool {
	return v.Method == http.MethodGet && v.Header.Get("Range") == ""
}

// Where the ranged Get reads: bytes [rangeOff, rangeOff+rangeLen(b)) of
// the small object.
const rangeOff = 1000

func rangeLen(b *backend) int { return b.smallSize / 2 }

func (r *run) manager() (*transfer.Manager, error) {
	return transfer.NewFromClient(r.c, transfer.WithPartSize(r.b.partSize))
}

var ops = map[string]*op{
	"upload": {
		name: "upload", body: true, target: isUploadPart, nth: 2,
		base: func(b *backend) int { return parts(b) + 2 },
		do: func(ctx context.Context, r *run) error {
			m, err := r.manager()
			if err != nil {
				return err
			}
			task, err := m.Upload(ctx, &transfer.UploadInput{Bucket: r.fx.bucket, Key: r.key, File: r.b.source})
			if err != nil {
				return err
			}
			r.result, err = task.Wait(ctx)
			return err
		},
		verify: func(ctx context.Context, r *run) string {
			got, etag, err := r.fx.readBack(ctx, r.key)
			if err != nil {
				return fmt.Sprintf("the upload succeeded, but reading the object back failed: %v", err)
			}
			if s := sameBytes("object on the server", got, r.b.big); s != "" {
				return s
			}
			return r.evidence(etag, int64(len(r.b.big)))
		},
	},
	"download": {
		name: "download", target: isRangedGet, nth: 2,
		base: func(b *backend) int { return parts(b) + 1 },
		do: func(ctx context.Context, r *run) error {
			m, err := r.manager()
			if err != nil {
				return err
			}
			task, err := m.Download(ctx, &transfer.DownloadInput{Bucket: r.fx.bucket, Key: bigKey, File: r.dest()})
			if err != nil {
				return err
			}
			r.result, err = task.Wait(ctx)
			return err
		},
		verify: func(_ context.Context, r *run) string {
			got, err := os.ReadFile(r.dest())
			if err != nil {
				return fmt.Sprintf("the download succeeded, but its file cannot be read: %v", err)
			}
			return sameBytes("downloaded file", got, r.b.big)
		},
		failed: func(r *run) string {
			if _, err := os.Stat(r.dest()); !errors.Is(err, os.ErrNotExist) {
				return fmt.Sprintf("the download failed but left its destination file in place (stat: %v)", err)
			}
			return ""
		},
	},
	"put": {
		name: "put", body: true, target: isPut, nth: 1,
		base: func(*backend) int { return 1 },
		do: func(ctx context.Context, r *run) error {
			out, err := object.NewClient(r.c).Put(ctx, &object.PutInput{Bucket: r.fx.bucket, Key: r.key, Body: bytes.NewReader(r.b.small)})
			if err == nil {
				r.putETag = out.ETag
			}
			return err
		},
		verify: func(ctx context.Context, r *run) string {
			got, etag, err := r.fx.readBack(ctx, r.key)
			if err != nil {
				return fmt.Sprintf("the put succeeded, but reading the object back failed: %v", err)
			}
			if s := sameBytes("object on the server", got, r.b.small); s != "" {
				return s
			}
			if r.putETag == "" || r.putETag != etag {
				return fmt.Sprintf("the put reported ETag %q, the object has %q", r.putETag, etag)
			}
			return ""
		},
	},
	"get": {
		name: "get", stream: true, target: isWholeGet, nth: 1,
		base: func(*backend) int { return 1 },
		do: func(ctx context.Context, r *run) error {
			return r.get(ctx, &object.GetInput{Bucket: r.fx.bucket, Key: smallKey})
		},
		verify: func(_ context.Context, r *run) string { return sameBytes("object read", r.got, r.b.small) },
	},
	"get-range": {
		name: "get-range", stream: true, target: isRangedGet, nth: 1,
		base: func(*backend) int { return 1 },
		do: func(ctx context.Context, r *run) error {
			return r.get(ctx, &object.GetInput{Bucket: r.fx.bucket, Key: smallKey, Offset: rangeOff, Length: int64(rangeLen(r.b))})
		},
		verify: func(_ context.Context, r *run) string {
			return sameBytes("range read", r.got, r.b.small[rangeOff:rangeOff+rangeLen(r.b)])
		},
	},
	// list runs against the hostile listing servers only, none of which
	// ever ends its listing: a listing that ends without an error has
	// claimed a wrong set of keys.
	"list": {
		name:   "list",
		target: func(_ *client.Dialect, v reqView) bool { return v.Method == http.MethodGet },
		base:   func(*backend) int { return 3 },
		do: func(ctx context.Context, r *run) error {
			seen := map[string]bool{}
			for o, err := range bucket.NewClient(r.c).ListObjects(ctx, &bucket.ListObjectsInput{Bucket: r.fx.bucket}) {
				if err != nil {
					return err
				}
				if seen[o.Key] {
					r.dups = append(r.dups, o.Key)
				}
				seen[o.Key] = true
				r.listed = append(r.listed, o.Key)
			}
			return nil
		},
		verify: func(_ context.Context, r *run) string {
			return fmt.Sprintf("the listing ended without an error after %d keys, but the server never finished it: they are not the bucket's", len(r.listed))
		},
	},
}

// opOrder is the order runs are reported in.
var opOrder = []string{"upload", "download", "put", "get", "get-range", "list"}

// transferOps are the five operations of the issue; list is for listing
// faults only.
var transferOps = []string{"upload", "download", "put", "get", "get-range"}

func (r *run) dest() string { return filepath.Join(r.dir, "download.bin") }

// get reads an object (or a range) whole through the faulty client.
func (r *run) get(ctx context.Context, in *object.GetInput) error {
	out, err := object.NewClient(r.c).Get(ctx, in)
	if err != nil {
		return err
	}
	defer out.Body.Close()
	r.got, err = io.ReadAll(out.Body)
	return err
}

// evidence checks an upload's result against the object on the server.
func (r *run) evidence(etag string, size int64) string {
	res := r.result
	switch {
	case res == nil:
		return "the upload succeeded without a result"
	case res.ETag == "" || res.ETag != etag:
		return fmt.Sprintf("the upload reported ETag %q, the object has %q", res.ETag, etag)
	case res.Size != size:
		return fmt.Sprintf("the upload reported %d bytes, the source has %d", res.Size, size)
	}
	return ""
}
