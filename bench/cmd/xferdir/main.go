// Command xferdir measures one directory upload, server-side copy or
// cross-dialect copy with one client and prints one RESULT line: wall
// seconds, the process's own CPU seconds and peak RSS (getrusage), and
// the HTTP requests the client sent (counted by a per-attempt step in its
// middleware stack), and with -server-pid the server's CPU seconds over
// the same window (/proc/PID/stat). Each measurement is its own process,
// so the figures are the client's.
//
//	xferdir -op setup-tree -set small -dir /tmp/bench/small    # 10,000 files of 4–64 KiB
//	xferdir -op setup-tree -set large -dir /tmp/bench/large    # 100 files of 8 MiB
//	xferdir -op upload-dir -client polystore|aws -dir D -endpoint URL -prefix P
//	xferdir -op setup-copy -size 6GiB -endpoint URL            # the copy source, uploaded from a stream
//	xferdir -op copy -client polystore|minio -size 6GiB -endpoint URL
//	xferdir -op setup-xcopy -size 1GiB -src-endpoint URL        # on a QingStor storageserver
//	xferdir -op xcopy -size 1GiB -src-endpoint URL -endpoint URL
//
// Directory uploads compare polystore's Manager.UploadDir with
// aws-sdk-go-v2's feature/s3/transfermanager UploadDirectory (v0.5.11),
// both with their default integrity, -par files at once and -par parts
// per file. Copies compare polystore's Manager.Copy (server-side) with
// minio-go's ComposeObject. The cross-dialect copy streams an object of a
// QingStor storagetest server (examples/storageserver, another process)
// into MinIO with Manager.Copy and CopySource.API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/polystore/polystore/bench/internal/gen"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
	"github.com/polystore/polystore/transfer"
	"github.com/polystore/polystore/transfer/transferapi"
)

type config struct {
	op, client, set, dir, prefix string
	endpoint, srcEndpoint        string
	server                       string
	region, accessKey, secretKey string
	bucket                       string
	size, part                   int64
	par                          int
	cpuprofile                   string
	memprofile                   string
	serverPID                    int
}

// counter counts the HTTP requests a client sends, retries included,
// without replacing the client's own transport (each client runs with the
// transport it has by default, as its users run it): step is a
// per-attempt Finalize step for the smithy-go stacks of polystore and
// aws-sdk-go-v2, wrap a RoundTripper for minio-go.
type counter struct {
	n atomic.Int64
}

// step adds the counting step to a smithy-go stack: in Finalize, after
// the retry step, so it runs once per attempt.
func (c *counter) step(s *middleware.Stack) error {
	return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("benchCountRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.n.Add(1)
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// wrap returns a RoundTripper that counts the requests it sends to rt.
func (c *counter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.n.Add(1)
		return rt.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func main() {
	var c config
	var size, part string
	flag.StringVar(&c.op, "op", "upload-dir", "setup-tree, upload-dir, setup-copy, copy, setup-xcopy, xcopy")
	flag.StringVar(&c.client, "client", "polystore", "upload-dir: polystore, aws, or floor (the least a client can do: floor.go); copy: polystore or minio")
	flag.StringVar(&c.set, "set", "small", "setup-tree: small (10,000 files of 4–64 KiB) or large (100 files of 8 MiB)")
	flag.StringVar(&c.dir, "dir", "", "the directory tree")
	flag.StringVar(&c.prefix, "prefix", "dir/", "upload-dir: key prefix")
	flag.StringVar(&c.endpoint, "endpoint", "", "MinIO URL (upload-dir: or the discard server's, started with -any-key)")
	flag.StringVar(&c.server, "server", "minio", "the server's name in the result line (minio or discard)")
	flag.StringVar(&c.srcEndpoint, "src-endpoint", "", "xcopy: the QingStor storageserver URL")
	flag.StringVar(&c.region, "region", "us-east-1", "region")
	flag.StringVar(&c.accessKey, "access-key", "polystore-test", "MinIO access key")
	flag.StringVar(&c.secretKey, "secret-key", "polystore-test-secret-key", "MinIO secret key")
	flag.StringVar(&c.bucket, "bucket", "benchdir", "bucket")
	flag.StringVar(&size, "size", "1GiB", "copy: object size")
	flag.StringVar(&part, "part", "8MiB", "part size")
	flag.IntVar(&c.par, "par", 4, "files at once, and parts per file")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the measurement to this file")
	flag.StringVar(&c.memprofile, "memprofile", "", "write an allocation profile of the measurement to this file")
	flag.IntVar(&c.serverPID, "server-pid", 0, "also report this process's CPU seconds (the server's, from /proc/PID/stat) over the measurement")
	flag.Parse()
	var err error
	if c.size, err = gen.ParseSize(size); err == nil {
		c.part, err = gen.ParseSize(part)
	}
	if err == nil {
		err = run(context.Background(), &c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xferdir:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c *config) error {
	switch c.op {
	case "setup-tree":
		return setupTree(c)
	case "setup-copy":
		return setupObject(ctx, c, minioClient(c, nil), "copy-src")
	case "setup-xcopy":
		sc, err := qingstorClient(c, nil)
		if err != nil {
			return err
		}
		return setupObject(ctx, c, sc, "xcopy-src")
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.memprofile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			f, err := os.Create(c.memprofile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "xferdir: -memprofile:", err)
			}
		}()
	}
	cnt := &counter{}
	var files int
	var bytes int64
	srv0, srvErr := procCPU(c.serverPID)
	start := time.Now()
	var err error
	switch c.op {
	case "upload-dir":
		files, bytes, err = uploadDir(ctx, c, cnt)
	case "copy":
		bytes, err = copyObject(ctx, c, cnt)
		files = 1
	case "xcopy":
		bytes, err = crossCopy(ctx, c, cnt)
		files = 1
	default:
		err = fmt.Errorf("unknown op %q", c.op)
	}
	elapsed := time.Since(start).Seconds()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	srv1, srvErr1 := procCPU(c.serverPID)
	if err == nil {
		err = errors.Join(srvErr, srvErr1)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", c.client, c.op, err)
	}
	cpu := tv(ru.Utime) + tv(ru.Stime)
	if c.op != "upload-dir" {
		c.set = "-" // the file sets are only for directory uploads
	}
	verified := "-"
	if c.op != "upload-dir" {
		if verified, err = verify(ctx, c, bytes); err != nil {
			return fmt.Errorf("%s %s: verification: %w", c.client, c.op, err)
		}
	} else {
		verified = fmt.Sprintf("%d-objects-listed", files)
	}
	server := "server_cpu=- server_cpu_ms_per_file=-"
	if c.serverPID != 0 {
		server = fmt.Sprintf("server_cpu=%.2f server_cpu_ms_per_file=%.3f", srv1-srv0, 1000*(srv1-srv0)/float64(max(files, 1)))
	}
	fmt.Printf("RESULT server=%s op=%s client=%s set=%s files=%d bytes=%d seconds=%.3f files_per_s=%.1f mibps=%.1f cpu=%.3f cpu_ms_per_file=%.3f maxrss_mib=%.1f requests=%d %s verified=%s\n",
		c.server, c.op, c.client, c.set, files, bytes, elapsed, float64(files)/elapsed, float64(bytes)/(1<<20)/elapsed,
		cpu, 1000*cpu/float64(max(files, 1)), float64(ru.Maxrss)/1024, cnt.n.Load(), server, verified)
	return nil
}

// procCPU is the user + system CPU seconds process pid has used, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s, Linux's
// USER_HZ); 0 if pid is 0.
func procCPU(pid int) (float64, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("-server-pid: %w", err)
	}
	cpu, err := statCPU(b)
	if err != nil {
		return 0, fmt.Errorf("-server-pid: /proc/%d/stat: %w", pid, err)
	}
	return cpu, nil
}

// statCPU reads utime and stime out of a /proc/PID/stat line.
func statCPU(b []byte) (float64, error) {
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses: fields are counted after its last ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %.80q", b)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name in %.80q", len(f), b)
	}
	var ticks float64
	for _, s := range f[11:13] { // utime, stime: fields 14 and 15
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += float64(v)
	}
	return ticks / 100, nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// setupTree writes the file set: pseudo-random content (PCG, seed 1),
// sizes drawn uniformly from 4–64 KiB (small) or 8 MiB each (large).
func setupTree(c *config) error {
	if c.dir == "" {
		return errors.New("-dir is required")
	}
	r := rand.New(rand.NewPCG(1, 2))
	n, lo, hi := 10000, int64(4<<10), int64(64<<10)
	if c.set == "large" {
		n, lo, hi = 100, 8<<20, 8<<20
	}
	buf := make([]byte, hi)
	for i := range n {
		size := lo + r.Int64N(hi-lo+1)
		for j := range buf[:size] {
			buf[j] = byte(r.Uint32())
		}
		p := filepath.Join(c.dir, fmt.Sprintf("d%02d", i%100), fmt.Sprintf("f%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, buf[:size], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func minioClient(c *config, cnt *counter) *client.Client {
	opts := []func(*client.Options){
		client.WithEndpoint(c.endpoint), client.WithRegion(c.region),
		client.WithStaticCredentials(c.accessKey, c.secretKey, ""),
	}
	if cnt != nil {
		opts = append(opts, client.WithAPIOptions(cnt.step))
	}
	cl, err := client.New(client.S3, opts...)
	if err != nil {
		panic(err) // static options
	}
	return cl
}

func qingstorClient(c *config, cnt *counter) (*client.Client, error) {
	srv := storagetest.NewServer(client.QingStor) // only for its region name
	region := srv.Region()
	srv.Close()
	opts := []func(*client.Options){
		client.WithEndpoint(c.srcEndpoint), client.WithRegion(region),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""),
	}
	if cnt != nil {
		opts = append(opts, client.WithAPIOptions(cnt.step))
	}
	return client.New(client.QingStor, opts...)
}

// setupObject creates the bucket and uploads the source object from a
// stream (an io.Reader of unknown size).
func setupObject(ctx context.Context, c *config, cl *client.Client, key string) error {
	_, err := bucket.NewClient(cl).Create(ctx, &bucket.CreateInput{Bucket: c.bucket})
	if err != nil && !errors.Is(err, client.ErrConflict) {
		return err
	}
	m, err := transfer.New(transferapi.NewClient(cl), transfer.WithPartSize(16<<20), transfer.WithPartParallelism(4))
	if err != nil {
		return err
	}
	task, err := m.Upload(ctx, &transfer.UploadInput{Bucket: c.bucket, Key: key, Reader: gen.New(1, c.size).Stream()})
	if err != nil {
		return err
	}
	_, err = task.Wait(ctx)
	return err
}

// uploadDir uploads c.dir under c.prefix and returns the files and bytes.
func uploadDir(ctx context.Context, c *config, cnt *counter) (int, int64, error) {
	switch c.client {
	case "polystore":
		cl := minioClient(c, cnt)
		if _, err := bucket.NewClient(cl).Create(ctx, &bucket.CreateInput{Bucket: c.bucket}); err != nil && !errors.Is(err, client.ErrConflict) {
			return 0, 0, err
		}
		m, err := transfer.New(transferapi.NewClient(cl), transfer.WithPartSize(c.part),
			transfer.WithFileParallelism(c.par), transfer.WithPartParallelism(c.par))
		if err != nil {
			return 0, 0, err
		}
		task, err := m.UploadDir(ctx, &transfer.UploadDirInput{Dir: c.dir, Bucket: c.bucket, Prefix: c.prefix})
		if err != nil {
			return 0, 0, err
		}
		res, err := task.Wait(ctx)
		if err != nil {
			return 0, 0, err
		}
		return len(res.Files), res.Size, nil
	case "aws":
		s3c := s3.New(s3.Options{
			Region: c.region, BaseEndpoint: aws.String(c.endpoint), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(c.accessKey, c.secretKey, ""),
		}, func(o *s3.Options) { o.APIOptions = append(o.APIOptions, cnt.step) })
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(c.bucket)}); err != nil {
			var owned interface{ ErrorCode() string }
			if !errors.As(err, &owned) || (owned.ErrorCode() != "BucketAlreadyOwnedByYou" && owned.ErrorCode() != "BucketAlreadyExists") {
				return 0, 0, err
			}
		}
		tm := transfermanager.New(s3c, func(o *transfermanager.Options) {
			o.Concurrency = c.par
			o.PartSizeBytes = c.part
		})
		out, err := tm.UploadDirectory(ctx, &transfermanager.UploadDirectoryInput{
			Bucket: aws.String(c.bucket), Source: aws.String(c.dir), Recursive: aws.Bool(true), KeyPrefix: aws.String(strings.TrimSuffix(c.prefix, "/")), // it adds the "/"
		})
		if err != nil {
			return 0, 0, err
		}
		if out.ObjectsFailed > 0 {
			return 0, 0, fmt.Errorf("%d objects failed", out.ObjectsFailed)
		}
		var total int64
		err = filepath.WalkDir(c.dir, func(_ string, e os.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				info, ierr := e.Info()
				if ierr != nil {
					return ierr
				}
				total += info.Size()
			}
			return err
		})
		return int(out.ObjectsUploaded), total, err
	case "floor":
		return floorDir(ctx, c, cnt)
	}
	return 0, 0, fmt.Errorf("unknown client %q", c.client)
}

// copyObject copies copy-src to copy-dst-CLIENT on MinIO, server-side.
func copyObject(ctx context.Context, c *config, cnt *counter) (int64, error) {
	dst := "copy-dst-" + c.client
	switch c.client {
	case "polystore":
		m, err := transfer.New(transferapi.NewClient(minioClient(c, cnt)), transfer.WithPartSize(c.part), transfer.WithPartParallelism(c.par))
		if err != nil {
			return 0, err
		}
		task, err := m.Copy(ctx, &transfer.CopySource{Bucket: c.bucket, Key: "copy-src"}, &transfer.CopyDestination{Bucket: c.bucket, Key: dst})
		if err != nil {
			return 0, err
		}
		res, err := task.Wait(ctx)
		if err != nil {
			return 0, err
		}
		return res.Size, nil
	case "minio":
		tr, err := minio.DefaultTransport(false)
		if err != nil {
			return 0, err
		}
		mc, err := minio.New(c.endpoint[len("http://"):], &minio.Options{
			Creds: miniocreds.NewStaticV4(c.accessKey, c.secretKey, ""), Region: c.region, Transport: cnt.wrap(tr),
		})
		if err != nil {
			return 0, err
		}
		info, err := mc.ComposeObject(ctx, minio.CopyDestOptions{Bucket: c.bucket, Object: dst},
			minio.CopySrcOptions{Bucket: c.bucket, Object: "copy-src"})
		if err != nil {
			return 0, err
		}
		return info.Size, nil
	}
	return 0, fmt.Errorf("unknown client %q", c.client)
}

// crossCopy copies xcopy-src of the QingStor server to xcopy-dst on MinIO
// through this process.
func crossCopy(ctx context.Context, c *config, cnt *counter) (int64, error) {
	c.client = "polystore"
	dstc := minioClient(c, cnt)
	if _, err := bucket.NewClient(dstc).Create(ctx, &bucket.CreateInput{Bucket: c.bucket}); err != nil && !errors.Is(err, client.ErrConflict) {
		return 0, err
	}
	srcc, err := qingstorClient(c, cnt)
	if err != nil {
		return 0, err
	}
	m, err := transfer.New(transferapi.NewClient(dstc), transfer.WithPartSize(c.part), transfer.WithPartParallelism(c.par))
	if err != nil {
		return 0, err
	}
	task, err := m.Copy(ctx, &transfer.CopySource{API: transferapi.NewClient(srcc), Bucket: c.bucket, Key: "xcopy-src"},
		&transfer.CopyDestination{Bucket: c.bucket, Key: "xcopy-dst"})
	if err != nil {
		return 0, err
	}
	res, err := task.Wait(ctx)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "xcopy verified: %s\n", res.Verified)
	return res.Size, nil
}

// verify checks the copy after the measurement: its size, and for the
// cross-dialect copy every byte (a download into a gen.Checker).
func verify(ctx context.Context, c *config, n int64) (string, error) {
	if n != c.size {
		return "", fmt.Errorf("copied %d bytes, want %d", n, c.size)
	}
	key := "copy-dst-" + c.client
	if c.op == "xcopy" {
		key = "xcopy-dst"
	}
	api := transferapi.NewClient(minioClient(c, nil))
	info, err := api.HeadObject(ctx, &transferapi.HeadObjectInput{Bucket: c.bucket, Key: key})
	if err != nil {
		return "", err
	}
	if info.Size != c.size {
		return "", fmt.Errorf("%s has %d bytes, want %d", key, info.Size, c.size)
	}
	if c.op != "xcopy" {
		return "size", nil
	}
	m, err := transfer.New(api, transfer.WithPartSize(16<<20))
	if err != nil {
		return "", err
	}
	chk := gen.NewChecker(gen.New(1, c.size))
	task, err := m.Download(ctx, &transfer.DownloadInput{Bucket: c.bucket, Key: key, WriterAt: chk})
	if err != nil {
		return "", err
	}
	if _, err := task.Wait(ctx); err != nil {
		return "", err
	}
	if _, err := chk.Done(); err != nil {
		return "", err
	}
	return "bytes", nil
}
