package storagetest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// cfgMirror is QingStor's external mirror document.
type cfgMirror struct {
	SourceSite string `json:"source_site"`
}

// putMirror is QingStor's PUT /bucket?mirror {"source_site": "..."}: an
// http or https URL.
func (cs *configStore) putMirror(c *call) error {
	var doc cfgMirror
	if err := c.readJSON(&doc); err != nil {
		return err
	}
	if u, err := url.Parse(doc.SourceSite); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c.fail(errInvalidArgument, "source_site must be an http or https URL.")
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.mirror = doc.SourceSite; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getMirror is QingStor's GET /bucket?mirror. QingStor documents no
// error for a bucket without a mirror; storagetest answers an empty
// source_site, as it answers empty CORS and policy documents.
func (cs *configStore) getMirror(c *call) error {
	var site string
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { site = set.mirror; return nil }); err != nil {
		return err
	}
	c.result(http.StatusOK, document{j: cfgMirror{SourceSite: site}})
	return nil
}

// deleteMirror is QingStor's DELETE /bucket?mirror.
func (cs *configStore) deleteMirror(c *call) error {
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.mirror = ""; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// cfgTagging is a bucket's Tagging document (S3, COS).
type cfgTagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Tags    []struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	} `xml:"TagSet>Tag"`
}

// putTagging is PUT /bucket?tagging, which S3 and COS require to carry
// Content-MD5: 1 to MaxTags tags with unique, non-empty keys.
func (cs *configStore) putTagging(c *call) error {
	w := c.s.dialect.Bucket.Tagging
	var doc cfgTagging
	if err := c.readXML(true, &doc); err != nil {
		return err
	}
	if len(doc.Tags) == 0 || len(doc.Tags) > w.MaxTags {
		return c.fail(errInvalidArgument, "A bucket has 1 to "+strconv.Itoa(w.MaxTags)+" tags.")
	}
	keys := map[string]bool{}
	for _, t := range doc.Tags {
		if t.Key == "" || keys[t.Key] {
			return c.fail(errInvalidArgument, "Tag keys must be unique and not empty.")
		}
		keys[t.Key] = true
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.tagging = &doc; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// getTagging is GET /bucket?tagging; without tags, 404 NoSuchTagSet (COS
// NoSuchTagSetError).
func (cs *configStore) getTagging(c *call) error {
	var tg *cfgTagging
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { tg = set.tagging; return nil }); err != nil {
		return err
	}
	if tg == nil {
		return noSuchConfig(c.cosOr("NoSuchTagSet", "NoSuchTagSetError"), "The TagSet does not exist.")
	}
	doc := *tg
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// deleteTagging is DELETE /bucket?tagging.
func (cs *configStore) deleteTagging(c *call) error {
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.tagging = nil; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

// cfgReferer is COS's RefererConfiguration.
type cfgReferer struct {
	XMLName                 xml.Name `xml:"RefererConfiguration"`
	Xmlns                   string   `xml:"xmlns,attr,omitempty"`
	Status                  string   `xml:"Status"`
	RefererType             string   `xml:"RefererType"`
	Domains                 []string `xml:"DomainList>Domain"`
	EmptyReferConfiguration string   `xml:"EmptyReferConfiguration,omitempty"`
}

// putReferer is COS's PUT /bucket?referer.
func (cs *configStore) putReferer(c *call) error {
	var doc cfgReferer
	if err := c.readXML(false, &doc); err != nil {
		return err
	}
	switch {
	case doc.Status != "Enabled" && doc.Status != "Disabled",
		doc.RefererType != "White-List" && doc.RefererType != "Black-List",
		doc.EmptyReferConfiguration != "" && doc.EmptyReferConfiguration != "Allow" && doc.EmptyReferConfiguration != "Deny":
		return kindError(errMalformedXML)
	case doc.Status == "Enabled" && len(doc.Domains) == 0:
		return c.fail(errInvalidArgument, "An enabled referer configuration needs a domain.")
	}
	if doc.EmptyReferConfiguration == "" {
		doc.EmptyReferConfiguration = "Deny" // COS's default
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.referer = &doc; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getReferer is COS's GET /bucket?referer. COS documents no error for a
// bucket that never had one; storagetest answers an empty configuration.
func (cs *configStore) getReferer(c *call) error {
	var rf *cfgReferer
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { rf = set.referer; return nil }); err != nil {
		return err
	}
	doc := cfgReferer{}
	if rf != nil {
		doc = *rf
	}
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// cfgEncryption is a ServerSideEncryptionConfiguration (S3, COS).
type cfgEncryption struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		Default struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled *bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}

// putEncryption is PUT /bucket?encryption: one rule with an algorithm
// the dialect has.
func (cs *configStore) putEncryption(c *call) error {
	w := c.s.dialect.Bucket.Encryption
	var doc cfgEncryption
	if err := c.readXML(false, &doc); err != nil {
		return err
	}
	if len(doc.Rules) != 1 {
		return kindError(errMalformedXML)
	}
	r := doc.Rules[0].Default
	switch {
	case !slices.Contains(w.Algorithms, r.SSEAlgorithm):
		return c.fail(errInvalidArgument, "The encryption algorithm is not supported: "+r.SSEAlgorithm)
	case r.KMSMasterKeyID != "" && !slices.Contains(w.KeyAlgorithms, r.SSEAlgorithm):
		return c.fail(errInvalidArgument, "KMSMasterKeyID is only for KMS algorithms.")
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.encryption = &doc; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getEncryption is GET /bucket?encryption; without one, 404
// ServerSideEncryptionConfigurationNotFoundError (COS
// NoSuchEncryptionConfiguration).
func (cs *configStore) getEncryption(c *call) error {
	var enc *cfgEncryption
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { enc = set.encryption; return nil }); err != nil {
		return err
	}
	if enc == nil {
		return noSuchConfig(c.cosOr("ServerSideEncryptionConfigurationNotFoundError", "NoSuchEncryptionConfiguration"),
			"The server side encryption configuration was not found.")
	}
	doc := *enc
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// deleteEncryption is DELETE /bucket?encryption.
func (cs *configStore) deleteEncryption(c *call) error {
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.encryption = nil; return nil }); err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}
