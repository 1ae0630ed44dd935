package client

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing"
	"github.com/polystore/polystore/signer"
)

// Options configure a Client. New copies them; a per-call option function
// receives a copy of the client's Options and never changes the client.
type Options struct {
	// Credentials sign requests. Nil means the dialect's default chain
	// (Dialect.DefaultCredentials: environment variables, then the vendor's
	// configuration files and metadata services; see package credentials).
	// Use signer.AnonymousCredentials{} for unsigned requests.
	Credentials signer.CredentialsProvider
	// Signer replaces the dialect's default signer, for example
	// signer.NewBearer for IBM IAM, signer.NewV2 for servers that only
	// speak SigV2, or a signer.AuthorizationFunc.
	Signer signer.Signer
	// Region is the region (QingStor: zone). Empty means Dialect.DefaultRegion.
	Region string
	// Endpoint is a custom base URL, such as "http://127.0.0.1:9000", for
	// S3-compatible servers, private deployments and tests. Requests to a
	// custom endpoint use path-style addressing unless Addressing says
	// otherwise.
	Endpoint string
	// ResourceConfigEndpoint is the base URL of IBM's resource
	// configuration API (backup policies), such as
	// "http://127.0.0.1:9000/v1". Empty means Endpoint when that is set
	// (the server serves both APIs), otherwise the dialect's own
	// (BackupPolicyWire.Endpoint).
	ResourceConfigEndpoint string
	// Addressing overrides the addressing style.
	Addressing Addressing
	// HTTPClient sends requests; its Transport is used under the signer.
	// Nil, or a nil Transport, means the client's own pooled transport:
	// HTTP/1.1, written and read on the calling goroutine (no
	// per-connection goroutines to hand each request to), with
	// Timeouts.Dial and Timeouts.TLSHandshake, a request and a body of up
	// to 64 KiB in one write, and larger bodies in large writes (sendfile
	// for file parts on plain HTTP; over HTTPS, 256 KiB sealed per socket
	// write and up to 64 KiB read per system call). Endpoints that the
	// environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) sends through a
	// proxy are reached through net/http's Transport instead, with the
	// same timeouts. It never speaks HTTP/2; give an HTTPClient of your
	// own for that. A given transport is used as it is. HTTPClient.Timeout,
	// if any, bounds each attempt as a whole (connecting, sending, and
	// reading the response body, streamed GET bodies included) and ends
	// it with a *TimeoutError of kind TimeoutAttempt, which is retried;
	// leave it zero for large transfers and rely on Timeouts.Stall. Its
	// Jar is used; its CheckRedirect is not (redirects are returned).
	HTTPClient *http.Client
	// TLSConfig configures the TLS connections of the client's own
	// transport (when HTTPClient gives none): RootCAs to trust a private
	// certificate authority (a self-hosted MinIO or Ceph), Certificates
	// for client certificates, MinVersion, and so on. The client uses a
	// clone, set to offer HTTP/1.1 (NextProtos), and fills ServerName from
	// the endpoint when it is empty. Nil means Go's defaults (the system's
	// roots). New reads it; the clients With derives share New's
	// transport, so changing it there has no effect.
	TLSConfig *tls.Config
	// Timeouts bound the phases of each attempt: dial, TLS handshake,
	// response header, and body stall. The zero value takes every
	// default; see Timeouts for each field and what a transport of your
	// own still gets.
	Timeouts Timeouts
	// Retry is the retry policy.
	Retry RetryPolicy
	// Logger receives debug records of each attempt (method, URL without
	// credentials, status, request id) and of retries. Nil is silent.
	// Secrets are never logged.
	Logger *slog.Logger
	// UserAgent is prepended to polystore's own user agent.
	UserAgent string
	// Clock returns the current time for signing. Nil means time.Now.
	Clock func() time.Time
	// ServiceInstanceID is IBM's ibm-service-instance-id, sent when
	// creating and listing buckets with IAM credentials.
	ServiceInstanceID string
	// APIOptions edit each operation's smithy-go middleware stack, to add
	// or replace steps (see StepRetry for the steps and when each runs).
	// The client's APIOptions run once per operation, when the client
	// first runs it, and the stack is reused for every later call; a call
	// given APIOptions of its own (WithAPIOptions as a per-call option)
	// builds its stack afresh.
	APIOptions []func(*middleware.Stack) error
	// PresignUnsignedHost makes presigned URLs whose signature leaves the
	// host out, for URLs served through a CDN or a custom domain in front
	// of the bucket: cos-go-sdk-v5's GetPresignedURL with signHost false.
	// Only signers that can do so take it (signer.COS); with any other
	// Presign fails with an error matching ErrNotSupported. Anyone
	// holding such a URL can send it to any host that serves the bucket.
	// Default false: the host is signed.
	PresignUnsignedHost bool
	// TracerProvider, if set, gets a span per operation call and one per
	// attempt (see package doc, "Tracing and metrics"), and transfer
	// tasks of a transfer.Manager over the client a span each. Nil
	// traces nothing and costs nothing. Use smithy-go's OpenTelemetry
	// adapter (github.com/aws/smithy-go/tracing/smithyoteltracing) to
	// export to OpenTelemetry.
	TracerProvider tracing.TracerProvider
	// MeterProvider, if set, records the calls' metrics: duration,
	// attempts, throttling answers, request and response body bytes
	// (see package doc). Nil records nothing and costs nothing.
	MeterProvider metrics.MeterProvider
	// Integrity is what single PUTs (object.Client.Put) and parts
	// (multipart.Client.UploadPart) carry for the server to verify their
	// body when the call names no checksum of its own; a call's own
	// Integrity field overrides it. The zero value is IntegrityAuto: the
	// cheapest checksum the dialect verifies (see Integrity).
	// IntegrityOff sends none.
	Integrity Integrity
	// PayloadSigning says whether SigV4 requests sign their body's
	// SHA-256 (x-amz-content-sha256). The zero value,
	// PayloadSigningAuto, signs it when the endpoint is plain http, where
	// nothing else authenticates the body, and sends UNSIGNED-PAYLOAD
	// over https. See PayloadSigning.
	PayloadSigning PayloadSigning

	// defaultedRegion is the Dialect.DefaultRegion that New (or a call)
	// put in Region because none was given; "" when the caller gave one.
	defaultedRegion string
}

// RegionDefaulted reports whether Region holds the dialect's
// DefaultRegion because no region was given: none was set with
// WithRegion and none was found in the dialect's RegionEnv variables.
// A per-call option that sets Region to another value makes it false;
// one that sets the default's own value again leaves it true. QingStor
// lists the buckets of every zone on its global host when the zone was
// not chosen (bucket.Client.ListBuckets).
func (o Options) RegionDefaulted() bool {
	return o.defaultedRegion != "" && o.Region == o.defaultedRegion
}

// RetryPolicy says when and how failed attempts are retried. The zero
// value is the safe default: 3 attempts, idempotent operations only,
// full-jitter exponential backoff from 100ms up to 20s. Retried are
// connection errors, the client's timeouts, throttling answers, 5xx and
// the dialect's retryable error codes. A TLS handshake that cannot
// succeed (the server's certificate does not verify, or the server does
// not speak TLS) ends the call at once, its error matching
// *tls.CertificateVerificationError or tls.RecordHeaderError with
// errors.As.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, including the first.
	// 0 means 3; 1 disables retries.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the exponential backoff before
	// jitter. 0 means 100ms and 20s.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps how long a server's Retry-After header can make
	// the client wait. 0 means 1 minute.
	MaxRetryAfter time.Duration
	// RetryNonIdempotent retries operations that are not idempotent (such
	// as an append) after transient errors too. By default they are
	// retried only when the server refused them with a throttling answer.
	RetryNonIdempotent bool
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 100 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 20 * time.Second
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = time.Minute
	}
	return p
}

// WithCredentials sets Options.Credentials.
func WithCredentials(p signer.CredentialsProvider) func(*Options) {
	return func(o *Options) { o.Credentials = p }
}

// WithStaticCredentials sets fixed keys; token may be empty.
func WithStaticCredentials(accessKeyID, secretAccessKey, token string) func(*Options) {
	return WithCredentials(signer.NewStaticCredentials(accessKeyID, secretAccessKey, token))
}

// WithSigner sets Options.Signer.
func WithSigner(s signer.Signer) func(*Options) { return func(o *Options) { o.Signer = s } }

// WithRegion sets Options.Region (QingStor: the zone).
func WithRegion(region string) func(*Options) { return func(o *Options) { o.Region = region } }

// WithEndpoint sets a custom endpoint such as "http://127.0.0.1:9000".
func WithEndpoint(url string) func(*Options) { return func(o *Options) { o.Endpoint = url } }

// WithResourceConfigEndpoint sets Options.ResourceConfigEndpoint.
func WithResourceConfigEndpoint(url string) func(*Options) {
	return func(o *Options) { o.ResourceConfigEndpoint = url }
}

// WithAddressing sets the addressing style.
func WithAddressing(a Addressing) func(*Options) { return func(o *Options) { o.Addressing = a } }

// WithHTTPClient sets the HTTP client whose transport sends requests.
func WithHTTPClient(c *http.Client) func(*Options) { return func(o *Options) { o.HTTPClient = c } }

// WithTLSConfig sets Options.TLSConfig.
func WithTLSConfig(c *tls.Config) func(*Options) { return func(o *Options) { o.TLSConfig = c } }

// WithTimeouts sets Options.Timeouts. Zero fields keep their defaults;
// negative fields disable that timeout.
func WithTimeouts(t Timeouts) func(*Options) { return func(o *Options) { o.Timeouts = t } }

// WithRetry sets the retry policy.
func WithRetry(p RetryPolicy) func(*Options) { return func(o *Options) { o.Retry = p } }

// WithMaxAttempts sets Retry.MaxAttempts; 1 disables retries.
func WithMaxAttempts(n int) func(*Options) { return func(o *Options) { o.Retry.MaxAttempts = n } }

// WithLogger sets the debug logger.
func WithLogger(l *slog.Logger) func(*Options) { return func(o *Options) { o.Logger = l } }

// WithUserAgent sets a user-agent prefix.
func WithUserAgent(ua string) func(*Options) { return func(o *Options) { o.UserAgent = ua } }

// WithClock sets the signing clock (for tests).
func WithClock(now func() time.Time) func(*Options) { return func(o *Options) { o.Clock = now } }

// WithServiceInstanceID sets IBM's service instance id.
func WithServiceInstanceID(id string) func(*Options) {
	return func(o *Options) { o.ServiceInstanceID = id }
}

// WithPresignUnsignedHost sets Options.PresignUnsignedHost: presigned
// URLs that do not sign the host (COS), for a CDN or custom domain.
func WithPresignUnsignedHost() func(*Options) {
	return func(o *Options) { o.PresignUnsignedHost = true }
}

// WithAPIOptions appends middleware stack edits.
func WithAPIOptions(fns ...func(*middleware.Stack) error) func(*Options) {
	return func(o *Options) { o.APIOptions = append(o.APIOptions[:len(o.APIOptions):len(o.APIOptions)], fns...) }
}

// WithTracerProvider sets Options.TracerProvider.
func WithTracerProvider(tp tracing.TracerProvider) func(*Options) {
	return func(o *Options) { o.TracerProvider = tp }
}

// WithMeterProvider sets Options.MeterProvider.
func WithMeterProvider(mp metrics.MeterProvider) func(*Options) {
	return func(o *Options) { o.MeterProvider = mp }
}
