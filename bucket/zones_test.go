package bucket_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/signer"
	"github.com/polystore/polystore/storagetest"
)

// zoneHosts is client.QingStor with its hosts moved onto a storagetest
// server's virtual-host domain: <bucket>.<zone>.localhost:PORT,
// <zone>.localhost:PORT, and localhost:PORT for qingstor.com.
func zoneHosts(t *testing.T, srv *storagetest.Server) client.Dialect {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	d := client.QingStor
	d.Endpoint = "http://{bucket}.{region}.localhost:" + port
	d.PathEndpoint = "http://{region}.localhost:" + port
	d.Bucket.Service.GlobalEndpoint = "http://localhost:" + port
	// The signer finds the bucket in <bucket>.<zone>.localhost.
	d.NewSigner = func(c client.SignerConfig) signer.Signer {
		return signer.NewQingStor(c.Credentials, func(o *signer.QingStorOptions) {
			o.BucketFromHost = func(host string) (string, bool) {
				labels := strings.Split(host, ".")
				if len(labels) == 3 && labels[2] == "localhost" {
					return labels[0], true
				}
				return "", false
			}
		})
	}
	return d
}

func listNames(t *testing.T, c *client.Client, in *bucket.ListBucketsInput, optFns ...func(*client.Options)) []string {
	t.Helper()
	var names []string
	for b, err := range bucket.NewClient(c).ListBuckets(context.Background(), in, optFns...) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, b.Name+"@"+b.Region)
	}
	slices.Sort(names)
	return names
}

// TestQingStorListBucketsEveryZone: a zone's host lists that zone's
// buckets, the global host every zone's. A client whose zone was not
// chosen lists on the global host; one given a zone (by option or
// QINGSTOR_ZONE) on its zone's host; a listing filtered by another zone
// goes to the global host.
func TestQingStorListBucketsEveryZone(t *testing.T) {
	t.Setenv("QINGSTOR_ZONE", "")
	srv := storagetest.NewServer(client.QingStor, func(o *storagetest.Options) { o.Zones = []string{"sh1a"} })
	defer srv.Close()
	hc := srv.HTTPClient()
	defer hc.CloseIdleConnections()
	d := zoneHosts(t, srv)
	newClient := func(optFns ...func(*client.Options)) *client.Client {
		t.Helper()
		c, err := client.New(d, append([]func(*client.Options){client.WithHTTPClient(hc),
			client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, "")}, optFns...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	for zone, names := range map[string][]string{"pek3b": {"beijing-one", "beijing-two"}, "sh1a": {"shanghai-one"}} {
		c := newClient(client.WithRegion(zone))
		for _, n := range names {
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: n}); err != nil {
				t.Fatalf("create %s in %s: %v", n, zone, err)
			}
		}
	}
	all := []string{"beijing-one@pek3b", "beijing-two@pek3b", "shanghai-one@sh1a"}

	defaulted := newClient()
	if o := defaulted.Options(); !o.RegionDefaulted() || o.Region != "pek3b" {
		t.Fatalf("no zone given: Region %q, RegionDefaulted %v", o.Region, o.RegionDefaulted())
	}
	if got := listNames(t, defaulted, nil); !slices.Equal(got, all) {
		t.Errorf("zone not chosen: listed %v, want every zone's %v", got, all)
	}
	if got := lastHost(t, srv); got != "localhost" {
		t.Errorf("zone not chosen: listed on %q, want the global host", got)
	}
	if got := listNames(t, defaulted, &bucket.ListBucketsInput{Region: "sh1a"}); !slices.Equal(got, all[2:]) {
		t.Errorf("zone not chosen, filtered by sh1a: %v", got)
	}

	chosen := newClient(client.WithRegion("pek3b"))
	if chosen.Options().RegionDefaulted() {
		t.Error("WithRegion(pek3b) counts as defaulted")
	}
	if got := listNames(t, chosen, nil); !slices.Equal(got, all[:2]) {
		t.Errorf("zone pek3b: listed %v, want %v", got, all[:2])
	}
	if got := lastHost(t, srv); got != "pek3b.localhost" {
		t.Errorf("zone pek3b: listed on %q", got)
	}
	// Filtered by another zone: the zone host would list nothing.
	if got := listNames(t, chosen, &bucket.ListBucketsInput{Region: "sh1a"}); !slices.Equal(got, all[2:]) {
		t.Errorf("zone pek3b, filtered by sh1a: listed %v, want %v", got, all[2:])
	}
	// A per-call zone is a chosen zone.
	if got := listNames(t, defaulted, nil, client.WithRegion("sh1a")); !slices.Equal(got, all[2:]) {
		t.Errorf("per-call zone sh1a: listed %v", got)
	}

	t.Setenv("QINGSTOR_ZONE", "sh1a")
	fromEnv := newClient()
	if fromEnv.Options().RegionDefaulted() {
		t.Error("QINGSTOR_ZONE counts as defaulted")
	}
	if got := listNames(t, fromEnv, nil); !slices.Equal(got, all[2:]) {
		t.Errorf("QINGSTOR_ZONE=sh1a: listed %v, want %v", got, all[2:])
	}
}

// TestListBucketsCustomEndpointKept: a custom endpoint is used as it is,
// zone or not.
func TestListBucketsCustomEndpointKept(t *testing.T) {
	t.Setenv("QINGSTOR_ZONE", "")
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()
	c, err := client.New(client.QingStor, client.WithEndpoint(srv.URL),
		client.WithStaticCredentials(storagetest.DefaultAccessKey, storagetest.DefaultSecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Options().RegionDefaulted() {
		t.Fatal("no zone given, yet not defaulted")
	}
	if _, err := bucket.NewClient(c).ListBucketsPage(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got, want := lastHost(t, srv), srv.URL[len("http://"):]; got+portOf(srv.URL) != want {
		t.Errorf("listed on %q, want the custom endpoint %s", got, want)
	}
}

func portOf(raw string) string {
	u, _ := url.Parse(raw)
	return ":" + u.Port()
}

// lastHost is the host (port removed) of the server's last request.
func lastHost(t *testing.T, srv *storagetest.Server) string {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request")
	}
	u := url.URL{Host: reqs[len(reqs)-1].Host}
	return u.Hostname()
}
