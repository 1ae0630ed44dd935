package conformance

import (
	"testing"

	"github.com/polystore/polystore/client"
)

func TestCOSStoragetest(t *testing.T) { onStoragetest(t, client.COS) }
