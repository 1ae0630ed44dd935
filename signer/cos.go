package signer

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
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

// Tencent COS q-sign (the XML API's HMAC-SHA1 scheme).
//
// A signature covers the "format string"
//
//	lower(method) \n decoded-path \n params \n headers \n
//
// where params and headers are "key=value" pairs joined by '&', sorted by
// key and then by raw value. Keys are percent-encoded and then lower-cased;
// values are percent-encoded with upper-case hex; only A-Z a-z 0-9 - _ . ~
// stay unencoded. Header values are signed as net/http sends them, outer
// spaces and tabs trimmed (textproto.TrimString), since the server
// verifies the values it receives. (The COS SDKs sign values untrimmed,
// so their signature of a value with outer white space does not verify.)
// The string to sign is
//
//	"sha1\n" + q-key-time + "\n" + hex(sha1(format string)) + "\n"
//
// and the signature is hex(hmac-sha1(hex(hmac-sha1(secret, q-key-time)),
// string to sign)).

const (
	cosAlgorithm       = "sha1"
	cosTokenHeader     = "X-Cos-Security-Token"
	cosTokenParam      = "x-cos-security-token"
	cosMergedParam     = "sign"
	cosDefaultDuration = time.Hour
	// cosStartLeeway is how far before q-sign-time's start VerifyCOS still
	// accepts a request, for a signer whose clock runs ahead.
	cosStartLeeway = 15 * time.Minute
)

// cosAuthParams are the fields of a q-sign authorization, in the order the
// header and presigned URLs carry them.
var cosAuthParams = [...]string{
	"q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time",
	"q-header-list", "q-url-param-list", "q-signature",
}

// cosDefaultHeaders is the allow-list of headers the COS SDKs sign, besides
// every x-cos-* and x-ci-* header.
var cosDefaultHeaders = map[string]bool{
	"host":                           true,
	"range":                          true,
	"cache-control":                  true,
	"content-disposition":            true,
	"content-encoding":               true,
	"content-type":                   true,
	"content-length":                 true,
	"content-md5":                    true,
	"transfer-encoding":              true,
	"expect":                         true,
	"expires":                        true,
	"if-match":                       true,
	"if-modified-since":              true,
	"if-none-match":                  true,
	"if-unmodified-since":            true,
	"origin":                         true,
	"access-control-request-method":  true,
	"access-control-request-headers": true,
	"pic-operations":                 true,
}

// COSDefaultSignedHeader reports whether COS signs a header by default.
// name is lower-case. It is the COS SDKs' allow-list (host, range,
// content-type, content-length, content-md5, cache-control, the
// conditional and CORS preflight headers, pic-operations, ...) plus every
// x-cos-* and x-ci-* header. Date and User-Agent are not signed.
//
// To sign more, wrap it:
//
//	signer.NewCOS(creds, func(o *signer.COSOptions) {
//		o.SignedHeaders = func(name string) bool {
//			return name == "date" || signer.COSDefaultSignedHeader(name)
//		}
//	})
func COSDefaultSignedHeader(name string) bool {
	return cosDefaultHeaders[name] || strings.HasPrefix(name, "x-cos-") || strings.HasPrefix(name, "x-ci-")
}

// COSOptions configures a COS signer.
type COSOptions struct {
	// SignedHeaders reports whether a request header, given by its
	// lower-case name, is signed. nil means COSDefaultSignedHeader. The host
	// is always signed, whatever SignedHeaders says.
	SignedHeaders func(name string) bool

	// SignDuration is how long a header signature stays valid: Sign uses
	// [now, now+SignDuration] for both q-sign-time and q-key-time. Zero
	// means one hour, as the COS SDKs use.
	SignDuration time.Duration

	// PresignMerged makes Presign put the whole authorization, URL-encoded,
	// into one "sign" query parameter (the SDKs' SignMerged) instead of
	// separate q-* parameters.
	PresignMerged bool

	// PresignUnsignedHost makes Presign and PresignWithTimes leave the
	// host out of the signature (and of q-header-list), as cos-go-sdk-v5's
	// GetPresignedURL does when its signHost argument is false: the URL
	// then works under any host name that reaches the bucket, a CDN or
	// custom domain in front of it. The SDK warns that this may make the
	// request fail or weaken it: anyone holding the URL can send it to
	// another host that serves the bucket. Default false: the host is
	// signed. PresignUnsignedHost (the method) does the same for one URL.
	PresignUnsignedHost bool
}

// COS signs requests for Tencent Cloud Object Storage with q-sign. It
// implements [Signer] and [Presigner] and is safe for concurrent use.
type COS struct {
	creds CredentialsProvider
	opts  COSOptions
}

var (
	_ Signer    = (*COS)(nil)
	_ Presigner = (*COS)(nil)
)

// NewCOS returns a COS signer drawing keys from creds. With
// AnonymousCredentials, Sign leaves requests unsigned.
func NewCOS(creds CredentialsProvider, optFns ...func(*COSOptions)) *COS {
	c := &COS{creds: creds}
	for _, fn := range optFns {
		if fn != nil {
			fn(&c.opts)
		}
	}
	return c
}

// COSTimes is the validity of a q-sign signature: q-sign-time, for the
// request, and q-key-time, for the derived signing key. They are usually
// the same window. Times are truncated to whole seconds.
type COSTimes struct {
	SignStart, SignEnd time.Time
	KeyStart, KeyEnd   time.Time
}

// NewCOSTimes returns the window [now, now+d] for both the signature and
// the key, as the COS SDKs build it.
func NewCOSTimes(now time.Time, d time.Duration) COSTimes {
	end := now.Add(d)
	return COSTimes{SignStart: now, SignEnd: end, KeyStart: now, KeyEnd: end}
}

func cosWindow(start, end time.Time) string {
	b := make([]byte, 0, 21)
	b = strconv.AppendInt(b, start.Unix(), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, end.Unix(), 10)
	return string(b)
}

// COSAuth is a computed q-sign signature: the fields of the Authorization
// header, which a presigned URL carries as query parameters.
type COSAuth struct {
	AccessKeyID  string // q-ak
	SignTime     string // q-sign-time: "start;end" in Unix seconds
	KeyTime      string // q-key-time: "start;end" in Unix seconds
	HeaderList   string // q-header-list: signed header names, ';'-separated
	URLParamList string // q-url-param-list: signed parameter names, ';'-separated
	Signature    string // q-signature: lower-case hex
	// StringToSign is "sha1\n" + KeyTime + "\n" + hex(sha1(format string)) + "\n".
	StringToSign string
}

// String returns the Authorization header value:
// q-sign-algorithm=sha1&q-ak=...&q-signature=....
func (a COSAuth) String() string {
	return string(a.appendFields(nil, false))
}

// appendFields appends the authorization fields in header order; escaped
// escapes the values for a URL query.
func (a COSAuth) appendFields(b []byte, escaped bool) []byte {
	values := [...]string{cosAlgorithm, a.AccessKeyID, a.SignTime, a.KeyTime, a.HeaderList, a.URLParamList, a.Signature}
	if b == nil {
		n := 0
		for i, v := range values {
			n += len(cosAuthParams[i]) + len(v) + 2
		}
		b = make([]byte, 0, n+n/4)
	}
	for i, v := range values {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, cosAuthParams[i]...)
		b = append(b, '=')
		if escaped {
			b = cosAppendEscaped(b, v)
		} else {
			b = append(b, v...)
		}
	}
	return b
}

// appendToQuery returns rawQuery with the signature added, as separate q-*
// parameters or merged into one "sign" parameter.
func (a COSAuth) appendToQuery(rawQuery string, merged bool) string {
	b := make([]byte, 0, len(rawQuery)+400)
	b = append(b, rawQuery...)
	if rawQuery != "" {
		b = append(b, '&')
	}
	if merged {
		b = append(b, cosMergedParam+"="...)
		b = cosAppendEscaped(b, a.String())
	} else {
		b = a.appendFields(b, true)
	}
	return string(b)
}

// COSSignature computes the q-sign signature of r with explicit keys and
// validity times. It reads r's method, decoded URL path, query, host (Host,
// else URL.Host) and headers (values as net/http sends them, outer spaces
// and tabs trimmed), never its body, and does not modify r: a session
// token must already be in r (header or query) to be signed.
// signedHeaders selects the headers by lower-case name; nil means
// COSDefaultSignedHeader; the host is always signed.
func COSSignature(r *http.Request, accessKeyID, secretKey string, t COSTimes, signedHeaders func(name string) bool) COSAuth {
	canon := cosCanonicalize(cosInputOf(r), cosHeaderFilter(signedHeaders), nil, false)
	return cosFinish(canon, accessKeyID, secretKey, cosWindow(t.SignStart, t.SignEnd), cosWindow(t.KeyStart, t.KeyEnd))
}

func cosFinish(canon cosCanonical, accessKeyID, secretKey, signTime, keyTime string) COSAuth {
	sts, sig := cosSign(secretKey, keyTime, canon.format)
	return COSAuth{
		AccessKeyID:  accessKeyID,
		SignTime:     signTime,
		KeyTime:      keyTime,
		HeaderList:   canon.headerList,
		URLParamList: canon.paramList,
		Signature:    sig,
		StringToSign: sts,
	}
}

func cosHeaderFilter(f func(string) bool) func(string) bool {
	if f == nil {
		f = COSDefaultSignedHeader
	}
	return func(name string) bool { return name == "host" || f(name) }
}

// Sign adds a q-sign Authorization header valid from now for
// SignDuration. It also sets the Host header (ignored by net/http when
// sending; the COS SDKs set it too) and, for temporary credentials,
// X-Cos-Security-Token, which is signed. The body is never read.
func (c *COS) Sign(ctx context.Context, r *http.Request, now time.Time) error {
	return c.SignWithTimes(ctx, r, NewCOSTimes(now, c.duration()))
}

// SignWithTimes is Sign with explicit q-sign-time and q-key-time windows.
func (c *COS) SignWithTimes(ctx context.Context, r *http.Request, t COSTimes) error {
	creds, ok, err := retrieveCredentials(ctx, c.creds, "cos")
	if err != nil || !ok {
		return err
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	if creds.SessionToken != "" {
		r.Header.Set(cosTokenHeader, creds.SessionToken)
	}
	r.Header.Set("Host", cosHost(r.Host, r.URL))
	auth := COSSignature(r, creds.AccessKeyID, creds.SecretAccessKey, t, c.opts.SignedHeaders)
	r.Header.Set("Authorization", auth.String())
	return nil
}

// Presign returns r's URL with a q-sign signature valid from now for
// expires, in the query. Temporary credentials add an
// x-cos-security-token parameter, which is signed. The returned header
// holds the signed headers (Host excluded) the holder of the URL must send
// unchanged. r is not modified.
func (c *COS) Presign(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error) {
	if err := checkExpiry(expires, 0); err != nil {
		return nil, nil, err
	}
	return c.PresignWithTimes(ctx, r, NewCOSTimes(now, expires))
}

// PresignUnsignedHost is Presign with the host left out of the signature
// whatever COSOptions.PresignUnsignedHost says: see there.
func (c *COS) PresignUnsignedHost(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error) {
	if err := checkExpiry(expires, 0); err != nil {
		return nil, nil, err
	}
	return c.presign(ctx, r, NewCOSTimes(now, expires), false)
}

// PresignWithTimes is Presign with explicit q-sign-time and q-key-time
// windows.
func (c *COS) PresignWithTimes(ctx context.Context, r *http.Request, t COSTimes) (*url.URL, http.Header, error) {
	return c.presign(ctx, r, t, !c.opts.PresignUnsignedHost)
}

// presign signs r in its URL; signHost says whether the host is signed.
func (c *COS) presign(ctx context.Context, r *http.Request, t COSTimes, signHost bool) (*url.URL, http.Header, error) {
	if r.URL == nil {
		return nil, nil, errors.New("signer: cos: request has no URL")
	}
	creds, ok, err := retrieveCredentials(ctx, c.creds, "cos")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("signer: presigning needs credentials, not AnonymousCredentials: %w", ErrNoCredentials)
	}
	u := *r.URL
	u.User = cloneUserinfo(r.URL.User)
	if creds.SessionToken != "" {
		u.RawQuery = cosWithToken(u.RawQuery, creds.SessionToken)
	}
	in := cosInputOf(r)
	in.rawQuery = u.RawQuery
	filter := cosHeaderFilter(c.opts.SignedHeaders)
	if !signHost {
		signed := filter
		filter = func(name string) bool { return name != "host" && signed(name) }
	}
	canon := cosCanonicalize(in, filter, nil, false)
	auth := cosFinish(canon, creds.AccessKeyID, creds.SecretAccessKey,
		cosWindow(t.SignStart, t.SignEnd), cosWindow(t.KeyStart, t.KeyEnd))
	u.RawQuery = auth.appendToQuery(u.RawQuery, c.opts.PresignMerged)
	return &u, cosSignedHeaders(r.Header, filter), nil
}

func (c *COS) duration() time.Duration {
	if c.opts.SignDuration > 0 {
		return c.opts.SignDuration
	}
	return cosDefaultDuration
}

func cloneUserinfo(u *url.Userinfo) *url.Userinfo {
	if u == nil {
		return nil
	}
	v := *u
	return &v
}

// cosSignedHeaders returns a copy of the headers of h that filter signs,
// Host excluded.
func cosSignedHeaders(h http.Header, filter func(string) bool) http.Header {
	out := make(http.Header)
	for k, vs := range h {
		lk := strings.ToLower(k)
		if lk != "host" && filter(lk) {
			out[k] = slices.Clone(vs)
		}
	}
	return out
}

// cosWithToken returns rawQuery carrying token as x-cos-security-token,
// keeping an existing parameter that already holds it.
func cosWithToken(rawQuery, token string) string {
	var b []byte
	found := false
	for rest := rawQuery; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "&")
		k, v, _ := strings.Cut(seg, "=")
		if dk, err := url.QueryUnescape(k); err == nil && dk == cosTokenParam {
			if dv, err := url.QueryUnescape(v); err == nil && dv == token && !found {
				found = true
			} else {
				continue // a stale or duplicate token: dropped
			}
		}
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, seg...)
	}
	if !found {
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, cosTokenParam+"="...)
		b = cosAppendEscaped(b, token)
	}
	return string(b)
}

// cosHost is the host COS signs: the Host field, else the URL's host.
func cosHost(host string, u *url.URL) string {
	if host == "" && u != nil {
		return u.Host
	}
	return host
}

// cosInput is the part of a request a q-sign signature covers.
type cosInput struct {
	method   string
	path     string // decoded
	rawQuery string
	host     string
	header   http.Header
	// untrimmed signs header values with their outer white space, as the
	// COS SDKs do; only the tests that reproduce the SDKs' vectors set it.
	untrimmed bool
	// lenientQuery reads the query as servers do (internal/rawquery),
	// keeping pairs with a raw ';'; signing reads it as the SDKs do
	// (url.Values), dropping them.
	lenientQuery bool
}

func cosInputOf(r *http.Request) cosInput {
	in := cosInput{method: r.Method, host: r.Host, header: r.Header}
	if r.URL != nil {
		in.path, in.rawQuery = r.URL.Path, r.URL.RawQuery
		in.host = cosHost(r.Host, r.URL)
	}
	if in.method == "" {
		in.method = http.MethodGet
	}
	if in.path == "" {
		in.path = "/" // what goes on the wire for an empty path
	}
	return in
}

// cosPair is one signed parameter or header: key encoded and lower-cased,
// value raw.
type cosPair struct{ key, value string }

func cosComparePairs(a, b cosPair) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.value, b.value)
}

// cosCanonical is a request in canonical form: the format string and the
// q-header-list and q-url-param-list values.
type cosCanonical struct {
	format     []byte
	headerList string
	paramList  string
}

// cosCanonicalize builds the format string. signHeader selects headers by
// lower-case name ("host" stands for the request host); signParam selects
// parameters by encoded, lower-cased name, nil meaning all. redact replaces
// the session token's value, for error messages.
func cosCanonicalize(in cosInput, signHeader, signParam func(string) bool, redact bool) cosCanonical {
	// One backing array: the headers are appended after the parameters.
	pairs := make([]cosPair, 0, 8+len(in.header))
	var params []cosPair
	if in.lenientQuery {
		params = cosLenientQueryPairs(pairs, in.rawQuery, signParam)
	} else {
		params = cosQueryPairs(pairs, in.rawQuery, signParam)
	}
	headers := cosHeaderPairs(params[len(params):], in, signHeader)

	b := make([]byte, 0, 64+len(in.path)+len(in.rawQuery)*2+64*len(headers))
	b = cosAppendLower(b, in.method)
	b = append(b, '\n')
	b = append(b, in.path...)
	b = append(b, '\n')
	var c cosCanonical
	b, c.paramList = cosAppendPairs(b, params, redact)
	b = append(b, '\n')
	b, c.headerList = cosAppendPairs(b, headers, redact)
	b = append(b, '\n')
	c.format = b
	return c
}

// cosQueryPairs parses rawQuery as url.ParseQuery does (dropping the
// segments it rejects, and parameters without a name, which the
// q-url-param-list cannot name) and appends the selected parameters to
// dst.
func cosQueryPairs(dst []cosPair, rawQuery string, keep func(string) bool) []cosPair {
	for rest := rawQuery; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "&")
		if seg == "" || strings.Contains(seg, ";") {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		if k == "" {
			continue // no name: q-url-param-list could not list it
		}
		ek := cosEncodeKey(k)
		if keep != nil && !keep(ek) {
			continue
		}
		dst = append(dst, cosPair{ek, v})
	}
	return dst
}

// cosLenientQueryPairs is cosQueryPairs for a server reading the query:
// pairs holding a raw ';', or a value that does not unescape, are kept.
func cosLenientQueryPairs(dst []cosPair, rawQuery string, keep func(string) bool) []cosPair {
	for k, vs := range rawquery.Parse(rawQuery) {
		ek := cosEncodeKey(k)
		if keep != nil && !keep(ek) {
			continue
		}
		for _, v := range vs {
			dst = append(dst, cosPair{ek, v})
		}
	}
	return dst
}

// cosHeaderPairs appends the selected headers, one pair per value (outer
// spaces and tabs trimmed, unless in.untrimmed), and the host when
// selected.
func cosHeaderPairs(dst []cosPair, in cosInput, keep func(string) bool) []cosPair {
	for k, vs := range in.header {
		lk := cosLowerName(k)
		if lk == "host" || !keep(lk) {
			continue
		}
		ek := cosEncodeKey(lk)
		for _, v := range vs {
			if !in.untrimmed {
				v = textproto.TrimString(v) // as net/http sends it
			}
			dst = append(dst, cosPair{ek, v})
		}
	}
	if keep("host") {
		dst = append(dst, cosPair{"host", in.host})
	}
	return dst
}

// cosAppendPairs sorts pairs and appends "k=v&k=v" to b; it returns the
// keys joined by ';'.
func cosAppendPairs(b []byte, pairs []cosPair, redact bool) ([]byte, string) {
	slices.SortFunc(pairs, cosComparePairs)
	n := 0
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		if redact && p.key == cosTokenParam {
			b = append(b, "[redacted]"...)
		} else {
			b = cosAppendEscaped(b, p.value)
		}
		n += len(p.key) + 1
	}
	if len(pairs) == 0 {
		return b, ""
	}
	list := make([]byte, 0, n)
	for i, p := range pairs {
		if i > 0 {
			list = append(list, ';')
		}
		list = append(list, p.key...)
	}
	return b, string(list)
}

// cosSign returns the string to sign and the hex signature.
func cosSign(secret, keyTime string, format []byte) (stringToSign, signature string) {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(keyTime))
	var sum [sha1.Size]byte
	var signKey [2 * sha1.Size]byte
	hex.Encode(signKey[:], mac.Sum(sum[:0]))

	digest := sha1.Sum(format)
	sts := make([]byte, 0, len(cosAlgorithm)+len(keyTime)+3+2*sha1.Size)
	sts = append(sts, cosAlgorithm+"\n"...)
	sts = append(sts, keyTime...)
	sts = append(sts, '\n')
	sts = hex.AppendEncode(sts, digest[:])
	sts = append(sts, '\n')

	mac = hmac.New(sha1.New, signKey[:])
	mac.Write(sts)
	var sig [2 * sha1.Size]byte
	hex.Encode(sig[:], mac.Sum(sum[:0]))
	return string(sts), string(sig[:])
}

func cosUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// cosAppendEscaped appends s percent-encoded with upper-case hex, leaving
// only A-Z a-z 0-9 - _ . ~ as they are.
func cosAppendEscaped(b []byte, s string) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		if c := s[i]; cosUnreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return b
}

// cosEncodeKey percent-encodes a parameter or header name and lower-cases
// the result (so the hex is lower-case too). It allocates only when the
// name changes.
func cosEncodeKey(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; !cosUnreserved(c) || 'A' <= c && c <= 'Z' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hexLower = "0123456789abcdef"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		case cosUnreserved(c):
			b = append(b, c)
		default:
			b = append(b, '%', hexLower[c>>4], hexLower[c&15])
		}
	}
	return string(b)
}

// cosLowerName lower-cases an ASCII header name, allocating only when it
// has upper-case letters.
func cosLowerName(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func cosAppendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// VerifyCOS checks a q-sign signature as a COS server does, in the
// Authorization header or in the query (separate q-* parameters or one
// merged "sign" parameter). It recomputes the signature over the headers
// named in q-header-list and the parameters named in q-url-param-list,
// using the decoded URL path and the request host, and compares in
// constant time. now must fall within q-sign-time and q-key-time (else
// VerifyExpired, or VerifySkewed when more than 15 minutes early). Errors
// are *VerifyError.
//
// The query is read as COS reads it, not with url.Values: Tencent's
// JavaScript and Python SDKs append the authorization to presigned URLs
// unescaped, so q-sign-time=start;end arrives with a raw ';'.
//
// Which parameters a signature covers is the signer's choice: COS
// documents q-url-param-list as the list of parameters that were signed,
// and its signature tool asks for URL parameters only "if they are to be
// verified". A parameter named there must be present with its signed
// value; one that is not named is not covered and is accepted, as COS
// accepts the marker and max-keys the COS Python SDK's list_buckets sends
// unsigned.
func VerifyCOS(r *http.Request, lookup SecretLookup, now time.Time) error {
	fields, err := cosAuthFields(r)
	if err != nil {
		return err
	}
	auth, windows, err := cosParseAuth(fields)
	if err != nil {
		return err
	}
	if err := cosCheckTime(windows, now); err != nil {
		return err
	}
	secret, ok := "", false
	if lookup != nil {
		secret, ok = lookup(auth.AccessKeyID)
	}
	if !ok {
		return &VerifyError{Code: VerifyUnknownKey, Reason: "unknown access key " + strconv.Quote(auth.AccessKeyID)}
	}

	in := cosInputOf(r)
	in.lenientQuery = true
	headerSet, paramSet := cosNameSet(auth.HeaderList), cosNameSet(auth.URLParamList)
	signHeader := func(name string) bool { return headerSet[cosEncodeKey(name)] }
	signParam := func(name string) bool { return paramSet[name] }
	canon := cosCanonicalize(in, signHeader, signParam, false)
	if !cosSameNames(canon.headerList, auth.HeaderList) {
		return &VerifyError{Code: VerifyMismatch, Reason: fmt.Sprintf("q-header-list %q does not match the request's headers %q", auth.HeaderList, canon.headerList)}
	}
	if !cosSameNames(canon.paramList, auth.URLParamList) {
		return &VerifyError{Code: VerifyMismatch, Reason: fmt.Sprintf("q-url-param-list %q does not match the request's parameters %q", auth.URLParamList, canon.paramList)}
	}
	_, sig := cosSign(secret, auth.KeyTime, canon.format)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(auth.Signature)) != 1 {
		redacted := cosCanonicalize(in, signHeader, signParam, true)
		return &VerifyError{Code: VerifyMismatch, Reason: fmt.Sprintf("q-signature does not match; format string %q", redacted.format)}
	}
	return nil
}

// cosAuthFields extracts the raw authorization fields from the header or
// the query (read leniently: the SDKs send q-sign-time=a;b unescaped).
func cosAuthFields(r *http.Request) (fields map[string]string, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		return cosSplitAuth(h)
	}
	var q url.Values
	if r.URL != nil {
		q = rawquery.Parse(r.URL.RawQuery)
	}
	if merged := q.Get(cosMergedParam); merged != "" {
		return cosSplitAuth(merged)
	}
	if _, ok := q["q-signature"]; !ok {
		return nil, &VerifyError{Code: VerifyMissing, Reason: "no Authorization header or q-signature parameter"}
	}
	fields = make(map[string]string, len(cosAuthParams))
	for _, name := range cosAuthParams {
		if vs, ok := q[name]; ok {
			if len(vs) != 1 {
				return nil, &VerifyError{Code: VerifyMalformed, Reason: "repeated " + name + " parameter"}
			}
			fields[name] = vs[0]
		}
	}
	return fields, nil
}

// cosSplitAuth splits "k=v&k=v" into fields.
func cosSplitAuth(s string) (map[string]string, error) {
	if !strings.HasPrefix(s, "q-sign-algorithm=") {
		return nil, &VerifyError{Code: VerifyMalformed, Reason: "authorization does not start with q-sign-algorithm"}
	}
	fields := make(map[string]string, len(cosAuthParams))
	for rest := s; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "&")
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			return nil, &VerifyError{Code: VerifyMalformed, Reason: fmt.Sprintf("authorization field %q has no '='", k)}
		}
		if _, dup := fields[k]; dup {
			return nil, &VerifyError{Code: VerifyMalformed, Reason: "repeated authorization field " + k}
		}
		fields[k] = v
	}
	return fields, nil
}

// cosWindows are the parsed q-sign-time and q-key-time.
type cosWindows struct{ signStart, signEnd, keyStart, keyEnd int64 }

func cosParseAuth(fields map[string]string) (COSAuth, cosWindows, error) {
	for _, name := range cosAuthParams {
		if _, ok := fields[name]; !ok {
			return COSAuth{}, cosWindows{}, &VerifyError{Code: VerifyMalformed, Reason: "missing " + name}
		}
	}
	if alg := fields["q-sign-algorithm"]; alg != cosAlgorithm {
		return COSAuth{}, cosWindows{}, &VerifyError{Code: VerifyMalformed, Reason: fmt.Sprintf("unsupported q-sign-algorithm %q", alg)}
	}
	a := COSAuth{
		AccessKeyID:  fields["q-ak"],
		SignTime:     fields["q-sign-time"],
		KeyTime:      fields["q-key-time"],
		HeaderList:   fields["q-header-list"],
		URLParamList: fields["q-url-param-list"],
		Signature:    fields["q-signature"],
	}
	if a.AccessKeyID == "" || a.Signature == "" {
		return COSAuth{}, cosWindows{}, &VerifyError{Code: VerifyMalformed, Reason: "empty q-ak or q-signature"}
	}
	var w cosWindows
	var ok1, ok2 bool
	w.signStart, w.signEnd, ok1 = cosParseWindow(a.SignTime)
	w.keyStart, w.keyEnd, ok2 = cosParseWindow(a.KeyTime)
	if !ok1 || !ok2 {
		return COSAuth{}, cosWindows{}, &VerifyError{Code: VerifyMalformed, Reason: fmt.Sprintf("bad q-sign-time %q or q-key-time %q", a.SignTime, a.KeyTime)}
	}
	return a, w, nil
}

func cosParseWindow(s string) (start, end int64, ok bool) {
	a, b, found := strings.Cut(s, ";")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	return start, end, err1 == nil && err2 == nil && start <= end
}

func cosCheckTime(w cosWindows, now time.Time) error {
	n := now.Unix()
	if n > w.signEnd || n > w.keyEnd {
		return &VerifyError{Code: VerifyExpired, Reason: fmt.Sprintf("signature valid until %d, now %d", min(w.signEnd, w.keyEnd), n)}
	}
	early := n + int64(cosStartLeeway/time.Second)
	if early < w.signStart || early < w.keyStart {
		return &VerifyError{Code: VerifySkewed, Reason: fmt.Sprintf("signature valid from %d, now %d", max(w.signStart, w.keyStart), n)}
	}
	return nil
}

func cosNameSet(list string) map[string]bool {
	set := make(map[string]bool)
	for rest := list; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		set[name] = true
	}
	return set
}

// cosSameNames reports whether two ';'-separated lists hold the same names
// the same number of times, in any order.
func cosSameNames(got, want string) bool {
	if got == want {
		return true
	}
	a, b := strings.Split(got, ";"), strings.Split(want, ";")
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
