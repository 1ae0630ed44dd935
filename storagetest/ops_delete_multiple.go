package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// defaultMaxDeleteKeys is the most keys one DeleteObjects request may
// name when the dialect does not say.
const defaultMaxDeleteKeys = 1000

// deleteTarget is one key (and version) a DeleteObjects request names.
type deleteTarget struct {
	key, versionID string
}

// deleteOutcome is what happened to one target.
type deleteOutcome struct {
	deleteTarget
	res     deleteResult
	code    string // error code, if the delete failed
	message string
}

// opDeleteObjects is POST /bucket?delete: S3's and COS's
// <Delete><Quiet/><Object><Key/><VersionId/></Object>...</Delete>, or
// QingStor's {"objects":[{"key":"..."}],"quiet":false}. Content-MD5 is
// required by all three. Quiet mode reports only the failures.
func (s *Server) opDeleteObjects(c *call) error {
	body, err := c.readConfigBody(true)
	if err != nil {
		return err
	}
	targets, quiet, err := c.parseDeleteBody(body)
	if err != nil {
		return err
	}
	limit := s.dialect.Limits.MaxDeleteKeys
	if limit <= 0 {
		limit = defaultMaxDeleteKeys
	}
	if len(targets) == 0 {
		return kindError(errMalformedXML)
	}
	if len(targets) > limit {
		return c.fail(errTooManyKeys, "The request names "+strconv.Itoa(len(targets))+" keys; the limit is "+strconv.Itoa(limit)+".")
	}
	now := s.opts.Clock()
	res := &deleteObjectsResult{quiet: quiet}
	err = s.store.withBucket(c.bucket, func(b *bucket) error {
		for _, t := range targets {
			o := deleteOutcome{deleteTarget: t}
			if kerr := c.checkKeyLength(t.key); t.key == "" || kerr != nil {
				e := s.wire.errorFor(errKeyTooLong, "")
				if t.key == "" {
					e = s.wire.errorFor(errInvalidArgument, "The key is empty.")
				}
				o.code, o.message = e.Code, e.Message
			} else if perr := s.checkUnprotected(b, t.key, t.versionID); perr != nil {
				e := s.errProtected()
				o.code, o.message = e.Code, e.Message
			} else {
				o.res = s.store.delete(b, t.key, t.versionID, now)
			}
			res.outcomes = append(res.outcomes, o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.result(http.StatusOK, res)
	return nil
}

// parseDeleteBody reads the target list in the dialect's codec.
func (c *call) parseDeleteBody(body []byte) ([]deleteTarget, bool, error) {
	var out []deleteTarget
	if c.s.wire.fl == flavorQingStor {
		var in struct {
			Objects []struct {
				Key       string `json:"key"`
				VersionID string `json:"version_id"`
			} `json:"objects"`
			Quiet bool `json:"quiet"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, false, c.fail(errMalformedXML, "The request body is not valid JSON: "+err.Error())
		}
		for _, o := range in.Objects {
			out = append(out, deleteTarget{key: o.Key, versionID: o.VersionID})
		}
		return out, in.Quiet, nil
	}
	var in struct {
		XMLName xml.Name `xml:"Delete"`
		Quiet   bool     `xml:"Quiet"`
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(body, &in); err != nil {
		return nil, false, kindError(errMalformedXML)
	}
	for _, o := range in.Objects {
		out = append(out, deleteTarget{key: o.Key, versionID: o.VersionID})
	}
	return out, in.Quiet, nil
}

type deleteObjectsResult struct {
	quiet    bool
	outcomes []deleteOutcome
}

type xmlDeleted struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type xmlDeleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

type xmlDeleteResult struct {
	XMLName xml.Name         `xml:"DeleteResult"`
	Xmlns   string           `xml:"xmlns,attr,omitempty"`
	Deleted []xmlDeleted     `xml:"Deleted"`
	Errors  []xmlDeleteError `xml:"Error"`
}

func (r *deleteObjectsResult) xmlForm(w *wire) any {
	out := xmlDeleteResult{Xmlns: w.xmlns()}
	for _, o := range r.outcomes {
		if o.code != "" {
			out.Errors = append(out.Errors, xmlDeleteError{Key: o.key, VersionID: o.versionID, Code: o.code, Message: o.message})
			continue
		}
		if r.quiet {
			continue
		}
		d := xmlDeleted{Key: o.key, VersionID: o.versionID}
		if o.res.deleteMarker {
			d.DeleteMarker = true
			if o.versionID == "" { // a marker was added
				d.DeleteMarkerVersionID = o.res.versionID
			}
		}
		out.Deleted = append(out.Deleted, d)
	}
	return out
}

type jsonDeleted struct {
	Key       string `json:"key"`
	VersionID string `json:"version_id,omitempty"`
}

type jsonDeleteError struct {
	Key     string `json:"key"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (r *deleteObjectsResult) jsonForm(*wire) any {
	out := struct {
		Deleted []jsonDeleted     `json:"deleted"`
		Errors  []jsonDeleteError `json:"errors"`
	}{Deleted: []jsonDeleted{}, Errors: []jsonDeleteError{}}
	for _, o := range r.outcomes {
		if o.code != "" {
			out.Errors = append(out.Errors, jsonDeleteError{Key: o.key, Code: o.code, Message: o.message})
			continue
		}
		if !r.quiet {
			out.Deleted = append(out.Deleted, jsonDeleted{Key: o.key, VersionID: o.versionID})
		}
	}
	return out
}
