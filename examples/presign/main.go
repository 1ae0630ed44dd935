// Command presign prints presigned GET and PUT URLs, each with a curl
// command line that uses it, for every dialect, after checking itself that
// each URL works with plain net/http. A presigned URL carries its
// signature: whoever holds it can send that one request, without
// credentials, until it expires.
//
//	go run ./examples/presign                      # every dialect, embedded servers
//	go run ./examples/presign -dialect cos -wait   # one dialect; serve until Ctrl-C to try the curl lines
//	go run ./examples/presign -dialect s3 -real    # a real service (see README.md)
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

type config struct {
	dialects []string
	real     bool
	wait     bool
	expires  time.Duration
}

func main() {
	dialectName := flag.String("dialect", "", "s3, cos, qingstor or ibm (default: all four, or s3 with -real)")
	real := flag.Bool("real", false, "use a real service: $POLYSTORE_REGION, $POLYSTORE_ENDPOINT (optional), $POLYSTORE_BUCKET and the dialect's credential variables")
	wait := flag.Bool("wait", false, "keep the embedded servers running until Ctrl-C, to try the curl command lines")
	expires := flag.Duration("expires", 15*time.Minute, "how long the URLs stay valid")
	flag.Parse()

	cfg := config{dialects: []string{*dialectName}, real: *real, wait: *wait, expires: *expires}
	switch {
	case *dialectName != "":
	case *real:
		cfg.dialects = []string{"s3"}
	default:
		cfg.dialects = []string{"s3", "cos", "qingstor", "ibm"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "presign:", err)
		os.Exit(1)
	}
}

// run presigns and checks URLs for each dialect of cfg. With cfg.wait it
// then keeps the embedded servers running until ctx ends.
func run(ctx context.Context, cfg config, w io.Writer) error {
	for _, name := range cfg.dialects {
		d, err := client.LookupDialect(name)
		if err != nil {
			return err
		}
		c, bucketName, stopServer, err := connect(ctx, d, cfg.real, w)
		if err != nil {
			return err
		}
		defer stopServer()
		if err := presignAndCheck(ctx, c, bucketName, cfg.expires, w); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if cfg.real {
		fmt.Fprintf(w, "\nthe URLs work until they expire, in %v\n", cfg.expires)
		return nil
	}
	if !cfg.wait {
		fmt.Fprintln(w, "\nthe URLs work while the embedded servers run: add -wait to keep them running and try the curl lines")
		return nil
	}
	fmt.Fprintln(w, "\nserving until Ctrl-C: try the curl lines in another terminal")
	<-ctx.Done()
	return nil
}

// connect returns a client and a bucket: on an embedded server (with a new
// bucket, and a function that stops the server), or on the real service
// the environment describes.
func connect(ctx context.Context, d client.Dialect, real bool, w io.Writer) (*client.Client, string, func(), error) {
	if real {
		bucketName := os.Getenv("POLYSTORE_BUCKET")
		if bucketName == "" {
			return nil, "", nil, errors.New("-real needs POLYSTORE_BUCKET, the bucket to put the example's objects in")
		}
		opts := []func(*client.Options){client.WithRegion(os.Getenv("POLYSTORE_REGION"))}
		if ep := os.Getenv("POLYSTORE_ENDPOINT"); ep != "" {
			opts = append(opts, client.WithEndpoint(ep))
		}
		c, err := client.New(d, opts...)
		fmt.Fprintf(w, "== %s, bucket %s\n", d.Name, bucketName)
		return c, bucketName, func() {}, err
	}

	srv := storagetest.NewServer(d)
	fmt.Fprintf(w, "== %s (embedded server at %s)\n", d.Name, srv.URL)
	c, err := srv.Client()
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	bucketName := "examples"
	if d.ValidateBucket != nil && d.ValidateBucket(bucketName) != nil {
		bucketName += "-1250000000" // COS buckets carry an APPID
	}
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: bucketName}); err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	return c, bucketName, srv.Close, nil
}

// presignAndCheck puts an object, then presigns a GET of it and a PUT of
// another, checks both with net/http and prints them with curl lines.
func presignAndCheck(ctx context.Context, c *client.Client, bucketName string, expires time.Duration, w io.Writer) error {
	objects := object.NewClient(c)
	greeting := []byte("hello from a presigned URL\n")
	if _, err := objects.Put(ctx, &object.PutInput{
		Bucket: bucketName, Key: "presign/hello.txt", Body: bytes.NewReader(greeting), ContentType: "text/plain",
	}); err != nil {
		return err
	}

	// GET: fetch the object without credentials.
	get, err := objects.PresignGet(ctx, &object.GetInput{Bucket: bucketName, Key: "presign/hello.txt"}, expires)
	if err != nil {
		return err
	}
	body, err := send(ctx, get, nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(body, greeting) {
		return fmt.Errorf("presigned GET returned %q, want %q", body, greeting)
	}
	fmt.Fprintf(w, "GET  %s\n  %s\n  ok: fetched %q\n", get.URL, curl(get, ""), body)

	// PUT: store an object without credentials. Content-Type is signed,
	// so the sender must send it as it is (it is in put.Header).
	put, err := objects.PresignPut(ctx, &object.PutInput{Bucket: bucketName, Key: "presign/upload.txt", ContentType: "text/plain"}, expires)
	if err != nil {
		return err
	}
	upload := []byte("uploaded with a presigned URL\n")
	if _, err := send(ctx, put, upload); err != nil {
		return err
	}
	if err := checkObject(ctx, objects, bucketName, "presign/upload.txt", upload); err != nil {
		return err
	}
	fmt.Fprintf(w, "PUT  %s\n  %s\n  ok: stored %d bytes, read back with the SDK\n", put.URL, curl(put, "uploaded with curl"), len(upload))
	return nil
}

// send sends a presigned request with net/http: the method, the URL and
// the signed headers, exactly as they are. It returns the answer's body.
func send(ctx context.Context, ps *client.PresignedRequest, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, ps.Method, ps.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range ps.Header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("presigned %s: %s: %s", ps.Method, resp.Status, answer)
	}
	return answer, nil
}

// checkObject reads an object with the SDK and compares it with want.
func checkObject(ctx context.Context, objects *object.Client, bucketName, key string, want []byte) error {
	out, err := objects.Get(ctx, &object.GetInput{Bucket: bucketName, Key: key})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s holds %q, want %q", key, got, want)
	}
	return nil
}

// curl returns a curl command line that sends the presigned request, with
// data as the body if it is not empty.
func curl(ps *client.PresignedRequest, data string) string {
	args := []string{"curl", "-fsS"}
	if ps.Method != http.MethodGet {
		args = append(args, "-X", ps.Method)
	}
	keys := make([]string, 0, len(ps.Header))
	for k := range ps.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range ps.Header[k] {
			args = append(args, "-H", shellQuote(k+": "+v))
		}
	}
	if data != "" {
		args = append(args, "--data-binary", shellQuote(data))
	}
	return strings.Join(append(args, shellQuote(ps.URL)), " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
