package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestStatCPU: utime and stime are fields 14 and 15 counted after the
// command name, whatever that name holds.
func TestStatCPU(t *testing.T) {
	line := "4242 (a (b) c) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 125 0 0 20 0 8 0 123 456 789\n"
	cpu, err := statCPU([]byte(line))
	if err != nil || cpu != 3.75 {
		t.Fatalf("statCPU = %v, %v; want 3.75 s (250 + 125 ticks)", cpu, err)
	}
	for _, bad := range []string{"4242 no name S 1", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194304 100 0 0 0 ab 125 0"} {
		if _, err := statCPU([]byte(bad)); err == nil {
			t.Errorf("statCPU(%q) passed", bad)
		}
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Errorf("procCPU of this process: %v", err)
	}
	if cpu, err := procCPU(0); cpu != 0 || err != nil {
		t.Errorf("procCPU(0) = %v, %v; want 0, nil", cpu, err)
	}
}

// TestFloorDir: the floor's directory upload stores every file of a tree
// under the prefix, with signatures and CRC32C headers a verifying
// server (an S3 storagetest server) accepts, one request per file plus
// the bucket's; a wrong secret fails it.
func TestFloorDir(t *testing.T) {
	st := storagetest.NewServer(client.S3)
	defer st.Close()
	dir := t.TempDir()
	want := map[string]string{"a.txt": "alpha", "d/b.bin": strings.Repeat("b", 70000), "d/e/c": ""}
	for name, body := range want {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &config{client: "floor", dir: dir, prefix: "p/", endpoint: st.URL, region: st.Region(),
		accessKey: storagetest.DefaultAccessKey, secretKey: storagetest.DefaultSecretKey, bucket: "benchdir", par: 2}
	ctx := context.Background()
	cnt := &counter{}
	files, size, err := uploadDir(ctx, c, cnt)
	if err != nil || files != 3 || size != 70005 || cnt.n.Load() != 4 {
		t.Fatalf("uploadDir: %d files, %d bytes, %d requests, %v; want 3, 70005, 4, nil", files, size, cnt.n.Load(), err)
	}
	cl, err := st.Client()
	if err != nil {
		t.Fatal(err)
	}
	oc := object.NewClient(cl)
	for name, body := range want {
		out, err := oc.Get(ctx, &object.GetInput{Bucket: "benchdir", Key: "p/" + name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || string(b) != body {
			t.Errorf("%s: %d bytes, %v; want %d", name, len(b), err, len(body))
		}
	}
	c.secretKey = "wrong"
	if _, _, err := uploadDir(ctx, c, &counter{}); err == nil {
		t.Error("a directory upload signed with the wrong secret passed")
	}
}
