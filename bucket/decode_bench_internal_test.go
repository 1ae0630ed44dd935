package bucket

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDecodeListBucketResult decodes one 1000-key ListObjectsV2 page:
// the listing decoder alone, without HTTP.
//
//	go test ./bucket -run '^$' -bench DecodeListBucketResult -benchmem
func BenchmarkDecodeListBucketResult(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><MaxKeys>1000</MaxKeys>` +
		`<IsTruncated>true</IsTruncated><NextContinuationToken>1000</NextContinuationToken>`)
	for i := range 1000 {
		fmt.Fprintf(&sb, `<Contents><Key>key-%07d</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>"9dd4e461268c8034f5c8564e155c67a6"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`, i)
	}
	sb.WriteString("</ListBucketResult>")
	doc := []byte(sb.String())
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var res xmlListBucketResult
		if err := decodeListBucketResult(bytes.NewReader(doc), &res); err != nil {
			b.Fatal(err)
		}
		if len(res.Contents) != 1000 {
			b.Fatalf("%d keys", len(res.Contents))
		}
	}
}
