package faultsuite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/internal/tlscert"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
	"github.com/polystore/polystore/transfer"
)

// Sizes of the storagetest backends: parts of 64 KiB (the servers accept
// them: smallParts), transfer objects of three parts, single objects of
// 100 KiB. MinIO needs S3's 5 MiB parts.
const (
	stPartSize  = 64 << 10
	stBigSize   = 2*stPartSize + 10<<10
	stSmallSize = 100 << 10

	minioPartSize  = 5 << 20
	minioBigSize   = 2*minioPartSize + 1<<20
	minioSmallSize = 256 << 10
)

// backend is a kind of server the suite runs against.
type backend struct {
	name    string
	dialect client.Dialect
	// partSize is the transfer part (and download range) size; big
	// objects have three parts, small ones go in one request.
	partSize           int64
	bigSize, smallSize int
	// stall is the HTTPClient.Timeout of the faulty client when the
	// fault is a stall.
	stall time.Duration
	// storagetest backends are in-memory servers, which a hostile handler
	// can wrap.
	storagetest bool
	// fx is the backend's server with the source objects, shared by its
	// runs (each upload run writes a key of its own).
	fx *fixture
	// big is the content of transfer objects (three parts), small that
	// of single objects; source is a file holding big, for uploads.
	big, small []byte
	source     string
	// slots bounds how many of the backend's runs go at once.
	slots chan struct{}
	// proxyTLS, when set, makes the fault proxy serve https with it to
	// the faulty client, which trusts roots (the proxy forwards plain
	// http to the server).
	proxyTLS *tls.Config
	roots    *x509.CertPool
}

// fixture is a server with a bucket and two source objects: bigKey
// (backend.big), uploaded by the transfer manager in three parts, and
// smallKey (backend.small), stored by one Put.
type fixture struct {
	url    string                  // the server's base URL (what a proxy forwards to)
	st     *storagetest.Server     // the storagetest server, or nil
	opts   []func(*client.Options) // endpoint, region and credentials
	clean  *client.Client          // a client without faults in the way
	bucket string
	close  func()
}

const (
	bigKey   = "source/big"
	smallKey = "source/small"
)

// payload returns n pseudo-random bytes, the same for the same seed.
func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{seed, 'f'}).Read(b)
	return b
}

// cleanRetry is the retry policy of clean clients.
var cleanRetry = client.RetryPolicy{MaxAttempts: 3, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}

// smallParts lets a dialect's parts be as small as the storagetest
// backends' (the servers are built with the same dialect).
func smallParts(d client.Dialect) client.Dialect {
	d.Limits.MinPartSize = stPartSize
	return d
}

func bucketName(d client.Dialect, base string) string {
	if d.Name == client.COS.Name { // COS bucket names end with an APPID
		return base + "-1250000000"
	}
	return base
}

// storagetestSlots bounds how many storagetest runs go at once, and
// stallSlots how many runs of stall faults (which mostly wait) of any
// backend.
var (
	storagetestSlots = make(chan struct{}, 12)
	stallSlots       = make(chan struct{}, 32)
)

// storagetestBackend runs against a storagetest server of dialect d.
func storagetestBackend(ctx context.Context, d client.Dialect) (*backend, error) {
	d = smallParts(d)
	b := &backend{
		name: "st-" + d.Name, dialect: d, partSize: stPartSize, bigSize: stBigSize, smallSize: stSmallSize,
		stall: stallTimeout, storagetest: true, slots: storagetestSlots,
	}
	b.big, b.small = payload(b.bigSize, 1), payload(b.smallSize, 2)
	srv := storagetest.NewServer(d)
	b.fx = &fixture{url: srv.URL, st: srv, opts: srv.ClientOptions(), bucket: bucketName(d, "faults"), close: srv.Close}
	if err := b.fx.setup(ctx, b); err != nil {
		srv.Close()
		return nil, err
	}
	return b, nil
}

// minioBackend shares srv, and one bucket with its source objects, between
// its runs.
func minioBackend(ctx context.Context, name string, srv *miniotest.Server) (*backend, error) {
	b := &backend{
		name: name, dialect: client.S3, partSize: minioPartSize, bigSize: minioBigSize, smallSize: minioSmallSize,
		stall: minioStallTimeout, slots: make(chan struct{}, 3),
	}
	b.big, b.small = payload(b.bigSize, 3), payload(b.smallSize, 4)
	fx := &fixture{
		url: srv.URL,
		opts: []func(*client.Options){
			client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
			client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""),
		},
		bucket: "faults-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		close:  func() {},
	}
	if err := fx.setup(ctx, b); err != nil {
		return nil, err
	}
	b.fx = fx
	return b, nil
}

// setup creates the bucket and the source objects through a clean client.
func (fx *fixture) setup(ctx context.Context, b *backend) error {
	c, err := client.New(b.dialect, append(fx.opts, client.WithRetry(cleanRetry))...)
	if err != nil {
		return err
	}
	fx.clean = c
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: fx.bucket}); err != nil {
		return fmt.Errorf("creating bucket %s: %w", fx.bucket, err)
	}
	m, err := transfer.NewFromClient(c, transfer.WithPartSize(b.partSize))
	if err != nil {
		return err
	}
	task, err := m.Upload(ctx, &transfer.UploadInput{Bucket: fx.bucket, Key: bigKey, ReaderAt: bytes.NewReader(b.big), Size: int64(len(b.big))})
	if err != nil {
		return err
	}
	res, err := task.Wait(ctx)
	if err != nil {
		return fmt.Errorf("uploading %s: %w", bigKey, err)
	}
	if res.UploadID == "" {
		return fmt.Errorf("%s went in a single PUT, want a multipart upload", bigKey)
	}
	if _, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: fx.bucket, Key: smallKey, Body: bytes.NewReader(b.small)}); err != nil {
		return fmt.Errorf("putting %s: %w", smallKey, err)
	}
	return nil
}

// readBack returns an object's bytes and ETag, read through the clean
// client.
func (fx *fixture) readBack(ctx context.Context, key string) ([]byte, string, error) {
	out, err := object.NewClient(fx.clean).Get(ctx, &object.GetInput{Bucket: fx.bucket, Key: key})
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return b, out.ETag, err
}

// sameBytes describes how got differs from want, or returns "".
func sameBytes(what string, got, want []byte) string {
	if sha256.Sum256(got) == sha256.Sum256(want) {
		return ""
	}
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("%s: %d bytes, SHA-256 %x; want %d bytes, SHA-256 %x (first difference at byte %d)",
		what, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want), i)
}

// backends returns the storagetest backends of every dialect and, unless
// MinIO is skipped, the MinIO backend.
func backends(t *testing.T, ctx context.Context) []*backend {
	var bs []*backend
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM} {
		b, err := storagetestBackend(ctx, d)
		if err != nil {
			t.Fatalf("storagetest %s backend: %v", d.Name, err)
		}
		t.Cleanup(b.fx.close)
		bs = append(bs, b)
	}
	dir := t.TempDir()
	var minio []*backend
	t.Run("minio-setup", func(t *testing.T) {
		srv := miniotest.Shared(t) // skips with POLYSTORE_SKIP_MINIO=1 outside CI
		b, err := minioBackend(ctx, "minio", srv)
		if err != nil {
			t.Fatalf("MinIO backend: %v", err)
		}
		// The same faults between a client on https and MinIO: the
		// proxy ends TLS, so they strike the client's TLS connection.
		bt, err := minioBackend(ctx, "minio-https", srv)
		if err != nil {
			t.Fatalf("MinIO https backend: %v", err)
		}
		certs := filepath.Join(dir, "certs")
		if err := tlscert.Generate(certs); err != nil {
			t.Fatal(err)
		}
		if bt.proxyTLS, err = tlscert.ServerConfig(certs); err != nil {
			t.Fatal(err)
		}
		if bt.roots, err = tlscert.RootCAs(certs); err != nil {
			t.Fatal(err)
		}
		minio = []*backend{b, bt}
	})
	bs = append(bs, minio...)
	for _, b := range bs {
		b.source = filepath.Join(dir, b.name+"-source.bin")
		if err := os.WriteFile(b.source, b.big, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return bs
}
