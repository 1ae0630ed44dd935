package client

import "reflect"

// Clone returns a deep copy of d: its maps and slices, and those of every
// wire table in it, are fresh, so the copy can be changed in place —
// d2.ErrorKinds["Quota"] = ErrThrottled, d2.RegionEnv[0] = "X" — without
// touching d or any client built from d. Functions (ValidateBucket,
// NewSigner, ...) are shared, as they hold no state.
//
//	ceph := client.S3.Clone()
//	ceph.Name = "ceph"
//	ceph.ThrottleCodes["TooManyRequests"] = true
//
// New clones the dialect it is given, so changing a dialect value after
// New never changes a client.
func (d Dialect) Clone() Dialect {
	v := reflect.ValueOf(&d).Elem()
	out := reflect.New(v.Type()).Elem()
	deepCopy(out, v)
	return out.Interface().(Dialect)
}

// deepCopy copies src into dst (settable, same type), allocating new maps,
// slices and pointed-to values. Interfaces and functions are copied as
// they are; a dialect holds no cycles.
func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		dst.Set(src) // unexported fields keep the source's values
		for i := range src.NumField() {
			f := dst.Field(i)
			if !f.CanSet() {
				continue
			}
			deepCopy(f, src.Field(i))
		}
	case reflect.Map:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			val := reflect.New(src.Type().Elem()).Elem()
			deepCopy(val, it.Value())
			m.SetMapIndex(it.Key(), val)
		}
		dst.Set(m)
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			deepCopy(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			deepCopy(dst.Index(i), src.Index(i))
		}
	case reflect.Pointer:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		p := reflect.New(src.Type().Elem())
		deepCopy(p.Elem(), src.Elem())
		dst.Set(p)
	default:
		dst.Set(src)
	}
}
