package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// Grantee kinds.
const (
	granteeUser  = "user"
	granteeGroup = "group"
)

// Groups a grant can name, independently of the dialect.
const (
	groupAllUsers      = "all-users"
	groupAuthenticated = "authenticated-users"
	groupLogDelivery   = "log-delivery"
)

// ACL permissions. QingStor knows the first three.
const (
	permRead        = "READ"
	permWrite       = "WRITE"
	permFullControl = "FULL_CONTROL"
	permReadACP     = "READ_ACP"
	permWriteACP    = "WRITE_ACP"
)

// xsiNamespace is the XML schema-instance namespace of xsi:type.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// grant gives one grantee one permission.
type grant struct {
	kind       string // granteeUser or granteeGroup
	id         string // user id
	name       string // display name (users), or a group constant
	permission string
}

// acl is an access control list. The zero value is the default: the
// owner has full control.
type acl struct {
	set    bool
	grants []grant
}

// groupURIs are the group URIs each flavor uses, by group.
var groupURIs = map[flavor]map[string]string{
	flavorS3: {
		groupAllUsers:      "http://acs.amazonaws.com/groups/global/AllUsers",
		groupAuthenticated: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
		groupLogDelivery:   "http://acs.amazonaws.com/groups/s3/LogDelivery",
	},
	flavorCOS: {
		groupAllUsers:      "http://cam.qcloud.com/groups/global/AllUsers",
		groupAuthenticated: "http://cam.qcloud.com/groups/global/AuthenticatedUsers",
	},
	flavorQingStor: {groupAllUsers: "QS_ALL_USERS"},
}

// groupFor maps a group URI or QingStor group name of any flavor to a
// group constant.
func groupFor(uri string) (string, bool) {
	for _, m := range groupURIs {
		for g, u := range m {
			if strings.EqualFold(u, uri) {
				return g, true
			}
		}
	}
	return "", false
}

// groupURI is the flavor's name for group g.
func (w *wire) groupURI(g string) string {
	fl := w.fl
	if fl == flavorIBM {
		fl = flavorS3
	}
	if u, ok := groupURIs[fl][g]; ok {
		return u
	}
	return groupURIs[flavorS3][g]
}

// ownerGrant is the owner's full control.
func (w *wire) ownerGrant() grant {
	o := w.owner()
	if w.fl == flavorQingStor {
		return grant{kind: granteeUser, id: qingstorOwner.ID, name: qingstorOwner.Name, permission: permFullControl}
	}
	return grant{kind: granteeUser, id: o.ID, name: o.DisplayName, permission: permFullControl}
}

// qingstorOwner is the owner of every bucket and object in QingStor
// answers.
var qingstorOwner = jsonOwner{ID: "usr-storagetest", Name: "storagetest"}

// grantsOf returns the grants an ACL holds, the default one included.
func (w *wire) grantsOf(a acl) []grant {
	if !a.set {
		return []grant{w.ownerGrant()}
	}
	return a.grants
}

// cannedACL returns the grants of a canned ACL, or false if the dialect
// does not know the name.
func (w *wire) cannedACL(name string) (acl, bool) {
	owner := w.ownerGrant()
	group := func(g, perm string) grant { return grant{kind: granteeGroup, name: g, permission: perm} }
	switch name {
	case "private", "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read":
		return acl{set: true, grants: []grant{owner}}, true
	case "default": // COS: the object inherits the bucket's ACL
		if w.fl == flavorCOS {
			return acl{}, true
		}
	case "public-read":
		return acl{set: true, grants: []grant{owner, group(groupAllUsers, permRead)}}, true
	case "public-read-write":
		return acl{set: true, grants: []grant{owner, group(groupAllUsers, permRead), group(groupAllUsers, permWrite)}}, true
	case "authenticated-read":
		return acl{set: true, grants: []grant{owner, group(groupAuthenticated, permRead)}}, true
	case "log-delivery-write":
		return acl{set: true, grants: []grant{owner, group(groupLogDelivery, permWrite), group(groupLogDelivery, permReadACP)}}, true
	}
	return acl{}, false
}

// grantHeaders are the grant headers and the permission each gives.
var grantHeaders = [][2]string{
	{"grant-read", permRead},
	{"grant-write", permWrite},
	{"grant-read-acp", permReadACP},
	{"grant-write-acp", permWriteACP},
	{"grant-full-control", permFullControl},
}

// aclFromHeaders reads a canned ACL header (x-amz-acl, x-cos-acl) or the
// grant headers. ok is false when the request has none of them.
func (c *call) aclFromHeaders() (a acl, ok bool, err error) {
	w := c.s.wire
	if w.fl == flavorQingStor {
		return acl{}, false, nil
	}
	h := c.r.Header
	canned := h.Get(w.vendorHeader("acl"))
	var grants []grant
	for _, gh := range grantHeaders {
		v := h.Get(w.vendorHeader(gh[0]))
		if v == "" {
			continue
		}
		gs, perr := parseGrantHeader(v, gh[1])
		if perr != nil {
			return acl{}, false, c.fail(errInvalidArgument, "Invalid "+w.vendorHeader(gh[0])+" header: "+perr.Error())
		}
		grants = append(grants, gs...)
	}
	switch {
	case canned != "" && grants != nil:
		return acl{}, false, c.fail(errInvalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed")
	case canned != "":
		a, known := w.cannedACL(canned)
		if !known {
			return acl{}, false, c.fail(errInvalidArgument, "The canned ACL "+canned+" is not valid.")
		}
		return a, true, nil
	case grants != nil:
		return acl{set: true, grants: grants}, true, nil
	}
	return acl{}, false, nil
}

// parseGrantHeader parses `id="a", uri="http://...", emailAddress="b"`.
func parseGrantHeader(v, perm string) ([]grant, error) {
	var out []grant
	for _, item := range splitOutsideQuotes(v, ',') {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, val, found := strings.Cut(item, "=")
		if !found {
			return nil, errorString("expected type=\"value\", got " + item)
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "id":
			out = append(out, grant{kind: granteeUser, id: val, permission: perm})
		case "emailaddress":
			out = append(out, grant{kind: granteeUser, id: val, name: val, permission: perm})
		case "uri":
			g, ok := groupFor(val)
			if !ok {
				return nil, errorString("unknown group " + val)
			}
			out = append(out, grant{kind: granteeGroup, name: g, permission: perm})
		default:
			return nil, errorString("unknown grantee type " + k)
		}
	}
	return out, nil
}

// splitOutsideQuotes splits s at sep, except inside double quotes.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// errorString is a constant error text.
type errorString string

func (e errorString) Error() string { return string(e) }

// validPermission reports whether the dialect knows perm.
func (w *wire) validPermission(perm string) bool {
	switch perm {
	case permRead, permWrite, permFullControl:
		return true
	case permReadACP, permWriteACP:
		return w.fl != flavorQingStor
	}
	return false
}

// xmlGrantee is a grantee in an AccessControlPolicy.
type xmlGrantee struct {
	XMLNSXsi    string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID,omitempty"`
	DisplayName string `xml:"DisplayName,omitempty"`
	URI         string `xml:"URI,omitempty"`
}

type xmlGrant struct {
	Grantee    xmlGrantee `xml:"Grantee"`
	Permission string     `xml:"Permission"`
}

type xmlAccessControlPolicy struct {
	XMLName xml.Name   `xml:"AccessControlPolicy"`
	Xmlns   string     `xml:"xmlns,attr,omitempty"`
	Owner   xmlOwner   `xml:"Owner"`
	Grants  []xmlGrant `xml:"AccessControlList>Grant"`
}

// inGrantee is a grantee as a request body gives it; xsi:type is read
// whatever its prefix.
type inGrantee struct {
	Attrs        []xml.Attr `xml:",any,attr"`
	ID           string     `xml:"ID"`
	DisplayName  string     `xml:"DisplayName"`
	URI          string     `xml:"URI"`
	EmailAddress string     `xml:"EmailAddress"`
}

type inAccessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee    inGrantee `xml:"Grantee"`
		Permission string    `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

type jsonGrantee struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type jsonGrant struct {
	Grantee    jsonGrantee `json:"grantee"`
	Permission string      `json:"permission"`
}

type jsonACL struct {
	Owner *jsonOwner  `json:"owner,omitempty"`
	ACL   []jsonGrant `json:"acl"`
}

// parseACLBody reads an ACL from a request body in the dialect's codec.
func (c *call) parseACLBody(body []byte) (acl, error) {
	w := c.s.wire
	var out []grant
	if w.fl == flavorQingStor {
		var in jsonACL
		if err := json.Unmarshal(body, &in); err != nil {
			return acl{}, c.fail(errMalformedACL, "The request body is not valid JSON: "+err.Error())
		}
		for _, g := range in.ACL {
			gr := grant{permission: g.Permission}
			switch g.Grantee.Type {
			case granteeUser:
				gr.kind, gr.id, gr.name = granteeUser, g.Grantee.ID, g.Grantee.Name
			case granteeGroup:
				name, ok := groupFor(g.Grantee.Name)
				if !ok {
					return acl{}, c.fail(errInvalidRequest, "Unknown grantee group "+g.Grantee.Name+".")
				}
				gr.kind, gr.name = granteeGroup, name
			default:
				return acl{}, c.fail(errInvalidRequest, "Unknown grantee type "+g.Grantee.Type+".")
			}
			if !w.validPermission(gr.permission) {
				return acl{}, c.fail(errInvalidRequest, "Unknown permission "+gr.permission+".")
			}
			out = append(out, gr)
		}
		return acl{set: true, grants: out}, nil
	}
	var in inAccessControlPolicy
	if err := xml.Unmarshal(body, &in); err != nil {
		return acl{}, c.fail(errMalformedACL, "")
	}
	for _, g := range in.Grants {
		if !w.validPermission(g.Permission) {
			return acl{}, c.fail(errMalformedACL, "")
		}
		typ := ""
		for _, a := range g.Grantee.Attrs {
			if a.Name.Local == "type" {
				typ = a.Value
			}
		}
		switch typ {
		case "CanonicalUser":
			out = append(out, grant{kind: granteeUser, id: g.Grantee.ID, name: g.Grantee.DisplayName, permission: g.Permission})
		case "AmazonCustomerByEmail":
			out = append(out, grant{kind: granteeUser, id: g.Grantee.EmailAddress, name: g.Grantee.EmailAddress, permission: g.Permission})
		case "Group":
			name, ok := groupFor(g.Grantee.URI)
			if !ok {
				return acl{}, c.fail(errMalformedACL, "Unknown grantee group "+g.Grantee.URI+".")
			}
			out = append(out, grant{kind: granteeGroup, name: name, permission: g.Permission})
		default:
			return acl{}, c.fail(errMalformedACL, "The grantee has no valid xsi:type.")
		}
	}
	return acl{set: true, grants: out}, nil
}

// aclResult is the answer to GET ?acl.
type aclResult struct{ grants []grant }

func (r *aclResult) xmlForm(w *wire) any {
	out := xmlAccessControlPolicy{Xmlns: w.xmlns(), Owner: w.owner(), Grants: []xmlGrant{}}
	for _, g := range r.grants {
		xg := xmlGrant{Permission: g.permission, Grantee: xmlGrantee{XMLNSXsi: xsiNamespace}}
		if g.kind == granteeGroup {
			xg.Grantee.Type = "Group"
			xg.Grantee.URI = w.groupURI(g.name)
		} else {
			xg.Grantee.Type = "CanonicalUser"
			xg.Grantee.ID = g.id
			xg.Grantee.DisplayName = g.name
		}
		out.Grants = append(out.Grants, xg)
	}
	return out
}

func (r *aclResult) jsonForm(w *wire) any {
	owner := qingstorOwner
	out := jsonACL{Owner: &owner, ACL: []jsonGrant{}}
	for _, g := range r.grants {
		jg := jsonGrant{Permission: g.permission}
		if g.kind == granteeGroup {
			jg.Grantee = jsonGrantee{Type: granteeGroup, Name: w.groupURI(g.name)}
		} else {
			jg.Grantee = jsonGrantee{Type: granteeUser, ID: g.id, Name: g.name}
		}
		out.ACL = append(out.ACL, jg)
	}
	return out
}

// readACLRequest reads the ACL of a PUT ?acl request: the body if there
// is one, else the canned or grant headers.
func (c *call) readACLRequest() (acl, error) {
	body, err := c.readConfigBody(false)
	if err != nil {
		return acl{}, err
	}
	hdr, hasHeaders, err := c.aclFromHeaders()
	if err != nil {
		return acl{}, err
	}
	switch {
	case len(body) > 0 && hasHeaders:
		return acl{}, c.fail(errInvalidRequest, "Specifying both an ACL body and ACL headers is not allowed.")
	case len(body) > 0:
		return c.parseACLBody(body)
	case hasHeaders:
		return hdr, nil
	}
	if c.s.wire.fl == flavorQingStor {
		return acl{}, c.fail(errInvalidRequest, "The request has no ACL.")
	}
	return acl{}, c.fail(errMalformedACL, "The request has neither an ACL body nor ACL headers.")
}

// opGetBucketACL is GET /bucket?acl.
func (s *Server) opGetBucketACL(c *call) error {
	var a acl
	if err := s.store.readBucket(c.bucket, func(b *bucket) error { a = b.acl; return nil }); err != nil {
		return err
	}
	c.result(http.StatusOK, &aclResult{grants: s.wire.grantsOf(a)})
	return nil
}

// opPutBucketACL is PUT /bucket?acl.
func (s *Server) opPutBucketACL(c *call) error {
	if !s.store.bucketExists(c.bucket) {
		return kindError(errNoSuchBucket)
	}
	a, err := c.readACLRequest()
	if err != nil {
		return err
	}
	if err := s.store.withBucket(c.bucket, func(b *bucket) error { b.acl = a; return nil }); err != nil {
		return err
	}
	c.emptyOK(http.StatusOK)
	return nil
}

// opGetObjectACL is GET /bucket/key?acl.
func (s *Server) opGetObjectACL(c *call) error {
	o, err := s.store.getObject(c.bucket, c.key, c.versionID())
	if err != nil {
		return err
	}
	c.setVersionHeader(o)
	c.result(http.StatusOK, &aclResult{grants: s.wire.grantsOf(o.acl)})
	return nil
}

// opPutObjectACL is PUT /bucket/key?acl.
func (s *Server) opPutObjectACL(c *call) error {
	if _, err := s.store.getObject(c.bucket, c.key, c.versionID()); err != nil {
		return err
	}
	a, err := c.readACLRequest()
	if err != nil {
		return err
	}
	var stored *object
	err = s.store.withBucket(c.bucket, func(b *bucket) error {
		o, err := b.lookup(c.key, c.versionID())
		if err != nil {
			return err
		}
		n := o.clone()
		n.appendable, n.md5State = o.appendable, o.md5State
		n.acl = a
		b.replaceVersion(o, n)
		stored = n
		return nil
	})
	if err != nil {
		return err
	}
	c.setVersionHeader(stored)
	c.emptyOK(http.StatusOK)
	return nil
}
