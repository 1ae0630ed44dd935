package bucket

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// GetLocationInput is the input of GetLocation.
type GetLocationInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetLocationOutput is the result of GetLocation.
type GetLocationOutput struct {
	// Location is the bucket's region (S3: "us-east-1" where S3 answers
	// with an empty constraint, "eu-west-1" for its legacy "EU"; COS:
	// "ap-beijing"), IBM provisioning code ("us-south-standard") or
	// QingStor zone ("pek3b").
	Location string
	// RequestID is the service's request id.
	RequestID string
}

type xmlLocationConstraint struct {
	Value string `xml:",chardata"`
}

type jsonStats struct {
	Location string `json:"location"`
}

var getLocationOp = opkit.Op[GetLocationInput, GetLocationOutput]{
	Name:       "GetBucketLocation",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetLocationInput) error { return checkBucket(d, in.Bucket) },
	Serialize: func(d *client.Dialect, _ *client.Options, in *GetLocationInput, r *opkit.Request) error {
		subresource(r, http.MethodGet, in.Bucket, d.Bucket.Location.Subresource)
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetLocationOutput) error {
		out.RequestID = requestID(d, resp)
		var loc string
		if isJSON(d) {
			var res jsonStats
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			loc = res.Location
		} else {
			var res xmlLocationConstraint
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			loc = res.Value
		}
		loc = strings.TrimSpace(loc)
		if alias, ok := d.Bucket.Location.Aliases[loc]; ok {
			loc = alias
		}
		out.Location = loc
		return nil
	},
}

// GetLocation returns the region (or IBM provisioning code, or QingStor
// zone) a bucket lives in: S3, IBM and COS GET ?location; QingStor GET
// ?stats, whose answer names the zone.
func (c *Client) GetLocation(ctx context.Context, in *GetLocationInput, optFns ...func(*client.Options)) (*GetLocationOutput, error) {
	return opkit.Call(ctx, c.c, &getLocationOp, in, optFns...)
}

// PutPolicyInput is the input of PutPolicy.
type PutPolicyInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Policy is the policy document, JSON in the dialect's policy
	// language: an IAM-style {"Version": ..., "Statement": [...]} for S3,
	// IBM and COS, {"statement": [...]} for QingStor.
	Policy string
}

// PutPolicyOutput is the result of PutPolicy.
type PutPolicyOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetPolicyInput is the input of GetPolicy.
type GetPolicyInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetPolicyOutput is the result of GetPolicy.
type GetPolicyOutput struct {
	// Policy is the policy document as the service returned it.
	Policy string
	// RequestID is the service's request id.
	RequestID string
}

// DeletePolicyInput is the input of DeletePolicy.
type DeletePolicyInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeletePolicyOutput is the result of DeletePolicy.
type DeletePolicyOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// policyFeature is bucket policies; IBM has none (IAM policies instead).
var policyFeature = feature{"bucket policies", func(w *client.BucketWire) bool { return w.Policy.Supported }}

var putPolicyOp = opkit.Op[PutPolicyInput, PutPolicyOutput]{
	Name:       "PutBucketPolicy",
	Idempotent: true,
	Validate: func(d *client.Dialect, in *PutPolicyInput) error {
		if err := policyFeature.check(d, in.Bucket); err != nil {
			return err
		}
		if strings.TrimSpace(in.Policy) == "" {
			return client.InvalidArgument("Policy", "must not be empty (use DeletePolicy to remove a policy)")
		}
		if len(in.Policy) > maxDocument {
			return client.InvalidArgument("Policy", "is %d bytes, more than %d", len(in.Policy), maxDocument)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in.Policy), &doc); err != nil {
			return client.InvalidArgument("Policy", "is not a JSON object: %v", err)
		}
		return nil
	},
	Serialize: func(d *client.Dialect, _ *client.Options, in *PutPolicyInput, r *opkit.Request) error {
		subresource(r, http.MethodPut, in.Bucket, "policy")
		setDocument(d, r, []byte(in.Policy), "application/json")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutPolicyOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// PutPolicy replaces a bucket's access policy. The document must be a
// JSON object; the service checks the rest. IBM COS has no bucket
// policies (access is granted with IAM policies): it is refused with
// client.ErrNotSupported before any request, as are GetPolicy and
// DeletePolicy.
func (c *Client) PutPolicy(ctx context.Context, in *PutPolicyInput, optFns ...func(*client.Options)) (*PutPolicyOutput, error) {
	return opkit.Call(ctx, c.c, &putPolicyOp, in, optFns...)
}

var getPolicyOp = opkit.Op[GetPolicyInput, GetPolicyOutput]{
	Name:       "GetBucketPolicy",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetPolicyInput) error { return policyFeature.check(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *GetPolicyInput, r *opkit.Request) error {
		subresource(r, http.MethodGet, in.Bucket, "policy")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetPolicyOutput) error {
		out.RequestID = requestID(d, resp)
		b, err := readDocument(resp)
		if err != nil {
			return err
		}
		out.Policy = string(bytes.TrimSpace(b))
		return nil
	},
}

// emptyPolicy reports whether a policy document is the "no policy" answer
// of dialects that send one (key names the statement list).
func emptyPolicy(doc, key string) bool {
	if strings.TrimSpace(doc) == "" {
		return true
	}
	if key == "" {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &m) != nil {
		return false
	}
	v, ok := m[key]
	if !ok {
		return true
	}
	var list []json.RawMessage
	if s := strings.TrimSpace(string(v)); s == "null" {
		return true
	}
	return json.Unmarshal(v, &list) == nil && len(list) == 0
}

// GetPolicy returns a bucket's access policy. A bucket without one is an
// error matching client.ErrNotFound in every dialect (also where the
// service answers with an empty statement list).
func (c *Client) GetPolicy(ctx context.Context, in *GetPolicyInput, optFns ...func(*client.Options)) (*GetPolicyOutput, error) {
	out, err := opkit.Call(ctx, c.c, &getPolicyOp, in, optFns...)
	if err != nil {
		return nil, err
	}
	if emptyPolicy(out.Policy, opkit.DialectOf(c.c).Bucket.PolicyEmptyKey) {
		return nil, notFound(c.c, getPolicyOp.Name, "policy")
	}
	return out, nil
}

var deletePolicyOp = opkit.Op[DeletePolicyInput, DeletePolicyOutput]{
	Name:       "DeleteBucketPolicy",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *DeletePolicyInput) error { return policyFeature.check(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *DeletePolicyInput, r *opkit.Request) error {
		subresource(r, http.MethodDelete, in.Bucket, "policy")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeletePolicyOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// DeletePolicy removes a bucket's access policy.
func (c *Client) DeletePolicy(ctx context.Context, in *DeletePolicyInput, optFns ...func(*client.Options)) (*DeletePolicyOutput, error) {
	return opkit.Call(ctx, c.c, &deletePolicyOp, in, optFns...)
}
