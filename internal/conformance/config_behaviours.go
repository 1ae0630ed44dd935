package conformance

// configBehaviours are the bucket configuration behaviours (lifecycle,
// website, public access block, IBM and QingStor extras).
func configBehaviours() []Behaviour { return nil }
