package multipart_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fuzzwire"
	"github.com/polystore/polystore/internal/paging"
	"github.com/polystore/polystore/multipart"
)

type fuzzClient struct {
	d      client.Dialect
	w      *fuzzwire.Wire
	m      *multipart.Client
	bucket string
}

var fuzzClients = sync.OnceValue(func() map[string]*fuzzClient {
	m := map[string]*fuzzClient{}
	for _, d := range fuzzwire.Dialects {
		c, w, err := fuzzwire.Client(d)
		if err != nil {
			panic(err) // the dialect table itself is broken
		}
		m[d.Name] = &fuzzClient{d: d, w: w, m: multipart.NewClient(c), bucket: bucketFor(d, "photos-2024")}
	}
	return m
})

var errNoValue = errors.New("the call succeeded without a value")

func value(missing bool, err error) error {
	if err == nil && missing {
		return errNoValue
	}
	return nil
}

// multipartCalls are the calls whose answers FuzzMultipartResponses
// feeds. Each returns an error only for an answer that contradicts itself.
var multipartCalls = map[string]func(ctx context.Context, fc *fuzzClient) error{
	"initiate": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.m.Initiate(ctx, &multipart.InitiateInput{Bucket: fc.bucket, Key: "big.bin"})
		if err == nil && out != nil && out.UploadID == "" {
			return errors.New("an upload without an id")
		}
		return value(out == nil, err)
	},
	"upload-part": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.m.UploadPart(ctx, &multipart.UploadPartInput{Bucket: fc.bucket, Key: "big.bin", UploadID: "u",
			PartNumber: fc.d.Limits.FirstPartNumber, Body: bytes.NewReader([]byte("part")), Size: 4, ComputeContentMD5: true})
		return value(out == nil, err)
	},
	"upload-part-copy": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.m.UploadPartCopy(ctx, &multipart.UploadPartCopyInput{Bucket: fc.bucket, Key: "big.bin", UploadID: "u",
			PartNumber: fc.d.Limits.FirstPartNumber, SourceBucket: fc.bucket, SourceKey: "src", SourceLength: 10})
		return value(out == nil, err)
	},
	"complete": func(ctx context.Context, fc *fuzzClient) error {
		first := fc.d.Limits.FirstPartNumber
		out, err := fc.m.Complete(ctx, &multipart.CompleteInput{Bucket: fc.bucket, Key: "big.bin", UploadID: "u",
			Parts: []multipart.CompletedPart{{PartNumber: first, ETag: "e1"}, {PartNumber: first + 1, ETag: "e2"}}})
		return value(out == nil, err)
	},
	"abort": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.m.Abort(ctx, &multipart.AbortInput{Bucket: fc.bucket, Key: "big.bin", UploadID: "u"})
		return value(out == nil, err)
	},
	"list-parts": func(ctx context.Context, fc *fuzzClient) error {
		in := &multipart.ListPartsInput{Bucket: fc.bucket, Key: "big.bin", UploadID: "u", MaxParts: 2}
		page, err := fc.m.ListPartsPage(ctx, in)
		if err != nil {
			return nil
		}
		if !page.IsTruncated && page.NextMarker != "" {
			return errors.New("a last page with a next marker")
		}
		// The server answers every page the same: the iterator must end,
		// having yielded at most that one page's parts.
		var got []int
		for p, err := range fc.m.ListParts(ctx, in) {
			if err != nil {
				break
			}
			got = append(got, p.PartNumber)
		}
		if len(got) > len(page.Parts) {
			return errors.New("the iterator yielded more parts than the one page the server repeats")
		}
		if n := fc.w.Requests(); n > paging.MaxEmptyPages+2 {
			return errors.New("too many requests for a server that repeats one page")
		}
		return nil
	},
}

// FuzzMultipartResponses feeds arbitrary answers (a success status,
// headers as "Name: value" lines, a body) to every multipart call in every
// dialect: a call returns a value or an error and never panics, a page of
// parts says consistently whether more follow, and ListParts over a server
// that repeats one answer ends without yielding a part twice.
//
// Seeds: testdata/fuzz/FuzzMultipartResponses.
func FuzzMultipartResponses(f *testing.F) {
	names := make([]string, 0, len(multipartCalls))
	for n := range multipartCalls {
		names = append(names, n)
	}
	slices.Sort(names)
	f.Add("initiate", "s3", 200, "", []byte(`<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`))
	f.Fuzz(func(t *testing.T, call, dialect string, status int, header string, body []byte) {
		call = fuzzwire.Pick(names, call)
		fc := fuzzClients()[fuzzwire.Dialect(dialect).Name]
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a safety net
		defer cancel()
		fc.w.Set(fuzzwire.Status(status), fuzzwire.Header(header), body)
		if err := multipartCalls[call](ctx, fc); err != nil {
			t.Fatalf("%s %s: %v", fc.d.Name, call, err)
		}
	})
}
