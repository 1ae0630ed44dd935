package storagetest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/polystore/polystore/internal/opkit"
)

// A FlipBit fault corrupts one bit of a successful answer's body, on every
// dialect, and leaves its headers and other answers alone.
func TestFaultFlipBit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dc dialectCase) {
		e := newEnv(t, dc)
		data := bytes.Repeat([]byte("polystore-"), 100)
		put := e.put("flip", data, nil)
		isGet := func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/flip")
		}

		e.srv.InjectFault(Fault{Match: isGet, FlipBit: true, FlipOffset: 17})
		r := e.get("flip", nil, nil)
		want := bytes.Clone(data)
		want[17] ^= 1
		if !bytes.Equal(r.body, want) {
			t.Errorf("body not flipped at byte 17 exactly")
		}
		if r.header.Get("ETag") != put.header.Get("ETag") {
			t.Errorf("ETag %q, want the stored object's %q", r.header.Get("ETag"), put.header.Get("ETag"))
		}
		if r = e.get("flip", nil, nil); !bytes.Equal(r.body, data) {
			t.Error("the fault outlived its Times")
		}

		// Past the end of a (ranged) body: its last byte.
		e.srv.InjectFault(Fault{Match: isGet, FlipBit: true, FlipOffset: 1 << 40})
		r = e.do(http.MethodGet, e.bucket, "flip", nil, h("Range", "bytes=10-19"), nil)
		mustStatus(t, r, http.StatusPartialContent)
		want = bytes.Clone(data[10:20])
		want[9] ^= 1
		if !bytes.Equal(r.body, want) {
			t.Errorf("ranged body %q, want %q", r.body, want)
		}

		// An error answer keeps its body.
		e.srv.InjectFault(Fault{FlipBit: true})
		r = e.do(http.MethodGet, e.bucket, "missing", nil, nil, nil)
		e.want(r, http.StatusNotFound, http.StatusNotFound, "NoSuchKey", "NoSuchKey", "object_not_exists")
		if e.srv.PendingFaults() != 0 {
			t.Errorf("%d faults left", e.srv.PendingFaults())
		}
		if r = e.get("flip", nil, nil); !bytes.Equal(r.body, data) {
			t.Error("stored data changed")
		}
	})
}

// A PUT naming a KMS key gets an ETag that is not the MD5 of the
// content, as on S3; the encryption is reported on HEAD and GET. Keys the
// service manages (AES256) keep MD5 ETags.
func TestManagedEncryption(t *testing.T) {
	for _, dc := range dialectCases {
		t.Run(dc.name, func(t *testing.T) {
			e := newEnv(t, dc)
			name := e.d.Object.EncryptionHeader
			data := []byte("encrypted content")
			if name == "" {
				// QingStor has SSE-C only; an x-amz- header means nothing.
				r := e.put("k", data, h("x-amz-server-side-encryption", "aws:kms"))
				if r.header.Get("ETag") != `"`+md5hex(data)+`"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
				return
			}
			kms := "aws:kms"
			if e.cos() {
				kms = "cos/kms"
			}
			for _, tc := range []struct {
				enc string
				md5 bool
			}{{kms, false}, {"AES256", true}} {
				r := e.put("k", data, h(name, tc.enc))
				etag := strings.Trim(r.header.Get("ETag"), `"`)
				if !opkit.IsMD5Hex(etag) || (etag == md5hex(data)) != tc.md5 {
					t.Errorf("%s: ETag %q; MD5 of the content: %v, want %v", tc.enc, etag, etag == md5hex(data), tc.md5)
				}
				head := e.do(http.MethodHead, e.bucket, "k", nil, nil, nil)
				if head.header.Get(name) != tc.enc || head.header.Get("ETag") != r.header.Get("ETag") {
					t.Errorf("%s: HEAD reports %s %q, ETag %q", tc.enc, name, head.header.Get(name), head.header.Get("ETag"))
				}
				if d := e.d; opkit.ETagIsMD5(&d, head.header) != tc.md5 {
					t.Errorf("%s: the dialect says the ETag is an MD5: %v", tc.enc, !tc.md5)
				}
			}
			r := e.do(http.MethodPut, e.bucket, "k", nil, h(name, "rot13"), data)
			e.want(r, http.StatusBadRequest, http.StatusBadRequest, "InvalidArgument", "InvalidArgument", "invalid_argument")
		})
	}
}

// QingStor keeps the ETag a Complete Multipart Upload request gives the
// object; without one this server uses S3's multipart form.
func TestQingStorCompleteETag(t *testing.T) {
	e := newEnv(t, dialectCases[3])
	p0, p1 := bytes.Repeat([]byte("a"), 16), []byte("tail")
	for _, tc := range []struct{ sent, want string }{
		{`"chosen-by-the-client"`, `"chosen-by-the-client"`},
		{"", multipartETag(p0, p1)},
	} {
		id := e.initiate("mp", nil)
		etags := []string{e.uploadPart("mp", id, 0, p0), e.uploadPart("mp", id, 1, p1)}
		var hdr http.Header
		if tc.sent != "" {
			hdr = h("ETag", tc.sent)
		}
		r := e.do(http.MethodPost, e.bucket, "mp", q(e.d.Params.UploadID, id), hdr, e.completeBody([]int{0, 1}, etags))
		mustStatus(t, r, http.StatusCreated)
		head := e.do(http.MethodHead, e.bucket, "mp", nil, nil, nil)
		if got := head.header.Get("ETag"); got != tc.want {
			t.Errorf("sent %q: HEAD ETag %q, want %q", tc.sent, got, tc.want)
		}
	}
}
