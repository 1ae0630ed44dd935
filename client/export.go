package client

import (
	"net/http"

	"github.com/polystore/polystore/internal/protocol"
)

// init hands the operation pipeline to internal/opkit, which gives the
// operation packages their typed fronts of it: the pipeline is not part
// of this package's API (see the package doc, "What is stable").
func init() {
	protocol.Export("invoke", invoke)
	protocol.Export("presign", presign)
	protocol.Export("canTrail", (*Dialect).canTrail)
	protocol.Export("checkACL", (*Dialect).checkACL)
	protocol.Export("checkBucket", (*Dialect).checkBucket)
	protocol.Export("checkChecksum", (*Dialect).checkChecksum)
	protocol.Export("checkChecksumAlgorithm", (*Dialect).checkChecksumAlgorithm)
	protocol.Export("checkCopySourceSSE", (*Dialect).checkCopySourceSSE)
	protocol.Export("checkLegalHoldID", (*Dialect).checkLegalHoldID)
	protocol.Export("checkMetadata", (*Dialect).checkMetadata)
	// Object options cross the bridge by value: a pointer passed through a
	// function value escapes, and the operations build theirs on the stack.
	protocol.Export("checkObjectOptions", func(d *Dialect, o objectOptions) error { return d.checkObjectOptions(&o) })
	protocol.Export("checkPartNumber", (*Dialect).checkPartNumber)
	protocol.Export("checkRetention", (*Dialect).checkRetention)
	protocol.Export("checkRetentionSeconds", (*Dialect).checkRetentionSeconds)
	protocol.Export("checkStorageClass", (*Dialect).checkStorageClass)
	protocol.Export("checkTrailingChecksum", (*Dialect).checkTrailingChecksum)
	protocol.Export("checksumNeedOf", (*Dialect).checksumNeedOf)
	protocol.Export("checksumRefused", (*Dialect).checksumRefused)
	protocol.Export("copySourceValue", (*Dialect).copySourceValue)
	protocol.Export("etagIsMD5", (*Dialect).etagIsMD5)
	protocol.Export("encryption", (*Dialect).encryption)
	protocol.Export("hasIntegrityHeader", (*Dialect).hasIntegrityHeader)
	protocol.Export("requireChecksum", (*Dialect).requireChecksum)
	protocol.Export("responseChecksum", (*Dialect).responseChecksum)
	protocol.Export("setACL", (*Dialect).setACL)
	protocol.Export("setChecksum", (*Dialect).setChecksum)
	protocol.Export("setChecksumAlgorithm", (*Dialect).setChecksumAlgorithm)
	protocol.Export("setObjectOptions", func(d *Dialect, h http.Header, o objectOptions) { d.setObjectOptions(h, &o) })
	protocol.Export("setRetention", (*Dialect).setRetention)
	protocol.Export("setSSECustomer", (*Dialect).setSSECustomer)
	protocol.Export("setTrailingChecksum", (*Dialect).setTrailingChecksum)
	protocol.Export("validateKey", (*Dialect).validateKey)
	protocol.Export("requestID", (*Dialect).requestID)
	protocol.Export("errorKind", errorKind)
	// The client's own dialect, shared and read-only (it is never written
	// after New): Client.Dialect's copy would move to the heap when passed
	// through the functions above.
	protocol.Export("dialectOf", func(c *Client) *Dialect { return &c.dialect })
}
