package protocol

import (
	"net/url"
	"slices"
	"strings"
)

// EscapePath percent-encodes an object key for a URL path: every byte but
// A-Z a-z 0-9 - _ . ~ and '/' becomes %XX (uppercase hex).
func EscapePath(s string) string { return escape(s, true) }

// EncodeQuery encodes query parameters sorted by key, with %20 for spaces
// and a bare "key" for an empty value ("?uploads", "?append").
func EncodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escape(k, false))
			if v != "" {
				b.WriteByte('=')
				b.WriteString(escape(v, false))
			}
		}
	}
	return b.String()
}

func escape(s string, keepSlash bool) string {
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
		c := s[i]
		if unreserved(c, keepSlash) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte, keepSlash bool) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')
}
