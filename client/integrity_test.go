package client_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

func TestETagIsMD5(t *testing.T) {
	const md5 = `"9e107d9d372bb6826bd81d3542a419d6"`
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name string
		d    client.Dialect
		h    http.Header
		want bool
		enc  string
	}{
		{"plain", client.S3, hdr("ETag", md5), true, ""},
		{"multipart", client.S3, hdr("ETag", `"9e107d9d372bb6826bd81d3542a419d6-3"`), false, ""},
		{"short", client.S3, hdr("ETag", `"abc"`), false, ""},
		{"sse-s3", client.S3, hdr("ETag", md5, "x-amz-server-side-encryption", "AES256"), true, "AES256"},
		{"sse-kms", client.S3, hdr("ETag", md5, "x-amz-server-side-encryption", "aws:kms"), false, "aws:kms"},
		{"dsse-kms", client.IBM, hdr("ETag", md5, "x-amz-server-side-encryption", "aws:kms:dsse"), false, "aws:kms:dsse"},
		{"sse-c", client.S3, hdr("ETag", md5, "x-amz-server-side-encryption-customer-algorithm", "AES256"), false, "SSE-C"},
		{"cos-kms", client.COS, hdr("ETag", md5, "x-cos-server-side-encryption", "cos/kms"), false, "cos/kms"},
		{"cos-sse", client.COS, hdr("ETag", md5, "x-cos-server-side-encryption", "AES256"), true, "AES256"},
		{"qingstor-sse-c", client.QingStor, hdr("ETag", md5, "x-qs-encryption-customer-algorithm", "AES256"), false, "SSE-C"},
		{"qingstor-plain", client.QingStor, hdr("ETag", md5), true, ""},
		// QingStor has no such header: it is not an encryption report there.
		{"qingstor-amz", client.QingStor, hdr("ETag", md5, "x-amz-server-side-encryption", "aws:kms"), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := opkit.ETagIsMD5(&tc.d, tc.h); got != tc.want {
				t.Errorf("ETagIsMD5 = %v, want %v", got, tc.want)
			}
			if got := opkit.Encryption(&tc.d, tc.h); got != tc.enc {
				t.Errorf("Encryption = %q, want %q", got, tc.enc)
			}
		})
	}
}

func TestRangeAndChecksumErrors(t *testing.T) {
	var err error = &client.RangeError{Dialect: "s3", Op: "GetObject", Offset: 10, Length: 5, Status: 200, Reason: "the server ignored the range"}
	if !errors.Is(err, client.ErrRangeMismatch) || errors.Is(err, client.ErrChecksumMismatch) {
		t.Errorf("RangeError matches wrong sentinels: %v", err)
	}
	for _, want := range []string{"bytes=10-14", "status 200", "no Content-Range", "ignored"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	err = &client.RangeError{Dialect: "s3", Op: "GetObject", Status: 206, ContentRange: "bytes 1-2/3", Reason: "x"}
	if !strings.Contains(err.Error(), "the whole object") || !strings.Contains(err.Error(), `"bytes 1-2/3"`) {
		t.Errorf("%q", err)
	}
	err = &client.ChecksumMismatchError{Dialect: "cos", Op: "GetObject", Algorithm: "crc64", Want: "1", Got: "2"}
	if !errors.Is(err, client.ErrChecksumMismatch) || errors.Is(err, client.ErrRangeMismatch) {
		t.Errorf("ChecksumMismatchError matches wrong sentinels: %v", err)
	}
	if !strings.Contains(err.Error(), "crc64") || !strings.Contains(err.Error(), "published 1") {
		t.Errorf("%q", err)
	}
}
