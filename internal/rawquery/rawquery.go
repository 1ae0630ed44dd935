// Package rawquery parses URL query strings the way object-storage servers
// read them, which is more lenient than net/url: a pair holding a raw ';'
// is kept (url.ParseQuery drops it, yet COS clients send
// q-sign-time=start;end unescaped), and a key or value that does not
// unescape is kept as sent instead of dropping the pair.
//
// It is shared by storagetest, which routes requests with it, and the
// signer package's verifiers, which must see the same parameters. Escape,
// the other way, is the one RFC 3986 encoder of requests' paths and
// queries: the client builds URLs with it and the signers canonicalize
// with it, so that what is sent is what is signed.
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

// Escape percent-encodes every byte of s outside the RFC 3986 unreserved
// set A-Z a-z 0-9 - _ . ~ (and '/' when keepSlash), with uppercase hex,
// as AWS's canonical form asks. It returns s itself when nothing needs
// escaping.
func Escape(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i], keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved(c, keepSlash) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte, keepSlash bool) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')
}
