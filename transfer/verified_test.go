package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
)

func uploadFake(t *testing.T, fake API, data []byte, optFns ...func(*Options)) (*Result, error) {
	t.Helper()
	m, err := New(fake, append([]func(*Options){WithPartSize(kib)}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	task, err := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return wait(t, task)
}

// TestVerifiedHonest: Result.Verified names only checks that took place.
// A composite the server does not report is not "crc32c"; parts whose
// CRC32C the server echoed make "crc32c-parts"; with no echo at all the
// server ignored the checksums: the parts' ETags, their MD5s, and the
// Content-MD5 the later parts carry verify them ("md5-parts"), never
// "crc32c"; with IntegrityOff nothing is verified and Unverified says
// why. Every multipart result was confirmed by a HEAD.
func TestVerifiedHonest(t *testing.T) {
	data := randomData(90, 3*kib+5)
	cases := []struct {
		name         string
		d            client.Dialect
		setup        func(*fakeAPI)
		opts         []func(*Options)
		verified     string
		unverifiedIn string
	}{
		{"composite reported", client.S3, nil, nil, "crc32c", ""},
		{"no composite", client.S3, func(f *fakeAPI) {
			f.completeChecksum = func(client.Checksum) client.Checksum { return client.Checksum{} }
		}, nil, "crc32c-parts", ""},
		{"no checksum echoed", client.S3, func(f *fakeAPI) {
			f.completeChecksum = func(client.Checksum) client.Checksum { return client.Checksum{} }
			f.noPartEcho = true
		}, nil, "md5-parts", ""},
		{"crc64", client.COS, nil, nil, "crc64", ""},
		{"md5 parts", client.QingStor, nil, nil, "md5-parts", ""},
		{"off", client.S3, nil, []func(*Options){WithIntegrity(IntegrityOff)}, "", "IntegrityOff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(smallDialect(tc.d))
			if tc.setup != nil {
				tc.setup(fake)
			}
			res, err := uploadFake(t, fake, data, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verified != tc.verified || (tc.verified == "") != (res.Unverified != "") || !strings.Contains(res.Unverified, tc.unverifiedIn) {
				t.Errorf("Verified %q, Unverified %q; want %q and an Unverified naming %q", res.Verified, res.Unverified, tc.verified, tc.unverifiedIn)
			}
			if n := len(fake.callsOf("HeadObject")); n != 1 {
				t.Errorf("%d HEADs, want 1 to confirm the object", n)
			}
			got, _ := fake.object("bkt", "obj")
			equalBytes(t, got, data)
		})
	}

	// A single PUT whose checksum the server does not echo: not
	// "crc32c", but its ETag is its MD5.
	fake := newFake(smallDialect(client.S3))
	fake.noPartEcho = true
	res, err := uploadFake(t, newFakeNoPutEcho(fake), data[:100])
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified != "md5" || res.Unverified != "" {
		t.Errorf("single PUT without an echo: Verified %q, Unverified %q, want md5", res.Verified, res.Unverified)
	}
}

// noPutEcho is a fake whose PutObject answers carry no checksum.
type noPutEcho struct{ *fakeAPI }

func newFakeNoPutEcho(f *fakeAPI) *noPutEcho { return &noPutEcho{f} }

func (f *noPutEcho) PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error) {
	out, err := f.fakeAPI.PutObject(ctx, in)
	if out != nil {
		out.Checksum = client.Checksum{}
	}
	return out, err
}

// TestCompleteNotConfirmed: a Complete answered with success whose
// object the HEAD shows otherwise (another size, another multipart ETag,
// another CRC-64) fails the task with ErrNotConfirmed.
func TestCompleteNotConfirmed(t *testing.T) {
	data := randomData(91, 3*kib+5)
	for name, tc := range map[string]struct {
		d     client.Dialect
		alter func(*ObjectInfo)
		what  string
	}{
		"size":  {client.S3, func(i *ObjectInfo) { i.Size-- }, "size"},
		"etag":  {client.S3, func(i *ObjectInfo) { i.ETag = "0123456789abcdef0123456789abcdef-4" }, "ETag"},
		"crc64": {client.COS, func(i *ObjectInfo) { i.CRC64++ }, "CRC-64"},
	} {
		t.Run(name, func(t *testing.T) {
			fake := newFake(smallDialect(tc.d))
			fake.onHead = tc.alter
			res, err := uploadFake(t, fake, data)
			if res != nil || !errors.Is(err, ErrNotConfirmed) || !strings.Contains(err.Error(), tc.what) {
				t.Fatalf("upload = %+v, %v; want ErrNotConfirmed naming the %s", res, err, tc.what)
			}
		})
	}
	// The HEAD itself fails.
	g := &headFails{fakeAPI: newFake(smallDialect(client.S3))}
	m, _ := New(g, WithPartSize(kib))
	task, _ := m.Upload(context.Background(), &UploadInput{Bucket: "bkt", Key: "obj", ReaderAt: bytes.NewReader(data), Size: int64(len(data))})
	if _, err := wait(t, task); !errors.Is(err, ErrNotConfirmed) || !errors.Is(err, client.ErrAccessDenied) {
		t.Errorf("upload whose HEAD fails = %v, want ErrNotConfirmed with the cause", err)
	}
}

type headFails struct{ *fakeAPI }

func (h *headFails) HeadObject(context.Context, *HeadObjectInput) (*ObjectInfo, error) {
	return nil, fmt.Errorf("fake: AccessDenied: %w", client.ErrAccessDenied)
}
