package opkit

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/protocol"
)

// TestBridgeAllImported: every function client exports through the
// bridge is imported by opkit (the only importer), so none is dead.
func TestBridgeAllImported(t *testing.T) {
	assert.Empty(t, protocol.Unimported(), "exported by client/export.go but imported by nobody")
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, s := range []string{
		"2026-03-04T05:06:07Z",
		"2026-03-04T05:06:07.000Z",
		" 2026-03-04T05:06:07Z\n",
		"2026-03-04T13:06:07+08:00",
		"Wed, 04 Mar 2026 05:06:07 GMT",
		"Wednesday, 04-Mar-26 05:06:07 GMT", // RFC 850
		"Wed Mar  4 05:06:07 2026",          // ANSI C
	} {
		got := ParseTime(s)
		assert.True(t, got.Equal(want), "ParseTime(%q) = %v, want %v", s, got, want)
	}
	withFraction := ParseTime("2026-03-04T05:06:07.123456789Z")
	assert.Equal(t, 123456789, withFraction.Nanosecond())
	for _, s := range []string{"", "  ", "yesterday", "1772600767", "2026-03-04"} {
		assert.True(t, ParseTime(s).IsZero(), "ParseTime(%q) should be zero", s)
	}
}

func TestETags(t *testing.T) {
	assert.Equal(t, "abc", TrimETag(`"abc"`))
	assert.Equal(t, "abc", TrimETag(` "abc" `))
	assert.Equal(t, "abc-2", TrimETag("abc-2"))

	assert.Equal(t, `"abc"`, QuoteETag("abc"))
	for _, s := range []string{"", "*", `"abc"`, `W/"abc"`} {
		assert.Equal(t, s, QuoteETag(s))
	}
	assert.Equal(t, `"abc"`, QuoteETag(TrimETag(`"abc"`)))
}

func TestSetIfNotEmpty(t *testing.T) {
	h := http.Header{}
	SetHeader(h, "X-A", "")
	SetHeader(h, "X-B", "b")
	assert.Equal(t, http.Header{"X-B": {"b"}}, h)

	q := url.Values{}
	SetQuery(q, "a", "")
	SetQuery(q, "b", "b")
	assert.Equal(t, "b=b", q.Encode())
}

func TestCRC64Header(t *testing.T) {
	d := client.COS
	h := http.Header{}
	_, ok := CRC64Header(&d, h)
	assert.False(t, ok, "no header")
	h.Set(d.Object.CRC64Header, "18446744073709551615")
	n, ok := CRC64Header(&d, h)
	require.True(t, ok)
	assert.Equal(t, uint64(18446744073709551615), n)
	h.Set(d.Object.CRC64Header, "0x12")
	_, ok = CRC64Header(&d, h)
	assert.False(t, ok, "not decimal")

	s3 := client.S3
	require.Empty(t, s3.Object.CRC64Header)
	_, ok = CRC64Header(&s3, h)
	assert.False(t, ok, "S3 has no CRC-64 header")
}

func TestCheckSSEAndRename(t *testing.T) {
	s3 := client.S3
	assert.NoError(t, CheckSSE(&s3, "SourceSSE", nil))
	assert.NoError(t, CheckSSE(&s3, "SourceSSE", &client.SSECustomer{Key: make([]byte, 32)}))

	err := CheckSSE(&s3, "SourceSSE", &client.SSECustomer{Key: make([]byte, 16)})
	var ia *client.InvalidArgumentError
	require.ErrorAs(t, err, &ia)
	assert.Equal(t, "SourceSSE", ia.Field)

	q := client.QingStor
	if q.Object.SSECustomerPrefix == "" {
		err = CheckSSE(&q, "SSE", &client.SSECustomer{Key: make([]byte, 32)})
		require.Error(t, err)
	}
	assert.NoError(t, Rename(nil, "X"))
}

func TestCheckBucketKey(t *testing.T) {
	s3 := client.S3
	assert.NoError(t, CheckBucketKey(&s3, "my-bucket", "a/b"))
	var ia *client.InvalidArgumentError
	require.ErrorAs(t, CheckBucketKey(&s3, "", "a"), &ia)
	assert.Equal(t, "Bucket", ia.Field)
	require.ErrorAs(t, CheckBucketKey(&s3, "my-bucket", ""), &ia)
	assert.Equal(t, "Key", ia.Field)
}
