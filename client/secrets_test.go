package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

const (
	leakSecret = "SECRET-must-never-be-logged-0123456789"
	leakToken  = "SESSION-TOKEN-must-never-be-logged"
	leakAPIKey = "IAM-APIKEY-must-never-be-logged"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretInLogsOrErrors runs every operation of the first slice on
// every dialect with a debug logger, including failures (wrong secret,
// missing object, failed IAM refresh, retries), and greps the log and every
// error string for the secrets.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	var logBuf syncBuffer
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
		}
	}
	ctx := context.Background()
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor, client.IBM} {
		srv := storagetest.NewServer(d, func(o *storagetest.Options) {
			o.AccessKey, o.SecretKey, o.APIKey = "AKIDLEAKTEST", leakSecret, leakAPIKey
		})
		defer srv.Close()
		c, err := srv.Client(client.WithLogger(logger), client.WithRetry(client.RetryPolicy{MinBackoff: 1, MaxBackoff: 2}))
		if err != nil {
			t.Fatal(err)
		}
		name := "leak-test"
		if d.ValidateBucket(name) != nil {
			name += "-1250000000"
		}
		buckets, objects := bucket.NewClient(c), object.NewClient(c)
		_, err = buckets.Create(ctx, &bucket.CreateInput{Bucket: name})
		note(err)
		srv.InjectFault(storagetest.Fault{Status: 503, Code: "SlowDown", Times: 1})
		_, err = objects.Put(ctx, &object.PutInput{Bucket: name, Key: "k", Body: strings.NewReader("v")})
		note(err)
		_, err = objects.Get(ctx, &object.GetInput{Bucket: name, Key: "missing"})
		note(err)

		// A client whose secret (and token) are wrong: refused, logged, errors.
		bad, err := srv.Client(client.WithLogger(logger), client.WithStaticCredentials("AKIDLEAKTEST", leakSecret+"-wrong", leakToken))
		if err != nil {
			t.Fatal(err)
		}
		_, err = object.NewClient(bad).Head(ctx, &object.HeadInput{Bucket: name, Key: "k"})
		if !errors.Is(err, client.ErrAccessDenied) {
			t.Errorf("%s: wrong secret: %v", d.Name, err)
		}
		note(err)
		errs = append(errs, bad.String(), fmt.Sprintf("%v %+v", bad.Options(), bad.Options()))

		// IAM with a wrong key, and with the right one.
		for _, key := range []string{leakAPIKey + "-wrong", leakAPIKey} {
			tokens := signer.NewIAMTokenProvider(key, func(o *signer.IAMOptions) { o.Endpoint = srv.IAMEndpoint() })
			ic, err := srv.Client(client.WithLogger(logger), client.WithSigner(signer.NewBearer(tokens)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = bucket.NewClient(ic).Head(ctx, &bucket.HeadInput{Bucket: name})
			note(err)
			errs = append(errs, fmt.Sprintf("%v %+v %#v", tokens, tokens, ic.Options()))
		}
	}
	log := logBuf.String()
	if !strings.Contains(log, "polystore attempt") || !strings.Contains(log, "polystore retry") {
		t.Fatalf("the debug log is missing attempt/retry records; the test would prove nothing:\n%s", log)
	}
	for _, secret := range []string{leakSecret, leakToken, leakAPIKey, "Authorization", "Bearer "} {
		if strings.Contains(log, secret) {
			t.Errorf("debug log contains %q", secret)
		}
		for _, e := range errs {
			if strings.Contains(e, secret) && secret != "Authorization" {
				t.Errorf("error or String() output contains %q: %s", secret, e)
			}
		}
	}
}
