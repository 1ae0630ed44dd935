package bucket_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// fakeServer answers with canned bodies chosen by a function of the
// request, and records the queries it saw.
type fakeServer struct {
	mu      sync.Mutex
	queries []url.Values
}

func (f *fakeServer) start(t *testing.T, contentType string, answer func(q url.Values) string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f.mu.Lock()
		f.queries = append(f.queries, q)
		f.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		fmt.Fprint(w, answer(q))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (f *fakeServer) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queries)
}

func TestListObjectsDecodesURLEncoding(t *testing.T) {
	var f fakeServer
	// What S3 sends for keys "a b+c%d~e/雪.txt" and "dir/x&y" under
	// encoding-type=url, with delimiter "/": names, prefixes and markers
	// are encoded, '+' is a space.
	body := `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix></Prefix><Marker></Marker><MaxKeys>2</MaxKeys>
  <Delimiter>%2F</Delimiter><EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated><NextMarker>dir%2F</NextMarker>
  <Contents><Key>a+b%2Bc%25d~e%2F%E9%9B%AA.txt</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>
  <CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>
</ListBucketResult>`
	ep := f.start(t, "application/xml", func(url.Values) string { return body })
	b := newClient(t, client.S3, ep)
	p, err := b.ListObjectsPage(context.Background(), &bucket.ListObjectsInput{Bucket: "photos", Delimiter: "/", API: bucket.ListAPIV1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Objects[0].Key, "a b+c%d~e/雪.txt"; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	if p.Objects[0].ETag != "abc" || p.Objects[0].Size != 3 || p.Objects[0].LastModified.IsZero() {
		t.Errorf("object %+v", p.Objects[0])
	}
	if !slices.Equal(p.CommonPrefixes, []string{"dir/"}) {
		t.Errorf("prefixes %q", p.CommonPrefixes)
	}
	if !p.IsTruncated || p.NextToken != "dir/" {
		t.Errorf("truncated %v next %q, want the decoded NextMarker", p.IsTruncated, p.NextToken)
	}
	if q := f.queries[0]; q.Get("encoding-type") != "url" || q.Get("delimiter") != "/" || q.Has("list-type") {
		t.Errorf("query %v", q)
	}
}

func TestListObjectsLeavesUnencodedNamesAlone(t *testing.T) {
	// A server that ignores encoding-type sends plain names, which must
	// not be decoded ("a+b" stays "a+b").
	var f fakeServer
	ep := f.start(t, "application/xml", func(url.Values) string {
		return `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a+b%20c</Key><Size>1</Size></Contents></ListBucketResult>`
	})
	b := newClient(t, client.S3, ep)
	var keys []string
	for o, err := range b.ListObjects(context.Background(), &bucket.ListObjectsInput{Bucket: "photos"}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"a+b%20c"}) {
		t.Errorf("keys %q", keys)
	}
}

func TestListObjectsV2Pages(t *testing.T) {
	var f fakeServer
	ep := f.start(t, "application/xml", func(q url.Values) string {
		switch q.Get("continuation-token") {
		case "":
			return `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken>
				<Contents><Key>a</Key></Contents><Contents><Key>c</Key></Contents><CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes></ListBucketResult>`
		case "t1":
			return `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>d</Key></Contents></ListBucketResult>`
		}
		return `<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>`
	})
	b := newClient(t, client.S3, ep)
	var got []string
	for o, err := range b.ListObjects(context.Background(), &bucket.ListObjectsInput{Bucket: "photos", Delimiter: "/", PageSize: 5000, StartAfter: "0"}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.IsPrefix {
			got = append(got, "prefix:"+o.Key)
		} else {
			got = append(got, o.Key)
		}
	}
	if want := []string{"a", "prefix:b/", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q (prefixes merged in name order)", got, want)
	}
	q := f.queries[0]
	if q.Get("list-type") != "2" || q.Get("max-keys") != "1000" || q.Get("start-after") != "0" {
		t.Errorf("first query %v: want list-type=2, max-keys clamped to 1000, start-after", q)
	}
	if f.queries[1].Get("continuation-token") != "t1" {
		t.Errorf("second query %v", f.queries[1])
	}
}

func TestListObjectsV1WithoutNextMarkerUsesLastKey(t *testing.T) {
	var f fakeServer
	ep := f.start(t, "application/xml", func(q url.Values) string {
		if q.Get("marker") == "" {
			return `<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents></ListBucketResult>`
		}
		return `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>c</Key></Contents></ListBucketResult>`
	})
	b := newClient(t, client.COS, ep)
	n := 0
	for _, err := range b.ListObjects(context.Background(), &bucket.ListObjectsInput{Bucket: "photos-1250000000"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 || f.queries[1].Get("marker") != "b" {
		t.Errorf("%d keys, second marker %q", n, f.queries[1].Get("marker"))
	}
}

func TestIteratorsStopOnRepeatedToken(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		dialect client.Dialect
		ctype   string
		body    string
		run     func(b *bucket.Client) error
	}{
		{"v2 same token", client.S3, "application/xml",
			`<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken><Contents><Key>k</Key></Contents></ListBucketResult>`,
			func(b *bucket.Client) error {
				return drain(b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos", ContinuationToken: "same"}))
			}},
		{"v2 token repeated after one page", client.S3, "application/xml",
			`<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken><Contents><Key>k</Key></Contents></ListBucketResult>`,
			func(b *bucket.Client) error {
				return drain(b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos"}))
			}},
		{"truncated without token", client.S3, "application/xml",
			`<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>`,
			func(b *bucket.Client) error {
				return drain(b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos"}))
			}},
		{"qingstor same marker", client.QingStor, "application/json",
			`{"keys":[{"key":"k","size":1,"modified":1700000000}],"has_more":true,"next_marker":"k"}`,
			func(b *bucket.Client) error {
				return drain(b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos-2024"}))
			}},
		{"versions same markers", client.S3, "application/xml",
			`<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextVersionIdMarker>v</NextVersionIdMarker><Version><Key>k</Key><VersionId>v</VersionId></Version></ListVersionsResult>`,
			func(b *bucket.Client) error {
				return drain(b.ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: "photos"}))
			}},
		{"uploads same markers", client.COS, "application/xml",
			`<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker><Upload><Key>k</Key><UploadId>u</UploadId></Upload></ListMultipartUploadsResult>`,
			func(b *bucket.Client) error {
				return drain(b.ListMultipartUploads(ctx, &bucket.ListMultipartUploadsInput{Bucket: "photos-1250000000"}))
			}},
		{"buckets same marker", client.IBM, "application/xml",
			`<ListAllMyBucketsResult><IsTruncated>true</IsTruncated><Buckets><Bucket><Name>b1</Name></Bucket></Buckets></ListAllMyBucketsResult>`,
			func(b *bucket.Client) error { return drain(b.ListBuckets(ctx, nil)) }},
		{"buckets offset ignored", client.QingStor, "application/json",
			`{"count":2,"buckets":[{"name":"b1"},{"name":"b2"}]}`,
			func(b *bucket.Client) error { return drain(b.ListBuckets(ctx, &bucket.ListBucketsInput{PageSize: 2})) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var f fakeServer
			ep := f.start(t, tc.ctype, func(url.Values) string { return tc.body })
			err := tc.run(newClient(t, tc.dialect, ep))
			if !errors.Is(err, bucket.ErrListingStalled) {
				t.Fatalf("got %v, want ErrListingStalled", err)
			}
			var oe *client.OperationError
			if !errors.As(err, &oe) || oe.Op == "" || oe.Dialect != tc.dialect.Name {
				t.Errorf("%v is not an OperationError naming the op and dialect", err)
			}
			if n := f.requests(); n > 3 {
				t.Errorf("%d requests; the iterator should stop at once", n)
			}
		})
	}
}

func TestIteratorBreakSendsNoMore(t *testing.T) {
	var f fakeServer
	ep := f.start(t, "application/xml", func(q url.Values) string {
		tok := q.Get("continuation-token")
		return `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>` + tok + `x</NextContinuationToken>
			<Contents><Key>k` + tok + `1</Key></Contents><Contents><Key>k` + tok + `2</Key></Contents></ListBucketResult>`
	})
	b := newClient(t, client.S3, ep)
	n := 0
	for _, err := range b.ListObjects(context.Background(), &bucket.ListObjectsInput{Bucket: "photos"}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if got := f.requests(); got != 2 {
		t.Errorf("%d requests for 3 keys of 2-key pages, want 2", got)
	}
}

func TestListVersionsKeepsOrder(t *testing.T) {
	var f fakeServer
	ep := f.start(t, "application/xml", func(url.Values) string {
		return `<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
			<DeleteMarker><Key>a%20b</Key><VersionId>3</VersionId><IsLatest>true</IsLatest><LastModified>2024-01-01T00:00:03Z</LastModified></DeleteMarker>
			<Version><Key>a%20b</Key><VersionId>2</VersionId><IsLatest>false</IsLatest><Size>5</Size><ETag>"e2"</ETag></Version>
			<Version><Key>c</Key><VersionId>1</VersionId><IsLatest>true</IsLatest><Size>1</Size></Version>
			<CommonPrefixes><Prefix>d%2F</Prefix></CommonPrefixes></ListVersionsResult>`
	})
	b := newClient(t, client.S3, ep)
	var got []string
	for v, err := range b.ListObjectVersions(context.Background(), &bucket.ListObjectVersionsInput{Bucket: "photos"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s@%s:latest=%v,dm=%v,prefix=%v", v.Key, v.VersionID, v.IsLatest, v.IsDeleteMarker, v.IsPrefix))
	}
	want := []string{
		"a b@3:latest=true,dm=true,prefix=false",
		"a b@2:latest=false,dm=false,prefix=false",
		"c@1:latest=true,dm=false,prefix=false",
		"d/@:latest=false,dm=false,prefix=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if q := f.queries[0]; !q.Has("versions") || q.Get("encoding-type") != "url" {
		t.Errorf("query %v", q)
	}
}

func TestQingStorListings(t *testing.T) {
	var f fakeServer
	ep := f.start(t, "application/json", func(q url.Values) string {
		switch {
		case q.Has("versions"):
			return `{"keys":[{"key":"test.txt","is_latest":true,"delete_marker":true,"version_id":"v2","created":"2022-04-07T02:20:25.000Z","modified":"2022-04-07T02:20:25.000Z"},
				{"key":"test.txt","is_latest":false,"version_id":"v1","size":9,"etag":"\"bbb\"","modified":"2022-04-06T09:33:26.000Z"}],
				"common_prefixes":[],"has_more":false,"next_key_marker":"test.txt","next_version_id_marker":"v1"}`
		case q.Has("uploads"):
			return `{"uploads":[{"created":"2016-12-25T16:02:05.000Z","key":"Movies/a.mp4","upload_id":"44e7"}],"next_key_marker":"","common_prefixes":["Cartoon/"]}`
		case q.Get("marker") == "":
			return `{"name":"b","keys":[{"key":"api.txt","size":38970,"etag":"\"4f44\"","modified":1471878212,"mime_type":"text/plain","storage_class":"STANDARD"}],
				"common_prefixes":["QCI/"],"has_more":true,"next_marker":"api.txt","limit":2}`
		}
		return `{"keys":[{"key":"b.txt","size":1,"modified":1471878213}],"common_prefixes":[],"has_more":false,"next_marker":"b.txt"}`
	})
	b := newClient(t, client.QingStor, ep)
	ctx := context.Background()
	var keys []string
	for o, err := range b.ListObjects(ctx, &bucket.ListObjectsInput{Bucket: "photos-2024", Delimiter: "/", PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
		if o.Key == "api.txt" && (o.ETag != "4f44" || o.ContentType != "text/plain" || o.LastModified.Unix() != 1471878212) {
			t.Errorf("summary %+v", o)
		}
	}
	if want := []string{"QCI/", "api.txt", "b.txt"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if q := f.queries[0]; q.Get("limit") != "2" || q.Has("encoding-type") || q.Has("max-keys") {
		t.Errorf("first query %v", q)
	}
	if f.queries[1].Get("marker") != "api.txt" {
		t.Errorf("second query %v", f.queries[1])
	}

	var versions []string
	for v, err := range b.ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: "photos-2024", KeyMarker: "a", VersionIDMarker: "z"}) {
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, fmt.Sprintf("%s@%s/%v/%d", v.Key, v.VersionID, v.IsDeleteMarker, v.LastModified.Year()))
	}
	if want := []string{"test.txt@v2/true/2022", "test.txt@v1/false/2022"}; !slices.Equal(versions, want) {
		t.Errorf("versions %q", versions)
	}
	q := f.queries[len(f.queries)-1]
	if q.Get("key_marker") != "a" || q.Get("version_id_marker") != "z" {
		t.Errorf("versions query %v", q)
	}

	var uploads []string
	for u, err := range b.ListMultipartUploads(ctx, &bucket.ListMultipartUploadsInput{Bucket: "photos-2024", Delimiter: "/"}) {
		if err != nil {
			t.Fatal(err)
		}
		uploads = append(uploads, u.Key+"|"+u.UploadID)
	}
	if want := []string{"Movies/a.mp4|44e7", "Cartoon/|"}; !slices.Equal(uploads, want) {
		t.Errorf("uploads %q", uploads)
	}
}

func TestListBucketsPagination(t *testing.T) {
	ctx := context.Background()
	t.Run("qingstor offsets", func(t *testing.T) {
		var f fakeServer
		ep := f.start(t, "application/json", func(q url.Values) string {
			switch q.Get("offset") {
			case "":
				return `{"count":3,"buckets":[{"name":"a","location":"pek3b","created":"2015-07-11T04:45:57Z"},{"name":"b"}]}`
			case "2":
				return `{"count":3,"buckets":[{"name":"c"}]}`
			}
			return `{"count":3,"buckets":[]}`
		})
		b := newClient(t, client.QingStor, ep)
		var names []string
		for bk, err := range b.ListBuckets(ctx, &bucket.ListBucketsInput{PageSize: 2, Region: "pek3b"}) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, bk.Name)
		}
		if !slices.Equal(names, []string{"a", "b", "c"}) || f.requests() != 2 {
			t.Errorf("names %q after %d requests", names, f.requests())
		}
	})
	t.Run("ibm extended markers", func(t *testing.T) {
		var f fakeServer
		ep := f.start(t, "application/xml", func(q url.Values) string {
			if !q.Has("extended") {
				return `<Error><Code>WrongAPI</Code></Error>`
			}
			if q.Get("marker") == "" {
				return `<ListAllMyBucketsResult><IsTruncated>true</IsTruncated><Buckets><Bucket><Name>b1</Name><CreationDate>2016-08-18T14:21:36.593Z</CreationDate>
					<LocationConstraint>us-south-standard</LocationConstraint><CreationTemplateId>tmpl</CreationTemplateId></Bucket></Buckets></ListAllMyBucketsResult>`
			}
			return `<ListAllMyBucketsResult><IsTruncated>false</IsTruncated><Buckets><Bucket><Name>b2</Name><LocationConstraint>us-cold</LocationConstraint></Bucket></Buckets></ListAllMyBucketsResult>`
		})
		b := newClient(t, client.IBM, ep)
		var got []string
		for bk, err := range b.ListBuckets(ctx, &bucket.ListBucketsInput{Prefix: "b"}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, bk.Name+"="+bk.LocationConstraint+"/"+bk.CreationTemplateID)
		}
		if want := []string{"b1=us-south-standard/tmpl", "b2=us-cold/"}; !slices.Equal(got, want) {
			t.Errorf("got %q", got)
		}
		if f.queries[1].Get("marker") != "b1" || f.queries[0].Get("prefix") != "b" {
			t.Errorf("queries %v", f.queries)
		}
	})
	t.Run("s3 tokens", func(t *testing.T) {
		var f fakeServer
		ep := f.start(t, "application/xml", func(q url.Values) string {
			if q.Get("continuation-token") == "" {
				return `<ListAllMyBucketsResult><Buckets><Bucket><Name>b1</Name><BucketRegion>us-west-2</BucketRegion></Bucket></Buckets><ContinuationToken>tok</ContinuationToken></ListAllMyBucketsResult>`
			}
			return `<ListAllMyBucketsResult><Buckets><Bucket><Name>b2</Name></Bucket></Buckets></ListAllMyBucketsResult>`
		})
		b := newClient(t, client.S3, ep)
		p, err := b.ListBucketsPage(ctx, &bucket.ListBucketsInput{PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !p.IsTruncated || p.NextToken != "tok" || p.Buckets[0].Region != "us-west-2" {
			t.Errorf("page %+v", p)
		}
		if q := f.queries[0]; q.Get("max-buckets") != "1" {
			t.Errorf("query %v", q)
		}
		p, err = b.ListBucketsPage(ctx, &bucket.ListBucketsInput{ContinuationToken: p.NextToken})
		if err != nil || p.IsTruncated || p.Buckets[0].Name != "b2" {
			t.Errorf("second page %+v, %v", p, err)
		}
	})
}

// TestListObjectsRawCommonPrefixes: a server that answers EncodingType
// url with encoded keys but raw CommonPrefixes (IBM COS, old Ceph RGW)
// must not have its prefixes decoded: "a+b/" would become "a b/" and
// "100%/" an error. Dialects with RawCommonPrefixes take them as they
// come; others decode them like keys.
func TestListObjectsRawCommonPrefixes(t *testing.T) {
	body := `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix></Prefix><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
  <Contents><Key>top%2Bfile%25.txt</Key><Size>1</Size></Contents>
  <CommonPrefixes><Prefix>a+b/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>100%/</Prefix></CommonPrefixes>
</ListBucketResult>`
	ceph := client.S3
	ceph.Name = "ceph"
	ceph.Bucket.Objects.RawCommonPrefixes = true
	if !client.IBM.Bucket.Objects.RawCommonPrefixes || client.S3.Bucket.Objects.RawCommonPrefixes || client.COS.Bucket.Objects.RawCommonPrefixes {
		t.Fatal("RawCommonPrefixes: want IBM only among the built-in dialects")
	}
	for _, d := range []client.Dialect{client.IBM, ceph} {
		t.Run(d.Name, func(t *testing.T) {
			var f fakeServer
			ep := f.start(t, "application/xml", func(url.Values) string { return body })
			b := newClient(t, d, ep)
			p, err := b.ListObjectsPage(context.Background(), &bucket.ListObjectsInput{Bucket: "photos", Delimiter: "/", API: bucket.ListAPIV1})
			if err != nil {
				t.Fatal(err)
			}
			if q := f.queries[0]; q.Get("encoding-type") != "url" {
				t.Errorf("encoding-type not asked: %v", q)
			}
			if len(p.Objects) != 1 || p.Objects[0].Key != "top+file%.txt" {
				t.Errorf("objects %+v: the key is still decoded", p.Objects)
			}
			if !slices.Equal(p.CommonPrefixes, []string{"a+b/", "100%/"}) {
				t.Errorf("prefixes %q, want them as sent", p.CommonPrefixes)
			}
		})
	}
	// S3 encodes prefixes: the same body read as S3 shows the
	// double-decoding a wrong setting causes.
	var f fakeServer
	ep := f.start(t, "application/xml", func(url.Values) string { return body })
	_, err := newClient(t, client.S3, ep).ListObjectsPage(context.Background(), &bucket.ListObjectsInput{Bucket: "photos", Delimiter: "/", API: bucket.ListAPIV1})
	if err == nil {
		t.Error("S3 read a raw \"100%/\" prefix as URL-encoded without an error")
	}
}

// TestListObjectsRawCommonPrefixesEndToEnd lists keys whose prefixes hold
// '+' and '%' through storagetest, which encodes IBM's keys but not its
// CommonPrefixes, and S3's both: every dialect reads them back as stored.
func TestListObjectsRawCommonPrefixesEndToEnd(t *testing.T) {
	ctx := context.Background()
	for _, d := range []client.Dialect{client.IBM, client.S3} {
		t.Run(d.Name, func(t *testing.T) {
			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: "raw-prefixes"}); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"a+b/x", "100%/y", "a b/z"} {
				if _, err := object.NewClient(c).Put(ctx, &object.PutInput{Bucket: "raw-prefixes", Key: k, Body: strings.NewReader(k)}); err != nil {
					t.Fatal(err)
				}
			}
			p, err := bucket.NewClient(c).ListObjectsPage(ctx, &bucket.ListObjectsInput{Bucket: "raw-prefixes", Delimiter: "/"})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"100%/", "a b/", "a+b/"}; !slices.Equal(p.CommonPrefixes, want) {
				t.Errorf("prefixes %q, want %q", p.CommonPrefixes, want)
			}
		})
	}
}
