package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// serverConfig says which service to talk to: the embedded storagetest
// server (the default), a server at -endpoint, or the dialect's real
// service (-real).
type serverConfig struct {
	real      bool
	endpoint  string
	region    string
	accessKey string
	secretKey string
	latency   time.Duration // embedded server only
}

func (s *serverConfig) addFlags(fs *flag.FlagSet) {
	fs.BoolVar(&s.real, "real", false, "use the dialect's real service instead of the embedded server (credentials from the dialect's environment variables)")
	fs.StringVar(&s.endpoint, "endpoint", "", "URL of a server of your own (MinIO, examples/storageserver, ...); implies -real (with -real, default $POLYSTORE_ENDPOINT)")
	fs.StringVar(&s.region, "region", "", "region (QingStor: zone) (with -real, default $POLYSTORE_REGION, else the dialect's default)")
	fs.StringVar(&s.accessKey, "access-key", "", "access key (default: the dialect's environment variables)")
	fs.StringVar(&s.secretKey, "secret-key", "", "secret key (default: the dialect's environment variables)")
	fs.DurationVar(&s.latency, "embedded-latency", time.Second, "how long the embedded server takes to answer each part, to leave time for Ctrl-C")
}

// embedded reports whether the embedded server is used.
func (s *serverConfig) embedded() bool { return !s.real && s.endpoint == "" }

// connect returns a client for the chosen service and a function that
// releases it (it stops the embedded server).
func connect(d client.Dialect, s serverConfig, w io.Writer) (*client.Client, func(), error) {
	if s.embedded() {
		srv := storagetest.NewServer(d)
		if s.latency > 0 {
			// A slow network, for the demo: every part upload is answered
			// after the latency (or dropped when the client gives up).
			srv.InjectFault(storagetest.Fault{Match: isUploadPart(d), Delay: s.latency, Times: math.MaxInt})
		}
		fmt.Fprintf(w, "started an embedded %s server at %s (each part takes %v: -embedded-latency)\n", d.Name, srv.URL, s.latency)
		c, err := srv.Client()
		return c, srv.Close, err
	}
	// A real service: flags first, then the environment, as in the
	// quickstart example.
	region, endpoint := s.region, s.endpoint
	if region == "" {
		region = os.Getenv("POLYSTORE_REGION") // "" means the dialect's default
	}
	if endpoint == "" {
		endpoint = os.Getenv("POLYSTORE_ENDPOINT") // "" means the vendor's own
	}
	opts := []func(*client.Options){client.WithRegion(region)}
	if endpoint != "" {
		opts = append(opts, client.WithEndpoint(endpoint))
	}
	if s.accessKey != "" || s.secretKey != "" {
		opts = append(opts, client.WithStaticCredentials(s.accessKey, s.secretKey, ""))
	}
	c, err := client.New(d, opts...)
	return c, func() {}, err
}

// isUploadPart matches the requests that upload a part of a multipart
// upload: a PUT with the dialect's part-number parameter.
func isUploadPart(d client.Dialect) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPut && r.URL.Query().Has(d.Params.PartNumber)
	}
}

// ensureBucket creates the bucket if it does not exist yet.
func ensureBucket(ctx context.Context, c *client.Client, name string, w io.Writer) error {
	buckets := bucket.NewClient(c)
	_, err := buckets.Head(ctx, &bucket.HeadInput{Bucket: name})
	if !errors.Is(err, client.ErrNotFound) {
		return err // nil: the bucket is there
	}
	if _, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: name}); err != nil {
		return err
	}
	fmt.Fprintf(w, "created bucket %s\n", name)
	return nil
}

// defaultBucket is name, with an APPID suffix where the dialect needs one
// (COS bucket names end with the account's APPID).
func defaultBucket(d client.Dialect, name string) string {
	if d.ValidateBucket != nil && d.ValidateBucket(name) != nil {
		return name + "-1250000000"
	}
	return name
}
