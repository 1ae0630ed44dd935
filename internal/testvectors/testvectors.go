// Package testvectors locates the shared signature test vectors for tests.
package testvectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the vectors directory: $POLYSTORE_VECTORS, or ../shared/vectors
// beside the module root. It fails the test if the directory is missing: a
// vector the test cannot read is a failure, never a skip.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("POLYSTORE_VECTORS"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "vectors")
		}
		if filepath.Dir(d) == d {
			t.Fatal("testvectors: no go.mod above " + wd + "; set POLYSTORE_VECTORS")
		}
	}
}

// Load decodes the JSON file name in Dir(t) into v, failing the test if it
// cannot be read.
func Load(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatalf("testvectors: %v (set POLYSTORE_VECTORS to the vectors directory)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("testvectors: %s: %v", name, err)
	}
}
