package object_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/fuzzwire"
	"github.com/polystore/polystore/object"
)

type fuzzClient struct {
	d      client.Dialect
	w      *fuzzwire.Wire
	o      *object.Client
	bucket string
}

var fuzzClients = sync.OnceValue(func() map[string]*fuzzClient {
	m := map[string]*fuzzClient{}
	for _, d := range fuzzwire.Dialects {
		c, w, err := fuzzwire.Client(d)
		if err != nil {
			panic(err) // the dialect table itself is broken
		}
		b := "photos-2024"
		if d.ValidateBucket != nil && d.ValidateBucket(b) != nil {
			b = "photos-1250000000"
		}
		m[d.Name] = &fuzzClient{d: d, w: w, o: object.NewClient(c), bucket: b}
	}
	return m
})

// objectCalls are the object calls whose answers the fuzz target feeds:
// each returns an error only for an answer that contradicts itself (a
// failed call is fine; a call that succeeds must give a value).
var objectCalls = map[string]func(ctx context.Context, fc *fuzzClient) error{
	"get": func(ctx context.Context, fc *fuzzClient) error {
		return readGet(fc.o.Get(ctx, &object.GetInput{Bucket: fc.bucket, Key: "k"}))
	},
	"get-range": func(ctx context.Context, fc *fuzzClient) error {
		return readGet(fc.o.Get(ctx, &object.GetInput{Bucket: fc.bucket, Key: "k", Offset: 2, Length: 3, ChecksumMode: true}))
	},
	"head": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Head(ctx, &object.HeadInput{Bucket: fc.bucket, Key: "k"})
		return nilOnSuccess(out == nil, err)
	},
	"put": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Put(ctx, &object.PutInput{Bucket: fc.bucket, Key: "k", Body: bytes.NewReader([]byte("hello")), Size: 5})
		return nilOnSuccess(out == nil, err)
	},
	"delete": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Delete(ctx, &object.DeleteInput{Bucket: fc.bucket, Key: "k"})
		return nilOnSuccess(out == nil, err)
	},
	"copy": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Copy(ctx, &object.CopyInput{Bucket: fc.bucket, Key: "k", SourceBucket: fc.bucket, SourceKey: "src"})
		return nilOnSuccess(out == nil, err)
	},
	"append": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Append(ctx, &object.AppendInput{Bucket: fc.bucket, Key: "k", Position: 5, Body: bytes.NewReader([]byte("more")), Size: 4})
		return nilOnSuccess(out == nil, err)
	},
	"delete-objects": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.DeleteObjects(ctx, &object.DeleteObjectsInput{Bucket: fc.bucket, Objects: []object.ObjectID{{Key: "a"}, {Key: "b", VersionID: "v"}}})
		return nilOnSuccess(out == nil, err)
	},
	"acl": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.GetACL(ctx, &object.GetACLInput{Bucket: fc.bucket, Key: "k"})
		return nilOnSuccess(out == nil, err)
	},
	"options": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Options(ctx, &object.OptionsInput{Bucket: fc.bucket, Key: "k", Origin: "https://a.example", Method: "PUT", Headers: []string{"x-a"}})
		return nilOnSuccess(out == nil, err)
	},
	"move": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Move(ctx, &object.MoveInput{Bucket: fc.bucket, Key: "k", SourceBucket: fc.bucket, SourceKey: "src"})
		return nilOnSuccess(out == nil, err)
	},
	"fetch": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.Fetch(ctx, &object.FetchInput{Bucket: fc.bucket, Key: "k", SourceURL: "https://origin.example.com/a"})
		return nilOnSuccess(out == nil, err)
	},
	"legal-holds": func(ctx context.Context, fc *fuzzClient) error {
		out, err := fc.o.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: fc.bucket, Key: "k"})
		return nilOnSuccess(out == nil, err)
	},
}

var errNoValue = errors.New("the call succeeded without a value")

func nilOnSuccess(missing bool, err error) error {
	if err == nil && missing {
		return errNoValue
	}
	return nil
}

// readGet reads and closes a Get's body; an error while reading (a
// checksum that does not match, say) is a fine answer to a hostile body.
func readGet(out *object.GetOutput, err error) error {
	if err != nil {
		return nil
	}
	if out == nil || out.Body == nil {
		return errNoValue
	}
	_, _ = io.Copy(io.Discard, out.Body)
	return out.Body.Close()
}

func callNames() []string {
	names := make([]string, 0, len(objectCalls))
	for n := range objectCalls {
		names = append(names, n)
	}
	// Map order is random; sort so a name the fuzzer made up always picks
	// the same call.
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

// FuzzObjectResponses feeds arbitrary answers (a success status, headers
// as "Name: value" lines, a body) to every object call in every dialect.
// A call must return a value or an error and never panic; a Get's body
// must read to its end or to an error.
//
// Seeds: testdata/fuzz/FuzzObjectResponses.
func FuzzObjectResponses(f *testing.F) {
	f.Add("head", "s3", 200, "ETag: \"e\"\nContent-Length: 5\nLast-Modified: Mon, 02 Jan 2006 15:04:05 GMT", []byte(nil))
	names := callNames()
	f.Fuzz(func(t *testing.T, call, dialect string, status int, header string, body []byte) {
		call = fuzzwire.Pick(names, call)
		fc := fuzzClients()[fuzzwire.Dialect(dialect).Name]
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a safety net
		defer cancel()
		fc.w.Set(fuzzwire.Status(status), fuzzwire.Header(header), body)
		if err := objectCalls[call](ctx, fc); err != nil {
			t.Fatalf("%s %s: %v", fc.d.Name, call, err)
		}
	})
}

// FuzzObjectACLRoundTrip reads an object ACL from an arbitrary answer,
// writes it back as an AccessControlPolicy with its owner (when the write
// accepts it) and checks that the written document reads back the same,
// but for the grantee types the write infers where the answer had none.
func FuzzObjectACLRoundTrip(f *testing.F) {
	f.Add("s3", []byte(`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o1</ID><DisplayName>me</DisplayName></Owner>`+
		`<AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o1</ID></Grantee>`+
		`<Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">`+
		`<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`))
	f.Add("cos", []byte(`<AccessControlPolicy><Owner><ID>qcs::cam::uin/100000000001:uin/100000000001</ID></Owner><AccessControlList><Grant>`+
		`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>qcs::cam::uin/100000000001:uin/100000000001</ID></Grantee>`+
		`<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`))
	f.Fuzz(func(t *testing.T, dialect string, body []byte) {
		fc := fuzzClients()[fuzzwire.Dialect(dialect).Name]
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a safety net
		defer cancel()
		fc.w.Set(http.StatusOK, nil, body)
		got, err := fc.o.GetACL(ctx, &object.GetACLInput{Bucket: fc.bucket, Key: "k"})
		if err != nil {
			return
		}
		owner := got.Owner
		fc.w.Set(http.StatusOK, nil, nil)
		if _, err := fc.o.PutACL(ctx, &object.PutACLInput{Bucket: fc.bucket, Key: "k", Owner: &owner, Grants: got.Grants}); err != nil {
			var ia *client.InvalidArgumentError
			if errors.As(err, &ia) {
				return // polystore would not write this ACL
			}
			t.Fatalf("%s: writing back %+v: %v", fc.d.Name, got, err)
		}
		sent := fc.w.Sent()
		fc.w.Set(http.StatusOK, nil, sent)
		again, err := fc.o.GetACL(ctx, &object.GetACLInput{Bucket: fc.bucket, Key: "k"})
		if err != nil {
			t.Fatalf("%s: %+v was written as %q, which reads back as an error: %v", fc.d.Name, got, sent, err)
		}
		again.RequestID, got.RequestID = "", ""
		// A grantee read without an xsi:type is written with the type
		// PutACL infers for it (CanonicalUser for an ID, ...): that is
		// the one change allowed.
		for i := range again.Grants {
			if i < len(got.Grants) && got.Grants[i].Grantee.Type == "" {
				again.Grants[i].Grantee.Type = ""
			}
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("%s: read %+v, wrote %q, read back %+v", fc.d.Name, got, sent, again)
		}
	})
}
