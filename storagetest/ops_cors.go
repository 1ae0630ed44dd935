package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxCORSRules is the most rules one configuration may hold (S3's limit).
const maxCORSRules = 100

// corsMethods are the methods a CORS rule may allow.
var corsMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead}

// corsRule is one rule of a bucket's CORS configuration.
type corsRule struct {
	id      string
	origins []string
	methods []string
	headers []string
	expose  []string
	maxAge  int // seconds; -1 if not set
}

type xmlCORSRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds,omitempty"`
}

type xmlCORSConfiguration struct {
	XMLName xml.Name      `xml:"CORSConfiguration"`
	Xmlns   string        `xml:"xmlns,attr,omitempty"`
	Rules   []xmlCORSRule `xml:"CORSRule"`
}

// jsonCORSRule is a QingStor CORS rule: one origin per rule.
type jsonCORSRule struct {
	AllowedOrigin  string   `json:"allowed_origin"`
	AllowedMethods []string `json:"allowed_methods"`
	AllowedHeaders []string `json:"allowed_headers,omitempty"`
	ExposeHeaders  []string `json:"expose_headers,omitempty"`
	MaxAgeSeconds  *int     `json:"max_age_seconds,omitempty"`
}

type jsonCORSConfiguration struct {
	CORSRules []jsonCORSRule `json:"cors_rules"`
}

// parseCORSBody reads a CORS configuration in the dialect's codec and
// checks it: at least one rule, each with an origin and methods S3
// knows.
func (c *call) parseCORSBody(body []byte) ([]corsRule, error) {
	var rules []corsRule
	maxAge := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	if c.s.wire.fl == flavorQingStor {
		var in jsonCORSConfiguration
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, c.fail(errMalformedXML, "The request body is not valid JSON: "+err.Error())
		}
		for _, r := range in.CORSRules {
			var origins []string
			if r.AllowedOrigin != "" {
				origins = []string{r.AllowedOrigin}
			}
			rules = append(rules, corsRule{origins: origins, methods: r.AllowedMethods, headers: r.AllowedHeaders, expose: r.ExposeHeaders, maxAge: maxAge(r.MaxAgeSeconds)})
		}
	} else {
		var in xmlCORSConfiguration
		if err := xml.Unmarshal(body, &in); err != nil {
			return nil, kindError(errMalformedXML)
		}
		for _, r := range in.Rules {
			rules = append(rules, corsRule{id: r.ID, origins: r.AllowedOrigins, methods: r.AllowedMethods, headers: r.AllowedHeaders, expose: r.ExposeHeaders, maxAge: maxAge(r.MaxAgeSeconds)})
		}
	}
	if len(rules) == 0 || len(rules) > maxCORSRules {
		return nil, c.fail(errMalformedXML, "A CORS configuration holds 1 to "+strconv.Itoa(maxCORSRules)+" rules.")
	}
	for _, r := range rules {
		if len(r.origins) == 0 || len(r.methods) == 0 {
			return nil, c.fail(errMalformedXML, "Every CORS rule needs an allowed origin and an allowed method.")
		}
		for _, m := range r.methods {
			if !slices.Contains(corsMethods, m) {
				return nil, c.fail(errInvalidRequest, "Found unsupported HTTP method in CORS config. Unsupported method is "+m)
			}
		}
	}
	return rules, nil
}

// opPutBucketCORS is PUT /bucket?cors. S3, IBM and COS require
// Content-MD5.
func (s *Server) opPutBucketCORS(c *call) error {
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	body, err := c.readConfigBody(s.wire.fl != flavorQingStor)
	if err != nil {
		return err
	}
	rules, err := c.parseCORSBody(body)
	if err != nil {
		return err
	}
	if err := s.store.withBucket(c.bucket, func(b *bucket) error { b.cors = rules; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// opGetBucketCORS is GET /bucket?cors; without a configuration, 404
// NoSuchCORSConfiguration (QingStor: an empty rule list).
func (s *Server) opGetBucketCORS(c *call) error {
	var rules []corsRule
	if err := s.store.readBucket(c.bucket, func(b *bucket) error { rules = b.cors; return nil }); err != nil {
		return err
	}
	if rules == nil && s.wire.fl != flavorQingStor {
		return kindError(errNoSuchCORS)
	}
	c.result(http.StatusOK, &corsResult{rules: rules})
	return nil
}

// opDeleteBucketCORS is DELETE /bucket?cors.
func (s *Server) opDeleteBucketCORS(c *call) error {
	if err := s.store.withBucket(c.bucket, func(b *bucket) error { b.cors = nil; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

type corsResult struct{ rules []corsRule }

func (r *corsResult) xmlForm(w *wire) any {
	out := xmlCORSConfiguration{Xmlns: w.xmlns()}
	for _, rule := range r.rules {
		x := xmlCORSRule{ID: rule.id, AllowedOrigins: rule.origins, AllowedMethods: rule.methods, AllowedHeaders: rule.headers, ExposeHeaders: rule.expose}
		if rule.maxAge >= 0 {
			age := rule.maxAge
			x.MaxAgeSeconds = &age
		}
		out.Rules = append(out.Rules, x)
	}
	return out
}

func (r *corsResult) jsonForm(*wire) any {
	out := jsonCORSConfiguration{CORSRules: []jsonCORSRule{}}
	for _, rule := range r.rules {
		for _, origin := range rule.origins {
			j := jsonCORSRule{AllowedOrigin: origin, AllowedMethods: rule.methods, AllowedHeaders: rule.headers, ExposeHeaders: rule.expose}
			if rule.maxAge >= 0 {
				age := rule.maxAge
				j.MaxAgeSeconds = &age
			}
			out.CORSRules = append(out.CORSRules, j)
		}
	}
	return out
}

// opOptionsObject is OPTIONS /bucket/key, a CORS preflight request: the
// Origin and Access-Control-Request-Method (and -Headers) are checked
// against the bucket's CORS rules; the first rule that allows them all
// answers with the Access-Control-Allow-* headers, else 403.
func (s *Server) opOptionsObject(c *call) error {
	h := c.r.Header
	origin, method := h.Get("Origin"), h.Get("Access-Control-Request-Method")
	if origin == "" || method == "" {
		return kindError(errPreflightIncomplete)
	}
	var reqHeaders []string
	for _, v := range strings.Split(h.Get("Access-Control-Request-Headers"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			reqHeaders = append(reqHeaders, v)
		}
	}
	var rules []corsRule
	if err := s.store.readBucket(c.bucket, func(b *bucket) error { rules = b.cors; return nil }); err != nil {
		return err
	}
	if rules == nil {
		return c.fail(errCORSForbidden, "CORSResponse: CORS is not enabled for this bucket.")
	}
	for _, r := range rules {
		matched := ""
		for _, o := range r.origins {
			if wildcardMatch(o, origin, false) {
				matched = o
				break
			}
		}
		if matched == "" || !slices.Contains(r.methods, method) || !headersAllowed(r.headers, reqHeaders) {
			continue
		}
		out := c.w.Header()
		allowOrigin := origin
		if matched == "*" {
			allowOrigin = "*"
		} else {
			out.Set("Access-Control-Allow-Credentials", "true")
		}
		sep := ", "
		if s.wire.fl == flavorCOS || s.wire.fl == flavorQingStor {
			sep = ","
		}
		out.Set("Access-Control-Allow-Origin", allowOrigin)
		out.Set("Access-Control-Allow-Methods", strings.Join(r.methods, sep))
		if len(reqHeaders) > 0 {
			out.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, sep))
		}
		if len(r.expose) > 0 {
			out.Set("Access-Control-Expose-Headers", strings.Join(r.expose, sep))
		}
		if r.maxAge >= 0 {
			out.Set("Access-Control-Max-Age", strconv.Itoa(r.maxAge))
		}
		out.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
		c.emptyOK(http.StatusOK)
		return nil
	}
	return kindError(errCORSForbidden)
}

// headersAllowed reports whether every requested header matches one of
// the rule's allowed headers (case-insensitive, with * wildcards).
func headersAllowed(allowed, requested []string) bool {
	for _, h := range requested {
		if !slices.ContainsFunc(allowed, func(a string) bool { return wildcardMatch(a, h, true) }) {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against a pattern with at most one '*'.
func wildcardMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}
