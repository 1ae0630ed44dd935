package storagetest

import "net/http"

// configRoutes are the bucket configuration routes (lifecycle, website,
// public access block, IBM protection, object lock, inventory and backup
// policies, QingStor mirror, tags, COS referer, encryption). Each is
// served where the dialect table says the dialect has it
// (client.Dialect.Bucket), so a dialect copied from a built-in one and
// changed gets the server it describes; elsewhere the subresource
// answers not implemented, as unsupportedParams makes it.
func (s *Server) configRoutes() []route {
	const get, put, del = http.MethodGet, http.MethodPut, http.MethodDelete
	cs := newConfigStore(s)
	s.config = cs
	w := s.dialect.Bucket
	var rts []route
	serve := func(on bool, sub string, ops ...route) {
		if !on {
			if sub == "protection" {
				// Not in unsupportedParams: without these routes,
				// ?protection would be served as the plain bucket
				// operation.
				for _, rt := range ops {
					rt.level, rt.sub, rt.h = levelBucket, sub, notImplemented(sub)
					rts = append(rts, rt)
				}
			}
			return
		}
		for _, rt := range ops {
			rt.level, rt.sub = levelBucket, sub
			rts = append(rts, rt)
		}
	}
	serve(w.Lifecycle.Supported, "lifecycle",
		route{method: put, op: "PutBucketLifecycleConfiguration", h: cs.putLifecycle},
		route{method: get, op: "GetBucketLifecycleConfiguration", h: cs.getLifecycle},
		route{method: del, op: "DeleteBucketLifecycle", h: cs.deleteLifecycle})
	serve(w.Website.Supported, "website",
		route{method: put, op: "PutBucketWebsite", h: cs.putWebsite},
		route{method: get, op: "GetBucketWebsite", h: cs.getWebsite},
		route{method: del, op: "DeleteBucketWebsite", h: cs.deleteWebsite})
	serve(w.PublicAccessBlock.Supported, "publicAccessBlock",
		route{method: put, op: "PutPublicAccessBlock", h: cs.putPublicAccessBlock},
		route{method: get, op: "GetPublicAccessBlock", h: cs.getPublicAccessBlock},
		route{method: del, op: "DeletePublicAccessBlock", h: cs.deletePublicAccessBlock})
	serve(w.Protection.Supported, "protection",
		route{method: put, op: "PutBucketProtectionConfiguration", h: cs.putProtection},
		route{method: get, op: "GetBucketProtectionConfiguration", h: cs.getProtection})
	serve(w.ObjectLock.Supported, "object-lock",
		route{method: put, op: "PutObjectLockConfiguration", h: cs.putObjectLock},
		route{method: get, op: "GetObjectLockConfiguration", h: cs.getObjectLock})
	serve(w.Inventory.Supported, "inventory",
		route{method: put, op: "PutBucketInventoryConfiguration", h: cs.putInventory},
		route{method: get, refine: inventoryOp, h: cs.getInventory},
		route{method: del, op: "DeleteBucketInventoryConfiguration", h: cs.deleteInventory})
	serve(w.Mirror.Supported, "mirror",
		route{method: put, op: "PutBucketExternalMirror", h: cs.putMirror},
		route{method: get, op: "GetBucketExternalMirror", h: cs.getMirror},
		route{method: del, op: "DeleteBucketExternalMirror", h: cs.deleteMirror})
	serve(w.Tagging.Supported, "tagging",
		route{method: put, op: "PutBucketTagging", h: cs.putTagging},
		route{method: get, op: "GetBucketTagging", h: cs.getTagging},
		route{method: del, op: "DeleteBucketTagging", h: cs.deleteTagging})
	serve(w.Referer.Supported, "referer",
		route{method: put, op: "PutBucketReferer", h: cs.putReferer},
		route{method: get, op: "GetBucketReferer", h: cs.getReferer})
	serve(w.Encryption.Supported, "encryption",
		route{method: put, op: "PutBucketEncryption", h: cs.putEncryption},
		route{method: get, op: "GetBucketEncryption", h: cs.getEncryption},
		route{method: del, op: "DeleteBucketEncryption", h: cs.deleteEncryption})
	if w.BackupPolicies.Supported {
		// Served by ResourceConfigHandler, not by the router (no method).
		rts = append(rts, route{level: levelObject, op: resourceConfigOp, h: cs.serveBackupPolicies})
	}
	return rts
}

// notImplemented answers subresource sub, which the dialect does not
// have.
func notImplemented(sub string) handler {
	return func(c *call) error {
		return c.fail(errNotImplemented, "The ?"+sub+" functionality is not implemented by the "+c.s.dialect.Name+" dialect.")
	}
}
