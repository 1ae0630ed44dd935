package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// minioClient uploads with minio-go's PutObject (parallel parts for a
// ReaderAt source, ConcurrentStreamParts for a stream). minio-go has no
// parallel download, so download issues the same ranged GETs as the other
// clients through minio.Core.GetObject, par at a time.
type minioClient struct {
	c  *config
	mc *minio.Client
	o  minio.PutObjectOptions
}

func newMinio(c *config, integrity string) (transferer, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return nil, err
	}
	opts := &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       c.Region,
		BucketLookup: minio.BucketLookupPath,
	}
	po := minio.PutObjectOptions{PartSize: uint64(c.Part), NumThreads: uint(c.Par)}
	switch integrity {
	case "crc32c":
		opts.TrailingHeaders = true
		po.DisableContentSha256 = true
		po.Checksum = minio.ChecksumCRC32C
	case "off":
		po.DisableContentSha256 = true
	}
	mc, err := minio.New(u.Host, opts)
	if err != nil {
		return nil, err
	}
	return &minioClient{c: c, mc: mc, o: po}, nil
}

func (m *minioClient) upload(ctx context.Context, src source) (string, error) {
	var body io.Reader
	o := m.o
	size := src.size
	switch {
	case src.file != "":
		f, err := os.Open(src.file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		body = f
	case src.stream != nil:
		body = src.stream
		o.ConcurrentStreamParts = true
	default:
		body = src.ra
	}
	info, err := m.mc.PutObject(ctx, m.c.Bucket, m.c.Key, body, size, o)
	if err != nil {
		return "", err
	}
	return info.ETag, nil
}

func (m *minioClient) download(ctx context.Context, w io.WriterAt, size int64) error {
	core := minio.Core{Client: m.mc}
	st, err := core.StatObject(ctx, m.c.Bucket, m.c.Key, minio.StatObjectOptions{})
	if err != nil {
		return err
	}
	if st.Size != size {
		return fmt.Errorf("object has %d bytes, want %d", st.Size, size)
	}
	ranges := make(chan int64)
	errs := make(chan error, m.c.Par)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range m.c.Par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for off := range ranges {
				if err := m.getRange(ctx, core, w, off, min(m.c.Part, size-off), buf); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for off := int64(0); off < size; off += m.c.Part {
		select {
		case ranges <- off:
		case <-ctx.Done():
			break feed
		}
	}
	close(ranges)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

func (m *minioClient) getRange(ctx context.Context, core minio.Core, w io.WriterAt, off, n int64, buf []byte) error {
	var o minio.GetObjectOptions
	if err := o.SetRange(off, off+n-1); err != nil {
		return err
	}
	body, _, _, err := core.GetObject(ctx, m.c.Bucket, m.c.Key, o)
	if err != nil {
		return err
	}
	defer body.Close()
	k, err := io.CopyBuffer(io.NewOffsetWriter(w, off), io.LimitReader(body, n), buf)
	if err == nil && k != n {
		err = fmt.Errorf("range at %d: got %d bytes, want %d", off, k, n)
	}
	return err
}
