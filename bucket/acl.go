package bucket

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// CannedACL is a predefined access control list.
type CannedACL string

// Canned ACLs. Not every dialect has all of them: IBM has private and
// public-read, QingStor has no authenticated-read. One a dialect lacks is
// refused with client.ErrNotSupported before anything is sent.
const (
	ACLPrivate           CannedACL = "private"
	ACLPublicRead        CannedACL = "public-read"
	ACLPublicReadWrite   CannedACL = "public-read-write"
	ACLAuthenticatedRead CannedACL = "authenticated-read"
)

// Values returns the canned ACLs polystore knows.
func (CannedACL) Values() []CannedACL {
	return []CannedACL{ACLPrivate, ACLPublicRead, ACLPublicReadWrite, ACLAuthenticatedRead}
}

// Permission is what a grant allows.
type Permission string

// Permissions. QingStor has READ, WRITE and FULL_CONTROL only.
const (
	PermissionRead        Permission = "READ"
	PermissionWrite       Permission = "WRITE"
	PermissionReadACP     Permission = "READ_ACP"
	PermissionWriteACP    Permission = "WRITE_ACP"
	PermissionFullControl Permission = "FULL_CONTROL"
)

// Values returns the permissions polystore knows.
func (Permission) Values() []Permission {
	return []Permission{PermissionRead, PermissionWrite, PermissionReadACP, PermissionWriteACP, PermissionFullControl}
}

// Group is a predefined group of users that a grant can name. polystore
// maps each to the dialect's own identifier (an S3 or COS group URI,
// QingStor's QS_ALL_USERS).
type Group string

// Groups. QingStor has AllUsers only; COS has no LogDelivery.
const (
	GroupAllUsers           Group = "AllUsers"
	GroupAuthenticatedUsers Group = "AuthenticatedUsers"
	GroupLogDelivery        Group = "LogDelivery"
)

// Values returns the groups polystore knows.
func (Group) Values() []Group {
	return []Group{GroupAllUsers, GroupAuthenticatedUsers, GroupLogDelivery}
}

// Grantee is who a grant is for: exactly one of ID, Email and Group is
// set.
type Grantee struct {
	// ID is an account id: S3's canonical user id, a COS CAM id such as
	// "qcs::cam::uin/100000000001:uin/100000000001", a QingStor user id
	// such as "usr-1mvNCzZu".
	ID string
	// DisplayName is the account's name, as the service reports it. It
	// is not sent.
	DisplayName string
	// Email names an S3 account by e-mail address.
	Email string
	// Group names a predefined group. A group URI polystore does not know
	// is reported as the URI itself.
	Group Group
}

// Grant gives a grantee a permission.
type Grant struct {
	// Grantee is who the grant is for.
	Grantee Grantee
	// Permission is what the grant allows.
	Permission Permission
}

// GetACLInput is the input of GetACL.
type GetACLInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetACLOutput is the result of GetACL.
type GetACLOutput struct {
	// Owner is the bucket's owner.
	Owner Owner
	// Grants are the access control list's entries.
	Grants []Grant
	// RequestID is the service's request id.
	RequestID string
}

// PutACLInput is the input of PutACL. Exactly one of ACL and Grants is
// set.
type PutACLInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// ACL is a canned ACL.
	ACL CannedACL
	// Grants replace the bucket's access control list. The bucket owner
	// keeps control of the bucket whatever the list says.
	Grants []Grant
}

// PutACLOutput is the result of PutACL.
type PutACLOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// xmlAccessControlPolicy is S3's and COS's ACL document.
type xmlAccessControlPolicy struct {
	Owner  xmlOwner   `xml:"Owner"`
	Grants []xmlGrant `xml:"AccessControlList>Grant"`
}

type xmlGrant struct {
	Grantee struct {
		ID           string `xml:"ID"`
		DisplayName  string `xml:"DisplayName"`
		URI          string `xml:"URI"`
		EmailAddress string `xml:"EmailAddress"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

// jsonACL is QingStor's ACL document.
type jsonACL struct {
	Owner *jsonOwner   `json:"owner,omitempty"`
	ACL   []jsonGrantT `json:"acl"`
}

type jsonGrantT struct {
	Grantee    jsonGrantee `json:"grantee"`
	Permission string      `json:"permission"`
}

type jsonGrantee struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// groupFor maps a dialect group identifier back to a Group.
func groupFor(d *client.Dialect, wire string) Group {
	for g, id := range d.Bucket.ACL.Groups {
		if id == wire {
			return Group(g)
		}
	}
	return Group(wire)
}

var getACLOp = opkit.Op[GetACLInput, GetACLOutput]{
	Name:       "GetBucketAcl",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetACLInput) error { return checkBucket(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *GetACLInput, r *opkit.Request) error {
		subresource(r, http.MethodGet, in.Bucket, "acl")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetACLOutput) error {
		out.RequestID = requestID(d, resp)
		if isJSON(d) {
			var res jsonACL
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			if o := res.Owner.owner(); o != nil {
				out.Owner = *o
			}
			for _, g := range res.ACL {
				gr := Grant{Permission: Permission(g.Permission)}
				if g.Grantee.Type == "group" {
					gr.Grantee.Group = groupFor(d, g.Grantee.Name)
				} else {
					gr.Grantee.ID, gr.Grantee.DisplayName = g.Grantee.ID, g.Grantee.Name
				}
				out.Grants = append(out.Grants, gr)
			}
			return nil
		}
		var res xmlAccessControlPolicy
		if err := opkit.DecodeBody(d, resp, &res); err != nil {
			return err
		}
		out.Owner = Owner{ID: res.Owner.ID, DisplayName: res.Owner.DisplayName}
		for _, g := range res.Grants {
			gr := Grant{Permission: Permission(strings.TrimSpace(g.Permission))}
			switch {
			case g.Grantee.URI != "":
				gr.Grantee.Group = groupFor(d, strings.TrimSpace(g.Grantee.URI))
			case g.Grantee.EmailAddress != "":
				gr.Grantee.Email = g.Grantee.EmailAddress
			default:
				gr.Grantee.ID, gr.Grantee.DisplayName = g.Grantee.ID, g.Grantee.DisplayName
			}
			out.Grants = append(out.Grants, gr)
		}
		return nil
	},
}

// GetACL returns a bucket's owner and access control list.
func (c *Client) GetACL(ctx context.Context, in *GetACLInput, optFns ...func(*client.Options)) (*GetACLOutput, error) {
	return opkit.Call(ctx, c.c, &getACLOp, in, optFns...)
}

// cannedGrants is what a canned ACL means as grants beyond the owner's
// full control, for dialects that take ACLs only as a list (QingStor).
func cannedGrants(acl CannedACL) []Grant {
	all := Grantee{Group: GroupAllUsers}
	switch acl {
	case ACLPublicRead:
		return []Grant{{all, PermissionRead}}
	case ACLPublicReadWrite:
		return []Grant{{all, PermissionRead}, {all, PermissionWrite}}
	case ACLAuthenticatedRead:
		return []Grant{{Grantee{Group: GroupAuthenticatedUsers}, PermissionRead}}
	}
	return nil
}

func validatePutACL(d *client.Dialect, in *PutACLInput) error {
	if err := checkBucket(d, in.Bucket); err != nil {
		return err
	}
	w := d.Bucket.ACL
	switch {
	case in.ACL == "" && len(in.Grants) == 0:
		return client.InvalidArgument("ACL", "set ACL or Grants")
	case in.ACL != "" && len(in.Grants) > 0:
		return client.InvalidArgument("Grants", "must be empty when ACL is set; use one or the other")
	case in.ACL != "":
		if !slices.Contains(w.Canned, string(in.ACL)) {
			if slices.Contains(in.ACL.Values(), in.ACL) {
				return client.NotSupported(d, "ACL", "canned ACL "+string(in.ACL))
			}
			return client.InvalidArgument("ACL", "%q is not a canned ACL", in.ACL)
		}
		// Dialects without a canned-ACL header get the grants it stands
		// for; they must be expressible.
		if w.CannedHeader == "" {
			for _, g := range cannedGrants(in.ACL) {
				if _, ok := w.Groups[string(g.Grantee.Group)]; !ok {
					return client.NotSupported(d, "ACL", "canned ACL "+string(in.ACL))
				}
			}
		}
		return nil
	}
	for i, g := range in.Grants {
		field := "Grants[" + strconv.Itoa(i) + "]"
		if err := validateGrant(d, field, g); err != nil {
			return err
		}
	}
	return nil
}

func validateGrant(d *client.Dialect, field string, g Grant) error {
	w := d.Bucket.ACL
	if !slices.Contains(w.Permissions, string(g.Permission)) {
		if slices.Contains(g.Permission.Values(), g.Permission) {
			return client.NotSupported(d, field+".Permission", "permission "+string(g.Permission))
		}
		return client.InvalidArgument(field+".Permission", "%q is not a permission", g.Permission)
	}
	ge := g.Grantee
	set := 0
	for _, s := range []string{ge.ID, ge.Email, string(ge.Group)} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return client.InvalidArgument(field+".Grantee", "set exactly one of ID, Email and Group")
	}
	switch {
	case ge.Group != "":
		if _, ok := w.Groups[string(ge.Group)]; !ok {
			if slices.Contains(ge.Group.Values(), ge.Group) {
				return client.NotSupported(d, field+".Grantee.Group", "group "+string(ge.Group))
			}
			return client.InvalidArgument(field+".Grantee.Group", "%q is not a group", ge.Group)
		}
	case ge.Email != "":
		if !w.EmailGrantees {
			return client.NotSupported(d, field+".Grantee.Email", "e-mail grantees")
		}
		if strings.ContainsAny(ge.Email, "\",\r\n") {
			return client.InvalidArgument(field+".Grantee.Email", "%q has a character not allowed in a grant", ge.Email)
		}
	default:
		if strings.ContainsAny(ge.ID, "\",\r\n") {
			return client.InvalidArgument(field+".Grantee.ID", "%q has a character not allowed in a grant", ge.ID)
		}
	}
	return nil
}

// grantHeaderValue renders one grantee for an x-amz-grant-* header.
func grantHeaderValue(d *client.Dialect, ge Grantee) string {
	switch {
	case ge.Group != "":
		return `uri="` + d.Bucket.ACL.Groups[string(ge.Group)] + `"`
	case ge.Email != "":
		return `emailAddress="` + ge.Email + `"`
	}
	return `id="` + ge.ID + `"`
}

var putACLOp = opkit.Op[PutACLInput, PutACLOutput]{
	Name:       "PutBucketAcl",
	Idempotent: true,
	Validate:   validatePutACL,
	Serialize: func(d *client.Dialect, _ *client.Options, in *PutACLInput, r *opkit.Request) error {
		w := d.Bucket.ACL
		subresource(r, http.MethodPut, in.Bucket, "acl")
		grants := in.Grants
		if in.ACL != "" {
			if w.CannedHeader != "" {
				r.Header.Set(w.CannedHeader, string(in.ACL))
				return nil
			}
			grants = cannedGrants(in.ACL)
		}
		if w.GrantHeaders {
			byHeader := map[string][]string{}
			var order []string
			for _, g := range grants {
				h := d.HeaderPrefix + "grant-" + strings.ReplaceAll(strings.ToLower(string(g.Permission)), "_", "-")
				if _, ok := byHeader[h]; !ok {
					order = append(order, h)
				}
				byHeader[h] = append(byHeader[h], grantHeaderValue(d, g.Grantee))
			}
			for _, h := range order {
				r.Header.Set(h, strings.Join(byHeader[h], ", "))
			}
			return nil
		}
		if isJSON(d) {
			doc := jsonACL{ACL: make([]jsonGrantT, 0, len(grants))}
			for _, g := range grants {
				jg := jsonGrantT{Permission: string(g.Permission)}
				if g.Grantee.Group != "" {
					jg.Grantee = jsonGrantee{Type: "group", Name: w.Groups[string(g.Grantee.Group)]}
				} else {
					jg.Grantee = jsonGrantee{Type: "user", ID: g.Grantee.ID}
				}
				doc.ACL = append(doc.ACL, jg)
			}
			return setJSON(d, r, doc)
		}
		return client.NotSupported(d, "Grants", "access control lists")
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutACLOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// PutACL replaces a bucket's access control list with a canned ACL or a
// list of grants. S3, IBM and COS receive them as headers (x-amz-acl or
// x-amz-grant-*; x-cos-acl or x-cos-grant-*), QingStor as its JSON ACL
// document, with canned ACLs expanded into the grants they stand for.
func (c *Client) PutACL(ctx context.Context, in *PutACLInput, optFns ...func(*client.Options)) (*PutACLOutput, error) {
	return opkit.Call(ctx, c.c, &putACLOp, in, optFns...)
}
