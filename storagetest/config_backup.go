package storagetest

import (
	"errors"
	"fmt"
	"github.com/polystore/polystore/internal/opkit"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// resourceConfigOp marks the route that carries the backup-policy
// handler of a server's configuration store. It has no method, so the
// S3 router never matches it; serveResourceConfig finds it by this name,
// so that both reach the same store.
const resourceConfigOp = "storagetest:resource-configuration"

// cfgBackupPolicy is a backup policy of IBM's resource configuration API.
type cfgBackupPolicy struct {
	PolicyName       string `json:"policy_name"`
	InitialRetention struct {
		DeleteAfterDays int `json:"delete_after_days"`
	} `json:"initial_retention"`
	BackupType           string `json:"backup_type"`
	TargetBackupVaultCRN string `json:"target_backup_vault_crn"`
	PolicyID             string `json:"policy_id,omitempty"`
	PolicyStatus         string `json:"policy_status,omitempty"`
}

// configAPIError is the error body of IBM Cloud platform APIs.
type configAPIError struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Trace      string `json:"trace"`
	StatusCode int    `json:"status_code"`
}

// ResourceConfigHandler returns a handler for IBM's resource configuration
// API, which IBM serves from its own host
// (config.cloud-object-storage.cloud.ibm.com/v1) beside the S3 API. It
// serves the backup policies of the server's buckets at
// [/v1]/buckets/{bucket}/backup_policies[/{policy_id}], checks signatures
// and bearer tokens as the server does, and logs its requests in
// Requests.
//
// The server's own URL serves the same API (see ServeHTTP for the rule
// that tells it from object requests), and ClientOptions points clients
// at {URL}/v1 for it, so most tests need no handler of their own. This
// one mounts the API elsewhere, on a mux of one's own:
//
//	mux := http.NewServeMux()
//	mux.Handle("/buckets/", srv.ResourceConfigHandler())
//	mux.Handle("/", srv)
//	front := httptest.NewServer(mux) // one endpoint for both APIs
//
// Faults injected with InjectFault do not apply to it. For dialects
// without backup policies (client.BackupPolicyWire) it answers 501.
func (s *Server) ResourceConfigHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.enter()
		defer s.leave()
		s.serveResourceConfig(w, r)
	})
}

// resourceConfigPrefix is the path prefix of IBM's resource
// configuration API (its base URL ends in /v1). "v1" is too short to be
// a bucket name on S3, IBM, COS or QingStor, so a path under it is never
// an object request.
const resourceConfigPrefix = "/v1"

// isResourceConfig reports whether the server's own router should hand r
// to the resource configuration API rather than treat it as an S3
// request. It does so, on dialects with backup policies, for a path of
// the API's form:
//
//   - /v1/buckets/{bucket}/backup_policies[/{id}] always, unless the
//     dialect accepts "v1" as a bucket name (a dialect copied and changed
//     so), where the next rule applies;
//   - /buckets/{bucket}/backup_policies[/{id}] (clients whose resource
//     configuration endpoint is the server's bare URL) only while no
//     bucket named "buckets" exists: once it does, such paths are its
//     objects, as path-style object requests.
//
// An object named "buckets/x/backup_policies" in any other bucket is
// never in question: its path starts with that bucket's name.
func (s *Server) isResourceConfig(r *http.Request) bool {
	if !s.dialect.Bucket.BackupPolicies.Supported {
		return false
	}
	p := r.URL.EscapedPath()
	if _, _, ok := backupPolicyPath(p); !ok {
		return false
	}
	if strings.HasPrefix(p, resourceConfigPrefix+"/") && opkit.CheckBucket(&s.dialect, strings.TrimPrefix(resourceConfigPrefix, "/")) != nil {
		return true
	}
	return !strings.HasPrefix(p, resourceConfigPrefix+"/") && !s.store.bucketExists("buckets")
}

// serveResourceConfig answers one request of the resource configuration
// API.
func (s *Server) serveResourceConfig(w http.ResponseWriter, r *http.Request) {
	var serve handler
	for _, rt := range s.routes {
		if rt.op == resourceConfigOp {
			serve = rt.h
		}
	}
	c := s.newCall(w, r)
	defer s.finish(c)
	bucket, id, ok := backupPolicyPath(r.URL.EscapedPath())
	if c.entry != nil && ok {
		s.log.update(c.entry, func(e *Request) { e.Bucket, e.Key = bucket, id })
	}
	c.bucket, c.key = bucket, id
	var err error
	switch {
	case serve == nil:
		err = c.fail(errNotImplemented, "The "+s.dialect.Name+" dialect has no backup policies.")
	case !ok:
		err = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "No resource at " + r.URL.Path + "."}
	default:
		if err = s.authenticate(c); err == nil {
			err = serve(c)
		}
	}
	if err != nil {
		writeConfigAPIError(c, err)
	}
}

// backupPolicyPath splits [/v1]/buckets/{bucket}/backup_policies[/{id}].
func backupPolicyPath(escaped string) (bucket, id string, ok bool) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return "", "", false
	}
	p = strings.TrimPrefix(strings.TrimPrefix(p, "/v1"), "/")
	parts := strings.Split(p, "/")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "buckets" || parts[1] == "" || parts[2] != "backup_policies" {
		return "", "", false
	}
	if len(parts) == 4 {
		if parts[3] == "" {
			return "", "", false
		}
		id = parts[3]
	}
	return parts[1], id, true
}

// writeConfigAPIError answers err in IBM Cloud's platform error format.
func writeConfigAPIError(c *call, err error) {
	var e *apiError
	var k kindError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &k):
		e = c.fail(errKind(k), "")
	default:
		e = c.fail(errInternal, err.Error())
	}
	c.code = e.Code
	body := configAPIError{Trace: c.reqID, StatusCode: e.Status}
	body.Errors = append(body.Errors, struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	writeJSON(c, e.Status, body)
}

// serveBackupPolicies runs one request of the backup policies API.
func (cs *configStore) serveBackupPolicies(c *call) error {
	switch {
	case c.r.Method == http.MethodPost && c.key == "":
		c.op = "CreateBackupPolicy"
		return cs.createBackupPolicy(c)
	case c.r.Method == http.MethodGet && c.key == "":
		c.op = "ListBackupPolicies"
		var list []cfgBackupPolicy
		err := cs.view(c.bucket, func(_ *bucket, set *configSet) error {
			list = make([]cfgBackupPolicy, 0, len(set.backups))
			for _, p := range set.backups {
				list = append(list, *p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		writeJSON(c, http.StatusOK, list)
		return nil
	case c.r.Method == http.MethodGet:
		c.op = "GetBackupPolicy"
		var p *cfgBackupPolicy
		err := cs.view(c.bucket, func(_ *bucket, set *configSet) error {
			if i := findPolicy(set, c.key); i >= 0 {
				p = set.backups[i]
			}
			return nil
		})
		if err != nil {
			return err
		}
		if p == nil {
			return noSuchPolicy(c.key)
		}
		writeJSON(c, http.StatusOK, p)
		return nil
	case c.r.Method == http.MethodDelete && c.key != "":
		c.op = "DeleteBackupPolicy"
		err := cs.update(c.bucket, func(_ *bucket, set *configSet) error {
			i := findPolicy(set, c.key)
			if i < 0 {
				return noSuchPolicy(c.key)
			}
			set.backups = slices.Delete(set.backups, i, i+1)
			return nil
		})
		if err != nil {
			return err
		}
		c.noContent(http.StatusNoContent)
		return nil
	}
	return c.fail(errMethodNotAllowed, "")
}

func findPolicy(set *configSet, id string) int {
	return slices.IndexFunc(set.backups, func(p *cfgBackupPolicy) bool { return p.PolicyID == id })
}

func noSuchPolicy(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "Backup policy " + id + " does not exist."}
}

// createBackupPolicy checks the policy (name characters, vault CRN,
// retention, backup type) and that the bucket is versioned, as IBM
// requires of a backup source. The answer reports the policy pending;
// later reads report it active.
func (cs *configStore) createBackupPolicy(c *call) error {
	var p cfgBackupPolicy
	if err := c.readJSON(&p); err != nil {
		return err
	}
	bad := func(why string) error {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_argument", Message: why}
	}
	switch {
	case p.PolicyName == "" || strings.IndexFunc(p.PolicyName, func(r rune) bool { return !isAlnum(r) && !strings.ContainsRune("_-.", r) }) >= 0:
		return bad("policy_name must be letters, digits, '_', '-' and '.'.")
	case !strings.HasPrefix(p.TargetBackupVaultCRN, "crn:"):
		return bad("target_backup_vault_crn must be a backup vault CRN.")
	case p.InitialRetention.DeleteAfterDays < 1:
		return bad("initial_retention.delete_after_days must be at least 1.")
	case !slices.Contains(c.s.dialect.Bucket.BackupPolicies.BackupTypes, p.BackupType):
		return bad("backup_type must be one of " + strings.Join(c.s.dialect.Bucket.BackupPolicies.BackupTypes, ", ") + ".")
	}
	p.PolicyID = newUUID()
	err := cs.update(c.bucket, func(b *bucket, set *configSet) error {
		if b.versioning != versioningEnabled {
			return bad("The source bucket must have versioning enabled.")
		}
		stored := p
		stored.PolicyStatus = "active"
		set.backups = append(set.backups, &stored)
		return nil
	})
	if err != nil {
		return err
	}
	p.PolicyStatus = "pending"
	writeJSON(c, http.StatusCreated, p)
	return nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	h := strings.ToLower(randomHex(16))
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])
}
