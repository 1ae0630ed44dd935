package signer

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/polystore/polystore/internal/redact"
)

// Printing and logging.
//
// Every type of this package that holds a secret (a secret key, a session
// token, an API key, a bearer token, an Authorization value) implements
// fmt.Formatter, fmt.Stringer, fmt.GoStringer and slog.LogValuer with the
// secrets replaced by "[redacted]", so that no fmt verb (%v, %+v, %#v, %s,
// %q, %x, %d, ...) and no slog handler shows them. Types whose secrets are
// exported fields (Credentials, StaticCredentials, Token, Authorization)
// also marshal to JSON with them redacted: to store credentials, copy the
// fields.

// Format prints c as String does, for every verb; %#v prints GoString.
func (c Credentials) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue logs c without its secret or token.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes c with SecretAccessKey and SessionToken redacted.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(safeCredentials(c))
}

type jsonCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string    `json:",omitempty"`
	Expires         time.Time `json:",omitzero"`
}

func safeCredentials(c Credentials) jsonCredentials {
	s := jsonCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: redact.Value(c.SecretAccessKey), Expires: c.Expires}
	if c.SessionToken != "" {
		s.SessionToken = redact.Mark
	}
	return s
}

// GoString is String, so %#v does not reveal the secret either.
func (s StaticCredentials) GoString() string { return s.String() }

// Format prints s as String does, for every verb.
func (s StaticCredentials) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, s.String(), s.GoString())
}

// LogValue logs s without its secret or token.
func (s StaticCredentials) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes s with the secret and token redacted.
func (s StaticCredentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ Value jsonCredentials }{safeCredentials(s.Value)})
}

// Format prints c as String does, for every verb.
func (c *CredentialsCache) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, c.String(), c.GoString())
}

// LogValue logs the cache without the cached secret.
func (c *CredentialsCache) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Format prints t as String does, for every verb.
func (t Token) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String(), t.GoString()) }

// LogValue logs t without its value.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON encodes t with Value redacted.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Value, Type     string
		Expires, Issued time.Time `json:",omitzero"`
	}{redact.Value(t.Value), t.Type, t.Expires, t.Issued})
}

// Format prints p as String does, for every verb.
func (p *IAMTokenProvider) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, p.String(), p.GoString())
}

// LogValue logs p without the API key or the cached token.
func (p *IAMTokenProvider) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Format prints a as String does, for every verb.
func (a Authorization) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, a.String(), a.GoString())
}

// LogValue logs a without the header value or the token.
func (a Authorization) LogValue() slog.Value { return slog.StringValue(a.String()) }

// MarshalJSON encodes a with Authorization and SecurityToken redacted.
func (a Authorization) MarshalJSON() ([]byte, error) {
	s := struct {
		Authorization       string
		SecurityToken       string `json:",omitempty"`
		SecurityTokenHeader string `json:",omitempty"`
	}{redact.Value(a.Authorization), "", a.SecurityTokenHeader}
	if a.SecurityToken != "" {
		s.SecurityToken = redact.Mark
	}
	return json.Marshal(s)
}

// Format prints b as String does, for every verb.
func (b *Bearer) Format(f fmt.State, verb rune) { redact.Format(f, verb, b.String(), b.GoString()) }

// LogValue logs b without any token.
func (b *Bearer) LogValue() slog.Value { return slog.StringValue(b.String()) }

// GoString is String, so %#v does not reveal credentials either.
func (s *V4) GoString() string { return s.String() }

// Format prints s as String does, for every verb.
func (s *V4) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String(), s.GoString()) }

// LogValue logs s without credentials.
func (s *V4) LogValue() slog.Value { return slog.StringValue(s.String()) }

// GoString is String, so %#v does not reveal credentials either.
func (s *V2) GoString() string { return s.String() }

// Format prints s as String does, for every verb.
func (s *V2) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String(), s.GoString()) }

// LogValue logs s without credentials.
func (s *V2) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String describes the signer without revealing credentials.
func (c *COS) String() string {
	if c == nil {
		return "COS(nil)"
	}
	return fmt.Sprintf("COS{Credentials: %T, SignDuration: %v, PresignMerged: %t}", c.creds, c.duration(), c.opts.PresignMerged)
}

// GoString is String, so %#v does not reveal credentials either.
func (c *COS) GoString() string { return c.String() }

// Format prints c as String does, for every verb.
func (c *COS) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue logs c without credentials.
func (c *COS) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String describes the signer without revealing credentials.
func (q *QingStor) String() string {
	if q == nil {
		return "QingStor(nil)"
	}
	return fmt.Sprintf("QingStor{Credentials: %T}", q.creds)
}

// GoString is String, so %#v does not reveal credentials either.
func (q *QingStor) GoString() string { return q.String() }

// Format prints q as String does, for every verb.
func (q *QingStor) Format(f fmt.State, verb rune) { redact.Format(f, verb, q.String(), q.GoString()) }

// LogValue logs q without credentials.
func (q *QingStor) LogValue() slog.Value { return slog.StringValue(q.String()) }

// String returns "name=value", with the value of a session-token field
// (x-amz-security-token, x-cos-security-token), and of a policy that holds
// such a token, redacted; the form must still carry them.
func (p PostField) String() string { return p.Name + "=" + redact.FormFieldValue(p.Name, p.Value) }

// GoString describes p in Go syntax, a session token redacted.
func (p PostField) GoString() string {
	return fmt.Sprintf("signer.PostField{Name: %q, Value: %q}", p.Name, redact.FormFieldValue(p.Name, p.Value))
}

// Format prints p as String does, for every verb.
func (p PostField) Format(f fmt.State, verb rune) { redact.Format(f, verb, p.String(), p.GoString()) }

// LogValue logs p with a session token redacted.
func (p PostField) LogValue() slog.Value { return slog.StringValue(p.String()) }
