// Command storageserver runs polystore's in-memory storagetest server on a
// fixed address until Ctrl-C, so that the other examples can be tried
// across several runs without an account: an upload interrupted in one run
// is resumed by the next, a backup made by one run is restored by another.
//
//	go run ./examples/storageserver                          # S3 on 127.0.0.1:9000
//	go run ./examples/storageserver -dialect cos -addr 127.0.0.1:9001
//
// Point a client at it with the endpoint, region and keys it prints. The
// data lives in memory: it is gone when the server stops.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

func main() {
	dialectName := flag.String("dialect", "s3", "s3, cos, qingstor or ibm")
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	latency := flag.Duration("part-latency", 0, "delay every part upload by this much, to watch progress bars (and try Ctrl-C)")
	flag.Parse()

	d, err := client.LookupDialect(*dialectName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storageserver:", err)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storageserver:", err)
		os.Exit(1)
	}
	// Serve until Ctrl-C (or a polite kill).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, l, d, *latency, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "storageserver:", err)
		os.Exit(1)
	}
}

// serve answers requests on l with an in-memory server for dialect d until
// ctx ends.
func serve(ctx context.Context, l net.Listener, d client.Dialect, latency time.Duration, w io.Writer) error {
	srv := storagetest.NewServer(d)
	defer srv.Close()
	if latency > 0 {
		srv.InjectFault(storagetest.Fault{Match: isUploadPart(d), Delay: latency, Times: math.MaxInt})
	}

	// A storagetest.Server is an http.Handler: it can answer on any
	// listener, here one at a fixed address.
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()

	url := "http://" + l.Addr().String()
	fmt.Fprintf(w, "serving an in-memory %s server at %s until Ctrl-C\n", d.Name, url)
	fmt.Fprintf(w, "  endpoint:   %s\n  region:     %s\n  access key: %s\n  secret key: %s\n",
		url, srv.Region(), storagetest.DefaultAccessKey, storagetest.DefaultSecretKey)
	fmt.Fprintf(w, "flags for the upload and backup examples:\n  -dialect %s -endpoint %s -region %s -access-key %s -secret-key %s\n",
		d.Name, url, srv.Region(), storagetest.DefaultAccessKey, storagetest.DefaultSecretKey)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(w, "stopped; the data is gone")
	return hs.Close() // drops requests in flight: the data goes anyway
}

// isUploadPart matches the requests that upload a part of a multipart
// upload: a PUT with the dialect's part-number parameter.
func isUploadPart(d client.Dialect) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPut && r.URL.Query().Has(d.Params.PartNumber)
	}
}
