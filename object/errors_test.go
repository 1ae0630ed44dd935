package object_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// TestCopyErrorIn200 checks that a copy answered 200 with an error
// document (S3 and COS do this when the copy fails after it started) is
// an error, not a success: retried while the error is transient, then
// returned with the answer's status.
func TestCopyErrorIn200(t *testing.T) {
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			isCopy := func(r *http.Request) bool { return r.Header.Get(d.Object.CopySourceHeader) != "" }
			code := map[bool]string{true: "internal_server_error", false: "InternalError"}[d.Codec == client.JSON]
			srv.InjectFault(storagetest.Fault{Match: isCopy, Status: http.StatusOK, Code: code, Times: 2})
			b := bucketFor(d, "valid-bucket")
			out, err := object.NewClient(c).Copy(context.Background(), &object.CopyInput{Bucket: b, Key: "dst", SourceBucket: b, SourceKey: "src"},
				client.WithMaxAttempts(2))
			var re *client.ResponseError
			if !errors.As(err, &re) || out != nil || re.StatusCode != http.StatusOK || re.Op != "CopyObject" || re.Code != code {
				t.Fatalf("copy = %v, %v; want a *client.ResponseError %s for a 200 with an error body", out, err, code)
			}
			copies := 0
			for _, r := range srv.Requests() {
				if r.Op == "CopyObject" {
					copies++
				}
			}
			if copies != 2 || srv.PendingFaults() != 0 {
				t.Errorf("%d copy requests (%d faults left), want 2: the transient error is retried", copies, srv.PendingFaults())
			}
		})
	}
}

// TestDeleteObjectsPerKeyErrors checks that keys the service could not
// delete come back one by one, with their code, message and kind.
func TestDeleteObjectsPerKeyErrors(t *testing.T) {
	for _, d := range []client.Dialect{client.S3, client.QingStor} {
		t.Run(d.Name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || !r.URL.Query().Has("delete") || r.Header.Get("Content-MD5") == "" {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				if d.Codec == client.JSON {
					fmt.Fprint(w, `{"deleted":[{"key":"a"}],"errors":[{"key":"b","code":"permission_denied","message":"no"}]}`)
					return
				}
				fmt.Fprint(w, `<DeleteResult><Deleted><Key>a</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>m1</DeleteMarkerVersionId></Deleted>`+
					`<Error><Key>b</Key><VersionId>v2</VersionId><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>`)
			}))
			defer srv.Close()
			c, err := client.New(d, client.WithEndpoint(srv.URL), client.WithRegion(d.DefaultRegion),
				client.WithStaticCredentials("AKIDEXAMPLE", "secret", ""))
			if err != nil {
				t.Fatal(err)
			}
			out, err := object.NewClient(c).DeleteObjects(context.Background(), &object.DeleteObjectsInput{
				Bucket: "valid-bucket", Objects: []object.ObjectID{{Key: "a"}, {Key: "b"}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Deleted) != 1 || out.Deleted[0].Key != "a" || len(out.Errors) != 1 {
				t.Fatalf("deleted %+v, errors %v", out.Deleted, out.Errors)
			}
			e := out.Errors[0]
			if e.Key != "b" || e.Message != "no" || !errors.Is(e, client.ErrAccessDenied) {
				t.Errorf("per-key error %+v (%v), want b denied", e, e)
			}
			if d.Codec == client.XML && (!out.Deleted[0].DeleteMarker || out.Deleted[0].DeleteMarkerVersionID != "m1" || e.VersionID != "v2") {
				t.Errorf("versions: deleted %+v, error %+v", out.Deleted[0], e)
			}
		})
	}
}
