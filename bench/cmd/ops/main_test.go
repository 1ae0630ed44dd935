package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/polystore/polystore/bench/internal/discard"
	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
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

// TestFloor: the floor clients' requests succeed against the discard
// server, unsigned, and signed against an S3 storagetest server, which
// verifies their Signature V4; a wrong PUT body is refused by the discard
// server, and a GET of the wrong length is reported.
func TestFloor(t *testing.T) {
	hs := httptest.NewServer(discard.New())
	defer hs.Close()
	st := storagetest.NewServer(client.S3)
	defer st.Close()
	ctx := context.Background()
	cl, err := st.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.NewClient(cl).Create(ctx, &bucket.CreateInput{Bucket: "bench"}); err != nil {
		t.Fatal(err)
	}
	for _, depth := range []string{"floor", "nethttp"} {
		for _, label := range []string{"discard", "storagetest"} {
			c := &config{endpoint: hs.URL, label: label, bucket: "bench", size: 4096, conc: 2}
			if label == "storagetest" {
				c.endpoint, c.region, c.access, c.secret = st.URL, st.Region(), storagetest.DefaultAccessKey, storagetest.DefaultSecretKey
			}
			d, err := newDoer(c, depth)
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
					t.Fatalf("%s %s put %d: %v", depth, label, i, err)
				}
				if err := d.get(ctx, key); err != nil {
					t.Fatalf("%s %s get %d: %v", depth, label, i, err)
				}
				if err := d.head(ctx, key); err != nil {
					t.Fatalf("%s %s head %d: %v", depth, label, i, err)
				}
				if i < 2 {
					continue // the object stays for the length check below
				}
				if err := d.del(ctx, key); err != nil {
					t.Fatalf("%s %s delete %d: %v", depth, label, i, err)
				}
			}
			if label == "discard" {
				if err := d.put(ctx, key, make([]byte, 4096)); err == nil {
					t.Errorf("%s %s: a PUT of zeros was accepted", depth, label)
				}
			} else if err := d.put(ctx, key, body); err != nil {
				t.Fatal(err)
			}
			c.size = 4000 // the object holds 4096 bytes
			if err := d.get(ctx, key); err == nil {
				t.Errorf("%s %s: a GET of 4096 bytes passed for 4000", depth, label)
			}
		}
	}
	bad := &config{endpoint: st.URL, label: "storagetest", bucket: "bench", size: 4096, conc: 1, region: st.Region(), access: storagetest.DefaultAccessKey, secret: "wrong"}
	for _, depth := range []string{"floor", "nethttp"} {
		d, err := newDoer(bad, depth)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.head(ctx, "ops/t-4096"); err == nil {
			t.Errorf("%s: a request signed with the wrong secret passed", depth)
		}
	}
}
