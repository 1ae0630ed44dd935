package bucket

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/polystore/polystore/internal/xmlscan"
)

// scannerDocs are listings as servers send them (S3, MinIO, COS, IBM,
// v1 and v2, with owners, prefixes, URL-encoded names, escaped text,
// CRLF line ends): the scanner must decide every one itself, without
// falling back to encoding/xml.
var scannerDocs = []string{
	`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><ContinuationToken>t0</ContinuationToken><NextContinuationToken>1Ul3Bd+4yk/rBlzyNc6rPOA==</NextContinuationToken><EncodingType>url</EncodingType><Contents><Key>a%20b</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&#34;9dd4e461268c8034f5c8564e155c67a6&#34;</ETag><Size>12</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>c</Key><LastModified>2024-05-01T10:00:01.000Z</LastModified><ETag>"e1-2"</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListBucketResult>`,
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\r\n  <Name>b</Name>\r\n  <Marker>m</Marker>\r\n  <NextMarker>p/z</NextMarker>\r\n  <IsTruncated>false</IsTruncated>\r\n  <Contents>\r\n    <Key>tab\tand &amp; &lt;x&gt; &apos;q&apos; &#xe9;t&#233; é 日本 🙂</Key>\r\n    <Size> 7 </Size>\r\n    <Unknown a='1' b = \"2\"><Key>not this</Key></Unknown>\r\n  </Contents>\r\n</ListBucketResult>\r\n",
	`<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Contents><s3:Key>ns</s3:Key><s3:Owner/></s3:Contents><s3:CommonPrefixes/></s3:ListBucketResult>`,
	`<ListBucketResult/>`,
	`<ListBucketResult><Contents><Key>a<X/>b</Key><Owner><ID>1</ID></Owner><Owner><DisplayName>n</DisplayName></Owner></Contents><IsTruncated></IsTruncated></ListBucketResult>`,
}

// TestScannerReadsServerDocuments checks that the documents servers send
// stay on the scanner (so listing speed does not silently fall back to
// encoding/xml) and decode as xml.Unmarshal decodes them.
func TestScannerReadsServerDocuments(t *testing.T) {
	for i, doc := range scannerDocs {
		var got, want xmlListBucketResult
		s, err := xmlscan.Read(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		ok := scanListBucketResult(s, &got)
		s.Release()
		if !ok {
			t.Errorf("doc %d: the scanner falls back to encoding/xml", i)
			continue
		}
		if err := xml.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("doc %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// TestDecoderFallsBack checks that what the scanner leaves to
// encoding/xml is still decoded, and refused where encoding/xml refuses.
func TestDecoderFallsBack(t *testing.T) {
	for _, doc := range []string{
		`<ListBucketResult><!-- c --><Contents><Key><![CDATA[<k>]]></Key></Contents></ListBucketResult>`,
		`<!DOCTYPE x><ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>`,
		`<ListBucketResult><Contents><Key>&#xD800;</Key><Schlüssel>x</Schlüssel></Contents></ListBucketResult>`,
		"\uFEFF<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
	} {
		s, err := xmlscan.Read(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		var res xmlListBucketResult
		if scanListBucketResult(s, &res) {
			t.Errorf("%q: the scanner read it; this test wants documents it leaves to encoding/xml", doc)
		}
		s.Release()
		var got, want xmlListBucketResult
		if err := decodeListBucketResult(bytes.NewReader([]byte(doc)), &got); err != nil {
			t.Errorf("%q: %v", doc, err)
			continue
		}
		if err := xml.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || len(got.Contents) != 1 {
			t.Errorf("%q:\n got %+v\nwant %+v", doc, got, want)
		}
	}
}
