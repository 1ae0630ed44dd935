package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/polystore/polystore/bench/internal/discard"
)

// TestOps runs every op of every client against the discard server: each
// request succeeds (GET bodies have the object's length) and a listing
// of keys-2500/ yields its 2,500 keys through three pages.
func TestOps(t *testing.T) {
	hs := httptest.NewServer(discard.New())
	defer hs.Close()
	ctx := context.Background()
	for _, name := range []string{"polystore", "aws", "minio"} {
		c := &config{endpoint: hs.URL, bucket: "bench", region: "us-east-1", access: "ak", secret: "sk", size: 4096}
		d, err := newDoer(c, name)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, c.size)
		if _, err := discardContent(body); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("ops/t-%d", c.size)
		if err := d.put(ctx, key, body); err != nil {
			t.Errorf("%s put: %v", name, err)
		}
		if err := d.get(ctx, key); err != nil {
			t.Errorf("%s get: %v", name, err)
		}
		if err := d.head(ctx, key); err != nil {
			t.Errorf("%s head: %v", name, err)
		}
		if err := d.del(ctx, key); err != nil {
			t.Errorf("%s delete: %v", name, err)
		}
		if n, err := d.list(ctx, "keys-2500/"); err != nil || n != 2500 {
			t.Errorf("%s list: %d keys, %v; want 2500", name, n, err)
		}
		if n, err := d.list(ctx, "other/"); err != nil || n != 0 {
			t.Errorf("%s list of an unknown prefix: %d keys, %v; want 0", name, n, err)
		}
	}
}

// TestOpsRefusesWrongBody: the discard server refuses a PUT whose body is
// not the generated content, so put measures verified uploads.
func TestOpsRefusesWrongBody(t *testing.T) {
	hs := httptest.NewServer(discard.New())
	defer hs.Close()
	c := &config{endpoint: hs.URL, bucket: "bench", region: "us-east-1", access: "ak", secret: "sk", size: 4096}
	d, err := newDoer(c, "polystore")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.put(context.Background(), "ops/t-4096", make([]byte, 4096)); err == nil {
		t.Fatal("a PUT of zeros was accepted")
	}
}

// TestFloor: the floor client's requests succeed against the discard
// server, a wrong PUT body is refused, a GET of the wrong length is
// reported, and it refuses any server but the discarding one.
func TestFloor(t *testing.T) {
	hs := httptest.NewServer(discard.New())
	defer hs.Close()
	ctx := context.Background()
	c := &config{endpoint: hs.URL, label: "discard", bucket: "bench", size: 4096, conc: 2}
	d, err := newDoer(c, "floor")
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, c.size)
	if _, err := discardContent(body); err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("ops/t-%d", c.size)
	for i := range 3 { // the second and third reuse the connection
		if err := d.put(ctx, key, body); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		if err := d.get(ctx, key); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if err := d.head(ctx, key); err != nil {
			t.Fatalf("head %d: %v", i, err)
		}
		if err := d.del(ctx, key); err != nil {
			t.Fatalf("delete %d: %v", i, err)
		}
	}
	if err := d.put(ctx, key, make([]byte, 4096)); err == nil {
		t.Error("a PUT of zeros was accepted")
	}
	c.size = 4000 // the object holds 4096 bytes
	if err := d.get(ctx, key); err == nil {
		t.Error("a GET of 4096 bytes passed for 4000")
	}
	if _, err := newDoer(&config{endpoint: hs.URL, label: "minio", conc: 1}, "floor"); err == nil {
		t.Error("the floor client accepted a server other than the discarding one")
	}
}
