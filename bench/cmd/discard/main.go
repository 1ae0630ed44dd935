// Command discard runs the benchmarks' discarding S3 server (package
// internal/discard) on 127.0.0.1: the client-bound ceiling, where a
// client's own cost is all that shows.
//
//	discard -addr 127.0.0.1:9100
//	discard -addr 127.0.0.1:9443 -certs DIR   # HTTPS, with DIR's public.crt and private.key (cmd/tlscert)
//
// It prints "listening on http://ADDR" (or https://) once it accepts
// connections, and runs until killed. Over TLS it negotiates HTTP/1.1
// only, as S3 and MinIO do.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/polystore/polystore/bench/internal/discard"
	"github.com/polystore/polystore/internal/tlscert"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	verify := flag.Bool("verify", true, "check uploaded bodies against the generated content")
	anyKey := flag.Bool("any-key", false, "take single PUTs of any key (directory uploads), checking only their checksums")
	publish := flag.Bool("publish-crc32c", true, "answer a whole GET or HEAD of an object under 8 MiB that asks for its stored checksum (x-amz-checksum-mode) with its CRC32C, as S3 does for an object stored with one")
	certs := flag.String("certs", "", "serve HTTPS with public.crt and private.key from this directory")
	flag.Parse()
	srv := discard.New()
	srv.Verify = *verify
	srv.AnyKey = *anyKey
	srv.PublishCRC32C = *publish
	srv.Log = log.New(os.Stderr, "discard: ", log.LstdFlags)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	scheme := "http"
	if *certs != "" {
		cfg, err := tlscert.ServerConfig(*certs)
		if err != nil {
			log.Fatal(err)
		}
		ln, scheme = tls.NewListener(ln, cfg), "https"
	}
	fmt.Printf("listening on %s://%s\n", scheme, ln.Addr())
	log.Fatal(http.Serve(ln, srv))
}
