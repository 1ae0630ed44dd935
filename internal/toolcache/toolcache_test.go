package toolcache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPathAndCachedBinary: the binary lives at <cache>/<name>-<version>/<name>
// under POLYSTORE_CACHE, and a cached executable is returned without a
// build (the tool's module does not exist: a build would fail).
func TestPathAndCachedBinary(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("POLYSTORE_CACHE", cache)
	tool := Tool{Name: "fakesrv", Module: "example.invalid/fakesrv", Version: "v1.2.3", Display: "fake", Prefix: "toolcachetest", FirstRun: "never"}
	bin, err := tool.Path()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, "fakesrv-v1.2.3", "fakesrv"), bin)

	// A file that is not executable is not taken for the binary.
	require.NoError(t, os.MkdirAll(filepath.Dir(bin), 0o755))
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o644))
	assert.False(t, executable(bin))

	require.NoError(t, os.Chmod(bin, 0o755))
	got, err := tool.Ensure(t.Logf)
	require.NoError(t, err)
	assert.Equal(t, bin, got)
}
