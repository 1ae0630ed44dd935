package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/polystore/polystore/signer"
)

// ProcessOptions configures a ProcessProvider.
type ProcessOptions struct {
	// Stderr receives the command's standard error (prompts, diagnostics).
	// Default os.Stderr.
	Stderr io.Writer
	// Cache adjusts the credentials cache (clock, expiry window, jitter).
	Cache func(*signer.CacheOptions)
}

// ProcessProvider runs an external command that prints credentials, the
// AWS credential_process protocol: the command runs through the shell
// ("sh -c", or "cmd.exe /C" on Windows) and prints one JSON object,
//
//	{"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//	 "SessionToken": "...", "Expiration": "2026-01-02T15:04:05Z"}
//
// SessionToken and Expiration are optional; without an Expiration the keys
// are long-term and the command runs once. With one, the command runs again
// shortly before it. A failing command, other output, or another Version is
// an error, which stops a chain. The run is bounded by the shared refresh's
// 30-second timeout. It is safe for concurrent use.
type ProcessProvider struct {
	cache *signer.CredentialsCache
}

// NewProcess returns a provider that runs command.
func NewProcess(command string, optFns ...func(*ProcessOptions)) *ProcessProvider {
	var o ProcessOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	p := &process{command: command, stderr: o.Stderr, what: "credential_process"}
	return &ProcessProvider{cache: newCache(p.fetch, o.Cache)}
}

// Retrieve returns the command's credentials, from the cache or by running
// it.
func (p *ProcessProvider) Retrieve(ctx context.Context) (signer.Credentials, error) {
	return p.cache.Retrieve(ctx)
}

// Invalidate discards the cached credentials, so the command runs again.
func (p *ProcessProvider) Invalidate() { p.cache.Invalidate() }

// String describes the provider without the command line, which may carry
// secrets.
func (p *ProcessProvider) String() string { return "Process(credential_process)" }

// GoString is String.
func (p *ProcessProvider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p *ProcessProvider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

// process is one credential_process command. what names it in errors
// ("credential_process in profile x (~/.aws/config:12)"); the command line
// itself is never printed.
type process struct {
	command string
	stderr  io.Writer
	what    string
}

// processOutput is the JSON a credential_process prints.
type processOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

func (p *process) fetch(ctx context.Context) (signer.Credentials, error) {
	if strings.TrimSpace(p.command) == "" {
		return signer.Credentials{}, fmt.Errorf("credentials: %s: the command is empty", p.what)
	}
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd.exe", "/C", p.command)
	} else {
		cmd = exec.CommandContext(ctx, "sh", "-c", p.command)
	}
	var out limitedBuffer
	cmd.Stdout = &out
	cmd.Stderr = p.stderr
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: %s: the command did not finish: %w", p.what, ctx.Err())
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return signer.Credentials{}, fmt.Errorf("credentials: %s: the command failed (%s)", p.what, ee.ProcessState)
		}
		return signer.Credentials{}, fmt.Errorf("credentials: %s: running the command: %w", p.what, err)
	}
	if out.over {
		return signer.Credentials{}, fmt.Errorf("credentials: %s: the command printed more than %d bytes", p.what, maxResponseBody)
	}
	var po processOutput
	dec := json.NewDecoder(bytes.NewReader(out.b))
	if err := dec.Decode(&po); err != nil {
		return signer.Credentials{}, fmt.Errorf("credentials: %s: the command's output is not a JSON object", p.what)
	}
	if po.Version != 1 {
		return signer.Credentials{}, fmt.Errorf("credentials: %s: the output's Version is %d; only 1 is known", p.what, po.Version)
	}
	if po.AccessKeyID == "" || po.SecretAccessKey == "" {
		return signer.Credentials{}, fmt.Errorf("credentials: %s: the output has no AccessKeyId or SecretAccessKey", p.what)
	}
	creds := signer.Credentials{AccessKeyID: po.AccessKeyID, SecretAccessKey: po.SecretAccessKey, SessionToken: po.SessionToken}
	if po.Expiration != "" {
		exp, err := parseTime(po.Expiration)
		if err != nil {
			return signer.Credentials{}, fmt.Errorf("credentials: %s: the output's Expiration is not an RFC 3339 time", p.what)
		}
		creds.Expires = exp
	}
	return creds, nil
}

// limitedBuffer keeps the first maxResponseBody bytes written to it.
type limitedBuffer struct {
	b    []byte
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxResponseBody - len(l.b); len(p) > room {
		l.b = append(l.b, p[:max(room, 0)]...)
		l.over = true
		return len(p), nil
	}
	l.b = append(l.b, p...)
	return len(p), nil
}
