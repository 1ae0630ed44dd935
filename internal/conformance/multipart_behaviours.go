package conformance

// multipartBehaviours are the multipart behaviours (owned by the
// multipart package's author).
func multipartBehaviours() []Behaviour { return nil }
