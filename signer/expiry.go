package signer

import (
	"fmt"
	"time"
)

// ExpiryError reports an invalid expiry for a presigned URL: not positive,
// or longer than the scheme allows (SigV4: 7 days).
type ExpiryError struct {
	Expires time.Duration
	Max     time.Duration // 0 when the scheme has no upper bound
}

// Error describes the expiry that was refused.
func (e *ExpiryError) Error() string {
	if e.Expires <= 0 {
		return fmt.Sprintf("signer: expires %v: must be positive", e.Expires)
	}
	return fmt.Sprintf("signer: expires %v: must be at most %v", e.Expires, e.Max)
}

// checkExpiry returns an *ExpiryError if expires is not in (0, max]; a zero
// max means no upper bound.
func checkExpiry(expires, max time.Duration) error {
	if expires <= 0 || (max > 0 && expires > max) {
		return &ExpiryError{Expires: expires, Max: max}
	}
	return nil
}
