package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/polystore/polystore/bench/internal/rawhttp"
)

// floorDir is the floor of a directory upload (-client floor): -par
// workers PUT the files of the walk as they come, each read whole, its
// SHA-256 signed (SigV4, as both SDKs sign over plain http) and its
// CRC32C in x-amz-checksum-crc32c, through package rawhttp's minimal
// requests. The server gets the same work as from the SDKs; the client
// does no more than that work. Files of 5 MiB or more are not its subject
// (it sends every file as one PUT).
func floorDir(ctx context.Context, c *config, cnt *counter) (int, int64, error) {
	pool, err := rawhttp.NewPool(c.endpoint, c.par, nil)
	if err != nil {
		return 0, 0, err
	}
	defer pool.Close()
	f := &dirFloor{c: c, cnt: cnt, pool: pool, signer: v4.NewSigner(),
		creds: aws.Credentials{AccessKeyID: c.accessKey, SecretAccessKey: c.secretKey}}
	if status, err := f.put(ctx, "/"+c.bucket, nil); err != nil || (status != 200 && status != 409) {
		return 0, 0, fmt.Errorf("floor: creating the bucket: status %d, %v", status, err)
	}
	paths := make(chan string, 4*c.par)
	var files, total atomic.Int64
	errs := make([]error, c.par)
	var wg sync.WaitGroup
	for w := range c.par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				if errs[w] != nil {
					continue
				}
				errs[w] = f.file(ctx, p, &total)
				if errs[w] == nil {
					files.Add(1)
				}
			}
		}()
	}
	werr := filepath.WalkDir(c.dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			paths <- p
		}
		return err
	})
	close(paths)
	wg.Wait()
	return int(files.Load()), total.Load(), errors.Join(append(errs, werr)...)
}

type dirFloor struct {
	c      *config
	cnt    *counter
	pool   *rawhttp.Pool
	signer *v4.Signer
	creds  aws.Credentials
}

// file uploads one file under its path relative to the tree.
func (f *dirFloor) file(ctx context.Context, p string, total *atomic.Int64) error {
	rel, err := filepath.Rel(f.c.dir, p)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	target := (&url.URL{Path: "/" + f.c.bucket + "/" + f.c.prefix + filepath.ToSlash(rel)}).EscapedPath()
	status, err := f.put(ctx, target, b)
	if err == nil && status != 200 {
		err = fmt.Errorf("floor: PUT %s: status %d", target, status)
	}
	if err == nil {
		total.Add(int64(len(b)))
	}
	return err
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// put sends one signed PUT of body to target (a path) and returns the
// status once the response has been read.
func (f *dirFloor) put(ctx context.Context, target string, body []byte) (int, error) {
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	req, err := http.NewRequestWithContext(ctx, "PUT", f.c.endpoint+target, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Amz-Content-Sha256", payload)
	if body != nil {
		crc := binary.BigEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli))
		req.Header.Set("X-Amz-Checksum-Crc32c", base64.StdEncoding.EncodeToString(crc))
	}
	if err := f.signer.SignHTTP(ctx, f.creds, req, payload, "s3", f.c.region, time.Now()); err != nil {
		return 0, err
	}
	hdr := make([]string, 0, len(req.Header))
	for k, v := range req.Header {
		hdr = append(hdr, k+": "+v[0])
	}
	conn, err := f.pool.Get()
	if err != nil {
		return 0, err
	}
	f.cnt.n.Add(1)
	resp, err := conn.Do("PUT", target, hdr, body, nil, 0)
	if err == nil {
		_, err = resp.Drain()
	}
	f.pool.Put(conn, err)
	if err != nil {
		return 0, err
	}
	return resp.Status, nil
}
