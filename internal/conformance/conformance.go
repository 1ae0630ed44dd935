// Package conformance is one suite of behaviours that every dialect must
// show, in the shape of gocloud.dev's drivertest: a behaviour is written
// once, and a few-line test file per dialect and server runs them all.
//
// Behaviours that need an optional feature (append, versioning, ...) run
// only where the dialect has it; where it lacks it, the behaviour's
// Unsupported check asserts that the call fails with client.ErrNotSupported
// before any request, so nothing is silently ignored.
package conformance

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/polystore/polystore/client"
)

// Harness describes one server to run the suite against.
type Harness struct {
	// Name labels the run in logs, such as "cos/storagetest".
	Name string
	// NewClient returns a client for the server under test. optFns are
	// applied after the harness's own options.
	NewClient func(t *testing.T, optFns ...func(*client.Options)) *client.Client
	// Observer, when the server is a storagetest server, gives access to
	// its request log; nil for real servers.
	Observer Observer
	// Skip names behaviours this server cannot show, with the reason (a
	// real server's documented gap). Every entry is logged.
	Skip map[string]string
	// MinPartSize overrides the dialect's minimum part size for servers
	// that enforce another (0 = the dialect's).
	MinPartSize int64
}

// Observer reads a test server's request log.
type Observer interface {
	// RequestCount is the number of requests the server has received.
	RequestCount() int
	// PartNumbersUploaded lists the part numbers of every UploadPart
	// request the server received for key, in arrival order.
	PartNumbersUploaded(key string) []int
}

// Behaviour is one checked property of a dialect.
type Behaviour struct {
	Name string
	// Needs lists features the behaviour requires (0 = none).
	Needs client.Feature
	// Run checks the behaviour on a fresh, empty bucket.
	Run func(t *testing.T, e *Env)
	// Unsupported checks, on a dialect without Needs, that the operation is
	// refused with client.ErrNotSupported. Required when Needs is set.
	Unsupported func(t *testing.T, e *Env)
}

// Env is what a behaviour works with.
type Env struct {
	Client  *client.Client
	Dialect *client.Dialect
	// Bucket is a fresh, empty bucket created for this behaviour.
	Bucket  string
	Harness *Harness
	newName func(base string) string
}

// BucketName returns a new valid, unused bucket name (not created).
func (e *Env) BucketName(base string) string { return e.newName(base) }

// MinPartSize is the smallest part size the server accepts.
func (e *Env) MinPartSize() int64 {
	if e.Harness.MinPartSize > 0 {
		return e.Harness.MinPartSize
	}
	return e.Dialect.Limits.MinPartSize
}

var runSeq atomic.Int64

// Run runs every behaviour against h and logs how many passed.
func Run(t *testing.T, h Harness) {
	all := slices.Concat(bucketBehaviours(), objectBehaviours(), multipartBehaviours(), checksumBehaviours(), configBehaviours(), retentionBehaviours())
	run := runSeq.Add(1)
	var seq atomic.Int64
	passed, skipped := 0, 0
	for _, b := range all {
		wasSkipped := false
		ok := t.Run(b.Name, func(t *testing.T) {
			defer func() { wasSkipped = t.Skipped() }()
			if reason, skip := h.Skip[b.Name]; skip {
				t.Skipf("%s: %s", h.Name, reason)
			}
			c := h.NewClient(t)
			d := c.Dialect()
			e := &Env{Client: c, Dialect: d, Harness: &h}
			e.newName = func(base string) string {
				name := fmt.Sprintf("%s-%d-%d", base, run, seq.Add(1))
				name = strings.ToLower(name)
				if d.ValidateBucket != nil && d.ValidateBucket(name) != nil {
					name += "-1250000000"
				}
				return name
			}
			if b.Needs != 0 && !d.Has(b.Needs) {
				if b.Unsupported == nil {
					t.Fatalf("behaviour %s needs a feature %s lacks but has no Unsupported check", b.Name, d.Name)
				}
				e.Bucket = createBucket(t, e)
				b.Unsupported(t, e)
				return
			}
			e.Bucket = createBucket(t, e)
			b.Run(t, e)
		})
		switch {
		case !ok:
		case wasSkipped:
			skipped++
		default:
			passed++
		}
	}
	t.Logf("conformance %s: %d of %d behaviours passed, %d skipped (reasons logged above)", h.Name, passed, len(all), skipped)
}
