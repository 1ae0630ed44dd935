package object_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
)

// countingReader is a plain io.Reader (its length cannot be found) that
// counts the bytes handed out.
type countingReader struct {
	r    io.Reader
	n    atomic.Int64
	fail error // returned once the data runs out, instead of io.EOF
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if errors.Is(err, io.EOF) && c.fail != nil {
		return n, c.fail
	}
	return n, err
}

// fakeS3 serves just enough of S3 for unknown-length uploads: PUT object,
// initiate, upload part, complete and abort. It records the operations
// and, at each part, how far the client had read its stream.
type fakeS3 struct {
	t        *testing.T
	stream   *countingReader
	partSize int64
	failPart int                                    // part number answered with 400, 0 for none
	onPart   func(r *http.Request, number int) bool // return false to not answer

	mu      sync.Mutex
	ops     []string
	parts   map[int][]byte
	objects map[string][]byte
}

func newFakeS3(t *testing.T, stream *countingReader, partSize int64) (*fakeS3, *client.Client) {
	f := &fakeS3{t: t, stream: stream, partSize: partSize, parts: map[int][]byte{}, objects: map[string][]byte{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	d := client.S3
	d.Limits.MinPartSize = partSize
	c, err := client.New(d, client.WithEndpoint(srv.URL), client.WithRegion("us-east-1"),
		client.WithStaticCredentials("AKIDEXAMPLE", "secret", ""), client.WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fakeS3) record(op string) {
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()
}

func (f *fakeS3) opList() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.ops, " ")
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	body, _ := io.ReadAll(r.Body)
	etag := fmt.Sprintf(`"%x"`, md5.Sum(body))
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		f.record("initiate")
		fmt.Fprint(w, `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && q.Has("partNumber"):
		n, _ := strconv.Atoi(q.Get("partNumber"))
		f.mu.Lock()
		f.parts[n] = body
		uploaded := int64(len(f.parts))
		f.mu.Unlock()
		f.record("part" + q.Get("partNumber"))
		// Memory bound: the client holds one part and a byte of look-ahead.
		if read := f.stream.n.Load(); read > uploaded*f.partSize+1 {
			f.t.Errorf("at part %d the client had read %d bytes of its stream, more than %d parts and one byte", n, read, uploaded)
		}
		if f.onPart != nil && !f.onPart(r, n) {
			return
		}
		if n == f.failPart {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<Error><Code>InvalidArgument</Code><Message>injected</Message></Error>`)
			return
		}
		w.Header().Set("ETag", etag)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		f.record("complete")
		var doc struct {
			Parts []struct {
				PartNumber int
				ETag       string
			} `xml:"Part"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			f.t.Errorf("complete body: %v", err)
		}
		var all []byte
		f.mu.Lock()
		for i, p := range doc.Parts {
			if i > 0 && p.PartNumber <= doc.Parts[i-1].PartNumber {
				f.t.Errorf("complete lists parts out of order")
			}
			all = append(all, f.parts[p.PartNumber]...)
		}
		f.objects[r.URL.Path] = all
		f.mu.Unlock()
		fmt.Fprint(w, `<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"multi-5"</ETag></CompleteMultipartUploadResult>`)
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		f.record("abort")
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		f.record("put")
		f.mu.Lock()
		f.objects[r.URL.Path] = body
		f.mu.Unlock()
		w.Header().Set("ETag", etag)
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

func streamOf(data []byte) *countingReader {
	return &countingReader{r: io.MultiReader(bytes.NewReader(data))}
}

func TestPutUnknownSize(t *testing.T) {
	const partSize = 1024
	for _, tc := range []struct {
		name string
		size int
		ops  string
	}{
		{"empty", 0, "put"},
		{"shorter than a part", 500, "put"},
		{"exactly a part", partSize, "put"},
		{"a part and a byte", partSize + 1, "initiate part1 part2 complete"},
		{"several parts", 4*partSize + 904, "initiate part1 part2 part3 part4 part5 complete"},
		{"whole parts", 3 * partSize, "initiate part1 part2 part3 complete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
			stream := streamOf(data)
			f, c := newFakeS3(t, stream, partSize)
			out, err := object.NewClient(c).Put(context.Background(), &object.PutInput{
				Bucket: "bucket", Key: "streamed key", Body: stream, PartSize: partSize, ContentType: "text/plain",
			})
			if err != nil {
				t.Fatalf("put: %v", err)
			}
			if got := f.opList(); got != tc.ops {
				t.Errorf("operations %q, want %q", got, tc.ops)
			}
			if got := f.objects["/bucket/streamed key"]; !bytes.Equal(got, data) {
				t.Errorf("stored %d bytes, want %d", len(got), len(data))
			}
			if multi := strings.HasPrefix(tc.ops, "initiate"); multi != (out.UploadID != "") {
				t.Errorf("upload id %q", out.UploadID)
			}
		})
	}
}

func TestPutUnknownSizeAborts(t *testing.T) {
	const partSize = 1024
	data := bytes.Repeat([]byte{'x'}, 5*partSize)
	t.Run("part fails", func(t *testing.T) {
		stream := streamOf(data)
		f, c := newFakeS3(t, stream, partSize)
		f.failPart = 2
		_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "bucket", Key: "k", Body: stream, PartSize: partSize})
		if !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("err = %v, want the part's error", err)
		}
		if got := f.opList(); got != "initiate part1 part2 abort" {
			t.Errorf("operations %q", got)
		}
	})
	t.Run("stream fails", func(t *testing.T) {
		stream := &countingReader{r: bytes.NewReader(data[:2*partSize+10]), fail: errors.New("disk on fire")}
		f, c := newFakeS3(t, stream, partSize)
		_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "bucket", Key: "k", Body: stream, PartSize: partSize})
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("err = %v, want the stream's error", err)
		}
		if got := f.opList(); got != "initiate part1 part2 abort" {
			t.Errorf("operations %q", got)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		stream := streamOf(data)
		f, c := newFakeS3(t, stream, partSize)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.onPart = func(r *http.Request, n int) bool {
			if n != 2 {
				return true
			}
			cancel()
			select { // wait for the client to give up on this request
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
				t.Error("the client did not abandon the request after cancel")
			}
			return false
		}
		_, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "bucket", Key: "k", Body: stream, PartSize: partSize})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if got := f.opList(); got != "initiate part1 part2 abort" {
			t.Errorf("operations %q: the abort must outlive the caller's context", got)
		}
	})
	t.Run("too many parts", func(t *testing.T) {
		stream := streamOf(data)
		f, c := newFakeS3(t, stream, partSize)
		d := c.Dialect()
		d.Limits.MaxParts = 3
		c2, err := client.New(*d, client.WithEndpoint(c.Options().Endpoint), client.WithRegion("us-east-1"),
			client.WithStaticCredentials("AKIDEXAMPLE", "secret", ""))
		if err != nil {
			t.Fatal(err)
		}
		_, err = object.NewClient(c2).Put(context.Background(), &object.PutInput{Bucket: "bucket", Key: "k", Body: stream, PartSize: partSize})
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != "Body" {
			t.Errorf("err = %v, want an InvalidArgumentError on Body", err)
		}
		if got := f.opList(); got != "initiate part1 part2 part3 abort" {
			t.Errorf("operations %q", got)
		}
	})
	t.Run("content md5 of a multipart stream", func(t *testing.T) {
		stream := streamOf(data)
		f, c := newFakeS3(t, stream, partSize)
		_, err := object.NewClient(c).Put(context.Background(), &object.PutInput{Bucket: "bucket", Key: "k", Body: stream, PartSize: partSize,
			ContentMD5: make([]byte, 16)})
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != "ContentMD5" {
			t.Errorf("err = %v, want an InvalidArgumentError on ContentMD5", err)
		}
		if got := f.opList(); got != "" {
			t.Errorf("operations %q, want none", got)
		}
	})
}
