package storagetest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/polystore/polystore/client"
)

// TestFlavorFromData: the wire flavour follows the dialect's data, so
// renamed copies keep their family and a name alone changes nothing.
func TestFlavorFromData(t *testing.T) {
	renamed := func(d client.Dialect, name string) client.Dialect { d.Name = name; return d }
	cases := []struct {
		d    client.Dialect
		want flavor
	}{
		{client.S3, flavorS3},
		{client.IBM, flavorIBM},
		{client.COS, flavorCOS},
		{client.QingStor, flavorQingStor},
		{renamed(client.S3, "ceph"), flavorS3},
		{renamed(client.IBM, "ibm-eu"), flavorIBM},
		{renamed(client.COS, "cos-intl"), flavorCOS},
		{renamed(client.QingStor, "qingstor-private"), flavorQingStor},
		// A name is not a flavour: S3's data named "cos" is still S3.
		{renamed(client.S3, client.COS.Name), flavorS3},
		{renamed(client.S3, client.QingStor.Name), flavorS3},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, flavorOf(c.d), "dialect %q", c.d.Name)
	}
}
