package rawquery

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	for raw, want := range map[string]url.Values{
		"":         {},
		"a=1&b&c=": {"a": {"1"}, "b": {""}, "c": {""}},
		"q-sign-time=1700000000;1700003600&q-ak=AK": {"q-sign-time": {"1700000000;1700003600"}, "q-ak": {"AK"}},
		"k=a%3Bb&k=c+d":                      {"k": {"a;b", "c d"}},
		"bad=%zz&&ok=%41":                    {"bad": {"%zz"}, "ok": {"A"}},
		"response-content-type=text%2Fplain": {"response-content-type": {"text/plain"}},
	} {
		if got := Parse(raw); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %v, want %v", raw, got, want)
		}
	}
	// url.ParseQuery drops what Parse keeps.
	if q, _ := url.ParseQuery("t=1;2"); len(q) != 0 {
		t.Fatalf("url.ParseQuery kept a ';' pair: %v", q)
	}
}

func TestEscape(t *testing.T) {
	for _, c := range []struct {
		in        string
		keepSlash bool
		want      string
	}{
		{"AZaz09-_.~", false, "AZaz09-_.~"},
		{"a b+c/d;e%", false, "a%20b%2Bc%2Fd%3Be%25"},
		{"dir/sub key", true, "dir/sub%20key"},
		{"\x00\xff", false, "%00%FF"},
	} {
		if got := Escape(c.in, c.keepSlash); got != c.want {
			t.Errorf("Escape(%q, %v) = %q, want %q", c.in, c.keepSlash, got, c.want)
		}
		if got := Unescape(Escape(c.in, c.keepSlash)); got != c.in {
			t.Errorf("Unescape(Escape(%q)) = %q", c.in, got)
		}
	}
}
