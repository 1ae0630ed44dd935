package multipart

import (
	"bytes"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/internal/xmlscan"
)

var partsDocs = []string{
	`<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><Initiator><ID>i</ID></Initiator><Owner><ID>o</ID></Owner><StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>true</IsTruncated><Part><PartNumber>1</PartNumber><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&quot;e1&quot;</ETag><Size>8388608</Size><ChecksumCRC32C>yZRlqg==</ChecksumCRC32C></Part><Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><Size>1</Size></Part></ListPartsResult>`,
	`<ListPartsResult><Part><PartNumber> 3 </PartNumber><Created>x</Created><ChecksumSHA256>a<b/>c</ChecksumSHA256></Part></ListPartsResult>`,
	`<Error><Code>InternalError</Code><Message>m</Message></Error>`,
	`<ListPartsResult><Part><PartNumber>x</PartNumber></Part></ListPartsResult>`,
	`  `,
	`<ListPartsResult/>trailing`,
}

func partsResponse(doc []byte) *http.Response {
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(doc))}
}

// localChecksumNames drops the namespaces encoding/xml puts in the
// checksum elements' XMLName, which the scanner does not resolve (only
// Local is used).
func localChecksumNames(res *listPartsResult) {
	for i := range res.Parts {
		for j := range res.Parts[i].Checksums {
			res.Parts[i].Checksums[j].XMLName.Space = ""
		}
	}
}

// FuzzPartsDecoder checks decodeListParts against opkit.DecodeResult
// (encoding/xml): the same documents refused, the same values decoded;
// and whenever the scanner decides a document alone, DecodeResult
// accepts it with the same values.
func FuzzPartsDecoder(f *testing.F) {
	for _, doc := range partsDocs {
		f.Add([]byte(doc))
	}
	d := &client.S3
	f.Fuzz(func(t *testing.T, doc []byte) {
		var ours, ref, scanned listPartsResult
		errOurs := decodeListParts(d, partsResponse(doc), &ours)
		errRef := opkit.DecodeResult(d, "ListParts", partsResponse(doc), &ref)
		if (errOurs == nil) != (errRef == nil) {
			t.Fatalf("%q: the decoder says %v, DecodeResult says %v", doc, errOurs, errRef)
		}
		localChecksumNames(&ours)
		localChecksumNames(&ref)
		if errOurs == nil && !reflect.DeepEqual(ours, ref) {
			t.Fatalf("%q decodes differently:\n ours %+v\n  xml %+v", doc, ours, ref)
		}
		s, err := xmlscan.Read(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Release()
		if scanListParts(s, &scanned) {
			if errRef != nil {
				t.Fatalf("the scanner accepts %q, DecodeResult refuses it: %v", doc, errRef)
			}
			if !reflect.DeepEqual(scanned, ref) {
				t.Fatalf("%q scans differently:\n ours %+v\n  xml %+v", doc, scanned, ref)
			}
		}
	})
}

// TestScannerReadsParts checks that a server's ListParts answer stays on
// the scanner, and that an <Error> in a 200 does not.
func TestScannerReadsParts(t *testing.T) {
	for i, doc := range partsDocs[:3] {
		s, err := xmlscan.Read(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		var res listPartsResult
		if got, want := scanListParts(s, &res), i < 2; got != want {
			t.Errorf("doc %d: scanned %v, want %v", i, got, want)
		}
		s.Release()
	}
	var res listPartsResult
	if err := decodeListParts(&client.S3, partsResponse([]byte(partsDocs[2])), &res); err == nil {
		t.Error("an <Error> document in a 200 decodes without an error")
	}
}
