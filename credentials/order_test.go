package credentials

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/polystore/polystore/signer"
)

// checkOrder retrieves from a fresh chain after each step of remove and
// checks which source answered: want[i] before remove[i] runs.
func checkOrder(t *testing.T, newChain func() *Chain, want []string, remove []func()) {
	t.Helper()
	for i, w := range want {
		got, err := newChain().Retrieve(context.Background())
		if err != nil {
			t.Fatalf("step %d: %v (want %s)", i, err, w)
		}
		if got.AccessKeyID != w {
			t.Fatalf("step %d: %s answered, want %s", i, got.AccessKeyID, w)
		}
		if i < len(remove) {
			remove[i]()
		}
	}
}

func TestS3ChainOrder(t *testing.T) {
	home := isolate(t)
	imdsOn(t)
	clock := time.Now
	sts := newFakeSTS(t, clock)
	imds := newFakeIMDS(t, clock)
	fc := newFakeContainer(t, "")
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.srv.URL)
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.srv.URL)

	t.Setenv("AWS_ACCESS_KEY_ID", "FROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	credsFile := writeFile(t, home, ".aws/credentials", "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = file-secret\n")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeFile(t, home, "token", "oidc"))
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/WebIdentity")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", fc.srv.URL+"/creds")

	checkOrder(t, func() *Chain { return NewS3Chain() },
		[]string{"FROMENV", "FROMFILE", "ASIASTS1", "ASIACONTAINER", "ASIAIMDS1"},
		[]func(){
			func() { t.Setenv("AWS_ACCESS_KEY_ID", ""); t.Setenv("AWS_SECRET_ACCESS_KEY", "") },
			func() { os.Remove(credsFile) },
			func() { t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "") },
			func() { t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "") },
		})
	sts.checkClean()
}

func TestCOSChainOrder(t *testing.T) {
	home := isolate(t)
	cvmOn(t)
	m := newFakeCVM(t, time.Now)
	t.Setenv("POLYSTORE_CVM_METADATA_ENDPOINT", m.srv.URL)
	t.Setenv("COS_SECRETID", "FROMENV")
	t.Setenv("COS_SECRETKEY", "env-secret")
	coscmd := writeFile(t, home, ".cos.conf", "[common]\nsecret_id = FROMCOSCMD\nsecret_key = s\n")
	tccli := writeFile(t, home, ".tccli/default.credential", `{"secretId": "FROMTCCLI", "secretKey": "s"}`)
	checkOrder(t, func() *Chain { return NewCOSChain() },
		[]string{"FROMENV", "FROMCOSCMD", "FROMTCCLI", "AKIDCVM1"},
		[]func(){
			func() { t.Setenv("COS_SECRETID", ""); t.Setenv("COS_SECRETKEY", "") },
			func() { os.Remove(coscmd) },
			func() { os.Remove(tccli) },
		})
	// TENCENTCLOUD_* are the environment link's second names.
	t.Setenv("TENCENTCLOUD_SECRETID", "FROMTENCENTENV")
	t.Setenv("TENCENTCLOUD_SECRETKEY", "s")
	if got := mustRetrieve(t, NewCOSChain()); got.AccessKeyID != "FROMTENCENTENV" {
		t.Errorf("TENCENTCLOUD_SECRETID: %s", got.AccessKeyID)
	}
}

func TestQingStorChainOrder(t *testing.T) {
	home := isolate(t)
	t.Setenv("QINGSTOR_ACCESS_KEY_ID", "FROMENV")
	t.Setenv("QINGSTOR_SECRET_ACCESS_KEY", "env-secret")
	writeFile(t, home, ".qingstor/config.yaml", "access_key_id: FROMFILE\nsecret_access_key: s\n")
	checkOrder(t, func() *Chain { return NewQingStorChain() }, []string{"FROMENV", "FROMFILE"},
		[]func(){func() { t.Setenv("QINGSTOR_ACCESS_KEY_ID", ""); t.Setenv("QINGSTOR_SECRET_ACCESS_KEY", "") }})
}

func TestIBMChainOrder(t *testing.T) {
	home := isolate(t)
	t.Setenv("IBM_COS_ACCESS_KEY_ID", "FROMIBMENV")
	t.Setenv("IBM_COS_SECRET_ACCESS_KEY", "env-secret")
	t.Setenv("AWS_ACCESS_KEY_ID", "FROMAWSENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	writeFile(t, home, ".bluemix/cos_credentials", ibmServiceCredential)
	checkOrder(t, func() *Chain { return NewIBMChain() }, []string{"FROMIBMENV", "FROMAWSENV", "IBMHMACKEY"},
		[]func(){
			func() { t.Setenv("IBM_COS_ACCESS_KEY_ID", ""); t.Setenv("IBM_COS_SECRET_ACCESS_KEY", "") },
			func() { t.Setenv("AWS_ACCESS_KEY_ID", ""); t.Setenv("AWS_SECRET_ACCESS_KEY", "") },
		})
}

// TestChainEnvOverride: a chain built with a dialect's own variable names
// reads those (client.Dialect.CredentialEnv is passed this way).
func TestChainEnvOverride(t *testing.T) {
	isolate(t)
	t.Setenv("MY_KEY", "CUSTOM")
	t.Setenv("MY_SECRET", "s")
	env := signer.EnvCredentials{AccessKeyVars: []string{"MY_KEY"}, SecretVars: []string{"MY_SECRET"}}
	for name, c := range map[string]*Chain{
		"s3":       NewS3Chain(func(o *S3ChainOptions) { o.Env = env }),
		"cos":      NewCOSChain(func(o *COSChainOptions) { o.Env = env }),
		"qingstor": NewQingStorChain(func(o *QingStorChainOptions) { o.Env = env }),
		"ibm":      NewIBMChain(func(o *IBMOptions) { o.Env = env }),
	} {
		if got := mustRetrieve(t, c); got.AccessKeyID != "CUSTOM" {
			t.Errorf("%s: %s", name, got.AccessKeyID)
		}
	}
}
