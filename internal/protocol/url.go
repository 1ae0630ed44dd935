package protocol

import (
	"net/url"
	"slices"
	"strings"

	"github.com/polystore/polystore/internal/rawquery"
)

// EscapePath percent-encodes an object key for a URL path: every byte but
// A-Z a-z 0-9 - _ . ~ and '/' becomes %XX (uppercase hex).
func EscapePath(s string) string { return rawquery.Escape(s, true) }

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
			b.WriteString(rawquery.Escape(k, false))
			if v != "" {
				b.WriteByte('=')
				b.WriteString(rawquery.Escape(v, false))
			}
		}
	}
	return b.String()
}
