// Package fuzzwire gives the response-decoder fuzz targets of bucket,
// object and multipart clients whose transport answers from memory: no
// network, so the public calls run end to end (validation, signing,
// decoding) thousands of times a second. It makes no public promise.
package fuzzwire

import (
	"bytes"
	"hash/fnv"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/polystore/polystore/client"
)

// Dialects are the dialects the fuzz targets pick from.
var Dialects = []client.Dialect{client.S3, client.IBM, client.COS, client.QingStor}

// Wire is an http.RoundTripper that answers every request with the
// status, header and body last Set, and keeps the body of the last request
// that was not a GET or HEAD.
type Wire struct {
	mu       sync.Mutex
	status   int
	header   http.Header
	answer   []byte
	sent     []byte
	requests int
}

// RoundTrip answers r from memory.
func (w *Wire) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests++
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.sent = body
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{
		StatusCode: status, Header: h, Request: r,
		Body: io.NopCloser(bytes.NewReader(w.answer)), ContentLength: int64(len(w.answer)),
	}, nil
}

// Set makes every later request answer with status (0 means 200), header
// and body, and clears the request log.
func (w *Wire) Set(status int, header http.Header, body []byte) {
	w.mu.Lock()
	w.status, w.header, w.answer = status, header, body
	w.sent, w.requests = nil, 0
	w.mu.Unlock()
}

// Sent returns the body of the last request that was not a GET or HEAD.
func (w *Wire) Sent() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent
}

// Requests returns how many requests were answered since the last Set.
func (w *Wire) Requests() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.requests
}

// Client returns a client of d over a new Wire, with static credentials
// and one attempt per call.
func Client(d client.Dialect) (*client.Client, *Wire, error) {
	w := &Wire{}
	region := d.DefaultRegion
	if region == "" {
		region = "ap-beijing"
	}
	c, err := client.New(d, client.WithHTTPClient(&http.Client{Transport: w}), client.WithRegion(region),
		client.WithStaticCredentials("AKID", "SECRET", ""), client.WithMaxAttempts(1))
	return c, w, err
}

// Pick returns name if it is one of names, or else one of names chosen by
// name's hash: inputs whose names the fuzzer mutated still test a case.
func Pick(names []string, name string) string {
	for _, n := range names {
		if n == name {
			return n
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return names[h.Sum32()%uint32(len(names))]
}

// DialectNames returns the names of Dialects.
func DialectNames() []string {
	names := make([]string, len(Dialects))
	for i, d := range Dialects {
		names[i] = d.Name
	}
	return names
}

// Dialect returns the dialect Pick chooses for name.
func Dialect(name string) client.Dialect {
	name = Pick(DialectNames(), name)
	for _, d := range Dialects {
		if d.Name == name {
			return d
		}
	}
	return Dialects[0]
}

// Header reads "Name: value" lines (separated by \n) into a header,
// skipping lines without a colon or with a name HTTP would not carry.
func Header(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
			continue
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h
}

// Status maps any number to a success status, 200 to 299.
func Status(n int) int {
	if n < 0 {
		n = -(n + 1)
	}
	return 200 + n%100
}
