// Package rawquery parses URL query strings the way object-storage servers
// read them, which is more lenient than net/url: a pair holding a raw ';'
// is kept (url.ParseQuery drops it, yet COS clients send
// q-sign-time=start;end unescaped), and a key or value that does not
// unescape is kept as sent instead of dropping the pair.
//
// It is shared by storagetest, which routes requests with it, and the
// signer package's verifiers, which must see the same parameters.
package rawquery

import (
	"net/url"
	"strings"
)

// Parse parses a raw query ("a=1&b&c=x;y") into its parameters. Empty
// segments are skipped; a segment without '=' is a parameter with an empty
// value; '+' and %XX are decoded where the key or value unescapes.
func Parse(raw string) url.Values {
	q := url.Values{}
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		q[Unescape(k)] = append(q[Unescape(k)], Unescape(v))
	}
	return q
}

// Unescape decodes a query key or value as url.QueryUnescape does, or
// returns s unchanged when s does not unescape (a stray '%').
func Unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
