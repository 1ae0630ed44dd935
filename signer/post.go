package signer

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Browser form uploads (POST Object).
//
// A form upload is a multipart/form-data POST to the bucket. Its fields
// carry the key, the object's attributes and a base64-encoded policy
// document; the signature covers that base64 text (COS: the document
// itself), not the request:
//
//	SigV4     x-amz-signature = hex(HMAC-SHA256(signing key of the day, policy))
//	SigV2     signature       = base64(HMAC-SHA1(secret, policy))
//	COS       q-signature     = hex(HMAC-SHA1(hex(HMAC-SHA1(secret, q-key-time)), hex(SHA1(document))))
//	QingStor  signature       = base64(HMAC-SHA256(secret, policy))
//
// S3, SigV2 and COS policies are documents of an expiration and conditions
// ([PostPolicy.Conditions]); the scheme adds its own conditions (algorithm,
// credential, date, token) so that they are signed too. A QingStor policy
// is a JSON object that fixes the value of every form field before the
// file ([PostPolicy.Fields]); it cannot expire.

// PostField is one field of a browser upload form.
type PostField struct {
	Name  string
	Value string
}

// PostMatch is how a policy condition matches a form field.
type PostMatch string

// Condition matches of S3-style POST policies.
const (
	// PostEq requires the field to equal Value.
	PostEq PostMatch = "eq"
	// PostStartsWith requires the field to start with Value ("" allows
	// any value).
	PostStartsWith PostMatch = "starts-with"
	// PostContentLengthRange bounds the file's size to [Min, Max] bytes.
	PostContentLengthRange PostMatch = "content-length-range"
)

// PostCondition is one condition of an S3-style POST policy document.
type PostCondition struct {
	Match PostMatch
	// Field is the form field's name without "$", such as "key",
	// "Content-Type" or "bucket"; empty for PostContentLengthRange.
	Field string
	// Value is the exact value or the prefix.
	Value string
	// Min and Max bound the file's size (PostContentLengthRange).
	Min, Max int64
}

// PostPolicy is a browser form upload before signing.
type PostPolicy struct {
	// Expiration ends the policy's validity; it is written with
	// millisecond precision. QingStor policies have none: leave it zero.
	Expiration time.Time
	// Conditions are the conditions of an S3-style policy document. The
	// signing functions append the scheme's own.
	Conditions []PostCondition
	// Fields are the form fields the uploader sends, besides the signing
	// scheme's, in order ("key" first). For QingStor they are the policy.
	Fields []PostField
}

// PostSigner signs browser upload forms with a signer's own credentials.
// V4, V2, COS and QingStor implement it; bearer tokens cannot sign forms.
type PostSigner interface {
	// SignPost checks p's expiry against the scheme's limits, fetches
	// credentials, completes p with the scheme's conditions and returns
	// every field of the form (p.Fields first), the file excepted.
	SignPost(ctx context.Context, p PostPolicy, now time.Time) ([]PostField, error)
}

var (
	_ PostSigner = (*V4)(nil)
	_ PostSigner = (*V2)(nil)
	_ PostSigner = (*COS)(nil)
	_ PostSigner = (*QingStor)(nil)
)

// Form field names of the signing schemes.
const (
	postPolicyField     = "policy"
	postV4Algorithm     = "x-amz-algorithm"
	postV4Credential    = "x-amz-credential"
	postV4Date          = "x-amz-date"
	postV4Signature     = "x-amz-signature"
	postAWSToken        = "x-amz-security-token"
	postV2AccessKey     = "AWSAccessKeyId"
	postV2Signature     = "signature"
	postCOSAlgorithm    = "q-sign-algorithm"
	postCOSAccessKey    = "q-ak"
	postCOSSignTime     = "q-sign-time"
	postCOSKeyTime      = "q-key-time"
	postCOSSignature    = "q-signature"
	postCOSToken        = "x-cos-security-token"
	postQSAccessKey     = "access_key_id"
	postQSSignature     = "signature"
	postExpirationStyle = "2006-01-02T15:04:05.000Z"
)

// PostAuthFields returns the lower-case names of the form fields a
// scheme's signature travels in, which services do not expect a policy
// condition for ("policy" included).
func PostAuthFields(s PostScheme) []string {
	switch s {
	case PostSchemeV4:
		return []string{postPolicyField, postV4Signature}
	case PostSchemeV2:
		return []string{postPolicyField, strings.ToLower(postV2AccessKey), postV2Signature}
	case PostSchemeCOS:
		return []string{postPolicyField, postCOSKeyTime, postCOSSignature}
	case PostSchemeQingStor:
		return []string{postPolicyField, postQSAccessKey, postQSSignature}
	}
	return nil
}

// SignPost signs a form with SigV4 (see [SignPostV4]), for the signer's
// region and service. The expiration must be in (0, 7 days] from now.
func (s *V4) SignPost(ctx context.Context, p PostPolicy, now time.Time) ([]PostField, error) {
	if err := checkExpiry(p.Expiration.Sub(now), v4MaxExpires); err != nil {
		return nil, err
	}
	c, err := postCredentials(ctx, s.creds, "v4")
	if err != nil {
		return nil, err
	}
	if s.opts.DisableSessionToken {
		c.SessionToken = ""
	}
	return SignPostV4(p, c, s.region, s.opts.Service, now)
}

// SignPost signs a form with SigV2 (see [SignPostV2]). The expiration
// must be after now.
func (s *V2) SignPost(ctx context.Context, p PostPolicy, now time.Time) ([]PostField, error) {
	if err := checkExpiry(p.Expiration.Sub(now), 0); err != nil {
		return nil, err
	}
	c, err := postCredentials(ctx, s.creds, "v2")
	if err != nil {
		return nil, err
	}
	return SignPostV2(p, c)
}

// SignPost signs a form with COS q-sign (see [SignPostCOS]). The
// expiration must be after now.
func (c *COS) SignPost(ctx context.Context, p PostPolicy, now time.Time) ([]PostField, error) {
	if err := checkExpiry(p.Expiration.Sub(now), 0); err != nil {
		return nil, err
	}
	creds, err := postCredentials(ctx, c.creds, "cos")
	if err != nil {
		return nil, err
	}
	return SignPostCOS(p, creds, now)
}

// SignPost signs a form with QingStor's scheme (see [SignPostQingStor]).
// now is not used: QingStor form policies do not expire.
func (q *QingStor) SignPost(ctx context.Context, p PostPolicy, now time.Time) ([]PostField, error) {
	creds, err := postCredentials(ctx, q.creds, "qingstor")
	if err != nil {
		return nil, err
	}
	return SignPostQingStor(p, creds)
}

// postCredentials fetches keys for a form; AnonymousCredentials cannot
// sign one.
func postCredentials(ctx context.Context, p CredentialsProvider, scheme string) (Credentials, error) {
	c, signed, err := retrieveCredentials(ctx, p, scheme)
	if err != nil {
		return Credentials{}, err
	}
	if !signed {
		return Credentials{}, fmt.Errorf("signer: %s: signing a form needs credentials, not AnonymousCredentials: %w", scheme, ErrNoCredentials)
	}
	return c, nil
}

// SignPostV4 completes p for AWS Signature Version 4 and signs it. It adds
// the conditions {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
// {"x-amz-credential": "<key>/<day>/<region>/<service>/aws4_request"},
// {"x-amz-date": "<now>"} and, for temporary credentials,
// {"x-amz-security-token": "<token>"}, and returns p.Fields followed by
// policy, x-amz-algorithm, x-amz-credential, x-amz-date,
// x-amz-security-token (if any) and x-amz-signature, the hex
// HMAC-SHA256 of the base64 policy under the day's signing key.
func SignPostV4(p PostPolicy, c Credentials, region, service string, now time.Time) ([]PostField, error) {
	if !c.HasKeys() {
		return nil, fmt.Errorf("signer: v4: %w", ErrNoCredentials)
	}
	if region == "" || service == "" {
		return nil, errors.New("signer: v4: a form needs a region and a service")
	}
	now = now.UTC()
	amzDate, day := now.Format(v4TimeFormat), now.Format(v4DayFormat)
	auth := []PostField{
		{postV4Algorithm, v4Algorithm},
		{postV4Credential, c.AccessKeyID + "/" + v4Scope(day, region, service)},
		{postV4Date, amzDate},
	}
	if c.SessionToken != "" {
		auth = append(auth, PostField{postAWSToken, c.SessionToken})
	}
	policy, err := encodePostPolicy(p, auth)
	if err != nil {
		return nil, err
	}
	key := v4DeriveKey(c.SecretAccessKey, day, region, service)
	sig := hex.EncodeToString(v4HMAC(nil, key[:], policy))
	return postResult(p, append(append([]PostField{{postPolicyField, policy}}, auth...), PostField{postV4Signature, sig})), nil
}

// SignPostV2 completes p for AWS Signature Version 2 and signs it: a
// temporary credential's token is added as the condition
// {"x-amz-security-token": "<token>"}. It returns p.Fields followed by
// AWSAccessKeyId, policy, signature (the base64 HMAC-SHA1 of the base64
// policy) and x-amz-security-token (if any).
func SignPostV2(p PostPolicy, c Credentials) ([]PostField, error) {
	if !c.HasKeys() {
		return nil, fmt.Errorf("signer: v2: %w", ErrNoCredentials)
	}
	var auth []PostField
	if c.SessionToken != "" {
		auth = append(auth, PostField{postAWSToken, c.SessionToken})
	}
	policy, err := encodePostPolicy(p, auth)
	if err != nil {
		return nil, err
	}
	fields := []PostField{{postV2AccessKey, c.AccessKeyID}, {postPolicyField, policy}, {postV2Signature, v2Sign(c.SecretAccessKey, []byte(policy))}}
	return postResult(p, append(fields, auth...)), nil
}

// SignPostCOS completes p for COS q-sign and signs it. The key time is
// "<now>;<expiration>" in Unix seconds. It adds the conditions
// {"q-sign-algorithm": "sha1"}, {"q-ak": "<SecretId>"},
// {"q-sign-time": "<key time>"} and, for temporary credentials,
// {"x-cos-security-token": "<token>"}, and returns p.Fields followed by
// policy, q-sign-algorithm, q-ak, q-key-time, q-signature and
// x-cos-security-token (if any). The signature is
// hex(HMAC-SHA1(SignKey, hex(SHA1(policy document)))) with
// SignKey = hex(HMAC-SHA1(SecretKey, key time)).
func SignPostCOS(p PostPolicy, c Credentials, now time.Time) ([]PostField, error) {
	if !c.HasKeys() {
		return nil, fmt.Errorf("signer: cos: %w", ErrNoCredentials)
	}
	if !p.Expiration.After(now) {
		return nil, &ExpiryError{Expires: p.Expiration.Sub(now)}
	}
	keyTime := cosWindow(now, p.Expiration)
	conds := []PostField{{postCOSAlgorithm, cosAlgorithm}, {postCOSAccessKey, c.AccessKeyID}, {postCOSSignTime, keyTime}}
	var token []PostField
	if c.SessionToken != "" {
		token = []PostField{{postCOSToken, c.SessionToken}}
	}
	doc, err := postDocument(p, append(slices.Clone(conds), token...))
	if err != nil {
		return nil, err
	}
	fields := []PostField{
		{postPolicyField, base64.StdEncoding.EncodeToString(doc)},
		{postCOSAlgorithm, cosAlgorithm},
		{postCOSAccessKey, c.AccessKeyID},
		{postCOSKeyTime, keyTime},
		{postCOSSignature, cosPostSignature(c.SecretAccessKey, keyTime, doc)},
	}
	return postResult(p, append(fields, token...)), nil
}

// SignPostQingStor signs a QingStor form: the policy is the JSON object of
// p.Fields (names to values), which must not repeat a name; p may have
// neither conditions nor an expiration, which QingStor policies cannot
// express. It returns p.Fields followed by policy, access_key_id and
// signature (the base64 HMAC-SHA256 of the base64 policy). QingStor has
// no session tokens: a credential's token is not used.
func SignPostQingStor(p PostPolicy, c Credentials) ([]PostField, error) {
	if !c.HasKeys() {
		return nil, fmt.Errorf("signer: qingstor: %w", ErrNoCredentials)
	}
	if len(p.Conditions) > 0 || !p.Expiration.IsZero() {
		return nil, errors.New("signer: qingstor: form policies fix field values only; they have no conditions and no expiration")
	}
	obj := make(map[string]string, len(p.Fields))
	for _, f := range p.Fields {
		if _, dup := obj[f.Name]; dup {
			return nil, fmt.Errorf("signer: qingstor: form field %q appears twice", f.Name)
		}
		obj[f.Name] = f.Value
	}
	doc, err := marshalJSON(obj)
	if err != nil {
		return nil, err
	}
	policy := base64.StdEncoding.EncodeToString(doc)
	sig := string(qsAppendSignature(nil, c.SecretAccessKey, []byte(policy)))
	return postResult(p, []PostField{{postPolicyField, policy}, {postQSAccessKey, c.AccessKeyID}, {postQSSignature, sig}}), nil
}

// postResult returns p.Fields followed by the scheme's fields.
func postResult(p PostPolicy, auth []PostField) []PostField {
	out := make([]PostField, 0, len(p.Fields)+len(auth))
	return append(append(out, p.Fields...), auth...)
}

// encodePostPolicy returns the base64 policy document of p with extra
// exact-match conditions appended.
func encodePostPolicy(p PostPolicy, extra []PostField) (string, error) {
	doc, err := postDocument(p, extra)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(doc), nil
}

// postDocument renders an S3-style policy document: exact matches as
// {"field": "value"}, prefixes as ["starts-with", "$field", "prefix"] and
// ranges as ["content-length-range", min, max], in order.
func postDocument(p PostPolicy, extra []PostField) ([]byte, error) {
	if p.Expiration.IsZero() {
		return nil, errors.New("signer: a form policy needs an expiration")
	}
	conds := make([]any, 0, len(p.Conditions)+len(extra))
	for i, c := range p.Conditions {
		switch c.Match {
		case PostEq:
			if c.Field == "" {
				return nil, fmt.Errorf("signer: policy condition %d: eq needs a field", i)
			}
			conds = append(conds, map[string]string{c.Field: c.Value})
		case PostStartsWith:
			if c.Field == "" {
				return nil, fmt.Errorf("signer: policy condition %d: starts-with needs a field", i)
			}
			conds = append(conds, []string{string(PostStartsWith), "$" + c.Field, c.Value})
		case PostContentLengthRange:
			if c.Min < 0 || c.Max < c.Min {
				return nil, fmt.Errorf("signer: policy condition %d: content-length-range [%d, %d] is empty or negative", i, c.Min, c.Max)
			}
			conds = append(conds, []any{string(PostContentLengthRange), c.Min, c.Max})
		default:
			return nil, fmt.Errorf("signer: policy condition %d: unknown match %q", i, c.Match)
		}
	}
	for _, f := range extra {
		conds = append(conds, map[string]string{f.Name: f.Value})
	}
	return marshalJSON(struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}{p.Expiration.UTC().Format(postExpirationStyle), conds})
}

// marshalJSON encodes v without HTML escaping and without a trailing
// newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("signer: encoding a form policy: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// cosPostSignature is hex(HMAC-SHA1(SignKey, hex(SHA1(doc)))) with
// SignKey = hex(HMAC-SHA1(secret, keyTime)), both keys and messages used
// as hex text.
func cosPostSignature(secret, keyTime string, doc []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(keyTime))
	signKey := hex.EncodeToString(mac.Sum(nil))
	sum := sha1.Sum(doc)
	mac = hmac.New(sha1.New, []byte(signKey))
	mac.Write([]byte(hex.EncodeToString(sum[:])))
	return hex.EncodeToString(mac.Sum(nil))
}

// --- verification ---

// PostScheme names how a browser upload form was signed. The values are
// the names storagetest's request log uses for the same schemes.
type PostScheme string

// Form signing schemes.
const (
	PostSchemeV4       PostScheme = "v4"
	PostSchemeV2       PostScheme = "v2"
	PostSchemeCOS      PostScheme = "cos"
	PostSchemeQingStor PostScheme = "qingstor"
)

// PostVerified is what VerifyPost learned from a form it accepted.
type PostVerified struct {
	Scheme      PostScheme
	AccessKeyID string
	// Policy is the decoded policy document (JSON): S3-style for v4, v2
	// and cos (parse it with ParsePostPolicy), QingStor's object of field
	// values for qingstor. The caller checks the form against it.
	Policy []byte
	// SignedAt is the signing time the form claims (x-amz-date, or the
	// start of q-key-time); zero for v2 and qingstor.
	SignedAt time.Time
}

// VerifyPost checks the signature of a browser upload form as the
// services do; the caller then checks the form against the policy
// (expiration, conditions), which VerifyPost does not read. get returns a
// form field by name ("" if absent); S3 matches names case-insensitively,
// and so should get. The scheme is told by the fields: x-amz-algorithm
// (v4), AWSAccessKeyId (v2), q-sign-algorithm (cos) or access_key_id
// (qingstor). A form with none is unsigned (VerifyMissing). A COS form
// outside its q-key-time is VerifyExpired. Signatures are compared in
// constant time; errors are *VerifyError.
func VerifyPost(get func(name string) string, lookup SecretLookup, now time.Time) (*PostVerified, error) {
	switch DetectPostScheme(get) {
	case PostSchemeV4:
		return verifyPostV4(get, lookup)
	case PostSchemeV2:
		return verifyPostV2(get, lookup)
	case PostSchemeCOS:
		return verifyPostCOS(get, lookup, now)
	case PostSchemeQingStor:
		return verifyPostQingStor(get, lookup)
	}
	return nil, &VerifyError{Code: VerifyMissing, Reason: "the form has no signature fields"}
}

// DetectPostScheme tells a form's signing scheme from its fields, as
// VerifyPost does: x-amz-algorithm (v4), AWSAccessKeyId (v2),
// q-sign-algorithm (cos) or access_key_id (qingstor); "" for an unsigned
// form.
func DetectPostScheme(get func(name string) string) PostScheme {
	switch {
	case get(postV4Algorithm) != "":
		return PostSchemeV4
	case get(postV2AccessKey) != "":
		return PostSchemeV2
	case get(postCOSAlgorithm) != "":
		return PostSchemeCOS
	case get(postQSAccessKey) != "":
		return PostSchemeQingStor
	}
	return ""
}

func postLookup(lookup SecretLookup, ak string) (string, error) {
	if lookup != nil {
		if secret, ok := lookup(ak); ok {
			return secret, nil
		}
	}
	return "", &VerifyError{Code: VerifyUnknownKey, Reason: "unknown access key " + strconv.Quote(ak)}
}

func postMismatch(scheme PostScheme) error {
	return &VerifyError{Code: VerifyMismatch, Reason: "the " + string(scheme) + " signature of the form's policy does not match"}
}

func postMalformed(format string, args ...any) error {
	return &VerifyError{Code: VerifyMalformed, Reason: fmt.Sprintf(format, args...)}
}

// decodePolicy decodes the base64 policy field.
func decodePolicy(policy string) ([]byte, error) {
	if policy == "" {
		return nil, postMalformed("the form has signature fields but no policy")
	}
	doc, err := base64.StdEncoding.DecodeString(policy)
	if err != nil {
		return nil, postMalformed("the policy is not base64")
	}
	return doc, nil
}

func verifyPostV4(get func(string) string, lookup SecretLookup) (*PostVerified, error) {
	if alg := get(postV4Algorithm); alg != v4Algorithm {
		return nil, postMalformed("x-amz-algorithm %q is not %s", alg, v4Algorithm)
	}
	parts := strings.Split(get(postV4Credential), "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != v4Terminator {
		return nil, postMalformed("x-amz-credential is not <key>/<day>/<region>/<service>/aws4_request")
	}
	ak, day, region, service := parts[0], parts[1], parts[2], parts[3]
	date, err := time.Parse(v4TimeFormat, get(postV4Date))
	if err != nil || date.Format(v4DayFormat) != day {
		return nil, postMalformed("x-amz-date %q is not a time of the credential's day %q", get(postV4Date), day)
	}
	policy := get(postPolicyField)
	doc, err := decodePolicy(policy)
	if err != nil {
		return nil, err
	}
	sig := get(postV4Signature)
	if !v4IsLowerHex(sig) || len(sig) != 2*sha256.Size {
		return nil, postMalformed("x-amz-signature is not 64 lower-case hex digits")
	}
	secret, err := postLookup(lookup, ak)
	if err != nil {
		return nil, err
	}
	key := v4DeriveKey(secret, day, region, service)
	want := hex.EncodeToString(v4HMAC(nil, key[:], policy))
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return nil, postMismatch(PostSchemeV4)
	}
	return &PostVerified{Scheme: PostSchemeV4, AccessKeyID: ak, Policy: doc, SignedAt: date}, nil
}

func verifyPostV2(get func(string) string, lookup SecretLookup) (*PostVerified, error) {
	ak, sig, policy := get(postV2AccessKey), get(postV2Signature), get(postPolicyField)
	doc, err := decodePolicy(policy)
	if err != nil {
		return nil, err
	}
	if sig == "" {
		return nil, postMalformed("the form has AWSAccessKeyId but no signature")
	}
	secret, err := postLookup(lookup, ak)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(v2Sign(secret, []byte(policy))), []byte(sig)) != 1 {
		return nil, postMismatch(PostSchemeV2)
	}
	return &PostVerified{Scheme: PostSchemeV2, AccessKeyID: ak, Policy: doc}, nil
}

func verifyPostCOS(get func(string) string, lookup SecretLookup, now time.Time) (*PostVerified, error) {
	if alg := get(postCOSAlgorithm); alg != cosAlgorithm {
		return nil, postMalformed("q-sign-algorithm %q is not %s", alg, cosAlgorithm)
	}
	ak, keyTime, sig := get(postCOSAccessKey), get(postCOSKeyTime), get(postCOSSignature)
	if ak == "" || sig == "" {
		return nil, postMalformed("the form needs q-ak, q-key-time and q-signature")
	}
	start, end, ok := parseCOSWindow(keyTime)
	if !ok {
		return nil, postMalformed("q-key-time %q is not <start>;<end> in Unix seconds", keyTime)
	}
	doc, err := decodePolicy(get(postPolicyField))
	if err != nil {
		return nil, err
	}
	switch {
	case now.Unix() > end:
		return nil, &VerifyError{Code: VerifyExpired, Reason: fmt.Sprintf("q-key-time ended at %d, now %d", end, now.Unix())}
	case now.Add(cosStartLeeway).Unix() < start:
		return nil, &VerifyError{Code: VerifyExpired, Reason: fmt.Sprintf("q-key-time starts at %d, now %d", start, now.Unix())}
	}
	secret, err := postLookup(lookup, ak)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(cosPostSignature(secret, keyTime, doc)), []byte(sig)) != 1 {
		return nil, postMismatch(PostSchemeCOS)
	}
	return &PostVerified{Scheme: PostSchemeCOS, AccessKeyID: ak, Policy: doc, SignedAt: time.Unix(start, 0).UTC()}, nil
}

// parseCOSWindow parses "start;end" in Unix seconds.
func parseCOSWindow(s string) (start, end int64, ok bool) {
	a, b, found := strings.Cut(s, ";")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	return start, end, err1 == nil && err2 == nil && start <= end
}

func verifyPostQingStor(get func(string) string, lookup SecretLookup) (*PostVerified, error) {
	ak, sig, policy := get(postQSAccessKey), get(postQSSignature), get(postPolicyField)
	doc, err := decodePolicy(policy)
	if err != nil {
		return nil, err
	}
	if sig == "" {
		return nil, postMalformed("the form has access_key_id but no signature")
	}
	secret, err := postLookup(lookup, ak)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(qsAppendSignature(nil, secret, []byte(policy)), []byte(sig)) != 1 {
		return nil, postMismatch(PostSchemeQingStor)
	}
	return &PostVerified{Scheme: PostSchemeQingStor, AccessKeyID: ak, Policy: doc}, nil
}

// ParsePostPolicy parses an S3-style POST policy document (S3, SigV2,
// COS): {"expiration": "...", "conditions": [...]}. Exact matches may be
// written {"field": "value"} (several fields in one object are taken in
// name order) or ["eq", "$field", "value"]; field names lose their "$"
// and keep their case; match names are case-insensitive. Numbers of a
// content-length-range may be JSON numbers or decimal strings. Unknown
// top-level members, other condition shapes and non-string values are
// errors. The result has no Fields.
func ParsePostPolicy(doc []byte) (*PostPolicy, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var raw struct {
		Expiration *string `json:"expiration"`
		Conditions []any   `json:"conditions"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("signer: form policy is not a policy document: %w", err)
	}
	if raw.Expiration == nil {
		return nil, errors.New("signer: form policy has no expiration")
	}
	exp, err := time.Parse(time.RFC3339Nano, *raw.Expiration)
	if err != nil {
		return nil, fmt.Errorf("signer: form policy expiration %q is not an ISO 8601 time", *raw.Expiration)
	}
	p := &PostPolicy{Expiration: exp}
	for i, c := range raw.Conditions {
		switch c := c.(type) {
		case map[string]any:
			names := make([]string, 0, len(c))
			for k := range c {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range names {
				v, ok := c[k].(string)
				if !ok {
					return nil, fmt.Errorf("signer: form policy condition %d: value of %q is not a string", i, k)
				}
				p.Conditions = append(p.Conditions, PostCondition{Match: PostEq, Field: strings.TrimPrefix(k, "$"), Value: v})
			}
		case []any:
			cond, err := parsePostArray(c)
			if err != nil {
				return nil, fmt.Errorf("signer: form policy condition %d: %w", i, err)
			}
			p.Conditions = append(p.Conditions, cond)
		default:
			return nil, fmt.Errorf("signer: form policy condition %d is neither an object nor an array", i)
		}
	}
	return p, nil
}

func parsePostArray(a []any) (PostCondition, error) {
	if len(a) != 3 {
		return PostCondition{}, fmt.Errorf("has %d elements, want 3", len(a))
	}
	op, ok := a[0].(string)
	if !ok {
		return PostCondition{}, errors.New("the match is not a string")
	}
	switch m := PostMatch(strings.ToLower(op)); m {
	case PostEq, PostStartsWith:
		field, ok1 := a[1].(string)
		value, ok2 := a[2].(string)
		if !ok1 || !ok2 || !strings.HasPrefix(field, "$") || len(field) == 1 {
			return PostCondition{}, fmt.Errorf("%s needs a \"$field\" and a string value", m)
		}
		return PostCondition{Match: m, Field: field[1:], Value: value}, nil
	case PostContentLengthRange:
		lo, err1 := postNumber(a[1])
		hi, err2 := postNumber(a[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return PostCondition{}, errors.New("content-length-range needs two numbers, 0 <= min <= max")
		}
		return PostCondition{Match: m, Min: lo, Max: hi}, nil
	}
	return PostCondition{}, fmt.Errorf("unknown match %q", op)
}

func postNumber(v any) (int64, error) {
	switch v := v.(type) {
	case json.Number:
		return v.Int64()
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, errors.New("not a number")
}
