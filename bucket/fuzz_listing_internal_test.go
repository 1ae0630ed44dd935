package bucket

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"testing"
)

// FuzzListingDecoder checks the hand-written listing decoder against
// encoding/xml: whatever xml.Unmarshal refuses, decodeListBucketResult
// refuses; what both accept decodes to the same values. Beyond that, the
// decoder refuses exactly what strictUnmarshal adds to xml.Unmarshal's
// refusals (a document that is not exactly one element), so it neither
// accepts too much nor refuses a well-formed listing.
//
// The seeds in testdata/fuzz/FuzzListingDecoder run with every go test;
// scripts/fuzz.sh runs the fuzzer for a while.
func FuzzListingDecoder(f *testing.F) {
	f.Add([]byte(`<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var ours, ref xmlListBucketResult
		errOurs := decodeListBucketResult(bytes.NewReader(doc), &ours)
		errRef := xml.Unmarshal(doc, &ref)
		if errRef != nil && errOurs == nil {
			t.Fatalf("encoding/xml refuses %q (%v); the decoder accepts it as %+v", doc, errRef, ours)
		}
		errStrict := strictUnmarshal(doc)
		if (errOurs == nil) != (errStrict == nil) {
			t.Fatalf("%q: the decoder says %v, strict encoding/xml says %v", doc, errOurs, errStrict)
		}
		if errOurs == nil && !reflect.DeepEqual(ours, ref) {
			t.Fatalf("%q decodes differently:\n ours %+v\n  xml %+v", doc, ours, ref)
		}
	})
}

// strictUnmarshal is xml.Unmarshal into xmlListBucketResult that also
// reads the rest of the document and refuses anything but white space,
// comments, processing instructions and directives around the root
// element.
func strictUnmarshal(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return err // io.EOF: no root element
		}
		if cd, ok := tok.(xml.CharData); ok && !blank(cd) {
			return errors.New("text before the root element")
		}
		if se, ok := tok.(xml.StartElement); ok {
			var v xmlListBucketResult
			if err := d.DecodeElement(&v, &se); err != nil {
				return err
			}
			break
		}
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return errors.New("a second root element")
		case xml.CharData:
			if !blank(t) {
				return errors.New("text after the root element")
			}
		}
	}
}
