package xmlscan

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// events renders what a Scanner reports for doc: "<name" for a Start,
// ">name=text" for an End, "." for Done, "?" for Unsupported.
func events(doc string) string {
	s, err := Read(strings.NewReader(doc))
	if err != nil {
		return err.Error()
	}
	defer s.Release()
	var b strings.Builder
	for {
		switch s.Next() {
		case Start:
			fmt.Fprintf(&b, "<%s@%d ", s.Local(), s.Depth())
		case End:
			fmt.Fprintf(&b, ">%s=%q ", s.Local(), s.Text())
		case Done:
			b.WriteString(".")
			return b.String()
		default:
			b.WriteString("?")
			return b.String()
		}
	}
}

func TestScannerEvents(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`<a/>`, `<a@1 >a="" .`},
		{"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x='1' y = \"2\"><b>t</b> <c/></a>\n", `<a@1 <b@2 >b="t" <c@2 >c="" >a=" " .`},
		{`<p:a><p:b>x&amp;y&#65;&#x42;</p:b></p:a>`, `<a@1 <b@2 >b="x&yAB" >a="" .`},
		{"<a>1\r\n2\r3<b/>4</a>", `<a@1 <b@2 >b="" >a="1\n2\n34" .`},
		{`<:a/>`, `<:a@1 >:a="" .`},       // a leading colon: the whole name is local
		{`<a:/>`, `<a:@1 >a:="" .`},       // a trailing one too
		{`<a>é日🙂</a>`, `<a@1 >a="é日🙂" .`}, // multi-byte text
		{`<a>]]&gt;</a>`, `<a@1 >a="]]>" .`},
		{`<a b="]]>"/>`, `<a@1 >a="" .`},
	} {
		if got := events(c.doc); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.doc, got, c.want)
		}
	}
}

// TestScannerLeavesToEncodingXML lists documents the scanner must not
// decide: outside its subset, or malformed.
func TestScannerLeavesToEncodingXML(t *testing.T) {
	for _, doc := range []string{
		``, ` `, `<a>`, `<a></b>`, `</a>`, `<a/><b/>`, `<a/>x`, `x<a/>`,
		`<a><!-- c --></a>`, `<a><![CDATA[x]]></a>`, `<!DOCTYPE a><a/>`, `<a><?pi x?></a>`,
		`<?xml version="1.1"?><a/>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, `<?xml?><a/>`,
		`<1a/>`, `<-a/>`, `<a:b:c/>`, `<é/>`, `<aé/>`, `< a/>`, `<a / >`, `<a b/>`, `<a b=c/>`, `<a b="<"/>`,
		`<a b="&x;"/>`, `<a>&x;</a>`, `<a>&amp</a>`, `<a>&#;</a>`, `<a>&#0;</a>`, `<a>&#xD800;</a>`, `<a>&#X41;</a>`,
		`<a>&#123456789;</a>`, `<a>]]></a>`, "<a>\x01</a>", "<a>\xff</a>", "<a>\xef\xbf\xbe</a>", "\uFEFF<a/>",
		`<a></a >x`, `<a></a`, `<a><b></a></b>`,
	} {
		if got := events(doc); !strings.HasSuffix(got, "?") {
			t.Errorf("%q: the scanner decides it (%s)", doc, got)
		}
	}
}

// FuzzScanner checks the scanner against encoding/xml's tokenizer on any
// document: one the scanner accepts, encoding/xml accepts with the same
// elements and the same character data.
func FuzzScanner(f *testing.F) {
	for _, doc := range []string{`<a x="1"><b>t&amp;</b><c/></a>`, "<?xml version=\"1.0\"?>\r\n<a>\r\n</a>", `<p:a><p:b>é</p:b></p:a>`} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got := events(string(doc))
		if !strings.HasSuffix(got, ".") {
			return
		}
		if want := tokens(doc); got != want {
			t.Fatalf("%q:\nscanner %s\n    xml %s", doc, got, want)
		}
	})
}

// tokens renders what encoding/xml's Token reads from doc as events does,
// or an error.
func tokens(doc []byte) string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var (
		b     strings.Builder
		texts []string
		roots int
	)
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" && len(texts) == 0 && roots == 1 {
				return b.String() + "."
			}
			return "error: " + err.Error()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			roots += map[bool]int{true: 1}[len(texts) == 0]
			texts = append(texts, "")
			fmt.Fprintf(&b, "<%s@%d ", t.Name.Local, len(texts))
		case xml.EndElement:
			fmt.Fprintf(&b, ">%s=%q ", t.Name.Local, texts[len(texts)-1])
			texts = texts[:len(texts)-1]
		case xml.CharData:
			if len(texts) > 0 {
				texts[len(texts)-1] += string(t)
			}
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int64
		fail bool
	}{{"", 0, false}, {"42", 42, false}, {" 42\n", 42, false}, {"-3", -3, false}, {"x", 0, true}, {"99999999999999999999", 0, true}} {
		n, err := ParseInt([]byte(c.in), 64)
		if (err != nil) != c.fail || (!c.fail && n != c.n) {
			t.Errorf("ParseInt(%q) = %d, %v", c.in, n, err)
		}
	}
	if _, err := ParseInt([]byte("2147483648"), 32); err == nil {
		t.Error("ParseInt of 2^31 into 32 bits: no error")
	}
	for in, want := range map[string]bool{"": false, "true": true, " false ": false, "1": true, "T": true} {
		if v, err := ParseBool([]byte(in)); err != nil || v != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, v, err)
		}
	}
	if _, err := ParseBool([]byte("maybe")); err == nil {
		t.Error("ParseBool(maybe): no error")
	}
}

// BenchmarkScan scans a 1000-key ListObjectsV2 page without decoding it.
func BenchmarkScan(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>`)
	for i := range 1000 {
		fmt.Fprintf(&sb, `<Contents><Key>key-%07d</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>"9dd4e461268c8034f5c8564e155c67a6"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`, i)
	}
	sb.WriteString("</ListBucketResult>")
	doc := []byte(sb.String())
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	var s Scanner
	for b.Loop() {
		s.Reset(doc)
		n := 0
		for k := s.Next(); k != Done; k = s.Next() {
			if k == Unsupported {
				b.Fatal("unsupported")
			}
			n++
		}
		if n != 2*(1+1+5*1000+1000) {
			b.Fatalf("%d events", n)
		}
	}
}
