package client

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/polystore/polystore/internal/httpheader"
)

// validateDNSBucket applies the S3 / IBM bucket rules: 3–63 characters of
// lowercase letters, digits, '.' and '-', starting and ending with a letter
// or digit, no "..", ".-" or "-.", and not an IP address.
func validateDNSBucket(name string) error {
	if err := bucketChars(name, 3, 63, true); err != nil {
		return err
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return InvalidArgument("Bucket", "%q has adjacent '.' or '-' characters", name)
	}
	if net.ParseIP(name) != nil {
		return InvalidArgument("Bucket", "%q looks like an IP address", name)
	}
	return nil
}

// validateQingStorBucket applies QingStor's rules: 6–63 characters of
// lowercase letters, digits and '-', starting and ending with a letter or
// digit.
func validateQingStorBucket(name string) error {
	return bucketChars(name, 6, 63, false)
}

// validateCOSBucket applies COS's rules: "name-APPID", where the name is
// lowercase letters, digits and '-' (not at either end), the APPID is
// digits, and the whole stays short enough for a 60-character domain
// (name-appid.cos.region.myqcloud.com); we check the bucket part at most
// 50 characters.
func validateCOSBucket(name string) error {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return InvalidArgument("Bucket", "%q must be BucketName-APPID, such as examplebucket-1250000000", name)
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return InvalidArgument("Bucket", "%q: the APPID after the last '-' must be digits", name)
		}
	}
	if len(name) > 50 {
		return InvalidArgument("Bucket", "%q is longer than 50 characters", name)
	}
	return bucketChars(name[:i], 1, 50, false)
}

func bucketChars(name string, min, max int, dots bool) error {
	if name == "" {
		return InvalidArgument("Bucket", "must not be empty")
	}
	if len(name) < min || len(name) > max {
		return InvalidArgument("Bucket", "%q must be %d to %d characters long", name, min, max)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' || (c == '.' && dots):
			if i == 0 || i == len(name)-1 {
				return InvalidArgument("Bucket", "%q must start and end with a lowercase letter or digit", name)
			}
		default:
			return InvalidArgument("Bucket", "%q has %q; only lowercase letters, digits and '-'%s are allowed", name, c, map[bool]string{true: ", '.'"}[dots])
		}
	}
	return nil
}

// validateDashedRegion accepts region codes such as "us-east-1",
// "ap-beijing", "eu-de" or IBM's "us".
func validateDashedRegion(r string) error {
	if r == "" {
		return InvalidArgument("Region", "must not be empty")
	}
	for _, part := range strings.Split(r, "-") {
		if part == "" || !isLowerAlnum(part) {
			return InvalidArgument("Region", "%q is not a region code such as us-east-1 or ap-beijing", r)
		}
	}
	return nil
}

// validateZone accepts QingStor zones: letters then digits then an optional
// letter, such as "pek3b", "sh1a", "gd2" or "ap3".
func validateZone(z string) error {
	i := 0
	for i < len(z) && z[i] >= 'a' && z[i] <= 'z' {
		i++
	}
	j := i
	for j < len(z) && z[j] >= '0' && z[j] <= '9' {
		j++
	}
	if i == 0 || j == i || len(z)-j > 1 || (j < len(z) && (z[j] < 'a' || z[j] > 'z')) {
		return InvalidArgument("Zone", "%q is not a QingStor zone such as pek3b or sh1a", z)
	}
	return nil
}

func isLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validateKey checks an object key against the dialect: not empty, valid
// UTF-8, at most Limits.MaxKeyLength bytes.
func (d *Dialect) validateKey(key string) error {
	if key == "" {
		return InvalidArgument("Key", "must not be empty")
	}
	if !utf8.ValidString(key) {
		return InvalidArgument("Key", "is not valid UTF-8")
	}
	if max := d.Limits.MaxKeyLength; max > 0 && len(key) > max {
		return InvalidArgument("Key", "is %d bytes; the %s limit is %d", len(key), d.Name, max)
	}
	return nil
}

// checkBucket validates a bucket name with the dialect's rules.
func (d *Dialect) checkBucket(name string) error {
	if name == "" {
		return InvalidArgument("Bucket", "must not be empty")
	}
	if d.ValidateBucket == nil {
		return nil
	}
	return d.ValidateBucket(name)
}

// Header checks.
//
// net/http refuses to send a request whose header field names are not
// tokens or whose values hold control characters (CR, LF, NUL, DEL, ...;
// tab is allowed), with an untyped error that the retry policy would take
// for a connection failure. The client checks every header of a built
// request before it is signed, sent or presigned, and answers an
// *InvalidArgumentError naming the input field the header came from, so no
// operation can forget the check and nothing reaches the server.

// checkRequestHeaders checks every header name and value of a request
// about to be sent or presigned for op.
func checkRequestHeaders(d *Dialect, op string, h http.Header) error {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names) // the first bad header in a stable order
	for _, name := range names {
		if i := httpheader.BadNameByte(name); i >= 0 || name == "" {
			reason := "is empty"
			if name != "" {
				reason = fmt.Sprintf("has %q, which a header name cannot hold (a name is letters, digits and !#$%%&'*+-.^_`|~)", name[i])
			}
			return &InvalidArgumentError{Op: op, Field: d.headerField(name), Reason: "header name " + strconv.Quote(name) + " " + reason, kind: ErrInvalidArgument}
		}
		for _, v := range h[name] {
			if err := checkHeaderValue(d.headerField(name), v); err != nil {
				err.Op = op
				return err
			}
		}
	}
	return nil
}

// checkHeaderValue refuses a value net/http would not send. The reason
// names the byte, never the value, which may be a secret.
func checkHeaderValue(field, v string) *InvalidArgumentError {
	i := httpheader.BadValueByte(v)
	if i < 0 {
		return nil
	}
	return InvalidArgument(field, "has control character 0x%02X at byte %d; a header value cannot hold CR, LF, NUL or other control characters (tab excepted)", v[i], i)
}

// headerField names the input field a request header comes from, for
// errors: the dialect's metadata, storage class, ACL, SSE-C, copy and
// other headers map to their input fields ("Metadata[color]",
// "StorageClass", "SSE", "SourceConditions.IfMatch"); any other header's
// name is turned into a field name ("Content-Type" → "ContentType",
// "x-amz-website-redirect-location" → "WebsiteRedirectLocation").
func (d *Dialect) headerField(name string) string {
	lk := strings.ToLower(name)
	w := &d.Object
	is := func(h string) bool { return h != "" && lk == strings.ToLower(h) }
	rest := func(prefix string) (string, bool) {
		if prefix == "" || !strings.HasPrefix(lk, strings.ToLower(prefix)) {
			return "", false
		}
		return lk[len(prefix):], true
	}
	if k, ok := rest(d.MetaPrefix); ok {
		return metadataField(k)
	}
	switch {
	case is(w.StorageClassHeader):
		return "StorageClass"
	case is(w.ACLHeader), is(d.Bucket.ACL.CannedHeader):
		return "ACL"
	case is(w.CopySourceHeader), is(w.MoveSourceHeader):
		return "SourceKey"
	case is(w.CopyRangeHeader):
		return "SourceRange"
	case is(w.FetchSourceHeader):
		return "SourceURL"
	case is(w.FetchIfUnmodifiedSinceHeader):
		return "IfUnmodifiedSince"
	case is(w.MetadataDirectiveHeader):
		return "MetadataDirective"
	case is(d.ServiceInstanceHeader):
		return "ServiceInstanceID"
	case is(d.Bucket.Create.KeyProtectRootKeyHeader):
		return "KeyProtect.RootKeyCRN"
	case is(d.Bucket.Create.KeyProtectAlgorithmHeader):
		return "KeyProtect.Algorithm"
	case is(w.Retention.LegalHoldHeader):
		return "Retention.LegalHoldID"
	case lk == "user-agent":
		return "UserAgent"
	case lk == "access-control-request-method":
		return "Method"
	case lk == "access-control-request-headers":
		return "Headers"
	}
	if _, ok := rest(w.GrantHeaderPrefix); ok {
		return "Grants"
	}
	if _, ok := rest(w.CopySourceSSECustomerPrefix); ok {
		return "SourceSSE"
	}
	if _, ok := rest(w.SSECustomerPrefix); ok {
		return "SSE"
	}
	if cond, ok := rest(w.CopySourceConditionPrefix); ok && strings.HasPrefix(cond, "if-") {
		return "SourceConditions." + camelField(cond)
	}
	if cond, ok := rest(w.MoveSourceConditionPrefix); ok && strings.HasPrefix(cond, "if-") {
		return "SourceConditions." + camelField(cond)
	}
	for _, prefix := range []string{d.HeaderPrefix, "x-amz-", "ibm-"} {
		if k, ok := rest(prefix); ok && k != "" {
			return camelField(k)
		}
	}
	return camelField(lk)
}

// metadataField names one metadata entry: Metadata[color], with the name
// quoted when it holds characters that would garble the message.
func metadataField(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < ' ' || c >= 0x7f || c == '[' || c == ']' || c == '"' {
			return "Metadata[" + strconv.Quote(name) + "]"
		}
	}
	return "Metadata[" + name + "]"
}

// camelField turns a header name into a Go field name: "content-md5" →
// "ContentMD5", "if-none-match" → "IfNoneMatch".
func camelField(name string) string {
	if httpheader.BadNameByte(name) >= 0 {
		return "Header[" + strconv.Quote(name) + "]"
	}
	var b strings.Builder
	for part := range strings.SplitSeq(name, "-") {
		switch part {
		case "":
		case "md5", "id", "crn", "sse", "acl", "url", "crc64", "crc32", "crc32c", "sha1", "sha256":
			b.WriteString(strings.ToUpper(part))
		default:
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
