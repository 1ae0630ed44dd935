package multipart_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/multipart"
)

// TestChecksumInput checks that bad checksum input is refused before any
// request: invalid values where the dialect has additional checksums,
// ErrNotSupported where it has not.
func TestChecksumInput(t *testing.T) {
	ctx := context.Background()
	for _, d := range allDialects {
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d)
			uploads := multipart.NewClient(c)
			b := bucketFor(d, "valid-bucket")
			first := d.Limits.FirstPartNumber
			crc := client.ComputeChecksum(client.ChecksumCRC32C, []byte("a"))
			sha := client.ComputeChecksum(client.ChecksumSHA1, []byte("b"))
			part := func(n int, sum client.Checksum) multipart.CompletedPart {
				return multipart.CompletedPart{PartNumber: first + n, ETag: "e", Checksum: sum}
			}
			complete := func(parts ...multipart.CompletedPart) func() error {
				return func() error {
					_, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: "u", Parts: parts})
					return err
				}
			}
			supported := d.Has(client.FeatureChecksums)
			cases := []struct {
				name  string
				field string // on a dialect with checksums; "" if the input is valid there (not sent)
				unsup string // the field named by ErrNotSupported elsewhere
				call  func() error
			}{
				{"initiate with CRC32C", "", "ChecksumAlgorithm", func() error {
					_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k", ChecksumAlgorithm: client.ChecksumCRC32C})
					return err
				}},
				{"initiate with CRC64NVME", "ChecksumAlgorithm", "ChecksumAlgorithm", func() error {
					_, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k", ChecksumAlgorithm: client.ChecksumCRC64NVME})
					return err
				}},
				{"upload part with a short value", "Checksum.Value", "Checksum", func() error {
					_, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: "u", PartNumber: first,
						Body: strings.NewReader("a"), Checksum: client.Checksum{Algorithm: client.ChecksumCRC32C, Value: []byte{1}}})
					return err
				}},
				{"complete with mixed algorithms", "Parts[1].Checksum.Algorithm", "Parts[0].Checksum", complete(part(0, crc), part(1, sha))},
				{"complete with a checksum missing", "Parts[1].Checksum", "Parts[0].Checksum", complete(part(0, crc), part(1, client.Checksum{}))},
				{"complete with the first checksum missing", "Parts[0].Checksum", "Parts[1].Checksum", complete(part(0, client.Checksum{}), part(1, crc))},
			}
			for _, tc := range cases {
				if supported && tc.field == "" {
					continue
				}
				err := tc.call()
				var ia *client.InvalidArgumentError
				switch {
				case !supported:
					if !errors.As(err, &ia) || ia.Field != tc.unsup || !errors.Is(err, client.ErrNotSupported) {
						t.Errorf("%s: err = %v, want ErrNotSupported naming %s", tc.name, err, tc.unsup)
					}
				default:
					if !errors.As(err, &ia) || ia.Field != tc.field || !errors.Is(err, client.ErrInvalidArgument) {
						t.Errorf("%s: err = %v, want an InvalidArgumentError on %s", tc.name, err, tc.field)
					}
				}
			}
			if reqs := srv.Requests(); len(reqs) != 0 {
				t.Errorf("refused calls reached the server: %d requests, first %+v", len(reqs), reqs[0])
			}
		})
	}
}

// TestChecksumWire checks what an upload with additional checksums sends
// and reads on S3 and IBM: the algorithm header, each part's checksum
// header, the checksum elements of the complete body (byte for byte), and
// the checksums of the answers and of ListParts.
func TestChecksumWire(t *testing.T) {
	ctx := context.Background()
	for _, d := range []client.Dialect{client.S3, client.IBM} {
		d.Limits.MinPartSize = 1 << 10
		t.Run(d.Name, func(t *testing.T) {
			srv, c := newServer(t, d)
			b := bucketFor(d, "sums")
			if _, err := bucket.NewClient(c).Create(ctx, &bucket.CreateInput{Bucket: b}); err != nil {
				t.Fatal(err)
			}
			uploads := multipart.NewClient(c)
			up, err := uploads.Initiate(ctx, &multipart.InitiateInput{Bucket: b, Key: "k", ChecksumAlgorithm: client.ChecksumSHA256})
			if err != nil {
				t.Fatal(err)
			}
			if got := lastRequest(srv).Header.Get("x-amz-checksum-algorithm"); got != "SHA256" || up.ChecksumAlgorithm != client.ChecksumSHA256 {
				t.Errorf("initiate: sent x-amz-checksum-algorithm %q, answer says %v", got, up.ChecksumAlgorithm)
			}
			data := [][]byte{bytes.Repeat([]byte("a"), 1<<10), []byte("tail")}
			var parts []multipart.CompletedPart
			var sums []client.Checksum
			for i, p := range data {
				sum := client.ComputeChecksum(client.ChecksumSHA256, p)
				out, err := uploads.UploadPart(ctx, &multipart.UploadPartInput{Bucket: b, Key: "k", UploadID: up.UploadID, PartNumber: i + 1,
					Body: bytes.NewReader(p), Checksum: sum})
				if err != nil {
					t.Fatal(err)
				}
				if got := lastRequest(srv).Header.Get("x-amz-checksum-sha256"); got != sum.String() || !out.Checksum.Equal(sum) {
					t.Errorf("part %d: sent %q, answer %q, want %q", i+1, got, out.Checksum, sum)
				}
				parts = append(parts, multipart.CompletedPart{PartNumber: i + 1, ETag: out.ETag, Checksum: out.Checksum})
				sums = append(sums, sum)
			}
			i := 0
			for p, err := range uploads.ListParts(ctx, &multipart.ListPartsInput{Bucket: b, Key: "k", UploadID: up.UploadID}) {
				if err != nil {
					t.Fatal(err)
				}
				if !p.Checksum.Equal(sums[i]) {
					t.Errorf("listed part %d: checksum %q, want %q", p.PartNumber, p.Checksum, sums[i])
				}
				i++
			}
			done, err := uploads.Complete(ctx, &multipart.CompleteInput{Bucket: b, Key: "k", UploadID: up.UploadID,
				Parts: []multipart.CompletedPart{parts[1], parts[0]}})
			if err != nil {
				t.Fatal(err)
			}
			var want strings.Builder
			want.WriteString("<CompleteMultipartUpload>")
			for _, p := range parts {
				fmt.Fprintf(&want, `<Part><PartNumber>%d</PartNumber><ETag>&#34;%s&#34;</ETag><ChecksumSHA256>%s</ChecksumSHA256></Part>`, p.PartNumber, p.ETag, p.Checksum)
			}
			want.WriteString("</CompleteMultipartUpload>")
			sent := md5.Sum([]byte(want.String()))
			if got := lastRequest(srv).BodyMD5; got != hex.EncodeToString(sent[:]) {
				t.Errorf("complete body is not %s", want.String())
			}
			composite, err := client.CompositeChecksum(sums)
			if err != nil {
				t.Fatal(err)
			}
			if !done.Checksum.Equal(composite) || done.Checksum.Parts != 2 {
				t.Errorf("complete answer checksum %q (parts %d), want %q", done.Checksum, done.Checksum.Parts, composite)
			}
		})
	}
}
