package bucket

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/polystore/polystore/internal/xmlscan"
)

var versionsDocs = []string{
	`<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><NextKeyMarker>k2</NextKeyMarker><NextVersionIdMarker>v2</NextVersionIdMarker><MaxKeys>2</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><Version><Key>k%201</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>3</Size><Owner><ID>o</ID><DisplayName>n</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Version><DeleteMarker><Key>k2</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest><LastModified>2024-05-01T10:00:01.000Z</LastModified><Owner><ID>o</ID></Owner></DeleteMarker><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListVersionsResult>`,
	`<ListVersionsResult><Version><Size> 1 </Size><IsLatest> true </IsLatest></Version><Name><Size>2</Size></Name><IsTruncated/></ListVersionsResult>`,
	`<ListVersionsResult><Name><Size>x</Size></Name></ListVersionsResult>`,
	`<ListVersionsResult><Version><IsLatest>maybe</IsLatest></Version></ListVersionsResult>`,
	`<ListVersionsResult><CommonPrefixes><Owner><ID>x</ID></Owner></CommonPrefixes></ListVersionsResult>`,
}

var uploadsDocs = []string{
	`<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker><EncodingType>url</EncodingType><MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated><Upload><Key>k%20</Key><UploadId>u</UploadId><Initiator><ID>i</ID><DisplayName>in</DisplayName></Initiator><Owner><ID>o</ID><DisplayName>on</DisplayName></Owner><StorageClass>STANDARD</StorageClass><Initiated>2024-05-01T10:00:00.000Z</Initiated></Upload><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListMultipartUploadsResult>`,
	`<ListMultipartUploadsResult><Upload><Owner/><Initiator/></Upload><Upload/><IsTruncated>1</IsTruncated></ListMultipartUploadsResult>`,
	`<ListMultipartUploadsResult><IsTruncated>yes</IsTruncated></ListMultipartUploadsResult>`,
}

// localNames drops the namespaces encoding/xml puts in the entries'
// XMLName, which the scanner does not resolve (only Local is used).
func localNames(res *xmlListVersionsResult) {
	for i := range res.Entries {
		res.Entries[i].XMLName.Space = ""
	}
}

// FuzzVersionsDecoder checks decodeListVersions against encoding/xml: it
// refuses what xml.Decoder.Decode refuses, and decodes what it accepts to
// the same values; and whenever the scanner decides a document alone,
// encoding/xml accepts it.
func FuzzVersionsDecoder(f *testing.F) {
	for _, doc := range versionsDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var ours, ref, scanned xmlListVersionsResult
		errOurs := decodeListVersions(bytes.NewReader(doc), &ours)
		errRef := xml.NewDecoder(bytes.NewReader(doc)).Decode(&ref)
		if (errOurs == nil) != (errRef == nil) {
			t.Fatalf("%q: the decoder says %v, encoding/xml says %v", doc, errOurs, errRef)
		}
		localNames(&ours)
		localNames(&ref)
		if errOurs == nil && !reflect.DeepEqual(ours, ref) {
			t.Fatalf("%q decodes differently:\n ours %+v\n  xml %+v", doc, ours, ref)
		}
		s, err := xmlscan.Read(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Release()
		if scanListVersions(s, &scanned) {
			if errRef != nil {
				t.Fatalf("the scanner accepts %q, encoding/xml refuses it: %v", doc, errRef)
			}
			if !reflect.DeepEqual(scanned, ref) {
				t.Fatalf("%q scans differently:\n ours %+v\n  xml %+v", doc, scanned, ref)
			}
		}
	})
}

// FuzzUploadsDecoder is FuzzVersionsDecoder for decodeListUploads.
func FuzzUploadsDecoder(f *testing.F) {
	for _, doc := range uploadsDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var ours, ref, scanned xmlListUploadsResult
		errOurs := decodeListUploads(bytes.NewReader(doc), &ours)
		errRef := xml.NewDecoder(bytes.NewReader(doc)).Decode(&ref)
		if (errOurs == nil) != (errRef == nil) {
			t.Fatalf("%q: the decoder says %v, encoding/xml says %v", doc, errOurs, errRef)
		}
		if errOurs == nil && !reflect.DeepEqual(ours, ref) {
			t.Fatalf("%q decodes differently:\n ours %+v\n  xml %+v", doc, ours, ref)
		}
		s, err := xmlscan.Read(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Release()
		if scanListUploads(s, &scanned) {
			if errRef != nil {
				t.Fatalf("the scanner accepts %q, encoding/xml refuses it: %v", doc, errRef)
			}
			if !reflect.DeepEqual(scanned, ref) {
				t.Fatalf("%q scans differently:\n ours %+v\n  xml %+v", doc, scanned, ref)
			}
		}
	})
}

// TestScannerReadsVersionsAndUploads checks that the well-formed server
// documents among the seeds stay on the scanner.
func TestScannerReadsVersionsAndUploads(t *testing.T) {
	for i, doc := range versionsDocs[:2] {
		s, err := xmlscan.Read(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		var res xmlListVersionsResult
		if !scanListVersions(s, &res) {
			t.Errorf("versions doc %d: the scanner falls back to encoding/xml", i)
		}
		s.Release()
	}
	for i, doc := range uploadsDocs[:2] {
		s, err := xmlscan.Read(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		var res xmlListUploadsResult
		if !scanListUploads(s, &res) {
			t.Errorf("uploads doc %d: the scanner falls back to encoding/xml", i)
		}
		s.Release()
	}
}
