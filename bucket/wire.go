package bucket

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"github.com/polystore/polystore/internal/opkit"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
)

// Owner is the owner of a bucket, an object or an upload.
type Owner struct {
	// ID is the account's canonical id (S3), CAM id
	// ("qcs::cam::uin/100000000001:uin/100000000001", COS) or user id
	// ("usr-xxxxxxxx", QingStor).
	ID string
	// DisplayName is the account's display name, where the service has one.
	DisplayName string
}

// xmlOwner is the Owner (or Initiator) element of S3 documents.
type xmlOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

func (o *xmlOwner) owner() *Owner {
	if o == nil || (o.ID == "" && o.DisplayName == "") {
		return nil
	}
	return &Owner{ID: o.ID, DisplayName: o.DisplayName}
}

// jsonOwner is the owner object of QingStor documents.
type jsonOwner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (o *jsonOwner) owner() *Owner {
	if o == nil || (o.ID == "" && o.Name == "") {
		return nil
	}
	return &Owner{ID: o.ID, DisplayName: o.Name}
}

// xmlPrefix is a CommonPrefixes element.
type xmlPrefix struct {
	Prefix string `xml:"Prefix"`
}

// setDocument attaches a configuration document to r with the content
// type and, where the dialect wants it, a Content-MD5.
func setDocument(d *client.Dialect, r *opkit.Request, body []byte, contentType string) {
	r.Body = opkit.BytesBody(body)
	r.Header.Set("Content-Type", contentType)
	if d.Bucket.ConfigMD5 {
		sum := md5.Sum(body)
		r.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(sum[:]))
	}
}

// setXML marshals v as the request body.
func setXML(d *client.Dialect, r *opkit.Request, v any) error {
	body, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	setDocument(d, r, body, "application/xml")
	return nil
}

// setJSON marshals v as the request body.
func setJSON(d *client.Dialect, r *opkit.Request, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	setDocument(d, r, body, "application/json")
	return nil
}

// isJSON reports whether the dialect's bucket documents are QingStor JSON.
func isJSON(d *client.Dialect) bool { return d.Bucket.Shape == client.ShapeQingStorJSON }

// subresource starts a bucket-level request for a subresource such as
// "?cors".
func subresource(r *opkit.Request, method, bucket, name string) {
	r.Method, r.Bucket = method, bucket
	r.Query.Set(name, "")
}

// checkBucket validates the bucket name.
func checkBucket(d *client.Dialect, bucket string) error { return opkit.CheckBucket(d, bucket) }

// requestID fills only the request id of an output.
func requestID(d *client.Dialect, resp *http.Response) string { return opkit.RequestID(d, resp.Header) }

// pageSize checks a page size and clamps it to the dialect's maximum. It
// returns 0 (send nothing) for 0.
func pageSize(field string, n, most int) (int, error) {
	if n < 0 {
		return 0, client.InvalidArgument(field, "must not be negative, got %d", n)
	}
	if most > 0 && n > most {
		return most, nil
	}
	return n, nil
}

// setSize sets a page-size parameter when both the name and the size are
// set.
func setSize(q url.Values, param string, n int) {
	if param != "" && n > 0 {
		q.Set(param, strconv.Itoa(n))
	}
}

// flexTime is a QingStor timestamp: an RFC 3339 string in most documents,
// Unix seconds in GET Bucket's "modified".
type flexTime struct{ time.Time }

// UnmarshalJSON reads a string timestamp or Unix seconds.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null" || s == `""`:
		return nil
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		if n, err := strconv.ParseInt(str, 10, 64); err == nil {
			t.Time = time.Unix(n, 0).UTC()
			return nil
		}
		t.Time = opkit.ParseTime(str)
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is neither a string nor a number", s)
	}
	t.Time = time.Unix(int64(n), 0).UTC()
	return nil
}

// urlDecoder decodes names a server URL-encoded because the request asked
// for encoding-type=url, remembering the first failure.
type urlDecoder struct {
	on  bool
	err error
}

func newURLDecoder(encodingType string) *urlDecoder {
	return &urlDecoder{on: strings.EqualFold(strings.TrimSpace(encodingType), "url")}
}

// s decodes one value in place.
func (u *urlDecoder) s(p *string) {
	if !u.on || *p == "" {
		return
	}
	v, err := url.QueryUnescape(*p)
	if err != nil {
		if u.err == nil {
			u.err = fmt.Errorf("decoding URL-encoded name %q: %w", *p, err)
		}
		return
	}
	*p = v
}

// maxDocument caps how much of a configuration document (a policy) is
// read.
const maxDocument = 1 << 20

// readDocument reads a whole response body of at most maxDocument bytes.
func readDocument(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxDocument {
		return nil, fmt.Errorf("document is larger than %d bytes", maxDocument)
	}
	return b, nil
}

// notFound reports an absent configuration that the service answered with
// an empty document rather than an error, so that every dialect reports it
// the same way: an error matching client.ErrNotFound.
func notFound(c *client.Client, op, what string) error {
	return &client.OperationError{
		Dialect: c.Dialect().Name, Op: op,
		Err: fmt.Errorf("%w: the bucket has no %s", client.ErrNotFound, what),
	}
}
