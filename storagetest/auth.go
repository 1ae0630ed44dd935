package storagetest

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// Authentication schemes, as recorded in Request.Scheme.
const (
	schemeV4        = "v4"
	schemeV2        = "v2"
	schemeCOS       = "cos"
	schemeQingStor  = "qingstor"
	schemeBearer    = "bearer"
	schemeAnonymous = "anonymous"
	schemeUnknown   = "unknown"
)

// acceptedSchemes are the signature schemes each flavor accepts.
var acceptedSchemes = map[flavor][]string{
	flavorS3:       {schemeV4, schemeV2},
	flavorIBM:      {schemeV4, schemeV2, schemeBearer},
	flavorCOS:      {schemeCOS},
	flavorQingStor: {schemeQingStor},
}

// detectScheme tells the authentication scheme from the Authorization
// header or, failing that, the query.
func detectScheme(r *http.Request, q url.Values) string {
	if h := r.Header.Get("Authorization"); h != "" {
		switch {
		case strings.HasPrefix(h, "AWS4-HMAC-SHA256 "):
			return schemeV4
		case strings.HasPrefix(h, "AWS "):
			return schemeV2
		case strings.HasPrefix(h, "QS "):
			return schemeQingStor
		case strings.HasPrefix(h, "q-sign-algorithm="):
			return schemeCOS
		case len(h) > len("Bearer ") && strings.EqualFold(h[:len("Bearer ")], "Bearer "):
			return schemeBearer
		}
		return schemeUnknown
	}
	switch {
	case q.Has("X-Amz-Signature"):
		return schemeV4
	case q.Has("Signature") && q.Has("AWSAccessKeyId"):
		return schemeV2
	case q.Has("signature") && q.Has("access_key_id"):
		return schemeQingStor
	case q.Has("q-sign-algorithm"), strings.HasPrefix(q.Get("sign"), "q-sign-algorithm="):
		return schemeCOS
	}
	return schemeAnonymous
}

// lookup is the server's SecretLookup: it knows one key pair.
func (s *Server) lookup(accessKeyID string) (string, bool) {
	if accessKeyID == s.opts.AccessKey {
		return s.opts.SecretKey, true
	}
	return "", false
}

// authenticate checks the request's signature or token and records the
// scheme and signing time on the call.
func (s *Server) authenticate(c *call) error {
	sch := detectScheme(c.r, c.query)
	c.scheme = sch
	c.signedAt = signedAt(sch, c.r, c.query)
	switch sch {
	case schemeAnonymous:
		if s.opts.AllowAnonymous {
			return nil
		}
		s.logf("storagetest: refused %s %s: unsigned request (set Options.AllowAnonymous to accept it)", c.r.Method, c.r.URL.Path)
		return c.fail(errAccessDenied, "")
	case schemeUnknown:
		return c.fail(errAuthUnsupported, "")
	}
	if !slices.Contains(acceptedSchemes[s.wire.fl], sch) {
		return c.fail(errAuthUnsupported, "Unsupported Authorization Type: the "+s.dialect.Name+" dialect does not accept "+sch+" signatures.")
	}
	now := s.opts.Clock()
	var err error
	switch sch {
	case schemeBearer:
		return s.checkBearer(c, now)
	case schemeV4:
		err = signer.VerifyV4(c.r, s.lookup, now)
	case schemeV2:
		err = signer.V2Verifier{BucketFromHost: s.v2BucketFromHost}.Verify(c.r, s.lookup, now)
	case schemeCOS:
		err = signer.VerifyCOS(c.r, s.lookup, now)
	case schemeQingStor:
		err = signer.QingStorVerifier{BucketFromHost: s.qsBucketFromHost}.Verify(c.r, s.lookup, now)
	}
	if err == nil {
		return nil
	}
	s.logf("storagetest: refused %s %s (%s): %v", c.r.Method, c.r.URL.Path, sch, err)
	return c.verifyFailure(err)
}

// verifyFailure turns a verifier's error into the dialect's answer.
func (c *call) verifyFailure(err error) *apiError {
	var ve *signer.VerifyError
	if !errors.As(err, &ve) {
		e := c.fail(errSignatureMismatch, "")
		e.Message += " (" + err.Error() + ")"
		return e
	}
	kind := errSignatureMismatch
	switch ve.Code {
	case signer.VerifyMissing:
		kind = errAccessDenied
	case signer.VerifyMalformed:
		kind = errAuthMalformed
	case signer.VerifyUnknownKey:
		kind = errInvalidAccessKey
	case signer.VerifyExpired:
		kind = errRequestExpired
	case signer.VerifySkewed:
		kind = errTimeSkewed
	}
	e := c.fail(kind, "")
	if ve.Reason != "" && kind != errRequestExpired {
		e.Message += " (" + ve.Reason + ")"
	}
	return e
}

// checkBearer accepts tokens the IAM emulator issued that have not expired.
func (s *Server) checkBearer(c *call, now time.Time) error {
	h := c.r.Header.Get("Authorization")
	tok := strings.TrimSpace(h[len("Bearer "):])
	known, expired := s.iam.check(tok, now)
	switch {
	case !known:
		return c.fail(errInvalidToken, "")
	case expired:
		return c.fail(errExpiredToken, "")
	}
	return nil
}

// signedAt returns the signing time a request claims, or zero.
func signedAt(sch string, r *http.Request, q url.Values) time.Time {
	h := r.Header
	switch sch {
	case schemeV4:
		if v := q.Get("X-Amz-Date"); v != "" {
			return parseAmzDate(v)
		}
		if v := h.Get("X-Amz-Date"); v != "" {
			return parseAmzDate(v)
		}
		return parseHTTPDate(h.Get("Date"))
	case schemeV2:
		if r.Header.Get("Authorization") == "" {
			return time.Time{} // presigned: only an expiry
		}
		if v := h.Get("X-Amz-Date"); v != "" {
			return parseHTTPDate(v)
		}
		return parseHTTPDate(h.Get("Date"))
	case schemeQingStor:
		if r.Header.Get("Authorization") == "" {
			return time.Time{}
		}
		if v := h.Get("X-QS-Date"); v != "" {
			return parseHTTPDate(v)
		}
		return parseHTTPDate(h.Get("Date"))
	case schemeCOS:
		st := q.Get("q-sign-time")
		if a := h.Get("Authorization"); a != "" {
			st = cosAuthParam(a, "q-sign-time")
		} else if merged := q.Get("sign"); merged != "" {
			st = cosAuthParam(merged, "q-sign-time") // presigned with one "sign" parameter
		}
		start, _, _ := strings.Cut(st, ";")
		if sec, err := strconv.ParseInt(start, 10, 64); err == nil {
			return time.Unix(sec, 0).UTC()
		}
	}
	return time.Time{}
}

// cosAuthParam returns one field of a COS Authorization value
// ("q-sign-algorithm=sha1&q-ak=...&q-sign-time=a;b&...").
func cosAuthParam(auth, name string) string {
	for _, part := range strings.Split(auth, "&") {
		if k, v, ok := strings.Cut(part, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func parseAmzDate(v string) time.Time {
	if t, err := time.Parse("20060102T150405Z", v); err == nil {
		return t
	}
	return parseHTTPDate(v)
}

func parseHTTPDate(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.UTC()
	}
	return time.Time{}
}
