package conformance

// objectBehaviours are the object behaviours (owned by the object
// package's author).
func objectBehaviours() []Behaviour { return nil }
