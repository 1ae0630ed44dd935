package credentials

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/signer"
)

// countingProvider returns fixed results and counts its calls.
type countingProvider struct {
	creds signer.Credentials
	err   error
	calls atomic.Int64
}

func (p *countingProvider) Retrieve(context.Context) (signer.Credentials, error) {
	p.calls.Add(1)
	return p.creds, p.err
}

func keys(id string) signer.Credentials {
	return signer.Credentials{AccessKeyID: id, SecretAccessKey: "secret-" + id}
}

func TestChainFirstWithKeysWins(t *testing.T) {
	empty := &countingProvider{err: notFound("first: nothing")}
	second := &countingProvider{creds: keys("SECOND")}
	third := &countingProvider{creds: keys("THIRD")}
	c := NewChain(empty, nil, second, third)
	if got := mustRetrieve(t, c); got.AccessKeyID != "SECOND" {
		t.Fatalf("got %s, want SECOND", got.AccessKeyID)
	}
	if third.calls.Load() != 0 {
		t.Errorf("a provider after the winner was asked")
	}
	if n := len(c.Providers()); n != 3 {
		t.Errorf("Providers() has %d entries, want 3 (nil dropped)", n)
	}
}

func TestChainRealErrorStops(t *testing.T) {
	bad := &FileError{Path: "/x/credentials", Line: 7, Reason: "expected \"key = value\""}
	first := &countingProvider{err: notFound("first: nothing")}
	broken := &countingProvider{err: bad}
	later := &countingProvider{creds: keys("LATER")}
	_, err := NewChain(first, broken, later).Retrieve(context.Background())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 7 {
		t.Fatalf("err = %v, want the *FileError", err)
	}
	if errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("a malformed file must not look like 'nothing found'")
	}
	if later.calls.Load() != 0 {
		t.Errorf("the chain went past a real error")
	}
}

func TestChainAllMissing(t *testing.T) {
	c := NewChain(&countingProvider{err: notFound("alpha: none")}, &countingProvider{err: notFound("beta: none")},
		signer.AnonymousCredentials{})
	_, err := c.Retrieve(context.Background())
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, signer.ErrNoCredentials) {
		t.Fatalf("err = %v, want a *NotFoundError matching ErrNoCredentials", err)
	}
	if len(nf.Reasons) != 3 {
		t.Errorf("%d reasons, want 3", len(nf.Reasons))
	}
	for _, want := range []string{"alpha: none", "beta: none", "AnonymousCredentials returned empty credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := NewChain().Retrieve(context.Background()); !errors.Is(err, signer.ErrNoCredentials) {
		t.Errorf("empty chain: err = %v", err)
	}
}

// TestChainRemembersWinner: once a later provider has answered, the chain
// asks it first; when it stops answering, the chain walks again.
func TestChainRemembersWinner(t *testing.T) {
	first := &countingProvider{err: notFound("first: nothing")}
	second := &countingProvider{creds: keys("SECOND")}
	c := NewChain(first, second)
	mustRetrieve(t, c)
	mustRetrieve(t, c)
	mustRetrieve(t, c)
	if n := first.calls.Load(); n != 1 {
		t.Errorf("first provider asked %d times, want 1 (the winner is remembered)", n)
	}
	second.err, second.creds = notFound("second: gone"), signer.Credentials{}
	first.err, first.creds = nil, keys("FIRST")
	if got := mustRetrieve(t, c); got.AccessKeyID != "FIRST" {
		t.Errorf("after the winner found nothing: got %s, want FIRST", got.AccessKeyID)
	}
	c.Invalidate()
	if got := mustRetrieve(t, c); got.AccessKeyID != "FIRST" {
		t.Errorf("after Invalidate: got %s", got.AccessKeyID)
	}
}

func TestChainWinnerRealErrorReturned(t *testing.T) {
	first := &countingProvider{err: notFound("first: nothing")}
	second := &countingProvider{creds: keys("SECOND")}
	c := NewChain(first, second)
	mustRetrieve(t, c)
	boom := errors.New("sts down")
	second.err = boom
	if _, err := c.Retrieve(context.Background()); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the winner's error", err)
	}
}

func TestChainContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := signer.CredentialsFunc(func(ctx context.Context) (signer.Credentials, error) {
		return signer.Credentials{}, notFound("x: %v", ctx.Err())
	})
	_, err := NewChain(p, &countingProvider{creds: keys("B")}).Retrieve(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestChainInvalidatePropagates: Invalidate reaches caching links, so a
// file is read again.
func TestChainInvalidatePropagates(t *testing.T) {
	home := isolate(t)
	path := writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = OLD\naws_secret_access_key = s\n")
	c := NewChain(NewSharedConfig())
	if got := mustRetrieve(t, c); got.AccessKeyID != "OLD" {
		t.Fatalf("got %s", got.AccessKeyID)
	}
	writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = NEW\naws_secret_access_key = s\n")
	if got := mustRetrieve(t, c); got.AccessKeyID != "OLD" {
		t.Errorf("long-term keys are cached: got %s", got.AccessKeyID)
	}
	c.Invalidate()
	if got := mustRetrieve(t, c); got.AccessKeyID != "NEW" {
		t.Errorf("after Invalidate: got %s from %s", got.AccessKeyID, path)
	}
}

func TestEnvProviderPartial(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	_, err := NewS3Chain().Retrieve(context.Background())
	if err == nil || errors.Is(err, signer.ErrNoCredentials) || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("half-set environment: err = %v, want an error naming AWS_SECRET_ACCESS_KEY", err)
	}
}
