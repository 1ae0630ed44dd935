package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/signer"
)

// DefaultExpiryJitter is the signer.CacheOptions.ExpiryWindowJitter the
// providers of this package use unless their Cache option changes it: the
// five-minute refresh window is shortened by a random fraction of up to a
// quarter, chosen anew for each fetched credentials.
const DefaultExpiryJitter = 0.25

// DefaultMetadataTimeout bounds each request to an instance metadata service
// (EC2 IMDS, Tencent CVM) unless the provider's Timeout option says
// otherwise. It is short on purpose: off those clouds the service is absent
// and a chain must move on quickly.
const DefaultMetadataTimeout = time.Second

// maxResponseBody caps every response body and process output read here.
const maxResponseBody = 1 << 20

// newCache returns the cache every fetching provider sits behind: the
// signer's CredentialsCache with this package's jitter, then the caller's
// option.
func newCache(fetch func(context.Context) (signer.Credentials, error), opt func(*signer.CacheOptions)) *signer.CredentialsCache {
	return signer.NewCredentialsCache(signer.CredentialsFunc(fetch),
		func(o *signer.CacheOptions) { o.ExpiryWindowJitter = DefaultExpiryJitter }, opt)
}

// clockOf returns the clock a Cache option sets (time.Now if none), so that
// a provider's own time checks use the same clock as its cache.
func clockOf(opt func(*signer.CacheOptions)) func() time.Time {
	o := signer.CacheOptions{Now: time.Now}
	if opt != nil {
		opt(&o)
	}
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}

// notFound returns an error that matches signer.ErrNoCredentials: the
// provider has nothing to offer and a chain moves on to the next one.
func notFound(format string, args ...any) error {
	return fmt.Errorf("credentials: "+format+": %w", append(args, signer.ErrNoCredentials)...)
}

// isNotFound reports whether err means "nothing here" to a chain.
func isNotFound(err error) bool { return errors.Is(err, signer.ErrNoCredentials) }

// FileError reports a configuration or credentials file that cannot be
// used: malformed syntax, a missing key, a value of the wrong form. It
// names the file and, where one is to blame, the line (counted from 1;
// zero when the file as a whole is at fault). It never quotes the file's
// contents, which may hold secrets.
type FileError struct {
	Path   string // the file
	Line   int    // the line at fault, from 1; 0 for the whole file
	Reason string // what is wrong, without the file's contents
	Err    error  // the underlying error (such as an *os.PathError), if any
}

// Error returns "credentials: <path>:<line>: <reason>".
func (e *FileError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	msg := "credentials: " + loc + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(path string, line int, format string, args ...any) *FileError {
	return &FileError{Path: path, Line: line, Reason: fmt.Sprintf(format, args...)}
}

// readConfigFile reads a configuration file. A file that does not exist is
// reported as (nil, false, nil); any other failure to read it is a
// *FileError.
func readConfigFile(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, false, nil
		}
		return nil, false, &FileError{Path: path, Reason: "cannot read the file", Err: unwrapPathError(err)}
	}
	return b, true, nil
}

// unwrapPathError drops *os.PathError's repetition of the path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// homePath joins elems under the user's home directory ($HOME on Unix,
// %USERPROFILE% on Windows). It returns "" when there is no home directory.
func homePath(elems ...string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(append([]string{home}, elems...)...)
}

// envTrue reports whether the environment variable holds "true" (any case).
func envTrue(name string) bool { return strings.EqualFold(strings.TrimSpace(os.Getenv(name)), "true") }

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// noRedirects keeps an HTTP client from following redirects: a response
// that redirects a credentials request elsewhere is an error, never a
// reason to send a token or a signed request to another host.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// apiClient returns the client for calls to a cloud API (STS, IAM): base,
// or the default transport, never following redirects.
func apiClient(base *http.Client) *http.Client {
	if base == nil {
		base = &http.Client{}
	}
	c := *base
	c.CheckRedirect = noRedirects
	return &c
}

// metadataClient returns the client for a link-local metadata service:
// base if set (without redirects), otherwise a client that never goes
// through a proxy and gives up connecting after timeout.
func metadataClient(base *http.Client, timeout time.Duration) *http.Client {
	if base != nil {
		return apiClient(base)
	}
	t := &http.Transport{
		Proxy:                 nil, // metadata services are link-local: never via a proxy
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{Transport: t, CheckRedirect: noRedirects}
}

// readBody reads at most maxResponseBody bytes of a response body.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxResponseBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResponseBody {
		return nil, fmt.Errorf("response body larger than %d bytes", maxResponseBody)
	}
	return b, nil
}

// excerpt shortens a server's error text for an error message.
func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	const max = 256
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// parseTime parses an expiry as the services write it: RFC 3339 with or
// without fractional seconds.
func parseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
}

// redact describes whether a secret is set without revealing it.
func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}

// redactValue replaces a set secret with "[redacted]", keeping "" as is.
func redactValue(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// formatRedacted implements fmt.Formatter for types holding secrets: every
// verb prints the redacted description s (quoted for %q), so no verb, flag
// or width can reach the fields.
func formatRedacted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}
