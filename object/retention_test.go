package object_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// protectedIBM starts an IBM server with a bucket whose protection keeps
// objects 0 to 10 days, 1 by default.
func protectedIBM(t *testing.T) (*storagetest.Server, *object.Client, string) {
	t.Helper()
	srv := storagetest.NewServer(client.IBM)
	t.Cleanup(srv.Close)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const bkt = "vault-bucket"
	b := bucket.NewClient(c)
	if _, err := b.Create(ctx, &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: bkt, Protection: &bucket.ProtectionConfiguration{
		Status: bucket.ProtectionRetention, MinimumRetentionDays: 0, DefaultRetentionDays: 1, MaximumRetentionDays: 10}}); err != nil {
		t.Fatal(err)
	}
	return srv, object.NewClient(c), bkt
}

func TestRetentionWire(t *testing.T) {
	ctx := context.Background()
	srv, objects, bkt := protectedIBM(t)
	until := time.Now().Add(48 * time.Hour).Truncate(time.Second).UTC()
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "a", Body: strings.NewReader("x"),
		Retention: &client.Retention{Until: until, LegalHoldID: "case-7"}}); err != nil {
		t.Fatal(err)
	}
	hd := lastRequest(t, srv).Header
	if got := hd.Get("Retention-Expiration-Date"); got != until.Format("2006-01-02T15:04:05Z") {
		t.Errorf("Retention-Expiration-Date %q", got)
	}
	if got := hd.Get("Retention-Legal-Hold-ID"); got != "case-7" {
		t.Errorf("Retention-Legal-Hold-ID %q", got)
	}
	if _, err := objects.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: bkt, Key: "a", ID: "audit(2)"}); err != nil {
		t.Fatal(err)
	}
	r := lastRequest(t, srv)
	if r.Method != "POST" || !r.Query.Has("legalHold") || r.Query.Get("add") != "audit(2)" || r.Header.Get("Content-MD5") != "1B2M2Y8AsgTpgAmY7PhCfg==" {
		t.Errorf("add legal hold sent %s %v %v", r.Method, r.Query, r.Header)
	}
	for _, tc := range []struct {
		in     object.ExtendRetentionInput
		header string
		value  string
	}{
		{object.ExtendRetentionInput{AdditionalPeriod: time.Hour}, "Additional-Retention-Period", "3600"},
		{object.ExtendRetentionInput{FromNow: 72 * time.Hour}, "Extend-Retention-From-Current-Time", "259200"},
		{object.ExtendRetentionInput{NewPeriod: 96 * time.Hour}, "New-Retention-Period", "345600"},
		{object.ExtendRetentionInput{NewExpiration: until.Add(96 * time.Hour)}, "New-Retention-Expiration-Date", until.Add(96 * time.Hour).Format("2006-01-02T15:04:05Z")},
	} {
		in := tc.in
		in.Bucket, in.Key = bkt, "a"
		if _, err := objects.ExtendRetention(ctx, &in); err != nil {
			t.Errorf("extend with %s: %v", tc.header, err)
		}
		r := lastRequest(t, srv)
		if !r.Query.Has("extendRetention") || r.Header.Get(tc.header) != tc.value {
			t.Errorf("extend sent %v %v; want %s: %s", r.Query, r.Header, tc.header, tc.value)
		}
	}
	out, err := objects.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: bkt, Key: "a"})
	if err != nil {
		t.Fatal(err)
	}
	st := out.Retention
	if !st.Expires.Equal(until.Add(96*time.Hour)) || st.Period != st.Expires.Sub(st.Created) || st.Created.IsZero() {
		t.Errorf("retention %+v", st)
	}
	if len(st.LegalHolds) != 2 || st.LegalHolds[0].ID != "case-7" || st.LegalHolds[1].ID != "audit(2)" || st.LegalHolds[1].Date.IsZero() {
		t.Errorf("legal holds %+v", st.LegalHolds)
	}
	_, err = objects.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: bkt, Key: "a", ID: "case-7"})
	if !errors.Is(err, client.ErrConflict) {
		t.Errorf("second add of a hold: %v, want ErrConflict", err)
	}
	_, err = objects.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: bkt, Key: "missing"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("list on a missing object: %v", err)
	}
}

func TestRetentionValidation(t *testing.T) {
	ctx := context.Background()
	srv, objects, bkt := protectedIBM(t)
	before := len(srv.Requests())
	for _, tc := range []struct {
		field string
		call  func() error
	}{
		{"ID", func() error {
			_, err := objects.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: bkt, Key: "a", ID: strings.Repeat("x", 65)})
			return err
		}},
		{"ID", func() error {
			_, err := objects.RemoveLegalHold(ctx, &object.RemoveLegalHoldInput{Bucket: bkt, Key: "a", ID: "a/b"})
			return err
		}},
		{"Key", func() error {
			_, err := objects.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: bkt})
			return err
		}},
		{"AdditionalPeriod", func() error {
			_, err := objects.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: bkt, Key: "a"})
			return err
		}},
		{"NewExpiration", func() error {
			_, err := objects.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: bkt, Key: "a", NewPeriod: time.Hour, NewExpiration: time.Now()})
			return err
		}},
		{"FromNow", func() error {
			_, err := objects.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: bkt, Key: "a", FromNow: 1500 * time.Millisecond})
			return err
		}},
		{"Retention.Until", func() error {
			_, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "a", Retention: &client.Retention{Period: time.Hour, Until: time.Now()}})
			return err
		}},
		{"Retention.LegalHoldID", func() error {
			_, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "a", Retention: &client.Retention{LegalHoldID: "no spaces"}})
			return err
		}},
		{"Retention", func() error {
			// An unknown-length body longer than a part goes as a
			// multipart upload, which cannot carry a retention.
			_, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "a", PartSize: 5 << 20,
				Body: io.MultiReader(strings.NewReader(strings.Repeat("x", 5<<20+1))), Retention: &client.Retention{}})
			return err
		}},
	} {
		err := tc.call()
		var ia *client.InvalidArgumentError
		if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("got %v, want an invalid argument naming %s", err, tc.field)
		}
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("refused input sent %d requests", n)
	}
}

func TestRetentionNotSupported(t *testing.T) {
	ctx := context.Background()
	for _, d := range []client.Dialect{client.S3, client.COS, client.QingStor} {
		srv := storagetest.NewServer(d)
		c, err := srv.Client()
		if err != nil {
			t.Fatal(err)
		}
		objects := object.NewClient(c)
		bkt := bucketFor(d, "some-bucket")
		for _, call := range []func() error{
			func() error {
				_, err := objects.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: bkt, Key: "k", ID: "h"})
				return err
			},
			func() error {
				_, err := objects.RemoveLegalHold(ctx, &object.RemoveLegalHoldInput{Bucket: bkt, Key: "k", ID: "h"})
				return err
			},
			func() error {
				_, err := objects.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: bkt, Key: "k"})
				return err
			},
			func() error {
				_, err := objects.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: bkt, Key: "k", FromNow: time.Hour})
				return err
			},
			func() error {
				_, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "k", Retention: &client.Retention{}})
				return err
			},
		} {
			if err := call(); !errors.Is(err, client.ErrNotSupported) {
				t.Errorf("%s: %v, want ErrNotSupported", d.Name, err)
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%s: sent %d requests", d.Name, n)
		}
		srv.Close()
	}
}

// onlyReader hides every method of a reader but Read: a body that can be
// read only once.
type onlyReader struct{ io.Reader }

// TestRetentionPutCarriesContentMD5: IBM requires an integrity header
// (Content-MD5 or an x-amz-checksum-* header, immutable.md) with
// retention headers and on every upload to a protected bucket. Put's
// default integrity gives it one (the CRC32C; no second header is
// added), with integrity off it sends the body's Content-MD5, and a body
// that can be read only once is refused with retention set, before
// anything is sent.
func TestRetentionPutCarriesContentMD5(t *testing.T) {
	ctx := context.Background()
	srv, objects, bkt := protectedIBM(t)
	d := &client.IBM
	data := "retained content"
	sum := md5.Sum([]byte(data))
	want := base64.StdEncoding.EncodeToString(sum[:])
	wantCRC := client.ComputeChecksum(client.ChecksumCRC32C, []byte(data))
	retain := func() *client.Retention { return &client.Retention{Period: 24 * time.Hour} }

	// The default integrity: one integrity header, the CRC32C.
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "a", Body: strings.NewReader(data), Retention: retain()}); err != nil {
		t.Fatal(err)
	}
	h := lastRequest(t, srv).Header
	if got, _ := opkit.ResponseChecksum(d, h); !got.Equal(wantCRC) || h.Get("Content-MD5") != "" {
		t.Errorf("PUT with retention: checksum %v, Content-MD5 %q; want the CRC32C %v alone", got, h.Get("Content-MD5"), wantCRC)
	}
	// Integrity off with retention headers: nothing else guards the
	// body, so Put still sends its Content-MD5 (the server would refuse
	// the PUT without).
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "b", Body: strings.NewReader(data), Integrity: client.IntegrityOff,
		Retention: retain()}); err != nil {
		t.Fatal(err)
	}
	if got := lastRequest(t, srv).Header.Get("Content-MD5"); got != want {
		t.Errorf("PUT with retention and integrity off: Content-MD5 %q, want %q", got, want)
	}
	// Integrity off without them is the caller's choice: nothing is
	// added, and the protected bucket refuses the upload.
	_, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "c", Body: strings.NewReader(data), Integrity: client.IntegrityOff})
	if h := lastRequest(t, srv).Header; opkit.HasIntegrityHeader(d, h) {
		t.Errorf("PUT with integrity off carried an integrity header: %v", h)
	}
	var re *client.ResponseError
	if !errors.As(err, &re) || re.Code != "MissingContentMD5" {
		t.Errorf("PUT into a protected bucket with integrity off: %v, want the server's MissingContentMD5", err)
	}
	// A checksum of the caller's own is an integrity header: no MD5.
	crc := client.ComputeChecksum(client.ChecksumCRC32C, []byte(data))
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "e", Body: strings.NewReader(data), Checksum: crc,
		Retention: retain()}); err != nil {
		t.Fatal(err)
	}
	if got := lastRequest(t, srv).Header.Get("Content-MD5"); got != "" {
		t.Errorf("PUT with a checksum got Content-MD5 %q as well", got)
	}

	before := len(srv.Requests())
	_, err = objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "d", Body: onlyReader{strings.NewReader(data)}, Size: int64(len(data)),
		Retention: &client.Retention{Period: 24 * time.Hour}})
	var ia *client.InvalidArgumentError
	if !errors.As(err, &ia) || ia.Field != "Body" || ia.Op != "PutObject" {
		t.Fatalf("one-shot body with retention: %v, want an *InvalidArgumentError on Body", err)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	// The caller's ContentMD5 makes it fine.
	if _, err := objects.Put(ctx, &object.PutInput{Bucket: bkt, Key: "d", Body: onlyReader{strings.NewReader(data)}, Size: int64(len(data)),
		ContentMD5: sum[:], Retention: &client.Retention{Period: 24 * time.Hour}}); err != nil {
		t.Fatal(err)
	}
}

// TestRetentionListShapes: the legal holds of GET ?legalHold are read in
// every shape IBM documents or its SDKs parse: <LegalHoldSet><LegalHold>
// (the API reference's sample), <LegalHolds><LegalHold> (ibm-cos-sdk-java's
// parser) and <LegalHolds><member> (the model ibm-cos-sdk-go and
// ibm-cos-sdk-python parse with, an unflattened list).
func TestRetentionListShapes(t *testing.T) {
	const head = `<?xml version="1.0" encoding="UTF-8"?><RetentionState><CreateTime>Fri, 8 Sep 2018 21:33:08 GMT</CreateTime>` +
		`<RetentionPeriod>220752000</RetentionPeriod><RetentionPeriodExpirationDate>Fri, 1 Sep 2025 21:33:08 GMT</RetentionPeriodExpirationDate>`
	holds := func(wrap, item string) string {
		return "<" + wrap + "><" + item + "><ID>case-1</ID><Date>Fri, 8 Sep 2018 23:13:18 GMT</Date></" + item + ">" +
			"<" + item + "><ID>audit.2</ID><Date>2018-09-09T01:02:03Z</Date></" + item + "></" + wrap + ">"
	}
	for _, tc := range []struct{ name, doc string }{
		{"reference LegalHoldSet", head + holds("LegalHoldSet", "LegalHold") + "</RetentionState>"},
		{"java LegalHolds/LegalHold", head + holds("LegalHolds", "LegalHold") + "</RetentionState>"},
		{"model LegalHolds/member", head + holds("LegalHolds", "member") + "</RetentionState>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !r.URL.Query().Has("legalHold") {
					http.Error(w, "want ?legalHold", http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/xml")
				io.WriteString(w, tc.doc)
			}))
			defer srv.Close()
			c, err := client.New(client.IBM, client.WithEndpoint(srv.URL), client.WithStaticCredentials("AK", "SK", ""))
			if err != nil {
				t.Fatal(err)
			}
			out, err := object.NewClient(c).ListLegalHolds(context.Background(), &object.ListLegalHoldsInput{Bucket: "vault-bucket", Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			st := out.Retention
			if st.Period != 220752000*time.Second || !st.Created.Equal(time.Date(2018, 9, 8, 21, 33, 8, 0, time.UTC)) {
				t.Errorf("retention %+v", st)
			}
			if len(st.LegalHolds) != 2 || st.LegalHolds[0].ID != "case-1" || st.LegalHolds[1].ID != "audit.2" {
				t.Fatalf("legal holds %+v, want case-1 and audit.2", st.LegalHolds)
			}
			if !st.LegalHolds[0].Date.Equal(time.Date(2018, 9, 8, 23, 13, 18, 0, time.UTC)) || !st.LegalHolds[1].Date.Equal(time.Date(2018, 9, 9, 1, 2, 3, 0, time.UTC)) {
				t.Errorf("dates %v, %v", st.LegalHolds[0].Date, st.LegalHolds[1].Date)
			}
		})
	}
}
