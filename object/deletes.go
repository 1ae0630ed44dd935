package object

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"github.com/polystore/polystore/internal/opkit"
	"net/http"

	"github.com/polystore/polystore/client"
)

// ObjectID names an object, or one version of it.
type ObjectID struct {
	Key       string
	VersionID string
}

// DeleteObjectsInput is the input of DeleteObjects.
type DeleteObjectsInput struct {
	Bucket string
	// Objects to delete: any number, sent in requests of at most the
	// dialect's Limits.MaxDeleteKeys (1000) keys each.
	Objects []ObjectID
	// Quiet asks the service to report failures only; Deleted stays empty.
	Quiet bool
}

// DeletedObject is one successful deletion.
type DeletedObject struct {
	Key       string
	VersionID string
	// DeleteMarker says a delete marker was created (or deleted);
	// DeleteMarkerVersionID is its version.
	DeleteMarker          bool
	DeleteMarkerVersionID string
}

// DeleteError is one key the service could not delete. It is an error
// that matches the kind of its code (client.ErrAccessDenied, ...) with
// errors.Is.
type DeleteError struct {
	Key       string
	VersionID string
	Code      string
	Message   string
	kind      error
}

// Error describes the key and the service's code and message.
func (e *DeleteError) Error() string {
	s := fmt.Sprintf("polystore: deleting %q", e.Key)
	if e.VersionID != "" {
		s += " version " + e.VersionID
	}
	return s + ": " + e.Code + ": " + e.Message
}

// Is reports whether target is the error's kind.
func (e *DeleteError) Is(target error) bool { return e.kind != nil && target == e.kind }

// DeleteObjectsOutput is the result of DeleteObjects.
type DeleteObjectsOutput struct {
	// Deleted lists the keys deleted (empty in quiet mode).
	Deleted []DeletedObject
	// Errors lists the keys that could not be deleted, each with the
	// service's code and message. The call itself succeeds when only some
	// keys failed.
	Errors []*DeleteError
	// RequestIDs has one id per request sent.
	RequestIDs []string
}

// deleteBatch is one request's worth of keys.
type deleteBatch struct {
	Bucket  string
	Objects []ObjectID
	Quiet   bool
}

type deleteXML struct {
	XMLName xml.Name          `xml:"Delete"`
	Quiet   bool              `xml:"Quiet,omitempty"`
	Objects []deleteObjectXML `xml:"Object"`
}

type deleteObjectXML struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

type deleteJSON struct {
	Objects []deleteObjectJSON `json:"objects"`
	Quiet   bool               `json:"quiet,omitempty"`
}

type deleteObjectJSON struct {
	Key       string `json:"key"`
	VersionID string `json:"version_id,omitempty"`
}

type deleteResult struct {
	Deleted []struct {
		Key                   string `xml:"Key" json:"key"`
		VersionID             string `xml:"VersionId" json:"version_id"`
		DeleteMarker          bool   `xml:"DeleteMarker" json:"delete_marker"`
		DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId" json:"delete_marker_version_id"`
	} `xml:"Deleted" json:"deleted"`
	Errors []struct {
		Key       string `xml:"Key" json:"key"`
		VersionID string `xml:"VersionId" json:"version_id"`
		Code      string `xml:"Code" json:"code"`
		Message   string `xml:"Message" json:"message"`
	} `xml:"Error" json:"errors"`
}

type deleteBatchOutput struct {
	DeleteObjectsOutput
}

var deleteBatchOp = opkit.Op[deleteBatch, deleteBatchOutput]{
	Name:       "DeleteObjects",
	Idempotent: true,
	Serialize: func(d *client.Dialect, _ *client.Options, in *deleteBatch, r *opkit.Request) error {
		var body []byte
		var err error
		if d.Codec == client.JSON {
			doc := deleteJSON{Quiet: in.Quiet, Objects: make([]deleteObjectJSON, len(in.Objects))}
			for i, o := range in.Objects {
				doc.Objects[i] = deleteObjectJSON(o)
			}
			body, err = json.Marshal(doc)
			r.Header.Set("Content-Type", "application/json")
		} else {
			doc := deleteXML{Quiet: in.Quiet, Objects: make([]deleteObjectXML, len(in.Objects))}
			for i, o := range in.Objects {
				doc.Objects[i] = deleteObjectXML(o)
			}
			body, err = xml.Marshal(doc)
			r.Header.Set("Content-Type", "application/xml")
		}
		if err != nil {
			return err
		}
		sum := md5.Sum(body)
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		r.Method, r.Bucket, r.Body = http.MethodPost, in.Bucket, opkit.BytesBody(body)
		r.Query.Set("delete", "")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *deleteBatchOutput) error {
		var res deleteResult
		if err := opkit.DecodeResult(d, "DeleteObjects", resp, &res); err != nil {
			return err
		}
		for _, o := range res.Deleted {
			out.Deleted = append(out.Deleted, DeletedObject(o))
		}
		for _, e := range res.Errors {
			out.Errors = append(out.Errors, &DeleteError{Key: e.Key, VersionID: e.VersionID, Code: e.Code, Message: e.Message,
				kind: opkit.ErrorKind(d, e.Code, 0)})
		}
		out.RequestIDs = []string{opkit.RequestID(d, resp.Header)}
		return nil
	},
}

// DeleteObjects deletes many objects (or versions) with as few requests as
// the dialect allows, splitting the list into batches of
// Limits.MaxDeleteKeys. Keys that could not be deleted are reported in
// the output's Errors, not as the call's error. If a request fails, the
// call stops and returns the results so far with the error; the keys of
// later batches were not attempted.
func (c *Client) DeleteObjects(ctx context.Context, in *DeleteObjectsInput, optFns ...func(*client.Options)) (*DeleteObjectsOutput, error) {
	d := opkit.DialectOf(c.c)
	if in == nil {
		in = &DeleteObjectsInput{}
	}
	if err := checkDeleteObjects(d, in); err != nil {
		return nil, withOp(err, deleteBatchOp.Name)
	}
	batch := d.Limits.MaxDeleteKeys
	if batch <= 0 {
		batch = len(in.Objects)
	}
	out := &DeleteObjectsOutput{}
	for start := 0; start < len(in.Objects); start += batch {
		end := min(start+batch, len(in.Objects))
		res, err := opkit.Invoke(ctx, c.c, &deleteBatchOp, &deleteBatch{Bucket: in.Bucket, Objects: in.Objects[start:end], Quiet: in.Quiet}, optFns)
		if err != nil {
			return out, err
		}
		out.Deleted = append(out.Deleted, res.Deleted...)
		out.Errors = append(out.Errors, res.Errors...)
		out.RequestIDs = append(out.RequestIDs, res.RequestIDs...)
	}
	return out, nil
}

func checkDeleteObjects(d *client.Dialect, in *DeleteObjectsInput) error {
	if err := opkit.CheckBucket(d, in.Bucket); err != nil {
		return err
	}
	if len(in.Objects) == 0 {
		return client.InvalidArgument("Objects", "must name at least one object")
	}
	for i, o := range in.Objects {
		if err := opkit.ValidateKey(d, o.Key); err != nil {
			return opkit.Rename(err, fmt.Sprintf("Objects[%d].Key", i))
		}
		if err := checkVersionID(d, fmt.Sprintf("Objects[%d].VersionID", i), o.VersionID); err != nil {
			return err
		}
		if d.Codec == client.XML && !xmlSafe(o.Key) {
			return client.InvalidArgument(fmt.Sprintf("Objects[%d].Key", i), "%q has a character XML 1.0 cannot carry; delete it with Delete", o.Key)
		}
	}
	return nil
}

// xmlSafe reports whether s has only characters XML 1.0 can carry.
func xmlSafe(s string) bool {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}
