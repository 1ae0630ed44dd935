package transfer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/transfer/transferapi"
)

// abortAttempts is how many times the clean-up sends an abort; each one is
// retried by the client's own policy first. An upload left behind keeps
// its parts (and their cost) on the server, so a lost attempt is worth
// another within Options.AbortTimeout.
const abortAttempts = 3

// abortBackoff is the base of the wait between two abort attempts.
const abortBackoff = 200 * time.Millisecond

// cleanupContext returns the context of clean-up requests: it keeps the
// task context's values but not its cancellation (a cancelled task still
// aborts its upload), and ends after Options.AbortTimeout.
func (t *Task) cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(t.parent), t.opts.AbortTimeout)
}

// abortUpload aborts up, trying abortAttempts times while ctx lasts. An
// upload already gone counts as aborted. An abort that still fails is an
// error matching ErrUploadNotAborted that names the upload id.
func abortUpload(ctx context.Context, api transferapi.UploadAPI, up transferapi.UploadRef) error {
	var err error
	for attempt := 0; attempt < abortAttempts; attempt++ {
		if attempt > 0 {
			// Full jitter over a doubling ceiling, as the client's policy.
			t := time.NewTimer(rand.N(abortBackoff<<(attempt-1)) + time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w: upload id %s of %s/%s: %w", ErrUploadNotAborted, up.UploadID, up.Bucket, up.Key, errors.Join(err, context.Cause(ctx)))
			}
		}
		err = api.AbortMultipartUpload(ctx, up)
		if err == nil || errors.Is(err, client.ErrNotFound) {
			return nil
		}
		if !abortRetryable(err) || ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("%w: upload id %s of %s/%s: %w", ErrUploadNotAborted, up.UploadID, up.Bucket, up.Key, err)
}

// abortRetryable reports whether another abort attempt can help: not
// after a refusal that will not change (access denied, bad input).
func abortRetryable(err error) bool {
	return !errors.Is(err, client.ErrAccessDenied) && !errors.Is(err, client.ErrInvalidArgument) && !errors.Is(err, client.ErrNotSupported)
}
