package storagetest

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/internal/protocol"
	"github.com/polystore/polystore/signer"
)

// maxFormFields is how many bytes of fields (names and values) may
// precede the file of an upload form.
const maxFormFields = 1 << 20

// formField is one field of an upload form.
type formField struct{ name, value string }

// form holds the fields of an upload form that precede the file. Names
// are matched case-insensitively, as S3 matches them.
type form struct {
	fields []formField
	index  map[string]int // lower-case name → position in fields
}

// lookup returns a field's value and whether the form has it.
func (f *form) lookup(name string) (string, bool) {
	i, ok := f.index[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	return f.fields[i].value, true
}

// get returns a field's value, "" if absent.
func (f *form) get(name string) string {
	v, _ := f.lookup(name)
	return v
}

// opPostObject is POST /bucket with multipart/form-data: a browser form
// upload. The form is read as a stream up to the file, whose bytes are
// read only once the form's signature and policy have been checked.
func (s *Server) opPostObject(c *call) error {
	fw := &s.dialect.Object.PostForm
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return c.formFail(formNotMultipart, "")
	}
	f, file, err := c.readForm(multipart.NewReader(c.r.Body, params["boundary"]), fw.FileField)
	if err != nil {
		return err
	}
	now := s.opts.Clock()
	ver, err := s.verifyForm(c, f, now)
	if err != nil {
		return err
	}
	key := f.get(fw.KeyField)
	if key == "" {
		return c.formFail(formNoKey, "")
	}
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	size := sizeRange{min: 0, max: s.dialect.Limits.MaxPutSize}
	if ver != nil {
		if key, size, err = s.checkFormPolicy(c, f, ver, file.FileName(), now); err != nil {
			return err
		}
	} else {
		key = strings.ReplaceAll(key, "${filename}", file.FileName())
	}
	if fw.NoLeadingSlash && strings.HasPrefix(key, "/") {
		return c.formFail(formBadKey, "it must not start with '/'.")
	}
	for _, name := range []string{"success_action_redirect", "redirect"} {
		if _, ok := f.lookup(name); ok {
			return c.formFail(formRedirect, name)
		}
	}
	attrs, err := s.formAttributes(f, file)
	if err != nil {
		return c.formFail(formContentTypeMismatch, err.Error())
	}
	shadow := *c
	shadow.key = key
	shadow.r = c.r.WithContext(c.r.Context())
	shadow.r.Header = attrs
	obj, err := shadow.objectFromHeaders()
	if err != nil {
		return err
	}
	data, err := c.readFormFile(file, size)
	if err != nil {
		return err
	}
	if sum := f.get("Content-MD5"); sum != "" {
		want, err := parseContentMD5(sum, s.wire.fl == flavorQingStor)
		if err != nil {
			return err
		}
		if got := md5.Sum(data); !bytes.Equal(got[:], want) {
			return kindError(errBadDigest)
		}
	}
	d := bodyDigests(data)
	obj.data, obj.md5, obj.crc64 = d.data, d.md5, d.crc
	if err := s.store.putObject(c.bucket, obj); err != nil {
		return err
	}
	s.answerForm(c, f, obj)
	return nil
}

// readForm reads the fields that precede the file, and returns the file's
// part, positioned at its first byte. Fields after the file are never
// read, as the services ignore them.
func (c *call) readForm(mr *multipart.Reader, fileField string) (*form, *multipart.Part, error) {
	f := &form{index: map[string]int{}}
	total := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, c.formFail(formNoFile, "")
		}
		if err != nil {
			return nil, nil, c.formFail(formMalformed, "")
		}
		name := p.FormName()
		if name == fileField {
			return f, p, nil
		}
		if name == "" {
			return nil, nil, c.formFail(formMalformed, " A part has no form field name.")
		}
		value, err := io.ReadAll(io.LimitReader(p, int64(maxFormFields-total)+1))
		if err != nil {
			return nil, nil, c.formFail(formMalformed, "")
		}
		if total += len(name) + len(value); total > maxFormFields {
			return nil, nil, c.formFail(formFieldsTooLarge, "")
		}
		lower := strings.ToLower(name)
		if _, dup := f.index[lower]; dup {
			return nil, nil, c.formFail(formMalformed, " The field "+strconv.Quote(name)+" appears more than once.")
		}
		f.index[lower] = len(f.fields)
		f.fields = append(f.fields, formField{name: name, value: string(value)})
	}
}

// verifyForm checks the form's signature and records its scheme. It
// returns nil for an unsigned form the server accepts (AllowAnonymous).
func (s *Server) verifyForm(c *call, f *form, now time.Time) (*signer.PostVerified, error) {
	sch := signer.DetectPostScheme(f.get)
	if sch == "" {
		c.scheme = schemeAnonymous
		if _, hasPolicy := f.lookup("policy"); s.opts.AllowAnonymous && !hasPolicy {
			return nil, nil
		}
		s.logf("storagetest: refused form upload to %s: unsigned form (set Options.AllowAnonymous to accept it)", c.bucket)
		return nil, c.fail(errAccessDenied, "")
	}
	c.scheme = string(sch)
	if !slices.Contains(acceptedSchemes[s.wire.fl], c.scheme) {
		return nil, c.fail(errAuthUnsupported, "Unsupported Authorization Type: the "+s.dialect.Name+" dialect does not accept "+c.scheme+" form signatures.")
	}
	ver, err := signer.VerifyPost(f.get, s.lookup, now)
	if err != nil {
		s.logf("storagetest: refused form upload to %s: %v", c.bucket, err)
		return nil, c.verifyFailure(err)
	}
	c.signedAt = ver.SignedAt
	return ver, nil
}

// formContentHeaders are the standard headers a form field may set.
var formContentHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// formAttributes turns the form's fields into the request headers a PUT
// would carry, so that the object is built as PutObject builds it:
// Content-Type, the standard content headers, the ACL and every
// vendor-prefixed field (metadata, storage class, grants, SSE-C).
func (s *Server) formAttributes(f *form, file *multipart.Part) (http.Header, error) {
	fw := &s.dialect.Object.PostForm
	h := http.Header{}
	for _, x := range f.fields {
		lower := strings.ToLower(x.name)
		switch {
		case strings.EqualFold(x.name, fw.ContentTypeField):
			h.Set("Content-Type", x.value)
		case fw.ACLField != "" && lower == fw.ACLField:
			h.Set(s.dialect.Object.ACLHeader, x.value)
		case strings.HasPrefix(lower, s.wire.prefix):
			h.Set(x.name, x.value)
		default:
			for _, name := range formContentHeaders {
				if strings.EqualFold(x.name, name) {
					h.Set(name, x.value)
				}
			}
		}
	}
	if fw.FileContentTypeMatch {
		partType, field := file.Header.Get("Content-Type"), h.Get("Content-Type")
		switch {
		case field == "":
			h.Set("Content-Type", partType)
		case partType != "" && !strings.EqualFold(partType, field):
			return nil, errors.New(strconv.Quote(partType) + " is not " + strconv.Quote(field))
		}
	}
	return h, nil
}

// sizeRange bounds the size of an uploaded file.
type sizeRange struct{ min, max int64 }

// readFormFile reads the file, refusing it once it is larger than size
// allows.
func (c *call) readFormFile(file io.Reader, size sizeRange) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(file, size.max+1))
	if err != nil {
		return nil, c.formFail(formMalformed, "")
	}
	switch {
	case n > size.max:
		return nil, c.formFail(formTooLarge, "")
	case n < size.min:
		return nil, kindError(errEntityTooSmall)
	}
	return buf.Bytes(), nil
}

// answerForm answers a stored upload with the status the form asked for
// (or the dialect's default): S3 sends an XML PostResponse with 201.
func (s *Server) answerForm(c *call, f *form, obj *object) {
	fw := &s.dialect.Object.PostForm
	status := fw.DefaultStatus
	if fw.StatusField != "" {
		if n, err := strconv.Atoi(f.get(fw.StatusField)); err == nil && slices.Contains(fw.Statuses, n) {
			status = n
		}
	}
	h := c.w.Header()
	location := "http://" + c.r.Host + "/" + c.bucket + "/" + protocol.EscapePath(obj.key)
	if c.vhost {
		location = "http://" + c.r.Host + "/" + protocol.EscapePath(obj.key)
	}
	h.Set("Location", location)
	h.Set("ETag", obj.etag())
	if name := s.dialect.Object.CRC64Header; name != "" {
		h.Set(name, strconv.FormatUint(obj.crc64, 10))
	}
	c.setVersionHeader(obj)
	c.setSSEHeaders(obj.sse)
	switch {
	case status == http.StatusCreated && fw.CreatedBody:
		c.result(status, &postResponse{Location: location, Bucket: c.bucket, Key: obj.key, ETag: obj.etag()})
	case status == http.StatusNoContent:
		c.noContent(status)
	default:
		c.emptyOK(status)
	}
}

// postResponse is S3's answer to a form upload that asked for 201.
type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse" json:"-"`
	Location string   `xml:"Location" json:"location"`
	Bucket   string   `xml:"Bucket" json:"bucket"`
	Key      string   `xml:"Key" json:"key"`
	ETag     string   `xml:"ETag" json:"etag"`
}

func (r *postResponse) xmlForm(*wire) any  { return r }
func (r *postResponse) jsonForm(*wire) any { return r }
