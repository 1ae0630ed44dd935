package client

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/polystore/polystore/internal/redact"
)

// Printing and logging.
//
// Client, Options, PresignedRequest and SSECustomer implement
// fmt.Formatter, fmt.Stringer, fmt.GoStringer and slog.LogValuer without
// their secrets (keys, session tokens, signatures, SSE-C keys), whatever
// the verb (%v, %+v, %#v, %s, %q, %x, %d, ...) or the slog handler.

// GoString is String, so %#v does not reveal credentials either.
func (c *Client) GoString() string { return c.String() }

// Format prints c as String does, for every verb.
func (c *Client) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue logs c without credentials.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String describes the options without secrets: credentials and signers
// are shown by their own String method (the polystore ones reveal no
// secret), or by their type name when they have none.
func (o Options) String() string {
	var b strings.Builder
	b.WriteString("client.Options{")
	field := func(name, v string) {
		if b.Len() > len("client.Options{") {
			b.WriteString(", ")
		}
		b.WriteString(name + ": " + v)
	}
	if o.Region != "" {
		field("Region", o.Region)
	}
	if o.Endpoint != "" {
		field("Endpoint", redact.URL(o.Endpoint))
	}
	if o.ResourceConfigEndpoint != "" {
		field("ResourceConfigEndpoint", redact.URL(o.ResourceConfigEndpoint))
	}
	if o.Addressing != AddressingDefault {
		field("Addressing", o.Addressing.String())
	}
	field("Credentials", describe(o.Credentials))
	if o.Signer != nil {
		field("Signer", describe(o.Signer))
	}
	if o.ServiceInstanceID != "" {
		field("ServiceInstanceID", o.ServiceInstanceID)
	}
	if o.UserAgent != "" {
		field("UserAgent", o.UserAgent)
	}
	if o.TLSConfig != nil {
		field("TLSConfig", "set") // its certificates' keys are secrets
	}
	field("Retry", fmt.Sprintf("%+v", o.Retry))
	b.WriteString("}")
	return b.String()
}

// describe shows a credentials provider or signer by its String method,
// or by its type when it has none (its fields might hold secrets).
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%T", v)
}

// GoString is String, so %#v does not reveal credentials either.
func (o Options) GoString() string { return o.String() }

// Format prints o as String does, for every verb.
func (o Options) Format(f fmt.State, verb rune) { redact.Format(f, verb, o.String(), o.GoString()) }

// LogValue logs o without credentials.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// String describes the presigned request with the signature, the session
// token and secret header values (SSE-C keys, tokens) redacted. The URL
// field itself is complete: hand it to the sender, do not log it.
func (p *PresignedRequest) String() string {
	if p == nil {
		return "PresignedRequest(nil)"
	}
	return fmt.Sprintf("PresignedRequest{Method: %s, URL: %s, Header: %s, Expires: %s}",
		p.Method, redact.URL(p.URL), headerString(p.Header), p.Expires.UTC().Format(time.RFC3339))
}

// headerString prints h sorted by name, secret values redacted.
func headerString(h http.Header) string {
	h = redact.Header(h)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("map[")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%q", k, h[k])
	}
	b.WriteString("]")
	return b.String()
}

// GoString is String, so %#v does not reveal the signature either.
func (p *PresignedRequest) GoString() string { return p.String() }

// Format prints p as String does, for every verb.
func (p *PresignedRequest) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, p.String(), p.GoString())
}

// LogValue logs p with the signature, token and secret headers redacted.
func (p *PresignedRequest) LogValue() slog.Value { return slog.StringValue(p.String()) }

// String describes the key without revealing it.
func (k SSECustomer) String() string {
	alg := k.Algorithm
	if alg == "" {
		alg = "AES256"
	}
	key := redact.Mark
	if len(k.Key) == 0 {
		key = `""`
	}
	return "SSECustomer{Algorithm: " + alg + ", Key: " + key + "}"
}

// GoString is String, so %#v does not reveal the key either.
func (k SSECustomer) GoString() string { return k.String() }

// Format prints k as String does, for every verb.
func (k SSECustomer) Format(f fmt.State, verb rune) { redact.Format(f, verb, k.String(), k.GoString()) }

// LogValue logs k without the key.
func (k SSECustomer) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON encodes k with the key redacted.
func (k SSECustomer) MarshalJSON() ([]byte, error) {
	s := struct{ Key, Algorithm string }{redact.Mark, k.Algorithm}
	if len(k.Key) == 0 {
		s.Key = ""
	}
	return json.Marshal(s)
}
