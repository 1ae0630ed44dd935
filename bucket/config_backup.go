package bucket

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// BackupType is the kind of backup a backup policy makes.
type BackupType string

// Backup types.
const (
	// BackupContinuous syncs every change to the backup vault; the only
	// type IBM offers.
	BackupContinuous BackupType = "continuous"
)

// Values returns the types polystore knows.
func (BackupType) Values() []BackupType { return []BackupType{BackupContinuous} }

// BackupPolicyStatus is the state of a backup policy, as IBM reports it.
type BackupPolicyStatus string

// Backup policy states.
const (
	BackupPending      BackupPolicyStatus = "pending"
	BackupInitializing BackupPolicyStatus = "initializing"
	BackupActive       BackupPolicyStatus = "active"
	BackupActionNeeded BackupPolicyStatus = "action_needed"
	BackupDegraded     BackupPolicyStatus = "degraded"
	BackupFailed       BackupPolicyStatus = "failed"
)

// Values returns the states polystore knows.
func (BackupPolicyStatus) Values() []BackupPolicyStatus {
	return []BackupPolicyStatus{BackupPending, BackupInitializing, BackupActive, BackupActionNeeded, BackupDegraded, BackupFailed}
}

// BackupPolicy is an IBM backup policy: the bucket's data is synced to a
// backup vault and kept there for DeleteAfterDays.
type BackupPolicy struct {
	// ID identifies the policy (policy_id).
	ID string
	// Name is the policy's name (policy_name).
	Name string
	// TargetBackupVaultCRN is the CRN of the backup vault.
	TargetBackupVaultCRN string
	// BackupType is the kind of backup.
	BackupType BackupType
	// DeleteAfterDays is how long backed-up data is kept
	// (initial_retention.delete_after_days).
	DeleteAfterDays int
	// Status is the policy's state.
	Status BackupPolicyStatus
	// ErrorCause explains a failed or degraded policy.
	ErrorCause string
	// InitialSyncProgress is the percentage of existing data synced,
	// while the policy is pending or initializing.
	InitialSyncProgress int
}

// CreateBackupPolicyInput is the input of CreateBackupPolicy.
type CreateBackupPolicyInput struct {
	// Bucket is the source bucket; it must have versioning enabled.
	Bucket string
	// Name names the policy: letters, digits, '_', '-' and '.'.
	// Required.
	Name string
	// TargetBackupVaultCRN is the CRN of the backup vault. Required.
	TargetBackupVaultCRN string
	// BackupType is the kind of backup; empty means BackupContinuous.
	BackupType BackupType
	// DeleteAfterDays is how long backed-up data is kept, at least 1.
	DeleteAfterDays int
}

// CreateBackupPolicyOutput is the result of CreateBackupPolicy.
type CreateBackupPolicyOutput struct {
	// Policy is the new policy, with its ID and status.
	Policy BackupPolicy
	// RequestID is the service's request id.
	RequestID string
}

// ListBackupPoliciesInput is the input of ListBackupPolicies.
type ListBackupPoliciesInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// ListBackupPoliciesOutput is the result of ListBackupPolicies.
type ListBackupPoliciesOutput struct {
	// Policies are the bucket's backup policies.
	Policies []BackupPolicy
	// RequestID is the service's request id.
	RequestID string
}

// GetBackupPolicyInput is the input of GetBackupPolicy.
type GetBackupPolicyInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// PolicyID identifies the policy. Required.
	PolicyID string
}

// GetBackupPolicyOutput is the result of GetBackupPolicy.
type GetBackupPolicyOutput struct {
	// Policy is the policy.
	Policy BackupPolicy
	// RequestID is the service's request id.
	RequestID string
}

// DeleteBackupPolicyInput is the input of DeleteBackupPolicy.
type DeleteBackupPolicyInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// PolicyID identifies the policy. Required.
	PolicyID string
}

// DeleteBackupPolicyOutput is the result of DeleteBackupPolicy.
type DeleteBackupPolicyOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

var backupFeature = feature{"backup policies", func(w *client.BucketWire) bool { return w.BackupPolicies.Supported }}

// jsonBackupPolicy is a backup policy in IBM's configuration API.
type jsonBackupPolicy struct {
	PolicyName       string `json:"policy_name"`
	InitialRetention struct {
		DeleteAfterDays int `json:"delete_after_days"`
	} `json:"initial_retention"`
	BackupType           string `json:"backup_type"`
	TargetBackupVaultCRN string `json:"target_backup_vault_crn"`
	PolicyID             string `json:"policy_id,omitempty"`
	PolicyStatus         string `json:"policy_status,omitempty"`
	ErrorCause           string `json:"error_cause,omitempty"`
	InitialSyncProgress  int    `json:"initial_sync_progress,omitempty"`
}

func (j *jsonBackupPolicy) policy() BackupPolicy {
	return BackupPolicy{
		ID: j.PolicyID, Name: j.PolicyName, TargetBackupVaultCRN: j.TargetBackupVaultCRN,
		BackupType: BackupType(j.BackupType), DeleteAfterDays: j.InitialRetention.DeleteAfterDays,
		Status: BackupPolicyStatus(j.PolicyStatus), ErrorCause: j.ErrorCause, InitialSyncProgress: j.InitialSyncProgress,
	}
}

// backupPath is the path of a bucket's backup policies, or of one.
func backupPath(bucket, id string) string {
	p := "buckets/" + bucket + "/backup_policies"
	if id != "" {
		p += "/" + id
	}
	return p
}

// decodeJSON reads a JSON answer of IBM's configuration API (whatever
// the dialect's own codec).
func decodeJSON(resp *http.Response, v any) error {
	b, err := readDocument(resp)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// checkPolicy checks the bucket and policy id a request names.
func checkPolicy(d *client.Dialect, bucket, id string) error {
	if err := backupFeature.check(d, bucket); err != nil {
		return err
	}
	if id == "" {
		return client.InvalidArgument("PolicyID", "must not be empty")
	}
	if strings.ContainsAny(id, "/?#") {
		return client.InvalidArgument("PolicyID", "%q must not contain '/', '?' or '#'", id)
	}
	return nil
}

func validateCreateBackupPolicy(d *client.Dialect, in *CreateBackupPolicyInput) error {
	if err := backupFeature.check(d, in.Bucket); err != nil {
		return err
	}
	if in.Name == "" {
		return client.InvalidArgument("Name", "must not be empty")
	}
	for _, c := range in.Name {
		if !isASCIIAlnum(c) && !strings.ContainsRune("_-.", c) {
			return client.InvalidArgument("Name", "%q has %q; only letters, digits, '_', '-' and '.' are allowed", in.Name, c)
		}
	}
	if !strings.HasPrefix(in.TargetBackupVaultCRN, "crn:") {
		return client.InvalidArgument("TargetBackupVaultCRN", "must be a backup vault CRN (crn:v1:...), got %q", in.TargetBackupVaultCRN)
	}
	if types := d.Bucket.BackupPolicies.BackupTypes; in.BackupType != "" && !slices.Contains(types, string(in.BackupType)) {
		return client.InvalidArgument("BackupType", "%q is not one of %s", in.BackupType, strings.Join(types, ", "))
	}
	return positive("DeleteAfterDays", in.DeleteAfterDays)
}

var createBackupPolicyOp = opkit.Op[CreateBackupPolicyInput, CreateBackupPolicyOutput]{
	Name:     "CreateBackupPolicy",
	Validate: validateCreateBackupPolicy,
	Serialize: func(d *client.Dialect, _ *client.Options, in *CreateBackupPolicyInput, r *opkit.Request) error {
		r.Method, r.Key = http.MethodPost, backupPath(in.Bucket, "")
		doc := jsonBackupPolicy{PolicyName: in.Name, BackupType: string(in.BackupType), TargetBackupVaultCRN: in.TargetBackupVaultCRN}
		if doc.BackupType == "" {
			doc.BackupType = d.Bucket.BackupPolicies.BackupTypes[0]
		}
		doc.InitialRetention.DeleteAfterDays = in.DeleteAfterDays
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		r.Body = opkit.BytesBody(b)
		r.Header.Set("Content-Type", "application/json")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *CreateBackupPolicyOutput) error {
		out.RequestID = requestID(d, resp)
		var doc jsonBackupPolicy
		if err := decodeJSON(resp, &doc); err != nil {
			return err
		}
		out.Policy = doc.policy()
		return nil
	},
}

// backupEndpoint sends a request to the resource configuration endpoint
// the options name (Options.ResourceConfigEndpoint), else to the custom
// endpoint, else to the dialect's configuration service.
func (c *Client) backupEndpoint(optFns []func(*client.Options)) []func(*client.Options) {
	ep := opkit.DialectOf(c.c).Bucket.BackupPolicies.Endpoint
	return append(optFns[:len(optFns):len(optFns)], func(o *client.Options) {
		switch {
		case o.ResourceConfigEndpoint != "":
			o.Endpoint = o.ResourceConfigEndpoint
		case o.Endpoint != "":
		case ep != "":
			o.Endpoint = ep
		default:
			return
		}
		o.Addressing = client.PathStyle
	})
}

// CreateBackupPolicy adds a backup policy to an IBM bucket: POST
// /buckets/{bucket}/backup_policies on IBM's resource configuration
// service (config.cloud-object-storage.cloud.ibm.com), which takes IAM
// bearer tokens, not HMAC keys. Options.ResourceConfigEndpoint, or else
// a custom endpoint (Options.Endpoint), sends it elsewhere. Not retried: a retry could create a
// second policy. Other dialects refuse it with client.ErrNotSupported.
func (c *Client) CreateBackupPolicy(ctx context.Context, in *CreateBackupPolicyInput, optFns ...func(*client.Options)) (*CreateBackupPolicyOutput, error) {
	return opkit.Call(ctx, c.c, &createBackupPolicyOp, in, c.backupEndpoint(optFns)...)
}

// jsonBackupPolicies is the list answer: a bare array in IBM's bucket
// operations reference, {"backup_policies": [...]} in its SDKs' models.
type jsonBackupPolicies []jsonBackupPolicy

// UnmarshalJSON reads either form.
func (l *jsonBackupPolicies) UnmarshalJSON(b []byte) error {
	var list []jsonBackupPolicy
	if err := json.Unmarshal(b, &list); err == nil {
		*l = list
		return nil
	}
	var obj struct {
		BackupPolicies []jsonBackupPolicy `json:"backup_policies"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*l = obj.BackupPolicies
	return nil
}

var listBackupPoliciesOp = opkit.Op[ListBackupPoliciesInput, ListBackupPoliciesOutput]{
	Name:       "ListBackupPolicies",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *ListBackupPoliciesInput) error { return backupFeature.check(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *ListBackupPoliciesInput, r *opkit.Request) error {
		r.Method, r.Key = http.MethodGet, backupPath(in.Bucket, "")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *ListBackupPoliciesOutput) error {
		out.RequestID = requestID(d, resp)
		var doc jsonBackupPolicies
		if err := decodeJSON(resp, &doc); err != nil {
			return err
		}
		for i := range doc {
			out.Policies = append(out.Policies, doc[i].policy())
		}
		return nil
	},
}

// ListBackupPolicies lists an IBM bucket's backup policies (GET
// /buckets/{bucket}/backup_policies on the configuration service).
func (c *Client) ListBackupPolicies(ctx context.Context, in *ListBackupPoliciesInput, optFns ...func(*client.Options)) (*ListBackupPoliciesOutput, error) {
	return opkit.Call(ctx, c.c, &listBackupPoliciesOp, in, c.backupEndpoint(optFns)...)
}

var getBackupPolicyOp = opkit.Op[GetBackupPolicyInput, GetBackupPolicyOutput]{
	Name:       "GetBackupPolicy",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetBackupPolicyInput) error { return checkPolicy(d, in.Bucket, in.PolicyID) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *GetBackupPolicyInput, r *opkit.Request) error {
		r.Method, r.Key = http.MethodGet, backupPath(in.Bucket, in.PolicyID)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetBackupPolicyOutput) error {
		out.RequestID = requestID(d, resp)
		var doc jsonBackupPolicy
		if err := decodeJSON(resp, &doc); err != nil {
			return err
		}
		out.Policy = doc.policy()
		return nil
	},
}

// GetBackupPolicy returns one backup policy of an IBM bucket. A missing
// policy is an error matching client.ErrNotFound.
func (c *Client) GetBackupPolicy(ctx context.Context, in *GetBackupPolicyInput, optFns ...func(*client.Options)) (*GetBackupPolicyOutput, error) {
	return opkit.Call(ctx, c.c, &getBackupPolicyOp, in, c.backupEndpoint(optFns)...)
}

var deleteBackupPolicyOp = opkit.Op[DeleteBackupPolicyInput, DeleteBackupPolicyOutput]{
	Name:       "DeleteBackupPolicy",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *DeleteBackupPolicyInput) error {
		return checkPolicy(d, in.Bucket, in.PolicyID)
	},
	Serialize: func(_ *client.Dialect, _ *client.Options, in *DeleteBackupPolicyInput, r *opkit.Request) error {
		r.Method, r.Key = http.MethodDelete, backupPath(in.Bucket, in.PolicyID)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeleteBackupPolicyOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// DeleteBackupPolicy removes a backup policy from an IBM bucket.
func (c *Client) DeleteBackupPolicy(ctx context.Context, in *DeleteBackupPolicyInput, optFns ...func(*client.Options)) (*DeleteBackupPolicyOutput, error) {
	return opkit.Call(ctx, c.c, &deleteBackupPolicyOp, in, c.backupEndpoint(optFns)...)
}
