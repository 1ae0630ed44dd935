// Package signer authenticates HTTP requests for object-storage services.
//
// It holds one implementation per wire scheme: QingStor's "QS" HMAC-SHA256,
// Tencent COS q-sign (HMAC-SHA1), AWS Signature Version 4 and Version 2, and
// IBM IAM bearer tokens. Every scheme implements [Signer]; schemes that can
// put a signature in a URL also implement [Presigner]. Each scheme also has a
// verifier, used by servers (and by the storagetest package) to check a
// signed request.
//
// Signers sign a request as the server receives it: header values without
// the outer spaces and tabs net/http trims on the wire, every spelling of a
// header name merged as net/http sends them (V4 also collapses inner runs
// of spaces, as its specification says).
//
// No type of the package prints a secret: credentials, tokens, caches,
// the IAM provider and the signers implement String, GoString,
// fmt.Formatter and slog.LogValuer with the secrets redacted, whatever the
// fmt verb.
//
// The package is a leaf: it does not import the polystore client, so it can
// be used with any HTTP client or server.
package signer

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// Signer adds authentication to an outgoing request.
//
// Sign modifies r in place; callers pass a request they own (Transport clones
// the caller's request first). now is the signing time: a new one is passed
// on every attempt, so a retried request carries a fresh signature.
type Signer interface {
	Sign(ctx context.Context, r *http.Request, now time.Time) error
}

// Presigner puts a time-limited signature into a URL, so that a client
// without credentials can send the request.
//
// The returned header holds the headers that were signed and that the
// holder of the URL must send unchanged (Host excluded). expires must be
// positive.
type Presigner interface {
	Presign(ctx context.Context, r *http.Request, now time.Time, expires time.Duration) (*url.URL, http.Header, error)
}

// SecretLookup returns the secret key for an access key id, as a server
// verifying signatures knows it. ok is false for an unknown key.
type SecretLookup func(accessKeyID string) (secret string, ok bool)

// VerifyCode classifies why a signed request was refused.
type VerifyCode string

// Reasons a verifier refuses a request.
const (
	VerifyMissing    VerifyCode = "MissingSignature"   // no Authorization header or query signature
	VerifyMalformed  VerifyCode = "MalformedSignature" // the signature fields cannot be parsed
	VerifyUnknownKey VerifyCode = "InvalidAccessKeyId" // SecretLookup did not know the key
	VerifyMismatch   VerifyCode = "SignatureDoesNotMatch"
	VerifyExpired    VerifyCode = "Expired"              // presigned URL or token past its expiry
	VerifySkewed     VerifyCode = "RequestTimeTooSkewed" // header-signed request too far from now
)

// VerifyError reports why a verifier refused a request. It never holds a
// secret; Reason may quote the string to sign, which holds no secret.
type VerifyError struct {
	Code   VerifyCode
	Reason string
}

// Error describes why the signature was refused.
func (e *VerifyError) Error() string {
	if e.Reason == "" {
		return "signer: " + string(e.Code)
	}
	return "signer: " + string(e.Code) + ": " + e.Reason
}

// ErrNoCredentials is returned when a signer needs credentials and the
// provider returned none.
var ErrNoCredentials = errors.New("signer: no credentials")

// ErrPresignNotSupported is returned by signers that cannot put a signature
// into a URL, such as bearer tokens.
var ErrPresignNotSupported = errors.New("signer: this scheme cannot presign URLs")
