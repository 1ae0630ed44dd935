package protocol

import "fmt"

// exports holds the functions the client package hands to the internal
// packages that import it. client fills it in its init; Go initialises
// client fully before any package importing it, so the importers read a
// complete table at their own initialisation. It is never written after.
var exports = map[string]any{}

// Export records fn under name. Only client's init calls it.
func Export(name string, fn any) {
	if _, dup := exports[name]; dup {
		panic("protocol: " + name + " exported twice")
	}
	exports[name] = fn
}

// Import returns the function exported under name, as an F. It panics
// if there is none or it is not an F: a programming error that shows at
// the importing package's initialisation, so in every test of it.
func Import[F any](name string) F {
	v, ok := exports[name]
	if !ok {
		panic("protocol: nothing exported as " + name)
	}
	fn, ok := v.(F)
	if !ok {
		panic(fmt.Sprintf("protocol: %s is a %T, not a %T", name, v, fn))
	}
	return fn
}

// Exported lists the names exported, for a test that every one is used.
func Exported() []string {
	names := make([]string, 0, len(exports))
	for n := range exports {
		names = append(names, n)
	}
	return names
}
