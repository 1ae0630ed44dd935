package protocol

import "fmt"

// exports holds the functions the client package hands to the internal
// packages that import it. client fills it in its init; Go initialises
// client fully before any package importing it, so the importers read a
// complete table at their own initialisation. It is never written after.
var exports = map[string]any{}

// imported records the names Import was asked for (at the importers'
// initialisation, so before any test runs), for Unimported.
var imported = map[string]bool{}

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
	imported[name] = true
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

// Unimported lists the names exported that no package has imported,
// for a test (in a package that imports every importer) that the bridge
// carries nothing dead.
func Unimported() []string {
	var names []string
	for n := range exports {
		if !imported[n] {
			names = append(names, n)
		}
	}
	return names
}
