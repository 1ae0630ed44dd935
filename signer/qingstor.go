package signer

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// QingStor's native "QS" scheme: HMAC-SHA256 over
//
//	METHOD \n Content-MD5 \n Content-Type \n Date \n
//	x-qs-name:value \n ... (lower-cased names, sorted, values trimmed)
//	resource
//
// The Date line is empty when X-QS-Date is set (it is then signed as an
// x-qs-* header); in the query form it holds the expiry in Unix seconds.
// The resource is the decoded path, query-escaped with '/' and '=' kept and
// spaces as %20, prefixed with /bucket for a virtual-hosted request, then
// '?' and the signed sub-resources, sorted, with decoded values.

const (
	qsDateHeader = "X-Qs-Date"
	// qsMaxSkew is how far a header-signed request's date may be from the
	// verifier's clock.
	qsMaxSkew = 15 * time.Minute
)

// qsSubresources are the query parameters QingStor signs; others (prefix,
// limit, marker, ...) are not.
var qsSubresources = map[string]bool{
	"acl": true, "append": true, "cname": true, "cors": true, "delete": true,
	"image": true, "lifecycle": true, "logging": true, "mirror": true,
	"notification": true, "part_number": true, "policy": true, "position": true,
	"replication": true, "stats": true, "upload_id": true, "uploads": true,
	"versioning": true, "version_id": true, "versions": true,
	"response-expires": true, "response-cache-control": true,
	"response-content-type": true, "response-content-language": true,
	"response-content-encoding": true, "response-content-disposition": true,
}

// QingStorOptions configures a QingStor signer.
type QingStorOptions struct {
	// BucketFromHost returns the bucket a virtual-hosted-style request
	// names in its host (given without port), and false for a path-style
	// host. nil means QingStorBucketFromHost. Set it for custom domains.
	BucketFromHost func(host string) (bucket string, ok bool)
}

// QingStorBucketFromHost is the default bucket detection:
// "bucket.zone.qingstor.com" is virtual-hosted style for bucket; other
// hosts ("zone.qingstor.com", "qingstor.com", IP addresses, custom
// endpoints) are path style.
func QingStorBucketFromHost(host string) (string, bool) {
	const suffix = ".qingstor.com"
	if len(host) <= len(suffix) || !strings.EqualFold(host[len(host)-len(suffix):], suffix) {
		return "", false
	}
	rest := host[:len(host)-len(suffix)] // "bucket.zone"
	bucket, zone, ok := strings.Cut(rest, ".")
	if !ok || bucket == "" || zone == "" || strings.Contains(zone, ".") {
		return "", false
	}
	return bucket, true
}

// QingStor signs requests for QingStor's native API with
// "Authorization: QS access_key_id:signature". It implements [Signer] and
// [Presigner] and is safe for concurrent use. Credentials' SessionToken is
// not used: the scheme has none.
type QingStor struct {
	creds CredentialsProvider
	opts  QingStorOptions
}

var (
	_ Signer    = (*QingStor)(nil)
	_ Presigner = (*QingStor)(nil)
)

// NewQingStor returns a QingStor signer drawing keys from creds. With
// AnonymousCredentials, Sign leaves requests unsigned.
func NewQingStor(creds CredentialsProvider, optFns ...func(*QingStorOptions)) *QingStor {
	q := &QingStor{creds: creds}
	for _, fn := range optFns {
		if fn != nil {
			fn(&q.opts)
		}
	}
	return q
}

// Sign adds the Authorization header. It sets Date to now (http.TimeFormat)
// unless the request has a Date or X-QS-Date header. The body is never
// read.
func (q *QingStor) Sign(ctx context.Context, r *http.Request, now time.Time) error {
	creds, ok, err := retrieveCredentials(ctx, q.creds, "qingstor")
	if err != nil || !ok {
		return err
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	if wireValue(r.Header, "Date") == "" && wireValue(r.Header, qsDateHeader) == "" {
		r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	}
	sts := qsStringToSign(r, qsDateLine(r.Header), qsBucket(r, q.opts.BucketFromHost))
	b := make([]byte, 0, 4+len(creds.AccessKeyID)+44)
	b = append(b, "QS "...)
	b = append(b, creds.AccessKeyID...)
	b = append(b, ':')
	b = qsAppendSignature(b, creds.SecretAccessKey, sts)
	r.Header.Set("Authorization", string(b))
	return nil
}

// Presign returns r's URL signed in the query (access_key_id, expires,
// signature) until now+expires. Like the QingStor SDK, it rewrites the
// URL path in QingStor's escaping. The returned header holds the signed
// headers (Content-MD5, Content-Type, X-QS-*) the holder of the URL must
// send unchanged. r is not modified.
func (q *QingStor) Presign(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error) {
	if err := checkExpiry(expires, 0); err != nil {
		return nil, nil, err
	}
	if r.URL == nil {
		return nil, nil, errors.New("signer: qingstor: request has no URL")
	}
	creds, ok, err := retrieveCredentials(ctx, q.creds, "qingstor")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("signer: presigning needs credentials, not AnonymousCredentials: %w", ErrNoCredentials)
	}
	exp := strconv.FormatInt(now.Add(expires).Unix(), 10)
	sts := qsStringToSign(r, exp, qsBucket(r, q.opts.BucketFromHost))

	u := *r.URL
	u.User = cloneUserinfo(r.URL.User)
	u.RawPath = string(qsAppendEscaped(nil, u.Path))
	b := make([]byte, 0, len(u.RawQuery)+len(creds.AccessKeyID)+100)
	if u.RawQuery != "" {
		b = append(append(b, u.RawQuery...), '&')
	}
	b = append(b, "access_key_id="...)
	b = cosAppendEscaped(b, creds.AccessKeyID)
	b = append(b, "&expires="...)
	b = append(b, exp...)
	b = append(b, "&signature="...)
	b = qsAppendEscaped(b, string(qsAppendSignature(nil, creds.SecretAccessKey, sts)))
	u.RawQuery = string(b)
	return &u, qsSignedHeaders(r.Header), nil
}

// qsDateLine is the Date line of the header form: empty when X-QS-Date is
// set, which is then signed as an x-qs-* header.
func qsDateLine(h http.Header) string {
	if wireValue(h, qsDateHeader) != "" {
		return ""
	}
	return wireValue(h, "Date")
}

// qsBucket is the bucket a virtual-hosted request names in its host, or
// "" for path style.
func qsBucket(r *http.Request, fromHost func(string) (string, bool)) string {
	if fromHost == nil {
		fromHost = QingStorBucketFromHost
	}
	u := url.URL{Host: cosHost(r.Host, r.URL)}
	if b, ok := fromHost(u.Hostname()); ok {
		return b
	}
	return ""
}

// qsStringToSign builds the string to sign; dateLine is the Date (header
// form) or the expiry (query form).
func qsStringToSign(r *http.Request, dateLine, bucket string) []byte {
	var path, rawQuery string
	if r.URL != nil {
		path, rawQuery = r.URL.Path, r.URL.RawQuery
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	md5, ctype := wireValue(r.Header, "Content-MD5"), wireValue(r.Header, "Content-Type")
	b := make([]byte, 0, 64+len(md5)+len(ctype)+len(dateLine)+len(bucket)+len(path)*3/2+len(rawQuery))
	for _, s := range [...]string{method, md5, ctype, dateLine} {
		b = append(b, s...)
		b = append(b, '\n')
	}
	b = qsAppendHeaders(b, r.Header)
	return qsAppendResource(b, path, rawQuery, bucket)
}

// qsAppendHeaders appends the "x-qs-name:value\n" lines, sorted by
// lower-cased name, each with the trimmed first value as the server
// receives it.
func qsAppendHeaders(b []byte, h http.Header) []byte {
	var names []string
	for k := range h {
		if len(k) >= 5 && strings.EqualFold(k[:5], "x-qs-") {
			names = append(names, strings.ToLower(strings.TrimSpace(k)))
		}
	}
	if len(names) == 0 {
		return b
	}
	slices.Sort(names)
	names = slices.Compact(names)
	for _, name := range names {
		b = append(b, name...)
		b = append(b, ':')
		b = append(b, strings.TrimSpace(wireValue(h, name))...)
		b = append(b, '\n')
	}
	return b
}

// qsAppendResource appends the canonical resource.
func qsAppendResource(b []byte, path, rawQuery, bucket string) []byte {
	if bucket != "" {
		b = append(b, '/')
		b = append(b, bucket...)
	}
	if path == "" {
		b = append(b, '/')
	} else {
		b = qsAppendEscaped(b, path)
	}
	params := qsSubresourcePairs(rawQuery)
	for i := 0; i < len(params); {
		key := params[i].key
		j := i
		for j < len(params) && params[j].key == key {
			j++
		}
		if i == 0 {
			b = append(b, '?')
		} else {
			b = append(b, '&')
		}
		b = append(b, key...)
		// As the SDK: values of a repeated key are concatenated; an empty
		// first value signs the bare key.
		if params[i].value != "" {
			b = append(b, '=')
			b = append(b, strings.TrimSpace(qsJoinValues(params[i:j]))...)
		}
		i = j
	}
	return b
}

func qsJoinValues(ps []cosPair) string {
	if len(ps) == 1 {
		return ps[0].value
	}
	var sb strings.Builder
	for _, p := range ps {
		sb.WriteString(p.value)
	}
	return sb.String()
}

// qsSubresourcePairs returns the signed sub-resources of rawQuery (parsed
// as url.ParseQuery does), sorted by key, values in order.
func qsSubresourcePairs(rawQuery string) []cosPair {
	var ps []cosPair
	for rest := rawQuery; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "&")
		if seg == "" || strings.Contains(seg, ";") {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		k, err := url.QueryUnescape(k)
		if err != nil || !qsSubresources[k] {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		ps = append(ps, cosPair{k, v})
	}
	slices.SortStableFunc(ps, func(a, b cosPair) int { return strings.Compare(a.key, b.key) })
	return ps
}

// qsAppendEscaped appends s escaped as the QingStor SDK's URLQueryEscape:
// query escaping with '/' and '=' kept and spaces as %20.
func qsAppendEscaped(b []byte, s string) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		if c := s[i]; cosUnreserved(c) || c == '/' || c == '=' {
			b = append(b, c)
		} else {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return b
}

// qsAppendSignature appends base64(hmac-sha256(secret, sts)).
func qsAppendSignature(b []byte, secret string, sts []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(sts)
	var sum [sha256.Size]byte
	return base64.StdEncoding.AppendEncode(b, mac.Sum(sum[:0]))
}

// qsSignedHeaders returns a copy of the headers a QingStor signature
// covers: Content-MD5, Content-Type and X-QS-*.
func qsSignedHeaders(h http.Header) http.Header {
	out := make(http.Header)
	for k, vs := range h {
		if strings.EqualFold(k, "Content-MD5") || strings.EqualFold(k, "Content-Type") ||
			len(k) >= 5 && strings.EqualFold(k[:5], "x-qs-") {
			out[k] = slices.Clone(vs)
		}
	}
	return out
}

// QingStorVerifier checks QingStor signatures with non-default settings;
// its zero value is what VerifyQingStor uses.
type QingStorVerifier struct {
	// BucketFromHost is as in QingStorOptions; nil means
	// QingStorBucketFromHost.
	BucketFromHost func(host string) (bucket string, ok bool)
	// MaxSkew bounds the distance between a header-signed request's date
	// and now; zero means 15 minutes.
	MaxSkew time.Duration
}

// VerifyQingStor checks a QingStor signature with the default settings;
// see [QingStorVerifier.Verify].
func VerifyQingStor(r *http.Request, lookup SecretLookup, now time.Time) error {
	return QingStorVerifier{}.Verify(r, lookup, now)
}

// Verify checks a QingStor signature as a QingStor server does, in the
// Authorization header ("QS ak:signature") or in the query (access_key_id,
// expires, signature). The header form needs X-QS-Date or Date within
// MaxSkew of now (else VerifySkewed); the query form needs now at or
// before expires (else VerifyExpired). The signature is compared in
// constant time. Errors are *VerifyError.
func (v QingStorVerifier) Verify(r *http.Request, lookup SecretLookup, now time.Time) error {
	ak, sig, dateLine, err := v.parse(r, now)
	if err != nil {
		return err
	}
	secret, ok := "", false
	if lookup != nil {
		secret, ok = lookup(ak)
	}
	if !ok {
		return &VerifyError{Code: VerifyUnknownKey, Reason: "unknown access key " + strconv.Quote(ak)}
	}
	sts := qsStringToSign(r, dateLine, qsBucket(r, v.BucketFromHost))
	want := qsAppendSignature(nil, secret, sts)
	if subtle.ConstantTimeCompare(want, []byte(sig)) != 1 {
		return &VerifyError{Code: VerifyMismatch, Reason: fmt.Sprintf("signature does not match; string to sign %q", sts)}
	}
	return nil
}

// parse extracts the access key, the signature and the Date line of the
// string to sign, and checks the request's time.
func (v QingStorVerifier) parse(r *http.Request, now time.Time) (ak, sig, dateLine string, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		cred, ok := strings.CutPrefix(h, "QS ")
		ak, sig, ok2 := strings.Cut(cred, ":")
		if !ok || !ok2 || ak == "" || sig == "" {
			return "", "", "", &VerifyError{Code: VerifyMalformed, Reason: "authorization is not \"QS access_key_id:signature\""}
		}
		return ak, sig, qsDateLine(r.Header), v.checkDate(r.Header, now)
	}
	var q url.Values
	if r.URL != nil {
		q = r.URL.Query()
	}
	ak, sig, exp := q.Get("access_key_id"), q.Get("signature"), q.Get("expires")
	if ak == "" && sig == "" && exp == "" {
		return "", "", "", &VerifyError{Code: VerifyMissing, Reason: "no Authorization header or signature parameter"}
	}
	expires, perr := strconv.ParseInt(exp, 10, 64)
	if ak == "" || sig == "" || perr != nil {
		return "", "", "", &VerifyError{Code: VerifyMalformed, Reason: "query signature needs access_key_id, signature and numeric expires"}
	}
	if now.Unix() > expires {
		return "", "", "", &VerifyError{Code: VerifyExpired, Reason: fmt.Sprintf("expired at %d, now %d", expires, now.Unix())}
	}
	return ak, sig, exp, nil
}

// checkDate checks the X-QS-Date (else Date) header against now.
func (v QingStorVerifier) checkDate(h http.Header, now time.Time) error {
	name := qsDateHeader
	s := h.Get(name)
	if s == "" {
		name = "Date"
		s = h.Get(name)
	}
	if s == "" {
		return &VerifyError{Code: VerifyMalformed, Reason: "no Date or X-QS-Date header"}
	}
	t, err := http.ParseTime(s)
	if err != nil {
		return &VerifyError{Code: VerifyMalformed, Reason: fmt.Sprintf("bad %s header %q", name, s)}
	}
	maxSkew := v.MaxSkew
	if maxSkew <= 0 {
		maxSkew = qsMaxSkew
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return &VerifyError{Code: VerifySkewed, Reason: fmt.Sprintf("%s %q is %v from now", name, s, d.Round(time.Second))}
	}
	return nil
}
