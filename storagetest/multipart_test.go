package storagetest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/crc64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

// initiate starts a multipart upload and returns its id.
func (e *env) initiate(key string, header http.Header) string {
	e.t.Helper()
	r := e.do(http.MethodPost, e.bucket, key, q("uploads", ""), header, nil)
	mustStatus(e.t, r, http.StatusOK)
	var x struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		UploadID string   `xml:"UploadId"`
	}
	var j struct {
		Bucket   string `json:"bucket"`
		Key      string `json:"key"`
		UploadID string `json:"upload_id"`
	}
	e.decode(r, &x, &j)
	if e.qs() {
		x.Bucket, x.Key, x.UploadID = j.Bucket, j.Key, j.UploadID
	}
	if x.Bucket != e.bucket || x.Key != key || x.UploadID == "" {
		e.t.Fatalf("initiate answer %s", r.body)
	}
	return x.UploadID
}

// uploadQuery is ?partNumber=n&uploadId=id in the dialect's spelling.
func (e *env) uploadQuery(id string, n int) map[string][]string {
	return q(e.d.Params.PartNumber, strconv.Itoa(n), e.d.Params.UploadID, id)
}

// uploadPart uploads one part and returns its ETag.
func (e *env) uploadPart(key, id string, n int, data []byte) string {
	e.t.Helper()
	r := e.do(http.MethodPut, e.bucket, key, e.uploadQuery(id, n), h("Content-MD5", md5b64(data)), data)
	mustStatus(e.t, r, putStatus(e.d))
	if got := r.header.Get("ETag"); got != `"`+md5hex(data)+`"` {
		e.t.Errorf("part %d ETag %q, want the MD5 of the part", n, got)
	}
	if e.cos() && r.header.Get("x-cos-hash-crc64ecma") != strconv.FormatUint(crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)), 10) {
		e.t.Errorf("part %d crc64 %q", n, r.header.Get("x-cos-hash-crc64ecma"))
	}
	return r.header.Get("ETag")
}

// completeBody is a complete request body naming parts with ETags.
func (e *env) completeBody(numbers []int, etags []string) []byte {
	if e.qs() {
		type p struct {
			PartNumber int    `json:"part_number"`
			ETag       string `json:"etag"`
		}
		var in struct {
			ObjectParts []p `json:"object_parts"`
		}
		for i, n := range numbers {
			in.ObjectParts = append(in.ObjectParts, p{n, etags[i]})
		}
		b, _ := json.Marshal(in)
		return b
	}
	var sb strings.Builder
	sb.WriteString("<CompleteMultipartUpload>")
	for i, n := range numbers {
		fmt.Fprintf(&sb, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, etags[i])
	}
	sb.WriteString("</CompleteMultipartUpload>")
	return []byte(sb.String())
}

// complete sends a complete request.
func (e *env) complete(key, id string, numbers []int, etags []string) resp {
	e.t.Helper()
	return e.do(http.MethodPost, e.bucket, key, q(e.d.Params.UploadID, id), nil, e.completeBody(numbers, etags))
}

// multipartETag is S3's ETag of an object made of parts.
func multipartETag(parts ...[]byte) string {
	sums := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		sums.Write(s[:])
	}
	return `"` + hex.EncodeToString(sums.Sum(nil)) + "-" + strconv.Itoa(len(parts)) + `"`
}

// listedParts is one page of ListParts.
type listedParts struct {
	numbers   []int
	sizes     []int64
	next      string
	truncated bool
}

func (e *env) listParts(key, id string, max int, marker string) listedParts {
	e.t.Helper()
	sizeParam, markerParam := "max-parts", "part-number-marker"
	if e.qs() {
		sizeParam, markerParam = "limit", "part_number_marker"
	}
	query := q(e.d.Params.UploadID, id, sizeParam, strconv.Itoa(max))
	if marker != "" {
		query.Set(markerParam, marker)
	}
	r := e.do(http.MethodGet, e.bucket, key, query, nil, nil)
	mustStatus(e.t, r, http.StatusOK)
	var x struct {
		XMLName              xml.Name `xml:"ListPartsResult"`
		Bucket, Key          string
		UploadID             string `xml:"UploadId"`
		NextPartNumberMarker string
		MaxParts             int
		IsTruncated          bool
		Parts                []struct {
			PartNumber   int
			ETag         string
			Size         int64
			LastModified string
		} `xml:"Part"`
	}
	var j struct {
		Count       int `json:"count"`
		ObjectParts []struct {
			PartNumber int    `json:"part_number"`
			Size       int64  `json:"size"`
			Etag       string `json:"etag"`
			Created    string `json:"created"`
		} `json:"object_parts"`
	}
	e.decode(r, &x, &j)
	var out listedParts
	if e.qs() {
		for _, p := range j.ObjectParts {
			out.numbers = append(out.numbers, p.PartNumber)
			out.sizes = append(out.sizes, p.Size)
			if p.Etag == "" || p.Created == "" {
				e.t.Errorf("QingStor part without etag or created: %s", r.body)
			}
		}
		if j.Count != len(j.ObjectParts) {
			e.t.Errorf("count %d for %d parts", j.Count, len(j.ObjectParts))
		}
		return out
	}
	if x.Bucket != e.bucket || x.Key != key || x.UploadID != id || x.MaxParts != max {
		e.t.Errorf("ListPartsResult header fields: %s", r.body)
	}
	for _, p := range x.Parts {
		out.numbers = append(out.numbers, p.PartNumber)
		out.sizes = append(out.sizes, p.Size)
		if p.ETag == "" || p.LastModified == "" {
			e.t.Errorf("part without ETag or LastModified: %s", r.body)
		}
	}
	out.next, out.truncated = x.NextPartNumberMarker, x.IsTruncated
	return out
}

func TestMultipartRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		first := e.d.Limits.FirstPartNumber
		key := "dir/big file+1.bin"
		id := e.initiate(key, h("Content-Type", "text/plain", e.d.MetaPrefix+"color", "blue", e.hdr("storage-class"), "STANDARD_IA"))
		parts := [][]byte{[]byte("0123456789"), []byte("abcdefghij"), []byte("xyz")}
		var numbers []int
		var etags []string
		for i, p := range parts {
			numbers = append(numbers, first+i)
			etags = append(etags, e.uploadPart(key, id, first+i, p))
		}
		// A part uploaded again replaces the first upload.
		e.uploadPart(key, id, first+2, []byte("XYZ"))
		e.uploadPart(key, id, first+2, parts[2])

		l := e.listParts(key, id, 2, "")
		if !slices.Equal(l.numbers, numbers[:2]) || !slices.Equal(l.sizes, []int64{10, 10}) {
			t.Errorf("first page of parts: %v %v", l.numbers, l.sizes)
		}
		marker := strconv.Itoa(numbers[1])
		if !e.qs() {
			if !l.truncated || l.next != marker {
				t.Errorf("first page: truncated %v, next marker %q", l.truncated, l.next)
			}
		}
		l = e.listParts(key, id, 2, marker)
		if !slices.Equal(l.numbers, numbers[2:]) || l.truncated {
			t.Errorf("second page of parts: %v truncated %v", l.numbers, l.truncated)
		}

		r := e.complete(key, id, numbers, etags)
		wantETag := multipartETag(parts...)
		if e.qs() {
			mustStatus(t, r, http.StatusCreated)
		} else {
			mustStatus(t, r, http.StatusOK)
			var res struct {
				XMLName                     xml.Name `xml:"CompleteMultipartUploadResult"`
				Location, Bucket, Key, ETag string
			}
			if err := xml.Unmarshal(r.body, &res); err != nil || res.Bucket != e.bucket || res.Key != key || res.ETag != wantETag || res.Location == "" {
				t.Errorf("complete answer %s (%v), want ETag %s", r.body, err, wantETag)
			}
		}
		whole := bytes.Join(parts, nil)
		g := e.get(key, nil, nil)
		if !bytes.Equal(g.body, whole) || g.header.Get("ETag") != wantETag || g.header.Get("Content-Type") != "text/plain" ||
			g.header.Get(e.d.MetaPrefix+"color") != "blue" || g.header.Get(e.hdr("storage-class")) != "STANDARD_IA" {
			t.Errorf("completed object: %q, headers %v", g.body, g.header)
		}
		if e.cos() {
			want := strconv.FormatUint(crc64.Checksum(whole, crc64.MakeTable(crc64.ECMA)), 10)
			if g.header.Get("x-cos-hash-crc64ecma") != want || r.header.Get("x-cos-hash-crc64ecma") != want {
				t.Errorf("crc64 of the whole object: GET %q, complete %q, want %s", g.header.Get("x-cos-hash-crc64ecma"), r.header.Get("x-cos-hash-crc64ecma"), want)
			}
		}

		// The upload is gone.
		r = e.do(http.MethodDelete, e.bucket, key, q(e.d.Params.UploadID, id), nil, nil)
		e.want(r, http.StatusNotFound, http.StatusBadRequest, "NoSuchUpload", "", "upload_not_exists")

		var partsLogged []int
		for _, rq := range e.srv.Requests() {
			if rq.Op == "UploadPart" && rq.Key == key {
				n, err := strconv.Atoi(rq.Query.Get(e.d.Params.PartNumber))
				if err != nil {
					t.Fatalf("UploadPart logged without %s: %v", e.d.Params.PartNumber, rq.Query)
				}
				partsLogged = append(partsLogged, n)
			}
		}
		if want := []int{first, first + 1, first + 2, first + 2, first + 2}; !slices.Equal(partsLogged, want) {
			t.Errorf("logged part numbers %v, want %v", partsLogged, want)
		}
		ops := opsOf(e.srv)
		for _, op := range []string{"CreateMultipartUpload", "UploadPart", "ListParts", "CompleteMultipartUpload", "AbortMultipartUpload"} {
			if !slices.Contains(ops, op) {
				t.Errorf("request log has no %s: %v", op, ops)
			}
		}
	})
}

func TestMultipartErrors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		first, most := e.d.Limits.FirstPartNumber, e.d.Limits.MaxParts
		key := "k"
		id := e.initiate(key, nil)
		for _, n := range []int{first - 1, first + most} {
			r := e.do(http.MethodPut, e.bucket, key, e.uploadQuery(id, n), nil, []byte("x"))
			e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "", "invalid_argument")
		}
		r := e.do(http.MethodPut, e.bucket, key, e.uploadQuery("no-such-upload", first), nil, []byte("x"))
		e.want(r, http.StatusNotFound, http.StatusBadRequest, "NoSuchUpload", "", "upload_not_exists")
		r = e.do(http.MethodPut, e.bucket, "other key", e.uploadQuery(id, first), nil, []byte("x"))
		e.want(r, http.StatusNotFound, http.StatusBadRequest, "NoSuchUpload", "", "upload_not_exists")

		small, p1, p2 := []byte("tiny"), []byte("part-one-10"), []byte("part-two-10")
		n0, n1, n2 := first, first+1, first+2
		t0, t1, t2 := e.uploadPart(key, id, n0, small), e.uploadPart(key, id, n1, p1), e.uploadPart(key, id, n2, p2)

		r = e.complete(key, id, []int{n1, n0}, []string{t1, t0})
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidPartOrder", "", "invalid_request")
		r = e.complete(key, id, []int{n1, n2}, []string{t1, `"0123456789abcdef0123456789abcdef"`})
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidPart", "", "invalid_request")
		r = e.complete(key, id, []int{n1, first + 7}, []string{t1, t2})
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidPart", "", "invalid_request")
		r = e.complete(key, id, []int{n0, n1}, []string{t0, t1})
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "EntityTooSmall", "", "entity_too_small")
		if !e.qs() {
			r = e.complete(key, id, nil, nil)
			wantError(t, e.d, r, http.StatusBadRequest, "MalformedXML")
			r = e.do(http.MethodPost, e.bucket, key, q(e.d.Params.UploadID, id), nil, []byte("<not xml"))
			wantError(t, e.d, r, http.StatusBadRequest, "MalformedXML")
		}
		// A small last part is fine; the failed attempts left the upload.
		r = e.complete(key, id, []int{n1, n2}, []string{t1, t2})
		if r.status/100 != 2 {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		if g := e.get(key, nil, nil); string(g.body) != string(p1)+string(p2) {
			t.Errorf("object %q", g.body)
		}
	})
}

func TestMultipartCOSGapsAreInvalidPart(t *testing.T) {
	e := newEnv(t, dialectCases[2])
	id := e.initiate("k", nil)
	t1, t3 := e.uploadPart("k", id, 1, []byte("0123456789")), e.uploadPart("k", id, 3, []byte("x"))
	wantError(t, e.d, e.complete("k", id, []int{1, 3}, []string{t1, t3}), http.StatusBadRequest, "InvalidPart")
}

func TestMultipartDefaultMinPartSize(t *testing.T) {
	srv := start(t, client.COS) // COS: 1 MiB
	createBucket(t, srv, "b-1250000000")
	e := &env{t: t, srv: srv, d: srv.Dialect(), bucket: "b-1250000000"}
	id := e.initiate("k", nil)
	t1 := e.uploadPart("k", id, 1, make([]byte, 1<<20-1))
	t2 := e.uploadPart("k", id, 2, []byte("x"))
	wantError(t, e.d, e.complete("k", id, []int{1, 2}, []string{t1, t2}), http.StatusBadRequest, "EntityTooSmall")
}

// TestCompleteErrorIn200 makes CompleteMultipartUpload answer 200 with an
// error document, as S3 can; the upload survives and completes later.
func TestCompleteErrorIn200(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		first := e.d.Limits.FirstPartNumber
		id := e.initiate("k", nil)
		etag := e.uploadPart("k", id, first, []byte("only part"))
		e.srv.InjectFault(Fault{
			Match: func(r *http.Request) bool {
				return r.Method == http.MethodPost && r.URL.Query().Has(e.d.Params.UploadID)
			},
			ErrorIn200: true,
			Code:       pick(e.d, "InternalError", "", "internal_server_error"),
		})
		r := e.complete("k", id, []int{first}, []string{etag})
		mustStatus(t, r, http.StatusOK)
		if got := decodeError(t, e.d, r); got.Code != pick(e.d, "InternalError", "", "internal_server_error") || got.RequestID == "" {
			t.Errorf("error in 200: %+v", got)
		}
		log := e.srv.Requests()
		last := log[len(log)-1]
		if last.Op != "CompleteMultipartUpload" || last.Status != http.StatusOK || last.Code == "" {
			t.Errorf("logged %+v", last)
		}
		if l := e.listParts("k", id, 10, ""); len(l.numbers) != 1 {
			t.Errorf("upload lost its part: %v", l.numbers)
		}
		if r := e.complete("k", id, []int{first}, []string{etag}); r.status/100 != 2 {
			t.Fatalf("complete after the fault: %d %s", r.status, r.body)
		}
	})
}

func TestUploadPartCopy(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		first := e.d.Limits.FirstPartNumber
		src := []byte("0123456789abcdefghijklmnopqrst")
		e.put("src", src, nil)
		id := e.initiate("dst", nil)
		rangeHeader := e.hdr("copy-source-range")
		if e.qs() {
			rangeHeader = "x-qs-copy-range"
		}
		copyPart := func(n int, rng string, extra ...string) resp {
			hd := h(append([]string{e.hdr("copy-source"), copySourceValue(e, e.bucket, "src", "")}, extra...)...)
			if rng != "" {
				hd.Set(rangeHeader, rng)
			}
			return e.do(http.MethodPut, e.bucket, "dst", e.uploadQuery(id, n), hd, nil)
		}
		etagOf := func(r resp) string {
			t.Helper()
			mustStatus(t, r, putStatus(e.d))
			if e.qs() {
				return r.header.Get("ETag")
			}
			var res struct {
				XMLName      xml.Name `xml:"CopyPartResult"`
				ETag         string
				LastModified string
			}
			if err := xml.Unmarshal(r.body, &res); err != nil || res.LastModified == "" {
				t.Fatalf("CopyPartResult %s: %v", r.body, err)
			}
			return res.ETag
		}
		t1 := etagOf(copyPart(first, "bytes=0-9"))
		t2 := etagOf(copyPart(first+1, "bytes=10-29"))
		if t1 != `"`+md5hex(src[:10])+`"` || t2 != `"`+md5hex(src[10:])+`"` {
			t.Errorf("part copy ETags %s %s", t1, t2)
		}
		r := copyPart(first+2, "bytes=20-30")
		e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "", "invalid_argument")
		r = copyPart(first+2, "", e.hdr("copy-source-if-match"), `"nope"`)
		e.want(r, http.StatusPreconditionFailed, http.StatusPreconditionFailed, "PreconditionFailed", "", "precondition_failed")

		if r := e.complete("dst", id, []int{first, first + 1}, []string{t1, t2}); r.status/100 != 2 {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		if g := e.get("dst", nil, nil); !bytes.Equal(g.body, src) {
			t.Errorf("copied object %q", g.body)
		}
		ops := opsOf(e.srv)
		if n := countOf(ops, "UploadPartCopy"); n != 4 {
			t.Errorf("%d UploadPartCopy entries in %v", n, ops)
		}
	})
}

func countOf(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}

func TestListMultipartUploads(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		var ids []string
		for _, k := range []string{"a/1", "a/2", "b", "b", "c"} {
			ids = append(ids, e.initiate(k, nil))
		}
		sizeParam, keyParam, idParam := "max-uploads", "key-marker", "upload-id-marker"
		if e.qs() {
			sizeParam, keyParam, idParam = "limit", "key_marker", "upload_id_marker"
		}
		type page struct {
			keys, ids, prefixes []string
			truncated           bool
			nextKey, nextID     string
		}
		list := func(query map[string][]string) page {
			t.Helper()
			r := e.do(http.MethodGet, e.bucket, "", query, nil, nil)
			mustStatus(t, r, http.StatusOK)
			var x struct {
				XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
				Bucket             string
				NextKeyMarker      string
				NextUploadIDMarker string `xml:"NextUploadIdMarker"`
				IsTruncated        bool
				Uploads            []struct {
					Key       string
					UploadID  string `xml:"UploadId"`
					Initiated string
				} `xml:"Upload"`
				CommonPrefixes []struct{ Prefix string }
			}
			var j struct {
				Name               string `json:"name"`
				NextKeyMarker      string `json:"next_key_marker"`
				NextUploadIDMarker string `json:"next_upload_id_marker"`
				HasMore            bool   `json:"has_more"`
				Uploads            []struct {
					Key      string `json:"key"`
					UploadID string `json:"upload_id"`
					Created  string `json:"created"`
				} `json:"uploads"`
				CommonPrefixes []string `json:"common_prefixes"`
			}
			e.decode(r, &x, &j)
			var p page
			if e.qs() {
				for _, u := range j.Uploads {
					p.keys, p.ids = append(p.keys, u.Key), append(p.ids, u.UploadID)
				}
				p.prefixes, p.truncated, p.nextKey, p.nextID = j.CommonPrefixes, j.HasMore, j.NextKeyMarker, j.NextUploadIDMarker
				return p
			}
			for _, u := range x.Uploads {
				p.keys, p.ids = append(p.keys, u.Key), append(p.ids, u.UploadID)
				if u.Initiated == "" {
					t.Errorf("upload without Initiated: %s", r.body)
				}
			}
			for _, c := range x.CommonPrefixes {
				p.prefixes = append(p.prefixes, c.Prefix)
			}
			p.truncated, p.nextKey, p.nextID = x.IsTruncated, x.NextKeyMarker, x.NextUploadIDMarker
			return p
		}
		// Pages of two, following the markers.
		var keys, got []string
		query := q("uploads", "", sizeParam, "2")
		for range 5 {
			p := list(query)
			keys, got = append(keys, p.keys...), append(got, p.ids...)
			if !p.truncated {
				break
			}
			query = q("uploads", "", sizeParam, "2", keyParam, p.nextKey, idParam, p.nextID)
		}
		if !slices.Equal(keys, []string{"a/1", "a/2", "b", "b", "c"}) || !slices.Equal(got, ids) {
			t.Errorf("paged uploads %v %v, want ids %v", keys, got, ids)
		}
		p := list(q("uploads", "", "delimiter", "/"))
		if !slices.Equal(p.prefixes, []string{"a/"}) || !slices.Equal(p.keys, []string{"b", "b", "c"}) {
			t.Errorf("delimited: %v %v", p.prefixes, p.keys)
		}
		p = list(q("uploads", "", "prefix", "b"))
		if !slices.Equal(p.ids, ids[2:4]) {
			t.Errorf("prefix b: %v", p.ids)
		}
		r := e.do(http.MethodGet, "no-such-bucket-1250000000", "", q("uploads", ""), nil, nil)
		e.want(r, http.StatusNotFound, http.StatusNotFound, "NoSuchBucket", "", "bucket_not_exists")
	})
}

// TestFaultedUploadPartIsLogged checks that a request answered by a fault
// still names its operation and part number in the log, so that tests can
// count the parts a client sent.
func TestFaultedUploadPartIsLogged(t *testing.T) {
	e := newEnv(t, dialectCases[3])
	id := e.initiate("k", nil)
	e.srv.InjectFault(Fault{Status: http.StatusServiceUnavailable, Match: func(r *http.Request) bool { return r.Method == http.MethodPut }})
	r := e.do(http.MethodPut, e.bucket, "k", e.uploadQuery(id, 0), nil, []byte("part"))
	mustStatus(t, r, http.StatusServiceUnavailable)
	log := e.srv.Requests()
	last := log[len(log)-1]
	if last.Op != "UploadPart" || last.Query.Get("part_number") != "0" || last.Code != "service_unavailable" {
		t.Errorf("faulted request logged as %+v", last)
	}
}
