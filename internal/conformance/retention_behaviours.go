package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
)

// retentionBehaviours are IBM's object legal holds and retention
// extension (client.FeatureRetention). On dialects without them, every
// operation must be refused with client.ErrNotSupported before any
// request.
func retentionBehaviours() []Behaviour {
	return []Behaviour{
		{Name: "ObjectLegalHolds", Needs: client.FeatureRetention, Run: retLegalHolds, Unsupported: retUnsupported},
		{Name: "ObjectRetentionExtend", Needs: client.FeatureRetention, Run: retExtend, Unsupported: retUnsupported},
	}
}

// retOps are the retention operations, called on key "k" of a bucket.
func retOps(e *Env) []cfgOp {
	o := object.NewClient(e.Client)
	return []cfgOp{
		{"AddLegalHold", func(ctx context.Context, bkt string) error {
			_, err := o.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: bkt, Key: "k", ID: "h"})
			return err
		}},
		{"RemoveLegalHold", func(ctx context.Context, bkt string) error {
			_, err := o.RemoveLegalHold(ctx, &object.RemoveLegalHoldInput{Bucket: bkt, Key: "k", ID: "h"})
			return err
		}},
		{"ListLegalHolds", func(ctx context.Context, bkt string) error {
			_, err := o.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: bkt, Key: "k"})
			return err
		}},
		{"ExtendRetention", func(ctx context.Context, bkt string) error {
			_, err := o.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: bkt, Key: "k", AdditionalPeriod: time.Hour})
			return err
		}},
		{"Put with Retention", func(ctx context.Context, bkt string) error {
			_, err := o.Put(ctx, &object.PutInput{Bucket: bkt, Key: "k", Retention: &client.Retention{}})
			return err
		}},
	}
}

func retUnsupported(t *testing.T, e *Env) { cfgUnsupported(t, e, retOps(e)) }

// retProtect gives the behaviour's bucket a protection configuration:
// retention of 0 to 30 days, 0 by default, so that objects written
// without one can be deleted once their legal holds are lifted.
func retProtect(t *testing.T, e *Env) {
	t.Helper()
	_, err := bucket.NewClient(e.Client).PutProtection(bktCtx(t), &bucket.PutProtectionInput{Bucket: e.Bucket, Protection: &bucket.ProtectionConfiguration{
		Status: bucket.ProtectionRetention, MinimumRetentionDays: 0, DefaultRetentionDays: 0, MaximumRetentionDays: 30}})
	bktServerGap(t, e, "bucket protection", err)
	require.NoError(t, err, "put protection")
}

// retHoldIDs returns the IDs of a retention state's legal holds.
func retHoldIDs(st object.RetentionState) []string {
	ids := []string{}
	for _, h := range st.LegalHolds {
		ids = append(ids, h.ID)
	}
	return ids
}

func retLegalHolds(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	retProtect(t, e)
	o := object.NewClient(e.Client)
	const key = "records/ledger.csv"
	if _, err := o.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: key, Body: strings.NewReader("a,b\n")}); err != nil {
		t.Fatalf("put: %v", err)
	}
	list := func(what string) object.RetentionState {
		t.Helper()
		out, err := o.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: e.Bucket, Key: key})
		require.NoError(t, err, "list %s", what)
		return out.Retention
	}
	before := list("before any hold")
	cfgSame(t, "holds before any", retHoldIDs(before), []string{})
	if before.Created.IsZero() || before.Period != 0 || !before.Expires.Equal(before.Created) {
		t.Errorf("retention of an object written with the bucket's default of 0 days: %+v", before)
	}

	for _, id := range []string{"case-2024-17", "audit.q3"} {
		if _, err := o.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: e.Bucket, Key: key, ID: id}); err != nil {
			t.Fatalf("add %s: %v", id, err)
		}
	}
	held := list("after adding two holds")
	cfgSame(t, "holds after adding two", retHoldIDs(held), []string{"case-2024-17", "audit.q3"})
	want := before
	want.LegalHolds = held.LegalHolds
	cfgSame(t, "retention beside the holds", held, want)
	for _, h := range held.LegalHolds {
		if h.Date.IsZero() {
			t.Errorf("hold %s has no date", h.ID)
		}
	}
	_, err := o.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: e.Bucket, Key: key, ID: "audit.q3"})
	bktWant(t, "adding a hold the object has", err, client.ErrConflict)
	_, err = o.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key})
	bktWant(t, "deleting a held object", err, client.ErrAccessDenied)

	if _, err := o.RemoveLegalHold(ctx, &object.RemoveLegalHoldInput{Bucket: e.Bucket, Key: key, ID: "case-2024-17"}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	cfgSame(t, "holds after removing one", retHoldIDs(list("after removing one")), []string{"audit.q3"})
	if _, err := o.RemoveLegalHold(ctx, &object.RemoveLegalHoldInput{Bucket: e.Bucket, Key: key, ID: "audit.q3"}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	cfgSame(t, "holds after removing both", list("after removing both"), before)
	if _, err := o.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key}); err != nil {
		t.Errorf("delete once the holds are lifted: %v", err)
	}

	cfgRefused(t, e, "AddLegalHold with a 65-character ID", "ID", client.ErrInvalidArgument, func() error {
		_, err := o.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: e.Bucket, Key: key, ID: strings.Repeat("h", 65)})
		return err
	})
	cfgRefused(t, e, "RemoveLegalHold without an ID", "ID", client.ErrInvalidArgument, func() error {
		_, err := o.RemoveLegalHold(ctx, &object.RemoveLegalHoldInput{Bucket: e.Bucket, Key: key})
		return err
	})
	cfgRefused(t, e, "ListLegalHolds without a key", "Key", client.ErrInvalidArgument, func() error {
		_, err := o.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: e.Bucket})
		return err
	})
	cfgBadBucket(t, e, retOps(e)[:3])
}

func retExtend(t *testing.T, e *Env) {
	ctx := bktCtx(t)
	retProtect(t, e)
	o := object.NewClient(e.Client)
	const key = "records/contract.pdf"
	if _, err := o.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: key, Body: strings.NewReader("%PDF"),
		Retention: &client.Retention{Period: 24 * time.Hour}}); err != nil {
		t.Fatalf("put: %v", err)
	}
	list := func() object.RetentionState {
		t.Helper()
		out, err := o.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: e.Bucket, Key: key})
		require.NoError(t, err, "list")
		return out.Retention
	}
	st := list()
	want := object.RetentionState{Created: st.Created, Period: 24 * time.Hour, Expires: st.Created.Add(24 * time.Hour)}
	cfgSame(t, "retention as written", st, want)

	if _, err := o.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: e.Bucket, Key: key, AdditionalPeriod: 12 * time.Hour}); err != nil {
		t.Fatalf("extend by 12h: %v", err)
	}
	want.Period, want.Expires = 36*time.Hour, want.Created.Add(36*time.Hour)
	cfgSame(t, "retention extended by 12h", list(), want)

	if _, err := o.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: e.Bucket, Key: key, NewPeriod: 72 * time.Hour}); err != nil {
		t.Fatalf("new period of 72h: %v", err)
	}
	want.Period, want.Expires = 72*time.Hour, want.Created.Add(72*time.Hour)
	cfgSame(t, "retention with a new period", list(), want)

	_, err := o.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: e.Bucket, Key: key, NewPeriod: 48 * time.Hour})
	bktWant(t, "shortening a retention", err, client.ErrInvalidArgument)
	cfgSame(t, "retention after a refused shortening", list(), want)
	_, err = o.Delete(ctx, &object.DeleteInput{Bucket: e.Bucket, Key: key})
	bktWant(t, "deleting an object under retention", err, client.ErrAccessDenied)

	cfgRefused(t, e, "ExtendRetention with two extensions", "NewExpiration", client.ErrInvalidArgument, func() error {
		_, err := o.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: e.Bucket, Key: key, AdditionalPeriod: time.Hour, NewExpiration: time.Now().Add(96 * time.Hour)})
		return err
	})
	cfgRefused(t, e, "Put with Period and Until", "Retention.Until", client.ErrInvalidArgument, func() error {
		_, err := o.Put(ctx, &object.PutInput{Bucket: e.Bucket, Key: "other", Retention: &client.Retention{Period: time.Hour, Until: time.Now()}})
		return err
	})
	cfgBadBucket(t, e, retOps(e)[3:4])
}
