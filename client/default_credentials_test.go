package client_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// TestDefaultCredentialsChain: with neither Credentials nor Signer set, a
// client signs with its dialect's default chain, so keys found only in the
// vendor's configuration file (no environment variables) are used.
func TestDefaultCredentialsChain(t *testing.T) {
	files := map[string]struct{ path, content string }{
		"s3": {".aws/credentials", "[default]\naws_access_key_id = " + storagetest.DefaultAccessKey +
			"\naws_secret_access_key = " + storagetest.DefaultSecretKey + "\n"},
		"cos": {".cos.conf", "[common]\nsecret_id = " + storagetest.DefaultAccessKey +
			"\nsecret_key = " + storagetest.DefaultSecretKey + "\n"},
		"qingstor": {".qingstor/config.yaml", "access_key_id: '" + storagetest.DefaultAccessKey +
			"'\nsecret_access_key: '" + storagetest.DefaultSecretKey + "'\n"},
		"ibm": {".bluemix/cos_credentials", `{"cos_hmac_keys": {"access_key_id": "` + storagetest.DefaultAccessKey +
			`", "secret_access_key": "` + storagetest.DefaultSecretKey + `"}}`},
	}
	for _, d := range client.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			for _, v := range append(append(append([]string{}, d.CredentialEnv.AccessKeyVars...), d.CredentialEnv.SecretVars...), d.CredentialEnv.TokenVars...) {
				t.Setenv(v, "")
			}
			for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
				"QINGSTOR_CONFIG_PATH", "TCCLI_PROFILE"} {
				t.Setenv(v, "")
			}
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			t.Setenv("POLYSTORE_CVM_METADATA_DISABLED", "true")
			f := files[d.Name]
			p := filepath.Join(home, f.path)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(f.content), 0o600); err != nil {
				t.Fatal(err)
			}

			srv := storagetest.NewServer(d)
			defer srv.Close()
			c, err := client.New(d, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region()))
			if err != nil {
				t.Fatal(err)
			}
			name := "chain-bucket"
			if d.ValidateBucket(name) != nil {
				name += "-1250000000"
			}
			if _, err := bucket.NewClient(c).Create(context.Background(), &bucket.CreateInput{Bucket: name}); err != nil {
				t.Fatalf("a request signed with keys from %s: %v", f.path, err)
			}
		})
	}
}
