package client

import (
	"net"
	"strings"
	"unicode/utf8"
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

// ValidateKey checks an object key against the dialect: not empty, valid
// UTF-8, at most Limits.MaxKeyLength bytes.
func (d *Dialect) ValidateKey(key string) error {
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

// CheckBucket validates a bucket name with the dialect's rules.
func (d *Dialect) CheckBucket(name string) error {
	if name == "" {
		return InvalidArgument("Bucket", "must not be empty")
	}
	if d.ValidateBucket == nil {
		return nil
	}
	return d.ValidateBucket(name)
}
