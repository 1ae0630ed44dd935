package main

import (
	"context"
	"errors"
	"io"

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

// polystoreModes maps the benchmark's integrity names to the manager's.
var polystoreModes = map[string]transfer.Integrity{
	// IntegrityAuto, which on the S3 dialect is a CRC32C additional
	// checksum per part, verified by the server: over https computed
	// while the part is sent and sent as an aws-chunked trailer, over
	// http in a header (x-amz-checksum-crc32c), hashed first
	// (TrailersAuto).
	"crc32c": transfer.IntegrityAuto,
	// The same checksum always as a trailer (TrailersOn).
	"crc32c-trailer": transfer.IntegrityAuto,
	// The same checksum always in a header (TrailersOff), hashed from
	// the source before the part is sent.
	"crc32c-header": transfer.IntegrityAuto,
	"md5":           transfer.IntegrityMD5,
	"off":           transfer.IntegrityOff,
}

// polystoreTrailers are the trailer modes of the integrity names.
var polystoreTrailers = map[string]transfer.Trailers{"crc32c-trailer": transfer.TrailersOn, "crc32c-header": transfer.TrailersOff}

func newPolystore(c *config, integrity string) (transferer, error) {
	mode := polystoreModes[integrity]
	cl, err := newPolystoreClient(c)
	if err != nil {
		return nil, err
	}
	m, err := transfer.NewFromClient(cl,
		transfer.WithPartSize(c.Part), transfer.WithPartParallelism(c.Par), transfer.WithIntegrity(mode),
		transfer.WithTrailingChecksums(polystoreTrailers[integrity]))
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
