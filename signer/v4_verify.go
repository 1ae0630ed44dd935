package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// VerifyV4 checks the AWS Signature Version 4 of a request a server
// received, signed in the Authorization header or presigned in the query.
// It returns nil or a *VerifyError.
//
// The canonical request is rebuilt from the request as it came over the
// wire: the request-target (r.RequestURI, or r.URL when empty, as for a
// client-side request), r.Host and the headers listed in SignedHeaders. For
// service "s3" the path is used as sent; for other services it is escaped
// once more, without dot-segment normalisation.
//
// The payload hash is the X-Amz-Content-Sha256 header as sent (the empty
// body's hash when the header is absent and the request has no body); for
// a presigned URL it is UNSIGNED-PAYLOAD unless x-amz-content-sha256 is a
// signed header. VerifyV4 never reads the body: when the hash is a digest,
// the caller must check the body against it while reading. Chunk
// signatures of aws-chunked uploads are not checked either.
//
// A header-signed request must be dated within 15 minutes of now
// (VerifySkewed); a presigned URL must not be past X-Amz-Date +
// X-Amz-Expires (VerifyExpired). The session token, if any, is signed like
// any other value but not validated: that is the caller's business.
func VerifyV4(r *http.Request, lookup SecretLookup, now time.Time) error {
	return verifyV4(r, lookup, now, nil)
}

// v4PathRules overrides how VerifyV4 canonicalises the path (for the test
// suite's non-S3 cases); nil derives the rules from the credential scope.
type v4PathRules struct {
	disableEscaping, normalize bool
}

// v4Auth is the parsed signature of a request.
type v4Auth struct {
	accessKey, day, region, service string
	signedHeaders                   string
	signature                       string
	amzDate                         string
	date                            time.Time
	presigned                       bool
	expires                         time.Duration
	params                          []v4Param // decoded query parameters as received
}

func v4Err(code VerifyCode, reason string) error {
	return &VerifyError{Code: code, Reason: reason}
}

func verifyV4(r *http.Request, lookup SecretLookup, now time.Time, rules *v4PathRules) error {
	if lookup == nil {
		return v4Err(VerifyUnknownKey, "no secret lookup")
	}
	if awsCheckRequest(r) != nil {
		return v4Err(VerifyMalformed, "request without URL")
	}
	path, rawQuery := awsRequestTarget(r)
	a, err := v4ParseAuth(r, rawQuery)
	if err != nil {
		return err
	}
	secret, ok := lookup(a.accessKey)
	if !ok {
		return v4Err(VerifyUnknownKey, "unknown access key id")
	}
	if err := a.checkTime(now); err != nil {
		return err
	}

	pr := v4PathRules{disableEscaping: a.service == "s3"}
	if rules != nil {
		pr = *rules
	}
	params := make([]v4Param, 0, len(a.params))
	for _, p := range a.params {
		if !(a.presigned && p.k == v4QSignature) {
			params = append(params, p)
		}
	}
	query, err := v4CanonicalQuery("", nil, params)
	if err != nil {
		return v4Err(VerifyMalformed, err.Error())
	}
	hs, payload := v4ReceivedHeaders(r, a)
	canon := v4AppendCanonicalRequest(make([]byte, 0, 512), v4CanonicalInput{
		method:      r.Method,
		path:        v4CanonicalPath(path, pr.disableEscaping, pr.normalize),
		query:       query,
		headers:     &hs,
		signed:      a.signedHeaders,
		payloadHash: payload,
	})
	sts := v4AppendStringToSign(canon[:0], sha256.Sum256(canon), a.amzDate, v4Scope(a.day, a.region, a.service))
	key := v4DeriveKey(secret, a.day, a.region, a.service)
	mac := hmac.New(sha256.New, key[:])
	mac.Write(sts)
	var got [2 * sha256.Size]byte
	hex.Encode(got[:], mac.Sum(nil))
	if !hmac.Equal(got[:], []byte(a.signature)) {
		return v4Err(VerifyMismatch, "the signature does not match; string to sign: "+strconv.Quote(string(sts)))
	}
	return nil
}

// v4ParseAuth extracts the signature fields from the Authorization header
// or the query.
func v4ParseAuth(r *http.Request, rawQuery string) (*v4Auth, error) {
	params, err := awsParseQuery(rawQuery)
	if err != nil {
		return nil, v4Err(VerifyMalformed, err.Error())
	}
	a := &v4Auth{params: params}
	get := func(k string) (string, bool) {
		for _, p := range params {
			if p.k == k {
				return p.v, true
			}
		}
		return "", false
	}
	auth := r.Header.Get(v4HdrAuth)
	_, hasQuerySig := get(v4QSignature)
	_, hasQueryAlg := get(v4QAlgorithm)
	switch {
	case auth != "" && (hasQuerySig || hasQueryAlg):
		return nil, v4Err(VerifyMalformed, "both an Authorization header and a query signature")
	case auth != "":
		err = a.parseHeader(auth)
	case hasQuerySig || hasQueryAlg:
		err = a.parseQuery(get)
	default:
		return nil, v4Err(VerifyMissing, "no Authorization header and no X-Amz-Signature query parameter")
	}
	if err != nil {
		return nil, err
	}
	if a.presigned {
		return a, nil
	}
	return a, a.headerDate(r)
}

// parseHeader parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...".
func (a *v4Auth) parseHeader(auth string) error {
	rest, ok := strings.CutPrefix(auth, v4Algorithm+" ")
	if !ok {
		return v4Err(VerifyMalformed, "the Authorization header is not "+v4Algorithm)
	}
	var cred string
	var haveCred, haveSigned, haveSig bool
	for field := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return v4Err(VerifyMalformed, "malformed Authorization field")
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			a.signedHeaders, haveSigned = v, true
		case "Signature":
			a.signature, haveSig = v, true
		default:
			return v4Err(VerifyMalformed, "unknown Authorization field "+strconv.Quote(k))
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return v4Err(VerifyMalformed, "the Authorization header needs Credential, SignedHeaders and Signature")
	}
	return a.validate(cred)
}

// parseQuery reads the X-Amz-* parameters of a presigned URL.
func (a *v4Auth) parseQuery(get func(string) (string, bool)) error {
	a.presigned = true
	alg, _ := get(v4QAlgorithm)
	if alg != v4Algorithm {
		return v4Err(VerifyMalformed, "X-Amz-Algorithm must be "+v4Algorithm)
	}
	cred, ok1 := get(v4QCredential)
	date, ok2 := get(v4QDate)
	exp, ok3 := get(v4QExpires)
	signed, ok4 := get(v4QSigned)
	sig, ok5 := get(v4QSignature)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return v4Err(VerifyMalformed, "a presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature")
	}
	a.signedHeaders, a.signature = signed, sig
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || secs < 1 || secs > int64(v4MaxExpires/time.Second) {
		return v4Err(VerifyMalformed, "X-Amz-Expires must be a number of seconds from 1 to 604800")
	}
	a.expires = time.Duration(secs) * time.Second
	if err := a.setDate(date); err != nil {
		return err
	}
	return a.validate(cred)
}

// headerDate takes the signing time from X-Amz-Date, or from Date, which
// must be a signed header.
func (a *v4Auth) headerDate(r *http.Request) error {
	if v := r.Header.Get(v4HdrDate); v != "" {
		if !v4ListHas(a.signedHeaders, "x-amz-date") {
			return v4Err(VerifyMalformed, "x-amz-date is not a signed header")
		}
		return a.setDate(v)
	}
	v := r.Header.Get("Date")
	if v == "" {
		return v4Err(VerifyMalformed, "no X-Amz-Date or Date header")
	}
	if !v4ListHas(a.signedHeaders, "date") {
		return v4Err(VerifyMalformed, "date is not a signed header")
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return v4Err(VerifyMalformed, "malformed Date header")
	}
	return a.setDate(t.UTC().Format(v4TimeFormat))
}

func (a *v4Auth) setDate(v string) error {
	t, err := time.Parse(v4TimeFormat, v)
	if err != nil {
		return v4Err(VerifyMalformed, "malformed X-Amz-Date "+strconv.Quote(v))
	}
	a.amzDate, a.date = v, t
	return nil
}

// validate parses the credential and checks the other fields' syntax.
func (a *v4Auth) validate(cred string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" || parts[4] != v4Terminator {
		return v4Err(VerifyMalformed, "Credential must be access-key/yyyymmdd/region/service/aws4_request")
	}
	a.accessKey, a.day, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	if _, err := time.Parse(v4DayFormat, a.day); err != nil {
		return v4Err(VerifyMalformed, "malformed date in Credential")
	}
	if a.amzDate != "" && !strings.HasPrefix(a.amzDate, a.day) {
		return v4Err(VerifyMalformed, "the Credential date is not the request date")
	}
	if len(a.signature) != 2*32 || !v4IsLowerHex(a.signature) {
		return v4Err(VerifyMalformed, "Signature must be 64 lowercase hex digits")
	}
	if a.signedHeaders == "" || !v4ListHas(a.signedHeaders, "host") {
		return v4Err(VerifyMalformed, "SignedHeaders must include host")
	}
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		if name == "" || strings.ToLower(name) != name {
			return v4Err(VerifyMalformed, "SignedHeaders must be lowercase names separated by ';'")
		}
	}
	return nil
}

// checkTime applies the clock-skew and expiry rules.
func (a *v4Auth) checkTime(now time.Time) error {
	if !strings.HasPrefix(a.amzDate, a.day) {
		return v4Err(VerifyMalformed, "the Credential date is not the request date")
	}
	d := now.Sub(a.date)
	if a.presigned {
		if d > a.expires {
			return v4Err(VerifyExpired, "the presigned URL expired at "+a.date.Add(a.expires).UTC().Format(time.RFC3339))
		}
		if d < -v4MaxSkew {
			return v4Err(VerifySkewed, "the presigned URL is dated in the future")
		}
		return nil
	}
	if d > v4MaxSkew || d < -v4MaxSkew {
		return v4Err(VerifySkewed, "the request time "+a.date.UTC().Format(time.RFC3339)+" is more than 15 minutes from the server time")
	}
	return nil
}

// v4ReceivedHeaders collects the signed headers' values from a received
// request, in SignedHeaders order, and returns the payload hash.
func v4ReceivedHeaders(r *http.Request, a *v4Auth) (v4Headers, string) {
	n := strings.Count(a.signedHeaders, ";") + 1
	list := make([]v4Header, 0, n)
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		list = append(list, v4Header{key: name, vals: v4ReceivedValues(r, name)})
	}
	payload := V4UnsignedPayload
	sha, hasSHA := r.Header[v4HdrSHA256]
	switch {
	case a.presigned && !v4ListHas(a.signedHeaders, "x-amz-content-sha256"):
	case hasSHA && len(sha) > 0:
		payload = sha[0]
	case awsEmptyBody(r) || r.ContentLength == 0:
		payload = V4EmptyPayloadHash
	}
	return v4Headers{list: list}, payload
}

// v4ReceivedValues returns the values of header name (lowercase) as
// received; host comes from r.Host.
func v4ReceivedValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		return []string{h}
	case "content-length":
		if vs := r.Header["Content-Length"]; len(vs) > 0 {
			return vs
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	}
	if vs, ok := r.Header[http.CanonicalHeaderKey(name)]; ok {
		return vs
	}
	// A header map built by hand may hold non-canonical keys.
	var out []string
	for k, vs := range r.Header {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}

// awsRequestTarget returns the escaped path and raw query of a received
// request as they were on the request line; for client-side requests
// (no RequestURI) it uses r.URL the way an HTTP client would send it.
func awsRequestTarget(r *http.Request) (path, rawQuery string) {
	uri := r.RequestURI
	if uri == "" || uri == "*" {
		return awsWirePath(r.URL), r.URL.RawQuery
	}
	path, rawQuery, _ = strings.Cut(uri, "?")
	if !strings.HasPrefix(path, "/") { // absolute-form: scheme://authority/path
		if i := strings.Index(path, "://"); i >= 0 {
			rest := path[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				path = rest[j:]
			} else {
				path = ""
			}
		}
	}
	if path == "" {
		path = "/"
	}
	return path, rawQuery
}

// awsParseQuery splits a raw query into decoded parameters in order.
func awsParseQuery(raw string) ([]v4Param, error) {
	if raw == "" {
		return nil, nil
	}
	params := make([]v4Param, 0, strings.Count(raw, "&")+1)
	for seg := range strings.SplitSeq(raw, "&") {
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		params = append(params, v4Param{k: dk, v: dv})
	}
	return params, nil
}

// v4ListHas reports whether the ';'-separated list holds name.
func v4ListHas(list, name string) bool {
	for s := range strings.SplitSeq(list, ";") {
		if s == name {
			return true
		}
	}
	return false
}

func v4IsLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
