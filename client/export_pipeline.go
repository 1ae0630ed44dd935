package client

import "github.com/polystore/polystore/internal/protocol"

// init hands the body, decoding and validation helpers of the operation
// pipeline to internal/opkit (see export.go).
func init() {
	protocol.Export("checksumElement", checksumElement)
	protocol.Export("isMD5Hex", isMD5Hex)
	protocol.Export("formatSeconds", formatSeconds)
	protocol.Export("checkIntegrity", checkIntegrity)
	protocol.Export("checkPayloadSHA256", checkPayloadSHA256)
	protocol.Export("signsPayloads", (*Client).signsPayloads)
	protocol.Export("newMalformedResponseError", newMalformedResponseError)
	protocol.Export("decodeBody", decodeBody)
	protocol.Export("decodeResult", decodeResult)
}
