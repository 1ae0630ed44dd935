package storagetest

import (
	"net/http"
	"slices"

	"github.com/polystore/polystore/client"
)

// level is what a request path names: the service, a bucket or an object.
type level int

const (
	levelService level = iota // "/"
	levelBucket               // "/bucket"
	levelObject               // "/bucket/key"
)

func (c *call) level() level {
	switch {
	case c.bucket == "":
		return levelService
	case c.key == "":
		return levelBucket
	}
	return levelObject
}

// handler runs one operation. It writes the success answer itself and
// returns an error (an *apiError or a kindError) to have the dialect's
// error answer sent instead.
type handler func(c *call) error

// route maps a method, a level and an optional subresource to an
// operation. A route with a subresource matches requests whose query has
// that parameter ("?uploads", "?append"); a route without one matches the
// plain form.
type route struct {
	method string
	level  level
	sub    string
	op     string
	// refine, if set, names the operation from the request, for routes
	// that serve several (PUT object is also CopyObject, ...).
	refine func(c *call) string
	// selfAuth routes are not authenticated by the server: they answer
	// unsigned browser requests (CORS preflights) or carry their
	// signature in the body (form uploads) and check it themselves.
	selfAuth bool
	h        handler
}

// opFor is the operation name of a request routed to rt.
func (rt *route) opFor(c *call) string {
	if rt.refine != nil {
		return rt.refine(c)
	}
	return rt.op
}

// routeTable lists the operations the server implements. To add one,
// write a handler and add a line here; the dialect's parameter names
// (s.dialect.Params) are at hand for subresources spelled differently.
// Operations a dialect lacks (by its feature set) are left out, so that
// they answer as that vendor does: not implemented.
func (s *Server) routeTable() []route {
	const (
		get, put, post, del, head = http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead
	)
	uploadID := s.dialect.Params.UploadID
	if uploadID == "" {
		uploadID = "uploadId"
	}
	rts := []route{
		{method: get, level: levelService, op: "ListBuckets", h: s.opListBuckets},

		{method: get, level: levelBucket, sub: "acl", op: "GetBucketAcl", h: s.opGetBucketACL},
		{method: put, level: levelBucket, sub: "acl", op: "PutBucketAcl", h: s.opPutBucketACL},
		{method: get, level: levelBucket, sub: "cors", op: "GetBucketCors", h: s.opGetBucketCORS},
		{method: put, level: levelBucket, sub: "cors", op: "PutBucketCors", h: s.opPutBucketCORS},
		{method: del, level: levelBucket, sub: "cors", op: "DeleteBucketCors", h: s.opDeleteBucketCORS},
		{method: get, level: levelBucket, sub: "uploads", op: "ListMultipartUploads", h: s.opListMultipartUploads},
		{method: post, level: levelBucket, sub: "delete", op: "DeleteObjects", h: s.opDeleteObjects},

		{method: put, level: levelBucket, op: "CreateBucket", h: s.opCreateBucket},
		{method: head, level: levelBucket, op: "HeadBucket", h: s.opHeadBucket},
		{method: del, level: levelBucket, op: "DeleteBucket", h: s.opDeleteBucket},
		{method: get, level: levelBucket, op: "ListObjects", h: s.opListObjects},

		{method: post, level: levelObject, sub: "uploads", op: "CreateMultipartUpload", h: s.opCreateMultipartUpload},
		{method: put, level: levelObject, sub: uploadID, op: "UploadPart", refine: s.uploadPartOp, h: s.opUploadPart},
		{method: post, level: levelObject, sub: uploadID, op: "CompleteMultipartUpload", h: s.opCompleteMultipartUpload},
		{method: del, level: levelObject, sub: uploadID, op: "AbortMultipartUpload", h: s.opAbortMultipartUpload},
		{method: get, level: levelObject, sub: uploadID, op: "ListParts", h: s.opListParts},
		{method: get, level: levelObject, sub: "acl", op: "GetObjectAcl", h: s.opGetObjectACL},
		{method: put, level: levelObject, sub: "acl", op: "PutObjectAcl", h: s.opPutObjectACL},
		{method: http.MethodOptions, level: levelObject, op: "OptionsObject", selfAuth: true, h: s.opOptionsObject},

		{method: put, level: levelObject, op: "PutObject", refine: s.putObjectOp, h: s.opPutObject},
		{method: get, level: levelObject, op: "GetObject", h: s.opGetObject},
		{method: head, level: levelObject, op: "HeadObject", h: s.opHeadObject},
		{method: del, level: levelObject, op: "DeleteObject", h: s.opDeleteObject},
	}
	if s.dialect.Bucket.Policy.Supported {
		rts = append(rts,
			route{method: get, level: levelBucket, sub: "policy", op: "GetBucketPolicy", h: s.opGetBucketPolicy},
			route{method: put, level: levelBucket, sub: "policy", op: "PutBucketPolicy", h: s.opPutBucketPolicy},
			route{method: del, level: levelBucket, sub: "policy", op: "DeleteBucketPolicy", h: s.opDeleteBucketPolicy},
		)
	}
	if s.dialect.Has(client.FeatureVersioning) {
		rts = append(rts,
			route{method: get, level: levelBucket, sub: "versioning", op: "GetBucketVersioning", h: s.opGetBucketVersioning},
			route{method: put, level: levelBucket, sub: "versioning", op: "PutBucketVersioning", h: s.opPutBucketVersioning},
			route{method: get, level: levelBucket, sub: "versions", op: "ListObjectVersions", h: s.opListObjectVersions},
		)
	}
	if s.dialect.Has(client.FeatureRetention) {
		w := s.dialect.Object.Retention
		rts = append(rts,
			route{method: post, level: levelObject, sub: w.LegalHoldSubresource, refine: s.legalHoldOp, h: s.opChangeLegalHold},
			route{method: get, level: levelObject, sub: w.LegalHoldSubresource, op: "ListLegalHolds", h: s.opListLegalHolds},
			route{method: post, level: levelObject, sub: w.ExtendSubresource, op: "ExtendObjectRetention", h: s.opExtendRetention},
		)
	}
	if s.dialect.Has(client.FeatureAppend) {
		rts = append(rts, route{method: post, level: levelObject, sub: "append", op: "AppendObject", h: s.opAppendObject})
	}
	if s.wire.fl == flavorQingStor {
		// QingStor lists its zones at GET /?location; a bucket's zone is
		// in its statistics (?stats), as buckets have no location
		// subresource in its native API.
		rts = append(rts,
			route{method: get, level: levelService, sub: "location", op: "ListLocations", h: s.opListLocations},
			route{method: get, level: levelBucket, sub: "stats", op: "GetBucketStatistics", h: s.opGetBucketStatistics},
		)
	} else {
		rts = append(rts, route{method: get, level: levelBucket, sub: "location", op: "GetBucketLocation", h: s.opGetBucketLocation})
	}
	rts = append(rts, s.formRoutes()...)
	rts = append(rts, s.configRoutes()...)
	return rts
}

// unsupportedParams are query parameters that select functionality the
// server does not implement (unless a route claims them). A request that
// carries one is answered "not implemented" rather than being served as
// the plain operation, which would give a misleading answer.
var unsupportedParams = []string{
	"accelerate", "acl", "analytics", "append", "attributes", "cors", "delete",
	"encryption", "extendRetention", "fetch", "intelligent-tiering", "inventory", "legal-hold",
	"legalHold", "lifecycle", "location", "logging", "metrics", "mirror", "move",
	"notification", "object-lock", "ownershipControls", "partNumber",
	"part_number", "policy", "policyStatus", "publicAccessBlock", "referer",
	"replication", "requestPayment", "restore", "retention", "select", "stats",
	"tagging", "torrent", "uploadId", "upload_id", "uploads", "versionId",
	"version_id", "versioning", "versions", "website",
}

// unsupportedFor returns the parameters of unsupportedParams that the
// server answers "not implemented" when no route of the request's level
// and method claims them: all but the dialect's version-id parameter,
// which plain GET, HEAD and DELETE object requests take.
func unsupportedFor(d client.Dialect) []string {
	return slices.DeleteFunc(slices.Clone(unsupportedParams), func(p string) bool { return p == d.Params.VersionID })
}

// resolve finds the route of a request. When there is none it returns
// the error to answer with: not implemented for a subresource the server
// does not serve, method not allowed otherwise.
func (s *Server) resolve(c *call) (*route, error) {
	lv := c.level()
	var plain *route
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.level != lv || rt.method != c.r.Method {
			continue
		}
		if rt.sub == "" {
			if plain == nil {
				plain = rt
			}
			continue
		}
		if c.query.Has(rt.sub) {
			return rt, nil
		}
	}
	for _, p := range s.unsupported {
		if c.query.Has(p) {
			return nil, c.fail(errNotImplemented, "The ?"+p+" functionality is not implemented by storagetest for the "+s.dialect.Name+" dialect.")
		}
	}
	if plain != nil {
		return plain, nil
	}
	return nil, c.fail(errMethodNotAllowed, "")
}

// run names the call's operation and runs its handler.
func (s *Server) run(c *call, rt *route) {
	c.op = rt.opFor(c)
	if err := c.checkRequiredChecksum(); err != nil {
		c.writeError(err)
		return
	}
	if err := rt.h(c); err != nil {
		c.writeError(err)
	}
}
