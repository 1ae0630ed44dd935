package object_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// writeCounter counts the writes io.Copy makes into it.
type writeCounter struct {
	bytes.Buffer
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// TestGetBodyWriteTo: io.Copy from a GET body, checked (the whole object)
// or not (a range), writes a large body in steps of 128 KiB, not one per
// read of the connection, and a small one whole; the bytes are the
// object's.
func TestGetBodyWriteTo(t *testing.T) {
	srv := storagetest.NewServer(client.S3)
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "gather"}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 1<<20+12345)
	for i := range data {
		data[i] = byte(i*31 + i>>9)
	}
	objects := object.NewClient(c)
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: "gather", Key: "k", Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		offset, length  int64
		verified        bool
		maxWrites, want int
	}{
		{"whole", 0, 0, true, 9, len(data)},
		{"range", 100, 600 << 10, false, 5, 600 << 10},
		{"small range", 7, 40 << 10, false, 40, 40 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := objects.Get(ctx, &object.GetInput{Bucket: "gather", Key: "k", Offset: tc.offset, Length: tc.length})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Body.Close()
			if (out.Verified != "") != tc.verified {
				t.Fatalf("verified %q, unverified %q", out.Verified, out.Unverified)
			}
			if _, ok := out.Body.(io.WriterTo); !ok {
				t.Fatalf("the body (%T) has no WriteTo", out.Body)
			}
			var w writeCounter
			n, err := io.Copy(&w, out.Body)
			if err != nil || n != int64(tc.want) {
				t.Fatalf("copied %d bytes, %v; want %d", n, err, tc.want)
			}
			end := tc.offset + int64(tc.want)
			if !bytes.Equal(w.Bytes(), data[tc.offset:end]) {
				t.Fatal("the bytes copied are not the object's")
			}
			if w.writes > tc.maxWrites {
				t.Errorf("%d writes for %d bytes, want at most %d", w.writes, n, tc.maxWrites)
			}
		})
	}
}
