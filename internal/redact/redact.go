// Package redact holds the helpers that keep secrets out of printed and
// logged values: one fmt.Formatter body shared by every secret-holding
// type, and the rules that say which header and query parameter values
// are secret (signatures, session tokens, SSE-C keys).
package redact

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Mark replaces a secret in descriptions.
const Mark = "[redacted]"

// urlMark replaces a secret query value in a printed URL; it needs no
// escaping.
const urlMark = "REDACTED"

// Value describes a secret: `""` when it is empty (so a missing secret
// can be told from a hidden one), Mark otherwise.
func Value(s string) string {
	if s == "" {
		return `""`
	}
	return Mark
}

// Format is the body of the Format method of a type that holds secrets.
// gostr (a description in Go syntax, with the secrets replaced) answers
// %#v; str (the safe description) answers every other verb as a string
// would: %q quotes it, %x and %X hex-encode it, and width, precision and
// flags apply. Verbs that do not apply to strings (%d, %f, ...) print str
// as %s would, so no verb can reach the type's fields.
func Format(f fmt.State, verb rune, str, gostr string) {
	if verb == 'v' && f.Flag('#') {
		if _, ok := f.Width(); !ok {
			_, _ = io.WriteString(f, gostr)
			return
		}
		fmt.Fprintf(f, fmt.FormatString(f, 's'), gostr)
		return
	}
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
	default:
		verb = 's'
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), str)
}

// IsSecretHeader reports whether a request or response header's value is
// a secret: Authorization, session tokens (x-amz-security-token,
// x-cos-security-token, ...) and SSE-C keys (...-customer-key).
func IsSecretHeader(name string) bool {
	n := strings.ToLower(name)
	return n == "authorization" || n == "proxy-authorization" ||
		strings.HasSuffix(n, "security-token") || strings.HasSuffix(n, "customer-key")
}

// IsSecretParam reports whether a query parameter's value is a secret: a
// signature (X-Amz-Signature, Signature, q-signature, sign) or a session
// token.
func IsSecretParam(name string) bool {
	n := strings.ToLower(name)
	return n == "sign" || strings.HasSuffix(n, "signature") || strings.HasSuffix(n, "security-token")
}

// FormFieldValue returns the value of a browser upload form field as it
// may be printed: the session token fields (x-amz-security-token,
// x-cos-security-token) are redacted, and so is a policy that holds a
// token (the scheme signs it as a policy condition). Signatures are not
// secrets there: they sign the policy, which the form shows anyway.
func FormFieldValue(name, value string) string {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, "security-token"):
		return Value(value)
	case n == "policy":
		doc, err := base64.StdEncoding.DecodeString(value)
		if err != nil || bytes.Contains(bytes.ToLower(doc), []byte("security-token")) {
			return Value(value)
		}
	}
	return value
}

// Header returns a copy of h with the values of secret headers replaced.
func Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if IsSecretHeader(k) {
			vs = slices.Repeat([]string{Mark}, len(vs))
		} else {
			vs = slices.Clone(vs)
		}
		out[k] = vs
	}
	return out
}

// URL returns raw with the values of secret query parameters and any
// user-info password replaced. A URL that does not parse is replaced
// whole: it cannot be shown safely.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return urlMark
	}
	if u.RawQuery != "" {
		segs := strings.Split(u.RawQuery, "&")
		for i, seg := range segs {
			k, _, hasValue := strings.Cut(seg, "=")
			dk, err := url.QueryUnescape(k)
			if err != nil || IsSecretParam(dk) {
				if hasValue || err != nil {
					segs[i] = k + "=" + urlMark
				}
			}
		}
		u.RawQuery = strings.Join(segs, "&")
	}
	return u.Redacted()
}
