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
	protocol.Export("usesTLS", (*Client).usesTLS)
	protocol.Export("trailersRefusedByServer", (*Client).trailersRefusedByServer)
	protocol.Export("recordTrailersRefused", (*Client).recordTrailersRefused)
	protocol.Export("newMalformedResponseError", newMalformedResponseError)
	protocol.Export("decodeBody", decodeBody)
	protocol.Export("decodeResult", decodeResult)
	protocol.Export("newBody", newBody)
	protocol.Export("bytesBody", bytesBody)
	protocol.Export("sectionBody", sectionBody)
	protocol.Export("streamBody", streamBody)
	// The input crosses by value (a pointer through a function value
	// escapes); the prepared body is an any the importer asserts to its
	// interface, and a nil fallback is a nil any.
	protocol.Export("prepareBody", func(c *Client, in bodyInput, optFns []func(*Options)) (any, error) {
		p, err := c.prepareBody(&in, optFns...)
		if err != nil {
			return nil, err
		}
		return p, nil
	})
	protocol.Export("fallbackFor", func(p any, err error) any {
		if fb := p.(*preparedBody).fallbackFor(err); fb != nil {
			return fb
		}
		return nil
	})
}
