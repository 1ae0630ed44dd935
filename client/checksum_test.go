package client_test

import (
	"encoding/binary"
	"errors"
	"net/http"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// The catalogued check values of each algorithm over "123456789".
func TestChecksumCheckValues(t *testing.T) {
	check := []byte("123456789")
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	for _, tc := range []struct {
		a    client.ChecksumAlgorithm
		want []byte
	}{
		{client.ChecksumCRC32, u32(0xcbf43926)},
		{client.ChecksumCRC32C, u32(0xe3069283)},
		{client.ChecksumCRC64NVME, u64(0xae8b14860a799888)},
		{client.ChecksumSHA1, []byte{0xf7, 0xc3, 0xbc, 0x1d, 0x80, 0x8e, 0x04, 0x73, 0x2a, 0xdf, 0x67, 0x99, 0x65, 0xcc, 0xc3, 0x4c, 0xa7, 0xae, 0x34, 0x41}},
	} {
		got := client.ComputeChecksum(tc.a, check)
		if string(got.Value) != string(tc.want) || got.Algorithm != tc.a || got.Parts != 0 {
			t.Errorf("%v(123456789) = %x, want %x", tc.a, got.Value, tc.want)
		}
		if len(got.Value) != tc.a.Size() {
			t.Errorf("%v: %d bytes, Size() says %d", tc.a, len(got.Value), tc.a.Size())
		}
	}
}

func TestChecksumWireForm(t *testing.T) {
	c := client.ComputeChecksum(client.ChecksumCRC32C, []byte("123456789"))
	if got := c.String(); got != "4waSgw==" {
		t.Fatalf("String() = %q, want 4waSgw==", got)
	}
	back, err := client.ParseChecksum(client.ChecksumCRC32C, c.String())
	if err != nil || !back.Equal(c) {
		t.Fatalf("ParseChecksum(%q) = %+v, %v; want %+v", c.String(), back, err, c)
	}
	comp, err := client.CompositeChecksum([]client.Checksum{c, c})
	if err != nil {
		t.Fatal(err)
	}
	want := client.ComputeChecksum(client.ChecksumCRC32C, append(append([]byte{}, c.Value...), c.Value...))
	if string(comp.Value) != string(want.Value) || comp.Parts != 2 {
		t.Fatalf("composite = %+v, want %x-2", comp, want.Value)
	}
	parsed, err := client.ParseChecksum(client.ChecksumCRC32C, comp.String())
	if err != nil || !parsed.Equal(comp) {
		t.Fatalf("ParseChecksum(%q) = %+v, %v", comp.String(), parsed, err)
	}
	for _, bad := range []string{"", "4waSgw", "4waSgw==-0", "4waSgw==-x", "AAAAAAAA"} {
		if _, err := client.ParseChecksum(client.ChecksumCRC32C, bad); err == nil {
			t.Errorf("ParseChecksum(%q) accepted", bad)
		}
	}
	if _, err := client.CompositeChecksum([]client.Checksum{c, client.ComputeChecksum(client.ChecksumCRC32, nil)}); err == nil {
		t.Error("CompositeChecksum accepted mixed algorithms")
	}
	if _, err := client.CompositeChecksum([]client.Checksum{client.ComputeChecksum(client.ChecksumCRC64NVME, nil)}); err == nil {
		t.Error("CompositeChecksum accepted CRC64NVME")
	}
}

func TestChecksumHeaders(t *testing.T) {
	d := client.S3
	c := client.ComputeChecksum(client.ChecksumSHA256, []byte("x"))
	h := http.Header{}
	opkit.SetChecksum(&d, h, c)
	opkit.SetChecksumAlgorithm(&d, h, client.ChecksumSHA256)
	if h.Get("X-Amz-Checksum-Sha256") != c.String() || h.Get("X-Amz-Checksum-Algorithm") != "SHA256" {
		t.Fatalf("headers = %v", h)
	}
	got, ok := opkit.ResponseChecksum(&d, h)
	if !ok || !got.Equal(c) {
		t.Fatalf("ResponseChecksum = %+v, %v", got, ok)
	}
	cos := client.COS
	if _, ok := opkit.ResponseChecksum(&cos, h); ok {
		t.Error("COS reported an x-amz checksum")
	}
	if got := opkit.ChecksumElement(client.ChecksumCRC32C); got != "ChecksumCRC32C" {
		t.Errorf("ChecksumElement = %q", got)
	}
	if got := opkit.ChecksumElement(client.ChecksumNone); got != "" {
		t.Errorf("ChecksumElement(None) = %q", got)
	}
}

func TestCheckChecksum(t *testing.T) {
	s3, cos := client.S3, client.COS
	good := client.ComputeChecksum(client.ChecksumCRC32C, []byte("x"))
	if err := opkit.CheckChecksum(&s3, "Checksum", good); err != nil {
		t.Fatal(err)
	}
	if err := opkit.CheckChecksum(&s3, "Checksum", client.Checksum{}); err != nil {
		t.Fatal(err)
	}
	var ia *client.InvalidArgumentError
	for _, tc := range []struct {
		c     client.Checksum
		field string
	}{
		{client.Checksum{Algorithm: client.ChecksumCRC32C, Value: []byte{1, 2}}, "Checksum.Value"},
		{client.Checksum{Algorithm: 99, Value: []byte{1, 2, 3, 4}}, "Checksum.Algorithm"},
		{client.Checksum{Value: []byte{1}}, "Checksum"},
		{client.Checksum{Algorithm: client.ChecksumCRC32C, Value: good.Value, Parts: 3}, "Checksum.Parts"},
	} {
		err := opkit.CheckChecksum(&s3, "Checksum", tc.c)
		if !errors.As(err, &ia) || ia.Field != tc.field {
			t.Errorf("CheckChecksum(%+v) = %v, want field %s", tc.c, err, tc.field)
		}
	}
	if err := opkit.CheckChecksum(&cos, "Checksum", good); !errors.Is(err, client.ErrNotSupported) {
		t.Errorf("COS: %v, want ErrNotSupported", err)
	}
	if err := opkit.CheckChecksumAlgorithm(&s3, "ChecksumAlgorithm", client.ChecksumCRC64NVME); !errors.As(err, &ia) {
		t.Errorf("CRC64NVME for multipart: %v", err)
	}
	if err := opkit.CheckChecksumAlgorithm(&cos, "ChecksumAlgorithm", client.ChecksumCRC32C); !errors.Is(err, client.ErrNotSupported) {
		t.Errorf("COS algorithm: %v", err)
	}
}
