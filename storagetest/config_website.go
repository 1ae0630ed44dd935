package storagetest

import (
	"encoding/xml"
	"net/http"
)

// cfgWebsite is a WebsiteConfiguration (S3, IBM).
type cfgWebsite struct {
	XMLName               xml.Name `xml:"WebsiteConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	RedirectAllRequestsTo *struct {
		HostName string `xml:"HostName"`
		Protocol string `xml:"Protocol,omitempty"`
	} `xml:"RedirectAllRequestsTo"`
	IndexDocument *struct {
		Suffix string `xml:"Suffix"`
	} `xml:"IndexDocument"`
	ErrorDocument *struct {
		Key string `xml:"Key"`
	} `xml:"ErrorDocument"`
	RoutingRules *struct {
		Rules []cfgRoutingRule `xml:"RoutingRule"`
	} `xml:"RoutingRules"`
}

type cfgRoutingRule struct {
	Condition *struct {
		HTTPErrorCodeReturnedEquals string `xml:"HttpErrorCodeReturnedEquals,omitempty"`
		KeyPrefixEquals             string `xml:"KeyPrefixEquals,omitempty"`
	} `xml:"Condition"`
	Redirect struct {
		HostName             string `xml:"HostName,omitempty"`
		HTTPRedirectCode     string `xml:"HttpRedirectCode,omitempty"`
		Protocol             string `xml:"Protocol,omitempty"`
		ReplaceKeyPrefixWith string `xml:"ReplaceKeyPrefixWith,omitempty"`
		ReplaceKeyWith       string `xml:"ReplaceKeyWith,omitempty"`
	} `xml:"Redirect"`
}

// putWebsite is PUT /bucket?website. RedirectAllRequestsTo must be the
// only element when present; otherwise IndexDocument is required.
func (cs *configStore) putWebsite(c *call) error {
	var doc cfgWebsite
	if err := c.readXML(false, &doc); err != nil {
		return err
	}
	switch {
	case doc.RedirectAllRequestsTo != nil:
		if doc.IndexDocument != nil || doc.ErrorDocument != nil || doc.RoutingRules != nil {
			return c.fail(errInvalidRequest, "RedirectAllRequestsTo cannot be provided in conjunction with other Routing/Redirect configurations.")
		}
		if doc.RedirectAllRequestsTo.HostName == "" {
			return kindError(errMalformedXML)
		}
	case doc.IndexDocument == nil || doc.IndexDocument.Suffix == "":
		return c.fail(errInvalidArgument, "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty.")
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.website = &doc; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getWebsite is GET /bucket?website; without one, 404
// NoSuchWebsiteConfiguration.
func (cs *configStore) getWebsite(c *call) error {
	var ws *cfgWebsite
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { ws = set.website; return nil }); err != nil {
		return err
	}
	if ws == nil {
		return noSuchConfig("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration.")
	}
	doc := *ws
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// deleteWebsite is DELETE /bucket?website.
func (cs *configStore) deleteWebsite(c *call) error {
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.website = nil; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// cfgPublicAccessBlock is a PublicAccessBlockConfiguration. IBM takes the
// two ACL flags only.
type cfgPublicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       *bool    `xml:"BlockPublicAcls"`
	IgnorePublicAcls      *bool    `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     *bool    `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets *bool    `xml:"RestrictPublicBuckets"`
}

// putPublicAccessBlock is PUT /bucket?publicAccessBlock.
func (cs *configStore) putPublicAccessBlock(c *call) error {
	var doc cfgPublicAccessBlock
	if err := c.readXML(false, &doc); err != nil {
		return err
	}
	if !c.s.dialect.Bucket.PublicAccessBlock.PolicyFlags && (doc.BlockPublicPolicy != nil || doc.RestrictPublicBuckets != nil) {
		return kindError(errMalformedXML)
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.pab = &doc; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getPublicAccessBlock is GET /bucket?publicAccessBlock: every flag the
// dialect has, false where not set; without one, 404
// NoSuchPublicAccessBlockConfiguration.
func (cs *configStore) getPublicAccessBlock(c *call) error {
	var p *cfgPublicAccessBlock
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { p = set.pab; return nil }); err != nil {
		return err
	}
	if p == nil {
		return noSuchConfig("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found.")
	}
	flag := func(b *bool) *bool { v := b != nil && *b; return &v }
	doc := cfgPublicAccessBlock{Xmlns: c.s.wire.xmlns(), BlockPublicAcls: flag(p.BlockPublicAcls), IgnorePublicAcls: flag(p.IgnorePublicAcls)}
	if c.s.dialect.Bucket.PublicAccessBlock.PolicyFlags {
		doc.BlockPublicPolicy, doc.RestrictPublicBuckets = flag(p.BlockPublicPolicy), flag(p.RestrictPublicBuckets)
	}
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// deletePublicAccessBlock is DELETE /bucket?publicAccessBlock.
func (cs *configStore) deletePublicAccessBlock(c *call) error {
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.pab = nil; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}
