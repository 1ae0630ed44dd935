package storagetest

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultVirtualHostDomain is the base domain of virtual-hosted-style
// requests when Options.VirtualHostDomain is empty.
const DefaultVirtualHostDomain = "localhost"

// Virtual-hosted-style addressing: besides path-style requests
// (http://127.0.0.1:PORT/bucket/key), a Server takes requests that name
// the bucket in the Host header, as current COS SDKs always send them and
// the S3 SDKs do unless told to use path style:
//
//	PUT /key HTTP/1.1
//	Host: bucket.localhost:PORT
//
// Such host names need not resolve: the client's dialer sends every
// connection to the server (DialContext, HTTPClient), so no DNS is used.

// vhostBucket returns the bucket a Host header names, and false for a
// path-style host. The host (port removed) must be <bucket>.<domain>; on
// QingStor, whose SDKs put the zone in the host, <zone>.<domain> is
// path-style and <bucket>.<zone>.<domain> names bucket.
func (s *Server) vhostBucket(host string) (string, bool) {
	domain := s.opts.VirtualHostDomain
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if len(host) <= len(domain)+1 || host[len(host)-len(domain)-1] != '.' || !strings.EqualFold(host[len(host)-len(domain):], domain) {
		return "", false
	}
	bucket := host[:len(host)-len(domain)-1]
	if s.wire.fl == flavorQingStor {
		for _, zone := range s.zones() {
			if strings.EqualFold(bucket, zone) {
				return "", false // zone.domain: path style
			}
			if b, ok := cutSuffixFold(bucket, "."+zone); ok {
				bucket = b
				break
			}
		}
	}
	if bucket == "" {
		return "", false
	}
	return bucket, true
}

// zones are the QingStor zones the server serves: Region, then
// Options.Zones.
func (s *Server) zones() []string {
	zs := make([]string, 0, 1+len(s.opts.Zones))
	if s.opts.Region != "" {
		zs = append(zs, s.opts.Region)
	}
	return append(zs, s.opts.Zones...)
}

// hostZone returns the QingStor zone a request's Host names:
// <zone>.<domain> or <bucket>.<zone>.<domain> for one of the server's
// zones; global is true for the bare domain (qingstor.com's stand-in),
// and any other host (the server's address) is Region's.
func (s *Server) hostZone(host string) (zone string, global bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	domain := s.opts.VirtualHostDomain
	if strings.EqualFold(host, domain) {
		return "", true
	}
	if sub, ok := cutSuffixFold(host, "."+domain); ok {
		for _, zone := range s.zones() {
			if strings.EqualFold(sub, zone) || strings.HasSuffix(strings.ToLower(sub), "."+strings.ToLower(zone)) {
				return zone, false
			}
		}
	}
	return s.opts.Region, false
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// v2BucketFromHost is the SigV2 verifier's rule: the server's virtual
// hosts, else the signer's default (bucket.s3.region.amazonaws.com).
func (s *Server) v2BucketFromHost(host string) string {
	if b, ok := s.vhostBucket(host); ok {
		return b
	}
	return ""
}

// qsBucketFromHost is the QingStor verifier's rule (host without port).
func (s *Server) qsBucketFromHost(host string) (string, bool) { return s.vhostBucket(host) }

// splitTarget finds the bucket and key a request names: from the Host
// header and the whole path for a virtual-hosted request, from the path
// otherwise.
func (s *Server) splitTarget(r *http.Request) (bucket, key string, vhost bool, err error) {
	if b, ok := s.vhostBucket(r.Host); ok {
		p, err := url.PathUnescape(r.URL.EscapedPath())
		if err != nil {
			return "", "", true, err
		}
		return b, strings.TrimPrefix(p, "/"), true, nil
	}
	bucket, key, err = splitPath(r.URL.EscapedPath())
	return bucket, key, false, err
}

// VirtualHostEndpoint returns the server's base URL under its virtual-host
// domain, "http://localhost:PORT": an endpoint for SDKs that put the
// bucket in the host themselves (bucket.localhost:PORT). Give them
// HTTPClient, or a transport with DialContext, to reach it without DNS.
func (s *Server) VirtualHostEndpoint() string {
	return "http://" + s.virtualHostDomain() + ":" + s.port()
}

// VirtualHostURL returns the virtual-hosted-style URL of a bucket,
// "http://bucket.localhost:PORT", for SDKs configured with a bucket URL
// (cos-go-sdk-v5's BaseURL.BucketURL).
func (s *Server) VirtualHostURL(bucket string) string {
	return "http://" + bucket + "." + s.virtualHostDomain() + ":" + s.port()
}

func (s *Server) virtualHostDomain() string { return s.opts.VirtualHostDomain }

func (s *Server) port() string {
	_, port, _ := net.SplitHostPort(s.ts.Listener.Addr().String())
	return port
}

// DialContext connects to the server, whatever address it is asked for.
// Set it as an http.Transport's DialContext to send a client's requests
// for any host (virtual hosts such as bucket.localhost:PORT, a vendor's
// default endpoint) to the server without resolving the name: nothing
// reaches another address.
func (s *Server) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.ts.Listener.Addr().String())
}

// HTTPClient returns a new HTTP client whose connections all go to the
// server (see DialContext), for vendor SDKs pointed at
// VirtualHostEndpoint or VirtualHostURL. The caller should call
// CloseIdleConnections on it when done.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:           s.DialContext, // no proxy, no DNS
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}
