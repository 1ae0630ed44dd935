package storagetest

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/signer"
)

// schemePolicyConditions are the conditions a signing scheme's policy must
// carry (S3: algorithm, credential and date; COS: algorithm, SecretId and
// key time).
var schemePolicyConditions = map[signer.PostScheme][]string{
	signer.PostSchemeV4:  {"x-amz-algorithm", "x-amz-credential", "x-amz-date"},
	signer.PostSchemeCOS: {"q-sign-algorithm", "q-ak", "q-sign-time"},
}

// conditionFieldAlias names the form field a condition is checked against
// when the two are spelled differently: COS's q-sign-time condition
// matches the q-key-time field.
var conditionFieldAlias = map[string]string{"q-sign-time": "q-key-time"}

// checkFormPolicy checks a signed form against its policy. It returns the
// key to store (with ${filename} replaced by the file's name) and the
// file's allowed size.
func (s *Server) checkFormPolicy(c *call, f *form, ver *signer.PostVerified, filename string, now time.Time) (string, sizeRange, error) {
	fw := &s.dialect.Object.PostForm
	size := sizeRange{min: 0, max: s.dialect.Limits.MaxPutSize}
	key := f.get(fw.KeyField)
	if fw.Policy == client.PostPolicyFields {
		if err := c.checkFieldPolicy(f, ver); err != nil {
			return "", size, err
		}
		return strings.ReplaceAll(key, "${filename}", filename), size, nil
	}

	p, err := signer.ParsePostPolicy(ver.Policy)
	if err != nil {
		return "", size, c.formFail(formBadPolicy, strings.TrimPrefix(err.Error(), "signer: "))
	}
	if !now.Before(p.Expiration) {
		return "", size, c.formFail(formPolicyExpired, "")
	}
	// The key is checked as it will be stored: COS documents that
	// ${filename} is replaced before the policy is checked, and S3 (as
	// MinIO) does the same.
	key = strings.ReplaceAll(key, "${filename}", filename)
	named := map[string]bool{}
	for _, cond := range p.Conditions {
		if cond.Match == signer.PostContentLengthRange {
			size.min = cond.Min
			size.max = min(cond.Max, size.max)
			continue
		}
		name := strings.ToLower(cond.Field)
		named[name] = true
		var value string
		present := true
		switch {
		case name == "bucket":
			value = c.bucket
		case name == strings.ToLower(fw.KeyField):
			value = key
		default:
			field := name
			if alias, ok := conditionFieldAlias[name]; ok {
				field = alias
			}
			value, present = f.lookup(field)
		}
		ok := present || (cond.Match == signer.PostStartsWith && cond.Value == "")
		switch cond.Match {
		case signer.PostEq:
			ok = ok && value == cond.Value
		case signer.PostStartsWith:
			ok = ok && strings.HasPrefix(value, cond.Value)
		}
		if !ok {
			return "", size, c.formFail(formConditionFailed, conditionText(cond))
		}
	}
	for _, name := range schemePolicyConditions[ver.Scheme] {
		if !named[name] {
			return "", size, c.formFail(formBadPolicy, "the policy has no "+strconv.Quote(name)+" condition.")
		}
	}
	if fw.AllFieldsInPolicy {
		auth := signer.PostAuthFields(ver.Scheme)
		for _, x := range f.fields {
			name := strings.ToLower(x.name)
			if !named[name] && !slices.Contains(auth, name) && !strings.HasPrefix(name, "x-ignore-") {
				return "", size, c.formFail(formExtraField, name)
			}
		}
	}
	return key, size, nil
}

// checkFieldPolicy checks a QingStor form: its policy is a JSON object that
// must give every field before the file (access_key_id, policy and
// signature excepted) its exact value, and name no other field.
func (c *call) checkFieldPolicy(f *form, ver *signer.PostVerified) error {
	var doc map[string]any
	if err := json.Unmarshal(ver.Policy, &doc); err != nil {
		return c.formFail(formBadPolicy, "the policy is not a JSON object.")
	}
	want := make(map[string]string, len(doc))
	for k, v := range doc {
		s, ok := v.(string)
		if !ok {
			return c.formFail(formBadPolicy, "the value of "+strconv.Quote(k)+" is not a string.")
		}
		want[strings.ToLower(k)] = s
	}
	auth := signer.PostAuthFields(ver.Scheme)
	for _, x := range f.fields {
		name := strings.ToLower(x.name)
		if slices.Contains(auth, name) {
			continue
		}
		v, ok := want[name]
		if !ok {
			return c.formFail(formExtraField, name)
		}
		if v != x.value {
			return c.formFail(formConditionFailed, name+" is not "+strconv.Quote(v))
		}
		delete(want, name)
	}
	if len(want) > 0 {
		missing := slices.Sorted(maps.Keys(want))
		return c.formFail(formConditionFailed, "the form has no "+strconv.Quote(missing[0])+" field")
	}
	return nil
}

// conditionText renders a condition as policies write it, for messages.
func conditionText(cond signer.PostCondition) string {
	b, _ := json.Marshal([]string{string(cond.Match), "$" + cond.Field, cond.Value})
	return string(b)
}
