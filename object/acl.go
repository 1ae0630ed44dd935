package object

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"github.com/polystore/polystore/internal/opkit"
	"net/http"

	"github.com/polystore/polystore/client"
)

// Owner is the owner of an object.
type Owner struct {
	ID          string
	DisplayName string
}

// GetACLInput is the input of GetACL.
type GetACLInput struct {
	Bucket    string
	Key       string
	VersionID string
}

// GetACLOutput is the result of GetACL.
type GetACLOutput struct {
	Owner     Owner
	Grants    []client.Grant
	RequestID string
}

// The XML Schema instance namespace, which qualifies a grantee's type.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

type aclPolicy struct {
	Owner struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee struct {
			Type         string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			ID           string `xml:"ID"`
			DisplayName  string `xml:"DisplayName"`
			URI          string `xml:"URI"`
			EmailAddress string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

func checkACLSupported(d *client.Dialect, field string) error {
	if len(d.Object.CannedACLs) == 0 || !d.Object.ACLDocuments {
		return client.NotSupported(d, field, "object ACLs")
	}
	return nil
}

var getACLOp = opkit.Op[GetACLInput, GetACLOutput]{
	Name:       "GetObjectAcl",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *GetACLInput) error {
		if err := checkACLSupported(d, "Key"); err != nil {
			return err
		}
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		return checkVersionID(d, "VersionID", in.VersionID)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *GetACLInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodGet, in.Bucket, in.Key
		r.Query.Set("acl", "")
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetACLOutput) error {
		var res aclPolicy
		if err := opkit.DecodeResult(d, "GetObjectAcl", resp, &res); err != nil {
			return err
		}
		out.Owner = Owner{ID: res.Owner.ID, DisplayName: res.Owner.DisplayName}
		for _, g := range res.Grants {
			out.Grants = append(out.Grants, client.Grant{
				Grantee: client.Grantee{
					Type: client.GranteeType(g.Grantee.Type), ID: g.Grantee.ID, DisplayName: g.Grantee.DisplayName,
					URI: g.Grantee.URI, EmailAddress: g.Grantee.EmailAddress,
				},
				Permission: client.Permission(g.Permission),
			})
		}
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// GetACL returns an object's owner and grants. Dialects without object
// ACLs (QingStor) fail with client.ErrNotSupported before any request.
func (c *Client) GetACL(ctx context.Context, in *GetACLInput, optFns ...func(*client.Options)) (*GetACLOutput, error) {
	return opkit.Invoke(ctx, c.c, &getACLOp, in, optFns)
}

// PutACLInput is the input of PutACL. Set either ACL, or Grants, or
// Owner and Grants together (a full access control policy, which replaces
// every grant).
type PutACLInput struct {
	Bucket    string
	Key       string
	VersionID string
	// ACL is a canned ACL, one of the dialect's ObjectWire.CannedACLs.
	ACL client.CannedACL
	// Grants are sent as grant headers, or with Owner as a policy body.
	Grants []client.Grant
	// Owner, if set, sends Grants as an AccessControlPolicy document.
	Owner *Owner
}

// PutACLOutput is the result of PutACL.
type PutACLOutput struct{ RequestID string }

type aclPolicyXML struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName,omitempty"`
	} `xml:"Owner"`
	Grants []aclGrantXML `xml:"AccessControlList>Grant"`
}

type aclGrantXML struct {
	Grantee struct {
		XSI          string `xml:"xmlns:xsi,attr"`
		Type         string `xml:"xsi:type,attr"`
		ID           string `xml:"ID,omitempty"`
		DisplayName  string `xml:"DisplayName,omitempty"`
		URI          string `xml:"URI,omitempty"`
		EmailAddress string `xml:"EmailAddress,omitempty"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

var putACLOp = opkit.Op[PutACLInput, PutACLOutput]{
	Name:       "PutObjectAcl",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *PutACLInput) error {
		if err := checkACLSupported(d, "ACL"); err != nil {
			return err
		}
		if err := opkit.CheckBucketKey(d, in.Bucket, in.Key); err != nil {
			return err
		}
		if err := checkVersionID(d, "VersionID", in.VersionID); err != nil {
			return err
		}
		switch {
		case in.ACL == "" && len(in.Grants) == 0:
			return client.InvalidArgument("ACL", "set ACL or Grants")
		case in.ACL != "" && len(in.Grants) > 0:
			return client.InvalidArgument("Grants", "cannot be combined with a canned ACL")
		case in.Owner != nil && in.Owner.ID == "":
			return client.InvalidArgument("Owner.ID", "must not be empty")
		case in.Owner != nil && in.ACL != "":
			return client.InvalidArgument("Owner", "goes with Grants, not a canned ACL")
		}
		return opkit.CheckACL(d, in.ACL, in.Grants)
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *PutACLInput, r *opkit.Request) error {
		r.Method, r.Bucket, r.Key = http.MethodPut, in.Bucket, in.Key
		r.Query.Set("acl", "")
		if in.VersionID != "" {
			r.Query.Set(d.Params.VersionID, in.VersionID)
		}
		if in.Owner == nil {
			opkit.SetACL(d, r.Header, in.ACL, in.Grants)
			return nil
		}
		var doc aclPolicyXML
		doc.Owner.ID, doc.Owner.DisplayName = in.Owner.ID, in.Owner.DisplayName
		for _, g := range in.Grants {
			var x aclGrantXML
			x.Grantee.XSI = xsiNamespace
			x.Grantee.Type = string(g.Grantee.Type)
			if x.Grantee.Type == "" {
				switch {
				case g.Grantee.ID != "":
					x.Grantee.Type = string(client.GranteeCanonicalUser)
				case g.Grantee.URI != "":
					x.Grantee.Type = string(client.GranteeGroup)
				default:
					x.Grantee.Type = string(client.GranteeEmail)
				}
			}
			x.Grantee.ID, x.Grantee.DisplayName = g.Grantee.ID, g.Grantee.DisplayName
			x.Grantee.URI, x.Grantee.EmailAddress = g.Grantee.URI, g.Grantee.EmailAddress
			x.Permission = string(g.Permission)
			doc.Grants = append(doc.Grants, x)
		}
		body, err := xml.Marshal(doc)
		if err != nil {
			return err
		}
		sum := md5.Sum(body)
		r.Body = opkit.BytesBody(body)
		r.Header.Set("Content-Type", "application/xml")
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutACLOutput) error {
		out.RequestID = opkit.RequestID(d, resp.Header)
		return nil
	},
}

// PutACL replaces an object's ACL. Dialects without object ACLs
// (QingStor) fail with client.ErrNotSupported before any request.
func (c *Client) PutACL(ctx context.Context, in *PutACLInput, optFns ...func(*client.Options)) (*PutACLOutput, error) {
	return opkit.Call(ctx, c.c, &putACLOp, in, optFns...)
}
