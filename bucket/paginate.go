package bucket

import "github.com/polystore/polystore/client"

// ErrListingStalled is client.ErrListingStalled, the error (wrapped in a
// *client.OperationError) that ends an iterator whose server does not
// advance. It is kept here for code that matched it under this name.
var ErrListingStalled = client.ErrListingStalled

// mergeNames interleaves a page's objects and common prefixes in name
// order. Both lists come sorted from the server; the merge keeps their
// own order if they do not.
func mergeNames[T any](objs []T, prefixes []string, key func(*T) string, prefix func(string) T) []T {
	if len(prefixes) == 0 {
		return objs
	}
	out := make([]T, 0, len(objs)+len(prefixes))
	i, j := 0, 0
	for i < len(objs) || j < len(prefixes) {
		if j == len(prefixes) || (i < len(objs) && key(&objs[i]) < prefixes[j]) {
			out = append(out, objs[i])
			i++
			continue
		}
		out = append(out, prefix(prefixes[j]))
		j++
	}
	return out
}

// lastName returns the greater of the last key and the last common prefix
// of a page: where a marker-paginated listing resumes when the server does
// not say.
func lastName(lastKey string, prefixes []string) string {
	if n := len(prefixes); n > 0 && prefixes[n-1] > lastKey {
		return prefixes[n-1]
	}
	return lastKey
}
