package bucket

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/polystore/polystore/internal/xmlscan"
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

// FuzzListingScanner checks the scanner path alone: whenever
// scanListBucketResult decides a document, strict encoding/xml accepts it
// and xml.Unmarshal decodes it to the same values. (A document the
// scanner does not decide goes to the token decoder, which
// FuzzListingDecoder checks.) It runs on FuzzListingDecoder's seeds too.
func FuzzListingScanner(f *testing.F) {
	for _, doc := range scannerDocs {
		f.Add([]byte(doc))
	}
	addSeeds(f, "testdata/fuzz/FuzzListingDecoder")
	f.Fuzz(func(t *testing.T, doc []byte) {
		var ours, ref xmlListBucketResult
		s, err := xmlscan.Read(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		ok := scanListBucketResult(s, &ours)
		s.Release()
		if !ok {
			return
		}
		if err := strictUnmarshal(doc); err != nil {
			t.Fatalf("the scanner accepts %q, strict encoding/xml refuses it: %v", doc, err)
		}
		if err := xml.Unmarshal(doc, &ref); err != nil {
			t.Fatalf("the scanner accepts %q, encoding/xml refuses it: %v", doc, err)
		}
		if !reflect.DeepEqual(ours, ref) {
			t.Fatalf("%q decodes differently:\n ours %+v\n  xml %+v", doc, ours, ref)
		}
	})
}

// addSeeds adds the seed corpus of another fuzz target.
func addSeeds(f *testing.F, dir string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		// go test fuzz v1 files hold one []byte("...") line.
		_, lit, ok := strings.Cut(string(b), "[]byte(")
		if !ok {
			continue
		}
		v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(lit), ")"))
		if err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		f.Add([]byte(v))
	}
}
