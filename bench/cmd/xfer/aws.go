package main

import (
	"context"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// awsClient uploads with manager.Uploader and downloads with
// manager.Downloader (the s3 manager, stable v1; its successor
// feature/s3/transfermanager is pre-1.0).
type awsClient struct {
	c         *config
	s3        *s3.Client
	checksums aws.RequestChecksumCalculation
}

func newAWS(c *config, integrity string) (transferer, error) {
	o := s3.Options{
		Region:       c.Region,
		BaseEndpoint: aws.String(c.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
	}
	checksums := aws.RequestChecksumCalculationWhenSupported
	switch integrity {
	case "crc32":
		o.APIOptions = append(o.APIOptions, unsignedPayload)
	case "off":
		o.APIOptions = append(o.APIOptions, unsignedPayload)
		checksums = aws.RequestChecksumCalculationWhenRequired
	}
	o.RequestChecksumCalculation = checksums
	if c.Op == "download" && integrity == "off" {
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}
	return &awsClient{c: c, s3: s3.New(o), checksums: checksums}, nil
}

// unsignedPayload signs requests with UNSIGNED-PAYLOAD. The payload hash
// is put in the context before the checksum middleware runs, which would
// otherwise compute a SHA-256 along with the CRC32 anyway.
func unsignedPayload(s *middleware.Stack) error {
	if err := v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware(s); err != nil {
		return err
	}
	return s.Build.Add(middleware.BuildMiddlewareFunc("BenchUnsignedPayload", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
		return next.HandleBuild(v4.SetPayloadHash(ctx, "UNSIGNED-PAYLOAD"), in)
	}), middleware.After)
}

func (a *awsClient) upload(ctx context.Context, src source) (string, error) {
	var body io.Reader
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
	default:
		body = src.ra
	}
	//lint:ignore SA1019 the s3 manager (stable v1) is what the issue compares with; its successor is pre-1.0.
	up := manager.NewUploader(a.s3, func(u *manager.Uploader) {
		u.PartSize = a.c.Part
		u.Concurrency = a.c.Par
		u.RequestChecksumCalculation = a.checksums
	})
	//lint:ignore SA1019 see NewUploader above.
	out, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(a.c.Bucket), Key: aws.String(a.c.Key), Body: body})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

func (a *awsClient) download(ctx context.Context, w io.WriterAt, _ int64) error {
	//lint:ignore SA1019 the s3 manager (stable v1) is what the issue compares with; its successor is pre-1.0.
	d := manager.NewDownloader(a.s3, func(d *manager.Downloader) {
		d.PartSize = a.c.Part
		d.Concurrency = a.c.Par
	})
	//lint:ignore SA1019 see NewUploader above.
	_, err := d.Download(ctx, w, &s3.GetObjectInput{Bucket: aws.String(a.c.Bucket), Key: aws.String(a.c.Key)})
	return err
}
