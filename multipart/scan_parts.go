package multipart

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
	"github.com/polystore/polystore/internal/xmlscan"
)

// maxPartsListing caps how much of one ListParts answer is read.
const maxPartsListing = 64 << 20

// decodeListParts reads a ListParts answer. XML answers are scanned by
// internal/xmlscan, like the bucket package's listings; one the scanner
// cannot decide (an <Error> document in a 200, comments, CDATA, anything
// malformed) is decoded from the same bytes by opkit.DecodeResult, which
// decides, so the result is what DecodeResult gives (FuzzPartsDecoder
// checks it). JSON answers go to DecodeResult directly.
func decodeListParts(d *client.Dialect, resp *http.Response, res *listPartsResult) error {
	if d.Codec == client.JSON {
		return opkit.DecodeResult(d, "ListParts", resp, res)
	}
	s, err := xmlscan.Read(io.LimitReader(resp.Body, maxPartsListing))
	if err != nil {
		return err
	}
	defer s.Release()
	if scanListParts(s, res) {
		return nil
	}
	*res = listPartsResult{}
	again := *resp
	again.Body = io.NopCloser(bytes.NewReader(s.Bytes()))
	return opkit.DecodeResult(d, "ListParts", &again, res)
}

// scanListParts decodes the document s holds, and reports false if the
// scanner cannot decide it, a value does not parse, or the root is an
// <Error>.
func scanListParts(s *xmlscan.Scanner, res *listPartsResult) bool {
	var (
		cur *listPart    // the Part being read
		sum *checksumXML // the checksum element (any other child of Part) being read
	)
	for {
		switch s.Next() {
		case xmlscan.Start:
			depth, name := s.Depth(), s.Local()
			switch {
			case depth == 1 && string(name) == "Error":
				return false
			case depth == 2 && string(name) == "Part":
				res.Parts = append(res.Parts, listPart{})
				cur = &res.Parts[len(res.Parts)-1]
			case depth == 3 && string(s.Name(2)) == "Part" && !partField(name):
				cur.Checksums = append(cur.Checksums, checksumXML{XMLName: xml.Name{Local: string(name)}})
				sum = &cur.Checksums[len(cur.Checksums)-1]
			}
		case xmlscan.End:
			if !setPartsField(res, cur, sum, s) {
				return false
			}
		case xmlscan.Done:
			return true
		default:
			return false
		}
	}
}

// partField reports whether a child of Part is one of its named fields;
// every other child is a checksum element (",any").
func partField(name []byte) bool {
	switch string(name) {
	case "PartNumber", "ETag", "Size", "LastModified":
		return true
	}
	return false
}

// setPartsField stores the text of the element that just ended.
func setPartsField(res *listPartsResult, cur *listPart, sum *checksumXML, s *xmlscan.Scanner) bool {
	text := s.Text()
	switch s.Depth() {
	case 2:
		switch string(s.Local()) {
		case "IsTruncated":
			v, err := xmlscan.ParseBool(text)
			if err != nil {
				return false
			}
			res.IsTruncated = v
		case "NextPartNumberMarker":
			res.NextPartNumberMarker = string(text)
		}
	case 3:
		if string(s.Name(2)) != "Part" {
			return true
		}
		switch string(s.Local()) {
		case "PartNumber":
			n, err := xmlscan.ParseInt(text, strconv.IntSize)
			if err != nil {
				return false
			}
			cur.PartNumber = int(n)
		case "ETag":
			cur.ETag = string(text)
		case "Size":
			n, err := xmlscan.ParseInt(text, 64)
			if err != nil {
				return false
			}
			cur.Size = n
		case "LastModified":
			cur.LastModified = string(text)
		default:
			sum.Value = string(text)
		}
	}
	return true
}
