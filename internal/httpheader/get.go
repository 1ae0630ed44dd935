package httpheader

import (
	"net/http"
	"net/textproto"
	"strings"
	"sync"
)

// Get returns the first value of the field named prefix+suffix in h,
// the name compared without regard to case, or "". Unlike
// http.Header.Get it builds no string: Header.Get turns a name that is
// not in canonical form ("x-amz-version-id") into a new canonical one on
// every call, and prefix+suffix would be a new string too. Should h hold
// the name in two spellings (only a hand-built header can), Get answers
// as h.Get(prefix+suffix) does.
func Get(h http.Header, prefix, suffix string) string {
	n := len(prefix) + len(suffix)
	found, matches := "", 0
	for k, v := range h {
		if len(k) != n || !strings.EqualFold(k[:len(prefix)], prefix) || !strings.EqualFold(k[len(prefix):], suffix) {
			continue
		}
		matches++
		if len(v) > 0 {
			found = v[0]
		}
	}
	if matches > 1 {
		return h.Get(prefix + suffix)
	}
	return found
}

// Key returns the canonical form of the field name prefix+suffix
// ("x-amz-" "checksum-mode" → "X-Amz-Checksum-Mode"), built once and
// kept: for the fixed names a request sets, so that setting them with
// h[Key(...)] allocates no name. At most maxKeys names are kept; others
// are built each time.
func Key(prefix, suffix string) string {
	k := [2]string{prefix, suffix}
	keys.RLock()
	v, ok := keys.m[k]
	keys.RUnlock()
	if ok {
		return v
	}
	v = textproto.CanonicalMIMEHeaderKey(prefix + suffix)
	keys.Lock()
	if keys.m == nil {
		keys.m = map[[2]string]string{}
	}
	if len(keys.m) < maxKeys {
		keys.m[k] = v
	}
	keys.Unlock()
	return v
}

const maxKeys = 256

var keys struct {
	sync.RWMutex
	m map[[2]string]string
}
