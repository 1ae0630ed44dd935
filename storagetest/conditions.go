package storagetest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// checkConditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since as S3 does.
func checkConditions(r *http.Request, o *object) error {
	return evalConditions(r.Header, "", o, kindError(errNotModified))
}

// checkCopyConditions evaluates the copy-source conditions
// (x-amz-copy-source-if-match, ...) against the source object. Every
// failure answers 412.
func (w *wire) checkCopyConditions(h http.Header, src *object) error {
	return evalConditions(h, w.vendorHeader("copy-source-"), src, kindError(errPreconditionFailed))
}

// evalConditions evaluates the four conditional headers, spelled
// prefix+"if-match" and so on (prefix "" for the standard ones). A false
// If-Match or If-Unmodified-Since fails with 412; a false If-None-Match
// or If-Modified-Since fails with notModified. As in S3, a true If-Match
// wins over a false If-Unmodified-Since, and a false If-None-Match over a
// true If-Modified-Since.
func evalConditions(h http.Header, prefix string, o *object, notModified error) error {
	modified := o.modified.Truncate(time.Second)
	if v := h.Get(prefix + "If-Match"); v != "" {
		if !etagMatches(v, o.entityTag()) {
			return kindError(errPreconditionFailed)
		}
	} else if t := parseHTTPDate(h.Get(prefix + "If-Unmodified-Since")); !t.IsZero() && modified.After(t) {
		return kindError(errPreconditionFailed)
	}
	if v := h.Get(prefix + "If-None-Match"); v != "" {
		if etagMatches(v, o.entityTag()) {
			return notModified
		}
	} else if t := parseHTTPDate(h.Get(prefix + "If-Modified-Since")); !t.IsZero() && !modified.After(t) {
		return notModified
	}
	return nil
}

// etagMatches reports whether an If-Match / If-None-Match list names the
// entity tag tag (or is "*").
func etagMatches(list, tag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == tag {
			return true
		}
	}
	return false
}

// parseRange interprets a Range header for an object of size bytes. It
// returns the half-open byte range to send, whether it is partial, and
// ok=false if the range cannot be satisfied. Headers it does not
// understand (several ranges, other units, bad syntax) select the whole
// object, as S3 does.
func parseRange(v string, size int64) (start, end int64, partial, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, size, false, true
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, size, false, true
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, size, false, true
		}
		if n == 0 || size == 0 {
			return 0, 0, false, false
		}
		return max(size-n, 0), size, true, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, size, false, true
	}
	b := size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, size, false, true
		}
	}
	if a >= size {
		return 0, 0, false, false
	}
	return a, min(b, size-1) + 1, true, true
}

// parseCopyRange parses the range of an UploadPartCopy,
// "bytes=first-last" with both ends given and inside the source.
func parseCopyRange(v string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found {
		return 0, 0, false
	}
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	b, err2 := strconv.ParseInt(strings.TrimSpace(last), 10, 64)
	if err1 != nil || err2 != nil || a < 0 || b < a || b >= size {
		return 0, 0, false
	}
	return a, b + 1, true
}

// hasToken reports whether a comma-separated header value lists tok.
func hasToken(v, tok string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// withoutToken removes tok from a comma-separated header value.
func withoutToken(v, tok string) string {
	if v == "" {
		return ""
	}
	var keep []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, tok) {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, ",")
}
