package storagetest

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// cfgProtection is IBM's ProtectionConfiguration.
type cfgProtection struct {
	XMLName                  xml.Name `xml:"ProtectionConfiguration"`
	Xmlns                    string   `xml:"xmlns,attr,omitempty"`
	Status                   string   `xml:"Status,omitempty"`
	MinimumRetention         *cfgDays `xml:"MinimumRetention"`
	MaximumRetention         *cfgDays `xml:"MaximumRetention"`
	DefaultRetention         *cfgDays `xml:"DefaultRetention"`
	EnablePermanentRetention *bool    `xml:"EnablePermanentRetention"`
}

type cfgDays struct {
	Days int `xml:"Days"`
}

// putProtection is IBM's PUT /bucket?protection, which requires
// Content-MD5. Periods are 0 to MaxDays days, minimum ≤ default ≤
// maximum.
func (cs *configStore) putProtection(c *call) error {
	var doc cfgProtection
	if err := c.readXML(true, &doc); err != nil {
		return err
	}
	if doc.Status != "Retention" || doc.MinimumRetention == nil || doc.MaximumRetention == nil || doc.DefaultRetention == nil {
		return kindError(errMalformedXML)
	}
	most := c.s.dialect.Bucket.Protection.MaxDays
	lo, def, hi := doc.MinimumRetention.Days, doc.DefaultRetention.Days, doc.MaximumRetention.Days
	for _, d := range []int{lo, def, hi} {
		if d < 0 || d > most {
			return c.fail(errInvalidArgument, "Retention periods are 0 to "+strconv.Itoa(most)+" days.")
		}
	}
	if lo > def || def > hi {
		return c.fail(errInvalidArgument, "The retention periods must satisfy MinimumRetention <= DefaultRetention <= MaximumRetention.")
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.protection = &doc; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getProtection is IBM's GET /bucket?protection. A bucket without
// protection answers a configuration with no status (IBM's documentation
// shows no error for this case).
func (cs *configStore) getProtection(c *call) error {
	var p *cfgProtection
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { p = set.protection; return nil }); err != nil {
		return err
	}
	doc := cfgProtection{}
	if p != nil {
		doc = *p
	}
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// cfgObjectLock is an ObjectLockConfiguration.
type cfgObjectLock struct {
	XMLName           xml.Name           `xml:"ObjectLockConfiguration"`
	Xmlns             string             `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string             `xml:"ObjectLockEnabled"`
	Rule              *cfgObjectLockRule `xml:"Rule"`
}

type cfgObjectLockRule struct {
	DefaultRetention struct {
		Days  *int   `xml:"Days"`
		Mode  string `xml:"Mode"`
		Years *int   `xml:"Years"`
	} `xml:"DefaultRetention"`
}

// putObjectLock is PUT /bucket?object-lock (S3, IBM), which requires
// Content-MD5. The bucket must have been created with object lock, or
// have versioning enabled (which then turns object lock on).
func (cs *configStore) putObjectLock(c *call) error {
	w := c.s.dialect.Bucket.ObjectLock
	var doc cfgObjectLock
	if err := c.readXML(true, &doc); err != nil {
		return err
	}
	if !strings.EqualFold(doc.ObjectLockEnabled, w.Enabled) {
		return kindError(errMalformedXML)
	}
	if r := doc.Rule; r != nil {
		dr := r.DefaultRetention
		if !slices.Contains(w.Modes, dr.Mode) {
			return kindError(errMalformedXML)
		}
		if (dr.Days == nil) == (dr.Years == nil) {
			return c.fail(errMalformedXML, "The DefaultRetention period must specify either Days or Years, not both.")
		}
		if (dr.Days != nil && *dr.Days <= 0) || (dr.Years != nil && *dr.Years <= 0) {
			return c.fail(errInvalidArgument, "Default retention period must be a positive integer value.")
		}
	} else if w.RuleRequired {
		return c.fail(errMalformedXML, "An object lock configuration must contain one rule.")
	}
	err := cs.update(c.bucket, func(b *bucket, set *configSet) error {
		switch {
		case b.objectLock:
		case b.versioning == versioningEnabled:
			b.objectLock = true
		default:
			return c.fail(errInvalidBucketState, "Object Lock configuration cannot be enabled on a bucket without versioning.")
		}
		set.lockRule = doc.Rule
		return nil
	})
	if err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getObjectLock is GET /bucket?object-lock; a bucket without object lock
// answers 404 ObjectLockConfigurationNotFoundError.
func (cs *configStore) getObjectLock(c *call) error {
	var on bool
	var rule *cfgObjectLockRule
	if err := cs.view(c.bucket, func(b *bucket, set *configSet) error { on, rule = b.objectLock, set.lockRule; return nil }); err != nil {
		return err
	}
	if !on {
		return noSuchConfig("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket.")
	}
	doc := cfgObjectLock{Xmlns: c.s.wire.xmlns(), ObjectLockEnabled: c.s.dialect.Bucket.ObjectLock.Enabled, Rule: rule}
	c.result(http.StatusOK, document{x: doc})
	return nil
}
