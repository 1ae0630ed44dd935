package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
)

// Checksum negotiation. S3-compatible servers differ on the additional
// checksums (x-amz-checksum-crc32c, ...) that single PUTs and parts carry
// by default on dialects with FeatureChecksums:
//
//   - AWS S3, recent MinIO, versitygw and Ceph RGW since Squid verify
//     them and echo the checksum in their answer;
//   - Backblaze B2 refuses them (400 InvalidArgument "Unsupported header
//     'x-amz-checksum-crc32' received for this API call"), Cloudflare R2
//     refuses several (501 NotImplemented), and S3 itself refused a part
//     checksum on an upload created without one until 2025 (400
//     InvalidRequest "Checksum Type mismatch occurred");
//   - older Ceph RGW and MinIO, and gateways in front of other stores,
//     accept the request and ignore the header: the answer echoes no
//     checksum, and nothing verified the body.
//
// A client starts with ChecksumSupportUnknown and sends CRC32C. The first
// answer decides: an echo makes it ChecksumSupportVerified; a refusal
// (one of the dialect's ChecksumRefusalCodes, or a 501) that a second
// send with Content-MD5 instead gets past makes it ChecksumSupportRefused;
// an answer without the echo makes it ChecksumSupportIgnored. From
// Refused or Ignored on, the client sends Content-MD5 instead: the change
// is logged once (Options.Logger, level Warn), and Client.ChecksumSupport
// reports it.

// ChecksumSupport is what a Client has learned of how its server treats
// the additional checksums (x-amz-checksum-*) that requests carry.
type ChecksumSupport int32

// What a client knows of its server's additional checksums.
const (
	// ChecksumSupportUnknown: no answer has shown it yet.
	ChecksumSupportUnknown ChecksumSupport = iota
	// ChecksumSupportVerified: the server echoed a checksum it was sent,
	// so it checks them.
	ChecksumSupportVerified
	// ChecksumSupportRefused: the server refused a request for carrying
	// one, and took it without.
	ChecksumSupportRefused
	// ChecksumSupportIgnored: the server took a request that carried one
	// and echoed none: nothing shows that it checked it.
	ChecksumSupportIgnored
)

// String returns "unknown", "verified", "refused" or "ignored".
func (s ChecksumSupport) String() string {
	switch s {
	case ChecksumSupportUnknown:
		return "unknown"
	case ChecksumSupportVerified:
		return "verified"
	case ChecksumSupportRefused:
		return "refused"
	case ChecksumSupportIgnored:
		return "ignored"
	}
	return "ChecksumSupport(" + strconv.Itoa(int(s)) + ")"
}

// Values returns every ChecksumSupport, ChecksumSupportUnknown first.
func (ChecksumSupport) Values() []ChecksumSupport {
	return []ChecksumSupport{ChecksumSupportUnknown, ChecksumSupportVerified, ChecksumSupportRefused, ChecksumSupportIgnored}
}

// fallsBack reports whether the client sends Content-MD5 instead of
// additional checksums.
func (s ChecksumSupport) fallsBack() bool {
	return s == ChecksumSupportRefused || s == ChecksumSupportIgnored
}

// negotiation is what a client learned of its server. It is shared by
// the clients With derives for the same endpoint, and safe for
// concurrent use.
type negotiation struct {
	checksums atomic.Int32 // ChecksumSupport
	// trailers: 0 unknown, 1 accepted, 2 refused (aws-chunked trailing
	// checksums on one-shot bodies).
	trailers atomic.Int32
}

const (
	trailersUnknown int32 = iota
	trailersAccepted
	trailersRefused
)

// trailersRefusedByServer reports whether c learned that its server
// refuses or ignores aws-chunked trailing checksums.
func (c *Client) trailersRefusedByServer() bool {
	return c.neg != nil && c.neg.trailers.Load() == trailersRefused
}

// recordTrailersRefused records that c's server refused or ignored a
// trailing checksum (the same request then went through with the
// checksum in a header), unless one was accepted before: c's later
// requests that would carry a trailer by default carry none.
func (c *Client) recordTrailersRefused() {
	if c.neg != nil {
		c.neg.trailers.CompareAndSwap(trailersUnknown, trailersRefused)
	}
}

// usesTLS reports whether c's requests go over https.
func (c *Client) usesTLS() bool { return c.endpointTLS(&c.opts) }

// ChecksumSupport reports what c has learned of how its server treats
// additional checksums: unknown until an answer showed it (see
// Options.Integrity). Clients derived with With for the same endpoint
// share what they learn.
func (c *Client) ChecksumSupport() ChecksumSupport {
	if c.neg == nil {
		return ChecksumSupportUnknown
	}
	return ChecksumSupport(c.neg.checksums.Load())
}

// RecordChecksumSupport records what an answer of c's server showed of
// its additional checksums, for the client's later requests: op names the
// operation and detail what was seen (both for the log record). A
// transfer manager calls it after falling back on its own; a program
// that knows its server refuses or ignores them can record so up front
// and spare the first request. Only news counts: ChecksumSupportUnknown
// records nothing, ChecksumSupportVerified only replaces Unknown, and
// once Refused or Ignored the client stays there. The first change to
// Refused or Ignored is logged (Options.Logger, level Warn).
func (c *Client) RecordChecksumSupport(s ChecksumSupport, op, detail string) {
	if c.neg == nil {
		return
	}
	c.neg.record(c, s, op, detail)
}

func (n *negotiation) record(c *Client, s ChecksumSupport, op, detail string) {
	switch s {
	case ChecksumSupportVerified:
		n.checksums.CompareAndSwap(int32(ChecksumSupportUnknown), int32(s))
	case ChecksumSupportRefused, ChecksumSupportIgnored:
		for {
			old := n.checksums.Load()
			if ChecksumSupport(old).fallsBack() {
				return
			}
			if n.checksums.CompareAndSwap(old, int32(s)) {
				break
			}
		}
		if l := c.opts.Logger; l != nil {
			l.LogAttrs(context.Background(), slog.LevelWarn, "polystore: the server "+s.String()+" additional checksums; this client sends Content-MD5 instead from now on",
				slog.String("dialect", c.dialect.Name), slog.String("op", op), slog.String("endpoint", c.endpointHost()), slog.String("seen", detail))
		}
	}
}

// endpointHost names the client's server in log records: the custom
// endpoint's host, or the dialect's service host.
func (c *Client) endpointHost() string {
	if u := c.opts.Endpoint; u != "" {
		return u
	}
	return expand(c.dialect.PathEndpoint, "", c.opts.Region)
}

// checksumRefused reports whether err may be the server refusing a
// request for carrying an additional checksum: a 501, or a 400 with one
// of the dialect's ChecksumRefusalCodes or without a body (a HEAD's). Only the same request sent
// without it (with Content-MD5 instead) tells: if that succeeds, the
// server refuses them (record it with Client.RecordChecksumSupport).
func (d *Dialect) checksumRefused(err error) bool {
	_, ok := checksumRefusal(d, err)
	return ok
}

// checksumRefusal reports whether err is an answer with which a server
// may have refused a request for carrying an additional checksum (or an
// aws-chunked trailer): a 501, or a 400 with one of the dialect's
// ChecksumRefusalCodes. It is only a suspicion until the same request
// without the checksum succeeds.
func checksumRefusal(d *Dialect, err error) (*ResponseError, bool) {
	var re *ResponseError
	if !errors.As(err, &re) {
		return nil, false
	}
	switch {
	case re.StatusCode == http.StatusNotImplemented:
		return re, true
	case re.StatusCode == http.StatusBadRequest && (re.Code == "" || d.ChecksumRefusalCodes[re.Code]):
		return re, true // "": the answer to a HEAD has no body
	}
	return nil, false
}

// s3ChecksumRefusals are the codes with which S3-compatible servers have
// been seen refusing additional checksums: Backblaze B2 (InvalidArgument,
// "Unsupported header 'x-amz-checksum-crc32' received for this API
// call"), S3 before 2025 on a part of an upload created without one
// (InvalidRequest, "Checksum Type mismatch occurred") and Cloudflare R2
// (NotImplemented, also as a 501).
var s3ChecksumRefusals = map[string]bool{"InvalidArgument": true, "InvalidRequest": true, "NotImplemented": true}
