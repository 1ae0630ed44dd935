// Command tlscert writes the benchmarks' throwaway TLS certificates into
// a directory (package internal/tlscert): ca.crt, and public.crt with
// private.key for 127.0.0.1, the names MinIO reads from --certs-dir.
//
//	tlscert -dir /tmp/polystore-bench/certs
//	SSL_CERT_FILE=/tmp/polystore-bench/certs/ca.crt xfer -endpoint https://127.0.0.1:PORT ...
package main

import (
	"flag"
	"log"

	"github.com/polystore/polystore/internal/tlscert"
)

func main() {
	dir := flag.String("dir", "", "directory to write ca.crt, public.crt and private.key into")
	flag.Parse()
	if *dir == "" {
		log.Fatal("tlscert: -dir is required")
	}
	if err := tlscert.Generate(*dir); err != nil {
		log.Fatal("tlscert: ", err)
	}
}
