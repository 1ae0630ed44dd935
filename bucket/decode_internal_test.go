package bucket

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeListBucketResultMatchesReflection checks the token-loop
// decoder against encoding/xml's reflection on the shapes servers send.
func TestDecodeListBucketResultMatchesReflection(t *testing.T) {
	docs := []string{
		`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><Marker></Marker>
<NextMarker>p/z</NextMarker><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
<Contents><Key>p/a%20b</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&quot;e1&quot;</ETag><Size>12</Size>
<Owner><ID>o1</ID><DisplayName>me &amp; you</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key><![CDATA[p/<cdata>&]]></Key><Size> 7 </Size><Unknown><Key>not this</Key></Unknown></Contents>
<CommonPrefixes><Prefix>p/d/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>p/e/</Prefix></CommonPrefixes>
</ListBucketResult>`,
		`<ListBucketResult><KeyCount>1</KeyCount><IsTruncated> false </IsTruncated><ContinuationToken>c</ContinuationToken>
<NextContinuationToken>n+/=</NextContinuationToken><StartAfter>s</StartAfter><Contents><Key>k</Key></Contents></ListBucketResult>`,
		`<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Contents><s3:Key>ns</s3:Key></s3:Contents></s3:ListBucketResult>`,
		`<ListBucketResult/>`,
	}
	for i, doc := range docs {
		var want, got xmlListBucketResult
		if err := xml.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("doc %d: reflection: %v", i, err)
		}
		if err := decodeListBucketResult(strings.NewReader(doc), &got); err != nil {
			t.Fatalf("doc %d: token loop: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("doc %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	for _, bad := range []string{
		`<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>`,
		`<ListBucketResult><Contents><Size>x</Size></Contents></ListBucketResult>`,
		`<ListBucketResult><Contents>`,
		`<ListBucketResult><Contents></ListBucketResult`,
		`<ListBucketResult><Contents><Key>a</Key></Content></ListBucketResult>`, // mismatched end tag
		`<ListBucketResult><s3:Key>a</s4:Key></ListBucketResult>`,               // mismatched prefix
		`<ListBucketResult/><ListBucketResult><Contents><Key>b</Key></Contents></ListBucketResult>`,
		`<ListBucketResult></ListBucketResult></ListBucketResult>`,
		`<ListBucketResult/>trailing text`,
		``,
	} {
		var res xmlListBucketResult
		if err := decodeListBucketResult(strings.NewReader(bad), &res); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
