package bucket

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// WebsiteProtocol is the scheme of a website redirect.
type WebsiteProtocol string

// Website redirect protocols.
const (
	// WebsiteProtocolDefault keeps the scheme of the original request.
	WebsiteProtocolDefault WebsiteProtocol = ""
	WebsiteProtocolHTTP    WebsiteProtocol = "http"
	WebsiteProtocolHTTPS   WebsiteProtocol = "https"
)

// Values returns the protocols a redirect may name.
func (WebsiteProtocol) Values() []WebsiteProtocol {
	return []WebsiteProtocol{WebsiteProtocolHTTP, WebsiteProtocolHTTPS}
}

// WebsiteConfiguration configures a bucket for static website hosting
// (S3, IBM). Either RedirectAllRequestsTo is set and nothing else, or
// IndexDocument is set, with ErrorDocument and RoutingRules optional.
type WebsiteConfiguration struct {
	// IndexDocument is the suffix served for requests to a "directory"
	// (IndexDocument.Suffix), such as "index.html". It must not contain
	// '/'.
	IndexDocument string
	// ErrorDocument is the key of the object served on 4xx errors
	// (ErrorDocument.Key).
	ErrorDocument string
	// RedirectAllRequestsTo sends every request to another host. When set
	// it must be the only element.
	RedirectAllRequestsTo *WebsiteRedirectAll
	// RoutingRules redirect requests that match a condition.
	RoutingRules []RoutingRule
}

// WebsiteRedirectAll redirects every request of a website.
type WebsiteRedirectAll struct {
	// HostName is the host requests go to. Required.
	HostName string
	// Protocol is the scheme of the redirect; empty keeps the request's.
	Protocol WebsiteProtocol
}

// RoutingRule redirects the requests that match Condition.
type RoutingRule struct {
	// Condition selects requests; nil matches every request.
	Condition *RoutingCondition
	// Redirect says where matching requests go.
	Redirect RoutingRedirect
}

// RoutingCondition selects the requests a routing rule redirects. At
// least one field is set.
type RoutingCondition struct {
	// KeyPrefixEquals matches keys with this prefix.
	KeyPrefixEquals string
	// HTTPErrorCodeReturnedEquals matches requests answered with this
	// 4xx or 5xx status; 0 leaves it unset.
	HTTPErrorCodeReturnedEquals int
}

// RoutingRedirect is where a routing rule sends a request. At least one
// field is set; ReplaceKeyPrefixWith and ReplaceKeyWith exclude each
// other.
type RoutingRedirect struct {
	// HostName replaces the request's host.
	HostName string
	// Protocol replaces the request's scheme.
	Protocol WebsiteProtocol
	// HTTPRedirectCode is the 3xx status of the redirect; 0 means 301.
	HTTPRedirectCode int
	// ReplaceKeyPrefixWith replaces the prefix KeyPrefixEquals matched.
	ReplaceKeyPrefixWith string
	// ReplaceKeyWith replaces the whole key.
	ReplaceKeyWith string
}

// PutWebsiteInput is the input of PutWebsite.
type PutWebsiteInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Website is the configuration. Required.
	Website *WebsiteConfiguration
}

// PutWebsiteOutput is the result of PutWebsite.
type PutWebsiteOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetWebsiteInput is the input of GetWebsite.
type GetWebsiteInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetWebsiteOutput is the result of GetWebsite.
type GetWebsiteOutput struct {
	// Website is the bucket's website configuration.
	Website WebsiteConfiguration
	// RequestID is the service's request id.
	RequestID string
}

// DeleteWebsiteInput is the input of DeleteWebsite.
type DeleteWebsiteInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteWebsiteOutput is the result of DeleteWebsite.
type DeleteWebsiteOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var websiteFeature = feature{"static website configurations", func(w *client.BucketWire) bool { return w.Website.Supported }}

func validateProtocol(field string, p WebsiteProtocol) error {
	switch p {
	case WebsiteProtocolDefault, WebsiteProtocolHTTP, WebsiteProtocolHTTPS:
		return nil
	}
	return client.InvalidArgument(field, "must be http, https or empty, got %q", p)
}

func validatePutWebsite(d *client.Dialect, in *PutWebsiteInput) error {
	ws := in.Website
	if ws == nil {
		return client.InvalidArgument("Website", "is required (use DeleteWebsite to remove the configuration)")
	}
	if ra := ws.RedirectAllRequestsTo; ra != nil {
		switch {
		case ws.IndexDocument != "":
			return client.InvalidArgument("Website.IndexDocument", "must be empty with RedirectAllRequestsTo, which must be the only element")
		case ws.ErrorDocument != "":
			return client.InvalidArgument("Website.ErrorDocument", "must be empty with RedirectAllRequestsTo, which must be the only element")
		case len(ws.RoutingRules) > 0:
			return client.InvalidArgument("Website.RoutingRules", "must be empty with RedirectAllRequestsTo, which must be the only element")
		case ra.HostName == "":
			return client.InvalidArgument("Website.RedirectAllRequestsTo.HostName", "must not be empty")
		}
		return validateProtocol("Website.RedirectAllRequestsTo.Protocol", ra.Protocol)
	}
	if ws.IndexDocument == "" {
		return client.InvalidArgument("Website.IndexDocument", "is required unless RedirectAllRequestsTo is set")
	}
	if strings.Contains(ws.IndexDocument, "/") {
		return client.InvalidArgument("Website.IndexDocument", "%q must not contain '/'", ws.IndexDocument)
	}
	if most := d.Bucket.Website.MaxRoutingRules; most > 0 && len(ws.RoutingRules) > most {
		return client.InvalidArgument("Website.RoutingRules", "has %d rules; the %s limit is %d", len(ws.RoutingRules), d.Name, most)
	}
	for i, rr := range ws.RoutingRules {
		f := func(name string) string { return field("Website.RoutingRules", i, name) }
		if c := rr.Condition; c != nil {
			if c.KeyPrefixEquals == "" && c.HTTPErrorCodeReturnedEquals == 0 {
				return client.InvalidArgument(f("Condition"), "must set KeyPrefixEquals or HTTPErrorCodeReturnedEquals (or be nil)")
			}
			if code := c.HTTPErrorCodeReturnedEquals; code != 0 && (code < 400 || code > 599) {
				return client.InvalidArgument(f("Condition.HTTPErrorCodeReturnedEquals"), "must be a 4xx or 5xx status, got %d", code)
			}
		}
		r := rr.Redirect
		if r == (RoutingRedirect{}) {
			return client.InvalidArgument(f("Redirect"), "must set at least one field")
		}
		if r.ReplaceKeyPrefixWith != "" && r.ReplaceKeyWith != "" {
			return client.InvalidArgument(f("Redirect"), "must not set both ReplaceKeyPrefixWith and ReplaceKeyWith")
		}
		if code := r.HTTPRedirectCode; code != 0 && (code < 300 || code > 399) {
			return client.InvalidArgument(f("Redirect.HTTPRedirectCode"), "must be a 3xx status, got %d", code)
		}
		if err := validateProtocol(f("Redirect.Protocol"), r.Protocol); err != nil {
			return err
		}
	}
	return nil
}

type xmlWebsiteConfiguration struct {
	XMLName               xml.Name            `xml:"WebsiteConfiguration"`
	Xmlns                 string              `xml:"xmlns,attr,omitempty"`
	RedirectAllRequestsTo *xmlRedirectAll     `xml:"RedirectAllRequestsTo"`
	IndexDocument         *xmlIndexDocument   `xml:"IndexDocument"`
	ErrorDocument         *xmlErrorDocument   `xml:"ErrorDocument"`
	RoutingRules          *xmlRoutingRuleList `xml:"RoutingRules"`
}

type xmlRedirectAll struct {
	HostName string `xml:"HostName"`
	Protocol string `xml:"Protocol,omitempty"`
}

type xmlIndexDocument struct {
	Suffix string `xml:"Suffix"`
}

type xmlErrorDocument struct {
	Key string `xml:"Key"`
}

type xmlRoutingRuleList struct {
	Rules []xmlRoutingRule `xml:"RoutingRule"`
}

type xmlRoutingRule struct {
	Condition *xmlRoutingCondition `xml:"Condition"`
	Redirect  xmlRoutingRedirect   `xml:"Redirect"`
}

type xmlRoutingCondition struct {
	HTTPErrorCodeReturnedEquals string `xml:"HttpErrorCodeReturnedEquals,omitempty"`
	KeyPrefixEquals             string `xml:"KeyPrefixEquals,omitempty"`
}

type xmlRoutingRedirect struct {
	HostName             string `xml:"HostName,omitempty"`
	HTTPRedirectCode     string `xml:"HttpRedirectCode,omitempty"`
	Protocol             string `xml:"Protocol,omitempty"`
	ReplaceKeyPrefixWith string `xml:"ReplaceKeyPrefixWith,omitempty"`
	ReplaceKeyWith       string `xml:"ReplaceKeyWith,omitempty"`
}

// statusText renders a status code for a document; "" for 0.
func statusText(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}

// statusCode reads a document's status code; 0 if it is not a number.
func statusCode(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func websiteXML(d *client.Dialect, ws *WebsiteConfiguration) xmlWebsiteConfiguration {
	doc := xmlWebsiteConfiguration{Xmlns: d.Bucket.XMLNamespace}
	if ra := ws.RedirectAllRequestsTo; ra != nil {
		doc.RedirectAllRequestsTo = &xmlRedirectAll{HostName: ra.HostName, Protocol: string(ra.Protocol)}
		return doc
	}
	doc.IndexDocument = &xmlIndexDocument{Suffix: ws.IndexDocument}
	if ws.ErrorDocument != "" {
		doc.ErrorDocument = &xmlErrorDocument{Key: ws.ErrorDocument}
	}
	if len(ws.RoutingRules) > 0 {
		doc.RoutingRules = &xmlRoutingRuleList{}
		for _, rr := range ws.RoutingRules {
			x := xmlRoutingRule{Redirect: xmlRoutingRedirect{
				HostName: rr.Redirect.HostName, HTTPRedirectCode: statusText(rr.Redirect.HTTPRedirectCode),
				Protocol: string(rr.Redirect.Protocol), ReplaceKeyPrefixWith: rr.Redirect.ReplaceKeyPrefixWith,
				ReplaceKeyWith: rr.Redirect.ReplaceKeyWith,
			}}
			if c := rr.Condition; c != nil {
				x.Condition = &xmlRoutingCondition{
					HTTPErrorCodeReturnedEquals: statusText(c.HTTPErrorCodeReturnedEquals), KeyPrefixEquals: c.KeyPrefixEquals,
				}
			}
			doc.RoutingRules.Rules = append(doc.RoutingRules.Rules, x)
		}
	}
	return doc
}

func websiteFromXML(doc *xmlWebsiteConfiguration) WebsiteConfiguration {
	var ws WebsiteConfiguration
	if ra := doc.RedirectAllRequestsTo; ra != nil {
		ws.RedirectAllRequestsTo = &WebsiteRedirectAll{HostName: ra.HostName, Protocol: WebsiteProtocol(ra.Protocol)}
	}
	if doc.IndexDocument != nil {
		ws.IndexDocument = doc.IndexDocument.Suffix
	}
	if doc.ErrorDocument != nil {
		ws.ErrorDocument = doc.ErrorDocument.Key
	}
	if doc.RoutingRules != nil {
		for _, x := range doc.RoutingRules.Rules {
			rr := RoutingRule{Redirect: RoutingRedirect{
				HostName: x.Redirect.HostName, HTTPRedirectCode: statusCode(x.Redirect.HTTPRedirectCode),
				Protocol: WebsiteProtocol(x.Redirect.Protocol), ReplaceKeyPrefixWith: x.Redirect.ReplaceKeyPrefixWith,
				ReplaceKeyWith: x.Redirect.ReplaceKeyWith,
			}}
			if c := x.Condition; c != nil {
				rr.Condition = &RoutingCondition{
					KeyPrefixEquals: c.KeyPrefixEquals, HTTPErrorCodeReturnedEquals: statusCode(c.HTTPErrorCodeReturnedEquals),
				}
			}
			ws.RoutingRules = append(ws.RoutingRules, rr)
		}
	}
	return ws
}

var putWebsiteOp = configOp[PutWebsiteInput, PutWebsiteOutput]{
	name: "PutBucketWebsite", method: http.MethodPut, sub: "website", feature: websiteFeature,
	bucket:   func(in *PutWebsiteInput) string { return in.Bucket },
	validate: validatePutWebsite,
	serialize: func(d *client.Dialect, in *PutWebsiteInput, r *opkit.Request) error {
		return setXML(d, r, websiteXML(d, in.Website))
	},
	requestID: func(out *PutWebsiteOutput) *string { return &out.RequestID },
}.op()

// PutWebsite replaces a bucket's static website configuration (S3, IBM:
// PUT ?website). Other dialects refuse it with client.ErrNotSupported.
func (c *Client) PutWebsite(ctx context.Context, in *PutWebsiteInput, optFns ...func(*client.Options)) (*PutWebsiteOutput, error) {
	return opkit.Call(ctx, c.c, &putWebsiteOp, in, optFns...)
}

var getWebsiteOp = configOp[GetWebsiteInput, GetWebsiteOutput]{
	name: "GetBucketWebsite", method: http.MethodGet, sub: "website", feature: websiteFeature,
	bucket: func(in *GetWebsiteInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetWebsiteOutput) error {
		var doc xmlWebsiteConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.Website = websiteFromXML(&doc)
		return nil
	},
	requestID: func(out *GetWebsiteOutput) *string { return &out.RequestID },
}.op()

// GetWebsite returns a bucket's static website configuration. A bucket
// without one is an error matching client.ErrNotFound.
func (c *Client) GetWebsite(ctx context.Context, in *GetWebsiteInput, optFns ...func(*client.Options)) (*GetWebsiteOutput, error) {
	return getConfig(ctx, c, &getWebsiteOp, in, optFns, func(out *GetWebsiteOutput) bool {
		return out.Website.IndexDocument == "" && out.Website.RedirectAllRequestsTo == nil
	}, "website configuration")
}

var deleteWebsiteOp = configOp[DeleteWebsiteInput, DeleteWebsiteOutput]{
	name: "DeleteBucketWebsite", method: http.MethodDelete, sub: "website", feature: websiteFeature,
	bucket:    func(in *DeleteWebsiteInput) string { return in.Bucket },
	requestID: func(out *DeleteWebsiteOutput) *string { return &out.RequestID },
}.op()

// DeleteWebsite removes a bucket's static website configuration.
func (c *Client) DeleteWebsite(ctx context.Context, in *DeleteWebsiteInput, optFns ...func(*client.Options)) (*DeleteWebsiteOutput, error) {
	return opkit.Call(ctx, c.c, &deleteWebsiteOp, in, optFns...)
}

// PublicAccessBlock blocks public access to a bucket (S3, IBM). IBM takes
// only the two ACL flags.
type PublicAccessBlock struct {
	// BlockPublicAcls refuses requests that would add a public ACL; it
	// does not change ACLs already set.
	BlockPublicAcls bool
	// IgnorePublicAcls makes the service ignore public ACLs, existing
	// ones included.
	IgnorePublicAcls bool
	// BlockPublicPolicy refuses bucket policies that grant public access
	// (S3).
	BlockPublicPolicy bool
	// RestrictPublicBuckets limits a bucket with a public policy to
	// service principals and the owner's account (S3).
	RestrictPublicBuckets bool
}

// PutPublicAccessBlockInput is the input of PutPublicAccessBlock.
type PutPublicAccessBlockInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// PublicAccessBlock is the configuration. Required.
	PublicAccessBlock *PublicAccessBlock
}

// PutPublicAccessBlockOutput is the result of PutPublicAccessBlock.
type PutPublicAccessBlockOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetPublicAccessBlockInput is the input of GetPublicAccessBlock.
type GetPublicAccessBlockInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetPublicAccessBlockOutput is the result of GetPublicAccessBlock.
type GetPublicAccessBlockOutput struct {
	// PublicAccessBlock is the bucket's configuration.
	PublicAccessBlock PublicAccessBlock
	// RequestID is the service's request id.
	RequestID string
}

// DeletePublicAccessBlockInput is the input of DeletePublicAccessBlock.
type DeletePublicAccessBlockInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeletePublicAccessBlockOutput is the result of DeletePublicAccessBlock.
type DeletePublicAccessBlockOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var publicAccessBlockFeature = feature{"public access blocks", func(w *client.BucketWire) bool { return w.PublicAccessBlock.Supported }}

type xmlPublicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     *bool    `xml:"BlockPublicPolicy,omitempty"`
	RestrictPublicBuckets *bool    `xml:"RestrictPublicBuckets,omitempty"`
}

var putPublicAccessBlockOp = configOp[PutPublicAccessBlockInput, PutPublicAccessBlockOutput]{
	name: "PutPublicAccessBlock", method: http.MethodPut, sub: "publicAccessBlock", feature: publicAccessBlockFeature,
	bucket: func(in *PutPublicAccessBlockInput) string { return in.Bucket },
	validate: func(d *client.Dialect, in *PutPublicAccessBlockInput) error {
		p := in.PublicAccessBlock
		switch {
		case p == nil:
			return client.InvalidArgument("PublicAccessBlock", "is required (use DeletePublicAccessBlock to remove the configuration)")
		case d.Bucket.PublicAccessBlock.PolicyFlags:
		case p.BlockPublicPolicy:
			return client.NotSupported(d, "PublicAccessBlock.BlockPublicPolicy", "blocking public bucket policies")
		case p.RestrictPublicBuckets:
			return client.NotSupported(d, "PublicAccessBlock.RestrictPublicBuckets", "restricting public buckets")
		}
		return nil
	},
	serialize: func(d *client.Dialect, in *PutPublicAccessBlockInput, r *opkit.Request) error {
		p := in.PublicAccessBlock
		doc := xmlPublicAccessBlock{Xmlns: d.Bucket.XMLNamespace, BlockPublicAcls: p.BlockPublicAcls, IgnorePublicAcls: p.IgnorePublicAcls}
		if d.Bucket.PublicAccessBlock.PolicyFlags {
			doc.BlockPublicPolicy, doc.RestrictPublicBuckets = &p.BlockPublicPolicy, &p.RestrictPublicBuckets
		}
		return setXML(d, r, doc)
	},
	requestID: func(out *PutPublicAccessBlockOutput) *string { return &out.RequestID },
}.op()

// PutPublicAccessBlock replaces a bucket's public access block (S3, IBM:
// PUT ?publicAccessBlock). IBM refuses BlockPublicPolicy and
// RestrictPublicBuckets with client.ErrNotSupported; other dialects
// refuse the operation.
func (c *Client) PutPublicAccessBlock(ctx context.Context, in *PutPublicAccessBlockInput, optFns ...func(*client.Options)) (*PutPublicAccessBlockOutput, error) {
	return opkit.Call(ctx, c.c, &putPublicAccessBlockOp, in, optFns...)
}

var getPublicAccessBlockOp = configOp[GetPublicAccessBlockInput, GetPublicAccessBlockOutput]{
	name: "GetPublicAccessBlock", method: http.MethodGet, sub: "publicAccessBlock", feature: publicAccessBlockFeature,
	bucket: func(in *GetPublicAccessBlockInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetPublicAccessBlockOutput) error {
		var doc xmlPublicAccessBlock
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.PublicAccessBlock = PublicAccessBlock{
			BlockPublicAcls: doc.BlockPublicAcls, IgnorePublicAcls: doc.IgnorePublicAcls,
			BlockPublicPolicy:     doc.BlockPublicPolicy != nil && *doc.BlockPublicPolicy,
			RestrictPublicBuckets: doc.RestrictPublicBuckets != nil && *doc.RestrictPublicBuckets,
		}
		return nil
	},
	requestID: func(out *GetPublicAccessBlockOutput) *string { return &out.RequestID },
}.op()

// GetPublicAccessBlock returns a bucket's public access block. A bucket
// without one is an error matching client.ErrNotFound.
func (c *Client) GetPublicAccessBlock(ctx context.Context, in *GetPublicAccessBlockInput, optFns ...func(*client.Options)) (*GetPublicAccessBlockOutput, error) {
	return opkit.Call(ctx, c.c, &getPublicAccessBlockOp, in, optFns...)
}

var deletePublicAccessBlockOp = configOp[DeletePublicAccessBlockInput, DeletePublicAccessBlockOutput]{
	name: "DeletePublicAccessBlock", method: http.MethodDelete, sub: "publicAccessBlock", feature: publicAccessBlockFeature,
	bucket:    func(in *DeletePublicAccessBlockInput) string { return in.Bucket },
	requestID: func(out *DeletePublicAccessBlockOutput) *string { return &out.RequestID },
}.op()

// DeletePublicAccessBlock removes a bucket's public access block.
func (c *Client) DeletePublicAccessBlock(ctx context.Context, in *DeletePublicAccessBlockInput, optFns ...func(*client.Options)) (*DeletePublicAccessBlockOutput, error) {
	return opkit.Call(ctx, c.c, &deletePublicAccessBlockOp, in, optFns...)
}
