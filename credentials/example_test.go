package credentials_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/polystore/polystore/credentials"
	"github.com/polystore/polystore/signer"
)

// A chain tries its providers in order: here the environment variables
// are unset, so the static keys answer.
func ExampleNewChain() {
	chain := credentials.NewChain(
		signer.EnvCredentials{
			AccessKeyVars: []string{"EXAMPLE_UNSET_ACCESS_KEY"},
			SecretVars:    []string{"EXAMPLE_UNSET_SECRET_KEY"},
		},
		signer.NewStaticCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
	)
	creds, err := chain.Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(creds.AccessKeyID)
	// Output:
	// AKIDEXAMPLE
}

// One provider on its own: a profile of an AWS shared credentials file.
func ExampleNewSharedConfig() {
	dir, err := os.MkdirTemp("", "polystore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "credentials")
	os.WriteFile(path, []byte("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n"), 0o600)

	p := credentials.NewSharedConfig(func(o *credentials.SharedConfigOptions) {
		o.Profile = "dev"
		o.CredentialsFile = path
		o.ConfigFile = filepath.Join(dir, "config") // absent: fine
	})
	creds, err := p.Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p, creds.AccessKeyID)
	// Output:
	// SharedConfig(profile dev) AKIDDEV
}

// The QingStor configuration file also tells the client where a private
// deployment is.
func ExampleLoadQingStorConfig() {
	dir, err := os.MkdirTemp("", "polystore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte("access_key_id: 'AKIDQS'\nsecret_access_key: 'qs-secret'\nhost: 'storage.corp.internal'\nport: 8443\nprotocol: 'https'\n"), 0o600)

	cfg, err := credentials.LoadQingStorConfig(func(o *credentials.QingStorFileOptions) { o.Path = path })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.URL("zone1"))
	// Output:
	// https://zone1.storage.corp.internal:8443
}
