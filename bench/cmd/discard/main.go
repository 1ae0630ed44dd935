// Command discard runs the benchmarks' discarding S3 server (package
// internal/discard) on 127.0.0.1: the client-bound ceiling, where a
// client's own cost is all that shows.
//
//	discard -addr 127.0.0.1:9100
//
// It prints "listening on http://ADDR" once it accepts connections, and
// runs until killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/polystore/polystore/bench/internal/discard"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	verify := flag.Bool("verify", true, "check uploaded bodies against the generated content")
	flag.Parse()
	srv := discard.New()
	srv.Verify = *verify
	srv.Log = log.New(os.Stderr, "discard: ", log.LstdFlags)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, srv))
}
