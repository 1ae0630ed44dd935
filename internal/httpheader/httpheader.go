// Package httpheader holds the rules net/http applies to request header
// fields before it sends them (RFC 9110 section 5), so that polystore can
// refuse a bad value before any request is made, and the signers' tests can
// tell which requests net/http would send.
package httpheader

// BadValueByte returns the index of the first byte of v that may not
// appear in a header field value, or -1 if there is none. net/http refuses
// every control character but horizontal tab: NUL, CR, LF, DEL and the
// rest of 0x00-0x1F. Bytes from 0x80 (obs-text, as UTF-8 text uses them)
// are allowed.
func BadValueByte(v string) int {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return i
		}
	}
	return -1
}

// ValidName reports whether name is a header field name net/http sends: a
// non-empty token (RFC 9110 section 5.6.2).
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return false
		}
	}
	return true
}

// BadNameByte returns the index of the first byte of name that is not a
// token character, or -1 if there is none.
func BadNameByte(name string) int {
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return i
		}
	}
	return -1
}

func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
