package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// fakeClock is the token provider's clock; the server keeps real time.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func ibmBearer(t *testing.T, apiKey string) (*storagetest.Server, *client.Client, *fakeClock) {
	t.Helper()
	srv := storagetest.NewServer(client.IBM, func(o *storagetest.Options) { o.TokenTTL = time.Hour })
	t.Cleanup(srv.Close)
	if apiKey == "" {
		apiKey = srv.APIKey()
	}
	clock := &fakeClock{}
	tokens := signer.NewIAMTokenProvider(apiKey, func(o *signer.IAMOptions) {
		o.Endpoint = srv.IAMEndpoint()
		o.Now = clock.now
	})
	c, err := srv.Client(client.WithSigner(signer.NewBearer(tokens)), client.WithServiceInstanceID("crn:v1:test"))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, clock
}

func TestIAMOneTokenRequestForConcurrentCallers(t *testing.T) {
	srv, c, clock := ibmBearer(t, "")
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("token requests after first call: %d", n)
	}
	// The cached token is now expired for the client: 100 concurrent
	// requests must share one refresh.
	clock.advance(2 * time.Hour)
	objects := object.NewClient(c)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := objects.Head(ctx, &object.HeadInput{Bucket: "iam-bucket", Key: "missing"})
			if !errors.Is(err, client.ErrNotFound) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("head: %v (want ErrNotFound from an authenticated request)", err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("token requests: %d, want 2 (one initial, one shared refresh)", n)
	}
}

func TestIAMRefreshesNearExpiry(t *testing.T) {
	srv, c, clock := ibmBearer(t, "")
	ctx := context.Background()
	buckets := bucket.NewClient(c)
	if _, err := buckets.Create(ctx, &bucket.CreateInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(30 * time.Minute) // 50% of the TTL: reuse
	if _, err := buckets.Head(ctx, &bucket.HeadInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("token requests at 50%% of TTL: %d, want 1", n)
	}
	clock.advance(20 * time.Minute) // 83%: refresh before use, though not expired
	if _, err := buckets.Head(ctx, &bucket.HeadInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("token requests at 83%% of TTL: %d, want 2", n)
	}
}

func TestIAMFailedRefreshIsTyped(t *testing.T) {
	srv, c, _ := ibmBearer(t, "not-the-right-api-key")
	_, err := bucket.NewClient(c).Head(context.Background(), &bucket.HeadInput{Bucket: "iam-bucket"})
	var iamErr *signer.IAMError
	if !errors.As(err, &iamErr) || !errors.Is(err, signer.ErrIAMTokenRefresh) {
		t.Fatalf("err = %v, want *signer.IAMError matching ErrIAMTokenRefresh", err)
	}
	if iamErr.StatusCode != 400 || iamErr.Code == "" {
		t.Errorf("IAM error fields: %+v", iamErr)
	}
	for _, r := range srv.Requests() {
		if r.Bucket != "" {
			t.Errorf("a storage request was sent without a token: %+v", r)
		}
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("token requests: %d, want 1 (signing errors are not retried)", n)
	}
}

// storageRequests returns the statuses of the storage (non-IAM) requests
// the server logged.
func storageRequests(srv *storagetest.Server) []int {
	var st []int
	for _, r := range srv.Requests() {
		if r.Bucket != "" {
			st = append(st, r.Status)
		}
	}
	return st
}

// TestIAMRefusedTokenIsRefreshedOnce: a token the server refuses as
// expired while the client still thinks it valid (revoked, or the
// server's clock ahead) is discarded, a new one obtained, and the request
// sent once more.
func TestIAMRefusedTokenIsRefreshedOnce(t *testing.T) {
	srv, c, clock := ibmBearer(t, "")
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(5 * time.Minute) // 8% of the TTL: the client keeps using the token
	srv.ExpireTokens()
	srv.ResetLog()
	_, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: "iam-bucket", Key: "missing"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("head: %v, want ErrNotFound from the request sent with a new token", err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("token requests: %d, want 2 (the first, one refresh)", n)
	}
	if st := storageRequests(srv); len(st) != 2 || st[0] != http.StatusForbidden || st[1] != http.StatusNotFound {
		t.Errorf("storage requests answered %v, want [403 404]", st)
	}
}

func TestIAMRefusedTokenOneRefreshForConcurrentCallers(t *testing.T) {
	srv, c, clock := ibmBearer(t, "")
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(5 * time.Minute)
	srv.ExpireTokens()
	objects := object.NewClient(c)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	start := make(chan struct{})
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := objects.Head(ctx, &object.HeadInput{Bucket: "iam-bucket", Key: "missing"})
			if !errors.Is(err, client.ErrNotFound) {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("head: %v (want ErrNotFound after the refresh)", err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("token requests: %d, want 2 (one initial, one shared refresh)", n)
	}
}

// TestIAMYoungTokenRefusalIsADenial: IBM answers a missing permission
// with the same 403 AccessDenied; a token refused right after it was
// issued is kept, and the denial returned without another token request.
func TestIAMYoungTokenRefusalIsADenial(t *testing.T) {
	srv, c, _ := ibmBearer(t, "")
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	srv.ResetLog()
	_, err := object.NewClient(c).Head(ctx, &object.HeadInput{Bucket: "iam-bucket", Key: "k"})
	if !errors.Is(err, client.ErrAccessDenied) {
		t.Fatalf("head: %v, want ErrAccessDenied", err)
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("token requests: %d, want 1 (a token under a minute old is not refreshed)", n)
	}
	if st := storageRequests(srv); len(st) != 1 {
		t.Errorf("storage requests answered %v, want one 403", st)
	}
}

// TestIAMRefusedTokenStreamBody: a one-shot body cannot be sent again, so
// the refusal is returned, but the token is refreshed for the next call.
func TestIAMRefusedTokenStreamBody(t *testing.T) {
	srv, c, clock := ibmBearer(t, "")
	ctx := context.Background()
	if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "iam-bucket"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(5 * time.Minute)
	srv.ExpireTokens()
	objects := object.NewClient(c)
	_, err := objects.Put(ctx, &object.PutInput{Bucket: "iam-bucket", Key: "k", Body: io.MultiReader(strings.NewReader("once")), Size: 4})
	if !errors.Is(err, client.ErrAccessDenied) {
		t.Fatalf("put of a stream: %v, want the refusal (the body cannot be resent)", err)
	}
	if _, err := objects.Head(ctx, &object.HeadInput{Bucket: "iam-bucket", Key: "k"}); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("next call: %v, want ErrNotFound with the refreshed token", err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("token requests: %d, want 2", n)
	}
}
