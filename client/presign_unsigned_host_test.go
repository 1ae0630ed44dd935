package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
)

// TestPresignUnsignedHost: COS presigns without the host when asked;
// signers that always sign it refuse the option with ErrNotSupported,
// naming it, and send nothing.
func TestPresignUnsignedHost(t *testing.T) {
	ctx := context.Background()
	for _, d := range client.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			c, err := client.New(d, client.WithRegion(regionOf(d)), client.WithStaticCredentials("AKID", "secret", ""),
				client.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					t.Errorf("presigning sent %s", r.URL)
					return nil, http.ErrNotSupported
				})}))
			if err != nil {
				t.Fatal(err)
			}
			bkt := "photos-bucket"
			if d.Name == client.COS.Name {
				bkt = "photos-1250000000"
			}
			in := &object.GetInput{Bucket: bkt, Key: "cat.jpg"}
			p, err := object.NewClient(c).PresignGet(ctx, in, time.Hour, client.WithPresignUnsignedHost())
			if d.Name == client.COS.Name {
				if err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(p.URL)
				if err != nil {
					t.Fatal(err)
				}
				if got := u.Query().Get("q-header-list"); got != "" {
					t.Errorf("q-header-list %q, want the host left out", got)
				}
				def, err := object.NewClient(c).PresignGet(ctx, in, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				if du, _ := url.Parse(def.URL); du.Query().Get("q-header-list") != "host" {
					t.Errorf("default presign: q-header-list %q, want host", du.Query().Get("q-header-list"))
				}
				return
			}
			var ia *client.InvalidArgumentError
			if !errors.As(err, &ia) || ia.Field != "PresignUnsignedHost" || !errors.Is(err, client.ErrNotSupported) {
				t.Fatalf("%s: %v, want ErrNotSupported on PresignUnsignedHost", d.Name, err)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
