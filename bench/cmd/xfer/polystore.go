package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"sync"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer"
)

// polystoreClient uploads and downloads with polystore's transfer manager.
type polystoreClient struct {
	c *config
	m *transfer.Manager
}

func newPolystoreClient(c *config, extra ...func(*client.Options)) (*client.Client, error) {
	opts := append([]func(*client.Options){
		client.WithEndpoint(c.Endpoint), client.WithRegion(c.Region),
		client.WithStaticCredentials(c.AccessKey, c.SecretKey, ""),
	}, extra...)
	return client.New(client.S3, opts...)
}

func newPolystore(c *config, integrity string) (transferer, error) {
	var extra []func(*client.Options)
	mode := transfer.IntegrityAuto
	switch integrity {
	case "off":
		mode = transfer.IntegrityOff
	case "crc32c":
		mode = transfer.IntegrityOff
		extra = append(extra, client.WithAPIOptions(addCRC32CHeader))
	}
	cl, err := newPolystoreClient(c, extra...)
	if err != nil {
		return nil, err
	}
	var api transfer.API = transfer.NewClientAPI(cl)
	if integrity == "crc32c" {
		api = crcAPI{api}
	}
	m, err := transfer.New(api,
		transfer.WithPartSize(c.Part), transfer.WithPartParallelism(c.Par), transfer.WithIntegrity(mode))
	if err != nil {
		return nil, err
	}
	return &polystoreClient{c: c, m: m}, nil
}

func (p *polystoreClient) upload(ctx context.Context, src source) (string, error) {
	in := &transfer.UploadInput{Bucket: p.c.Bucket, Key: p.c.Key}
	switch {
	case src.file != "":
		in.File = src.file
	case src.stream != nil:
		in.Reader = src.stream
	default:
		in.ReaderAt, in.Size = src.ra, src.size
	}
	task, err := p.m.Upload(ctx, in)
	if err != nil {
		return "", err
	}
	res, err := task.Wait(ctx)
	if err != nil {
		return "", err
	}
	return res.ETag, nil
}

func (p *polystoreClient) download(ctx context.Context, w io.WriterAt, _ int64) error {
	task, err := p.m.Download(ctx, &transfer.DownloadInput{Bucket: p.c.Bucket, Key: p.c.Key, WriterAt: w})
	if err != nil {
		return err
	}
	_, err = task.Wait(ctx)
	return err
}

func createBucket(ctx context.Context, c *config) error {
	cl, err := newPolystoreClient(c)
	if err != nil {
		return err
	}
	_, err = bucket.NewClient(cl).Create(ctx, &bucket.CreateInput{Bucket: c.Bucket})
	if errors.Is(err, client.ErrConflict) { // already there
		err = nil
	}
	return err
}

// The crc32c integrity mode is an experiment of this benchmark, built on
// the library's public extension points only: the manager runs with
// IntegrityOff, crcAPI computes each part's CRC-32C (one read of the part)
// and the middleware below sends it as x-amz-checksum-crc32c, which S3 and
// MinIO verify against the body. It shows what per-part integrity costs
// when the hash is CRC-32C rather than MD5.

type crcKey struct{}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcAPI adds a part's CRC-32C to the context of its UploadPart.
type crcAPI struct{ transfer.API }

var crcBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func (a crcAPI) UploadPart(ctx context.Context, in *transfer.UploadPartInput) (*transfer.UploadPartOutput, error) {
	bp := crcBufs.Get().(*[]byte)
	defer crcBufs.Put(bp)
	var sum uint32
	r := io.NewSectionReader(in.Body, 0, in.Body.Size())
	for {
		n, err := r.Read(*bp)
		sum = crc32.Update(sum, castagnoli, (*bp)[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], sum)
	return a.API.UploadPart(context.WithValue(ctx, crcKey{}, base64.StdEncoding.EncodeToString(b[:])), in)
}

// addCRC32CHeader puts the CRC-32C found in the context on the request.
func addCRC32CHeader(s *middleware.Stack) error {
	return s.Build.Add(middleware.BuildMiddlewareFunc("BenchCRC32C", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
		if v, ok := ctx.Value(crcKey{}).(string); ok {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("x-amz-checksum-crc32c", v)
			}
		}
		return next.HandleBuild(ctx, in)
	}), middleware.After)
}
