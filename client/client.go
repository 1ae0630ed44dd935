// Package client is polystore's core: the Client, the Dialect table that
// holds every vendor fact, credentials wiring, and the one request pipeline
// (build → sign → send → retry → decode) that every operation runs through.
//
// Typed operations live in the bucket, object and multipart packages; they
// describe themselves as data (an internal/opkit.Op) and run through this
// package's stack.
//
// # What is stable
//
// A program uses New, Options and the With* options, Client (With,
// Options, Dialect, ChecksumSupport, RecordChecksumSupport, String), the
// Dialect value with its data fields and wire tables (the *Wire structs:
// Clone S3 and change fields to add a vendor), Dialect.Clone and Has,
// Dialects, LookupDialect, Feature, Limits and the other enums, Checksum
// with ComputeChecksum, ParseChecksum and CompositeChecksum, the ACL,
// grant, retention, SSE-C and storage class types, the errors and error
// types (and InvalidArgument and NotSupported, which build the ones a
// program matches), Integrity, PayloadSigning, Timeouts, RetryPolicy,
// AttemptNumber and the step names for APIOptions, the telemetry names
// and presigned requests: these follow the module's compatibility
// promise. The rule: a name is exported here only if a program needs it
// to configure a client, describe a vendor, read what a call returned or
// hook the stack; TestExportedNames (api_surface_test.go) lists every
// exported name, and a new one fails it until it is listed on purpose.
//
// The operation pipeline is not for users, so it lives where they cannot
// import it and can change without breaking them. Its request, body and
// operation descriptor types and URL encoders live in internal/protocol
// (a leaf package client imports); the typed Op, Call, Invoke and
// Presign, the body constructors (NewBody, BytesBody, ...), the
// dialect's rules and wire helpers (CheckBucket, SetObjectOptions,
// ETagIsMD5, ...) and the decoding, validation and body-integrity
// helpers (DecodeBody, DecodeResult, NewMalformedResponseError,
// PrepareBody, ...) in internal/opkit, whose fronts call functions client
// keeps unexported and hands over at its initialisation (export.go,
// export_pipeline.go). The bucket, object and multipart packages are
// written on them; a program calls those typed operations.
//
// Each attempt is bounded phase by phase (Options.Timeouts: dial, TLS
// handshake, response header, body stall), never as a whole, and an
// attempt that times out is retried like a connection error; the last
// one's failure is a *TimeoutError matching ErrTimeout.
//
// Writes carry what lets the server verify their body
// (Options.Integrity: by default the cheapest checksum the dialect
// verifies, negotiated with S3-compatible servers that refuse or ignore
// additional checksums, see ChecksumSupport), and over plain http SigV4
// requests sign their body's SHA-256 (Options.PayloadSigning).
//
// # The middleware stack
//
// The pipeline is a smithy-go middleware stack, built once per client and
// operation and shared by its calls (StepRetry lists the steps). The
// retry loop is the Retry step of the Finalize phase, as in
// aws-sdk-go-v2, and the steps after it run once per attempt: signing,
// the watchdog of the timeouts, the body rewind, and any step added with
// Options.APIOptions to Finalize (After) or Deserialize; AttemptNumber
// tells such a step which attempt it runs in. The retry policy
// (RetryPolicy: which answers are transient, throttling, ErrorIn200,
// Retry-After, refused credentials refreshed once, full-jitter backoff)
// is polystore's own code; go-retryablehttp, which drove it before, is
// not used, because its Client drives an *http.Client itself and cannot
// run inside a stack whose steps must run per attempt.
//
// # Tracing and metrics
//
// Options.TracerProvider and Options.MeterProvider take smithy-go's
// interfaces (tracing.TracerProvider, metrics.MeterProvider; smithy-go's
// smithyoteltracing and smithyotelmetrics adapt OpenTelemetry's). Nil,
// the default, traces and records nothing and costs nothing. Each call
// has a span named after its operation with AttrDialect, AttrOperation,
// AttrBucket, AttrStatus, AttrRequestID, AttrAttempts, AttrRetries and,
// on failure, AttrErrorKind (ErrorKindOf), and a child span SpanAttempt
// per attempt (AttrAttempt, AttrStatus, AttrRequestID, AttrErrorKind).
// The metrics are MetricCallDuration, MetricCallAttempts,
// MetricCallThrottles, MetricBytesSent and MetricBytesReceived, with the
// dialect and operation as attributes.
package client

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/polystore/polystore/internal/protocol"
	"github.com/polystore/polystore/signer"
)

// Client sends requests in one dialect. It is safe for concurrent use and
// cheap to share; per-call options never change it.
type Client struct {
	dialect Dialect
	opts    Options
	base    http.RoundTripper
	signer  signer.Signer // built once: signers cache derived keys
	// neg is what the client learned of its server (negotiate.go),
	// shared with the clients With derives for the same endpoint.
	neg *negotiation

	// Built once for opts (see derive): compiled stacks, and what every
	// call would otherwise work out again.
	derived
}

// New returns a client for dialect d. It checks the options (region form,
// endpoint, credentials) and returns an *InvalidArgumentError naming the
// field at fault.
func New(d Dialect, optFns ...func(*Options)) (*Client, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	c := &Client{dialect: d.Clone(), opts: o, neg: new(negotiation)}
	if err := c.resolve(&c.opts); err != nil {
		return nil, err
	}
	c.signer = c.newSigner(&c.opts)
	if o.HTTPClient != nil && o.HTTPClient.Transport != nil {
		c.base = o.HTTPClient.Transport
	} else {
		c.base = newOwnTransport(c.opts.Timeouts, c.opts.TLSConfig, nil)
	}
	c.derive()
	return c, nil
}

// newTransport is the client's own net/http transport, for requests
// through a proxy (ownTransport): net/http's default one with
// a larger idle pool, the dial and TLS handshake timeouts, and bulk
// writes (over TLS too: bulkDialTLS). The response header and stall timeouts are not set here: the
// watchdog above the transport enforces them for every transport.
func newTransport(to Timeouts) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64 // parallel part uploads reuse connections
	// No transparent gzip: net/http would ask for it and then decompress
	// an object stored with Content-Encoding: gzip, which object stores
	// send as stored, so that its length and checksums no longer match
	// (aws-sdk-go-v2 turns it off too). Not asking also spares the header
	// net/http adds to every request.
	t.DisableCompression = true
	d := &net.Dialer{KeepAlive: 30 * time.Second}
	t.DialContext = bulkDial(d.DialContext, to.Dial)
	t.TLSHandshakeTimeout = max(to.TLSHandshake, 0) // 0: none
	t.DialTLSContext = bulkDialTLS(t)
	// Room for the headers and a small body (smallBody) in one write.
	t.WriteBufferSize = writeBufferSize
	return t
}

// resolve fills defaults into o and validates it.
func (c *Client) resolve(o *Options) error {
	d := &c.dialect
	for _, name := range d.RegionEnv {
		if o.Region != "" {
			break
		}
		o.Region = os.Getenv(name)
	}
	if o.Region == "" && d.ConfiguredRegion != nil {
		r, err := d.ConfiguredRegion()
		if err != nil {
			return fmt.Errorf("client: reading the configured %s: %w", strings.ToLower(regionField(d)), err)
		}
		o.Region = r
	}
	if o.Region == "" {
		o.Region = d.DefaultRegion
		o.defaultedRegion = o.Region
	}
	if o.Region == "" {
		return InvalidArgument(regionField(d), "must be set for the %s dialect", d.Name)
	}
	if d.ValidateRegion != nil {
		if err := d.ValidateRegion(o.Region); err != nil {
			if ia, ok := err.(*InvalidArgumentError); ok {
				ia.Field = regionField(d)
			}
			return err
		}
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return InvalidArgument("Endpoint", "%q is not an http(s) URL", o.Endpoint)
		}
		if u.RawQuery != "" || u.User != nil {
			return InvalidArgument("Endpoint", "must not carry a query or user info")
		}
	}
	if o.Credentials == nil && o.Signer == nil {
		o.Credentials = d.CredentialEnv
		if d.DefaultCredentials != nil {
			o.Credentials = d.DefaultCredentials(d.CredentialEnv)
		}
	}
	if sc, ok := o.Credentials.(signer.StaticCredentials); ok && !sc.Value.HasKeys() {
		field := "Credentials.AccessKeyID"
		if sc.Value.AccessKeyID != "" {
			field = "Credentials.SecretAccessKey"
		}
		return InvalidArgument(field, "must not be empty (use signer.AnonymousCredentials for unsigned requests)")
	}
	if o.Signer == nil && d.NewSigner == nil {
		return InvalidArgument("Signer", "the %s dialect has no default signer; set Options.Signer", d.Name)
	}
	if err := checkBodyOptions(o); err != nil {
		return err
	}
	o.Retry = o.Retry.withDefaults()
	o.Timeouts = o.Timeouts.withDefaults()
	return nil
}

func regionField(d *Dialect) string {
	if d.RegionField != "" {
		return d.RegionField
	}
	return "Region"
}

// With returns a new client with optFns applied to a copy of c's options,
// validated as New validates them. c is not changed; the two share the
// HTTP transport. Use it to fix per-call options once for many calls.
func (c *Client) With(optFns ...func(*Options)) (*Client, error) {
	if len(optFns) == 0 {
		return c, nil
	}
	o, err := c.callOptions(optFns)
	if err != nil {
		return nil, err
	}
	d := *c
	d.opts = o
	d.signer = d.newSigner(&d.opts)
	d.derive()
	if o.Endpoint != c.opts.Endpoint {
		d.neg = new(negotiation) // another server
	}
	return &d, nil
}

// Dialect returns a copy of the client's dialect. Its maps and slices are
// the client's own: read them, and Clone the value before changing one.
func (c *Client) Dialect() *Dialect { d := c.dialect; return &d }

// Options returns a copy of the client's resolved options.
func (c *Client) Options() Options { return c.opts }

// String describes the client without credentials.
func (c *Client) String() string {
	ep := c.opts.Endpoint
	if ep == "" {
		ep = expand(c.dialect.PathEndpoint, "", c.opts.Region)
	}
	return fmt.Sprintf("polystore.Client{%s %s}", c.dialect.Name, ep)
}

// callOptions returns the options for one call: a copy of the client's,
// edited by optFns, re-validated.
func (c *Client) callOptions(optFns []func(*Options)) (Options, error) {
	o := c.opts
	o.APIOptions = o.APIOptions[:len(o.APIOptions):len(o.APIOptions)]
	if len(optFns) == 0 {
		return o, nil
	}
	for _, fn := range optFns {
		fn(&o)
	}
	return o, c.resolve(&o)
}

// newSigner builds the signer the options call for.
func (c *Client) newSigner(o *Options) signer.Signer {
	if o.Signer != nil {
		return o.Signer
	}
	return c.dialect.NewSigner(SignerConfig{Credentials: o.Credentials, Region: o.Region})
}

// userAgent is sent with every request.
var userAgent = func() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/polystore/polystore" {
				v = dep.Version
			}
		}
	}
	return "polystore-go/" + v
}()

// requestURL builds in u the URL of a request for bucket and key (either
// may be empty). The path is escaped with the rules every signer expects:
// all but A-Z a-z 0-9 - _ . ~ and '/' is percent-encoded. The base URL
// comes parsed from the client (derive) unless the call's endpoint or
// region are its own.
func (c *Client) requestURL(u *url.URL, o *Options, bucket, key string, query url.Values) error {
	d := &c.dialect
	style := o.Addressing
	if style == AddressingDefault {
		style = d.Addressing
		if o.Endpoint != "" {
			style = PathStyle
		}
	}
	vhost := bucket != "" && style == VirtualHost
	fromTemplate := vhost && o.Endpoint == "" // the bucket is in the dialect's template
	path, vb := c.bases(o)
	var base *baseURL
	switch {
	case fromTemplate && vb != nil && vb.ok:
		base = vb
		*u = vb.u
		u.Host = vb.pre + bucket + vb.post
	case !fromTemplate && path != nil && path.ok:
		base = path
		*u = path.u
	default:
		var s string
		switch {
		case o.Endpoint != "":
			s = strings.TrimRight(o.Endpoint, "/")
		case fromTemplate:
			s = expand(d.Endpoint, bucket, o.Region)
		default:
			s = expand(d.PathEndpoint, "", o.Region)
		}
		pu, err := url.Parse(s)
		if err != nil {
			return InvalidArgument("Endpoint", "%v", err)
		}
		base = &baseURL{ok: true, u: *pu, rawPath: strings.TrimRight(pu.EscapedPath(), "/")}
		*u = base.u
	}
	if vhost && o.Endpoint != "" {
		u.Host = bucket + "." + u.Host
	}
	slash := ""
	if key != "" || bucket == "" {
		slash = "/"
	}
	var rawPath string
	if bucket != "" && style == PathStyle {
		rawPath = base.rawPath + "/" + bucket + slash + protocol.EscapePath(key)
	} else {
		rawPath = base.rawPath + slash + protocol.EscapePath(key)
	}
	if rawPath == "" {
		rawPath = "/"
	}
	u.RawPath = rawPath
	var err error
	if u.Path, err = url.PathUnescape(rawPath); err != nil {
		return err
	}
	u.RawQuery = protocol.EncodeQuery(query)
	return nil
}
