package object

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/polystore/polystore/internal/redact"
)

// String returns "name=value", with the value of a session-token field
// (x-amz-security-token, x-cos-security-token), and of a policy that
// holds such a token, redacted. The form must
// still carry the real value: this is for printing and logging only.
func (x FormField) String() string { return x.Name + "=" + x.safeValue() }

func (x FormField) safeValue() string { return redact.FormFieldValue(x.Name, x.Value) }

// GoString describes x in Go syntax, a session token redacted.
func (x FormField) GoString() string {
	return fmt.Sprintf("object.FormField{Name: %q, Value: %q}", x.Name, x.safeValue())
}

// Format prints x as String does, for every verb (%#v: GoString).
func (x FormField) Format(f fmt.State, verb rune) { redact.Format(f, verb, x.String(), x.GoString()) }

// LogValue logs x with a session token redacted.
func (x FormField) LogValue() slog.Value { return slog.StringValue(x.String()) }

// String describes the form with its session token redacted. The
// signature fields show: they sign the policy the form shows anyway.
func (f *PostForm) String() string {
	if f == nil {
		return "PostForm(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "PostForm{URL: %s, Fields: [", redact.URL(f.URL))
	for i, x := range f.Fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x.String())
	}
	fmt.Fprintf(&b, "], FileField: %s", f.FileField)
	if !f.Expires.IsZero() {
		b.WriteString(", Expires: " + f.Expires.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&b, ", SuccessStatus: %d}", f.SuccessStatus)
	return b.String()
}

// GoString is String, so %#v does not reveal the token either.
func (f *PostForm) GoString() string { return f.String() }

// Format prints f as String does, for every verb.
func (f *PostForm) Format(s fmt.State, verb rune) { redact.Format(s, verb, f.String(), f.GoString()) }

// LogValue logs f with its session token redacted.
func (f *PostForm) LogValue() slog.Value { return slog.StringValue(f.String()) }
