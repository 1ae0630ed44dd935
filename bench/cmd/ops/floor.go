package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/polystore/polystore/bench/internal/rawhttp"
)

// floorDoer is the floor of a small request, in two depths:
//
//   - floor: package rawhttp's minimal HTTP/1.1 requests, one kept-alive
//     connection per request in flight, the request in one write, read
//     and parsed on the caller's goroutine. What it costs is the
//     kernel's, TLS's and the bytes' share, which every client pays.
//   - nethttp: the same requests through net/http's Transport (its own,
//     default settings), as every Go SDK sends them. What it costs above
//     the floor is net/http's share: its connection goroutines and the
//     hand-offs between them and the caller, its headers and buffers.
//
// Neither computes a checksum. Against the discarding server neither
// signs (it checks no signature); against MinIO both sign with AWS
// Signature V4 and UNSIGNED-PAYLOAD (aws-sdk-go-v2's signer), the least
// an S3 request needs.
type floorDoer struct {
	c      *config
	raw    *rawhttp.Pool // floor
	hc     *http.Client  // nethttp
	signer *v4.Signer    // nil against the discarding server
	creds  aws.Credentials
}

func newFloor(c *config, depth string) (doer, error) {
	f := &floorDoer{c: c}
	if c.label != "discard" {
		f.signer = v4.NewSigner()
		f.creds = aws.Credentials{AccessKeyID: c.access, SecretAccessKey: c.secret}
	}
	if depth == "nethttp" {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = c.conc
		f.hc = &http.Client{Transport: tr}
		return f, nil
	}
	p, err := rawhttp.NewPool(c.endpoint, c.conc, nil)
	if err != nil {
		return nil, err
	}
	f.raw = p
	return f, nil
}

func (f *floorDoer) url(key string) string { return f.c.endpoint + "/" + f.c.bucket + "/" + key }

// sign adds SigV4 headers to req (UNSIGNED-PAYLOAD), if signing.
func (f *floorDoer) sign(ctx context.Context, req *http.Request) error {
	if f.signer == nil {
		return nil
	}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	return f.signer.SignHTTP(ctx, f.creds, req, "UNSIGNED-PAYLOAD", "s3", f.c.region, time.Now())
}

// do sends one request and reads its response to the end; want is the
// status it must have, n the body length it must have (-1: any).
func (f *floorDoer) do(ctx context.Context, method, key string, body []byte, want int, n int64) error {
	var status int
	var got int64
	var err error
	if f.hc != nil {
		status, got, err = f.viaNetHTTP(ctx, method, key, body)
	} else {
		status, got, err = f.viaRaw(ctx, method, key, body)
	}
	switch {
	case err != nil:
		return err
	case status != want:
		return fmt.Errorf("floor %s %s: status %d, want %d", method, key, status, want)
	case n >= 0 && got != n:
		return fmt.Errorf("floor %s %s: read %d bytes, want %d", method, key, got, n)
	}
	return nil
}

func (f *floorDoer) viaNetHTTP(ctx context.Context, method, key string, body []byte) (int, int64, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.url(key), r)
	if err != nil {
		return 0, 0, err
	}
	if err := f.sign(ctx, req); err != nil {
		return 0, 0, err
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n, err
}

func (f *floorDoer) viaRaw(ctx context.Context, method, key string, body []byte) (int, int64, error) {
	var hdr []string
	if f.signer != nil { // sign a request of the same method, URL and host; send its headers
		req, err := http.NewRequestWithContext(ctx, method, f.url(key), nil)
		if err != nil {
			return 0, 0, err
		}
		if err := f.sign(ctx, req); err != nil {
			return 0, 0, err
		}
		for _, k := range []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256"} {
			hdr = append(hdr, k+": "+req.Header.Get(k))
		}
	}
	c, err := f.raw.Get()
	if err != nil {
		return 0, 0, err
	}
	resp, err := c.Do(method, "/"+f.c.bucket+"/"+key, hdr, body, nil, 0)
	var n int64
	if err == nil {
		n, err = resp.Drain()
	}
	f.raw.Put(c, err)
	if err != nil {
		return 0, 0, err
	}
	return resp.Status, n, nil
}

func (f *floorDoer) put(ctx context.Context, key string, body []byte) error {
	return f.do(ctx, "PUT", key, body, 200, -1)
}

func (f *floorDoer) get(ctx context.Context, key string) error {
	return f.do(ctx, "GET", key, nil, 200, f.c.size)
}

func (f *floorDoer) head(ctx context.Context, key string) error {
	return f.do(ctx, "HEAD", key, nil, 200, 0)
}

func (f *floorDoer) del(ctx context.Context, key string) error {
	return f.do(ctx, "DELETE", key, nil, 204, -1)
}

func (f *floorDoer) list(context.Context, string) (int, error) {
	return 0, errors.New("ops: the floor clients do not list")
}
