package bucket

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// LifecycleStatus says whether a lifecycle rule is applied.
type LifecycleStatus string

// Lifecycle rule states.
const (
	LifecycleEnabled  LifecycleStatus = "Enabled"
	LifecycleDisabled LifecycleStatus = "Disabled"
)

// Values returns the states a rule can be in.
func (LifecycleStatus) Values() []LifecycleStatus {
	return []LifecycleStatus{LifecycleEnabled, LifecycleDisabled}
}

// TransitionClass is a storage class a lifecycle rule moves objects to.
// Which classes a dialect accepts is in its dialect table
// (client.LifecycleWire.TransitionClasses).
type TransitionClass string

// Transition storage classes.
const (
	// TransitionGlacier is S3 Glacier Flexible Retrieval, and IBM's
	// archive tier.
	TransitionGlacier TransitionClass = "GLACIER"
	// TransitionAccelerated is IBM's accelerated archive (not for IaaS
	// accounts).
	TransitionAccelerated TransitionClass = "ACCELERATED"
	// TransitionStandardIA is infrequent access (S3, COS, QingStor).
	TransitionStandardIA TransitionClass = "STANDARD_IA"
	// TransitionOneZoneIA is S3 One Zone-Infrequent Access.
	TransitionOneZoneIA TransitionClass = "ONEZONE_IA"
	// TransitionIntelligentTiering is intelligent tiering (S3, COS).
	TransitionIntelligentTiering TransitionClass = "INTELLIGENT_TIERING"
	// TransitionDeepArchive is deep archive (S3, COS).
	TransitionDeepArchive TransitionClass = "DEEP_ARCHIVE"
	// TransitionGlacierIR is S3 Glacier Instant Retrieval.
	TransitionGlacierIR TransitionClass = "GLACIER_IR"
	// TransitionArchive is COS archive storage.
	TransitionArchive TransitionClass = "ARCHIVE"
	// TransitionMAZStandardIA is COS multi-AZ infrequent access.
	TransitionMAZStandardIA TransitionClass = "MAZ_STANDARD_IA"
)

// Values returns the classes polystore knows.
func (TransitionClass) Values() []TransitionClass {
	return []TransitionClass{TransitionGlacier, TransitionAccelerated, TransitionStandardIA, TransitionOneZoneIA,
		TransitionIntelligentTiering, TransitionDeepArchive, TransitionGlacierIR, TransitionArchive, TransitionMAZStandardIA}
}

// LifecycleRule is one rule of a bucket's lifecycle configuration: which
// objects it applies to and what happens to them when.
type LifecycleRule struct {
	// ID names the rule. QingStor requires one; IBM allows only letters,
	// digits and ! _ . * ' ( ) -. At most 255 characters.
	ID string
	// Status says whether the rule is applied.
	Status LifecycleStatus
	// Prefix limits the rule to keys that start with it; "" is the whole
	// bucket (which IBM requires of rules with a transition).
	Prefix string
	// Expiration deletes objects, or expired delete markers.
	Expiration *LifecycleExpiration
	// Transitions move objects to other storage classes. IBM and QingStor
	// take one per rule.
	Transitions []LifecycleTransition
	// NoncurrentVersionExpiration deletes noncurrent versions (S3, IBM,
	// COS).
	NoncurrentVersionExpiration *NoncurrentVersionExpiration
	// AbortIncompleteMultipartUpload aborts uploads left unfinished.
	AbortIncompleteMultipartUpload *AbortIncompleteMultipartUpload
}

// LifecycleExpiration says when objects expire: after Days, on Date, or,
// with ExpiredObjectDeleteMarker, that delete markers with no versions
// left behind them are removed. Exactly one of the three is set.
type LifecycleExpiration struct {
	// Days after an object's creation, at least 1.
	Days int
	// Date is midnight UTC of the day objects expire (not QingStor).
	Date time.Time
	// ExpiredObjectDeleteMarker removes expired delete markers (not
	// QingStor).
	ExpiredObjectDeleteMarker bool
}

// LifecycleTransition moves objects to StorageClass after Days (0 means
// at once) or on Date.
type LifecycleTransition struct {
	// Days after an object's creation.
	Days int
	// Date is midnight UTC of the day objects move (not QingStor); Days
	// must then be 0.
	Date time.Time
	// StorageClass is the class objects move to.
	StorageClass TransitionClass
}

// NoncurrentVersionExpiration deletes object versions NoncurrentDays (at
// least 1) after they stopped being current.
type NoncurrentVersionExpiration struct {
	// NoncurrentDays counts from when a version stopped being current.
	NoncurrentDays int
}

// AbortIncompleteMultipartUpload aborts multipart uploads
// DaysAfterInitiation (at least 1) days after they started.
type AbortIncompleteMultipartUpload struct {
	// DaysAfterInitiation counts from when the upload started.
	DaysAfterInitiation int
}

// actions counts the actions a rule carries.
func (r *LifecycleRule) actions() int {
	n := len(r.Transitions)
	if r.Expiration != nil {
		n++
	}
	if r.NoncurrentVersionExpiration != nil {
		n++
	}
	if r.AbortIncompleteMultipartUpload != nil {
		n++
	}
	return n
}

// PutLifecycleInput is the input of PutLifecycle.
type PutLifecycleInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Rules replace the bucket's lifecycle configuration. At least one.
	Rules []LifecycleRule
}

// PutLifecycleOutput is the result of PutLifecycle.
type PutLifecycleOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetLifecycleInput is the input of GetLifecycle.
type GetLifecycleInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetLifecycleOutput is the result of GetLifecycle.
type GetLifecycleOutput struct {
	// Rules are the bucket's lifecycle rules, at least one.
	Rules []LifecycleRule
	// RequestID is the service's request id.
	RequestID string
}

// DeleteLifecycleInput is the input of DeleteLifecycle.
type DeleteLifecycleInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteLifecycleOutput is the result of DeleteLifecycle.
type DeleteLifecycleOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var lifecycleFeature = feature{"lifecycle configurations", func(w *client.BucketWire) bool { return w.Lifecycle.Supported }}

func validatePutLifecycle(d *client.Dialect, in *PutLifecycleInput) error {
	w := d.Bucket.Lifecycle
	if len(in.Rules) == 0 {
		return client.InvalidArgument("Rules", "must have at least one rule (use DeleteLifecycle to remove the configuration)")
	}
	if w.MaxRules > 0 && len(in.Rules) > w.MaxRules {
		return client.InvalidArgument("Rules", "has %d rules; the %s limit is %d", len(in.Rules), d.Name, w.MaxRules)
	}
	ids := map[string]int{}
	for i := range in.Rules {
		r := &in.Rules[i]
		if err := validateLifecycleRule(d, i, r); err != nil {
			return err
		}
		if r.ID != "" {
			if j, dup := ids[r.ID]; dup {
				return client.InvalidArgument(field("Rules", i, "ID"), "%q is also the ID of Rules[%d]", r.ID, j)
			}
			ids[r.ID] = i
		}
	}
	return nil
}

func validateLifecycleRule(d *client.Dialect, i int, r *LifecycleRule) error {
	w := d.Bucket.Lifecycle
	f := func(name string) string { return field("Rules", i, name) }
	if err := validateRuleID(w, f("ID"), r.ID); err != nil {
		return err
	}
	if r.Status != LifecycleEnabled && r.Status != LifecycleDisabled {
		return client.InvalidArgument(f("Status"), "must be LifecycleEnabled or LifecycleDisabled, got %q", r.Status)
	}
	switch n := r.actions(); {
	case n == 0:
		return client.InvalidArgument(f(""), "has no action: set Expiration, Transitions, NoncurrentVersionExpiration or AbortIncompleteMultipartUpload")
	case n > 1 && w.OneActionPerRule:
		return client.NotSupported(d, f(""), "a lifecycle rule with more than one action")
	}
	if e := r.Expiration; e != nil {
		set := 0
		for _, on := range []bool{e.Days != 0, !e.Date.IsZero(), e.ExpiredObjectDeleteMarker} {
			if on {
				set++
			}
		}
		if set != 1 {
			return client.InvalidArgument(f("Expiration"), "must set exactly one of Days, Date and ExpiredObjectDeleteMarker")
		}
		switch {
		case !e.Date.IsZero():
			if !w.Dates {
				return client.NotSupported(d, f("Expiration.Date"), "lifecycle dates")
			}
			if err := midnightUTC(f("Expiration.Date"), e.Date); err != nil {
				return err
			}
		case e.ExpiredObjectDeleteMarker:
			if !w.DeleteMarkers {
				return client.NotSupported(d, f("Expiration.ExpiredObjectDeleteMarker"), "expiring delete markers")
			}
		default:
			if err := positive(f("Expiration.Days"), e.Days); err != nil {
				return err
			}
		}
	}
	if len(r.Transitions) > 0 {
		if len(w.TransitionClasses) == 0 {
			return client.NotSupported(d, f("Transitions"), "lifecycle transitions")
		}
		if w.MaxTransitions > 0 && len(r.Transitions) > w.MaxTransitions {
			return client.InvalidArgument(f("Transitions"), "has %d transitions; the %s limit is %d per rule", len(r.Transitions), d.Name, w.MaxTransitions)
		}
		if w.WholeBucketTransitions && r.Prefix != "" {
			return client.InvalidArgument(f("Prefix"), "must be empty on a rule with a transition: %s transitions apply to the whole bucket", d.Name)
		}
	}
	for j, t := range r.Transitions {
		tf := f("Transitions") + "[" + strconv.Itoa(j) + "]"
		if !slices.Contains(w.TransitionClasses, string(t.StorageClass)) {
			return client.InvalidArgument(tf+".StorageClass", "%q is not one of %s", t.StorageClass, strings.Join(w.TransitionClasses, ", "))
		}
		if !t.Date.IsZero() {
			if !w.Dates {
				return client.NotSupported(d, tf+".Date", "lifecycle dates")
			}
			if t.Days != 0 {
				return client.InvalidArgument(tf, "must set Days or Date, not both")
			}
			if err := midnightUTC(tf+".Date", t.Date); err != nil {
				return err
			}
		} else if err := nonNegative(tf+".Days", t.Days); err != nil {
			return err
		}
	}
	if nv := r.NoncurrentVersionExpiration; nv != nil {
		if !w.NoncurrentVersions {
			return client.NotSupported(d, f("NoncurrentVersionExpiration"), "expiring noncurrent versions")
		}
		if err := positive(f("NoncurrentVersionExpiration.NoncurrentDays"), nv.NoncurrentDays); err != nil {
			return err
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		if err := positive(f("AbortIncompleteMultipartUpload.DaysAfterInitiation"), a.DaysAfterInitiation); err != nil {
			return err
		}
	}
	return nil
}

// validateRuleID checks a rule ID against the dialect's rules.
func validateRuleID(w client.LifecycleWire, field, id string) error {
	if id == "" {
		if w.RequireID {
			return client.InvalidArgument(field, "must not be empty")
		}
		return nil
	}
	if !utf8.ValidString(id) {
		return client.InvalidArgument(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(id); w.MaxIDLength > 0 && n > w.MaxIDLength {
		return client.InvalidArgument(field, "is %d characters, more than %d", n, w.MaxIDLength)
	}
	if w.IDPunctuation == "" {
		return nil
	}
	for _, c := range id {
		if !isASCIIAlnum(c) && !strings.ContainsRune(w.IDPunctuation, c) {
			return client.InvalidArgument(field, "%q has %q; only letters, digits and %s are allowed", id, c, w.IDPunctuation)
		}
	}
	return nil
}

func isASCIIAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type xmlLifecycleConfiguration struct {
	XMLName xml.Name           `xml:"LifecycleConfiguration"`
	Xmlns   string             `xml:"xmlns,attr,omitempty"`
	Rules   []xmlLifecycleRule `xml:"Rule"`
}

type xmlLifecycleRule struct {
	ID     string           `xml:"ID,omitempty"`
	Filter *xmlPrefixFilter `xml:"Filter"`
	// Prefix is the rule-level prefix of lifecycle documents written
	// before filters existed; read, never sent.
	Prefix                         *string                    `xml:"Prefix"`
	Status                         string                     `xml:"Status"`
	Transitions                    []xmlTransition            `xml:"Transition"`
	Expiration                     *xmlExpiration             `xml:"Expiration"`
	NoncurrentVersionExpiration    *xmlNoncurrentExpiration   `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *xmlAbortIncompleteUploads `xml:"AbortIncompleteMultipartUpload"`
}

// xmlPrefixFilter is a Filter holding a Prefix; an empty prefix is sent
// as <Prefix></Prefix>, which IBM requires.
type xmlPrefixFilter struct {
	Prefix string `xml:"Prefix"`
}

type xmlTransition struct {
	Days         *int   `xml:"Days,omitempty"`
	Date         string `xml:"Date,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

type xmlExpiration struct {
	Days                      int    `xml:"Days,omitempty"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker bool   `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

type xmlNoncurrentExpiration struct {
	NoncurrentDays int `xml:"NoncurrentDays"`
}

type xmlAbortIncompleteUploads struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}

// jsonLifecycle is QingStor's lifecycle document.
type jsonLifecycle struct {
	Rules []jsonLifecycleRule `json:"rule"`
}

type jsonLifecycleRule struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Filter struct {
		Prefix string `json:"prefix"`
	} `json:"filter"`
	Expiration *struct {
		Days int `json:"days"`
	} `json:"expiration,omitempty"`
	AbortIncompleteMultipartUpload *struct {
		DaysAfterInitiation int `json:"days_after_initiation"`
	} `json:"abort_incomplete_multipart_upload,omitempty"`
	Transition *jsonTransition `json:"transition,omitempty"`
}

type jsonTransition struct {
	Days         int          `json:"days"`
	StorageClass jsonClassTag `json:"storage_class"`
}

// jsonClassTag is a storage class in a QingStor document: a string in
// the API reference; QingStor's Go SDK declares the field as a number,
// which is kept as its decimal text.
type jsonClassTag string

// UnmarshalJSON reads a string or a number.
func (c *jsonClassTag) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*c = jsonClassTag(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = jsonClassTag(n.String())
	return nil
}

// statusWire spells a rule's status in the dialect.
func statusWire(w client.LifecycleWire, s LifecycleStatus) string {
	if s == LifecycleDisabled {
		return w.Disabled
	}
	return w.Enabled
}

// statusOf reads a rule's status in any spelling.
func statusOf(w client.LifecycleWire, s string) LifecycleStatus {
	if strings.EqualFold(s, w.Disabled) || strings.EqualFold(s, string(LifecycleDisabled)) {
		return LifecycleDisabled
	}
	return LifecycleEnabled
}

func lifecycleXML(d *client.Dialect, rules []LifecycleRule) xmlLifecycleConfiguration {
	doc := xmlLifecycleConfiguration{Xmlns: d.Bucket.XMLNamespace}
	for _, r := range rules {
		x := xmlLifecycleRule{
			ID: r.ID, Filter: &xmlPrefixFilter{Prefix: r.Prefix},
			Status: statusWire(d.Bucket.Lifecycle, r.Status),
		}
		for _, t := range r.Transitions {
			xt := xmlTransition{Date: formatDate(t.Date), StorageClass: string(t.StorageClass)}
			if t.Date.IsZero() {
				days := t.Days
				xt.Days = &days
			}
			x.Transitions = append(x.Transitions, xt)
		}
		if e := r.Expiration; e != nil {
			x.Expiration = &xmlExpiration{Days: e.Days, Date: formatDate(e.Date), ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
		}
		if nv := r.NoncurrentVersionExpiration; nv != nil {
			x.NoncurrentVersionExpiration = &xmlNoncurrentExpiration{NoncurrentDays: nv.NoncurrentDays}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil {
			x.AbortIncompleteMultipartUpload = &xmlAbortIncompleteUploads{DaysAfterInitiation: a.DaysAfterInitiation}
		}
		doc.Rules = append(doc.Rules, x)
	}
	return doc
}

func lifecycleJSON(d *client.Dialect, rules []LifecycleRule) jsonLifecycle {
	var doc jsonLifecycle
	for _, r := range rules {
		j := jsonLifecycleRule{ID: r.ID, Status: statusWire(d.Bucket.Lifecycle, r.Status)}
		j.Filter.Prefix = r.Prefix
		if e := r.Expiration; e != nil {
			j.Expiration = &struct {
				Days int `json:"days"`
			}{e.Days}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil {
			j.AbortIncompleteMultipartUpload = &struct {
				DaysAfterInitiation int `json:"days_after_initiation"`
			}{a.DaysAfterInitiation}
		}
		if len(r.Transitions) > 0 {
			t := r.Transitions[0]
			j.Transition = &jsonTransition{Days: t.Days, StorageClass: jsonClassTag(t.StorageClass)}
		}
		doc.Rules = append(doc.Rules, j)
	}
	return doc
}

func rulesFromXML(w client.LifecycleWire, doc *xmlLifecycleConfiguration) []LifecycleRule {
	var rules []LifecycleRule
	for _, x := range doc.Rules {
		r := LifecycleRule{ID: x.ID, Status: statusOf(w, x.Status)}
		switch {
		case x.Filter != nil:
			r.Prefix = x.Filter.Prefix
		case x.Prefix != nil:
			r.Prefix = *x.Prefix
		}
		for _, t := range x.Transitions {
			lt := LifecycleTransition{Date: parseDate(t.Date), StorageClass: TransitionClass(t.StorageClass)}
			if t.Days != nil {
				lt.Days = *t.Days
			}
			r.Transitions = append(r.Transitions, lt)
		}
		if e := x.Expiration; e != nil {
			r.Expiration = &LifecycleExpiration{Days: e.Days, Date: parseDate(e.Date), ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
		}
		if nv := x.NoncurrentVersionExpiration; nv != nil {
			r.NoncurrentVersionExpiration = &NoncurrentVersionExpiration{NoncurrentDays: nv.NoncurrentDays}
		}
		if a := x.AbortIncompleteMultipartUpload; a != nil {
			r.AbortIncompleteMultipartUpload = &AbortIncompleteMultipartUpload{DaysAfterInitiation: a.DaysAfterInitiation}
		}
		rules = append(rules, r)
	}
	return rules
}

func rulesFromJSON(w client.LifecycleWire, doc *jsonLifecycle) []LifecycleRule {
	var rules []LifecycleRule
	for _, j := range doc.Rules {
		r := LifecycleRule{ID: j.ID, Status: statusOf(w, j.Status), Prefix: j.Filter.Prefix}
		if e := j.Expiration; e != nil {
			r.Expiration = &LifecycleExpiration{Days: e.Days}
		}
		if a := j.AbortIncompleteMultipartUpload; a != nil {
			r.AbortIncompleteMultipartUpload = &AbortIncompleteMultipartUpload{DaysAfterInitiation: a.DaysAfterInitiation}
		}
		if t := j.Transition; t != nil {
			r.Transitions = []LifecycleTransition{{Days: t.Days, StorageClass: TransitionClass(t.StorageClass)}}
		}
		rules = append(rules, r)
	}
	return rules
}

var putLifecycleOp = configOp[PutLifecycleInput, PutLifecycleOutput]{
	name: "PutBucketLifecycleConfiguration", method: http.MethodPut, sub: "lifecycle", feature: lifecycleFeature,
	bucket:   func(in *PutLifecycleInput) string { return in.Bucket },
	validate: validatePutLifecycle,
	serialize: func(d *client.Dialect, in *PutLifecycleInput, r *opkit.Request) error {
		if isJSON(d) {
			return setJSON(d, r, lifecycleJSON(d, in.Rules))
		}
		return setXML(d, r, lifecycleXML(d, in.Rules))
	},
	requestID: func(out *PutLifecycleOutput) *string { return &out.RequestID },
}.op()

// PutLifecycle replaces a bucket's lifecycle configuration: S3, IBM and
// COS PUT ?lifecycle with an XML LifecycleConfiguration and Content-MD5
// (which they require), QingStor with its JSON {"rule": [...]}. The rules
// are checked against the dialect's limits before anything is sent.
func (c *Client) PutLifecycle(ctx context.Context, in *PutLifecycleInput, optFns ...func(*client.Options)) (*PutLifecycleOutput, error) {
	return opkit.Call(ctx, c.c, &putLifecycleOp, in, optFns...)
}

var getLifecycleOp = configOp[GetLifecycleInput, GetLifecycleOutput]{
	name: "GetBucketLifecycleConfiguration", method: http.MethodGet, sub: "lifecycle", feature: lifecycleFeature,
	bucket: func(in *GetLifecycleInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetLifecycleOutput) error {
		if isJSON(d) {
			var doc jsonLifecycle
			if err := opkit.DecodeBody(d, resp, &doc); err != nil {
				return err
			}
			out.Rules = rulesFromJSON(d.Bucket.Lifecycle, &doc)
			return nil
		}
		var doc xmlLifecycleConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.Rules = rulesFromXML(d.Bucket.Lifecycle, &doc)
		return nil
	},
	requestID: func(out *GetLifecycleOutput) *string { return &out.RequestID },
}.op()

// GetLifecycle returns a bucket's lifecycle rules. A bucket without any is
// an error matching client.ErrNotFound in every dialect.
func (c *Client) GetLifecycle(ctx context.Context, in *GetLifecycleInput, optFns ...func(*client.Options)) (*GetLifecycleOutput, error) {
	return getConfig(ctx, c, &getLifecycleOp, in, optFns,
		func(out *GetLifecycleOutput) bool { return len(out.Rules) == 0 }, "lifecycle configuration")
}

var deleteLifecycleOp = configOp[DeleteLifecycleInput, DeleteLifecycleOutput]{
	name: "DeleteBucketLifecycle", method: http.MethodDelete, sub: "lifecycle", feature: lifecycleFeature,
	bucket:    func(in *DeleteLifecycleInput) string { return in.Bucket },
	requestID: func(out *DeleteLifecycleOutput) *string { return &out.RequestID },
}.op()

// DeleteLifecycle removes a bucket's lifecycle configuration.
func (c *Client) DeleteLifecycle(ctx context.Context, in *DeleteLifecycleInput, optFns ...func(*client.Options)) (*DeleteLifecycleOutput, error) {
	return opkit.Call(ctx, c.c, &deleteLifecycleOp, in, optFns...)
}
