package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bench/internal/discard"
)

// TestStream runs -op stream with every client and integrity mode
// against the discard server, each byte compared with the content
// (-dest check) and then counted into io.Discard.
func TestStream(t *testing.T) {
	srv := discard.New()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	defer func(d string) { *streamDest = d }(*streamDest)
	for _, dest := range []string{"check", "discard"} {
		*streamDest = dest
		for _, cl := range []string{"polystore", "polystore-open", "aws-tm"} {
			for _, integrity := range streamModes[cl] {
				for _, size := range []int64{0, 3 << 20, 11 << 20} {
					c := config{
						Client: cl, Op: "stream", Endpoint: hs.URL, Region: "us-east-1", AccessKey: "k", SecretKey: "s",
						Bucket: "bench", Size: size, Part: 5 << 20, Par: 2, Integrity: integrity, Label: "discard",
					}
					res, err := run(ctx, c)
					if err != nil {
						t.Fatalf("%s %s %s %d: %v", dest, cl, integrity, size, err)
					}
					want := map[string]string{"check": "bytes", "discard": "count"}[dest]
					if !strings.HasPrefix(res.verified, want) || res.bytes != size {
						t.Errorf("%s %s %s %d: %s", dest, cl, integrity, size, res)
					}
				}
			}
		}
	}
}
