package credentials

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

// leaks are the secret strings the secret-holding values below are built
// with; none may appear in any rendering.
var leaks = []string{
	"imds-secret-value", "imds-session-token", "imds-token-1",
	"sts-secret-value", "sts-session-token", "source-secret",
	"container-secret", "container-token", "eks-pod-token",
	"proc-secret-value", "coscmd-secret", "tccli-secret",
	"cvm-secret", "cvm-token", "qingstor-secret",
	"ibm-api-key-secret", "ibm-hmac-secret", "iam-access-token-1", "cr-token-value",
	"oidc-token-value", "static-file-secret",
}

// secretHolders builds every exported type of the package that holds, or
// caches, a secret, each after fetching so that its cache is full. The
// list is explicit so that a new type is noticed in review;
// TestEverySecretTypeListed checks that none is missing.
func secretHolders(t *testing.T) map[string]any {
	home := isolate(t)
	imdsOn(t)
	cvmOn(t)
	ctx := context.Background()
	imds := newFakeIMDS(t, time.Now)
	sts := newFakeSTS(t, time.Now)
	sts.keys["SOURCEKEY"] = "source-secret"
	fc := newFakeContainer(t, "eks-pod-token")
	cvm := newFakeCVM(t, time.Now)
	iam := newFakeIAM(t)

	writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = static-file-secret\n")
	writeFile(t, home, ".cos.conf", "[common]\nsecret_id = A\nsecret_key = coscmd-secret\n")
	writeFile(t, home, ".tccli/default.credential", `{"secretId": "A", "secretKey": "tccli-secret"}`)
	writeFile(t, home, ".qingstor/config.yaml", "access_key_id: A\nsecret_access_key: qingstor-secret\n")
	writeFile(t, home, ".bluemix/cos_credentials", ibmServiceCredential)
	script := writeScript(t, home, "p.sh", `echo '{"Version": 1, "AccessKeyId": "P", "SecretAccessKey": "proc-secret-value"}'`+"\n")

	imdsP := NewIMDS(func(o *IMDSOptions) { o.Endpoint = imds.srv.URL })
	assume := NewAssumeRole(signer.NewStaticCredentials("SOURCEKEY", "source-secret", ""), "arn:aws:iam::1:role/R",
		func(o *AssumeRoleOptions) { o.STS.Endpoint = sts.srv.URL })
	web := NewWebIdentity(func(o *WebIdentityOptions) {
		o.TokenFile = writeFile(t, home, "oidc", "oidc-token-value")
		o.RoleARN = "arn:aws:iam::1:role/W"
		o.STS.Endpoint = sts.srv.URL
	})
	container := NewContainer(func(o *ContainerOptions) { o.FullURI = fc.srv.URL; o.AuthorizationToken = "eks-pod-token" })
	trusted := NewTrustedProfile(func(o *TrustedProfileOptions) {
		o.ProfileID = "P"
		o.CRTokenFile = writeFile(t, home, "cr", "cr-token-value")
		o.Endpoint = iam.srv.URL
	})
	qcfg, err := LoadQingStorConfig()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := LoadIBMServiceCredentials()
	if err != nil {
		t.Fatal(err)
	}
	auth, err := ResolveIBM()
	if err != nil {
		t.Fatal(err)
	}
	holders := map[string]any{
		"*IMDSProvider":           imdsP,
		"*AssumeRoleProvider":     assume,
		"*WebIdentityProvider":    web,
		"*ContainerProvider":      container,
		"*ProcessProvider":        NewProcess(script),
		"*SharedConfigProvider":   NewSharedConfig(),
		"*CoscmdProvider":         NewCoscmd(),
		"*TCCLIProvider":          NewTCCLI(),
		"*CVMRoleProvider":        NewCVMRole(func(o *CVMRoleOptions) { o.Endpoint = cvm.srv.URL }),
		"*QingStorFileProvider":   NewQingStorFile(),
		"*IBMFileProvider":        NewIBMFile(),
		"*TrustedProfileProvider": trusted,
		"QingStorConfig":          qcfg,
		"IBMServiceCredentials":   sc,
		"IBMAuth":                 auth,
		"ContainerOptions":        ContainerOptions{AuthorizationToken: "eks-pod-token"},
		"S3ChainOptions":          S3ChainOptions{Container: ContainerOptions{AuthorizationToken: "eks-pod-token"}},
	}
	for name, h := range holders {
		switch p := h.(type) {
		case signer.CredentialsProvider:
			if _, err := p.Retrieve(ctx); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		case signer.TokenProvider:
			if _, err := p.Token(ctx); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	chain := NewChain(imdsP, assume, web)
	mustRetrieve(t, chain)
	holders["*Chain"] = chain
	return holders
}

func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%40v", "%-40s", "%#x", "% x", "%.3s"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln"] = fmt.Sprintln(v)
	out["nested %+v"] = fmt.Sprintf("%+v", struct{ Field any }{v})
	out["nested %#v"] = fmt.Sprintf("%#v", []any{v})
	out["pointer %v"] = fmt.Sprintf("%v", &v)
	if b, err := json.Marshal(v); err == nil {
		out["json"] = string(b)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("m", "value", v, "nested", struct{ Inner any }{v})
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "value", v, "nested", struct{ Inner any }{v})
	out["slog text"], out["slog json"] = text.String(), js.String()
	return out
}

func TestNoSecretInAnyRendering(t *testing.T) {
	holders := secretHolders(t)
	var forms []string
	for _, s := range leaks {
		forms = append(forms, s, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))),
			base64.StdEncoding.EncodeToString([]byte(s)), strconv.Quote(s)[1:len(strconv.Quote(s))-1])
	}
	for name, h := range holders {
		for how, s := range renderings(h) {
			assertNoSecret(t, name+" "+how, s, forms...)
		}
	}
}

// TestEverySecretTypeListed walks the package's exported types and fails
// if one with a field that may hold a secret (a string named like one, a
// provider, a cache) is missing from secretHolders or lacks Format and
// GoString.
func TestEverySecretTypeListed(t *testing.T) {
	holders := secretHolders(t)
	types := []any{
		IMDSProvider{}, AssumeRoleProvider{}, WebIdentityProvider{}, ContainerProvider{}, ProcessProvider{},
		SharedConfigProvider{}, CoscmdProvider{}, TCCLIProvider{}, CVMRoleProvider{}, QingStorFileProvider{},
		IBMFileProvider{}, TrustedProfileProvider{}, QingStorConfig{}, IBMServiceCredentials{}, IBMAuth{}, Chain{},
		// Types that hold no secret, listed so the walk below covers every exported type.
		FileError{}, NotFoundError{}, STSError{}, SharedConfigOptions{}, STSOptions{}, AssumeRoleOptions{},
		WebIdentityOptions{}, ContainerOptions{}, IMDSOptions{}, ProcessOptions{}, S3ChainOptions{}, COSFileOptions{},
		CVMRoleOptions{}, COSChainOptions{}, QingStorFileOptions{}, QingStorChainOptions{}, IBMFileOptions{},
		TrustedProfileOptions{}, IBMOptions{},
	}
	secretish := func(rt reflect.Type) bool {
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			n := strings.ToLower(f.Name)
			if f.Type.Kind() == reflect.String && (strings.Contains(n, "secret") || strings.Contains(n, "token") || strings.Contains(n, "apikey") || strings.Contains(n, "password")) &&
				!strings.Contains(n, "file") && !strings.Contains(n, "name") {
				return true
			}
			if strings.Contains(f.Type.String(), "CredentialsCache") || strings.Contains(f.Type.String(), "tokenCache") ||
				strings.Contains(f.Type.String(), "CredentialsProvider") || strings.Contains(f.Type.String(), "TokenProvider") ||
				f.Type.String() == "*credentials.imds" {
				return true
			}
		}
		return false
	}
	for _, v := range types {
		rt := reflect.TypeOf(v)
		if !secretish(rt) {
			continue
		}
		name := rt.Name()
		ptr := reflect.PointerTo(rt)
		if _, ok := holders[name]; !ok {
			if _, ok := holders["*"+name]; !ok {
				t.Errorf("%s holds secrets but is not in secretHolders", name)
			}
		}
		fmtr := reflect.TypeOf((*fmt.Formatter)(nil)).Elem()
		gos := reflect.TypeOf((*fmt.GoStringer)(nil)).Elem()
		if !ptr.Implements(fmtr) || !ptr.Implements(gos) {
			t.Errorf("%s holds secrets but lacks Format or GoString", name)
		}
	}
}
