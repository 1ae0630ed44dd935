package sendprogress

import (
	"context"
	"testing"
)

func TestWithFrom(t *testing.T) {
	if From(context.Background()) != nil {
		t.Fatal("a bare context carries a callback")
	}
	var got int64
	ctx := With(context.Background(), func(n int64) { got = n })
	f := From(ctx)
	if f == nil {
		t.Fatal("no callback")
	}
	f(42)
	if got != 42 {
		t.Errorf("callback saw %d, want 42", got)
	}
}
