package bucket

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/opkit"
)

// CORSRule is one cross-origin resource sharing rule of a bucket.
type CORSRule struct {
	// ID names the rule (S3, IBM, COS). QingStor rules have no ID and
	// refuse one with client.ErrNotSupported.
	ID string
	// AllowedOrigins are the origins allowed, such as
	// "https://www.example.com" or "*". At least one. QingStor rules name
	// one origin each; a rule with several is sent as one rule per origin
	// (and read back that way).
	AllowedOrigins []string
	// AllowedMethods are the HTTP methods allowed: GET, PUT, POST, DELETE
	// and HEAD. At least one.
	AllowedMethods []string
	// AllowedHeaders are the request headers a preflight may ask for.
	AllowedHeaders []string
	// ExposeHeaders are the response headers a browser may read.
	ExposeHeaders []string
	// MaxAgeSeconds is how long a browser may cache a preflight answer;
	// 0 leaves it unset.
	MaxAgeSeconds int
}

// PutCORSInput is the input of PutCORS.
type PutCORSInput struct {
	// Bucket is the bucket's name.
	Bucket string
	// Rules replace the bucket's CORS configuration. At least one.
	Rules []CORSRule
}

// PutCORSOutput is the result of PutCORS.
type PutCORSOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

// GetCORSInput is the input of GetCORS.
type GetCORSInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// GetCORSOutput is the result of GetCORS.
type GetCORSOutput struct {
	// Rules are the bucket's CORS rules, at least one.
	Rules []CORSRule
	// RequestID is the service's request id.
	RequestID string
}

// DeleteCORSInput is the input of DeleteCORS.
type DeleteCORSInput struct {
	// Bucket is the bucket's name.
	Bucket string
}

// DeleteCORSOutput is the result of DeleteCORS.
type DeleteCORSOutput struct {
	// RequestID is the service's request id.
	RequestID string
}

type xmlCORSConfiguration struct {
	XMLName xml.Name      `xml:"CORSConfiguration"`
	Xmlns   string        `xml:"xmlns,attr,omitempty"`
	Rules   []xmlCORSRule `xml:"CORSRule"`
}

type xmlCORSRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  int      `xml:"MaxAgeSeconds,omitempty"`
}

type jsonCORS struct {
	Rules []jsonCORSRule `json:"cors_rules"`
}

type jsonCORSRule struct {
	AllowedOrigin  string   `json:"allowed_origin"`
	AllowedMethods []string `json:"allowed_methods"`
	AllowedHeaders []string `json:"allowed_headers,omitempty"`
	ExposeHeaders  []string `json:"expose_headers,omitempty"`
	MaxAgeSeconds  int      `json:"max_age_seconds,omitempty"`
}

var corsMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead}

func validatePutCORS(d *client.Dialect, in *PutCORSInput) error {
	if err := checkBucket(d, in.Bucket); err != nil {
		return err
	}
	w := d.Bucket.CORS
	if len(in.Rules) == 0 {
		return client.InvalidArgument("Rules", "must have at least one rule (use DeleteCORS to remove the configuration)")
	}
	if w.MaxRules > 0 && len(in.Rules) > w.MaxRules {
		return client.InvalidArgument("Rules", "has %d rules; the %s limit is %d", len(in.Rules), d.Name, w.MaxRules)
	}
	for i, rule := range in.Rules {
		field := "Rules[" + strconv.Itoa(i) + "]"
		if rule.ID != "" && !w.RuleIDs {
			return client.NotSupported(d, field+".ID", "CORS rule IDs")
		}
		if len(rule.AllowedOrigins) == 0 {
			return client.InvalidArgument(field+".AllowedOrigins", "must name at least one origin")
		}
		for _, o := range rule.AllowedOrigins {
			if o == "" {
				return client.InvalidArgument(field+".AllowedOrigins", "has an empty origin")
			}
		}
		if len(rule.AllowedMethods) == 0 {
			return client.InvalidArgument(field+".AllowedMethods", "must name at least one method")
		}
		for _, m := range rule.AllowedMethods {
			if !slices.Contains(corsMethods, m) {
				return client.InvalidArgument(field+".AllowedMethods", "%q is not one of %s", m, strings.Join(corsMethods, ", "))
			}
		}
		if rule.MaxAgeSeconds < 0 {
			return client.InvalidArgument(field+".MaxAgeSeconds", "must not be negative, got %d", rule.MaxAgeSeconds)
		}
	}
	return nil
}

var putCORSOp = opkit.Op[PutCORSInput, PutCORSOutput]{
	Name:       "PutBucketCors",
	Idempotent: true,
	Validate:   validatePutCORS,
	Serialize: func(d *client.Dialect, _ *client.Options, in *PutCORSInput, r *opkit.Request) error {
		subresource(r, http.MethodPut, in.Bucket, "cors")
		if isJSON(d) {
			doc := jsonCORS{}
			for _, rule := range in.Rules {
				// A QingStor rule names one origin.
				for _, o := range rule.AllowedOrigins {
					doc.Rules = append(doc.Rules, jsonCORSRule{
						AllowedOrigin: o, AllowedMethods: rule.AllowedMethods,
						AllowedHeaders: rule.AllowedHeaders, ExposeHeaders: rule.ExposeHeaders,
						MaxAgeSeconds: rule.MaxAgeSeconds,
					})
				}
			}
			return setJSON(d, r, doc)
		}
		doc := xmlCORSConfiguration{Xmlns: d.Bucket.XMLNamespace}
		for _, rule := range in.Rules {
			doc.Rules = append(doc.Rules, xmlCORSRule(rule))
		}
		return setXML(d, r, doc)
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *PutCORSOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// PutCORS replaces a bucket's CORS configuration.
func (c *Client) PutCORS(ctx context.Context, in *PutCORSInput, optFns ...func(*client.Options)) (*PutCORSOutput, error) {
	return opkit.Call(ctx, c.c, &putCORSOp, in, optFns...)
}

var getCORSOp = opkit.Op[GetCORSInput, GetCORSOutput]{
	Name:       "GetBucketCors",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *GetCORSInput) error { return checkBucket(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *GetCORSInput, r *opkit.Request) error {
		subresource(r, http.MethodGet, in.Bucket, "cors")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *GetCORSOutput) error {
		out.RequestID = requestID(d, resp)
		if isJSON(d) {
			var res jsonCORS
			if err := opkit.DecodeBody(d, resp, &res); err != nil {
				return err
			}
			for _, r := range res.Rules {
				out.Rules = append(out.Rules, CORSRule{
					AllowedOrigins: []string{r.AllowedOrigin}, AllowedMethods: r.AllowedMethods,
					AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders,
					MaxAgeSeconds: r.MaxAgeSeconds,
				})
			}
			return nil
		}
		var res xmlCORSConfiguration
		if err := opkit.DecodeBody(d, resp, &res); err != nil {
			return err
		}
		for _, r := range res.Rules {
			out.Rules = append(out.Rules, CORSRule(r))
		}
		return nil
	},
}

// GetCORS returns a bucket's CORS configuration. A bucket without one is
// an error matching client.ErrNotFound in every dialect (also where the
// service answers with an empty configuration).
func (c *Client) GetCORS(ctx context.Context, in *GetCORSInput, optFns ...func(*client.Options)) (*GetCORSOutput, error) {
	out, err := opkit.Call(ctx, c.c, &getCORSOp, in, optFns...)
	if err != nil {
		return nil, err
	}
	if len(out.Rules) == 0 {
		return nil, notFound(c.c, getCORSOp.Name, "CORS configuration")
	}
	return out, nil
}

var deleteCORSOp = opkit.Op[DeleteCORSInput, DeleteCORSOutput]{
	Name:       "DeleteBucketCors",
	Idempotent: true,
	Validate:   func(d *client.Dialect, in *DeleteCORSInput) error { return checkBucket(d, in.Bucket) },
	Serialize: func(_ *client.Dialect, _ *client.Options, in *DeleteCORSInput, r *opkit.Request) error {
		subresource(r, http.MethodDelete, in.Bucket, "cors")
		return nil
	},
	Deserialize: func(d *client.Dialect, resp *http.Response, out *DeleteCORSOutput) error {
		out.RequestID = requestID(d, resp)
		return nil
	},
}

// DeleteCORS removes a bucket's CORS configuration.
func (c *Client) DeleteCORS(ctx context.Context, in *DeleteCORSInput, optFns ...func(*client.Options)) (*DeleteCORSOutput, error) {
	return opkit.Call(ctx, c.c, &deleteCORSOp, in, optFns...)
}
