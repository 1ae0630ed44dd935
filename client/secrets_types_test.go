package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// secretFieldName matches struct fields named like secrets.
var secretFieldName = regexp.MustCompile(`(?i)secret|token|api_?key|password|passwd|passphrase|authorization|private_?key`)

// notSecretFields are field names that look like secrets but are not,
// reviewed one by one.
var notSecretFields = map[string]string{
	"SecurityTokenHeader":   "signer.Authorization: the name of the header, not the token",
	"TokenParam":            "client.ObjectListWire: the name of a query parameter",
	"ContinuationToken":     "a listing cursor",
	"NextContinuationToken": "a listing cursor",
	"NextToken":             "a listing cursor",
	"nextToken":             "a listing cursor",
}

// knownSecretFields are secrets whose field names do not say so.
var knownSecretFields = map[string]bool{
	"signer.Token.Value":     true,
	"client.SSECustomer.Key": true,
}

// secretInterfaces hold credentials whatever their implementation.
var secretInterfaces = []string{"signer.CredentialsProvider", "signer.Signer", "signer.Presigner", "signer.TokenProvider", "signer.PostSigner"}

// typeInfo is what the source says about one named type.
type typeInfo struct {
	pkg, name string
	fields    []fieldInfo
	methods   map[string]bool
}

type fieldInfo struct {
	name     string
	exported bool
	types    []string // named types the field's type holds by value, as "pkg.Name"
	pointed  []string // named types it holds behind a pointer
	scalar   bool     // string or []byte
}

// TestSecretTypesAreListed reads the source of client, signer, object,
// multipart, bucket and transfer and finds every exported type that holds
// a secret: a string or []byte field named like one, or a field (directly,
// or an unexported one by composition) of a credentials interface or of
// another such type. Each must implement Format, GoString, String and
// LogValue (fmt and slog do not call the methods of unexported fields, so
// an exported field of a safe type is safe and needs nothing), and each
// must be among secretCases, which prints it with every verb.
func TestSecretTypesAreListed(t *testing.T) {
	types := map[string]*typeInfo{}
	for _, dir := range []string{".", "../signer", "../object", "../multipart", "../bucket", "../transfer"} {
		parseTypes(t, dir, types)
	}
	if types["signer.V4"] == nil || types["client.Client"] == nil {
		t.Fatal("the source scan found no types; the test would prove nothing")
	}

	secret := map[string]bool{} // holds a secret
	for _, n := range secretInterfaces {
		secret[n] = true
	}
	needs := map[string]string{} // must implement the methods: why
	for changed := true; changed; {
		changed = false
		for key, ti := range types {
			if secret[key] {
				continue
			}
			for _, f := range ti.fields {
				full := key + "." + f.name
				direct := f.scalar && (knownSecretFields[full] || secretFieldName.MatchString(f.name) && notSecretFields[f.name] == "")
				holds := func(n string) bool { return secret[n] }
				composed := slices.ContainsFunc(f.types, holds) || slices.ContainsFunc(f.pointed, holds)
				if !direct && !composed {
					continue
				}
				secret[key], changed = true, true
				// fmt prints an unexported field without calling its
				// methods, but a pointer below the top level only as an
				// address.
				if direct || !f.exported && slices.ContainsFunc(f.types, holds) {
					needs[key] = "field " + f.name
				}
			}
		}
	}

	for _, k := range []string{"signer.V4", "signer.COS", "signer.IAMTokenProvider", "signer.Credentials", "client.Client", "client.SSECustomer"} {
		if needs[k] == "" {
			t.Errorf("the source scan does not see that %s holds a secret; the test would prove nothing", k)
		}
	}
	listed := map[string]bool{}
	for _, sc := range secretCases(t) {
		rt := reflect.TypeOf(sc.value)
		for rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		listed[filepath.Base(rt.PkgPath())+"."+rt.Name()] = true
	}
	keys := make([]string, 0, len(needs))
	for k := range needs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		ti := types[key]
		if !ast.IsExported(ti.name) {
			continue
		}
		for _, m := range []string{"Format", "GoString", "String", "LogValue"} {
			if !ti.methods[m] {
				t.Errorf("%s holds a secret (%s) but has no %s method", key, needs[key], m)
			}
		}
		if !listed[key] {
			t.Errorf("%s holds a secret (%s) but is not among secretCases", key, needs[key])
		}
	}
	t.Logf("%d secret-holding types need redacting methods: %v", len(keys), keys)
}

func parseTypes(t *testing.T, dir string, types map[string]*typeInfo) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		pkg := f.Name.Name
		get := func(name string) *typeInfo {
			key := pkg + "." + name
			if types[key] == nil {
				types[key] = &typeInfo{pkg: pkg, name: name, methods: map[string]bool{}}
			}
			return types[key]
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) == 0 {
					continue
				}
				rt := d.Recv.List[0].Type
				if st, ok := rt.(*ast.StarExpr); ok {
					rt = st.X
				}
				if ix, ok := rt.(*ast.IndexExpr); ok {
					rt = ix.X
				}
				if id, ok := rt.(*ast.Ident); ok {
					get(id.Name).methods[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					ti := get(ts.Name.Name)
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, fl := range st.Fields.List {
						refs, pointed, scalar := typeRefs(pkg, fl.Type)
						names := fl.Names
						if len(names) == 0 { // embedded
							name := append(refs, pointed...)[0]
							names = []*ast.Ident{ast.NewIdent(name[strings.IndexByte(name, '.')+1:])}
						}
						for _, n := range names {
							ti.fields = append(ti.fields, fieldInfo{name: n.Name, exported: n.IsExported(), types: refs, pointed: pointed, scalar: scalar})
						}
					}
				}
			}
		}
	}
}

// typeRefs returns the named types expr holds by value (through slices,
// arrays, maps and type arguments) and behind pointers or channels, and
// whether it is a string or []byte.
func typeRefs(pkg string, expr ast.Expr) (refs, pointed []string, scalar bool) {
	var walk func(ast.Expr, bool)
	walk = func(e ast.Expr, ptr bool) {
		add := func(name string) {
			if ptr {
				pointed = append(pointed, name)
			} else {
				refs = append(refs, name)
			}
		}
		switch e := e.(type) {
		case *ast.Ident:
			add(pkg + "." + e.Name)
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok {
				add(x.Name + "." + e.Sel.Name)
			}
		case *ast.StarExpr:
			walk(e.X, true)
		case *ast.ArrayType:
			walk(e.Elt, ptr)
		case *ast.MapType:
			walk(e.Key, ptr)
			walk(e.Value, ptr)
		case *ast.ChanType:
			walk(e.Value, true)
		case *ast.IndexExpr:
			walk(e.X, ptr)
			walk(e.Index, ptr)
		case *ast.IndexListExpr:
			walk(e.X, ptr)
			for _, x := range e.Indices {
				walk(x, ptr)
			}
		}
	}
	walk(expr, false)
	switch e := expr.(type) {
	case *ast.Ident:
		scalar = e.Name == "string"
	case *ast.ArrayType:
		id, ok := e.Elt.(*ast.Ident)
		scalar = ok && e.Len == nil && id.Name == "byte"
	}
	return refs, pointed, scalar
}
