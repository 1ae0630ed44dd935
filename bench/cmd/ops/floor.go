package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/polystore/polystore/bench/internal/rawhttp"
)

// floorDoer is the floor (-client floor; the discarding server only):
// package rawhttp's minimal HTTP/1.1 requests, unsigned and with no
// checksum, one kept-alive connection per request in flight. What it
// costs per request is the kernel's, TLS's and the bytes' share that
// every client pays; no SDK can cost less.
type floorDoer struct {
	c *config
	p *rawhttp.Pool
}

func newFloor(c *config) (doer, error) {
	if c.label != "discard" {
		return nil, errors.New("ops: -client floor signs nothing: it runs against the discarding server only (-label discard)")
	}
	p, err := rawhttp.NewPool(c.endpoint, c.conc, nil)
	if err != nil {
		return nil, err
	}
	return &floorDoer{c: c, p: p}, nil
}

func (f *floorDoer) path(key string) string { return "/" + f.c.bucket + "/" + key }

// do sends one request and reads its response to the end; want is the
// status it must have, n the body length it must have (-1: any).
func (f *floorDoer) do(method, key string, body []byte, want int, n int64) error {
	c, err := f.p.Get()
	if err != nil {
		return err
	}
	resp, err := c.Do(method, f.path(key), nil, body, nil, 0)
	if err == nil {
		var got int64
		got, err = resp.Drain()
		switch {
		case err != nil:
		case resp.Status != want:
			err = fmt.Errorf("floor %s %s: status %d, want %d", method, key, resp.Status, want)
		case n >= 0 && got != n:
			err = fmt.Errorf("floor %s %s: read %d bytes, want %d", method, key, got, n)
		}
	}
	f.p.Put(c, err)
	return err
}

func (f *floorDoer) put(_ context.Context, key string, body []byte) error {
	return f.do("PUT", key, body, 200, -1)
}

func (f *floorDoer) get(_ context.Context, key string) error {
	return f.do("GET", key, nil, 200, f.c.size)
}

func (f *floorDoer) head(_ context.Context, key string) error {
	return f.do("HEAD", key, nil, 200, 0)
}

func (f *floorDoer) del(_ context.Context, key string) error {
	return f.do("DELETE", key, nil, 204, -1)
}

func (f *floorDoer) list(context.Context, string) (int, error) {
	return 0, errors.New("ops: -client floor does not list")
}
