package client_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/sendprogress"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestSendProgress: a request whose context carries a sendprogress
// callback reports the body bytes sent as the transport takes them, for
// a file section (sent by sendfile on Linux, in chunks so that a large
// body shows movement) and for an in-memory body: the counts never go
// back within the attempt, arrive in several steps, and end at the body's
// size.
func TestSendProgress(t *testing.T) {
	const size = 4<<20 + 123
	data := bytes.Repeat([]byte("polystore send progress "), size/24+1)[:size]
	path := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := storagetest.NewServer(client.S3)
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "progress"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name string
		body io.Reader
	}{
		{"file", f},
		{"bytes", bytes.NewReader(data)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []int64
			pctx := sendprogress.With(ctx, func(n int64) {
				mu.Lock()
				seen = append(seen, n)
				mu.Unlock()
			})
			if _, err := object.NewClient(c).Put(pctx, &object.PutInput{Bucket: "progress", Key: tc.name, Body: tc.body, Size: size}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) < 4 {
				t.Fatalf("%d progress reports (%v), want one per chunk at least", len(seen), seen)
			}
			for i := 1; i < len(seen); i++ {
				if seen[i] < seen[i-1] {
					t.Fatalf("progress went back from %d to %d", seen[i-1], seen[i])
				}
			}
			if last := seen[len(seen)-1]; last != size {
				t.Errorf("last report %d, want %d", last, size)
			}
		})
	}
}
