package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// TestServe starts the server on a free port for every dialect, creates a
// bucket through it with the printed endpoint and keys, and stops it.
func TestServe(t *testing.T) {
	for _, name := range []string{"s3", "cos", "qingstor", "ibm"} {
		t.Run(name, func(t *testing.T) {
			d, err := client.LookupDialect(name)
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var out bytes.Buffer
			done := make(chan error, 1)
			go func() { done <- serve(ctx, l, d, 0, &out) }()

			endpoint := "http://" + l.Addr().String()
			probe := storagetest.NewServer(d) // to learn the default region serve uses
			region := probe.Region()
			probe.Close()
			c, err := client.New(d, client.WithEndpoint(endpoint), client.WithRegion(region),
				client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
			if err != nil {
				t.Fatal(err)
			}
			name := "served-bucket"
			if d.ValidateBucket(name) != nil {
				name += "-1250000000"
			}
			if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: name}); err != nil {
				t.Error(err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "-endpoint "+endpoint) {
				t.Errorf("output lacks the endpoint flag:\n%s", out.String())
			}
		})
	}
}
