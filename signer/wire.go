package signer

import (
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// What a server receives.
//
// A signature must cover a request as the server reads it, not as the
// http.Header map holds it: net/http writes the map's keys in sorted
// order, each with its values in order, and trims the outer spaces and
// tabs of every value (textproto.TrimString); the server files every
// spelling of a name under one canonical key, in that order. The signers
// read header values through these helpers, so a value such as
// " text/plain " or a key spelled "content-TYPE" signs as it arrives.

// wireValues returns the values of header name as a server receives them
// (untrimmed; see wireValue): the values of every spelling of name, the
// spellings in sorted order.
func wireValues(h http.Header, name string) []string {
	var keys []string
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return h[keys[0]]
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		out = append(out, h[k]...)
	}
	return out
}

// wireValue returns the first value of header name as a server reads it
// (what its Header.Get returns), outer spaces and tabs trimmed; "" if the
// request has none.
func wireValue(h http.Header, name string) string {
	if vs := wireValues(h, name); len(vs) > 0 {
		return textproto.TrimString(vs[0])
	}
	return ""
}
