package signer

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/internal/rawquery"
)

// AWS Signature Version 2 for S3 (HMAC-SHA1), which S3-compatible servers
// such as QingStor's S3 layer still accept. The string to sign is
//
//	METHOD \n Content-MD5 \n Content-Type \n Date \n [x-amz-name:value \n]... RESOURCE
//
// where RESOURCE is /bucket/key (the bucket taken from the host for
// virtual-hosted requests) plus the signed sub-resources of the query. The
// header form is "Authorization: AWS <access key>:<base64 signature>"; the
// query form carries AWSAccessKeyId, Expires (which replaces the Date line)
// and Signature.

// V2Flavor selects the rules for building the V2 string to sign. Servers
// accept both; they differ only in details.
type V2Flavor int

const (
	// V2Botocore follows botocore (the AWS SDK for Python): the time goes in
	// the Date header and the Date line; x-amz-* values are trimmed;
	// botocore's sub-resource list, values decoded.
	V2Botocore V2Flavor = iota
	// V2JavaScript follows the AWS SDK for JavaScript v2: the time goes in
	// X-Amz-Date and the Date line is empty, as the S3 documentation
	// prescribes; its sub-resource list, values as sent except the
	// response-* overrides, which are decoded. The SDK does not trim
	// header values; this signer signs them as net/http sends them, with
	// outer spaces and tabs removed (textproto.TrimString), so that a
	// value with outer white space still verifies. Values without outer
	// white space sign exactly as the SDK signs them.
	V2JavaScript
)

// V2Options configures a [V2] signer.
type V2Options struct {
	// Flavor selects the string-to-sign rules; the default is V2Botocore.
	Flavor V2Flavor
	// BucketFromHost returns the bucket of a virtual-hosted request's host
	// (r.Host, else r.URL.Host, port included), or "" for a path-style
	// host: the canonical resource must name the bucket. nil means
	// V2BucketFromHost.
	BucketFromHost func(host string) string
}

// V2 signs S3 requests with AWS Signature Version 2 (HMAC-SHA1), in the
// Authorization header ([V2.Sign]) or in a presigned URL ([V2.Presign]).
// It is safe for concurrent use. Prefer [V4] wherever the server supports
// it.
type V2 struct {
	creds CredentialsProvider
	opts  V2Options
}

// NewV2 returns a SigV2 signer using credentials from creds.
func NewV2(creds CredentialsProvider, optFns ...func(*V2Options)) *V2 {
	var o V2Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	return &V2{creds: creds, opts: o}
}

// String describes the signer without revealing credentials.
func (s *V2) String() string {
	if s == nil {
		return "V2(nil)"
	}
	return fmt.Sprintf("V2{Flavor: %d, Credentials: %T}", s.opts.Flavor, s.creds)
}

// V2BucketFromHost is the default rule for finding the bucket of a
// virtual-hosted request: the part of the host (port removed) before
// ".s3." or ".s3-", as in "bucket.s3.us-east-1.amazonaws.com" or
// "bucket.s3.pek3b.qingstor.com". Other hosts are taken as path-style; set
// V2Options.BucketFromHost for custom virtual-host domains.
func V2BucketFromHost(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	lower := strings.ToLower(host)
	i := strings.Index(lower, ".s3.")
	if j := strings.Index(lower, ".s3-"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i <= 0 {
		return ""
	}
	return host[:i]
}

// Sign adds "Authorization: AWS <access key>:<signature>" to r, with the
// Date header (or X-Amz-Date for V2JavaScript) and, for temporary
// credentials, X-Amz-Security-Token. It leaves r unsigned when the
// provider is AnonymousCredentials. It never reads the body.
func (s *V2) Sign(ctx context.Context, r *http.Request, now time.Time) error {
	if err := awsCheckRequest(r); err != nil {
		return err
	}
	c, signed, err := retrieveCredentials(ctx, s.creds, "v2")
	if err != nil || !signed {
		return err
	}
	return s.SignWithCredentials(r, c, now)
}

// SignWithCredentials is Sign with explicit credentials.
func (s *V2) SignWithCredentials(r *http.Request, c Credentials, now time.Time) error {
	_, err := s.signHeader(r, c, now)
	return err
}

// Presign returns a URL for r signed in the query string (AWSAccessKeyId,
// Signature, Expires), valid for expires (rounded down to whole seconds,
// at least one), and the headers the holder of the URL must send
// (Content-MD5 and Content-Type when r has them). x-amz-* headers and the
// session token travel in the query. r is not modified.
// AnonymousCredentials cannot presign: the error matches ErrNoCredentials.
func (s *V2) Presign(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error) {
	if err := checkExpiry(expires, 0); err != nil {
		return nil, nil, err
	}
	if err := awsCheckRequest(r); err != nil {
		return nil, nil, err
	}
	c, signed, err := retrieveCredentials(ctx, s.creds, "v2")
	if err != nil {
		return nil, nil, err
	}
	if !signed {
		return nil, nil, fmt.Errorf("signer: presigning needs credentials, not AnonymousCredentials: %w", ErrNoCredentials)
	}
	return s.PresignWithCredentials(r, c, now, expires)
}

// PresignWithCredentials is Presign with explicit credentials.
func (s *V2) PresignWithCredentials(r *http.Request, c Credentials, now time.Time, expires time.Duration) (*url.URL, http.Header, error) {
	if err := checkExpiry(expires, 0); err != nil {
		return nil, nil, err
	}
	u, h, _, err := s.presign(r, c, now, expires)
	return u, h, err
}

func (s *V2) bucket(host string) string {
	if s.opts.BucketFromHost != nil {
		return s.opts.BucketFromHost(host)
	}
	return V2BucketFromHost(host)
}

// signHeader signs r in place and returns the string to sign.
func (s *V2) signHeader(r *http.Request, c Credentials, now time.Time) (string, error) {
	if err := awsCheckRequest(r); err != nil {
		return "", err
	}
	if !c.HasKeys() {
		return "", fmt.Errorf("signer: v2: %w", ErrNoCredentials)
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	date := now.UTC().Format(http.TimeFormat)
	in := v2Input{
		rules:  v2RulesFor(s.opts.Flavor),
		method: r.Method,
		header: r.Header,
		path:   awsWirePath(r.URL),
		query:  r.URL.RawQuery,
	}
	// Replace, in any spelling, the headers signing sets.
	dateHdr, token := "Date", ""
	if in.rules.amzDate {
		dateHdr = "X-Amz-Date"
	} else {
		in.dateLine = date
	}
	if c.SessionToken != "" {
		token = v4HdrToken
	}
	awsDropVariants(r.Header, dateHdr, token, v4HdrAuth)
	r.Header.Set(dateHdr, date)
	if c.SessionToken != "" {
		r.Header.Set(v4HdrToken, c.SessionToken)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	in.bucket = s.bucket(host)
	sts := in.appendStringToSign(make([]byte, 0, 256))
	r.Header.Set(v4HdrAuth, "AWS "+c.AccessKeyID+":"+v2Sign(c.SecretAccessKey, sts))
	return string(sts), nil
}

// presign builds the query-signed URL and returns the string to sign too.
func (s *V2) presign(r *http.Request, c Credentials, now time.Time, expires time.Duration) (*url.URL, http.Header, string, error) {
	if err := awsCheckRequest(r); err != nil {
		return nil, nil, "", err
	}
	if !c.HasKeys() {
		return nil, nil, "", fmt.Errorf("signer: v2: %w", ErrNoCredentials)
	}
	secs := int64(expires / time.Second)
	if secs < 1 {
		secs = 1
	}
	exp := strconv.FormatInt(now.Unix()+secs, 10)
	var extra []v4Param
	if c.SessionToken != "" {
		extra = []v4Param{{k: "x-amz-security-token", v: c.SessionToken}}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	in := v2Input{
		rules:    v2RulesFor(s.opts.Flavor),
		method:   r.Method,
		header:   r.Header,
		extraAmz: extra,
		dateLine: exp,
		bucket:   s.bucket(host),
		path:     awsWirePath(r.URL),
		query:    r.URL.RawQuery,
	}
	sts := in.appendStringToSign(make([]byte, 0, 256))
	sig := v2Sign(c.SecretAccessKey, sts)

	// Query: the original parameters, then AWSAccessKeyId and Signature,
	// the x-amz-*, Content-MD5 and Content-Type headers, the token and
	// Expires, in botocore's order.
	hoisted := v2HoistedHeaders(r.Header)
	drop := func(k string) bool {
		switch k {
		case "AWSAccessKeyId", "Signature", "Expires":
			return true
		}
		lk := strings.ToLower(k)
		if c.SessionToken != "" && lk == "x-amz-security-token" {
			return true
		}
		for _, p := range hoisted {
			if p.k == lk {
				return true
			}
		}
		return false
	}
	var q strings.Builder
	for seg := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if seg == "" {
			continue
		}
		k, _, _ := strings.Cut(seg, "=")
		if dk, err := url.QueryUnescape(k); err == nil && drop(dk) {
			continue
		}
		q.WriteString(seg)
		q.WriteByte('&')
	}
	v2WriteParam(&q, "AWSAccessKeyId", c.AccessKeyID)
	q.WriteByte('&')
	v2WriteParam(&q, "Signature", sig)
	for _, p := range append(hoisted, extra...) {
		q.WriteByte('&')
		v2WriteParam(&q, p.k, p.v)
	}
	q.WriteByte('&')
	v2WriteParam(&q, "Expires", exp)

	u := *r.URL
	u.RawQuery = q.String()
	u.ForceQuery = false
	u.Fragment, u.RawFragment = "", ""
	out := http.Header{}
	for _, name := range [...]string{"Content-Md5", "Content-Type"} {
		if vs := awsHeaderValues(r.Header, name); len(vs) > 0 {
			out[name] = slices.Clone(vs)
		}
	}
	return &u, out, string(sts), nil
}

// v2HoistedHeaders returns the headers botocore moves into a presigned
// URL's query: x-amz-* (except the token), Content-MD5 and Content-Type,
// lowercased and sorted, every value in the order net/http would send it
// (spellings of a name in sorted order), as the string to sign merges
// them.
func v2HoistedHeaders(h http.Header) []v4Param {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []v4Param
	for _, k := range keys {
		lk := strings.ToLower(k)
		if lk == "x-amz-security-token" || !(strings.HasPrefix(lk, "x-amz-") || lk == "content-md5" || lk == "content-type") {
			continue
		}
		for _, v := range h[k] {
			out = append(out, v4Param{k: lk, v: v})
		}
	}
	slices.SortStableFunc(out, func(a, b v4Param) int { return strings.Compare(a.k, b.k) })
	return out
}

func v2WriteParam(b *strings.Builder, k, v string) {
	b.WriteString(rawquery.Escape(k, false))
	b.WriteByte('=')
	b.WriteString(rawquery.Escape(v, false))
}

// v2Sign returns base64(HMAC-SHA1(secret, sts)).
func v2Sign(secret string, sts []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(sts)
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(m.Sum(sum[:0]))
}

// --- string to sign ---

// v2Rules are the flavour-specific details.
type v2Rules struct {
	amzDate      bool                // time in X-Amz-Date; empty Date line
	trim         func(string) string // applied to Content-*, x-amz-* values
	collapse     bool                // also collapse runs of spaces and tabs in x-amz-* values (verification only)
	bareEmpty    bool                // "?uploads" for "uploads=": no '=' before an empty value (minio-go; verification only)
	subresources map[string]bool
	decode       func(name string) bool // decode this sub-resource's value
}

// v2BotocoreSubresources is botocore's HmacV1Auth.QSAOfInterest.
var v2BotocoreSubresources = v2Set("accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging",
	"partNumber", "policy", "requestPayment", "torrent", "versioning", "versionId", "versions", "website",
	"uploads", "uploadId", "response-content-type", "response-content-language", "response-expires",
	"response-cache-control", "response-content-disposition", "response-content-encoding", "delete",
	"lifecycle", "tagging", "restore", "storageClass", "notification", "replication", "analytics",
	"metrics", "inventory", "select", "select-type", "object-lock")

// v2JavaScriptSubresources is aws-sdk-js v2's subResources plus
// responseHeaders.
var v2JavaScriptSubresources = v2Set("acl", "accelerate", "analytics", "cors", "lifecycle", "delete",
	"inventory", "location", "logging", "metrics", "notification", "partNumber", "policy",
	"requestPayment", "replication", "restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
	"versioning", "versions", "website", "response-content-type", "response-content-language",
	"response-expires", "response-cache-control", "response-content-disposition",
	"response-content-encoding")

func v2Set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func v2RulesFor(f V2Flavor) v2Rules {
	if f == V2JavaScript {
		return v2Rules{
			amzDate:      true,
			trim:         textproto.TrimString, // as net/http sends them
			subresources: v2JavaScriptSubresources,
			decode:       func(name string) bool { return strings.HasPrefix(name, "response-") },
		}
	}
	return v2Rules{
		trim:         strings.TrimSpace,
		subresources: v2BotocoreSubresources,
		decode:       func(string) bool { return true },
	}
}

// v2Input is everything the string to sign is built from.
type v2Input struct {
	rules    v2Rules
	method   string
	header   http.Header
	extraAmz []v4Param // x-amz-* values that replace the headers' (lowercase names)
	dateLine string
	bucket   string
	path     string // escaped path as sent
	query    string // raw query as sent
	// Content-MD5 and Content-Type when they do not come from header.
	contentMD5, contentType *string
}

func (in *v2Input) appendStringToSign(dst []byte) []byte {
	dst = append(dst, in.method...)
	dst = append(dst, '\n')
	dst = in.appendStandard(dst, "Content-Md5", in.contentMD5)
	dst = in.appendStandard(dst, "Content-Type", in.contentType)
	dst = append(dst, in.dateLine...)
	dst = append(dst, '\n')
	dst = in.appendAmz(dst)
	return in.appendResource(dst)
}

func (in *v2Input) appendStandard(dst []byte, name string, override *string) []byte {
	var v string
	if override != nil {
		v = *override
	} else if vs := awsHeaderValues(in.header, name); len(vs) > 0 {
		v = vs[0]
	}
	dst = append(dst, in.rules.trim(v)...)
	return append(dst, '\n')
}

// appendAmz appends "name:v1,v2\n" for every x-amz-* header, names
// lowercased and sorted.
func (in *v2Input) appendAmz(dst []byte) []byte {
	list := make([]v4Header, 0, 4+len(in.extraAmz))
	for k, vs := range in.header {
		if !awsHasPrefixFold(k, "x-amz-") || len(vs) == 0 || in.overridden(k) {
			continue
		}
		list = append(list, v4Header{key: k, vals: vs})
	}
	for i := range in.extraAmz {
		list = append(list, v4Header{key: in.extraAmz[i].k, vals: []string{in.extraAmz[i].v}})
	}
	// Stable: a presigned URL's query may repeat a name, whose values
	// must stay in order.
	slices.SortStableFunc(list, func(a, b v4Header) int {
		if c := awsCompareFold(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for i, h := range list {
		merged := i > 0 && strings.EqualFold(list[i-1].key, h.key)
		if merged {
			dst = dst[:len(dst)-1]
		} else {
			dst = awsAppendLower(dst, h.key)
			dst = append(dst, ':')
		}
		for j, v := range h.vals {
			if j > 0 || merged {
				dst = append(dst, ',')
			}
			if in.rules.collapse {
				dst = v2AppendCollapsed(dst, v)
				continue
			}
			dst = append(dst, in.rules.trim(v)...)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// v2AppendCollapsed appends v trimmed, with every run of spaces and tabs
// inside it replaced by one space.
func v2AppendCollapsed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	blank := false
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == ' ' || c == '\t' {
			blank = true
			continue
		}
		if blank {
			dst = append(dst, ' ')
			blank = false
		}
		dst = append(dst, v[i])
	}
	return dst
}

func (in *v2Input) overridden(key string) bool {
	for _, p := range in.extraAmz {
		if strings.EqualFold(p.k, key) {
			return true
		}
	}
	return false
}

// appendResource appends /bucket/path?sub-resources.
func (in *v2Input) appendResource(dst []byte) []byte {
	if in.bucket != "" {
		dst = append(dst, '/')
		dst = append(dst, in.bucket...)
	}
	dst = append(dst, in.path...)
	type sub struct {
		name, value string
		hasValue    bool
	}
	var subs []sub
	for seg := range strings.SplitSeq(in.query, "&") {
		name, value, hasValue := strings.Cut(seg, "=")
		if !in.rules.subresources[name] {
			continue
		}
		if hasValue && in.rules.decode(name) {
			value = awsLenientUnescape(value)
		}
		subs = append(subs, sub{name, value, hasValue})
	}
	slices.SortStableFunc(subs, func(a, b sub) int { return strings.Compare(a.name, b.name) })
	for i, s := range subs {
		if i == 0 {
			dst = append(dst, '?')
		} else {
			dst = append(dst, '&')
		}
		dst = append(dst, s.name...)
		if s.hasValue && (s.value != "" || !in.rules.bareEmpty) {
			dst = append(dst, '=')
			dst = append(dst, s.value...)
		}
	}
	return dst
}

// awsLenientUnescape decodes %XX sequences and leaves anything else,
// including '+' and malformed escapes, as it is (Python's unquote).
func awsLenientUnescape(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if c := s[i]; c == '%' && i+2 < len(s) && awsIsHex(s[i+1]) && awsIsHex(s[i+2]) {
			b = append(b, awsUnhex(s[i+1])<<4|awsUnhex(s[i+2]))
			i += 2
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func awsIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func awsUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// awsHeaderValues returns h's values for name as a server receives them:
// every spelling of the name, merged in the order net/http sends them
// (see wireValues).
func awsHeaderValues(h http.Header, name string) []string { return wireValues(h, name) }

// --- verification ---

// VerifyV2 checks the AWS Signature Version 2 of a request with the
// default settings; see [V2Verifier.Verify].
func VerifyV2(r *http.Request, lookup SecretLookup, now time.Time) error {
	return V2Verifier{}.Verify(r, lookup, now)
}

// V2Verifier checks AWS Signature Version 2 signatures. The zero value is
// ready to use.
type V2Verifier struct {
	// BucketFromHost returns the bucket of a virtual-hosted request's host
	// (port included, as sent), or "" for a path-style host, as in
	// V2Options. nil means V2BucketFromHost. Servers with a custom
	// virtual-host domain set it.
	BucketFromHost func(host string) string
}

// Verify checks the AWS Signature Version 2 of a request a server
// received, in the Authorization header ("AWS key:signature") or in the
// query (AWSAccessKeyId, Signature, Expires). It returns nil or a
// *VerifyError.
//
// The canonical forms clients produce are all accepted (see [V2Flavor]):
// the Date line may hold the Date header, or be empty when X-Amz-Date is
// present; x-amz-* values may be as sent (the JavaScript SDK and minio-go,
// which keep runs of spaces inside a value), trimmed (botocore, which
// also keeps them), or trimmed with each run of spaces and tabs collapsed
// to one space (SigV4's rule, which some V2 clients apply); sub-resource
// values may be decoded or as sent, and an empty one written with or
// without its '=' ("?uploads=" or "?uploads", as minio-go signs it).
// x-amz-* query parameters of a presigned URL count as headers, as
// botocore puts them there.
//
// A header-signed request must be dated (X-Amz-Date, else Date) within 15
// minutes of now; a presigned URL must not be past Expires.
func (v V2Verifier) Verify(r *http.Request, lookup SecretLookup, now time.Time) error {
	if lookup == nil {
		return v4Err(VerifyUnknownKey, "no secret lookup")
	}
	if awsCheckRequest(r) != nil {
		return v4Err(VerifyMalformed, "request without URL")
	}
	path, rawQuery := awsRequestTarget(r)
	params, err := awsParseQuery(rawQuery)
	if err != nil {
		return v4Err(VerifyMalformed, err.Error())
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	fromHost := v.BucketFromHost
	if fromHost == nil {
		fromHost = V2BucketFromHost
	}
	base := v2Input{method: r.Method, header: r.Header, bucket: fromHost(host), path: path, query: rawQuery}

	access, sig, dates, err := v2ParseAuth(r, params, &base)
	if err != nil {
		return err
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(want) != sha1.Size {
		return v4Err(VerifyMalformed, "the signature is not a base64 HMAC-SHA1")
	}
	secret, ok := lookup(access)
	if !ok {
		return v4Err(VerifyUnknownKey, "unknown access key id")
	}
	if err := dates.check(now); err != nil {
		return err
	}

	var tried [][]byte
	for _, cand := range v2Candidates(base, dates) {
		sts := cand.appendStringToSign(make([]byte, 0, 256))
		if slices.ContainsFunc(tried, func(t []byte) bool { return string(t) == string(sts) }) {
			continue
		}
		tried = append(tried, sts)
		m := hmac.New(sha1.New, []byte(secret))
		m.Write(sts)
		if hmac.Equal(m.Sum(nil), want) {
			return nil
		}
	}
	return v4Err(VerifyMismatch, "the signature does not match; string to sign: "+strconv.Quote(v2Redact(tried[0])))
}

// v2Dates holds the time fields of a V2 request.
type v2Dates struct {
	presigned bool
	expires   int64     // presigned: Unix time
	date      time.Time // header: X-Amz-Date, else Date
	dateHdr   string    // the Date header as sent
	amzDate   bool      // X-Amz-Date present
}

func (d v2Dates) check(now time.Time) error {
	if d.presigned {
		if now.Unix() > d.expires {
			return v4Err(VerifyExpired, "the presigned URL expired at "+time.Unix(d.expires, 0).UTC().Format(time.RFC3339))
		}
		return nil
	}
	if skew := now.Sub(d.date); skew > v4MaxSkew || skew < -v4MaxSkew {
		return v4Err(VerifySkewed, "the request time "+d.date.UTC().Format(time.RFC3339)+" is more than 15 minutes from the server time")
	}
	return nil
}

// v2ParseAuth extracts the access key, signature and time fields; for a
// presigned URL it also moves the query's x-amz-* and content parameters
// into base.
func v2ParseAuth(r *http.Request, params []v4Param, base *v2Input) (access, sig string, d v2Dates, err error) {
	get := func(k string) (string, bool) {
		for _, p := range params {
			if p.k == k {
				return p.v, true
			}
		}
		return "", false
	}
	auth := r.Header.Get(v4HdrAuth)
	qAccess, hasAccess := get("AWSAccessKeyId")
	qSig, hasSig := get("Signature")
	qExp, hasExp := get("Expires")
	switch {
	case auth != "" && (hasAccess || hasSig):
		return "", "", d, v4Err(VerifyMalformed, "both an Authorization header and a query signature")
	case auth != "":
		rest, ok := strings.CutPrefix(auth, "AWS ")
		i := strings.LastIndexByte(rest, ':')
		if !ok || i <= 0 || i == len(rest)-1 {
			return "", "", d, v4Err(VerifyMalformed, "the Authorization header is not \"AWS access-key:signature\"")
		}
		access, sig = rest[:i], rest[i+1:]
		d.dateHdr = r.Header.Get("Date")
		v := r.Header.Get("X-Amz-Date")
		d.amzDate = v != ""
		if !d.amzDate {
			v = d.dateHdr
		}
		if v == "" {
			return "", "", d, v4Err(VerifyMalformed, "no Date or X-Amz-Date header")
		}
		if d.date, err = http.ParseTime(v); err != nil {
			return "", "", d, v4Err(VerifyMalformed, "malformed date "+strconv.Quote(v))
		}
		return access, sig, d, nil
	case hasAccess || hasSig || hasExp:
		if !hasAccess || !hasSig || !hasExp || qAccess == "" {
			return "", "", d, v4Err(VerifyMalformed, "a presigned URL needs AWSAccessKeyId, Signature and Expires")
		}
		d.presigned = true
		if d.expires, err = strconv.ParseInt(qExp, 10, 64); err != nil {
			return "", "", d, v4Err(VerifyMalformed, "Expires must be a Unix time")
		}
		d.dateHdr = qExp
		for _, p := range params {
			lk := strings.ToLower(p.k)
			switch {
			case strings.HasPrefix(lk, "x-amz-"):
				base.extraAmz = append(base.extraAmz, v4Param{k: lk, v: p.v})
			case lk == "content-md5" && base.contentMD5 == nil && len(awsHeaderValues(r.Header, lk)) == 0:
				base.contentMD5 = &p.v // the first, as the signer signs it
			case lk == "content-type" && base.contentType == nil && len(awsHeaderValues(r.Header, lk)) == 0:
				base.contentType = &p.v
			}
		}
		return qAccess, qSig, d, nil
	}
	return "", "", d, v4Err(VerifyMissing, "no Authorization header and no Signature query parameter")
}

// v2Candidates returns the strings to sign a client may have used: the
// botocore and JavaScript rules, and botocore's with x-amz-* values
// collapsed; each with the Date line holding the Date header (or Expires)
// and, when X-Amz-Date dates a header-signed request, empty; and, when a
// parameter has an empty value, each with sub-resources written without
// '=' for it.
func v2Candidates(base v2Input, d v2Dates) []v2Input {
	boto := base
	boto.rules = v2RulesFor(V2Botocore)
	boto.dateLine = d.dateHdr
	js := base
	js.rules = v2RulesFor(V2JavaScript)
	js.dateLine = d.dateHdr
	collapsed := boto
	collapsed.rules.collapse = true
	out := []v2Input{boto, js, collapsed}
	if d.amzDate && !d.presigned {
		for _, c := range []v2Input{js, boto, collapsed} {
			c.dateLine = ""
			out = append(out, c)
		}
	}
	if strings.Contains(base.query, "=&") || strings.HasSuffix(base.query, "=") {
		// A sub-resource sent with an empty value ("uploads=") may be
		// signed without the '=' (minio-go), as the S3 documentation
		// writes it ("?uploads").
		for _, c := range out {
			c.rules.bareEmpty = true
			out = append(out, c)
		}
	}
	return out
}

// v2Redact hides the session token in a string to sign quoted in an error.
func v2Redact(sts []byte) string {
	s := string(sts)
	const name = "\nx-amz-security-token:"
	i := strings.Index(s, name)
	if i < 0 {
		return s
	}
	j := strings.IndexByte(s[i+len(name):], '\n')
	if j < 0 {
		return s[:i+len(name)] + "[redacted]"
	}
	return s[:i+len(name)] + "[redacted]" + s[i+len(name)+j:]
}
