package client

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"hash/fnv"
	"io"
	"net/http"
	"testing"
	"unicode/utf8"
)

// fuzzDialects are the dialects the fuzz targets pick from by name.
var fuzzDialects = []*Dialect{&S3, &IBM, &COS, &QingStor}

// fuzzDialect returns the dialect named name, or, for a name the fuzzer
// made up, one chosen by its hash, so that every input tests something.
func fuzzDialect(name string) *Dialect {
	for _, d := range fuzzDialects {
		if d.Name == name {
			return d
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return fuzzDialects[h.Sum32()%uint32(len(fuzzDialects))]
}

func fuzzResponse(status int, body []byte) (*http.Response, *countingReader) {
	cr := &countingReader{r: bytes.NewReader(body)}
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(cr)}, cr
}

// FuzzErrorResponse feeds arbitrary error answers to the error decoder and
// to the retry policy's peek at the code. decodeError must return a
// *ResponseError with the answer's status, read at most maxErrorBody
// bytes, and match its own kind; the peek must put back what it read, so
// that the decoder after it finds the same code.
func FuzzErrorResponse(f *testing.F) {
	f.Add("s3", 404, []byte(`<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>`))
	f.Add("qingstor", 401, []byte(`{"code":"signature_not_matched","message":"bad sig","request_id":"Q1","url":"https://docs"}`))
	f.Add("cos", 503, []byte(`<Error><Code>SlowDown</Code><TraceId>t</TraceId></Error>`))
	f.Add("ibm", 500, []byte(""))
	f.Fuzz(func(t *testing.T, dialect string, status int, body []byte) {
		d := fuzzDialect(dialect)
		resp, _ := fuzzResponse(status, body)
		code := peekErrorCode(d, resp)
		e := decodeError(d, "GetObject", resp)
		if e == nil || e.StatusCode != status || e.Dialect != d.Name || e.Op != "GetObject" {
			t.Fatalf("decodeError gave %+v for status %d", e, status)
		}
		if e.Code != code {
			t.Fatalf("the peek found code %q, the decoder after it %q: the peek did not put the body back whole", code, e.Code)
		}
		if k := e.Kind(); k != nil && !errors.Is(e, k) {
			t.Fatalf("%v does not match its own kind %v", e, k)
		}
		_ = e.Error()
		_ = e.ErrorCode()

		resp, counted := fuzzResponse(status, body)
		decodeError(d, "GetObject", resp)
		if counted.n > maxErrorBody {
			t.Fatalf("decodeError read %d bytes; the cap is %d", counted.n, maxErrorBody)
		}
	})
}

// validXMLText reports whether s survives encoding/xml unchanged: valid
// UTF-8 of characters XML 1.0 allows.
func validXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// allValid reports whether valid holds for every string (each on its
// own: halves of a UTF-8 sequence are valid together).
func allValid(valid func(string) bool, ss ...string) bool {
	for _, s := range ss {
		if !valid(s) {
			return false
		}
	}
	return true
}

// FuzzErrorBodyRoundTrip writes error documents the way services do and
// checks the parser reads every field back.
func FuzzErrorBodyRoundTrip(f *testing.F) {
	f.Add(false, "NoSuchKey", "The specified key does not exist.", "4442587FB7D0A2F9", "host/id+=")
	f.Add(true, "object_not_exists", "The object you are accessing does not exist.", "aa08cf7a43f611e5886952542e6ce14b", "https://docs.qingcloud.com/object_storage/api/object/get.html")
	f.Add(false, "a&b<c>", "line\r\nbreak\ttab", "", "")
	f.Fuzz(func(t *testing.T, asJSON bool, code, message, requestID, extra string) {
		if asJSON {
			if !allValid(utf8.ValidString, code, message, requestID, extra) {
				return
			}
			b, err := json.Marshal(jsonError{Code: code, Message: message, RequestID: requestID, URL: extra})
			if err != nil {
				t.Fatal(err)
			}
			c, m, r, h, res := parseErrorBody(&QingStor, b)
			if c != code || m != message || r != requestID || h != "" || res != extra {
				t.Fatalf("%s read back as %q %q %q %q %q", b, c, m, r, h, res)
			}
			return
		}
		if !allValid(validXMLText, code, message, requestID, extra) {
			return
		}
		doc := struct {
			XMLName xml.Name `xml:"Error"`
			xmlError
		}{xmlError: xmlError{Code: code, Message: message, RequestID: requestID, HostID: extra}}
		b, err := xml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		c, m, r, h, _ := parseErrorBody(&S3, b)
		if c != code || m != message || r != requestID || h != extra {
			t.Fatalf("%s read back as %q %q %q %q", b, c, m, r, h)
		}
	})
}

// result is a document decodeResult decodes in the fuzz targets.
type result struct {
	XMLName xml.Name `xml:"Result" json:"-"`
	Name    string   `xml:"Name" json:"name"`
	Size    int64    `xml:"Size" json:"size"`
	Done    bool     `xml:"Done" json:"done"`
}

// FuzzDecodeResult feeds arbitrary 200 answers to decodeResult and to the
// retry policy's peek for an error inside a 200. They must agree: the peek
// finds an error document with code c exactly when decodeResult returns a
// *ResponseError with code c, and the peek puts the body back whole.
func FuzzDecodeResult(f *testing.F) {
	f.Add("s3", []byte(`<CompleteMultipartUploadResult><Location>l</Location></CompleteMultipartUploadResult>`))
	f.Add("s3", []byte("  \n  <Error><Code>InternalError</Code><Message>try again</Message></Error>"))
	f.Add("cos", []byte(`<?xml version="1.0"?><!-- c --><Error><Code>SlowDown</Code></Error>`))
	f.Add("qingstor", []byte(`{"code":"internal_error","message":"m"}`))
	f.Add("qingstor", []byte(`{"name":"n","size":3,"done":true}`))
	f.Add("ibm", []byte(""))
	f.Fuzz(func(t *testing.T, dialect string, body []byte) {
		d := fuzzDialect(dialect)
		resp, _ := fuzzResponse(http.StatusOK, body)
		code, isErr, _ := peekErrorIn200(d, resp)
		var v result
		err := decodeResult(d, "CompleteMultipartUpload", resp, &v)
		var re *ResponseError
		gotErr := errors.As(err, &re)
		// The peek reads at most maxErrorBody bytes; past that it cannot
		// tell, and decodeResult, which reads the whole answer, decides.
		if len(body) <= maxErrorBody && gotErr != isErr {
			t.Fatalf("the peek says error document %v, decodeResult says %v (%v)", isErr, gotErr, err)
		}
		if gotErr {
			if isErr && re.Code != code {
				t.Fatalf("the peek found code %q, decodeResult %q", code, re.Code)
			}
			if re.StatusCode != http.StatusOK || re.Op != "CompleteMultipartUpload" || re.Dialect != d.Name {
				t.Fatalf("error %+v", re)
			}
			if k := re.Kind(); k != nil && !errors.Is(re, k) {
				t.Fatalf("%v does not match its own kind %v", re, k)
			}
		}

		var any result
		resp, _ = fuzzResponse(http.StatusOK, body)
		_ = decodeBody(d, resp, &any)
	})
}

// FuzzDecodeResultRoundTrip encodes a document in each codec and checks
// decodeResult reads it back unchanged.
func FuzzDecodeResultRoundTrip(f *testing.F) {
	f.Add("s3", "key/with spaces & <angles>", int64(5<<20), true)
	f.Add("qingstor", "键", int64(-1), false)
	f.Fuzz(func(t *testing.T, dialect, name string, size int64, done bool) {
		d := fuzzDialect(dialect)
		in := result{Name: name, Size: size, Done: done}
		var b []byte
		var err error
		if d.Codec == JSON {
			if !utf8.ValidString(name) {
				return
			}
			b, err = json.Marshal(in)
		} else {
			if !validXMLText(name) {
				return
			}
			b, err = xml.Marshal(in)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := fuzzResponse(http.StatusOK, b)
		var out result
		if err := decodeResult(d, "Op", resp, &out); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		out.XMLName = in.XMLName
		if out != in {
			t.Fatalf("%s read back as %+v, want %+v", b, out, in)
		}
	})
}
