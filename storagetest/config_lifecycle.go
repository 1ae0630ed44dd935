package storagetest

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// cfgLifecycle is an S3 (IBM, COS) LifecycleConfiguration.
type cfgLifecycle struct {
	XMLName xml.Name           `xml:"LifecycleConfiguration"`
	Xmlns   string             `xml:"xmlns,attr,omitempty"`
	Rules   []cfgLifecycleRule `xml:"Rule"`
}

type cfgLifecycleRule struct {
	ID                             string          `xml:"ID,omitempty"`
	Filter                         *cfgPrefix      `xml:"Filter"`
	Prefix                         *string         `xml:"Prefix"`
	Status                         string          `xml:"Status"`
	Transitions                    []cfgTransition `xml:"Transition"`
	Expiration                     *cfgExpiration  `xml:"Expiration"`
	NoncurrentVersionExpiration    *cfgNoncurrent  `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *cfgAbortUpload `xml:"AbortIncompleteMultipartUpload"`
}

type cfgPrefix struct {
	Prefix string `xml:"Prefix"`
}

type cfgTransition struct {
	Days         *int   `xml:"Days"`
	Date         string `xml:"Date,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

type cfgExpiration struct {
	Days                      *int   `xml:"Days"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker"`
}

type cfgNoncurrent struct {
	NoncurrentDays int `xml:"NoncurrentDays"`
}

type cfgAbortUpload struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}

// cfgQSLifecycle is QingStor's lifecycle document.
type cfgQSLifecycle struct {
	Rules []cfgQSRule `json:"rule"`
}

type cfgQSRule struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Filter *struct {
		Prefix *string `json:"prefix"`
	} `json:"filter"`
	Expiration *struct {
		Days int `json:"days"`
	} `json:"expiration,omitempty"`
	AbortIncompleteMultipartUpload *struct {
		DaysAfterInitiation int `json:"days_after_initiation"`
	} `json:"abort_incomplete_multipart_upload,omitempty"`
	Transition *struct {
		Days         int    `json:"days"`
		StorageClass string `json:"storage_class"`
	} `json:"transition,omitempty"`
}

// checkDate checks a lifecycle date: ISO 8601 at midnight UTC.
func (c *call) checkDate(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !t.Equal(t.UTC().Truncate(24*time.Hour)) {
		return c.fail(errInvalidArgument, "'Date' must be at midnight GMT: "+s)
	}
	return nil
}

// checkLifecycle checks an XML lifecycle configuration against the
// dialect's rules (client.LifecycleWire), answering as the vendors do.
func (c *call) checkLifecycle(doc *cfgLifecycle) error {
	w := c.s.dialect.Bucket.Lifecycle
	if len(doc.Rules) == 0 || len(doc.Rules) > w.MaxRules {
		return c.fail(errMalformedXML, "A lifecycle configuration holds 1 to "+strconv.Itoa(w.MaxRules)+" rules.")
	}
	ids := map[string]bool{}
	for _, r := range doc.Rules {
		if r.Status != w.Enabled && r.Status != w.Disabled {
			return kindError(errMalformedXML)
		}
		if utf8.RuneCountInString(r.ID) > w.MaxIDLength || (r.ID != "" && ids[r.ID]) {
			return c.fail(errInvalidArgument, "Rule IDs must be unique and at most "+strconv.Itoa(w.MaxIDLength)+" characters.")
		}
		ids[r.ID] = true
		if p := w.IDPunctuation; p != "" && strings.IndexFunc(r.ID, func(ch rune) bool { return !isAlnum(ch) && !strings.ContainsRune(p, ch) }) >= 0 {
			return c.fail(errInvalidArgument, "The rule ID has a character that is not allowed: "+r.ID)
		}
		actions := len(r.Transitions)
		for _, present := range []bool{r.Expiration != nil, r.NoncurrentVersionExpiration != nil, r.AbortIncompleteMultipartUpload != nil} {
			if present {
				actions++
			}
		}
		if actions == 0 {
			return c.fail(errInvalidRequest, "At least one action needs to be specified in a rule.")
		}
		if e := r.Expiration; e != nil {
			set := 0
			if e.Days != nil {
				set++
				if *e.Days <= 0 {
					return c.fail(errInvalidArgument, "'Days' for Expiration action must be a positive integer.")
				}
			}
			if e.Date != "" {
				set++
				if err := c.checkDate(e.Date); err != nil {
					return err
				}
			}
			if e.ExpiredObjectDeleteMarker != nil {
				set++
			}
			if set != 1 {
				return kindError(errMalformedXML)
			}
		}
		if w.MaxTransitions > 0 && len(r.Transitions) > w.MaxTransitions {
			return c.fail(errInvalidRequest, "A rule holds at most "+strconv.Itoa(w.MaxTransitions)+" transition.")
		}
		for _, t := range r.Transitions {
			if !slices.Contains(w.TransitionClasses, t.StorageClass) {
				return c.fail(errInvalidArgument, "The storage class you specified is not valid: "+t.StorageClass)
			}
			if (t.Days == nil) == (t.Date == "") {
				return kindError(errMalformedXML)
			}
			if t.Date != "" {
				if err := c.checkDate(t.Date); err != nil {
					return err
				}
			} else if *t.Days < 0 {
				return c.fail(errInvalidArgument, "'Days' for Transition action must be a nonnegative integer.")
			}
			if w.WholeBucketTransitions && r.Filter != nil && r.Filter.Prefix != "" {
				return c.fail(errInvalidRequest, "A rule with a transition must apply to the whole bucket: its Prefix must be empty.")
			}
		}
		if nv := r.NoncurrentVersionExpiration; nv != nil && nv.NoncurrentDays <= 0 {
			return c.fail(errInvalidArgument, "'NoncurrentDays' in NoncurrentVersionExpiration action must be a positive integer.")
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil && a.DaysAfterInitiation <= 0 {
			return c.fail(errInvalidArgument, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer.")
		}
	}
	return nil
}

// checkQSLifecycle checks QingStor's lifecycle document: at most 100
// rules, each with a unique id, a status, a filter and one action.
func (c *call) checkQSLifecycle(doc *cfgQSLifecycle) error {
	w := c.s.dialect.Bucket.Lifecycle
	if len(doc.Rules) == 0 || len(doc.Rules) > w.MaxRules {
		return c.fail(errInvalidRequest, "A lifecycle holds 1 to "+strconv.Itoa(w.MaxRules)+" rules.")
	}
	ids := map[string]bool{}
	for _, r := range doc.Rules {
		if r.ID == "" || ids[r.ID] || utf8.RuneCountInString(r.ID) > w.MaxIDLength {
			return c.fail(errInvalidArgument, "Every rule needs a unique id of at most "+strconv.Itoa(w.MaxIDLength)+" characters.")
		}
		ids[r.ID] = true
		if r.Status != w.Enabled && r.Status != w.Disabled {
			return c.fail(errInvalidArgument, "A rule's status is enabled or disabled.")
		}
		if r.Filter == nil || r.Filter.Prefix == nil {
			return c.fail(errInvalidArgument, "Every rule needs a filter with a prefix.")
		}
		actions := 0
		for _, present := range []bool{r.Expiration != nil, r.AbortIncompleteMultipartUpload != nil, r.Transition != nil} {
			if present {
				actions++
			}
		}
		if actions != 1 {
			return c.fail(errInvalidArgument, "Every rule holds exactly one action.")
		}
		if t := r.Transition; t != nil && !slices.Contains(w.TransitionClasses, t.StorageClass) {
			return c.fail(errInvalidArgument, "The storage class you specified is not valid: "+t.StorageClass)
		}
	}
	return nil
}

// putLifecycle is PUT /bucket?lifecycle: S3, IBM and COS send XML with
// the Content-MD5 they require; QingStor sends {"rule": [...]}.
func (cs *configStore) putLifecycle(c *call) error {
	if c.s.wire.fl == flavorQingStor {
		var doc cfgQSLifecycle
		if err := c.readJSON(&doc); err != nil {
			return err
		}
		if err := c.checkQSLifecycle(&doc); err != nil {
			return err
		}
		if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.lifecycleQS = &doc; return nil }); err != nil {
			return err
		}
		c.emptyOK(http.StatusOK)
		return nil
	}
	var doc cfgLifecycle
	if err := c.readXML(true, &doc); err != nil {
		return err
	}
	if err := c.checkLifecycle(&doc); err != nil {
		return err
	}
	if err := cs.update(c.bucket, func(_ *bucket, set *configSet) error { set.lifecycle = &doc; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// getLifecycle is GET /bucket?lifecycle; without a configuration, 404
// NoSuchLifecycleConfiguration (QingStor: an empty rule list).
func (cs *configStore) getLifecycle(c *call) error {
	var x *cfgLifecycle
	var j *cfgQSLifecycle
	if err := cs.view(c.bucket, func(_ *bucket, set *configSet) error { x, j = set.lifecycle, set.lifecycleQS; return nil }); err != nil {
		return err
	}
	if c.s.wire.fl == flavorQingStor {
		if j == nil {
			j = &cfgQSLifecycle{Rules: []cfgQSRule{}}
		}
		c.result(http.StatusOK, document{j: j})
		return nil
	}
	if x == nil {
		return noSuchConfig("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist.")
	}
	doc := *x
	doc.Xmlns = c.s.wire.xmlns()
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// deleteLifecycle is DELETE /bucket?lifecycle.
func (cs *configStore) deleteLifecycle(c *call) error {
	err := cs.update(c.bucket, func(_ *bucket, set *configSet) error {
		set.lifecycle, set.lifecycleQS = nil, nil
		return nil
	})
	if err != nil {
		return err
	}
	c.noContent(http.StatusNoContent)
	return nil
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
