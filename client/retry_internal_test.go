package client

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var retryAfterNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestRetryAfterClamped(t *testing.T) {
	limit := time.Minute
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"60", time.Minute, true},
		{"61", time.Minute, true},
		{"99999999999999", time.Minute, true},                         // overflowed to a negative wait before
		{"9223372036854775807", time.Minute, true},                    // math.MaxInt64 seconds
		{"99999999999999999999999999999999999999", time.Minute, true}, // beyond int64: still a delay
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{retryAfterNow.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{retryAfterNow.Add(-time.Hour).Format(http.TimeFormat), 0, true},               // in the past: no wait
		{retryAfterNow.AddDate(5000, 0, 0).Format(http.TimeFormat), time.Minute, true}, // far future
		{"Fri, 31 Dec 9999 23:59:59 GMT", time.Minute, true},
	} {
		got, ok := retryAfter(tc.in, retryAfterNow, limit)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// A limit under a second clamps whole seconds too.
	if got, _ := retryAfter("1", retryAfterNow, 250*time.Millisecond); got != 250*time.Millisecond {
		t.Errorf("1s under a 250ms limit: %v", got)
	}
	if got, _ := retryAfter("0", retryAfterNow, 250*time.Millisecond); got != 0 {
		t.Errorf("0s under a 250ms limit: %v", got)
	}
}

// FuzzRetryAfter checks that no header value yields a negative wait or one
// above the limit, and that small second counts are taken as given. The
// seed corpus is in testdata/fuzz/FuzzRetryAfter and runs with go test.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "99999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", ""} {
		f.Add(s, int64(time.Minute))
	}
	f.Fuzz(func(t *testing.T, v string, limitNanos int64) {
		limit := time.Duration(limitNanos)
		d, ok := retryAfter(v, retryAfterNow, limit)
		if d < 0 || d > max(limit, 0) {
			t.Fatalf("retryAfter(%q, limit %v) = %v: outside [0, limit]", v, limit, d)
		}
		if !ok && d != 0 {
			t.Fatalf("retryAfter(%q) = %v without ok", v, d)
		}
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && allDigits(s) && limit >= 0 && n < math.MaxInt64/int64(time.Second) {
			want := min(time.Duration(n)*time.Second, limit)
			if !ok || d != want {
				t.Fatalf("retryAfter(%q, limit %v) = %v, %v; want %v", v, limit, d, ok, want)
			}
		}
	})
}
