package httpheader

import (
	"net/http"
	"testing"
)

func TestGet(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amz-Version-Id", "v1")
	h.Set("Etag", `"e"`)
	h["x-amz-raw"] = []string{"raw"}
	for _, c := range []struct{ prefix, suffix, want string }{
		{"x-amz-", "version-id", "v1"},
		{"X-AMZ-", "VERSION-ID", "v1"},
		{"", "ETag", `"e"`},
		{"x-amz-", "raw", "raw"},
		{"x-amz-", "version", ""},
		{"x-cos-", "version-id", ""},
	} {
		if got := Get(h, c.prefix, c.suffix); got != c.want {
			t.Errorf("Get(%q, %q) = %q, want %q", c.prefix, c.suffix, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Get(h, "x-amz-", "version-id"); Get(h, "", "ETag") }); n != 0 {
		t.Errorf("%v allocations per lookup", n)
	}
	// Two spellings of one name: Header.Get's answer.
	h["x-amz-version-id"] = []string{"other"}
	if got := Get(h, "x-amz-", "version-id"); got != "v1" {
		t.Errorf("two spellings: %q, want Header.Get's v1", got)
	}
}

func TestKey(t *testing.T) {
	if k := Key("x-amz-", "checksum-mode"); k != "X-Amz-Checksum-Mode" {
		t.Errorf("Key = %q", k)
	}
	if n := testing.AllocsPerRun(100, func() { Key("x-amz-", "checksum-mode") }); n != 0 {
		t.Errorf("%v allocations for a kept key", n)
	}
}
