package client

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDialectClone: a clone equals its source, and every map and slice
// reachable from it, however deep in the wire tables, is its own.
func TestDialectClone(t *testing.T) {
	for _, d := range Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			c := d.Clone()
			// reflect.DeepEqual treats functions as unequal unless nil;
			// compare everything else.
			assert.Equal(t, describeData(reflect.ValueOf(d)), describeData(reflect.ValueOf(c)))
			shared := sharedStorage(reflect.ValueOf(d), reflect.ValueOf(c), d.Name)
			assert.Empty(t, shared, "maps or slices shared between the dialect and its clone")
		})
	}
}

// TestDialectCloneIsolation: changing a clone in place leaves the
// exported dialect, and a client built before, as they were.
func TestDialectCloneIsolation(t *testing.T) {
	before := S3.ThrottleCodes["PolystoreTestCode"]
	require.False(t, before)
	cl, err := New(S3, WithRegion("us-east-1"), WithStaticCredentials("AK", "SK", ""))
	require.NoError(t, err)

	ceph := S3.Clone()
	ceph.Name = "ceph"
	ceph.ThrottleCodes["PolystoreTestCode"] = true
	ceph.RegionEnv[0] = "CEPH_REGION"
	ceph.Object.StorageClasses = append(ceph.Object.StorageClasses[:0], "CEPH")

	assert.False(t, S3.ThrottleCodes["PolystoreTestCode"], "S3's map changed")
	assert.Equal(t, "AWS_REGION", S3.RegionEnv[0], "S3's slice changed")
	assert.NotEqual(t, "CEPH", S3.Object.StorageClasses[0])
	assert.False(t, cl.Dialect().ThrottleCodes["PolystoreTestCode"])

	// New clones what it is given: changing the value afterwards does
	// not reach the client.
	d := S3.Clone()
	cl2, err := New(d, WithRegion("us-east-1"), WithStaticCredentials("AK", "SK", ""))
	require.NoError(t, err)
	d.ErrorKinds["PolystoreTestCode"] = ErrThrottled
	_, found := cl2.Dialect().ErrorKinds["PolystoreTestCode"]
	assert.False(t, found, "a dialect changed after New reached the client")
}

// describeData renders v's data (not its functions) for comparison.
func describeData(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Func:
		return v.IsNil()
	case reflect.Struct:
		out := make(map[string]any, v.NumField())
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out[v.Type().Field(i).Name] = describeData(v.Field(i))
			}
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[any]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[it.Key().Interface()] = describeData(it.Value())
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = describeData(v.Index(i))
		}
		return out
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return describeData(v.Elem())
	}
	if v.CanInterface() {
		return v.Interface()
	}
	return v.String()
}

// sharedStorage lists the paths at which a and b hold the same non-empty
// map or slice backing store.
func sharedStorage(a, b reflect.Value, path string) []string {
	var out []string
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				out = append(out, sharedStorage(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)...)
			}
		}
	case reflect.Map:
		if !a.IsNil() && a.UnsafePointer() == b.UnsafePointer() {
			out = append(out, path)
		}
		it := a.MapRange()
		for it.Next() {
			if bv := b.MapIndex(it.Key()); bv.IsValid() {
				out = append(out, sharedStorage(it.Value(), bv, path+"[key]")...)
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.UnsafePointer() == b.UnsafePointer() {
			out = append(out, path)
		}
		for i := range min(a.Len(), b.Len()) {
			out = append(out, sharedStorage(a.Index(i), b.Index(i), path+"[i]")...)
		}
	case reflect.Pointer:
		if !a.IsNil() && !b.IsNil() {
			if a.Pointer() == b.Pointer() {
				out = append(out, path)
			}
			out = append(out, sharedStorage(a.Elem(), b.Elem(), path)...)
		}
	}
	return out
}

// TestExportedDialectsShareNothing: the four exported tables hold storage
// of their own (IBM is built from S3, COS from S3's maps).
func TestExportedDialectsShareNothing(t *testing.T) {
	ds := Dialects()
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			shared := sharedStorage(reflect.ValueOf(ds[i]), reflect.ValueOf(ds[j]), ds[i].Name+"/"+ds[j].Name)
			assert.Empty(t, shared, "storage shared between %s and %s", ds[i].Name, ds[j].Name)
		}
	}
}

// TestBodyShapeFacts: the facts operations decide from the body shapes
// (ObjectWire.ACLDocuments, ...) hold on exactly the S3Bodies dialects
// among the built-in ones, as the shape comparisons they replace did.
func TestBodyShapeFacts(t *testing.T) {
	for _, d := range Dialects() {
		w := d.Object
		s3 := w.Bodies == S3Bodies
		for name, fact := range map[string]bool{
			"ACLDocuments": w.ACLDocuments, "CopyPartETag": w.CopyPartETag, "CompletePartETags": w.CompletePartETags,
			"CompletePartChecksums": w.CompletePartChecksums, "ResultDocuments": w.ResultDocuments,
		} {
			if fact != s3 {
				t.Errorf("%s: Object.%s = %v, want %v (Bodies %v)", d.Name, name, fact, s3, w.Bodies)
			}
		}
	}
}
