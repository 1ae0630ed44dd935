package client

import "github.com/polystore/polystore/internal/protocol"

// init hands the operation pipeline to internal/opkit, which gives the
// operation packages their typed fronts of it: the pipeline is not part
// of this package's API (see the package doc, "What is stable").
func init() {
	protocol.Export("invoke", invoke)
	protocol.Export("presign", presign)
}
