package storagetest

import (
	"net/http"

	"github.com/polystore/polystore/client"
)

// formOp names browser form uploads in the request log.
const formOp = "PostObject"

// formRoutes are the browser form-upload (POST Object) routes: a
// multipart/form-data POST to the bucket, on dialects with
// client.FeaturePostPolicy. Others answer such a POST as before (an
// unsigned request is refused; a signed one is not allowed).
//
// A form carries its signature in its fields, not in an Authorization
// header or the query, so the route authenticates itself (selfAuth):
// opPostObject verifies the form's own signature.
func (s *Server) formRoutes() []route {
	if !s.dialect.Has(client.FeaturePostPolicy) {
		return nil
	}
	return []route{{
		method:   http.MethodPost,
		level:    levelBucket,
		op:       formOp,
		selfAuth: true,
		h:        s.opPostObject,
	}}
}
