package storagetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polystore/polystore/client"
)

// Default credentials of a Server. They are fake and only good for talking
// to a storagetest server.
const (
	DefaultAccessKey = "STORAGETESTAK"
	DefaultSecretKey = "storagetest-secret-key-0123456789"
	DefaultAPIKey    = "storagetest-iam-api-key-0123456789"
)

// DefaultTokenTTL is the lifetime of IAM tokens when Options.TokenTTL is 0.
const DefaultTokenTTL = time.Hour

// Options configure a Server. NewServer fills in the defaults, then calls
// the option functions, which may change any field.
type Options struct {
	// AccessKey and SecretKey are the only key pair the server accepts.
	// Defaults: DefaultAccessKey and DefaultSecretKey.
	AccessKey, SecretKey string
	// Region is reported in bucket listings and headers. Default: the
	// dialect's DefaultRegion, or "ap-beijing" for COS (and any dialect
	// without a default region).
	Region string
	// Zones are the QingStor zones the server serves besides Region, as
	// hosts <zone>.<VirtualHostDomain> (and <bucket>.<zone>.<domain>). A
	// bucket belongs to the zone of the host it was created through
	// (Region for the server's address); GET Service on a zone's host
	// lists that zone's buckets, on the bare domain (the global host, as
	// qingstor.com) every zone's. Other dialects ignore it.
	Zones []string
	// Clock is the server's notion of now, for signature and token expiry
	// checks and for object and bucket timestamps. Default time.Now.
	Clock func() time.Time
	// AllowAnonymous accepts unsigned requests. Signed requests are still
	// verified, and refused if their signature is wrong.
	AllowAnonymous bool
	// APIKey is the IBM IAM API key the token endpoint accepts. Default
	// DefaultAPIKey.
	APIKey string
	// TokenTTL is the lifetime of issued IAM tokens. Default DefaultTokenTTL.
	TokenTTL time.Duration
	// ServiceInstanceID, if set, is the only ibm-service-instance-id the
	// IBM dialect accepts when buckets are created or listed with a bearer
	// token. When empty any non-empty value is accepted.
	ServiceInstanceID string
	// VirtualHostDomain is the base domain of virtual-hosted-style
	// requests: a request whose Host is <bucket>.<VirtualHostDomain> (any
	// port; on QingStor also <bucket>.<zone>.<VirtualHostDomain>, as its
	// SDKs send it) names the bucket in its host, and its whole path is
	// the key. Requests to other hosts (the server's IP address, the
	// domain itself, <zone>.<domain> on QingStor) are path-style. Such
	// names need no DNS: see DialContext, HTTPClient, VirtualHostURL.
	// Default (also when set empty) DefaultVirtualHostDomain, "localhost".
	VirtualHostDomain string
	// MinPartSize, if positive, replaces the dialect's minimum part size
	// (Limits.MinPartSize) when multipart uploads are completed, so that
	// tests can use small parts.
	MinPartSize int64
	// Logf, if set, receives one line per request and the reasons for
	// refused signatures, for debugging. It is called from the server's
	// goroutines, and must be safe for concurrent use (t.Logf is). Close
	// the server before the test that owns Logf ends.
	Logf func(format string, args ...any)
}

// Server is an in-memory object-storage server listening on a loopback
// address. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, "http://127.0.0.1:PORT", without
	// a trailing slash.
	URL string

	ts      *httptest.Server
	dialect client.Dialect
	wire    *wire
	opts    Options
	routes  []route
	// config holds the bucket configurations; set by routeTable.
	config *configStore
	// unsupported are the query parameters answered "not implemented".
	unsupported []string
	store       store
	iam         iamEmulator
	faults      faultQueue
	log         requestLog
	hooks       testHooks
	closing     chan struct{}
	closeMu     sync.Once
	idPrefix    string
	seq         atomic.Uint64

	flightMu sync.Mutex
	inFlight int
	peak     int
}

// testHooks let this package's tests observe the server without sleeping.
// They are set before the server starts and never changed.
type testHooks struct {
	enter func(r *http.Request) // a request arrived
	delay func(r *http.Request) // a Delay fault started waiting
	done  func(e Request)       // a request's handler is about to return
}

// NewServer starts a server for dialect d on 127.0.0.1 at a free port.
// The caller must Close it. NewServer panics, as httptest.NewServer does,
// if it cannot listen on the loopback address.
func NewServer(d client.Dialect, optFns ...func(*Options)) *Server {
	return newServer(d, testHooks{}, optFns...)
}

func newServer(d client.Dialect, hooks testHooks, optFns ...func(*Options)) *Server {
	o := Options{
		AccessKey: DefaultAccessKey,
		SecretKey: DefaultSecretKey,
		Region:    d.DefaultRegion,
		Clock:     time.Now,
		APIKey:    DefaultAPIKey,
		TokenTTL:  DefaultTokenTTL,
	}
	if o.Region == "" {
		o.Region = "ap-beijing"
	}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	o.VirtualHostDomain = strings.Trim(o.VirtualHostDomain, ".")
	if o.VirtualHostDomain == "" {
		o.VirtualHostDomain = DefaultVirtualHostDomain
	}
	s := &Server{
		dialect:  d,
		wire:     newWire(d),
		opts:     o,
		hooks:    hooks,
		closing:  make(chan struct{}),
		idPrefix: randomHex(4),
	}
	s.routes = s.routeTable()
	s.unsupported = unsupportedFor(d)
	s.store.init()
	s.iam.init()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("storagetest: cannot listen on 127.0.0.1: %v", err))
	}
	s.ts = &httptest.Server{
		Listener: l,
		Config: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: time.Minute,
			// Connection resets from faults make net/http log; keep
			// test output clean unless the user asked for logs.
			ErrorLog: log.New(logWriter{s.opts.Logf}, "", 0),
		},
	}
	s.ts.Start()
	s.URL = s.ts.URL
	return s
}

// Close stops the server: it ends pending fault delays and blocks until
// all outstanding requests have completed.
func (s *Server) Close() {
	s.closeMu.Do(func() { close(s.closing) })
	s.ts.Close()
}

// Dialect returns the dialect the server speaks.
func (s *Server) Dialect() client.Dialect { return s.dialect }

// Region returns the server's region (QingStor: zone).
func (s *Server) Region() string { return s.opts.Region }

// ClientOptions returns client options that point a polystore client at
// the server: its URL as the endpoint, its region and its static key
// pair. For IBM they also set the service instance id when
// Options.ServiceInstanceID is set, and {URL}/v1 as the resource
// configuration endpoint (backup policies). To use IAM bearer tokens
// instead of the key pair, add
//
//	client.WithSigner(signer.NewBearer(signer.NewIAMTokenProvider(apiKey,
//		func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })))
func (s *Server) ClientOptions() []func(*client.Options) {
	opts := []func(*client.Options){
		client.WithEndpoint(s.URL),
		client.WithRegion(s.opts.Region),
		client.WithStaticCredentials(s.opts.AccessKey, s.opts.SecretKey, ""),
	}
	if id := s.opts.ServiceInstanceID; id != "" {
		opts = append(opts, func(o *client.Options) { o.ServiceInstanceID = id })
	}
	if s.dialect.Bucket.BackupPolicies.Supported {
		opts = append(opts, client.WithResourceConfigEndpoint(s.URL+resourceConfigPrefix))
	}
	return opts
}

// Client returns a polystore client for the server's dialect, configured
// with ClientOptions and then optFns.
func (s *Server) Client(optFns ...func(*client.Options)) (*client.Client, error) {
	return client.New(s.dialect, append(s.ClientOptions(), optFns...)...)
}

// IAMEndpoint returns the base URL of the IAM token endpoint emulator, for
// signer.IAMOptions.Endpoint. Tokens are served at POST
// {IAMEndpoint}/identity/token.
func (s *Server) IAMEndpoint() string { return s.URL }

// APIKey returns the IBM IAM API key the token endpoint accepts.
func (s *Server) APIKey() string { return s.opts.APIKey }

// TokenRequests returns how many requests the IAM token endpoint served,
// successful or not.
func (s *Server) TokenRequests() int { return s.iam.requests() }

// MaxConcurrent returns the largest number of requests the server was
// handling at the same time since it started.
func (s *Server) MaxConcurrent() int {
	s.flightMu.Lock()
	defer s.flightMu.Unlock()
	return s.peak
}

// ServeHTTP handles one request. Servers are normally reached through URL;
// ServeHTTP lets a Server also be mounted in another handler. On dialects
// with IBM backup policies it also serves IBM's resource configuration
// API, by the path rule of ResourceConfigHandler's documentation
// (/v1/buckets/{bucket}/backup_policies..., or the same without /v1
// while the server has no bucket named "buckets").
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.enter()
	defer s.leave()
	if s.hooks.enter != nil {
		s.hooks.enter(r)
	}
	if _, vhost := s.vhostBucket(r.Host); !vhost && s.isResourceConfig(r) {
		s.serveResourceConfig(w, r)
		return
	}
	c := s.newCall(w, r)
	defer s.finish(c)

	var rt *route
	var routeErr error
	if !c.iam {
		rt, routeErr = s.resolve(c)
	}
	if f, ok := s.faults.take(r, c.iam); ok {
		if rt != nil {
			c.op = rt.opFor(c) // the operation the fault stands in for
		}
		if s.applyFault(c, f) {
			return
		}
		c.op = ""
	}
	if c.iam {
		s.serveIAM(c)
		return
	}
	if c.pathErr != nil {
		c.writeError(c.fail(errInvalidURI, ""))
		return
	}
	if rt != nil && rt.selfAuth {
		// CORS preflights come from browsers, unsigned; form uploads carry
		// their signature in the form, which their handler verifies.
		c.scheme = detectScheme(c.r, c.query)
	} else if err := s.authenticate(c); err != nil {
		c.writeError(err)
		return
	}
	if routeErr != nil {
		c.writeError(routeErr)
		return
	}
	s.run(c, rt)
}

func (s *Server) enter() {
	s.flightMu.Lock()
	s.inFlight++
	s.peak = max(s.peak, s.inFlight)
	s.flightMu.Unlock()
}

func (s *Server) leave() {
	s.flightMu.Lock()
	s.inFlight--
	s.flightMu.Unlock()
}

// newRequestID returns an id unique within the process: a random
// per-server prefix and a counter.
func (s *Server) newRequestID() string {
	return fmt.Sprintf("%s%08X", s.idPrefix, s.seq.Add(1))
}

// finish completes the log entry of a request whose handler is returning.
func (s *Server) finish(c *call) {
	c.finalize()
	sendRewritten(c)
	if s.opts.Logf != nil && !c.iam {
		// The path only: a presigned query holds signatures.
		s.opts.Logf("storagetest: %s %s %s -> %d %s", s.dialect.Name, c.r.Method, c.r.URL.EscapedPath(), c.w.status, c.code)
	}
	if s.hooks.done != nil && c.entry != nil {
		s.hooks.done(s.log.snapshot(c.entry))
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return strings.ToUpper(hex.EncodeToString(b))
}

// logWriter sends net/http's own error log to Options.Logf, or nowhere.
type logWriter struct{ logf func(string, ...any) }

func (w logWriter) Write(p []byte) (int, error) {
	if w.logf != nil {
		w.logf("storagetest: http: %s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
