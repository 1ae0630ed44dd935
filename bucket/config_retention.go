package bucket

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// ProtectionStatus is the state of an IBM bucket protection
// configuration.
type ProtectionStatus string

// Protection states.
const (
	// ProtectionRetention enforces the retention periods.
	ProtectionRetention ProtectionStatus = "Retention"
)

// Values returns the states a protection configuration can be put in.
func (ProtectionStatus) Values() []ProtectionStatus { return []ProtectionStatus{ProtectionRetention} }

// ProtectionConfiguration is an IBM immutable-storage retention policy:
// objects cannot be deleted or overwritten until their retention period
// ends. It cannot be removed, and its periods can only be lengthened, so
// set it with care.
type ProtectionConfiguration struct {
	// Status is ProtectionRetention.
	Status ProtectionStatus
	// MinimumRetentionDays is the shortest retention an object may ask
	// for, 0 to 365243 days (a thousand years).
	MinimumRetentionDays int
	// DefaultRetentionDays applies to objects that ask for none; between
	// the minimum and the maximum.
	DefaultRetentionDays int
	// MaximumRetentionDays is the longest retention an object may ask
	// for, up to 365243 days.
	MaximumRetentionDays int
	// PermanentRetention allows objects to be retained forever
	// (EnablePermanentRetention). Once set, it must be sent again with
	// every later configuration.
	PermanentRetention bool
}

// PutProtectionInput is the input of PutProtection.
type PutProtectionInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Protection is the configuration. Required.
	Protection *ProtectionConfiguration
}

// PutProtectionOutput is the result of PutProtection.
type PutProtectionOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetProtectionInput is the input of GetProtection.
type GetProtectionInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetProtectionOutput is the result of GetProtection.
type GetProtectionOutput struct {
	// Protection is the bucket's configuration.
	Protection ProtectionConfiguration
	// RequestID is the service's request id.
	RequestID string
}

var protectionFeature = feature{"bucket protection (retention) configurations", func(w *client.BucketWire) bool { return w.Protection.Supported }}

type xmlProtectionConfiguration struct {
	XMLName                  xml.Name `xml:"ProtectionConfiguration"`
	Xmlns                    string   `xml:"xmlns,attr,omitempty"`
	Status                   string   `xml:"Status"`
	MinimumRetention         *xmlDays `xml:"MinimumRetention"`
	MaximumRetention         *xmlDays `xml:"MaximumRetention"`
	DefaultRetention         *xmlDays `xml:"DefaultRetention"`
	EnablePermanentRetention bool     `xml:"EnablePermanentRetention,omitempty"`
}

func validatePutProtection(d *client.Dialect, in *PutProtectionInput) error {
	p := in.Protection
	if p == nil {
		return client.InvalidArgument("Protection", "is required")
	}
	if p.Status != ProtectionRetention {
		return client.InvalidArgument("Protection.Status", "must be ProtectionRetention, got %q", p.Status)
	}
	most := d.Bucket.Protection.MaxDays
	for _, f := range []struct {
		name string
		days int
	}{
		{"Protection.MinimumRetentionDays", p.MinimumRetentionDays},
		{"Protection.DefaultRetentionDays", p.DefaultRetentionDays},
		{"Protection.MaximumRetentionDays", p.MaximumRetentionDays},
	} {
		if f.days < 0 || (most > 0 && f.days > most) {
			return client.InvalidArgument(f.name, "must be 0 to %d days, got %d", most, f.days)
		}
	}
	if p.MinimumRetentionDays > p.MaximumRetentionDays {
		return client.InvalidArgument("Protection.MinimumRetentionDays", "%d is more than MaximumRetentionDays %d", p.MinimumRetentionDays, p.MaximumRetentionDays)
	}
	if p.DefaultRetentionDays < p.MinimumRetentionDays || p.DefaultRetentionDays > p.MaximumRetentionDays {
		return client.InvalidArgument("Protection.DefaultRetentionDays", "%d is not between MinimumRetentionDays %d and MaximumRetentionDays %d",
			p.DefaultRetentionDays, p.MinimumRetentionDays, p.MaximumRetentionDays)
	}
	return nil
}

var putProtectionOp = configOp[PutProtectionInput, PutProtectionOutput]{
	name: "PutBucketProtectionConfiguration", method: http.MethodPut, sub: "protection", feature: protectionFeature,
	bucket:   func(in *PutProtectionInput) string { return in.Bucket },
	validate: validatePutProtection,
	serialize: func(d *client.Dialect, in *PutProtectionInput, r *opkit.Request) error {
		p := in.Protection
		return setXML(d, r, xmlProtectionConfiguration{
			Status:                   string(p.Status),
			MinimumRetention:         &xmlDays{p.MinimumRetentionDays},
			MaximumRetention:         &xmlDays{p.MaximumRetentionDays},
			DefaultRetention:         &xmlDays{p.DefaultRetentionDays},
			EnablePermanentRetention: p.PermanentRetention,
		})
	},
	requestID: func(out *PutProtectionOutput) *string { return &out.RequestID },
}.op()

// PutProtection sets an IBM bucket's protection (retention) configuration:
// PUT ?protection with the Content-MD5 IBM requires. Periods are checked
// against IBM's bounds (0 to 365243 days, minimum ≤ default ≤ maximum)
// before anything is sent. Other dialects refuse it with
// client.ErrNotSupported.
func (c *Client) PutProtection(ctx context.Context, in *PutProtectionInput, optFns ...func(*client.Options)) (*PutProtectionOutput, error) {
	return opkit.Call(ctx, c.c, &putProtectionOp, in, optFns...)
}

var getProtectionOp = configOp[GetProtectionInput, GetProtectionOutput]{
	name: "GetBucketProtectionConfiguration", method: http.MethodGet, sub: "protection", feature: protectionFeature,
	bucket: func(in *GetProtectionInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetProtectionOutput) error {
		var doc xmlProtectionConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		days := func(x *xmlDays) int {
			if x == nil {
				return 0
			}
			return x.Days
		}
		out.Protection = ProtectionConfiguration{
			Status:               ProtectionStatus(strings.TrimSpace(doc.Status)),
			MinimumRetentionDays: days(doc.MinimumRetention),
			DefaultRetentionDays: days(doc.DefaultRetention),
			MaximumRetentionDays: days(doc.MaximumRetention),
			PermanentRetention:   doc.EnablePermanentRetention,
		}
		return nil
	},
	requestID: func(out *GetProtectionOutput) *string { return &out.RequestID },
}.op()

// GetProtection returns an IBM bucket's protection configuration. A
// bucket without one is an error matching client.ErrNotFound.
func (c *Client) GetProtection(ctx context.Context, in *GetProtectionInput, optFns ...func(*client.Options)) (*GetProtectionOutput, error) {
	return getConfig(ctx, c, &getProtectionOp, in, optFns,
		func(out *GetProtectionOutput) bool { return out.Protection.Status == "" }, "protection configuration")
}

// ObjectLockMode is the retention mode of object lock.
type ObjectLockMode string

// Object lock modes.
const (
	// ObjectLockGovernance lets users with a special permission shorten
	// or remove a retention (S3).
	ObjectLockGovernance ObjectLockMode = "GOVERNANCE"
	// ObjectLockCompliance lets no one shorten or remove a retention.
	ObjectLockCompliance ObjectLockMode = "COMPLIANCE"
)

// Values returns the modes polystore knows.
func (ObjectLockMode) Values() []ObjectLockMode {
	return []ObjectLockMode{ObjectLockGovernance, ObjectLockCompliance}
}

// ObjectLockRetention is the retention object lock gives new objects by
// default: Days or Years, not both.
type ObjectLockRetention struct {
	// Mode is the retention mode (IBM: ObjectLockCompliance only).
	Mode ObjectLockMode
	// Days is the retention in days.
	Days int
	// Years is the retention in years.
	Years int
}

// ObjectLockConfiguration is a bucket's object lock configuration.
type ObjectLockConfiguration struct {
	// DefaultRetention applies to new objects that set none; nil for no
	// default (IBM requires one).
	DefaultRetention *ObjectLockRetention
}

// PutObjectLockInput is the input of PutObjectLock.
type PutObjectLockInput struct {
	// Bucket is the bucket's name. It must have been created with object
	// lock (CreateInput.ObjectLock) or, where the service allows, have
	// versioning enabled.
	Bucket string
	// ObjectLock is the configuration. Required.
	ObjectLock *ObjectLockConfiguration
}

// PutObjectLockOutput is the result of PutObjectLock.
type PutObjectLockOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetObjectLockInput is the input of GetObjectLock.
type GetObjectLockInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetObjectLockOutput is the result of GetObjectLock.
type GetObjectLockOutput struct {
	// ObjectLock is the bucket's configuration.
	ObjectLock ObjectLockConfiguration
	// RequestID is the service's request id.
	RequestID string

	enabled bool // the answer said ObjectLockEnabled
}

var objectLockFeature = feature{"object lock configurations", func(w *client.BucketWire) bool { return w.ObjectLock.Supported }}

type xmlObjectLockConfiguration struct {
	XMLName           xml.Name           `xml:"ObjectLockConfiguration"`
	Xmlns             string             `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string             `xml:"ObjectLockEnabled"`
	Rule              *xmlObjectLockRule `xml:"Rule"`
}

type xmlObjectLockRule struct {
	DefaultRetention xmlDefaultRetention `xml:"DefaultRetention"`
}

type xmlDefaultRetention struct {
	Days  int    `xml:"Days,omitempty"`
	Mode  string `xml:"Mode"`
	Years int    `xml:"Years,omitempty"`
}

func validatePutObjectLock(d *client.Dialect, in *PutObjectLockInput) error {
	w := d.Bucket.ObjectLock
	ol := in.ObjectLock
	if ol == nil {
		return client.InvalidArgument("ObjectLock", "is required")
	}
	r := ol.DefaultRetention
	if r == nil {
		if w.RuleRequired {
			return client.InvalidArgument("ObjectLock.DefaultRetention", "is required by the %s dialect", d.Name)
		}
		return nil
	}
	if !slices.Contains(w.Modes, string(r.Mode)) {
		return client.InvalidArgument("ObjectLock.DefaultRetention.Mode", "%q is not one of %s", r.Mode, strings.Join(w.Modes, ", "))
	}
	switch {
	case r.Days != 0 && r.Years != 0:
		return client.InvalidArgument("ObjectLock.DefaultRetention", "must set Days or Years, not both")
	case r.Years != 0:
		return positive("ObjectLock.DefaultRetention.Years", r.Years)
	}
	return positive("ObjectLock.DefaultRetention.Days", r.Days)
}

var putObjectLockOp = configOp[PutObjectLockInput, PutObjectLockOutput]{
	name: "PutObjectLockConfiguration", method: http.MethodPut, sub: "object-lock", feature: objectLockFeature,
	bucket:   func(in *PutObjectLockInput) string { return in.Bucket },
	validate: validatePutObjectLock,
	serialize: func(d *client.Dialect, in *PutObjectLockInput, r *opkit.Request) error {
		doc := xmlObjectLockConfiguration{Xmlns: d.Bucket.XMLNamespace, ObjectLockEnabled: d.Bucket.ObjectLock.Enabled}
		if ret := in.ObjectLock.DefaultRetention; ret != nil {
			doc.Rule = &xmlObjectLockRule{xmlDefaultRetention{Days: ret.Days, Mode: string(ret.Mode), Years: ret.Years}}
		}
		return setXML(d, r, doc)
	},
	requestID: func(out *PutObjectLockOutput) *string { return &out.RequestID },
}.op()

// PutObjectLock sets a bucket's object lock configuration (S3, IBM: PUT
// ?object-lock with the Content-MD5 both require). Mode, and Days xor
// Years, are checked before anything is sent. Other dialects refuse it
// with client.ErrNotSupported.
func (c *Client) PutObjectLock(ctx context.Context, in *PutObjectLockInput, optFns ...func(*client.Options)) (*PutObjectLockOutput, error) {
	return opkit.Call(ctx, c.c, &putObjectLockOp, in, optFns...)
}

var getObjectLockOp = configOp[GetObjectLockInput, GetObjectLockOutput]{
	name: "GetObjectLockConfiguration", method: http.MethodGet, sub: "object-lock", feature: objectLockFeature,
	bucket: func(in *GetObjectLockInput) string { return in.Bucket },
	deserialize: func(d *client.Dialect, resp *http.Response, out *GetObjectLockOutput) error {
		var doc xmlObjectLockConfiguration
		if err := opkit.DecodeBody(d, resp, &doc); err != nil {
			return err
		}
		out.enabled = strings.EqualFold(strings.TrimSpace(doc.ObjectLockEnabled), "enabled")
		if doc.Rule != nil {
			dr := doc.Rule.DefaultRetention
			out.ObjectLock.DefaultRetention = &ObjectLockRetention{Mode: ObjectLockMode(dr.Mode), Days: dr.Days, Years: dr.Years}
		}
		return nil
	},
	requestID: func(out *GetObjectLockOutput) *string { return &out.RequestID },
}.op()

// GetObjectLock returns a bucket's object lock configuration. A bucket
// without object lock is an error matching client.ErrNotFound.
func (c *Client) GetObjectLock(ctx context.Context, in *GetObjectLockInput, optFns ...func(*client.Options)) (*GetObjectLockOutput, error) {
	return getConfig(ctx, c, &getObjectLockOp, in, optFns,
		func(out *GetObjectLockOutput) bool { return !out.enabled }, "object lock configuration")
}
