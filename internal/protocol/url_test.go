package protocol

import (
	"net/url"
	"testing"
)

func TestEncodeQuery(t *testing.T) {
	got := EncodeQuery(url.Values{"b": {"x y+z"}, "a": {""}, "prefix": {"日/"}})
	if want := "a&b=x%20y%2Bz&prefix=%E6%97%A5%2F"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestEscapePath(t *testing.T) {
	if got, want := EscapePath("a b/c~d%e"), "a%20b/c~d%25e"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
