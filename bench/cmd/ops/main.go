// Command ops measures the client's CPU and allocations per request for
// small objects (PUT, GET, HEAD, DELETE of 4 KiB and 64 KiB) and for
// listing many keys, with polystore, aws-sdk-go-v2 and minio-go, each at
// its default integrity, against MinIO or the discard server (cmd/discard,
// whose made-up listings of prefix keys-N/ serve the list op). One
// measurement per process:
//
//	ops -client polystore -op put -size 4KiB -conc 32 -n 4000 -endpoint http://127.0.0.1:9100 -label discard
//	ops -client aws -op list -keys 100000 -endpoint https://127.0.0.1:9443 -ca certs/ca.crt -label discard
//
// It prints one RESULT line: ops, seconds, client CPU µs per op (user +
// sys from getrusage, the process's own), heap allocations and bytes per
// op (runtime.MemStats over the measured ops only), peak RSS. Objects that
// GET, HEAD and DELETE need on MinIO are stored by polystore before the
// measurement; warm-up requests (connections, TLS handshakes) are not
// counted.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	mcreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/polystore/polystore/bench/internal/discard"
	"github.com/polystore/polystore/bench/internal/gen"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
)

type config struct {
	client, op, endpoint, label, bucket, region, access, secret string
	size                                                        int64
	conc, n, keys                                               int
}

// doer runs one request of the measured op on key i (list: the whole
// listing, returning the keys seen).
type doer interface {
	put(ctx context.Context, key string, body []byte) error
	get(ctx context.Context, key string) error
	head(ctx context.Context, key string) error
	del(ctx context.Context, key string) error
	list(ctx context.Context, prefix string) (int, error)
}

func main() {
	var c config
	var size, ca, cpuprof string
	flag.StringVar(&c.client, "client", "polystore", "polystore|aws|minio, or the floors: floor (package rawhttp) or nethttp (net/http alone); see floor.go")
	flag.StringVar(&c.op, "op", "put", "put|get|head|delete|list")
	flag.StringVar(&size, "size", "4KiB", "object size (put, get, head, delete)")
	flag.IntVar(&c.conc, "conc", 1, "requests in flight")
	flag.IntVar(&c.n, "n", 2000, "measured requests (list: listings of -keys keys)")
	flag.IntVar(&c.keys, "keys", 100000, "keys per listing (list; the discard server's prefix keys-N/)")
	flag.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:9100", "server URL")
	flag.StringVar(&c.label, "label", "", "server name printed in the result line")
	flag.StringVar(&c.bucket, "bucket", "bench", "bucket")
	flag.StringVar(&c.region, "region", "us-east-1", "region")
	flag.StringVar(&c.access, "access-key", envOr("BENCH_ACCESS_KEY", "polystore-test"), "access key (env BENCH_ACCESS_KEY)")
	flag.StringVar(&c.secret, "secret-key", envOr("BENCH_SECRET_KEY", "polystore-test-secret-key"), "secret key (env BENCH_SECRET_KEY)")
	flag.StringVar(&ca, "ca", "", "trust this CA certificate (PEM) for https endpoints (sets SSL_CERT_FILE)")
	flag.StringVar(&cpuprof, "cpuprofile", "", "write a CPU profile of the measured requests to this file")
	flag.Parse()
	if ca != "" {
		os.Setenv("SSL_CERT_FILE", ca)
	}
	var err error
	if c.size, err = gen.ParseSize(size); err != nil {
		log.Fatal(err)
	}
	if c.op == "list" {
		c.conc = 1
	}
	if c.conc < 1 || c.n < c.conc {
		log.Fatal("ops: need 1 ≤ -conc ≤ -n")
	}
	ctx := context.Background()
	d, err := newDoer(&c, c.client)
	if err != nil {
		log.Fatal(err)
	}
	body := make([]byte, c.size)
	if _, err := discardContent(body); err != nil {
		log.Fatal(err)
	}
	key := func(w, i int) string {
		switch c.op {
		case "get", "head": // a small set, stored once
			return fmt.Sprintf("ops/g%02d-%d", (w*7+i)%64, c.size)
		}
		return fmt.Sprintf("ops/%s-%d-%d-%d", c.client, w, i, c.size)
	}
	per := c.n / c.conc
	// The measured requests' keys, made before the measurement so that
	// their formatting is not counted as the client's.
	keys := make([][]string, c.conc)
	for w := range keys {
		keys[w] = make([]string, max(per, 2)) // the warm-up of GET and HEAD reads two
		for i := range keys[w] {
			keys[w][i] = key(w, i)
		}
	}
	// What the measured requests need exists first (MinIO); the discard
	// server answers any key ending in -SIZE.
	if c.label != "discard" && (c.op == "get" || c.op == "head" || c.op == "delete") {
		p, err := newDoer(&c, "polystore")
		if err != nil {
			log.Fatal(err)
		}
		store := func(w, i int) error { return p.put(ctx, key(w, i), body) }
		workers, each := c.conc, per
		if c.op != "delete" { // the 64 keys GET and HEAD read
			workers, each = 8, 8
			store = func(w, i int) error { return p.put(ctx, fmt.Sprintf("ops/g%02d-%d", w*8+i, c.size), body) }
		}
		if err := run(workers, each, store); err != nil {
			log.Fatal("ops: storing the objects: ", err)
		}
	}
	one := func(w, i int) error {
		switch c.op {
		case "put":
			return d.put(ctx, keys[w][i], body)
		case "get":
			return d.get(ctx, keys[w][i])
		case "head":
			return d.head(ctx, keys[w][i])
		case "delete":
			return d.del(ctx, keys[w][i])
		case "list":
			n, err := d.list(ctx, fmt.Sprintf("keys-%d/", c.keys))
			if err == nil && n != c.keys {
				err = fmt.Errorf("listed %d keys, want %d", n, c.keys)
			}
			return err
		}
		return fmt.Errorf("unknown op %q", c.op)
	}
	// Warm-up: connections and handshakes, code paths, pools; not counted.
	warm := one
	if c.op == "delete" || c.op == "put" {
		warm = func(w, i int) error { return d.head(ctx, fmt.Sprintf("ops/g%02d-%d", 0, c.size)) }
		if c.label != "discard" {
			warm = func(w, i int) error { return d.put(ctx, fmt.Sprintf("ops/warm-%s-%d-%d", c.client, w, c.size), body) }
		}
	}
	if err := run(c.conc, 2, warm); err != nil {
		log.Fatal("ops: warm-up: ", err)
	}
	if cpuprof != "" {
		f, err := os.Create(cpuprof)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	var r0, r1 syscall.Rusage
	runtime.ReadMemStats(&m0)
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	start := time.Now()
	err = run(c.conc, per, one)
	elapsed := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	runtime.ReadMemStats(&m1)
	if cpuprof != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		log.Fatal("ops: ", err)
	}
	ops := per * c.conc
	cpu := tv(r1.Utime) - tv(r0.Utime) + tv(r1.Stime) - tv(r0.Stime)
	units, unit := float64(ops), "op"
	if c.op == "list" {
		units, unit = float64(ops*c.keys), "key"
	}
	proto := "http"
	if strings.HasPrefix(c.endpoint, "https:") {
		proto = "https"
	}
	sizeField := gen.FormatSize(c.size)
	if c.op == "list" {
		sizeField = "-"
	}
	fmt.Printf("RESULT server=%s proto=%s client=%s op=%s size=%s conc=%d keys=%d ops=%d seconds=%.3f ops_per_s=%.0f unit=%s cpu_us=%.2f allocs=%.1f alloc_bytes=%.0f heap_inuse_mib=%.1f maxrss_mib=%.1f\n",
		c.label, proto, c.client, c.op, sizeField, c.conc, map[bool]int{true: c.keys}[c.op == "list"], ops, elapsed.Seconds(), float64(ops)/elapsed.Seconds(), unit,
		cpu*1e6/units, float64(m1.Mallocs-m0.Mallocs)/units, float64(m1.TotalAlloc-m0.TotalAlloc)/units,
		float64(m1.HeapInuse)/(1<<20), float64(r1.Maxrss)/1024)
}

// run calls f(w, i) for i < per on conc workers w, and returns the first
// error.
func run(conc, per int, f func(w, i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, conc)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if err := f(w, i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func newDoer(c *config, name string) (doer, error) {
	switch name {
	case "polystore":
		cl, err := client.New(client.S3, client.WithEndpoint(c.endpoint), client.WithRegion(c.region),
			client.WithStaticCredentials(c.access, c.secret, ""))
		if err != nil {
			return nil, err
		}
		return &poly{c: c, o: object.NewClient(cl), b: bucket.NewClient(cl)}, nil
	case "aws":
		return &awsDoer{c: c, s3: s3.New(s3.Options{
			Region: c.region, BaseEndpoint: aws.String(c.endpoint), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(c.access, c.secret, ""),
		})}, nil
	case "floor", "nethttp":
		return newFloor(c, name)
	case "minio":
		host, secure := strings.CutPrefix(c.endpoint, "https://")
		host = strings.TrimPrefix(host, "http://")
		mc, err := minio.New(host, &minio.Options{
			Creds: mcreds.NewStaticV4(c.access, c.secret, ""), Secure: secure,
			Region: c.region, BucketLookup: minio.BucketLookupPath,
		})
		if err != nil {
			return nil, err
		}
		return &minioDoer{c: c, mc: mc}, nil
	}
	return nil, fmt.Errorf("unknown client %q", name)
}

// poly: polystore's object and bucket clients, default options.
type poly struct {
	c *config
	o *object.Client
	b *bucket.Client
}

func (p *poly) put(ctx context.Context, key string, body []byte) error {
	_, err := p.o.Put(ctx, &object.PutInput{Bucket: p.c.bucket, Key: key, Body: bytes.NewReader(body)})
	return err
}

func (p *poly) get(ctx context.Context, key string) error {
	out, err := p.o.Get(ctx, &object.GetInput{Bucket: p.c.bucket, Key: key})
	if err != nil {
		return err
	}
	return drain(out.Body, p.c.size)
}

func (p *poly) head(ctx context.Context, key string) error {
	_, err := p.o.Head(ctx, &object.HeadInput{Bucket: p.c.bucket, Key: key})
	return err
}

func (p *poly) del(ctx context.Context, key string) error {
	_, err := p.o.Delete(ctx, &object.DeleteInput{Bucket: p.c.bucket, Key: key})
	return err
}

func (p *poly) list(ctx context.Context, prefix string) (int, error) {
	n := 0
	for _, err := range p.b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: p.c.bucket, Prefix: prefix}) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// awsDoer: aws-sdk-go-v2's s3 client, default options.
type awsDoer struct {
	c  *config
	s3 *s3.Client
}

func (a *awsDoer) put(ctx context.Context, key string, body []byte) error {
	_, err := a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &a.c.bucket, Key: &key, Body: bytes.NewReader(body)})
	return err
}

func (a *awsDoer) get(ctx context.Context, key string) error {
	out, err := a.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &a.c.bucket, Key: &key})
	if err != nil {
		return err
	}
	return drain(out.Body, a.c.size)
}

func (a *awsDoer) head(ctx context.Context, key string) error {
	_, err := a.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &a.c.bucket, Key: &key})
	return err
}

func (a *awsDoer) del(ctx context.Context, key string) error {
	_, err := a.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &a.c.bucket, Key: &key})
	return err
}

func (a *awsDoer) list(ctx context.Context, prefix string) (int, error) {
	n := 0
	pg := s3.NewListObjectsV2Paginator(a.s3, &s3.ListObjectsV2Input{Bucket: &a.c.bucket, Prefix: &prefix})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return n, err
		}
		n += len(page.Contents)
	}
	return n, nil
}

// minioDoer: minio-go, default options.
type minioDoer struct {
	c  *config
	mc *minio.Client
}

func (m *minioDoer) put(ctx context.Context, key string, body []byte) error {
	_, err := m.mc.PutObject(ctx, m.c.bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	return err
}

func (m *minioDoer) get(ctx context.Context, key string) error {
	obj, err := m.mc.GetObject(ctx, m.c.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	return drain(obj, m.c.size)
}

func (m *minioDoer) head(ctx context.Context, key string) error {
	_, err := m.mc.StatObject(ctx, m.c.bucket, key, minio.StatObjectOptions{})
	return err
}

func (m *minioDoer) del(ctx context.Context, key string) error {
	return m.mc.RemoveObject(ctx, m.c.bucket, key, minio.RemoveObjectOptions{})
}

func (m *minioDoer) list(ctx context.Context, prefix string) (int, error) {
	n := 0
	for o := range m.mc.ListObjects(ctx, m.c.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return n, o.Err
		}
		n++
	}
	return n, nil
}

// discardContent fills body with the content the discard server expects
// of an object of its length.
func discardContent(body []byte) (int, error) {
	n, err := gen.New(discard.Seed, int64(len(body))).ReadAt(body, 0)
	if err == io.EOF && n == len(body) {
		err = nil
	}
	return n, err
}

// getTo is where GET bodies go (-to).
var getTo = flag.String("to", "discard", "get: discard (io.Discard) or file (io.Copy into a file, the way a user's download lands; one file per request in flight, overwritten)")

// getFiles are the files GET bodies are copied into with -to file.
var getFiles = make(chan *os.File, 1024)

// drain reads a GET body to its end (into io.Discard or a file, -to) and
// checks its length.
func drain(r io.ReadCloser, want int64) error {
	var n int64
	var err error
	if *getTo == "file" {
		var f *os.File
		select {
		case f = <-getFiles:
		default:
			if f, err = os.CreateTemp("", "ops-get-*"); err != nil {
				return err
			}
			os.Remove(f.Name()) // gone when closed at exit
		}
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			n, err = io.Copy(f, r)
		}
		getFiles <- f
	} else {
		n, err = io.Copy(io.Discard, r)
	}
	r.Close()
	if err == nil && n != want {
		err = fmt.Errorf("read %d bytes, want %d", n, want)
	}
	return err
}
