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
