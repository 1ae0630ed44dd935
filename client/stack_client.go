package client

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// derived is what a client works out once from its options, so that its
// calls need not: the compiled stacks of its operations, the User-Agent
// value, the parsed base URLs, the tracer and the metric instruments.
// Calls with per-call options work these out for themselves (except the
// stacks, which they share unless they edit them).
type derived struct {
	stacks     *stackCache
	ua         []string      // the User-Agent header value
	tlsTimeout time.Duration // the transport's TLS handshake limit, if known
	path       baseURL       // Endpoint, or the dialect's PathEndpoint
	vhost      baseURL       // the dialect's virtual-host Endpoint (no Endpoint set)
	tel        telemetrySource
}

// baseURL is a parsed base URL. A virtual-host template's host is split
// around the bucket: host is pre + bucket + post.
type baseURL struct {
	ok        bool
	u         url.URL
	rawPath   string // u's escaped path, without a trailing '/'
	pre, post string
}

// bucketPlaceholder stands for the bucket in a parsed virtual-host
// template: a valid host label no bucket is named.
const bucketPlaceholder = "polystore-bucket-placeholder-0123456789"

// derive fills c.derived from c.opts and c.base.
func (c *Client) derive() {
	o := &c.opts
	c.stacks = &stackCache{}
	c.ua = []string{userAgentValue(o)}
	c.tlsTimeout = 0
	switch t := c.base.(type) {
	case *ownTransport:
		c.tlsTimeout = t.std.TLSHandshakeTimeout // Timeouts.TLSHandshake as New saw it
	case *http.Transport:
		c.tlsTimeout = t.TLSHandshakeTimeout
	}
	c.path, c.vhost = baseURL{}, baseURL{}
	d := &c.dialect
	if o.Endpoint != "" {
		c.path = parseBase(strings.TrimRight(o.Endpoint, "/"))
	} else {
		c.path = parseBase(expand(d.PathEndpoint, "", o.Region))
		if b := parseBase(expand(d.Endpoint, bucketPlaceholder, o.Region)); b.ok {
			if pre, post, found := strings.Cut(b.u.Host, bucketPlaceholder); found && !strings.Contains(b.u.Path, bucketPlaceholder) {
				b.pre, b.post = pre, post
				c.vhost = b
			}
		}
	}
	c.tel = newTelemetrySource(o)
}

func parseBase(s string) baseURL {
	u, err := url.Parse(s)
	if err != nil {
		return baseURL{}
	}
	return baseURL{ok: true, u: *u, rawPath: strings.TrimRight(u.EscapedPath(), "/")}
}

// userAgentValue is the User-Agent value for o.
func userAgentValue(o *Options) string {
	if o.UserAgent != "" {
		return o.UserAgent + " " + userAgent
	}
	return userAgent
}

// userAgentFor returns the User-Agent header value of a call with o. The
// client's own is shared by its requests: net/http and the signers only
// read it, and Header.Add would copy it (its capacity is its length).
func (c *Client) userAgentFor(o *Options) []string {
	if o == &c.opts || o.UserAgent == c.opts.UserAgent {
		return c.ua[:1:1]
	}
	return []string{userAgentValue(o)}
}

// bases returns the parsed base URLs for a call with o: the client's, or
// none if the call's endpoint or region differ.
func (c *Client) bases(o *Options) (path, vhost *baseURL) {
	if o == &c.opts || (o.Endpoint == c.opts.Endpoint && o.Region == c.opts.Region) {
		return &c.path, &c.vhost
	}
	return nil, nil
}
