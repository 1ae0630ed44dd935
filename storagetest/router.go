package storagetest

import "net/http"

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
	h      handler
}

// routeTable lists the operations the server implements. To add one,
// write a handler and add a line here; the dialect's parameter names
// (s.dialect.Params) are at hand for subresources spelled differently.
func (s *Server) routeTable() []route {
	return []route{
		{http.MethodGet, levelService, "", "ListBuckets", s.opListBuckets},

		{http.MethodPut, levelBucket, "", "CreateBucket", s.opCreateBucket},
		{http.MethodHead, levelBucket, "", "HeadBucket", s.opHeadBucket},
		{http.MethodDelete, levelBucket, "", "DeleteBucket", s.opDeleteBucket},
		{http.MethodGet, levelBucket, "", "ListObjects", s.opListObjects},

		{http.MethodPut, levelObject, "", "PutObject", s.opPutObject},
		{http.MethodGet, levelObject, "", "GetObject", s.opGetObject},
		{http.MethodHead, levelObject, "", "HeadObject", s.opHeadObject},
		{http.MethodDelete, levelObject, "", "DeleteObject", s.opDeleteObject},
	}
}

// unsupportedParams are query parameters that select functionality the
// server does not implement (unless a route claims them). A request that
// carries one is answered "not implemented" rather than being served as
// the plain operation, which would give a misleading answer.
var unsupportedParams = []string{
	"accelerate", "acl", "analytics", "append", "attributes", "cors", "delete",
	"encryption", "fetch", "intelligent-tiering", "inventory", "legal-hold",
	"lifecycle", "location", "logging", "metrics", "mirror", "move",
	"notification", "object-lock", "ownershipControls", "partNumber",
	"part_number", "policy", "policyStatus", "publicAccessBlock", "referer",
	"replication", "requestPayment", "restore", "retention", "select", "stats",
	"tagging", "torrent", "uploadId", "upload_id", "uploads", "versionId",
	"version_id", "versioning", "versions", "website",
}

// dispatch routes the call to its operation.
func (s *Server) dispatch(c *call) {
	lv := c.level()
	var plain *route
	methodKnown := false
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.level != lv || rt.method != c.r.Method {
			continue
		}
		methodKnown = true
		if rt.sub == "" {
			if plain == nil {
				plain = rt
			}
			continue
		}
		if c.query.Has(rt.sub) {
			s.run(c, rt)
			return
		}
	}
	for _, p := range unsupportedParams {
		if c.query.Has(p) {
			c.writeError(c.fail(errNotImplemented, "The ?"+p+" functionality is not implemented by storagetest."))
			return
		}
	}
	if plain != nil {
		s.run(c, plain)
		return
	}
	if !methodKnown {
		c.writeError(c.fail(errMethodNotAllowed, ""))
		return
	}
	c.writeError(c.fail(errNotImplemented, ""))
}

func (s *Server) run(c *call, rt *route) {
	c.op = rt.op
	if err := rt.h(c); err != nil {
		c.writeError(err)
	}
}
