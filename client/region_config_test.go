package client

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/polystore/polystore/credentials"
)

// isolateConfig points every vendor's configuration files at an empty
// temporary home and clears the region variables.
func isolateConfig(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE",
		"AWS_SHARED_CREDENTIALS_FILE", "COS_REGION", "QINGSTOR_ZONE", "QINGSTOR_CONFIG_PATH", "TCCLI_PROFILE", "IBM_COS_REGION"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	return home
}

func write(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
}

var creds = WithStaticCredentials("AK", "SK", "")

func TestRegionFromConfigFiles(t *testing.T) {
	t.Run("s3 profile", func(t *testing.T) {
		home := isolateConfig(t)
		write(t, filepath.Join(home, ".aws", "config"), "[default]\nregion = eu-west-3\n[profile work]\nregion = ap-south-1\n")
		c, err := New(S3, creds)
		require.NoError(t, err)
		assert.Equal(t, "eu-west-3", c.Options().Region)

		t.Setenv("AWS_PROFILE", "work")
		c, err = New(S3, creds)
		require.NoError(t, err)
		assert.Equal(t, "ap-south-1", c.Options().Region)

		// The environment and the option come first.
		t.Setenv("AWS_REGION", "us-west-2")
		c, err = New(S3, creds)
		require.NoError(t, err)
		assert.Equal(t, "us-west-2", c.Options().Region)
		c, err = New(S3, creds, WithRegion("ca-central-1"))
		require.NoError(t, err)
		assert.Equal(t, "ca-central-1", c.Options().Region)
	})
	t.Run("s3 none", func(t *testing.T) {
		isolateConfig(t)
		c, err := New(S3, creds)
		require.NoError(t, err)
		assert.Equal(t, S3.DefaultRegion, c.Options().Region)
	})
	t.Run("ibm ignores aws config", func(t *testing.T) {
		home := isolateConfig(t)
		write(t, filepath.Join(home, ".aws", "config"), "[default]\nregion = eu-west-3\n")
		c, err := New(IBM, creds)
		require.NoError(t, err)
		assert.Equal(t, IBM.DefaultRegion, c.Options().Region)
	})
	t.Run("cos coscmd", func(t *testing.T) {
		home := isolateConfig(t)
		write(t, filepath.Join(home, ".cos.conf"), "[common]\nsecret_id = x\nsecret_key = y\nregion = ap-guangzhou\n")
		c, err := New(COS, creds)
		require.NoError(t, err)
		assert.Equal(t, "ap-guangzhou", c.Options().Region)
	})
	t.Run("cos none", func(t *testing.T) {
		isolateConfig(t)
		_, err := New(COS, creds)
		var ia *InvalidArgumentError
		require.ErrorAs(t, err, &ia)
		assert.Equal(t, "Region", ia.Field)
	})
	t.Run("qingstor zone", func(t *testing.T) {
		home := isolateConfig(t)
		write(t, filepath.Join(home, ".qingstor", "config.yaml"), "access_key_id: 'AK'\nsecret_access_key: 'SK'\nzone: 'sh1a'\n")
		c, err := New(QingStor, creds)
		require.NoError(t, err)
		assert.Equal(t, "sh1a", c.Options().Region)
	})
	t.Run("malformed file names itself", func(t *testing.T) {
		home := isolateConfig(t)
		path := filepath.Join(home, ".qingstor", "config.yaml")
		write(t, path, "access_key_id: 'AK'\n")
		_, err := New(QingStor, creds)
		require.Error(t, err)
		var fe *credentials.FileError
		require.ErrorAs(t, err, &fe)
		assert.Contains(t, err.Error(), path)
		assert.NotContains(t, err.Error(), "SK")
	})
}
