package storagetest

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// IBM Immutable Object Storage on objects
// (https://cloud.ibm.com/docs/cloud-object-storage?topic=cloud-object-storage-immutable).
// An object written to a bucket with a protection configuration gets a
// retention: the period its PUT asked for (Retention-Period or
// Retention-Expiration-Date, within the bucket's minimum and maximum) or
// the bucket's default. Until it ends, and while the object carries a
// legal hold, the object can be neither deleted nor overwritten: such
// requests answer 403 AccessDenied (IBM documents that they fail, not
// how; this is S3 object lock's answer). Legal holds (?legalHold) and
// retention extension (?extendRetention) work on objects that have a
// retention; IBM documents only their statuses (400, 404, 409), so the
// 404 and 409 codes here are storagetest's own. Objects completed by a multipart upload get
// no retention.

// objRetention is an object's retention state. It is never changed in
// place: a change stores a new value in a clone of the object.
type objRetention struct {
	created time.Time
	expires time.Time
	holds   []objHold
}

type objHold struct {
	id   string
	date time.Time
}

// locked reports whether the object may not be deleted or overwritten.
func (r *objRetention) locked(now time.Time) bool {
	return r != nil && (len(r.holds) > 0 || now.Before(r.expires))
}

// period is the retention period in whole seconds.
func (r *objRetention) period() int64 { return int64(r.expires.Sub(r.created) / time.Second) }

// errProtected answers a delete or overwrite of a protected object.
func (s *Server) errProtected() *apiError {
	return s.wire.errorFor(errAccessDenied, "The object is under retention or has a legal hold; it cannot be deleted or overwritten.")
}

// checkUnprotected refuses, when the dialect has object retention, to
// delete or replace version versionID ("" for the current one) of key.
// The caller holds the store's write lock.
func (s *Server) checkUnprotected(b *bucket, key, versionID string) error {
	if !s.dialect.Has(client.FeatureRetention) {
		return nil
	}
	e := b.entries[key]
	if e == nil {
		return nil
	}
	var o *object
	switch {
	case versionID != "":
		if i := e.find(versionID); i >= 0 {
			o = e.versions[i]
		}
	case b.versioning == versioningEnabled:
		return nil // a new version or delete marker leaves the old one
	default:
		o = e.latest()
	}
	if o != nil && o.retention.locked(s.opts.Clock()) {
		return s.errProtected()
	}
	return nil
}

// protectionOf returns the protection configuration of b, or nil. The
// caller holds the store's lock.
func (s *Server) protectionOf(b *bucket) *cfgProtection {
	if s.config == nil {
		return nil
	}
	if set := s.config.buckets[b.name]; set != nil && set.owner == b {
		return set.protection
	}
	return nil
}

// retentionDate reads a date of IBM's retention headers:
// 2020-11-28T03:10:01Z or 20201128T031001Z.
func retentionDate(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05Z", "20060102T150405Z"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// retentionSeconds reads a non-negative number of seconds.
func retentionSeconds(v string) (time.Duration, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > int64(1<<63-1)/int64(time.Second) {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// retentionRequest is what a PUT's retention headers ask for.
type retentionRequest struct {
	period  time.Duration
	until   time.Time
	holdID  string
	present bool
}

// readRetentionHeaders reads a PUT's retention headers, on dialects with
// object retention.
func (c *call) readRetentionHeaders() (retentionRequest, error) {
	var rq retentionRequest
	if !c.s.dialect.Has(client.FeatureRetention) {
		return rq, nil
	}
	w := c.s.dialect.Object.Retention
	h := c.r.Header
	p, d, id := h.Get(w.PeriodHeader), h.Get(w.ExpirationHeader), h.Get(w.LegalHoldHeader)
	rq.present = p != "" || d != "" || id != ""
	var ok bool
	switch {
	case p != "" && d != "":
		return rq, c.fail(errInvalidArgument, w.PeriodHeader+" and "+w.ExpirationHeader+" cannot both be set.")
	case p != "":
		if rq.period, ok = retentionSeconds(p); !ok {
			return rq, c.fail(errInvalidArgument, w.PeriodHeader+" must be a number of seconds.")
		}
	case d != "":
		if rq.until, ok = retentionDate(d); !ok {
			return rq, c.fail(errInvalidArgument, w.ExpirationHeader+" must be an ISO 8601 date such as 2020-11-28T03:10:01Z.")
		}
	}
	if id != "" {
		if err := c.checkHoldID(id); err != nil {
			return rq, err
		}
		rq.holdID = id
	}
	return rq, nil
}

// retentionFor computes the retention of o, created now in bucket b from
// request rq: none outside a protected bucket (where retention headers
// are refused), else the period asked for or the bucket's default. The
// caller holds the store's lock.
func (c *call) retentionFor(b *bucket, o *object, rq retentionRequest) (*objRetention, error) {
	p := c.s.protectionOf(b)
	if p == nil {
		if rq.present {
			return nil, c.fail(errInvalidRequest, "The bucket has no retention policy; retention headers are not allowed.")
		}
		return nil, nil
	}
	// Whole seconds in UTC, as retention states are reported (UTC days
	// have no daylight-saving jumps).
	r := &objRetention{created: o.modified.UTC().Truncate(time.Second)}
	switch {
	case rq.period != 0 || c.r.Header.Get(c.s.dialect.Object.Retention.PeriodHeader) != "":
		r.expires = r.created.Add(rq.period)
	case !rq.until.IsZero():
		r.expires = rq.until
	default:
		r.expires = r.created.AddDate(0, 0, p.DefaultRetention.Days)
	}
	lo := r.created.AddDate(0, 0, p.MinimumRetention.Days)
	hi := r.created.AddDate(0, 0, p.MaximumRetention.Days)
	if r.expires.Before(lo) || r.expires.After(hi) {
		return nil, c.fail(errInvalidArgument, "The retention period must lie between the bucket's minimum and maximum retention.")
	}
	if rq.holdID != "" {
		r.holds = []objHold{{id: rq.holdID, date: o.modified}}
	}
	return r, nil
}

// putProtected stores o as a PUT (or copy) does, on dialects with object
// retention: it refuses to overwrite a protected object and gives o its
// retention.
func (c *call) putProtected(o *object, rq retentionRequest) error {
	st := &c.s.store
	return st.withBucket(c.bucket, func(b *bucket) error {
		if err := c.s.checkUnprotected(b, o.key, ""); err != nil {
			return err
		}
		r, err := c.retentionFor(b, o, rq)
		if err != nil {
			return err
		}
		o.retention = r
		st.put(b, o)
		return nil
	})
}

// checkHoldID applies IBM's legal hold ID rules.
func (c *call) checkHoldID(id string) error {
	w := c.s.dialect.Object.Retention
	n := len([]rune(id))
	bad := n == 0 || n > w.MaxLegalHoldIDLength || strings.IndexFunc(id, func(r rune) bool {
		return !isAlnum(r) && !strings.ContainsRune(w.LegalHoldIDPunctuation, r)
	}) >= 0
	if bad {
		return c.fail(errInvalidArgument, "A legal hold ID is 1 to "+strconv.Itoa(w.MaxLegalHoldIDLength)+" letters, digits and "+w.LegalHoldIDPunctuation+".")
	}
	return nil
}

// changeRetention runs fn on the retention of the current version of
// the call's object and stores what fn returns.
func (c *call) changeRetention(fn func(r *objRetention, prot *cfgProtection) (*objRetention, error)) error {
	return c.s.store.withBucket(c.bucket, func(b *bucket) error {
		o, err := b.lookup(c.key, "")
		if err != nil {
			return err
		}
		if o.retention == nil {
			return c.fail(errInvalidRequest, "The object has no retention period.")
		}
		r, err := fn(o.retention, c.s.protectionOf(b))
		if err != nil {
			return err
		}
		n := o.clone()
		n.retention = r
		b.replaceVersion(o, n)
		return nil
	})
}

// legalHoldOp names a POST ?legalHold request by the hold it changes.
func (s *Server) legalHoldOp(c *call) string {
	if c.query.Has(s.dialect.Object.Retention.RemoveParam) {
		return "RemoveLegalHold"
	}
	return "AddLegalHold"
}

// opChangeLegalHold is POST /bucket/key?legalHold&add={id} or
// &remove={id}. IBM requires Content-MD5. An object carries at most
// MaxLegalHolds holds; adding one it has answers 409.
func (s *Server) opChangeLegalHold(c *call) error {
	w := s.dialect.Object.Retention
	if c.r.Header.Get("Content-MD5") == "" {
		return kindError(errMissingContentMD5)
	}
	add, remove := c.query.Has(w.AddParam), c.query.Has(w.RemoveParam)
	if add == remove {
		return c.fail(errInvalidArgument, "Name one legal hold with "+w.AddParam+" or "+w.RemoveParam+".")
	}
	id := c.query.Get(w.AddParam)
	if remove {
		id = c.query.Get(w.RemoveParam)
	}
	if err := c.checkHoldID(id); err != nil {
		return err
	}
	now := s.opts.Clock()
	err := c.changeRetention(func(r *objRetention, _ *cfgProtection) (*objRetention, error) {
		i := slices.IndexFunc(r.holds, func(h objHold) bool { return h.id == id })
		n := *r
		switch {
		case add && i >= 0:
			return nil, &apiError{Status: http.StatusConflict, Code: "LegalHoldAlreadyExists", Message: "The object already has legal hold " + id + "."}
		case add && len(r.holds) >= w.MaxLegalHolds:
			return nil, c.fail(errInvalidArgument, "An object can have at most "+strconv.Itoa(w.MaxLegalHolds)+" legal holds.")
		case add:
			n.holds = append(slices.Clip(r.holds), objHold{id: id, date: now})
		case i < 0:
			return nil, &apiError{Status: http.StatusNotFound, Code: "NoSuchLegalHold", Message: "The object has no legal hold " + id + "."}
		default:
			n.holds = slices.Delete(slices.Clone(r.holds), i, i+1)
		}
		return &n, nil
	})
	if err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// xmlRetentionState is IBM's answer to GET ?legalHold.
type xmlRetentionState struct {
	XMLName                       xml.Name `xml:"RetentionState"`
	CreateTime                    string   `xml:"CreateTime"`
	RetentionPeriod               int64    `xml:"RetentionPeriod"`
	RetentionPeriodExpirationDate string   `xml:"RetentionPeriodExpirationDate"`
	LegalHoldSet                  struct {
		LegalHolds []xmlLegalHold `xml:"LegalHold"`
	} `xml:"LegalHoldSet"`
}

type xmlLegalHold struct {
	ID   string `xml:"ID"`
	Date string `xml:"Date"`
}

// ibmDate is how IBM's reference shows the dates of a retention state.
const ibmDate = "Mon, 2 Jan 2006 15:04:05 GMT"

// opListLegalHolds is GET /bucket/key?legalHold. An object without a
// retention answers 404.
func (s *Server) opListLegalHolds(c *call) error {
	o, err := s.store.getObject(c.bucket, c.key, "")
	if err != nil {
		return err
	}
	r := o.retention
	if r == nil {
		return &apiError{Status: http.StatusNotFound, Code: "NoSuchObjectRetention", Message: "The object has no retention period."}
	}
	doc := xmlRetentionState{
		CreateTime:                    r.created.UTC().Format(ibmDate),
		RetentionPeriod:               r.period(),
		RetentionPeriodExpirationDate: r.expires.UTC().Format(ibmDate),
	}
	for _, h := range r.holds {
		doc.LegalHoldSet.LegalHolds = append(doc.LegalHoldSet.LegalHolds, xmlLegalHold{ID: h.id, Date: h.date.UTC().Format(ibmDate)})
	}
	c.result(http.StatusOK, document{x: doc})
	return nil
}

// opExtendRetention is POST /bucket/key?extendRetention with exactly one
// of the four extension headers. The new retention must end later than
// the current one, and no later than the bucket's maximum from now.
func (s *Server) opExtendRetention(c *call) error {
	w := s.dialect.Object.Retention
	h := c.r.Header
	var set []string
	for _, name := range []string{w.AdditionalPeriodHeader, w.FromNowHeader, w.NewPeriodHeader, w.NewExpirationHeader} {
		if h.Get(name) != "" {
			set = append(set, name)
		}
	}
	if len(set) != 1 {
		return c.fail(errInvalidArgument, "Set exactly one of "+w.AdditionalPeriodHeader+", "+w.FromNowHeader+", "+w.NewPeriodHeader+" and "+w.NewExpirationHeader+".")
	}
	name, v := set[0], h.Get(set[0])
	var p time.Duration
	var date time.Time
	ok := true
	if name == w.NewExpirationHeader {
		date, ok = retentionDate(v)
	} else {
		p, ok = retentionSeconds(v)
	}
	if !ok {
		return c.fail(errInvalidArgument, name+" is not valid.")
	}
	now := s.opts.Clock()
	err := c.changeRetention(func(r *objRetention, prot *cfgProtection) (*objRetention, error) {
		n := *r
		switch name {
		case w.AdditionalPeriodHeader:
			n.expires = r.expires.Add(p)
		case w.FromNowHeader:
			n.expires = now.Add(p)
		case w.NewPeriodHeader:
			n.expires = r.created.Add(p)
		default:
			n.expires = date
		}
		if !n.expires.After(r.expires) {
			return nil, c.fail(errInvalidArgument, "A retention period can only be extended.")
		}
		if prot != nil && n.expires.After(now.UTC().AddDate(0, 0, prot.MaximumRetention.Days)) {
			return nil, c.fail(errInvalidArgument, "The retention would end after the bucket's maximum retention from now.")
		}
		return &n, nil
	})
	if err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}
