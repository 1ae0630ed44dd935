package bucket_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/storagetest"
)

// big is a storagetest server holding bigKeys tiny objects in bigBucket,
// filled once per test process (about 30 s) for the benchmark.
const (
	bigKeys   = 100_000
	bigBucket = "big-listing"
)

var big struct {
	once sync.Once
	srv  *storagetest.Server
	c    *client.Client
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if big.srv != nil {
		big.srv.Close()
	}
	os.Exit(code)
}

// putTinyOp stores a one-byte object; the benchmark fills the server with
// it rather than depend on the object package.
var putTinyOp = opkit.Op[[2]string, struct{}]{
	Name:       "PutObject",
	Idempotent: true,
	Serialize: func(_ *client.Dialect, _ *client.Options, in *[2]string, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key, r.Body = http.MethodPut, in[0], in[1], opkit.BytesBody([]byte("x"))
		return nil
	},
}

func bigKey(i int) string { return fmt.Sprintf("dir-%02d/key-%06d", i%50, i) }

// bigServer returns the filled server's client.
func bigServer(tb testing.TB) *client.Client {
	tb.Helper()
	big.once.Do(func() {
		big.srv = storagetest.NewServer(client.S3)
		big.c, big.err = big.srv.Client()
		if big.err != nil {
			return
		}
		ctx := context.Background()
		if _, big.err = bucket.NewClient(big.c).Create(ctx, &bucket.CreateInput{Bucket: bigBucket}); big.err != nil {
			return
		}
		const workers = 32
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < bigKeys && errs[w] == nil; i += workers {
					_, errs[w] = opkit.Call(ctx, big.c, &putTinyOp, &[2]string{bigBucket, bigKey(i)})
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && big.err == nil {
				big.err = err
			}
		}
		big.srv.ResetLog() // the request log would otherwise hold 100k entries
	})
	if big.err != nil {
		tb.Fatalf("filling the server: %v", big.err)
	}
	return big.c
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// syntheticS3 serves a ListObjectsV2 listing of n generated keys, 1000
// per page, without storing them: a fast stand-in for a large bucket.
func syntheticS3(t testing.TB, n int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from := 0
		if tok := r.URL.Query().Get("continuation-token"); tok != "" {
			from, _ = strconv.Atoi(tok)
		}
		to := min(from+1000, n)
		var sb strings.Builder
		sb.WriteString(`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><MaxKeys>1000</MaxKeys>`)
		if to < n {
			fmt.Fprintf(&sb, "<IsTruncated>true</IsTruncated><NextContinuationToken>%d</NextContinuationToken>", to)
		} else {
			sb.WriteString("<IsTruncated>false</IsTruncated>")
		}
		for i := from; i < to; i++ {
			fmt.Fprintf(&sb, `<Contents><Key>key-%07d</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>"9dd4e461268c8034f5c8564e155c67a6"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`, i)
		}
		sb.WriteString("</ListBucketResult>")
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, sb.String())
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// listHeap lists bigKeys keys and returns the live heap after 10,000 and
// after all of them.
func listHeap(tb testing.TB, b *bucket.Client, bucketName string, check func(n int, key string)) (at10k, atEnd uint64) {
	tb.Helper()
	n := 0
	for o, err := range b.ListObjects(context.Background(), &bucket.ListObjectsInput{Bucket: bucketName, PageSize: 1000}) {
		if err != nil {
			tb.Fatal(err)
		}
		if check != nil {
			check(n, o.Key)
		}
		n++
		switch n {
		case 10_000:
			at10k = heapInUse()
		case bigKeys:
			atEnd = heapInUse()
		}
	}
	if n != bigKeys {
		tb.Fatalf("listed %d keys, want %d", n, bigKeys)
	}
	return at10k, atEnd
}

// TestListObjectsMemoryIsFlat iterates 100,000 keys and checks that the
// live heap after 100,000 keys is no larger than after 10,000 (within a
// generous bound): the iterator holds one page, never the listing.
// BenchmarkListObjects100k measures the same against storagetest.
func TestListObjectsMemoryIsFlat(t *testing.T) {
	b := newClient(t, client.S3, syntheticS3(t, bigKeys))
	at10k, at100k := listHeap(t, b, "photos", func(n int, key string) {
		if want := fmt.Sprintf("key-%07d", n); key != want {
			t.Fatalf("key %d is %q, want %q", n, key, want)
		}
	})
	growth := int64(at100k) - int64(at10k)
	t.Logf("heap in use: %.2f MiB after 10,000 keys, %.2f MiB after 100,000 keys (growth %+.3f MiB)",
		float64(at10k)/(1<<20), float64(at100k)/(1<<20), float64(growth)/(1<<20))
	if growth > 2<<20 {
		t.Errorf("heap grew by %d bytes between 10,000 and 100,000 keys listed; the iterator must hold one page", growth)
	}
}

// sortedBigKeys is the listing order of the keys.
var sortedBigKeys = sync.OnceValue(func() []string {
	keys := make([]string, 0, bigKeys)
	for d := range 50 {
		for i := d; i < bigKeys; i += 50 {
			keys = append(keys, bigKey(i))
		}
	}
	return keys
})

// BenchmarkListObjects100k lists 100,000 keys from storagetest through
// the iterator, 1000 per page. The server runs in the same process, so
// B/op and allocs/op include its XML encoding as well as the client's
// decoding.
//
//	go test ./bucket -run '^$' -bench ListObjects100k -benchmem
func BenchmarkListObjects100k(b *testing.B) {
	c := bigServer(b)
	bc := bucket.NewClient(c)
	ctx := context.Background()
	// Heap growth between 10,000 and 100,000 keys iterated, measured
	// once outside the timed loops.
	big.srv.ResetLog()
	keys := sortedBigKeys()
	at10k, at100k := listHeap(b, bc, bigBucket, func(n int, key string) {
		if key != keys[n] {
			b.Fatalf("key %d is %q, want %q", n, key, keys[n])
		}
	})
	growth := float64(int64(at100k) - int64(at10k))
	for _, api := range []bucket.ListAPI{bucket.ListAPIV2, bucket.ListAPIV1} {
		b.Run(api.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, err := range bc.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: bigBucket, PageSize: 1000, API: api}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != bigKeys {
					b.Fatalf("listed %d keys", n)
				}
				big.srv.ResetLog()
			}
			b.ReportMetric(growth, "heap-growth-B")
		})
	}
}

// prerenderedS3 serves the pages of syntheticS3 from memory, rendered
// once, so that a benchmark over it measures the client alone.
func prerenderedS3(tb testing.TB, n int) string {
	tb.Helper()
	gen := syntheticS3(tb, n)
	pages := map[string][]byte{}
	for tok := 0; tok < n; tok += 1000 {
		u := gen + "/b?list-type=2"
		if tok > 0 {
			u += "&continuation-token=" + strconv.Itoa(tok)
		}
		resp, err := http.Get(u)
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if tok > 0 {
			pages[strconv.Itoa(tok)] = body
		} else {
			pages[""] = body
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(pages[r.URL.Query().Get("continuation-token")])
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// BenchmarkListObjects100kClient lists 100,000 keys from pre-rendered
// pages: B/op and allocs/op are the client's own (request building,
// signing, XML decoding, iteration) plus net/http's.
func BenchmarkListObjects100kClient(b *testing.B) {
	bc := newClient(b, client.S3, prerenderedS3(b, bigKeys))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range bc.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos", PageSize: 1000}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != bigKeys {
			b.Fatalf("listed %d keys", n)
		}
	}
}
