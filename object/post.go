package object

import (
	"context"
	"errors"
	"github.com/polystore/polystore/internal/opkit"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/httpheader"
	"github.com/polystore/polystore/signer"
)

// PostPolicy says what a browser form upload (POST Object) may store: a
// web page posts a multipart/form-data form straight to the service, with
// the fields PresignPost returns and the file last, and no credentials.
//
// What a policy can express depends on the dialect
// (Dialect.Object.PostForm): S3 and COS policies expire and can match the
// key and Content-Type by prefix and bound the file's size; a QingStor
// policy fixes exact field values only and never expires, so Expires,
// KeyPrefix, ContentTypePrefix, the content-length range and
// SuccessActionStatus are refused there with an error matching
// client.ErrNotSupported.
type PostPolicy struct {
	Bucket string
	// Key is the exact key the upload is stored under. Set exactly one of
	// Key and KeyPrefix.
	Key string
	// KeyPrefix lets the uploader pick any key that starts with it. The
	// form's key field is KeyPrefix + "${filename}", which the service
	// replaces with the name of the uploaded file; a page may change the
	// field to any key under the prefix.
	KeyPrefix string
	// Expires is how long the form may be used: positive, and at most
	// seven days with SigV4. Must be zero on dialects whose policies
	// cannot expire (QingStor).
	Expires time.Duration
	// ContentLengthMin and ContentLengthMax bound the file's size in
	// bytes. Both zero means no bound but the dialect's single-upload
	// limit; a zero ContentLengthMax with a positive minimum means that
	// limit.
	ContentLengthMin, ContentLengthMax int64
	// ContentType is the stored object's exact Content-Type, sent as a
	// form field. On QingStor the file part must carry the same
	// Content-Type header (Dialect.Object.PostForm.FileContentTypeMatch).
	ContentType string
	// ContentTypePrefix lets the uploader send any Content-Type field
	// that starts with it (such as "image/"); the page adds that field.
	ContentTypePrefix string
	// SuccessActionStatus is the status of a successful upload: one of
	// the dialect's PostForm.Statuses (200, 201 or 204 on S3 and COS; S3
	// answers 201 with an XML PostResponse). 0 means the dialect's
	// default (204; QingStor always answers 201).
	SuccessActionStatus int
	// Metadata is user metadata, stored with the dialect's prefix as for
	// Put. Names are lower-cased.
	Metadata map[string]string
	// StorageClass is one of the dialect's ObjectWire.StorageClasses.
	StorageClass client.StorageClass
	// ACL is a canned ACL, on dialects whose forms take one.
	ACL client.CannedACL
}

// FormField is one field of a browser upload form.
type FormField struct {
	Name  string
	Value string
}

// PostForm is a signed browser upload form: POST it to URL as
// multipart/form-data with Fields in order, then the file as the field
// named FileField, last (fields after the file are ignored).
//
// In HTML:
//
//	<form action="{URL}" method="post" enctype="multipart/form-data">
//	  <input type="hidden" name="{Name}" value="{Value}"> ... for each field
//	  <input type="file" name="{FileField}">
//	</form>
type PostForm struct {
	URL    string
	Fields []FormField
	// FileField names the file's field ("file").
	FileField string
	// Expires is when the form stops working; zero if the dialect's
	// policies do not expire (QingStor: the form works for as long as the
	// access key does).
	Expires time.Time
	// SuccessStatus is the status a successful upload answers with.
	SuccessStatus int
}

// Map returns the fields by name.
func (f *PostForm) Map() map[string]string {
	m := make(map[string]string, len(f.Fields))
	for _, x := range f.Fields {
		m[x.Name] = x.Value
	}
	return m
}

// Get returns the value of the field named name ("" if none).
func (f *PostForm) Get(name string) string {
	for _, x := range f.Fields {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

// postOpName names PresignPost in errors.
const postOpName = "PostObject"

// PresignPost signs a browser upload form for policy with the client's
// credentials and signer: SigV4 or SigV2 (whichever the client is
// configured with) on S3-compatible servers, q-sign on COS, QingStor's
// scheme on QingStor. Nothing is sent (except, for token-based
// credentials, a credentials refresh).
//
// The form posts to the bucket at the address the client uses: path style
// for custom endpoints ({endpoint}/{bucket}), the vendor's virtual-host
// address ("https://bucket.s3.region.amazonaws.com/") otherwise.
//
// The policy is checked first: an error matching client.ErrInvalidArgument
// (or client.ErrNotSupported, for what the dialect's forms cannot do, and
// for dialects without form uploads such as IBM) names the field. A
// signer that cannot sign forms (IBM IAM bearer tokens, a
// signer.AuthorizationFunc) gives an error matching client.ErrNotSupported
// and signer.ErrPresignNotSupported.
func (c *Client) PresignPost(ctx context.Context, policy *PostPolicy, optFns ...func(*client.Options)) (*PostForm, error) {
	cc, err := c.c.With(optFns...)
	if err != nil {
		return nil, withPostOp(err)
	}
	d := opkit.DialectOf(cc)
	if err := checkPostPolicy(d, policy); err != nil {
		return nil, withPostOp(err)
	}
	o := cc.Options()
	sg := o.Signer
	if sg == nil {
		sg = d.NewSigner(client.SignerConfig{Credentials: o.Credentials, Region: o.Region})
	}
	ps, ok := sg.(signer.PostSigner)
	if !ok {
		e := client.NotSupported(d, "Signer", "signing browser upload forms with this signer (use HMAC keys)")
		e.Op, e.Err = postOpName, signer.ErrPresignNotSupported
		return nil, e
	}
	action, err := postURL(d, &o, policy.Bucket)
	if err != nil {
		return nil, withPostOp(err)
	}
	now := time.Now
	if o.Clock != nil {
		now = o.Clock
	}
	signedAt := now()
	p, status := buildPostPolicy(d, policy)
	form := &PostForm{URL: action, FileField: d.Object.PostForm.FileField, SuccessStatus: status}
	if d.Object.PostForm.Expires {
		p.Expiration = signedAt.Add(policy.Expires).UTC().Truncate(time.Millisecond)
		form.Expires = p.Expiration
	}
	fields, err := ps.SignPost(ctx, p, signedAt)
	if err != nil {
		return nil, postSignError(d, err)
	}
	form.Fields = make([]FormField, len(fields))
	for i, f := range fields {
		form.Fields[i] = FormField(f)
	}
	return form, nil
}

// checkPostPolicy validates policy against the dialect's form facts.
func checkPostPolicy(d *client.Dialect, in *PostPolicy) error {
	if in == nil {
		return client.InvalidArgument("PostPolicy", "must not be nil")
	}
	w := &d.Object.PostForm
	if !d.Has(client.FeaturePostPolicy) {
		return client.NotSupported(d, "PostPolicy", "browser form uploads (POST Object)")
	}
	if err := opkit.CheckBucket(d, in.Bucket); err != nil {
		return err
	}
	switch {
	case in.Key == "" && in.KeyPrefix == "":
		return client.InvalidArgument("Key", "set Key or KeyPrefix")
	case in.Key != "" && in.KeyPrefix != "":
		return client.InvalidArgument("KeyPrefix", "must be empty when Key is set")
	case in.Key != "":
		if err := opkit.ValidateKey(d, in.Key); err != nil {
			return err
		}
	default:
		if !w.StartsWith {
			return client.NotSupported(d, "KeyPrefix", "key prefixes in form policies")
		}
		if err := opkit.ValidateKey(d, in.KeyPrefix); err != nil {
			return opkit.Rename(err, "KeyPrefix")
		}
	}
	if w.NoLeadingSlash && strings.HasPrefix(in.Key+in.KeyPrefix, "/") {
		field := "Key"
		if in.Key == "" {
			field = "KeyPrefix"
		}
		return client.InvalidArgument(field, "must not start with '/' in %s form uploads", d.Name)
	}
	switch {
	case !w.Expires && in.Expires != 0:
		return client.NotSupported(d, "Expires", "expiring form policies (a signed form works as long as the access key)")
	case w.Expires && in.Expires <= 0:
		return client.InvalidArgument("Expires", "must be positive, got %v", in.Expires)
	}
	if in.ContentLengthMin < 0 {
		return client.InvalidArgument("ContentLengthMin", "must not be negative")
	}
	if in.ContentLengthMax < 0 {
		return client.InvalidArgument("ContentLengthMax", "must not be negative")
	}
	if in.ContentLengthMin > 0 || in.ContentLengthMax > 0 {
		if !w.ContentLengthRange {
			field := "ContentLengthMax"
			if in.ContentLengthMax == 0 {
				field = "ContentLengthMin"
			}
			return client.NotSupported(d, field, "size ranges in form policies")
		}
		if max := d.Limits.MaxPutSize; max > 0 && in.ContentLengthMax > max {
			return client.InvalidArgument("ContentLengthMax", "%d bytes exceeds the %s single-upload limit of %d", in.ContentLengthMax, d.Name, max)
		}
		if max := d.Limits.MaxPutSize; max > 0 && in.ContentLengthMin > max {
			return client.InvalidArgument("ContentLengthMin", "%d bytes exceeds the %s single-upload limit of %d", in.ContentLengthMin, d.Name, max)
		}
		if in.ContentLengthMax > 0 && in.ContentLengthMin > in.ContentLengthMax {
			return client.InvalidArgument("ContentLengthMin", "%d exceeds ContentLengthMax %d", in.ContentLengthMin, in.ContentLengthMax)
		}
	}
	if in.ContentType != "" && in.ContentTypePrefix != "" {
		return client.InvalidArgument("ContentTypePrefix", "must be empty when ContentType is set")
	}
	if in.ContentTypePrefix != "" && !w.StartsWith {
		return client.NotSupported(d, "ContentTypePrefix", "Content-Type prefixes in form policies")
	}
	for _, f := range [...]struct{ name, v string }{{"ContentType", in.ContentType}, {"ContentTypePrefix", in.ContentTypePrefix}} {
		if i := httpheader.BadValueByte(f.v); i >= 0 {
			return client.InvalidArgument(f.name, "has control character 0x%02X at byte %d; a Content-Type cannot hold CR, LF, NUL or other control characters (tab excepted)", f.v[i], i)
		}
	}
	if in.SuccessActionStatus != 0 {
		if w.StatusField == "" {
			return client.NotSupported(d, "SuccessActionStatus", "choosing the status of a form upload")
		}
		if !slices.Contains(w.Statuses, in.SuccessActionStatus) {
			return client.InvalidArgument("SuccessActionStatus", "%d is not one of %v", in.SuccessActionStatus, w.Statuses)
		}
	}
	if in.ACL != "" && w.ACLField == "" {
		return client.NotSupported(d, "ACL", "canned ACLs in form uploads")
	}
	return opkit.CheckObjectOptions(d, &opkit.ObjectOptions{Metadata: in.Metadata, StorageClass: in.StorageClass, ACL: in.ACL})
}

// buildPostPolicy turns a checked policy into the signer's policy: the
// form's fields and, for S3-style documents, the conditions that pin
// them. It returns the status a successful upload answers with.
func buildPostPolicy(d *client.Dialect, in *PostPolicy) (signer.PostPolicy, int) {
	w := &d.Object.PostForm
	conditions := w.Policy == client.PostPolicyConditions
	var p signer.PostPolicy
	exact := func(name, value string) {
		p.Fields = append(p.Fields, signer.PostField{Name: name, Value: value})
		if conditions {
			p.Conditions = append(p.Conditions, signer.PostCondition{Match: signer.PostEq, Field: name, Value: value})
		}
	}
	if conditions {
		p.Conditions = append(p.Conditions, signer.PostCondition{Match: signer.PostEq, Field: "bucket", Value: in.Bucket})
	}
	if in.Key != "" {
		exact(w.KeyField, in.Key)
	} else {
		p.Fields = append(p.Fields, signer.PostField{Name: w.KeyField, Value: in.KeyPrefix + "${filename}"})
		p.Conditions = append(p.Conditions, signer.PostCondition{Match: signer.PostStartsWith, Field: w.KeyField, Value: in.KeyPrefix})
	}
	switch {
	case in.ContentType != "":
		exact(w.ContentTypeField, in.ContentType)
	case in.ContentTypePrefix != "":
		p.Conditions = append(p.Conditions, signer.PostCondition{Match: signer.PostStartsWith, Field: w.ContentTypeField, Value: in.ContentTypePrefix})
	}
	if in.ContentLengthMin > 0 || in.ContentLengthMax > 0 {
		hi := in.ContentLengthMax
		if hi == 0 {
			hi = d.Limits.MaxPutSize
		}
		p.Conditions = append(p.Conditions, signer.PostCondition{Match: signer.PostContentLengthRange, Min: in.ContentLengthMin, Max: hi})
	}
	status := w.DefaultStatus
	if in.SuccessActionStatus != 0 {
		status = in.SuccessActionStatus
		exact(w.StatusField, strconv.Itoa(status))
	}
	if in.ACL != "" {
		exact(w.ACLField, string(in.ACL))
	}
	if in.StorageClass != "" {
		exact(d.Object.StorageClassHeader, string(in.StorageClass))
	}
	for _, name := range slices.Sorted(maps.Keys(in.Metadata)) {
		exact(d.MetaPrefix+strings.ToLower(name), in.Metadata[name])
	}
	return p, status
}

// postURL is the form's action: the bucket's address as the client would
// reach it.
func postURL(d *client.Dialect, o *client.Options, bucket string) (string, error) {
	style := o.Addressing
	if o.Endpoint != "" {
		u, err := url.Parse(strings.TrimRight(o.Endpoint, "/"))
		if err != nil {
			return "", client.InvalidArgument("Endpoint", "%v", err)
		}
		if style == client.VirtualHost {
			u.Host = bucket + "." + u.Host
			u.Path += "/"
		} else {
			u.Path += "/" + bucket
		}
		u.RawPath = ""
		return u.String(), nil
	}
	if style == client.AddressingDefault {
		style = d.Addressing
	}
	fill := strings.NewReplacer("{bucket}", bucket, "{region}", o.Region)
	if style == client.VirtualHost {
		return strings.TrimRight(fill.Replace(d.Endpoint), "/") + "/", nil
	}
	return strings.TrimRight(fill.Replace(d.PathEndpoint), "/") + "/" + bucket, nil
}

// postSignError maps a signer's error to the client's error kinds.
func postSignError(d *client.Dialect, err error) error {
	var ee *signer.ExpiryError
	var ia *client.InvalidArgumentError
	switch {
	case errors.As(err, &ee):
		ia = client.InvalidArgument("Expires", "%s", strings.TrimPrefix(ee.Error(), "signer: "))
	case errors.Is(err, signer.ErrNoCredentials):
		ia = client.InvalidArgument("Credentials", "signing a form needs credentials")
	default:
		return &client.OperationError{Dialect: d.Name, Op: postOpName, Err: err}
	}
	ia.Op, ia.Err = postOpName, err
	return ia
}

// withPostOp records the operation name on input errors.
func withPostOp(err error) error {
	var ia *client.InvalidArgumentError
	if errors.As(err, &ia) && ia.Op == "" {
		ia.Op = postOpName
	}
	return err
}
