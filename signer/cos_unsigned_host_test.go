package signer

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCOSPresignUnsignedHostVectors reproduces, byte for byte, the
// presigned URLs cos-go-sdk-v5's GetPresignedURL computes with signHost
// false (testdata/cos_presign_unsigned_host.json, written by
// vendortest's TestCOSPresignUnsignedHostOracle; testdata/README.md says
// how), in the shape of the shared cos_qsign.json vectors.
func TestCOSPresignUnsignedHostVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/cos_presign_unsigned_host.json")
	if err != nil {
		t.Fatal(err)
	}
	var f cosqsVectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Scheme != "cos_qsign" || len(f.Cases) == 0 {
		t.Fatalf("scheme %q, %d cases", f.Scheme, len(f.Cases))
	}
	for _, raw := range f.Cases {
		var c cosVector
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		t.Run(c.Name, func(t *testing.T) {
			cosqsCheckFields(t, raw, cosVectorFields)
			if c.QHeaderList == nil || strings.Contains(*c.QHeaderList, "host") {
				t.Fatalf("case signs the host: q_header_list %v", c.QHeaderList)
			}
			runCOSVector(t, c)
		})
	}
}

// TestCOSPresignUnsignedHostMethod: the per-URL method leaves the host
// out whatever the options say; the default signs it; both verify, and
// only the host-unsigned one verifies under another host.
func TestCOSPresignUnsignedHostMethod(t *testing.T) {
	ctx := context.Background()
	s := NewCOS(NewStaticCredentials("AKID", "secret", ""))
	now := time.Unix(1700000000, 0)
	r, err := http.NewRequest(http.MethodGet, "https://b-1250000000.cos.ap-beijing.myqcloud.com/k", nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := s.Presign(ctx, r, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, _, err := s.PresignUnsignedHost(ctx, r, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := signed.Query().Get("q-header-list"); got != "host" {
		t.Errorf("Presign: q-header-list %q, want host", got)
	}
	if got := unsigned.Query().Get("q-header-list"); got != "" {
		t.Errorf("PresignUnsignedHost: q-header-list %q, want none", got)
	}
	lookup := func(ak string) (string, bool) { return "secret", ak == "AKID" }
	for _, tc := range []struct {
		name string
		u    string
		host string
		ok   bool
	}{
		{"signed, own host", signed.String(), "", true},
		{"signed, CDN host", signed.String(), "cdn.example.com", false},
		{"unsigned, own host", unsigned.String(), "", true},
		{"unsigned, CDN host", unsigned.String(), "cdn.example.com", true},
	} {
		v, err := http.NewRequest(http.MethodGet, tc.u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.host != "" {
			v.Host = tc.host
		}
		if err := VerifyCOS(v, lookup, now.Add(time.Minute)); (err == nil) != tc.ok {
			t.Errorf("%s: VerifyCOS = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if _, _, err := s.PresignUnsignedHost(ctx, r, now, 0); err == nil {
		t.Error("PresignUnsignedHost took a zero expiry")
	}
}
