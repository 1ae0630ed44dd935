package bucket

import (
	"bytes"
	"encoding/xml"
	"io"

	"github.com/polystore/polystore/internal/xmlscan"
)

// The versions and uploads listings are decoded like the object listing
// (decodeListBucketResult): scanned by internal/xmlscan, and decoded by
// encoding/xml from the same bytes only when the scanner cannot decide.
// Each decodes what opkit.DecodeBody (xml.Decoder.Decode) decodes into
// its document type, which FuzzVersionsDecoder and FuzzUploadsDecoder
// check.

// decodeListVersions reads a ListVersionsResult.
func decodeListVersions(r io.Reader, res *xmlListVersionsResult) error {
	return decodeScanned(r, res, scanListVersions)
}

// decodeScanned reads a listing document (at most maxListing bytes) with
// scan, and a document scan cannot decide with encoding/xml, from the same
// bytes, into a fresh *res: its verdict stands.
func decodeScanned[T any](r io.Reader, res *T, scan func(*xmlscan.Scanner, *T) bool) error {
	s, err := xmlscan.Read(io.LimitReader(r, maxListing))
	if err != nil {
		return err
	}
	defer s.Release()
	if scan(s, res) {
		return nil
	}
	var zero T
	*res = zero
	return xml.NewDecoder(bytes.NewReader(s.Bytes())).Decode(res)
}

// versionsField reports whether a child of ListVersionsResult is one of
// its named fields; every other child is an entry (",any"), of which
// Version and DeleteMarker are used.
func versionsField(name []byte) bool {
	switch string(name) {
	case "EncodingType", "IsTruncated", "NextKeyMarker", "NextVersionIdMarker", "CommonPrefixes":
		return true
	}
	return false
}

// scanListVersions decodes the document s holds, and reports false if the
// scanner cannot decide it or a value does not parse.
func scanListVersions(s *xmlscan.Scanner, res *xmlListVersionsResult) bool {
	var cur *xmlVersionEntry // the entry being read
	for {
		switch s.Next() {
		case xmlscan.Start:
			depth, name := s.Depth(), s.Local()
			switch {
			case depth == 2 && string(name) == "CommonPrefixes":
				res.CommonPrefixes = append(res.CommonPrefixes, xmlPrefix{})
			case depth == 2 && !versionsField(name):
				res.Entries = append(res.Entries, xmlVersionEntry{XMLName: xml.Name{Local: xmlscan.String(name)}})
				cur = &res.Entries[len(res.Entries)-1]
			case depth == 3 && string(name) == "Owner" && !versionsField(s.Name(2)) && cur.Owner == nil:
				cur.Owner = &xmlOwner{}
			}
		case xmlscan.End:
			if !setVersionsField(res, cur, s) {
				return false
			}
		case xmlscan.Done:
			return true
		default:
			return false
		}
	}
}

// setVersionsField stores the text of the element that just ended.
func setVersionsField(res *xmlListVersionsResult, cur *xmlVersionEntry, s *xmlscan.Scanner) bool {
	text := s.Text()
	switch s.Depth() {
	case 2:
		switch string(s.Local()) {
		case "EncodingType":
			res.EncodingType = xmlscan.String(text)
		case "IsTruncated":
			v, err := xmlscan.ParseBool(text)
			if err != nil {
				return false
			}
			res.IsTruncated = v
		case "NextKeyMarker":
			res.NextKeyMarker = string(text)
		case "NextVersionIdMarker":
			res.NextVersionIDMarker = string(text)
		}
	case 3:
		parent := s.Name(2)
		if string(parent) == "CommonPrefixes" {
			if string(s.Local()) == "Prefix" {
				res.CommonPrefixes[len(res.CommonPrefixes)-1].Prefix = string(text)
			}
			return true
		}
		if versionsField(parent) {
			return true
		}
		switch string(s.Local()) {
		case "Key":
			cur.Key = string(text)
		case "VersionId":
			cur.VersionID = string(text)
		case "IsLatest":
			v, err := xmlscan.ParseBool(text)
			if err != nil {
				return false
			}
			cur.IsLatest = v
		case "LastModified":
			cur.LastModified = string(text)
		case "ETag":
			cur.ETag = string(text)
		case "Size":
			n, err := xmlscan.ParseInt(text, 64)
			if err != nil {
				return false
			}
			cur.Size = n
		case "StorageClass":
			cur.StorageClass = xmlscan.String(text)
		}
	case 4:
		if !versionsField(s.Name(2)) && string(s.Name(3)) == "Owner" {
			setOwnerField(cur.Owner, s.Local(), text)
		}
	}
	return true
}

// setOwnerField stores a child of an Owner or Initiator element.
func setOwnerField(o *xmlOwner, name, text []byte) {
	switch string(name) {
	case "ID":
		o.ID = string(text)
	case "DisplayName":
		o.DisplayName = string(text)
	}
}

// decodeListUploads reads a ListMultipartUploadsResult.
func decodeListUploads(r io.Reader, res *xmlListUploadsResult) error {
	return decodeScanned(r, res, scanListUploads)
}

// scanListUploads decodes the document s holds, and reports false if the
// scanner cannot decide it or a value does not parse.
func scanListUploads(s *xmlscan.Scanner, res *xmlListUploadsResult) bool {
	var cur *xmlUpload // the Upload element being read
	for {
		switch s.Next() {
		case xmlscan.Start:
			depth, name := s.Depth(), s.Local()
			switch {
			case depth == 2 && string(name) == "Upload":
				res.Uploads = append(res.Uploads, xmlUpload{})
				cur = &res.Uploads[len(res.Uploads)-1]
			case depth == 2 && string(name) == "CommonPrefixes":
				res.CommonPrefixes = append(res.CommonPrefixes, xmlPrefix{})
			case depth == 3 && string(s.Name(2)) == "Upload" && string(name) == "Owner" && cur.Owner == nil:
				cur.Owner = &xmlOwner{}
			case depth == 3 && string(s.Name(2)) == "Upload" && string(name) == "Initiator" && cur.Initiator == nil:
				cur.Initiator = &xmlOwner{}
			}
		case xmlscan.End:
			if !setUploadsField(res, cur, s) {
				return false
			}
		case xmlscan.Done:
			return true
		default:
			return false
		}
	}
}

// setUploadsField stores the text of the element that just ended.
func setUploadsField(res *xmlListUploadsResult, cur *xmlUpload, s *xmlscan.Scanner) bool {
	text := s.Text()
	switch s.Depth() {
	case 2:
		switch string(s.Local()) {
		case "EncodingType":
			res.EncodingType = xmlscan.String(text)
		case "IsTruncated":
			v, err := xmlscan.ParseBool(text)
			if err != nil {
				return false
			}
			res.IsTruncated = v
		case "NextKeyMarker":
			res.NextKeyMarker = string(text)
		case "NextUploadIdMarker":
			res.NextUploadIDMarker = string(text)
		}
	case 3:
		switch string(s.Name(2)) {
		case "CommonPrefixes":
			if string(s.Local()) == "Prefix" {
				res.CommonPrefixes[len(res.CommonPrefixes)-1].Prefix = string(text)
			}
		case "Upload":
			switch string(s.Local()) {
			case "Key":
				cur.Key = string(text)
			case "UploadId":
				cur.UploadID = string(text)
			case "Initiated":
				cur.Initiated = string(text)
			case "StorageClass":
				cur.StorageClass = xmlscan.String(text)
			}
		}
	case 4:
		if string(s.Name(2)) != "Upload" {
			return true
		}
		switch string(s.Name(3)) {
		case "Owner":
			setOwnerField(cur.Owner, s.Local(), text)
		case "Initiator":
			setOwnerField(cur.Initiator, s.Local(), text)
		}
	}
	return true
}
