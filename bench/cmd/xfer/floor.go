package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/polystore/polystore/bench/internal/rawhttp"
)

// floorClient is the floor (-client floor; the discarding server only):
// package rawhttp's minimal requests, unsigned, par connections. An
// upload is CreateMultipartUpload, par UploadParts at a time read from
// the source in 256 KiB chunks (crc32c: each part hashed from the source
// first and its CRC32C sent in the x-amz-checksum-crc32c header, which
// the server checks — polystore's design; off: no checksum, one read),
// and CompleteMultipartUpload. A download is par ranged GETs at a time,
// each body copied through a 256 KiB buffer into the destination (crc32c:
// and each range's CRC32C computed as it is copied, the work polystore's
// verified download does; none: nothing computed). It is
// what the bytes, TLS and the kernel cost: no client can do less for the
// same transfer.
type floorClient struct {
	c   *config
	p   *rawhttp.Pool
	crc bool
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func newFloor(c *config, integrity string) (transferer, error) {
	if c.Label != "discard" {
		return nil, errors.New("xfer: -client floor signs nothing: it runs against the discarding server only (-label discard)")
	}
	p, err := rawhttp.NewPool(c.Endpoint, c.Par, nil)
	if err != nil {
		return nil, err
	}
	return &floorClient{c: c, p: p, crc: integrity == "crc32c"}, nil
}

func (f *floorClient) target(query string) string {
	return "/" + f.c.Bucket + "/" + f.c.Key + query
}

// call sends one request, reads the response body (small: XML or
// nothing) and checks the status.
func (f *floorClient) call(method, target string, hdr []string, body []byte, r io.Reader, n int64) (*rawhttp.Response, string, error) {
	c, err := f.p.Get()
	if err != nil {
		return nil, "", err
	}
	resp, err := c.Do(method, target, hdr, body, r, n)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(resp.Body)
	}
	f.p.Put(c, err)
	if err == nil && resp.Status/100 != 2 {
		err = fmt.Errorf("floor %s %s: status %d: %.200s", method, target, resp.Status, b)
	}
	return resp, string(b), err
}

// between returns what s holds between open and close.
func between(s, open, close string) string {
	_, after, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(after, close)
	return v
}

func (f *floorClient) upload(ctx context.Context, src source) (string, error) {
	var ra io.ReaderAt
	switch {
	case src.file != "":
		fh, err := os.Open(src.file)
		if err != nil {
			return "", err
		}
		defer fh.Close()
		ra = fh
	case src.ra != nil:
		ra = src.ra
	default:
		return "", errors.New("floor: uploads a file or a ReaderAt, not a stream")
	}
	_, out, err := f.call("POST", f.target("?uploads"), nil, nil, nil, 0)
	if err != nil {
		return "", err
	}
	id := between(out, "<UploadId>", "</UploadId>")
	if id == "" {
		return "", fmt.Errorf("floor: no UploadId in %.200q", out)
	}
	size, part := src.size, f.c.Part
	parts := int((size + part - 1) / part)
	etags := make([]string, parts)
	errs := make([]error, f.c.Par)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range f.c.Par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for i := range next {
				if errs[w] != nil {
					continue
				}
				off := int64(i) * part
				n := min(part, size-off)
				var hdr []string
				if f.crc {
					sum, err := crcOf(ra, off, n, buf)
					if err != nil {
						errs[w] = err
						continue
					}
					hdr = []string{"x-amz-checksum-crc32c: " + sum}
				}
				q := fmt.Sprintf("?partNumber=%d&uploadId=%s", i+1, id)
				resp, _, err := f.call("PUT", f.target(q), hdr, nil, io.NewSectionReader(ra, off, n), n)
				if err != nil {
					errs[w] = err
					continue
				}
				etags[i] = resp.ETag
			}
		}()
	}
	for i := range parts {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for i, e := range etags {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>&#34;%s&#34;</ETag></Part>", i+1, e)
	}
	b.WriteString("</CompleteMultipartUpload>")
	_, out, err = f.call("POST", f.target("?uploadId="+id), nil, []byte(b.String()), nil, 0)
	if err != nil {
		return "", err
	}
	etag := strings.NewReplacer("&#34;", "", "&quot;", "", `"`, "").Replace(between(out, "<ETag>", "</ETag>"))
	return etag, nil
}

// crcOf is the base64 CRC32C of n bytes of ra at off, read through buf.
func crcOf(ra io.ReaderAt, off, n int64, buf []byte) (string, error) {
	var sum uint32
	for done := int64(0); done < n; {
		k := int(min(int64(len(buf)), n-done))
		if _, err := ra.ReadAt(buf[:k], off+done); err != nil {
			return "", err
		}
		sum = crc32.Update(sum, castagnoli, buf[:k])
		done += int64(k)
	}
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum)), nil
}

func (f *floorClient) download(ctx context.Context, w io.WriterAt, size int64) error {
	part := f.c.Part
	ranges := int((size + part - 1) / part)
	errs := make([]error, f.c.Par)
	next := make(chan int)
	var wg sync.WaitGroup
	for wk := range f.c.Par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for i := range next {
				if errs[wk] == nil {
					errs[wk] = f.getRange(w, int64(i)*part, min(part, size-int64(i)*part), buf)
				}
			}
		}()
	}
	for i := range ranges {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// getRange fetches n bytes at off into w.
func (f *floorClient) getRange(w io.WriterAt, off, n int64, buf []byte) error {
	c, err := f.p.Get()
	if err != nil {
		return err
	}
	hdr := []string{fmt.Sprintf("Range: bytes=%d-%d", off, off+n-1)}
	resp, err := c.Do("GET", f.target(""), hdr, nil, nil, 0)
	if err == nil && resp.Status != 206 {
		err = fmt.Errorf("floor GET range %d+%d: status %d", off, n, resp.Status)
	}
	if err == nil && resp.Length != n {
		err = fmt.Errorf("floor GET range %d+%d: %d bytes", off, n, resp.Length)
	}
	var sum uint32
	for done := int64(0); err == nil && done < n; {
		k := int(min(int64(len(buf)), n-done))
		if _, err = io.ReadFull(resp.Body, buf[:k]); err == nil {
			_, err = w.WriteAt(buf[:k], off+done)
			if f.crc {
				sum = crc32.Update(sum, castagnoli, buf[:k])
			}
		}
		done += int64(k)
	}
	f.p.Put(c, err)
	_ = sum // computed for its cost, as polystore's verified download computes it; nothing to compare with here
	return err
}
