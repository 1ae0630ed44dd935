package conformance

import (
	"testing"

	"github.com/polystore/polystore/client"
)

func TestQingStorStoragetest(t *testing.T) { onStoragetest(t, client.QingStor) }
