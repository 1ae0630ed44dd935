package bucket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"iter"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
	"github.com/polystore/polystore/internal/pagingtest"
)

// TestHostileListings runs the hostile-server scenarios of pagingtest
// (cycling tokens, empty truncated pages forever, a repeated or backward
// marker, the same page again) against every bucket listing on every
// dialect whose wire has it.
func TestHostileListings(t *testing.T) {
	var wires []pagingtest.Wire
	for _, d := range allDialects {
		wires = append(wires, objectWires(d)...)
		if d.Has(client.FeatureVersioning) {
			wires = append(wires, versionsWire(d))
		}
		wires = append(wires, uploadsWire(d), bucketsWire(d))
		if d.Bucket.Inventory.Supported {
			wires = append(wires, inventoriesWire(d))
		}
	}
	pagingtest.Run(t, wires...)
}

func keyItem(i int) string { return fmt.Sprintf("key-%05d", i) }

func xmlEscape(s string) string { return html.EscapeString(s) }

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test data only
	}
	return string(b)
}

// collect maps an iterator's entries to names.
func collect[T any](seq iter.Seq2[T, error], name func(T) string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			if err != nil {
				yield("", err)
				return
			}
			if !yield(name(v), nil) {
				return
			}
		}
	}
}

func objectWires(d client.Dialect) []pagingtest.Wire {
	bkt := pagingtest.Bucket(d)
	list := func(api bucket.ListAPI) func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
		return func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
			return collect(bucket.NewClient(c).ListObjects(ctx, &bucket.ListObjectsInput{Bucket: bkt, API: api}),
				func(o bucket.ObjectSummary) string { return o.Key })
		}
	}
	var wires []pagingtest.Wire
	if d.Has(client.FeatureListObjectsV2) {
		wires = append(wires, pagingtest.Wire{
			Name: "ListObjectsV2", Dialect: d, Order: paging.Opaque, Item: keyItem,
			Cursor: func(q url.Values) string { return q.Get(d.Bucket.Objects.TokenParam) },
			Render: func(p pagingtest.Page) string {
				var sb strings.Builder
				fmt.Fprintf(&sb, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>%v</IsTruncated>`, p.More)
				if p.Next != "" {
					fmt.Fprintf(&sb, "<NextContinuationToken>%s</NextContinuationToken>", xmlEscape(p.Next))
				}
				for _, k := range p.Items {
					fmt.Fprintf(&sb, "<Contents><Key>%s</Key><Size>1</Size></Contents>", xmlEscape(k))
				}
				sb.WriteString("</ListBucketResult>")
				return sb.String()
			},
			List: list(bucket.ListAPIV2),
		})
	}
	v1 := pagingtest.Wire{
		Name: "ListObjects", Dialect: d, Order: paging.Keys, Item: keyItem,
		Cursor: func(q url.Values) string { return q.Get(d.Bucket.Objects.MarkerParam) },
		List:   list(bucket.ListAPIV1),
	}
	if d.Codec == client.JSON {
		v1.Render = func(p pagingtest.Page) string {
			keys := make([]map[string]any, 0, len(p.Items))
			for _, k := range p.Items {
				keys = append(keys, map[string]any{"key": k, "size": 1, "modified": 1700000000})
			}
			return jsonText(map[string]any{"keys": keys, "common_prefixes": []string{}, "has_more": p.More, "next_marker": p.Next})
		}
	} else {
		v1.Render = func(p pagingtest.Page) string {
			var sb strings.Builder
			fmt.Fprintf(&sb, `<ListBucketResult><IsTruncated>%v</IsTruncated>`, p.More)
			if p.Next != "" {
				fmt.Fprintf(&sb, "<NextMarker>%s</NextMarker>", xmlEscape(p.Next))
			}
			for _, k := range p.Items {
				fmt.Fprintf(&sb, "<Contents><Key>%s</Key><Size>1</Size></Contents>", xmlEscape(k))
			}
			sb.WriteString("</ListBucketResult>")
			return sb.String()
		}
	}
	return append(wires, v1)
}

// pairWire is a listing paged by a key marker and an id marker; ids are
// "id-" + key.
func pairWire(d client.Dialect, name string, w client.MarkerListWire, xmlRoot, xmlEntry, xmlID, jsonList, jsonID, jsonNextID string,
	list func(ctx context.Context, c *client.Client) iter.Seq2[string, error]) pagingtest.Wire {
	wire := pagingtest.Wire{
		Name: name, Dialect: d, Order: paging.Keys, Item: keyItem,
		Cursor: func(q url.Values) string { return q.Get(w.KeyMarkerParam) },
		List:   list,
	}
	if d.Codec == client.JSON {
		wire.Render = func(p pagingtest.Page) string {
			entries := make([]map[string]any, 0, len(p.Items))
			for _, k := range p.Items {
				entries = append(entries, map[string]any{"key": k, jsonID: "id-" + k})
			}
			doc := map[string]any{jsonList: entries, "has_more": p.More, "next_key_marker": p.Next, "common_prefixes": []string{}}
			if p.Next != "" {
				doc[jsonNextID] = "id-" + p.Next
			}
			return jsonText(doc)
		}
		return wire
	}
	wire.Render = func(p pagingtest.Page) string {
		var sb strings.Builder
		fmt.Fprintf(&sb, "<%s><IsTruncated>%v</IsTruncated>", xmlRoot, p.More)
		if p.Next != "" {
			fmt.Fprintf(&sb, "<NextKeyMarker>%s</NextKeyMarker><Next%sMarker>id-%s</Next%sMarker>", xmlEscape(p.Next), xmlID, xmlEscape(p.Next), xmlID)
		}
		for _, k := range p.Items {
			fmt.Fprintf(&sb, "<%s><Key>%s</Key><%s>id-%s</%s></%s>", xmlEntry, xmlEscape(k), xmlID, xmlEscape(k), xmlID, xmlEntry)
		}
		fmt.Fprintf(&sb, "</%s>", xmlRoot)
		return sb.String()
	}
	return wire
}

func versionsWire(d client.Dialect) pagingtest.Wire {
	bkt := pagingtest.Bucket(d)
	return pairWire(d, "ListObjectVersions", d.Bucket.Versions, "ListVersionsResult", "Version", "VersionId",
		"keys", "version_id", "next_version_id_marker",
		func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
			return collect(bucket.NewClient(c).ListObjectVersions(ctx, &bucket.ListObjectVersionsInput{Bucket: bkt}),
				func(v bucket.ObjectVersion) string { return v.Key })
		})
}

func uploadsWire(d client.Dialect) pagingtest.Wire {
	bkt := pagingtest.Bucket(d)
	return pairWire(d, "ListMultipartUploads", d.Bucket.Uploads, "ListMultipartUploadsResult", "Upload", "UploadId",
		"uploads", "upload_id", "next_upload_id_marker",
		func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
			return collect(bucket.NewClient(c).ListMultipartUploads(ctx, &bucket.ListMultipartUploadsInput{Bucket: bkt}),
				func(u bucket.MultipartUpload) string { return u.Key })
		})
}

func bucketsWire(d client.Dialect) pagingtest.Wire {
	w := d.Bucket.Service
	wire := pagingtest.Wire{
		Name: "ListBuckets", Dialect: d,
		Item:   func(i int) string { return fmt.Sprintf("bucket-%05d", i) },
		Cursor: func(q url.Values) string { return q.Get(w.CursorParam) },
		List: func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
			return collect(bucket.NewClient(c).ListBuckets(ctx, &bucket.ListBucketsInput{PageSize: 2}),
				func(b bucket.BucketSummary) string { return b.Name })
		},
	}
	switch w.Pagination {
	case client.PaginateToken:
		wire.Order = paging.Opaque
		wire.Render = func(p pagingtest.Page) string {
			var sb strings.Builder
			sb.WriteString("<ListAllMyBucketsResult><Buckets>")
			for _, b := range p.Items {
				fmt.Fprintf(&sb, "<Bucket><Name>%s</Name></Bucket>", b)
			}
			sb.WriteString("</Buckets>")
			if p.More {
				fmt.Fprintf(&sb, "<ContinuationToken>%s</ContinuationToken>", xmlEscape(p.Next))
			}
			sb.WriteString("</ListAllMyBucketsResult>")
			return sb.String()
		}
	case client.PaginateMarker:
		wire.Order = paging.Keys
		wire.Render = func(p pagingtest.Page) string {
			var sb strings.Builder
			fmt.Fprintf(&sb, "<ListAllMyBucketsResult><IsTruncated>%v</IsTruncated>", p.More)
			if p.Next != "" {
				fmt.Fprintf(&sb, "<NextMarker>%s</NextMarker>", xmlEscape(p.Next))
			}
			sb.WriteString("<Buckets>")
			for _, b := range p.Items {
				fmt.Fprintf(&sb, "<Bucket><Name>%s</Name></Bucket>", b)
			}
			sb.WriteString("</Buckets></ListAllMyBucketsResult>")
			return sb.String()
		}
	case client.PaginateOffset:
		// The client computes offsets from the page and "count".
		wire.Order, wire.Derived = paging.Numbers, true
		wire.Render = func(p pagingtest.Page) string {
			buckets := make([]map[string]any, 0, len(p.Items))
			for _, b := range p.Items {
				buckets = append(buckets, map[string]any{"name": b})
			}
			total := 0
			if p.More {
				total = 1 << 20
			}
			return jsonText(map[string]any{"count": total, "buckets": buckets})
		}
	}
	return wire
}

func inventoriesWire(d client.Dialect) pagingtest.Wire {
	bkt := pagingtest.Bucket(d)
	return pagingtest.Wire{
		Name: "ListInventories", Dialect: d, Order: paging.Opaque,
		Item:   func(i int) string { return fmt.Sprintf("inv-%05d", i) },
		Cursor: func(q url.Values) string { return q.Get("continuation-token") },
		Render: func(p pagingtest.Page) string {
			var sb strings.Builder
			fmt.Fprintf(&sb, "<ListInventoryConfigurationsResult><IsTruncated>%v</IsTruncated>", p.More)
			if p.Next != "" {
				fmt.Fprintf(&sb, "<NextContinuationToken>%s</NextContinuationToken>", xmlEscape(p.Next))
			}
			for _, id := range p.Items {
				fmt.Fprintf(&sb, "<InventoryConfiguration><Id>%s</Id><IsEnabled>true</IsEnabled></InventoryConfiguration>", id)
			}
			sb.WriteString("</ListInventoryConfigurationsResult>")
			return sb.String()
		},
		List: func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
			return collect(bucket.NewClient(c).ListInventories(ctx, &bucket.ListInventoriesInput{Bucket: bkt}),
				func(inv bucket.InventoryConfiguration) string { return inv.ID })
		},
	}
}

// TestListVersionsFollowsDecoratedMarkers lists versions from a server that
// decorates its key markers with state of its own, as MinIO does
// ("doc[minio_cache:v2,...]"): such markers sort after the key they extend
// but in no useful order with each other, and the listing must follow them.
func TestListVersionsFollowsDecoratedMarkers(t *testing.T) {
	var f fakeServer
	page := func(version, nextKey, nextID string) string {
		more := nextKey != ""
		return fmt.Sprintf(`<ListVersionsResult><IsTruncated>%v</IsTruncated><NextKeyMarker>%s</NextKeyMarker><NextVersionIdMarker>%s</NextVersionIdMarker>`+
			`<Version><Key>doc</Key><VersionId>%s</VersionId></Version></ListVersionsResult>`, more, xmlEscape(nextKey), nextID, version)
	}
	ep := f.start(t, "application/xml", func(q url.Values) string {
		switch q.Get("key-marker") {
		case "":
			return page("v3", "doc[minio_cache:v2,return:]", "v3")
		case "doc[minio_cache:v2,return:]":
			return page("v2", "doc[minio_cache:v2,id:7dfc800b,p:0,s:0]", "v2")
		}
		return page("v1", "", "")
	})
	var got []string
	for v, err := range newClient(t, client.S3, ep).ListObjectVersions(context.Background(), &bucket.ListObjectVersionsInput{Bucket: "photos"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.VersionID)
	}
	if want := []string{"v3", "v2", "v1"}; !slices.Equal(got, want) {
		t.Errorf("versions %q, want %q", got, want)
	}
}
